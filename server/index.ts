/** Entry point: builds the browser bundles, opens the database, starts the server. */
import { createApp } from './app';
import { buildBundles } from './bundles';
import { loadConfig } from './config';
import { openDatabase } from './db/open';

const config = loadConfig();
const sizes = await buildBundles(config.bundleDir);
const db = openDatabase(config.databasePath);
const app = createApp({ config, db });
const firstAdmin = await app.services.auth.ensureFirstAdmin(config.adminEmail, config.adminPassword);
const port = await app.listen();
const base = config.publicUrl.includes(`:${config.port}`) ? config.publicUrl.replace(`:${config.port}`, `:${port}`) : config.publicUrl;

const lines = [
  '',
  `  Demo site:  ${base}/`,
  `  Console:    ${base}/console`,
  `  Database:   ${config.databasePath}`,
  `  Mail:       ${config.smtpUrl ? 'SMTP' : `dev outbox (admins read it in the console)`}`,
  `  Widget:     ${sizes.map((s) => `${s.file} ${(s.gzip / 1024).toFixed(1)} KB gzip`).join(', ')}`,
];
if (firstAdmin) {
  lines.push('', '  First admin account (shown once; change it after signing in):', `    e-mail:   ${firstAdmin.email}`, `    password: ${firstAdmin.password}`);
}
console.log(lines.join('\n') + '\n');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  await app.close();
  db.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
