import fs from 'node:fs';
import path from 'node:path';
import { randomToken } from './crypto';

export interface Secrets {
  /** Key for every keyed hash we store (e-mail hashes, verification codes). */
  hmacKey: Buffer;
  /** Shared with the host site to sign `identify()` calls. */
  identitySecret: string;
}

/**
 * Secrets are generated on first run and kept next to the database (mode 0600), so a restart keeps
 * every stored keyed hash valid. A `:memory:` database gets throwaway secrets.
 *
 * Given from the environment (HMAC_KEY, IDENTITY_SECRET: a cluster's nodes all have the same), they win,
 * and a new database directory keeps that key in its file too. A key that differs from the one in the file
 * is refused: the e-mail hashes and codes stored with the file's key would stop matching — requests could
 * no longer be found by their requester's address.
 */
export function loadSecrets(
  databasePath: string,
  given: { identitySecret: string | null; hmacKey: Buffer | null } = { identitySecret: null, hmacKey: null },
): Secrets {
  let stored: { hmacKey: string; identitySecret: string } | null = null;
  const file = databasePath === ':memory:' ? null : path.join(path.dirname(databasePath), 'secrets.json');
  if (file && fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (stored && given.hmacKey && !Buffer.from(stored.hmacKey, 'base64url').equals(given.hmacKey)) {
    throw new Error(
      `HMAC_KEY differs from the key in ${file}, which this database's stored hashes were made with: set HMAC_KEY to that file's hmacKey, or leave it unset`,
    );
  }
  if (!stored) {
    stored = {
      hmacKey: given.hmacKey ? given.hmacKey.toString('base64url') : randomToken(32),
      identitySecret: given.identitySecret ?? randomToken(32),
    };
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    }
  }
  return {
    hmacKey: Buffer.from(stored.hmacKey, 'base64url'),
    identitySecret: given.identitySecret ?? stored.identitySecret,
  };
}
