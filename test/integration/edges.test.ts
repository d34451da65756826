import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { startApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/db/open';
import { VISITOR_NAMESPACE } from '../../shared/protocol';
import { ADMIN, signIn, startTestApp, type TestApp } from '../helpers/test-app';

const SITE = 'https://shop.example.test';
const EVIL = 'https://evil.example.test';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Whether a websocket handshake to /visitor claiming `origin` (or none) gets through. */
function handshake(url: string, origin: string | null): Promise<'connected' | 'refused'> {
  const socket = connect(`${url}${VISITOR_NAMESPACE}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: origin ? { origin } : {},
  });
  return new Promise((resolve) => {
    const settle = (how: 'connected' | 'refused') => {
      socket.close();
      resolve(how);
    };
    socket.once('connect', () => settle('connected'));
    socket.once('connect_error', () => settle('refused'));
  });
}

function login(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
  });
}

describe('who may connect', () => {
  test('the widget connects only from ALLOWED_ORIGINS or our own origin; other sites are refused', async () => {
    t = await startTestApp({ env: { ALLOWED_ORIGINS: SITE } });
    expect(await handshake(t.url, SITE)).toBe('connected');
    expect(await handshake(t.url, t.url)).toBe('connected');
    expect(await handshake(t.url, EVIL)).toBe('refused');
    // Not a browser (no Origin at all): a server-side client, allowed like any API client.
    expect(await handshake(t.url, null)).toBe('connected');
  });

  test('long-polling answers CORS for allowed sites only', async () => {
    t = await startTestApp({ env: { ALLOWED_ORIGINS: SITE } });
    const poll = (origin: string) => fetch(`${t!.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const allowed = await poll(SITE);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await poll(EVIL);
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('the HTTP API sends no CORS headers, so no other site can read its answers or preflight a call', async () => {
    t = await startTestApp({ env: { ALLOWED_ORIGINS: SITE } });
    const cookie = await signIn(t.url);
    for (const origin of [SITE, EVIL]) {
      const me = await fetch(`${t.url}/api/auth/me`, { headers: { origin, cookie } });
      expect(me.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${t.url}/api/v1/privacy-requests`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
    }
  });
});

describe('cookies and cross-site requests', () => {
  test('a sign-in or sign-out posted from another site is refused, and the session survives', async () => {
    t = await startTestApp();
    const refused = await login(t.url, { origin: EVIL });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const cookie = await signIn(t.url);
    const logout = await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { origin: EVIL, cookie } });
    expect(logout.status).toBe(403);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    // From our own pages it works.
    expect((await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { origin: t.url, cookie } })).status).toBe(200);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  test('over plain HTTP the session cookie is httpOnly and SameSite=Strict, without Secure, and there is no HSTS', async () => {
    t = await startTestApp();
    const res = await login(t.url);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  test('behind an HTTPS proxy (PUBLIC_URL https) the cookie is Secure and HSTS is on', async () => {
    t = await startTestApp({ env: { PUBLIC_URL: 'https://chat.example.test', TRUST_PROXY: 'loopback' } });
    const res = await login(t.url, { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  test('without TRUST_PROXY a forwarded address is ignored: a client cannot dodge the sign-in lockout by inventing one', async () => {
    t = await startTestApp();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${t.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}` },
        body: JSON.stringify({ email: `nobody${i}@example.test`, password: 'guess' }),
      });
      expect(res.status).toBe(401);
    }
    expect((await login(t.url, { 'x-forwarded-for': '203.0.113.200' })).status).toBe(429);
  });
});

describe('our pages', () => {
  test('the demo site, the privacy policy and the console carry a CSP without inline script or style, and refuse framing', async () => {
    t = await startTestApp();
    for (const page of ['/', '/privacy-policy', '/console']) {
      const res = await fetch(`${t.url}${page}`);
      expect(res.status, page).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, page).toMatch(/script-src 'self'(;|$)/);
      expect(csp, page).toMatch(/style-src 'self'(;|$)/);
      expect(csp, page).toMatch(/frame-ancestors 'none'/);
      expect(csp, page).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('x-content-type-options'), page).toBe('nosniff');
      // And they have no inline script for the CSP to have to forbid.
      const html = await res.text();
      expect(html, page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html, page).not.toMatch(/\son[a-z]+\s*=/i);
    }
  });

  test('a JSON body over 32 KB is refused with invalid_payload', async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: 'x'.repeat(33 * 1024) }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid_payload', message: 'The request body is too large.' } });
  });
});

describe('HTTPS served directly', () => {
  test('with TLS_CERT and TLS_KEY the server speaks HTTPS, with HSTS and Secure cookies', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-days',
        '2',
      ],
      { stdio: 'ignore' },
    );
    const config = loadConfig({ PORT: '0', DATABASE_PATH: path.join(dir, 'chat.db'), TLS_CERT: cert, TLS_KEY: key, LOG_LEVEL: 'silent' });
    const db = openDatabase(config.databasePath);
    const app = await startApp({ config, db, port: 0, host: '127.0.0.1' });
    // Serving TLS itself, its own address is https (links in mails say so).
    expect(app.config.publicUrl).toBe(`https://127.0.0.1:${app.port}`);
    await app.services.auth.ensureFirstAdmin(ADMIN.email, ADMIN.password);
    const port = app.port;
    try {
      const res = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port,
            path: '/api/auth/login',
            method: 'POST',
            ca: fs.readFileSync(cert),
            headers: { 'content-type': 'application/json' },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ email: ADMIN.email, password: ADMIN.password }));
      });
      expect(res.status).toBe(200);
      expect(String(res.headers['strict-transport-security'])).toMatch(/max-age=\d+/);
      expect(String(res.headers['set-cookie'])).toMatch(/;\s*Secure/i);
      // Plain HTTP on the same port gets nowhere.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      await app.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('TLS_CERT without TLS_KEY is a configuration error', () => {
    expect(() => loadConfig({ TLS_CERT: '/tmp/cert.pem' })).toThrow(/TLS_CERT and TLS_KEY/);
  });
});
