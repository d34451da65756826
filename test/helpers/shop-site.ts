import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A customer's site on its own origin, embedding the widget: it serves the widget's bundles itself (as from
 * a CDN), so its pages load and reload while the chat server is down. `chatUrl` is read on every page
 * load: where the embedded widget connects.
 */
export async function startShopSite(bundleDir: string, chatUrl: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const site = http.createServer((req, res) => {
    const file = /^\/(widget[\w.-]*\.js)$/.exec(req.url ?? '')?.[1];
    if (file) res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(fs.readFileSync(path.join(bundleDir, file)));
    else
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><title>Shop</title><h1>Shop</h1><script src="/widget.js" async data-server="${chatUrl()}"></script>`,
        );
  });
  return listen(site);
}

/**
 * A customer's page on its own origin that loads the widget from the chat server (`chatUrl`, read on every
 * page load): `/ru` is the page in Russian, any other path in English.
 */
export function startHostPage(chatUrl: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const site = http.createServer((req, res) => {
    const lang = req.url === '/ru' ? 'ru' : 'en';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Shop</title></head>
<body><h1>Shop</h1><script src="${chatUrl()}/widget.js" async></script></body></html>`);
  });
  return listen(site);
}

async function listen(site: http.Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(site.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => site.close(() => resolve())),
  };
}
