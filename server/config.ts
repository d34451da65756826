/** Configuration from environment variables, all optional on a developer's machine (design.md). */
import path from 'node:path';
import * as v from 'valibot';
import { JURISDICTIONS, type Jurisdiction } from '../shared/privacy';
import { operatorEmailSchema } from '../shared/schemas';
import type { S3StoreConfig } from './attachments/s3-attachment-store';

export interface Config {
  port: number;
  host: string | undefined;
  databasePath: string;
  /** The address links are built on (PUBLIC_URL); null: the server's own, once it is bound (http/listener.ts). */
  publicUrl: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  allowedOrigins: string[];
  adminEmail: string | null;
  adminPassword: string | null;
  tlsCert: string | null;
  tlsKey: string | null;
  trustProxy: string | null;
  jurisdiction: Jurisdiction;
  /** Shared secret a host site uses to sign `identify({ email, signature })`; generated when unset. */
  identitySecret: string | null;
  logLevel: string;
  /** Where the built browser bundles are written and served from. */
  bundleDir: string;
  /** How many messages one visitor may send in 10 seconds and in an hour (VISITOR_MESSAGE_LIMITS="<10 s>,<hour>"); unset: the chat service's defaults. */
  visitorMessageLimits: { burst: { limit: number; windowMs: number }; sustained: { limit: number; windowMs: number } } | undefined;
  /** Build the bundles into `bundleDir` at start; false when they were built beforehand (BUILD_BUNDLES=false). */
  buildBundles: boolean;
  /** Operator session lifetime. */
  sessionTtlMs: number;
  /** Resolved conversations (and visitors with nothing left) are deleted this many days after their last activity. */
  retentionDays: number;
  /**
   * The privacy address (PRIVACY_ADDRESS, else MAIL_FROM's address), lower-cased: where requests by mail
   * arrive, and the address whose mails are never requests themselves.
   */
  privacyAddress: string;
  /** The domain part of the privacy address: our Message-IDs end in it. */
  mailDomain: string;
  /** The SMTP listener for mail to the privacy address (INBOUND_SMTP_PORT); null: off. */
  inboundSmtp: InboundSmtpConfig | null;
  /** Shared secret of the inbound-mail webhook (INBOUND_MAIL_SECRET, a bearer token); null: the endpoint is off. */
  inboundMailSecret: string | null;
  /** Largest inbound mail accepted, in bytes (INBOUND_MAIL_MAX_KB); bigger ones are refused. */
  inboundMailMaxBytes: number;
  /** How long an operator reply waits for an away visitor before it goes out by e-mail (OFFLINE_REPLY_DELAY_SECONDS). */
  offlineReplyDelayMs: number;
  /** Attachments in an S3-compatible bucket (ATTACHMENT_S3_BUCKET and the rest); null: files beside the database. */
  attachmentS3: S3StoreConfig | null;
  /** Redis shared by every node of a cluster (REDIS_URL, redis:// or rediss://); null: one process, limits in memory. */
  redisUrl: string | null;
  /**
   * The key of every keyed hash the app stores (HMAC_KEY, base64 or base64url of 32 bytes or more); null:
   * generated on first start and kept beside the database (platform/secrets.ts). Nodes of a cluster must
   * all have the same one, so REDIS_URL requires it.
   */
  hmacKey: Buffer | null;
  /**
   * PostgreSQL instead of the SQLite file (DATABASE_URL, postgres:// or postgresql://): the store several
   * nodes share. Requires HMAC_KEY and IDENTITY_SECRET, the same on every node. null: SQLite at databasePath.
   */
  databaseUrl: string | null;
}

export interface InboundSmtpConfig {
  port: number;
  host: string | undefined;
  /** STARTTLS is offered with these (INBOUND_SMTP_TLS_CERT / _KEY, else TLS_CERT / TLS_KEY); null: plain only. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** Envelope recipients accepted: the privacy address and INBOUND_SMTP_RECIPIENTS (a forward's target, say). */
  recipients: string[];
}

/** `Privacy desk <privacy@example.com>` → `privacy@example.com`. */
function addressIn(mailbox: string): string {
  return (/<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox).trim().toLowerCase();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const jurisdiction = (env.PRIVACY_JURISDICTION ?? 'gdpr').toLowerCase();
  if (!(JURISDICTIONS as readonly string[]).includes(jurisdiction)) {
    throw new Error(`PRIVACY_JURISDICTION must be one of ${JURISDICTIONS.join(', ')}`);
  }
  const retentionDays = Number(env.RETENTION_DAYS ?? 365);
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    throw new Error(`RETENTION_DAYS must be a whole number of days (1 or more), got "${env.RETENTION_DAYS}"`);
  const [burst, sustained] = (env.VISITOR_MESSAGE_LIMITS ?? '').split(',').map((n) => Number(n.trim()));
  if (env.VISITOR_MESSAGE_LIMITS && ![burst, sustained].every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`VISITOR_MESSAGE_LIMITS must be two whole numbers "<per 10 s>,<per hour>", got "${env.VISITOR_MESSAGE_LIMITS}"`);
  }
  if (env.ADMIN_EMAIL && !v.is(operatorEmailSchema, env.ADMIN_EMAIL)) {
    throw new Error(`ADMIN_EMAIL must be an e-mail address the console's sign-in accepts (name@domain.tld), got "${env.ADMIN_EMAIL}"`);
  }
  if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY))
    throw new Error('TLS_CERT and TLS_KEY go together: set both to serve HTTPS, or neither');
  const mailFrom = env.MAIL_FROM ?? 'Privacy desk <privacy@localhost>';
  const privacyAddress = addressIn(env.PRIVACY_ADDRESS || mailFrom);
  if (!/^[^@\s]+@[^@\s]+$/.test(privacyAddress))
    throw new Error(`PRIVACY_ADDRESS (or MAIL_FROM) must hold an e-mail address, got "${privacyAddress}"`);
  const smtpPort = env.INBOUND_SMTP_PORT ? Number(env.INBOUND_SMTP_PORT) : null;
  if (smtpPort !== null && (!Number.isInteger(smtpPort) || smtpPort < 0 || smtpPort > 65535))
    throw new Error(`INBOUND_SMTP_PORT must be a port number, got "${env.INBOUND_SMTP_PORT}"`);
  const smtpCert = env.INBOUND_SMTP_TLS_CERT || env.TLS_CERT || null;
  const smtpKey = env.INBOUND_SMTP_TLS_KEY || env.TLS_KEY || null;
  if (Boolean(smtpCert) !== Boolean(smtpKey))
    throw new Error('INBOUND_SMTP_TLS_CERT and INBOUND_SMTP_TLS_KEY go together: set both to offer STARTTLS, or neither');
  const maxKb = Number(env.INBOUND_MAIL_MAX_KB ?? 1024);
  if (!Number.isInteger(maxKb) || maxKb < 1)
    throw new Error(`INBOUND_MAIL_MAX_KB must be a whole number of kilobytes, got "${env.INBOUND_MAIL_MAX_KB}"`);
  const publicUrl = env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/$/, '') : null;
  return {
    port,
    host: env.HOST || undefined,
    databasePath: path.resolve(env.DATABASE_PATH ?? './data/chat.db'),
    publicUrl,
    smtpUrl: env.SMTP_URL || null,
    mailFrom,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    adminEmail: env.ADMIN_EMAIL || null,
    adminPassword: env.ADMIN_PASSWORD || null,
    tlsCert: env.TLS_CERT || null,
    tlsKey: env.TLS_KEY || null,
    trustProxy: env.TRUST_PROXY || null,
    jurisdiction: jurisdiction as Jurisdiction,
    identitySecret: env.IDENTITY_SECRET || null,
    logLevel: env.LOG_LEVEL ?? 'info',
    bundleDir: path.resolve(env.BUNDLE_DIR ?? './dist/public'),
    buildBundles: env.BUILD_BUNDLES !== 'false',
    visitorMessageLimits: env.VISITOR_MESSAGE_LIMITS
      ? { burst: { limit: burst, windowMs: 10_000 }, sustained: { limit: sustained, windowMs: 60 * 60 * 1000 } }
      : undefined,
    sessionTtlMs: 12 * 60 * 60 * 1000,
    retentionDays,
    offlineReplyDelayMs: Number(env.OFFLINE_REPLY_DELAY_SECONDS ?? 60) * 1000,
    privacyAddress,
    mailDomain: privacyAddress.split('@')[1],
    inboundSmtp:
      smtpPort === null
        ? null
        : {
            port: smtpPort,
            host: env.INBOUND_SMTP_HOST || env.HOST || undefined,
            tlsCert: smtpCert,
            tlsKey: smtpKey,
            recipients: [
              privacyAddress,
              ...(env.INBOUND_SMTP_RECIPIENTS ?? '')
                .split(',')
                .map((s) => s.trim().toLowerCase())
                .filter(Boolean),
            ],
          },
    inboundMailSecret: env.INBOUND_MAIL_SECRET || null,
    inboundMailMaxBytes: maxKb * 1024,
    attachmentS3: s3Config(env),
    redisUrl: clusterSecrets(env),
    hmacKey: hmacKey(env.HMAC_KEY),
    databaseUrl: databaseUrl(env),
  };
}

/**
 * A cluster's nodes must share their secrets, or each would hash e-mail addresses and codes (and sign
 * identities) its own way, and count its own limits in Redis: REDIS_URL is refused without them.
 */
function clusterSecrets(env: NodeJS.ProcessEnv): string | null {
  const url = serviceUrl('REDIS_URL', env.REDIS_URL, ['redis:', 'rediss:'], 'redis://[:password@]host[:port][/db]');
  if (url) requireSharedSecrets(env, 'REDIS_URL (several nodes)');
  return url;
}

/** DATABASE_URL, checked like REDIS_URL, and the secrets it needs. */
function databaseUrl(env: NodeJS.ProcessEnv): string | null {
  const url = serviceUrl('DATABASE_URL', env.DATABASE_URL, ['postgres:', 'postgresql:'], 'postgres://user:password@host[:port]/database');
  if (url) requireSharedSecrets(env, 'DATABASE_URL');
  return url;
}

function requireSharedSecrets(env: NodeJS.ProcessEnv, what: string): void {
  if (!env.HMAC_KEY || !env.IDENTITY_SECRET)
    throw new Error(
      `${what} needs HMAC_KEY and IDENTITY_SECRET, the same on every node: a SQLite installation that moves takes them from data/secrets.json (hmacKey, identitySecret); a new one generates them, e.g. with \`openssl rand -base64 32\``,
    );
}

/**
 * A service's URL (REDIS_URL, DATABASE_URL), checked here so a typo fails the start with words rather than
 * as a connection error later; the value is never repeated in the refusal (it may hold a password).
 */
function serviceUrl(name: string, value: string | undefined, protocols: string[], shape: string): string | null {
  if (!value) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // Not even a URL: said below.
  }
  if (!url || !protocols.includes(url.protocol) || !url.hostname)
    throw new Error(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL (${shape})`);
  return value;
}

/** HMAC_KEY: 32 random bytes or more, in base64 or base64url (the value itself is never repeated in an error). */
function hmacKey(value: string | undefined): Buffer | null {
  if (!value) return null;
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : null;
  if (!key || key.length < 32) throw new Error('HMAC_KEY must be 32 random bytes or more in base64 (e.g. `openssl rand -base64 32`)');
  return key;
}

/** ATTACHMENT_S3_*: the bucket switches it on; without keys of its own it takes the AWS_* ones. */
function s3Config(env: NodeJS.ProcessEnv): S3StoreConfig | null {
  const bucket = env.ATTACHMENT_S3_BUCKET;
  if (!bucket) return null;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new Error(`ATTACHMENT_S3_BUCKET must be a bucket name (3–63 lower-case letters, digits, dots, hyphens), got "${bucket}"`);
  const region = env.ATTACHMENT_S3_REGION || env.AWS_REGION || 'us-east-1';
  const endpoint = env.ATTACHMENT_S3_ENDPOINT || `https://s3.${region}.amazonaws.com`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`ATTACHMENT_S3_ENDPOINT must be an http(s) address, got "${endpoint}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`ATTACHMENT_S3_ENDPOINT must be an http(s) address, got "${endpoint}"`);
  const accessKeyId = env.ATTACHMENT_S3_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.ATTACHMENT_S3_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new Error('ATTACHMENT_S3_BUCKET is set: set ATTACHMENT_S3_ACCESS_KEY_ID and ATTACHMENT_S3_SECRET_ACCESS_KEY too');
  const prefix = (env.ATTACHMENT_S3_PREFIX ?? 'attachments/').replace(/^\/+/, '');
  return {
    endpoint,
    region,
    bucket,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    accessKeyId,
    secretAccessKey,
    pathStyle: env.ATTACHMENT_S3_PATH_STYLE !== 'false',
  };
}
