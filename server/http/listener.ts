import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Config } from '../config';

export interface Listener {
  server: http.Server | https.Server;
  port: number;
  /** The address links in mails and pages are built on: PUBLIC_URL, or this server's own. */
  publicUrl: string;
  /** HTTPS here or at a proxy in front (PUBLIC_URL says https). */
  secure: boolean;
}

/**
 * Binds the HTTP(S) server before anything that needs the public address is built: with port 0 that address
 * is known only now. The caller attaches its request handler in the same turn, before any request is read.
 */
export async function openListener(config: Config, port: number, host: string | undefined): Promise<Listener> {
  const tls = Boolean(config.tlsCert && config.tlsKey);
  const server = tls
    ? https.createServer({ cert: fs.readFileSync(config.tlsCert!), key: fs.readFileSync(config.tlsKey!) })
    : http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const publicUrl = config.publicUrl ?? `${tls ? 'https' : 'http'}://${ownHost(host)}:${bound}`;
  return { server, port: bound, publicUrl, secure: publicUrl.startsWith('https://') || tls };
}

/** A specific address the server is bound to is where it is reached; otherwise this machine's name. */
function ownHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
