import { createHmac } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Logger } from 'pino';
import { OPERATOR_NAMESPACE, VISITOR_NAMESPACE } from '../shared/protocol';
import { systemClock, type Clock } from './platform/clock';
import { memoryRateLimits, type RateLimits } from './platform/rate-limiter';
import { redisRateLimits } from './platform/redis-rate-limits';
import { openRedis, type RedisConnection } from './platform/redis';
import type { Config } from './config';
import type { Db } from './db/open';
import { openPostgresStore, openSqliteStore } from './db/app-store';
import type { Stores } from './db/store';
import { OfflineReplyService } from './chat/offline-reply-service';
import { openListener } from './http/listener';
import { EventBus } from './platform/events';
import { authRoutes } from './console/auth-routes';
import { adminRoutes, privacyApiRoutes, privacyPublicRoutes } from './privacy/privacy-routes';
import { securityHeaders } from './http/security-headers';
import { errorHandler } from './http/validate';
import { createLogger } from './platform/logger';
import { MailQueue, createOutboxMailer, createSmtpMailer, type Mailer } from './mail/mailer';
import { attachOperatorNamespace, type OperatorNamespace } from './realtime/operator-namespace';
import { OperatorFanOut } from './realtime/operator-fanout';
import { rooms } from './realtime/rooms';
import { clientIpOf } from './realtime/client-ip';
import { connectPushes } from './realtime/pushes';
import { createSocketServer, redisStreamsAdapter } from './realtime/socket-server';
import { attachVisitorNamespace, type VisitorNamespace } from './realtime/visitor-namespace';
import { loadSecrets } from './platform/secrets';
import { AdminService } from './console/admin-service';
import { AuthService } from './console/auth-service';
import { CannedReplyService } from './console/canned-reply-service';
import { ChatService } from './chat/chat-service';
import { InboxService } from './console/inbox-service';
import { NoteService } from './console/note-service';
import { PresenceService } from './console/presence-service';
import { RedisPresence } from './console/cluster-presence';
import { RedisSettingsSync } from './console/cluster-settings';
import { PrivacyDesk, privacyEffects } from './privacy/privacy-desk';
import { MailIntake } from './privacy/mail-intake';
import { RatingService } from './chat/rating-service';
import { TranscriptService } from './chat/transcript-service';
import { PrechatService } from './chat/prechat-service';
import { prechatAdminRoutes } from './chat/prechat-routes';
import { WidgetSettingsService } from './console/widget-settings-service';
import { inboundMailRoutes } from './privacy/inbound-mail-routes';
import { DataSystemService } from './privacy/data-system-service';
import { appendErasure, journalPathFor, readJournal } from './privacy/erasure-journal';
import { dataSystemReceiptRoutes, processorRoutes } from './privacy/data-system-routes';
import { createInboundSmtp } from './mail/inbound-smtp';
import { RetentionService } from './retention/retention-service';
import { TeamService } from './console/team-service';
import { VisitorService } from './chat/visitor-service';
import { WebhookService } from './privacy/webhook-service';
import { AttachmentService } from './attachments/attachment-service';
import { attachmentRoutes } from './attachments/attachment-routes';
import { type AttachmentStore, LocalAttachmentStore, attachmentDirFor } from './attachments/attachment-store';
import { S3AttachmentStore, S3StoreError } from './attachments/s3-attachment-store';
import { RequestFiles } from './privacy/export-files';
import { RequestExecution } from './privacy/request-execution';
import { MAX_SENDS_PER_IP_PER_HOUR, NETWORK_SENDS_WINDOW_MS } from './privacy/verification-service';

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

export interface AppParts {
  config: Config;
  /** The SQLite database (the default), or with `pool` (DATABASE_URL) PostgreSQL: exactly one of them. */
  db?: Db;
  pool?: pg.Pool;
  /** Where mail goes; defaults to SMTP when `config.smtpUrl` is set, else the dev outbox. */
  mailer?: Mailer;
  clock?: Clock;
  log?: Logger;
  /** Where to listen; `config.port` and `config.host` when absent (0: any free port). */
  port?: number;
  host?: string;
}

export type App = Awaited<ReturnType<typeof startApp>>;

/**
 * Starts the whole server: the writer thread (the one connection that writes), then the listening socket,
 * then everything that needs the final configuration — with port 0 the public address is known only once
 * the socket is bound. Requests are answered from the first turn after binding: nothing is built later.
 * `db` becomes read-only here; every write goes through the writer's procedures. With `pool` instead, the
 * store is PostgreSQL, shared with the cluster's other nodes.
 * Tests start it on port 0 with a temp database and a loopback SMTP server.
 */
export async function startApp(parts: AppParts) {
  const clock = parts.clock ?? systemClock;
  const log = parts.log ?? createLogger(parts.config.logLevel);
  const secrets = loadSecrets(parts.config.databasePath, parts.config);
  // First: a bucket that refuses these credentials stops the start with a clear error, before anything runs.
  const attachmentStore = await openAttachmentStore(parts.config, log);
  // Then Redis, when configured: a node that cannot reach it must not start counting limits on its own.
  const redis = parts.config.redisUrl ? await openRedis(parts.config.redisUrl, log) : null;
  try {
    return await startServer(parts, { clock, log, secrets, attachmentStore, redis });
  } catch (error) {
    await redis?.close();
    throw error;
  }
}

/** The rest of startApp, once the parts that may refuse the start outright (the bucket, Redis) have answered. */
async function startServer(
  parts: AppParts,
  started: {
    clock: Clock;
    log: Logger;
    secrets: ReturnType<typeof loadSecrets>;
    attachmentStore: AttachmentStore;
    redis: RedisConnection | null;
  },
) {
  const { clock, log, secrets, attachmentStore, redis } = started;
  // Chosen once: with Redis every node counts the same limits (sign-in lockouts included), else this process does.
  // Limit keys are HMACed with a key of their own derived from the app's: the same on every node (REDIS_URL
  // requires HMAC_KEY), and nothing in Redis can be tried against the hashes the database keeps.
  const limits: RateLimits = redis
    ? redisRateLimits(redis.client, createHmac('sha256', secrets.hmacKey).update('rate limit keys').digest())
    : memoryRateLimits(clock);
  const writerOptions = {
    limits: parts.config.visitorMessageLimits,
    privacy: { hmacKey: secrets.hmacKey, jurisdiction: parts.config.jurisdiction, mailDomain: parts.config.mailDomain },
    offlineReplyDelayMs: parts.config.offlineReplyDelayMs,
  };
  // A server that cannot store messages must not take connections: opening the store fails the start instead.
  const store = parts.pool
    ? await openPostgresStore(parts.pool, writerOptions, log)
    : parts.db
      ? await openSqliteStore(parts.db, writerOptions, log)
      : null;
  if (!store) throw new Error('startApp needs a database: db (SQLite) or pool (PostgreSQL)');
  const { writer } = store;

  const listener = await openListener(parts.config, parts.port ?? parts.config.port, parts.host ?? parts.config.host);
  const config: Readonly<Config & { publicUrl: string }> = Object.freeze({ ...parts.config, publicUrl: listener.publicUrl });
  const { server, secure } = listener;
  const bus = new EventBus();
  // What the main thread reads, as either store answers it (awaited everywhere).
  const repos: Stores = store.repos;
  const mailer =
    parts.mailer ?? (config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom, log) : createOutboxMailer(writer, clock, log));
  const mail = new MailQueue(mailer, log);
  const webhooks = new WebhookService(repos.integrations, writer, clock, log);

  const auth = new AuthService(repos.operators, writer, clock, config.sessionTtlMs, limits);
  const visitors = new VisitorService(repos.visitors, writer, clock, secrets.identitySecret, limits);
  const admin = new AdminService(repos.integrations, repos.mail, writer, clock);
  const presence = new PresenceService(repos.operators, writer, bus, redis ? new RedisPresence(redis.client, log) : null);
  const team = new TeamService(repos.operators, writer, auth, presence, bus, limits);
  // In a cluster, a node that stores a setting tells the others, which read their settings again.
  const settingsSync = redis ? new RedisSettingsSync(redis.client, log) : null;
  const settingsWriter = settingsSync ? settingsSync.announcing(writer) : writer;
  const inbox = new InboxService({
    conversations: repos.conversations,
    inbox: repos.inbox,
    settings: repos.settings,
    presence,
    writer: settingsWriter,
    bus,
    clock,
  });
  const notes = new NoteService(repos.conversations, repos.notes, writer, bus, clock);
  const canned = new CannedReplyService(repos.canned, writer, bus, clock);
  const widget = new WidgetSettingsService({ settings: repos.settings, writer: settingsWriter, bus, clock });
  const ratings = new RatingService({ conversations: repos.conversations, ratings: repos.ratings, widget, writer, bus, clock });
  const prechat = new PrechatService({
    prechat: repos.prechat,
    settings: repos.settings,
    visitors: repos.visitors,
    conversations: repos.conversations,
    presence,
    writer: settingsWriter,
    clock,
  });
  const chat = new ChatService(repos.conversations, repos.messages, writer, bus, clock, prechat);
  const attachments = new AttachmentService({
    attachments: repos.attachments,
    settings: repos.settings,
    store: attachmentStore,
    writer: settingsWriter,
    bus,
    clock,
    hmacKey: secrets.hmacKey,
    publicUrl: config.publicUrl,
    log,
  });
  // The settings read on every message and hello are held in memory: read once here, before the request
  // handler is attached below (on SQLite within this turn), so no request sees the defaults.
  const loadSettings = () => Promise.all([inbox.load(), widget.load(), prechat.load(), attachments.load()]);
  await loadSettings();
  await settingsSync?.start(async () => {
    await loadSettings();
    // Hours changed on another node: this one's open/closed and its timer follow.
    widget.refresh(false);
  });
  const erasureJournal = journalPathFor(parts.config.databasePath);
  // Deliveries to the data systems start once the desk exists; its effects ask for them.
  let dataSystems: DataSystemService | null = null;
  const privacy = new PrivacyDesk(
    writer,
    repos.requests,
    repos.systems,
    privacyEffects({
      mail,
      bus,
      webhooks,
      requests: repos.requests,
      systems: repos.systems,
      deliverSystems: () => void dataSystems?.tick(),
      journal: (entry) => {
        try {
          appendErasure(erasureJournal, entry);
        } catch (error) {
          // The erasure itself is done; only a later restore would not know to repeat it.
          log.error({ err: error, reference: entry.reference }, 'erasure journal: append failed');
        }
      },
    }),
    clock,
    config.publicUrl,
    new RequestFiles(repos.requests, new RequestExecution(repos, clock), attachmentStore, () => attachments.reap()),
    limits({ name: 'verification-network', limit: MAX_SENDS_PER_IP_PER_HOUR, windowMs: NETWORK_SENDS_WINDOW_MS }),
  );
  dataSystems = new DataSystemService({
    systems: repos.systems,
    requests: repos.requests,
    privacy,
    clock,
    log,
    publicUrl: config.publicUrl,
  });
  // Requests by e-mail: the SMTP listener and the providers' webhook both hand their mail to this.
  const mailFromAddress = (/<([^>]+)>/.exec(config.mailFrom)?.[1] ?? config.mailFrom).trim().toLowerCase();
  const mailIntake = new MailIntake({
    file: (mail) => privacy.receiveMail(mail),
    limits,
    log,
    ownAddresses: [...new Set([config.privacyAddress, mailFromAddress, ...(config.inboundSmtp?.recipients ?? [])])],
    maxBytes: config.inboundMailMaxBytes,
  });
  const inboundSmtp = config.inboundSmtp
    ? createInboundSmtp(config.inboundSmtp, config.inboundMailMaxBytes, (raw, arrival) => mailIntake.receive(raw, arrival), log)
    : null;
  const inboundSmtpPort = inboundSmtp ? await inboundSmtp.listen() : null;

  // ---- HTTP ----
  const web = express();
  web.disable('x-powered-by');
  if (config.trustProxy) web.set('trust proxy', config.trustProxy);
  // HTTPS here or at a proxy in front: cookies are Secure, HSTS is on, plain-HTTP subresources are upgraded.
  web.use(securityHeaders({ secure, allowedOrigins: config.allowedOrigins }));
  // Before the JSON parser: a mail is bigger than any JSON body the API takes, and arrives as raw MIME.
  web.use('/api/inbound', inboundMailRoutes({ intake: mailIntake, secret: config.inboundMailSecret }));
  // Data systems' receipts: the signature covers the raw bytes, read before any JSON parser.
  web.use('/api/data-systems', dataSystemReceiptRoutes(dataSystems));
  // Raw file bodies, read (and capped) as they stream in.
  web.use('/api/attachments', attachmentRoutes({ attachments, visitors, auth, allowedOrigins: config.allowedOrigins }));
  web.use(express.json({ limit: '32kb' }));
  const routeDeps = { privacy, auth, admin, limits };
  web.use('/api/auth', authRoutes(auth, secure));
  web.use('/api/v1', privacyApiRoutes(routeDeps));
  web.use('/api/admin', prechatAdminRoutes({ auth, prechat }));
  web.use('/api/admin', adminRoutes(routeDeps));
  web.use('/privacy/processor', processorRoutes({ systems: repos.systems, requests: repos.requests, privacy, clock }));
  web.use('/privacy', privacyPublicRoutes(routeDeps));
  // Browsers ask for /favicon.ico on every page that names no icon (the API's error pages, say).
  web.get('/favicon.ico', (_req, res) => res.type('image/svg+xml').sendFile(path.join(STATIC_DIR, 'favicon.svg')));
  // The loader asks before it paints the bubble whether to (an admin may hide it outside business hours).
  // Public and the same for everyone: no credentials, no personal data, readable from any site.
  web.get('/widget-status.json', (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'public, max-age=30');
    // When hidden, also when the team is back: a page still open then shows the bubble by itself.
    const hidden = widget.bubbleHidden();
    const backAt = hidden ? widget.availability().nextOpenAt : null;
    res.json(backAt ? { hidden, backAt } : { hidden });
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

  server.on('request', web);

  // ---- Socket.IO ----
  // The adapter's own connection: the app's client fails a command after a couple of seconds, while the
  // adapter blocks on XREAD for longer and must wait through a Redis restart rather than drop a packet.
  const cluster = redis
    ? await redisStreamsAdapter(redis.client.duplicate({ commandTimeout: undefined, maxRetriesPerRequest: null }))
    : null;
  const io = createSocketServer(server, {
    secure,
    allowedOrigins: config.allowedOrigins,
    adapter: cluster?.adapter,
  });
  const visitorNsp = io.of(VISITOR_NAMESPACE) as VisitorNamespace;
  const operatorNsp = io.of(OPERATOR_NAMESPACE) as OperatorNamespace;
  const clientIp = clientIpOf(web.get('trust proxy fn') as (address: string, hop: number) => boolean);
  const operatorRealtime = attachOperatorNamespace(operatorNsp, {
    auth,
    chat,
    privacy,
    dataSystems,
    admin,
    team,
    presence,
    inbox,
    notes,
    canned,
    widget,
    ratings,
    attachments,
    prechat,
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
    clustered: redis !== null,
  });
  const transcripts = new TranscriptService({
    conversations: repos.conversations,
    messages: repos.messages,
    visitors: repos.visitors,
    transcripts: repos.transcripts,
    visitorService: visitors,
    chat,
    widget,
    writer,
    mail,
    bus,
    clock,
    limits,
    publicUrl: config.publicUrl,
    log,
  });
  transcripts.start();
  attachVisitorNamespace(visitorNsp, {
    visitors,
    chat,
    privacy,
    operatorsOnline,
    widget,
    ratings,
    transcripts,
    attachments,
    prechat,
    clientIp,
    log,
  });
  const offlineReplies = new OfflineReplyService({
    bus,
    visitors: repos.visitors,
    conversations: repos.conversations,
    messages: repos.messages,
    replies: repos.offlineReplies,
    writer,
    mail,
    // In a cluster the visitor's tab may be connected to another node: the adapter asks them all. A single
    // node knows its rooms, and answers within the turn.
    isVisitorOnline: (visitorId) =>
      redis
        ? visitorNsp
            .in(rooms.visitor(visitorId))
            .fetchSockets()
            .then((sockets) => sockets.length > 0)
        : (visitorNsp.adapter.rooms.get(rooms.visitor(visitorId))?.size ?? 0) > 0,
    delayMs: config.offlineReplyDelayMs,
    clock,
    publicUrl: config.publicUrl,
    log,
  });
  await offlineReplies.start();

  const retention = new RetentionService(writer, clock, config.retentionDays, log, () => attachments.reap());
  const expire = () => privacy.expireUnverified().catch((error: unknown) => log.error({ err: error }, 'expiring requests failed'));
  const housekeeping = setInterval(expire, 60 * 60 * 1000);
  housekeeping.unref();
  void expire();
  // In a cluster: the other nodes' operators, before anyone is told who is online.
  await presence.start();
  webhooks.start();
  dataSystems.start();
  retention.start();
  widget.start();
  attachments.start();
  // A database restored from a backup predates some erasures: carry them out again before anyone connects.
  const reapplied = await privacy.reapplyErasures(readJournal(erasureJournal));
  if (reapplied.length)
    log.warn({ erasures: reapplied.length }, 'erasures completed after the backup this database came from were carried out again');

  return {
    server,
    io,
    /** The Express app, for tests that read its routes. */
    web,
    services: {
      retention,
      auth,
      visitors,
      chat,
      privacy,
      admin,
      webhooks,
      mail,
      team,
      presence,
      inbox,
      notes,
      canned,
      widget,
      ratings,
      transcripts,
      attachments,
      dataSystems,
      prechat,
    },
    secrets,
    log,
    /** The port the inbound SMTP listener took, or null when it is off. */
    inboundSmtpPort,
    /** The group-commit writer's counters (read by the benchmark). */
    writerStats: writer.stats,
    /** The bound port, and the configuration as it was fixed at start (the public address resolved). */
    port: listener.port,
    config,
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
      inbox.stop();
      transcripts.stop();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // No new mail; one being received finishes (its write is among those the writer commits).
      const smtpClosed = inboundSmtp?.close();
      // Writes asked for so far commit (one arriving later may not be answered: its client resends it).
      await withinDeadline(writer.settled());
      // The acknowledgements of those writes went out in the continuations of their commits: let them be
      // written before the transports close.
      await new Promise((resolve) => setImmediate(resolve));
      // Pushes still waiting for their interval go out now.
      toOperators.flush();
      // Closes every transport without a Socket.IO "disconnect" packet, so clients treat it as a
      // dropped connection and reconnect (a server-side disconnect would tell them not to).
      await io.close();
      // This node's operators leave the cluster's presence now, not when its Redis key expires.
      await withinDeadline(presence.stop());
      if (settingsSync) await withinDeadline(settingsSync.stop());
      // A second at most: a quit that waited for a Redis that is gone would leave the steps below no time.
      if (cluster) await withinDeadline(cluster.close(Math.min(1_000, deadline - Date.now())));
      await withinDeadline(drained);
      if (smtpClosed) await withinDeadline(smtpClosed);
      server.closeAllConnections();
      await withinDeadline(webhooks.stop());
      await withinDeadline(dataSystems.stop());
      await withinDeadline(mail.idle());
      mailer.close();
      // Last: delivery outcomes and dev-outbox copies above still write.
      await withinDeadline(writer.close());
      // After every request that could count a limit has been answered.
      if (redis) await withinDeadline(redis.close());
    },
  };
}

/** The local directory beside the database, or the configured bucket once it has answered. */
async function openAttachmentStore(config: Config, log: Logger): Promise<AttachmentStore> {
  if (!config.attachmentS3) return new LocalAttachmentStore(attachmentDirFor(config.databasePath));
  const store = new S3AttachmentStore(config.attachmentS3);
  try {
    await store.check();
  } catch (error) {
    // Refused (wrong keys, no such bucket): a setting to fix, so the server does not start without it.
    // Unreachable or failing: the chat still runs; uploads fail with a clear answer until the bucket is back.
    if (error instanceof S3StoreError && error.status >= 400 && error.status < 500) throw error;
    log.error({ err: error, location: store.location }, 'attachments: the S3 bucket did not answer; uploads fail until it does');
  }
  log.info({ location: store.location }, 'attachments: stored in an S3-compatible bucket');
  return store;
}
