import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../server/config';
import { loadSecrets } from '../../server/platform/secrets';
import { CLUSTER_SECRETS } from '../helpers/redis';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * A cluster's nodes hash and sign the same way only with the same secrets: HMAC_KEY and IDENTITY_SECRET
 * from the environment, required with REDIS_URL, and checked against the key a database was made with.
 */
const dirs: string[] = [];
const apps: TestApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function databaseIn(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-secrets-'));
  dirs.push(dir);
  return path.join(dir, 'chat.db');
}

describe('secrets for several nodes', () => {
  test('REDIS_URL without HMAC_KEY and IDENTITY_SECRET is refused at start, saying where to take them from', () => {
    for (const missing of ['HMAC_KEY', 'IDENTITY_SECRET'] as const) {
      const env: Record<string, string> = { ...CLUSTER_SECRETS, REDIS_URL: 'redis://127.0.0.1:6379' };
      delete env[missing];
      expect(() => loadConfig(env)).toThrow(/REDIS_URL \(several nodes\) needs HMAC_KEY and IDENTITY_SECRET.*data\/secrets\.json/);
    }
    expect(loadConfig({ ...CLUSTER_SECRETS, REDIS_URL: 'redis://127.0.0.1:6379' }).hmacKey?.length).toBe(32);
  });

  test('DATABASE_URL is a postgres URL, needs the shared secrets too, and is never repeated in a refusal', () => {
    const url = 'postgres://chat:hunter2@db.internal:5432/chat';
    expect(loadConfig({ ...CLUSTER_SECRETS, DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig({}).databaseUrl).toBeNull();
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/DATABASE_URL needs HMAC_KEY and IDENTITY_SECRET/);
    for (const bad of ['mysql://chat:hunter2@db/chat', 'db.internal:5432', 'postgres://']) {
      expect(() => loadConfig({ ...CLUSTER_SECRETS, DATABASE_URL: bad })).toThrow(
        /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
      );
      expect(() => loadConfig({ ...CLUSTER_SECRETS, DATABASE_URL: bad })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
      );
    }
  });

  test('HMAC_KEY must be 32 bytes or more of base64 (or base64url), and is never repeated in the refusal', () => {
    expect(loadConfig({ HMAC_KEY: Buffer.alloc(48, 1).toString('base64url') }).hmacKey).toEqual(Buffer.alloc(48, 1));
    expect(loadConfig({ HMAC_KEY: Buffer.alloc(32, 2).toString('base64') }).hmacKey).toEqual(Buffer.alloc(32, 2));
    for (const bad of [Buffer.alloc(16, 3).toString('base64'), 'not base64 at all!', 'short']) {
      expect(() => loadConfig({ HMAC_KEY: bad })).toThrow(
        expect.objectContaining({ message: expect.stringMatching(/^HMAC_KEY must be 32 random bytes/) }),
      );
      expect(() => loadConfig({ HMAC_KEY: bad })).toThrow(expect.objectContaining({ message: expect.not.stringContaining(bad) }));
    }
  });

  test('a new database takes the given key and keeps it beside itself; a restart without the variable goes on with it', () => {
    const database = databaseIn();
    const key = Buffer.alloc(32, 9);
    expect(loadSecrets(database, { hmacKey: key, identitySecret: 'given identity' })).toEqual({
      hmacKey: key,
      identitySecret: 'given identity',
    });
    const kept = JSON.parse(fs.readFileSync(path.join(path.dirname(database), 'secrets.json'), 'utf8'));
    expect(Buffer.from(kept.hmacKey, 'base64url')).toEqual(key);
    expect(loadSecrets(database, { hmacKey: null, identitySecret: null })).toEqual({ hmacKey: key, identitySecret: 'given identity' });
  });

  test('a key other than the one the database was made with is refused, and the file is left as it was', () => {
    const database = databaseIn();
    const first = loadSecrets(database, { hmacKey: null, identitySecret: null });
    const file = path.join(path.dirname(database), 'secrets.json');
    const before = fs.readFileSync(file, 'utf8');
    expect(() => loadSecrets(database, { hmacKey: Buffer.alloc(32, 1), identitySecret: null })).toThrow(
      /HMAC_KEY differs from the key in .*secrets\.json.*set HMAC_KEY to that file's hmacKey/,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    // The same key as the file's is what a moving installation sets: accepted.
    expect(loadSecrets(database, { hmacKey: first.hmacKey, identitySecret: null }).hmacKey).toEqual(first.hmacKey);
  });

  test('nodes given the secrets use them, whatever their own database directories hold', async () => {
    const [a, b] = await Promise.all([startTestApp({ env: { ...CLUSTER_SECRETS } }), startTestApp({ env: { ...CLUSTER_SECRETS } })]);
    apps.push(a, b);
    for (const node of [a, b]) {
      expect(node.app.secrets.hmacKey).toEqual(Buffer.from(CLUSTER_SECRETS.HMAC_KEY, 'base64'));
      expect(node.app.secrets.identitySecret).toBe(CLUSTER_SECRETS.IDENTITY_SECRET);
    }
  });
});
