import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import { OPERATOR_NAMESPACE, OperatorPush, VISITOR_NAMESPACE, VisitorPush } from '../shared/protocol';
import { systemClock, type Clock } from './clock';
import { announceWrites } from './db/write-turns';
import type { Config } from './config';
import type { Db } from './db/open';
import { createRepositories } from './db/repositories/index';
import { CannedReplyRepository } from './db/repositories/canned-reply-repository';
import { InboxRepository } from './db/repositories/inbox-repository';
import { OfflineReplyService } from './services/offline-reply-service';
import { SettingsRepository } from './db/repositories/settings-repository';
import { EventBus } from './events';
import { authRoutes } from './http/auth-routes';
import { adminRoutes, privacyApiRoutes, privacyPublicRoutes } from './http/privacy-routes';
import { errorHandler } from './http/validate';
import { RetentionRepository } from './db/repositories/retention-repository';
import { abuseKey } from './ip';
import { createLogger } from './logger';
import { MailQueue, createOutboxMailer, createSmtpMailer, type Mailer } from './mail/mailer';
import { attachOperatorNamespace, type OperatorNamespace } from './realtime/operator-namespace';
import { OperatorFanOut } from './realtime/operator-fanout';
import { rooms } from './realtime/rooms';
import { attachVisitorNamespace, type VisitorNamespace } from './realtime/visitor-namespace';
import { tuneEngine } from './realtime/engine-tuning';
import { loadSecrets } from './secrets';
import { AdminService } from './services/admin-service';
import { AuthService } from './services/auth-service';
import { CannedReplyService } from './services/canned-reply-service';
import { ChatService } from './services/chat-service';
import { InboxService } from './services/inbox-service';
import { NoteService } from './services/note-service';
import { PresenceService } from './services/presence-service';
import { PrivacyRegister } from './services/privacy-register';
import { PrivacyIntake } from './services/privacy-intake';
import { privacyEffects } from './services/privacy-effects';
import { PrivacyService } from './services/privacy-service';
import { RetentionService } from './services/retention-service';
import { RequestExecution } from './services/request-execution';
import { TeamService } from './services/team-service';
import { VerificationService } from './services/verification-service';
import { VisitorService } from './services/visitor-service';
import { WebhookService } from './services/webhook-service';
import { startWriter } from './writer-spawn';

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
const MAX_FRAME_BYTES = 64 * 1024;

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
  const mailer = parts.mailer ?? (config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom, log) : createOutboxMailer(repos.mail, clock, log));
  const mail = new MailQueue(mailer, log);
  const writer = startWriter(db, { writeTurns, limits: config.visitorMessageLimits, privacy: { hmacKey: secrets.hmacKey, jurisdiction: config.jurisdiction } }, log);
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
  const carryOutPrivacyEffects = privacyEffects({ mail, bus, webhooks, requests: repos.requests });
  const privacy = new PrivacyService({
    db,
    requests: repos.requests,
    audit: repos.audit,
    visitors: repos.visitors,
    verification: new VerificationService(repos.verifications, clock, secrets.hmacKey),
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
  web.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          connectSrc: ["'self'", ...config.allowedOrigins],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: secure ? [] : null,
        },
      },
      hsts: secure,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );
  web.use(express.json({ limit: '32kb' }));
  const routeDeps = { privacy, register: new PrivacyRegister(repos.requests, repos.audit, clock), auth, admin, exports: repos.exports, audit: repos.audit, clock };
  web.use('/api/auth', authRoutes(auth, secure));
  web.use('/api/v1', privacyApiRoutes(routeDeps));
  web.use('/api/admin', adminRoutes(routeDeps));
  web.use('/privacy', privacyPublicRoutes(routeDeps));
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
  const io = new Server(server, {
    maxHttpBufferSize: MAX_FRAME_BYTES,
    cors: config.allowedOrigins.length ? { origin: config.allowedOrigins, credentials: false } : undefined,
    allowRequest: (req, callback) => {
      // Widget connections come from our own origin or a site listed in ALLOWED_ORIGINS.
      const origin = req.headers.origin;
      const own = `${secure ? 'https' : 'http'}://${req.headers.host}`;
      callback(null, !origin || origin === own || config.allowedOrigins.includes(origin));
    },
  });
  tuneEngine(io);
  const visitorNsp = io.of(VISITOR_NAMESPACE) as VisitorNamespace;
  const operatorNsp = io.of(OPERATOR_NAMESPACE) as OperatorNamespace;
  const trustedHop = web.get('trust proxy fn') as (address: string, hop: number) => boolean;
  const clientIp = (socket: Socket): string => {
    // As Express finds req.ip: from the connection back through X-Forwarded-For while each hop is a
    // trusted proxy. (The leftmost entry is whatever the client wrote; trusting it let anyone dodge limits.)
    const forwarded = String(socket.handshake.headers['x-forwarded-for'] ?? '').split(',').map((hop) => hop.trim()).filter(Boolean).reverse();
    const chain = [socket.handshake.address, ...forwarded];
    let hop = 0;
    while (hop < chain.length - 1 && trustedHop(chain[hop], hop)) hop++;
    // Only the abuse unit (an IPv4 address or an IPv6 /64) goes further, and only into in-memory limits.
    return abuseKey(chain[hop]);
  };
  // Offline mode for the widget when no operator is online (connected and not away).
  const operatorsOnline = () => presence.anyOnline();
  let lastPresence = false;
  const onPresenceChange = () => {
    // Disconnect handlers run before the socket leaves the map; look again on the next turn.
    setImmediate(() => {
      const online = operatorsOnline();
      if (online !== lastPresence) {
        lastPresence = online;
        visitorNsp.emit(VisitorPush.presence, { operatorsOnline: online });
      }
    });
  };
  attachVisitorNamespace(visitorNsp, { visitors, chat, privacy, intake, operatorsOnline, clientIp, log });
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
  const operatorRealtime = attachOperatorNamespace(operatorNsp, { auth, chat, privacy, admin, team, presence, inbox, notes, canned, log });
  const toOperators = new OperatorFanOut(operatorNsp);
  server.on('close', () => operatorRealtime.stop());
  bus.on('team:changed', () => {
    onPresenceChange();
    toOperators.emit(OperatorPush.team, team.list());
  });
  bus.on('operator:sessions-revoked', ({ operatorId }) => void operatorRealtime.revalidate(operatorId));
  // Notes go to operators only: there is deliberately no visitor-side listener for them.
  bus.on('note:created', ({ note }) => toOperators.emit(OperatorPush.noteNew, note));
  bus.on('canned:changed', () => toOperators.emit(OperatorPush.canned, canned.list()));
  bus.on('settings:changed', ({ settings }) => toOperators.emit(OperatorPush.settings, settings));

  bus.on('message:created', ({ message, conversation, visitorId, origin }) => {
    // The visitor's other tabs; the sending one reads it in its acknowledgement (one frame fewer per message).
    const tabs = visitorNsp.to(rooms.visitor(visitorId));
    (origin ? tabs.except(origin) : tabs).emit(VisitorPush.messageNew, message);
    toOperators.message({ message, conversation });
  });
  bus.on('conversation:changed', ({ conversation }) => {
    toOperators.emit(OperatorPush.conversationUpsert, conversation);
  });
  bus.on('typing:changed', ({ conversationId, visitorId, from, typing, name }) => {
    if (from === 'visitor') toOperators.emit(OperatorPush.typing, { conversationId, typing });
    else visitorNsp.to(rooms.visitor(visitorId)).emit(VisitorPush.typing, { typing, name });
  });
  bus.on('privacy:changed', ({ request }) => {
    toOperators.privacyRequest(request);
    const { id, reference, type, state, dueAt, createdAt, completedAt, rejectionReason, extended } = request;
    visitorNsp.to(rooms.request(id)).emit(VisitorPush.privacyUpdate, { reference, type, state, dueAt, createdAt, completedAt, rejectionReason, extended });
  });

  const retention = new RetentionService(db, new RetentionRepository(db), clock, config.retentionDays, log);
  const housekeeping = setInterval(() => privacy.expireUnverified(), 60 * 60 * 1000);
  housekeeping.unref();

  return {
    server,
    io,
    /** The Express app, for tests that read its routes. */
    web,
    services: { retention, auth, visitors, chat, privacy, admin, webhooks, mail, team, presence, inbox, notes, canned },
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
        Promise.race([work.catch(() => {}), new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref())]);
      clearInterval(housekeeping);
      retention.stop();
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
