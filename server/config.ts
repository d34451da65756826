/** Configuration from environment variables, all optional on a developer's machine (design.md). */
import path from 'node:path';
import { JURISDICTIONS, type Jurisdiction } from '../shared/privacy';

export interface Config {
  port: number;
  host: string | undefined;
  databasePath: string;
  publicUrl: string;
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
  /** Operator session lifetime. */
  sessionTtlMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const jurisdiction = (env.PRIVACY_JURISDICTION ?? 'gdpr').toLowerCase();
  if (!(JURISDICTIONS as readonly string[]).includes(jurisdiction)) {
    throw new Error(`PRIVACY_JURISDICTION must be one of ${JURISDICTIONS.join(', ')}`);
  }
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  return {
    port,
    host: env.HOST || undefined,
    databasePath: path.resolve(env.DATABASE_PATH ?? './data/chat.db'),
    publicUrl,
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM ?? 'Privacy desk <privacy@localhost>',
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    adminEmail: env.ADMIN_EMAIL || null,
    adminPassword: env.ADMIN_PASSWORD || null,
    tlsCert: env.TLS_CERT || null,
    tlsKey: env.TLS_KEY || null,
    trustProxy: env.TRUST_PROXY || null,
    jurisdiction: jurisdiction as Jurisdiction,
    identitySecret: env.IDENTITY_SECRET || null,
    logLevel: env.LOG_LEVEL ?? 'info',
    bundleDir: path.resolve(env.BUNDLE_DIR ?? './dist/public'),
    sessionTtlMs: 12 * 60 * 60 * 1000,
  };
}
