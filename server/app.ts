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
import type { Config } from './config';
import { BatchWriter } from './db/batch-writer';
import type { Db } from './db/open';
import { AuditRepository } from './db/repositories/audit-repository';
import { ConversationRepository } from './db/repositories/conversation-repository';
import { ExportRepository } from './db/repositories/export-repository';
import { IntegrationRepository } from './db/repositories/integration-repository';
import { MailRepository } from './db/repositories/mail-repository';
import { MessageRepository } from './db/repositories/message-repository';
import { OperatorRepository } from './db/repositories/operator-repository';
import { PrivacyRepository } from './db/repositories/privacy-repository';
import { VerificationRepository } from './db/repositories/verification-repository';
import { VisitorRepository } from './db/repositories/visitor-repository';
import { EventBus } from './events';
import { authRoutes } from './http/auth-routes';
import { adminRoutes, privacyApiRoutes, privacyPublicRoutes } from './http/privacy-routes';
import { errorHandler } from './http/validate';
import { abuseKey } from './ip';
import { createLogger } from './logger';
import { MailQueue, createOutboxMailer, createSmtpMailer, type Mailer } from './mail/mailer';
import { attachOperatorNamespace, type OperatorNamespace } from './realtime/operator-namespace';
import { rooms } from './realtime/rooms';
import { attachVisitorNamespace, type VisitorNamespace } from './realtime/visitor-namespace';
import { loadSecrets } from './secrets';
import { AdminService } from './services/admin-service';
import { AuthService } from './services/auth-service';
import { ChatService } from './services/chat-service';
import { PrivacyService } from './services/privacy-service';
import { RequestExecution } from './services/request-execution';
import { VerificationService } from './services/verification-service';
import { VisitorService } from './services/visitor-service';
import { WebhookService } from './services/webhook-service';

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

  const repos = {
    operators: new OperatorRepository(db),
    visitors: new VisitorRepository(db),
    conversations: new ConversationRepository(db),
    messages: new MessageRepository(db),
    requests: new PrivacyRepository(db),
    verifications: new VerificationRepository(db),
    audit: new AuditRepository(db),
    mail: new MailRepository(db),
    exports: new ExportRepository(db),
    integrations: new IntegrationRepository(db),
  };
  const mailer = parts.mailer ?? (config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom) : createOutboxMailer(repos.mail, clock, log, config.publicUrl));
  const mail = new MailQueue(mailer, log);
  const writer = new BatchWriter(db);
  const webhooks = new WebhookService(repos.integrations, clock, log);

  const auth = new AuthService(repos.operators, clock, config.sessionTtlMs);
  const visitors = new VisitorService(repos.visitors, clock, secrets.identitySecret);
  const chat = new ChatService(repos.conversations, repos.messages, writer, bus, clock);
  const admin = new AdminService(repos.integrations, repos.mail, clock);
  const privacy = new PrivacyService({
    db,
    requests: repos.requests,
    audit: repos.audit,
    visitors: repos.visitors,
    verification: new VerificationService(repos.verifications, clock, secrets.hmacKey),
    execution: new RequestExecution(repos, clock),
    webhooks,
    mail,
    bus,
    clock,
    hmacKey: secrets.hmacKey,
    jurisdiction: config.jurisdiction,
    // Read when a link is built, not now: with port 0 the real address is known only after listen().
    get publicUrl() {
      return config.publicUrl;
    },
  });

  // ---- HTTP ----
  const web = express();
  web.disable('x-powered-by');
  if (config.trustProxy) web.set('trust proxy', config.trustProxy);
  const secure = config.publicUrl.startsWith('https://');
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
  const routeDeps = { privacy, auth, admin, exports: repos.exports, audit: repos.audit, clock };
  web.use('/api/auth', authRoutes(auth, secure));
  web.use('/api/v1', privacyApiRoutes(routeDeps));
  web.use('/api/admin', adminRoutes(routeDeps));
  web.use('/privacy', privacyPublicRoutes(routeDeps));
  web.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  web.use(express.static(config.bundleDir, { index: false, maxAge: 0 }));
  web.get(['/console', '/console/'], (_req, res) => res.sendFile(path.join(STATIC_DIR, 'console.html')));
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
  const visitorNsp = io.of(VISITOR_NAMESPACE) as VisitorNamespace;
  const operatorNsp = io.of(OPERATOR_NAMESPACE) as OperatorNamespace;
  const clientIp = (socket: Socket): string => {
    const forwarded = config.trustProxy ? String(socket.handshake.headers['x-forwarded-for'] ?? '').split(',')[0].trim() : '';
    // Only the abuse unit (an IPv4 address or an IPv6 /64) goes further, and only into in-memory limits.
    return abuseKey(forwarded || socket.handshake.address);
  };
  const operatorsOnline = () => operatorNsp.sockets.size > 0;
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
  attachVisitorNamespace(visitorNsp, { visitors, chat, privacy, operatorsOnline, clientIp, log });
  attachOperatorNamespace(operatorNsp, { auth, chat, privacy, admin, onPresenceChange, log });

  bus.on('message:created', ({ message, visitorId }) => {
    visitorNsp.to(rooms.visitor(visitorId)).emit(VisitorPush.messageNew, message);
    operatorNsp.to(rooms.operators).emit(OperatorPush.messageNew, message);
  });
  bus.on('conversation:changed', ({ conversation }) => {
    operatorNsp.to(rooms.operators).emit(OperatorPush.conversationUpsert, conversation);
  });
  bus.on('typing:changed', ({ conversationId, visitorId, from, typing, name }) => {
    if (from === 'visitor') operatorNsp.to(rooms.operators).emit(OperatorPush.typing, { conversationId, typing });
    else visitorNsp.to(rooms.visitor(visitorId)).emit(VisitorPush.typing, { typing, name });
  });
  bus.on('privacy:changed', ({ request }) => {
    operatorNsp.to(rooms.operators).emit(OperatorPush.privacyUpsert, request);
    const { id, reference, type, state, dueAt, createdAt, completedAt, rejectionReason, extended } = request;
    visitorNsp.to(rooms.request(id)).emit(VisitorPush.privacyUpdate, { reference, type, state, dueAt, createdAt, completedAt, rejectionReason, extended });
  });

  const housekeeping = setInterval(() => privacy.expireUnverified(), 60 * 60 * 1000);
  housekeeping.unref();

  return {
    server,
    io,
    services: { auth, visitors, chat, privacy, admin, webhooks, mail },
    secrets,
    log,
    /** Starts listening; resolves with the bound port. */
    listen(port = config.port, host = config.host): Promise<number> {
      privacy.expireUnverified();
      webhooks.start();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    /** Stops accepting, tells clients to reconnect elsewhere, finishes writes and mail. Leaves the db open. */
    async close(): Promise<void> {
      clearInterval(housekeeping);
      await webhooks.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      writer.close();
      await mail.idle();
      mailer.close();
    },
  };
}
