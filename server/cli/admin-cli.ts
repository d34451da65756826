/**
 * `npm run admin -- <command> [options]`: manage operator accounts from the command line, through the
 * same services as the console, on the database at DATABASE_PATH (default ./data/chat.db). Safe while
 * the server runs (WAL); a running server cuts a disabled or reset operator's live connections within
 * 30 seconds (at once when done in the console).
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { operatorCreateSchema } from '../../shared/schemas';
import { systemClock } from '../platform/clock';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { createRepositories } from '../db/repositories/index';
import { createConsoleWrites } from '../console/console-writes';
import { InlineWriter } from '../writer/inline';
import { EventBus } from '../platform/events';
import { AuthService } from '../console/auth-service';
import { PresenceService } from '../console/presence-service';
import { TeamService } from '../console/team-service';
import { memoryRateLimits } from '../platform/rate-limiter';
import { LocalAttachmentStore, attachmentDirFor } from '../attachments/attachment-store';
import { S3AttachmentStore } from '../attachments/s3-attachment-store';
import { CopyRefused, copySqliteToPostgres, openSqliteReadOnly } from '../db/pg/copy-from-sqlite';
import { openPgPool } from '../db/pg/pg-pool';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  add-operator   --email <e-mail> --name <name> [--role operator|admin] [--password <pw>]
                 Without --password a password is generated and printed once.
  list-operators
  disable        --email <e-mail>    Disable the account and end its sessions.
  enable         --email <e-mail>    Re-enable a disabled account.
  reset-password --email <e-mail> [--password <pw>]
                 Set a new password (generated when omitted) and end the account's sessions.
  verify-audit   Check the audit log's hash chain: no entry changed, removed or reordered.
                 Exits with 1 when the chain is broken, naming the first entry that does not follow.
  copy-attachments-to-s3
                 Copy the files the database names from attachments/ beside it to the bucket that
                 ATTACHMENT_S3_* configure, under the same names, each checked against its recorded
                 SHA-256. Run it before starting the server with those variables; safe to run again.
  migrate-to-postgres [<postgres-url>]
                 Copy every table of the database into an empty PostgreSQL database (its schema is
                 created first), in one transaction, then check the row counts and the audit chain
                 there. The SQLite file is only read. Refused unless the file is at the latest
                 migration and the PostgreSQL database holds no rows. Without <postgres-url>, the
                 URL is DATABASE_URL (which keeps its password out of the process list).

The database is DATABASE_PATH (default ./data/chat.db).`;

class UsageError extends Error {}

/** Moves an installation's files from the directory beside the database into the configured bucket. */
async function copyAttachmentsToS3(files: Array<{ key: string; sha256: string }>): Promise<string> {
  const config = loadConfig();
  if (!config.attachmentS3) throw new UsageError('copy-attachments-to-s3 needs the bucket: set ATTACHMENT_S3_BUCKET and its keys first');
  const local = new LocalAttachmentStore(attachmentDirFor(config.databasePath));
  const bucket = new S3AttachmentStore(config.attachmentS3);
  await bucket.check();
  let copied = 0;
  const missing: string[] = [];
  for (const { key, sha256 } of files) {
    const bytes = await local.read(key);
    if (!bytes) {
      missing.push(key);
      continue;
    }
    if (crypto.createHash('sha256').update(bytes).digest('hex') !== sha256)
      throw new AppError('conflict', `The file ${key} does not match its recorded SHA-256; nothing after it was copied.`);
    await bucket.putAs(key, bytes);
    copied++;
  }
  return [
    `Copied ${copied} of ${files.length} attachment file(s) from ${local.location} to ${bucket.location}.`,
    ...(missing.length ? [`Not in the directory (already moved, or lost): ${missing.length}`] : []),
    'Start the server with the ATTACHMENT_S3_* variables; the directory can be removed once it serves the files.',
  ].join('\n');
}
class ChainBroken extends Error {}

/** Copies the SQLite database, only read, into the empty PostgreSQL database at `url`; prints no personal data. */
async function migrateToPostgres(args: string[]): Promise<string> {
  // The URL may come from DATABASE_URL instead, which keeps its password out of the process list.
  const url = args.length === 0 ? process.env.DATABASE_URL : args[0];
  if (args.length > 1 || !url || url.startsWith('-'))
    throw new UsageError(
      'Usage: npm run admin -- migrate-to-postgres <postgres-url>   (or DATABASE_URL=<postgres-url> npm run admin -- migrate-to-postgres)',
    );
  // DATABASE_URL is this command's target here, not a store the server runs on: the SQLite file's path is
  // read without it (the server's rule that DATABASE_URL needs the cluster's secrets is not this copy's).
  const databasePath = loadConfig({ ...process.env, DATABASE_URL: undefined }).databasePath;
  const sqlite = openSqliteReadOnly(databasePath);
  const pool = openPgPool(url, { max: 2 });
  pool.on('error', () => {});
  try {
    const { tables, audit } = await copySqliteToPostgres(sqlite, pool);
    const width = Math.max(...tables.map((t) => t.table.length));
    return [
      `Copied ${tables.length} tables from ${databasePath} to PostgreSQL in one transaction:`,
      ...tables.map((t) => `  ${t.table.padEnd(width)}  ${String(t.rows).padStart(9)}`),
      `Row counts equal on both sides; id sequences continue after the highest id used.`,
      `The audit log's chain is intact on PostgreSQL: ${audit.entries} entries. Head: ${audit.head}`,
      `Keep secrets.json (beside the SQLite file) with the installation: the keyed hashes copied need its keys.`,
    ].join('\n');
  } finally {
    sqlite.close();
    await pool.end();
  }
}

async function main(argv: string[]): Promise<string> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return USAGE;
  // Before anything opens the database the usual way, which would migrate it.
  if (command === 'migrate-to-postgres') return await migrateToPostgres(rest);
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } },
    strict: true,
  });
  const need = (key: 'email' | 'name'): string => {
    if (!values[key]) throw new UsageError(`--${key} is required for ${command}`);
    return values[key]!;
  };

  const db = openDatabase(loadConfig().databasePath);
  try {
    const repos = createRepositories(db);
    // This process is the one writer of its own connection; the console's write procedures, run inline.
    const writer = new InlineWriter(db, createConsoleWrites(repos));
    // The command line signs nobody in: its limits are its own, in memory, whatever REDIS_URL says.
    const limits = memoryRateLimits(systemClock);
    const auth = new AuthService(repos.operators, writer, systemClock, loadConfig().sessionTtlMs, limits);
    const bus = new EventBus();
    const team = new TeamService(repos.operators, writer, auth, new PresenceService(repos.operators, writer, bus), bus, limits);

    switch (command) {
      case 'add-operator': {
        const parsed = v.safeParse(operatorCreateSchema, {
          email: need('email'),
          name: need('name'),
          role: values.role ?? 'operator',
          ...(values.password ? { password: values.password } : {}),
        });
        if (!parsed.success)
          throw new UsageError(parsed.issues.map((i) => `${i.path?.map((p) => String(p.key)).join('.') ?? ''}: ${i.message}`).join('\n'));
        const { operator, password } = await team.create(parsed.output);
        return `Added ${operator.role} ${operator.name} <${operator.email}> (id ${operator.id}).${password ? `\nPassword (shown once): ${password}` : ''}`;
      }
      case 'list-operators': {
        const rows = await team.list();
        if (rows.length === 0) return 'No operators.';
        return rows
          .map((m) => `${String(m.id).padStart(4)}  ${m.role.padEnd(8)} ${m.disabled ? 'disabled' : 'enabled '}  ${m.name} <${m.email}>`)
          .join('\n');
      }
      case 'disable':
      case 'enable': {
        const row = await team.byEmail(need('email'));
        const member = await team.setDisabled(null, row.id, command === 'disable');
        return `${member.name} <${member.email}> is ${member.disabled ? 'disabled; their sessions have ended' : 'enabled'}.`;
      }
      case 'reset-password': {
        const row = await team.byEmail(need('email'));
        if (values.password !== undefined && values.password.length < 10) throw new UsageError('passwords need at least 10 characters');
        const { password } = await team.resetPassword(row.id, values.password);
        return `Password of ${row.name} <${row.email}> reset; their sessions have ended.${password ? `\nNew password (shown once): ${password}` : ''}`;
      }
      case 'copy-attachments-to-s3':
        return await copyAttachmentsToS3(repos.attachments.storedKeys());
      case 'verify-audit': {
        const report = repos.audit.verifyChain();
        if (!report.intact) {
          throw new ChainBroken(
            `The audit log's chain is broken at entry #${report.brokenAt} (of ${report.entries} checked): that entry or the one before it was changed, or entries were removed.`,
          );
        }
        return `The audit log's chain is intact: ${report.entries} entries. Head: ${report.head}`;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } finally {
    db.close();
  }
}

try {
  console.log(await main(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
    console.error(error.message);
    process.exitCode = 2;
  } else if (error instanceof AppError || error instanceof ChainBroken || error instanceof CopyRefused) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    console.error('Failed:', (error as Error).message);
    process.exitCode = 1;
  }
}
