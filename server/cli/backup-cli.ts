/**
 * `npm run backup -- <file>`: an online backup of the database at DATABASE_PATH (default
 * ./data/chat.db) while the server keeps running. `npm run backup -- --restore <file>`, with the server
 * stopped, puts it back and carries out again the erasures completed since (README, "Backup").
 */
import { loadConfig } from '../config';
import path from 'node:path';
import { backupDatabase, restoreDatabase } from '../db/backup';
import { openDatabase } from '../db/open';
import { createRepositories } from '../db/repositories/index';
import { loadSecrets } from '../platform/secrets';
import { journalPathFor, readJournal } from '../privacy/erasure-journal';
import { createPrivacyWrites } from '../privacy/privacy-writes';
import { sqliteTransactions } from '../writer/transaction';

const args = process.argv.slice(2);
const restoring = args[0] === '--restore';
const file = restoring ? args[1] : args[0];
if (!file || args.length !== (restoring ? 2 : 1)) {
  console.error('usage: npm run backup -- <backup-file>\n       npm run backup -- --restore <backup-file>   (with the server stopped)');
  process.exit(2);
}

try {
  const config = loadConfig();
  if (restoring) {
    const result = restoreDatabase(file, config.databasePath);
    console.log(`Restored ${path.resolve(file)}`);
    console.log(
      `  to ${config.databasePath}${result.secretsRestored ? ', with its secrets' : ''}, ${result.attachments} attachment file(s)`,
    );
    // The erasures completed since that backup, carried out again on the restored copy.
    const db = openDatabase(config.databasePath);
    try {
      const repos = createRepositories(db);
      const secrets = loadSecrets(config.databasePath, config);
      const transactions = sqliteTransactions(db);
      const writes = createPrivacyWrites(transactions, repos, {
        hmacKey: secrets.hmacKey,
        jurisdiction: config.jurisdiction,
        mailDomain: config.mailDomain,
      });
      const { value } = await transactions.transaction(() =>
        writes.privacyReapply({ now: Date.now(), publicUrl: '', entries: readJournal(journalPathFor(config.databasePath)) }),
      );
      console.log(
        value.length
          ? `  ${value.length} erasure(s) completed after this backup carried out again: ${value.join(', ')}`
          : '  no erasure completed after this backup: nothing to carry out again',
      );
    } finally {
      db.close();
    }
  } else {
    const result = await backupDatabase(config.databasePath, file);
    console.log(`Backed up ${config.databasePath}`);
    console.log(`  to ${result.file} (${result.pages} pages, schema version ${result.schemaVersion}, integrity ok)`);
    if (result.attachmentsDir)
      console.log(`  ${result.attachments} attachment file(s) to ${result.attachmentsDir}/ (npm run backup -- --restore puts them back)`);
    if (config.attachmentS3)
      console.log(
        `  attachments stay in s3://${config.attachmentS3.bucket}/${config.attachmentS3.prefix} (not copied: back the bucket up with its own tools)`,
      );
    if (result.secretsFile) console.log(`  secrets to ${result.secretsFile} (mode 0600; keep it as safe as the database)`);
  }
} catch (error) {
  console.error(`${restoring ? 'Restore' : 'Backup'} failed: ${(error as Error).message}`);
  process.exit(1);
}
