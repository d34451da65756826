import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Logger } from 'pino';
import { OPERATOR_NAMESPACE, VISITOR_NAMESPACE } from '../shared/protocol';
import { systemClock, type Clock } from './platform/clock';
import { announceWrites } from './writer/write-turns';
import type { Config } from './config';
import type { Db } from './db/open';
import { createRepositories } from './db/repositories/index';
import { CannedReplyRepository } from './db/repositories/canned-reply-repository';
import { InboxRepository } from './db/repositories/inbox-repository';
import { OfflineReplyService } from './chat/offline-reply-service';
import { SettingsRepository } from './db/repositories/settings-repository';
import { EventBus } from './platform/events';
import { authRoutes } from './console/auth-routes';
import { adminRoutes, privacyApiRoutes, privacyPublicRoutes } from './privacy/privacy-routes';
import { securityHeaders } from './http/security-headers';
import { errorHandler } from './http/validate';
import { RetentionRepository } from './db/repositories/retention-repository';
import { createLogger } from './platform/logger';
import { MailQueue, createOutboxMailer, createSmtpMailer, type Mailer } from './mail/mailer';
import { attachOperatorNamespace, type OperatorNamespace } from './realtime/operator-namespace';
import { OperatorFanOut } from './realtime/operator-fanout';
import { rooms } from './realtime/rooms';
import { clientIpOf } from './realtime/client-ip';
import { connectPushes } from './realtime/pushes';
import { createSocketServer } from './realtime/socket-server';
import { attachVisitorNamespace, type VisitorNamespace } from './realtime/visitor-namespace';
import { loadSecrets } from './platform/secrets';
import { AdminService } from './console/admin-service';
import { AuthService } from './console/auth-service';
import { CannedReplyService } from './console/canned-reply-service';
import { ChatService } from './chat/chat-service';
import { InboxService } from './console/inbox-service';
import { NoteService } from './console/note-service';
import { PresenceService } from './console/presence-service';
import { PrivacyRegister } from './privacy/privacy-register';
import { PrivacyIntake } from './privacy/privacy-intake';
import { privacyEffects } from './privacy/privacy-effects';
import { PrivacyService } from './privacy/privacy-service';
import { RetentionService } from './retention/retention-service';
import { RequestExecution } from './privacy/request-execution';
import { TeamService } from './console/team-service';
import { VerificationService } from './privacy/verification-service';
import { VisitorService } from './chat/visitor-service';
import { WebhookService } from './privacy/webhook-service';
import { RatingService } from './chat/rating-service';
import { WidgetSettingsService } from './console/widget-settings-service';
import { startWriter } from './writer/spawn';

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

export interface AppParts {
  config: Config;
  db: Db;
  /** Where mail goes; defaults to SMTP when `config.smtpUrl` is set, else the dev outbox. */
  mailer?: Mailer;
  clock?: Clock;
  log?: Logger;
}

export type App = ReturnType<typeof createApp>;

/**
 * Builds the whole server from its parts without side effects: nothing listens until `listen()`.
 * Tests build it on port 0 with a temp database and a loopback SMTP server.
 */
export function createApp(parts: AppParts) {
  const { config, db } = parts;
  const clock = parts.clock ?? systemClock;
  const log = parts.log ?? createLogger(config.logLevel);
  const secrets = loadSecrets(config.databasePath, config.identitySecret);
  const bus = new EventBus();
  // Before any statement is prepared: the main connection's writes go first, the writer thread yields to them.
  const writeTurns = announceWrites(db);

  const repos = createRepositories(db);
  const mailer =
    parts.mailer ?? (config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom, log) : createOutboxMailer(repos.mail, clock, log));
  const mail = new MailQueue(mailer, log);
  const writer = startWriter(
    db,
    { writeTurns, limits: config.visitorMessageLimits, privacy: { hmacKey: secrets.hmacKey, jurisdiction: config.jurisdiction } },
    log,
  );
  const webhooks = new WebhookService(repos.integrations, clock, log);

  const auth = new AuthService(repos.operators, clock, config.sessionTtlMs);
  const visitors = new VisitorService(repos.visitors, writer, clock, secrets.identitySecret);
  const chat = new ChatService(repos.conversations, repos.messages, writer, bus, clock);
  const admin = new AdminService(repos.integrations, repos.mail, clock);
  const presence = new PresenceService(repos.operators, bus);
  const team = new TeamService(repos.operators, auth, presence, bus, clock);
  const inbox = new InboxService({
    conversations: repos.conversations,
    inbox: new InboxRepository(db),
    operators: repos.operators,
    settings: new SettingsRepository(db),
    presence,
    bus,
    clock,
  });
  const notes = new NoteService(repos.conversations, repos.notes, bus, clock);
  const canned = new CannedReplyService(new CannedReplyRepository(db), bus, clock);
  const widget = new WidgetSettingsService({ settings: new SettingsRepository(db), writer, bus, clock });
  const ratings = new RatingService({ conversations: repos.conversations, ratings: repos.ratings, widget, writer, bus, clock });
  const carryOutPrivacyEffects = privacyEffects({ mail, bus, webhooks, requests: repos.requests });
  const privacy = new PrivacyService({
    db,
    requests: repos.requests,
    audit: repos.audit,
    visitors: repos.visitors,
    // No main-thread path sends a code for a network (the chat's sends run in the writer thread).
    verification: new VerificationService(repos.verifications, clock, secrets.hmacKey, null),
    execution: new RequestExecution(repos, clock),
    webhooks,
    effects: carryOutPrivacyEffects,
    clock,
    hmacKey: secrets.hmacKey,
    jurisdiction: config.jurisdiction,
    // Read when a link is built, not now: with port 0 the real address is known only after listen().
    get publicUrl() {
      return config.publicUrl;
    },
  });
  const intake = new PrivacyIntake(writer, carryOutPrivacyEffects, clock, () => config.publicUrl);

  // ---- HTTP ----
  const web = express();
  web.disable('x-powered-by');
  if (config.trustProxy) web.set('trust proxy', config.trustProxy);
  // HTTPS here or at a proxy in front: cookies are Secure, HSTS is on, plain-HTTP subresources are upgraded.
  const secure = config.publicUrl.startsWith('https://') || Boolean(config.tlsCert && config.tlsKey);
  web.use(securityHeaders({ secure, allowedOrigins: config.allowedOrigins }));
  web.use(express.json({ limit: '32kb' }));
  const routeDeps = {
    privacy,
    register: new PrivacyRegister(repos.requests, repos.audit, clock),
    auth,
    admin,
    exports: repos.exports,
    audit: repos.audit,
    clock,
  };
  web.use('/api/auth', authRoutes(auth, secure));
  web.use('/api/v1', privacyApiRoutes(routeDeps));
  web.use('/api/admin', adminRoutes(routeDeps));
  web.use('/privacy', privacyPublicRoutes(routeDeps));
  // Browsers ask for /favicon.ico on every page that names no icon (the API's error pages, say).
  web.get('/favicon.ico', (_req, res) => res.type('image/svg+xml').sendFile(path.join(STATIC_DIR, 'favicon.svg')));
  // The loader asks before it paints the bubble whether to (an admin may hide it outside business hours).
  // Public and the same for everyone: no credentials, no personal data, readable from any site.
  web.get('/widget-status.json', (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'public, max-age=30');
    res.json({ hidden: widget.bubbleHidden() });
  });
  web.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  web.use(
    express.static(config.bundleDir, {
      index: false,
      maxAge: 0,
      // The loader imports the panel as a module, and a module from another origin needs CORS: sites
      // embedding the widget load it from here. The bundles are public code, fetched without credentials.
      setHeaders: (res, file) => {
        if (file.endsWith('.js')) res.setHeader('Access-Control-Allow-Origin', '*');
      },
    }),
  );
  // The console routes in the browser (History API): every page under /console/ is the same shell, so a
  // reload or a shared link opens that page; what it shows comes over the authenticated socket.
  web.get(['/console', '/console/', '/console/*page'], (_req, res) => res.sendFile(path.join(STATIC_DIR, 'console.html')));
  web.use(express.static(STATIC_DIR, { extensions: ['html'] }));
  web.use('/api', (_req, res) => {
    res.status(404).json({ ok: false, error: { code: 'not_found', message: 'No such endpoint.' } });
  });
  web.use(errorHandler(log));

  const server =
    config.tlsCert && config.tlsKey
      ? https.createServer({ cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }, web)
      : http.createServer(web);

  // ---- Socket.IO ----
  const io = createSocketServer(server, { secure, allowedOrigins: config.allowedOrigins });
  const visitorNsp = io.of(VISITOR_NAMESPACE) as VisitorNamespace;
  const operatorNsp = io.of(OPERATOR_NAMESPACE) as OperatorNamespace;
  const clientIp = clientIpOf(web.get('trust proxy fn') as (address: string, hop: number) => boolean);
  const operatorRealtime = attachOperatorNamespace(operatorNsp, {
    auth,
    chat,
    privacy,
    admin,
    team,
    presence,
    inbox,
    notes,
    canned,
    widget,
    ratings,
    log,
  });
  const toOperators = new OperatorFanOut(operatorNsp);
  server.on('close', () => operatorRealtime.stop());
  const { operatorsOnline } = connectPushes({
    bus,
    visitors: visitorNsp,
    operators: toOperators,
    team,
    canned,
    presence,
    ratings,
    revalidate: (operatorId) => void operatorRealtime.revalidate(operatorId),
  });
  attachVisitorNamespace(visitorNsp, { visitors, chat, privacy, intake, operatorsOnline, widget, ratings, clientIp, log });
  const offlineReplies = new OfflineReplyService({
    bus,
    visitors: repos.visitors,
    conversations: repos.conversations,
    messages: repos.messages,
    mail,
    isVisitorOnline: (visitorId) => (visitorNsp.adapter.rooms.get(rooms.visitor(visitorId))?.size ?? 0) > 0,
    delayMs: config.offlineReplyDelayMs,
    publicUrl: () => config.publicUrl,
    log,
  });
  offlineReplies.start();

  const retention = new RetentionService(db, new RetentionRepository(db), clock, config.retentionDays, log);
  const housekeeping = setInterval(() => privacy.expireUnverified(), 60 * 60 * 1000);
  housekeeping.unref();

  return {
    server,
    io,
    /** The Express app, for tests that read its routes. */
    web,
    services: { retention, auth, visitors, chat, privacy, admin, webhooks, mail, team, presence, inbox, notes, canned, widget, ratings },
    secrets,
    log,
    /** The group-commit writer's counters (read by the benchmark). */
    writerStats: writer.stats,
    /** Starts listening; resolves with the bound port. */
    async listen(port = config.port, host = config.host): Promise<number> {
      // A server that cannot store messages must not take connections: fail the start instead.
      await writer.ready;
      privacy.expireUnverified();
      webhooks.start();
      retention.start();
      widget.start();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    /**
     * Graceful stop within `deadlineMs`: stops accepting connections, commits the writes in flight and
     * sends their acknowledgements, closes every client's transport (clients reconnect on their own and
     * catch up by sequence), then waits for webhooks and mail while time remains. Leaves the db open:
     * once this resolves no more writes reach it.
     */
    async close(deadlineMs = 4000): Promise<void> {
      const deadline = Date.now() + deadlineMs;
      const withinDeadline = (work: Promise<unknown>) =>
        Promise.race([
          work.catch(() => {}),
          new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()),
        ]);
      clearInterval(housekeeping);
      retention.stop();
      widget.stop();
      offlineReplies.stop();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Writes asked for so far commit; later ones are refused with a retryable answer.
      await withinDeadline(writer.close());
      // The acknowledgements of those writes went out in the continuations of their commits: let them be
      // written before the transports close.
      await new Promise((resolve) => setImmediate(resolve));
      // Pushes still waiting for their interval go out now.
      toOperators.flush();
      // Closes every transport without a Socket.IO "disconnect" packet, so clients treat it as a
      // dropped connection and reconnect (a server-side disconnect would tell them not to).
      await io.close();
      await withinDeadline(drained);
      server.closeAllConnections();
      await withinDeadline(webhooks.stop());
      await withinDeadline(mail.idle());
      mailer.close();
    },
  };
}
