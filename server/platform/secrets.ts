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
 */
export function loadSecrets(databasePath: string, identitySecretOverride: string | null): Secrets {
  let stored: { hmacKey: string; identitySecret: string } | null = null;
  const file = databasePath === ':memory:' ? null : path.join(path.dirname(databasePath), 'secrets.json');
  if (file && fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!stored) {
    stored = { hmacKey: randomToken(32), identitySecret: randomToken(32) };
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    }
  }
  return {
    hmacKey: Buffer.from(stored.hmacKey, 'base64url'),
    identitySecret: identitySecretOverride ?? stored.identitySecret,
  };
}
