/** Entry point: builds the browser bundles, opens the database, starts the server. */
import { startApp } from './app';
import { attachBenchProbe } from './platform/bench-probe';
import { buildBundles } from './bundles';
import { loadConfig } from './config';
import { openDatabase } from './db/open';
import { openPgPool } from './db/pg/pg-pool';

const config = loadConfig();
const sizes = config.buildBundles ? await buildBundles(config.bundleDir) : null;
// PostgreSQL with DATABASE_URL (several nodes share it), else the SQLite file.
const pool = config.databaseUrl ? openPgPool(config.databaseUrl, { max: 10 }) : null;
// An idle connection the server ended (a restart, a failover) is replaced by the pool; say so, do not crash.
pool?.on('error', (err) => console.error(`PostgreSQL: an idle connection failed (${err.message}); the pool opens another`));
const db = pool ? null : openDatabase(config.databasePath);
const app = await startApp({ config, db: db ?? undefined, pool: pool ?? undefined });
/** Where the data is, for the banner: the file, or PostgreSQL's host and database (never the password). */
function databaseLabel(): string {
  if (!config.databaseUrl) return config.databasePath;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
const firstAdmin = await app.services.auth.ensureFirstAdmin(config.adminEmail, config.adminPassword);
// A new installation (its first admin was just made) starts with example canned replies.
if (firstAdmin) await app.services.canned.addExamples();
// `npm run bench` only: memory and event-loop figures over the IPC channel it opened (never the network).
attachBenchProbe(app.writerStats);
const base = app.config.publicUrl;

const lines = [
  '',
  `  Demo site:  ${base}/`,
  `  Console:    ${base}/console`,
  `  Database:   ${databaseLabel()}`,
  `  Mail:       ${config.smtpUrl ? 'SMTP' : `dev outbox (admins read it in the console)`}`,
  `  Widget:     ${sizes ? sizes.map((s) => `${s.file} ${(s.initialGzip / 1024).toFixed(1)} KB gzip`).join(', ') : `prebuilt, served from ${config.bundleDir}`}`,
];
if (firstAdmin) {
  lines.push(
    '',
    '  First admin account (shown once; change it after signing in):',
    `    e-mail:   ${firstAdmin.email}`,
    `    password: ${firstAdmin.password}`,
  );
}
console.log(`${lines.join('\n')}\n`);

/** The whole stop, signal to exit, stays within this (issue #6): orchestrators kill after ~10 s. */
const SHUTDOWN_MS = 5000;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  app.log.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    // Something would not let go in time. Every acknowledged write is already committed (WAL,
    // synchronous=FULL), so closing the database and leaving loses nothing.
    app.log.warn('shutdown took too long; exiting');
    if (db?.open) db.close();
    process.exit(1);
  }, SHUTDOWN_MS);
  force.unref();
  await app.close(SHUTDOWN_MS - 1000);
  db?.close();
  await pool?.end();
  app.log.info({ ms: Date.now() - started }, 'stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
