/**
 * `npm run backup -- <file>`: an online backup of the database at DATABASE_PATH (default
 * ./data/chat.db) while the server keeps running. Restoring is described in README ("Backup and restore").
 */
import { loadConfig } from '../config';
import { backupDatabase } from '../db/backup';

const destination = process.argv[2];
if (!destination || process.argv.length > 3) {
  console.error('usage: npm run backup -- <backup-file>');
  process.exit(2);
}

try {
  const { databasePath } = loadConfig();
  const result = await backupDatabase(databasePath, destination);
  console.log(`Backed up ${databasePath}`);
  console.log(`  to ${result.file} (${result.pages} pages, schema version ${result.schemaVersion}, integrity ok)`);
  if (result.attachmentsDir)
    console.log(
      `  ${result.attachments} attachment file(s) to ${result.attachmentsDir}/ (restore them to attachments/ beside the database)`,
    );
  if (result.secretsFile) console.log(`  secrets to ${result.secretsFile} (mode 0600; keep it as safe as the database)`);
} catch (error) {
  console.error(`Backup failed: ${(error as Error).message}`);
  process.exit(1);
}
