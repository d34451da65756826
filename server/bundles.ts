import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { LANGS } from '../shared/schemas';
import { panelFile } from '../widget/common/widget-api';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Bundle {
  entry: string;
  out: string;
  format: 'iife' | 'esm';
  /** Compile-time constants: the panel is built once per language, each with one string catalogue. */
  define?: Record<string, string>;
}

/**
 * The browser bundles: the tiny loader a site includes (an IIFE: it must run from a plain `<script>`),
 * the chat panel it loads on demand in the visitor's language, the console.
 */
export const BUNDLES: readonly Bundle[] = [
  { entry: 'widget/embed.ts', out: 'widget.js', format: 'iife' },
  ...LANGS.map((lang) => ({ entry: 'widget/visitor/panel-entry.ts', out: panelFile(lang), format: 'esm' as const, define: { CW_PANEL_LANG: JSON.stringify(lang) } })),
  { entry: 'widget/console/main.ts', out: 'console.js', format: 'esm' },
];

/**
 * socket.io-client always bundles engine.io's three transports; we use WebSocket with long-polling as the
 * fallback and never WebTransport, so its transport is left out (about 1 KB of the widget).
 */
const withoutWebTransport: Plugin = {
  name: 'engine.io-without-webtransport',
  setup(build) {
    build.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source.replace(/^import \{ WT \}.*$/m, '').replace(/^\s*webtransport: WT,$/m, '');
      if (contents.includes('WT') || !contents.includes('websocket') || !contents.includes('polling')) {
        throw new Error('engine.io-client transports/index.js changed shape; update withoutWebTransport in server/bundles.ts');
      }
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/** Collapses the whitespace of Lit `css\`…\`` blocks in our own sources (esbuild leaves template text alone). */
const compactCss: Plugin = {
  name: 'compact-lit-css',
  setup(build) {
    build.onLoad({ filter: /[\\/]widget[\\/].*\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source.replace(/\bcss`([^`$]*)`/g, (_m, text: string) =>
        `css\`${text.replace(/\/\*[^]*?\*\//g, '').replace(/\s+/g, ' ').replace(/\s*([{};,>])\s*/g, '$1').replace(/:\s+/g, ':').replace(/;}/g, '}').trim()}\``,
      );
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds every bundle into `outDir`; returns each file's raw and gzip size in bytes. */
export async function buildBundles(outDir: string): Promise<Array<{ file: string; bytes: number; gzip: number }>> {
  fs.mkdirSync(outDir, { recursive: true });
  await Promise.all(
    BUNDLES.map((b) =>
      build({
        entryPoints: [path.join(ROOT, b.entry)],
        outfile: path.join(outDir, b.out),
        bundle: true,
        minify: true,
        format: b.format,
        target: 'es2021',
        legalComments: 'none',
        // Cyrillic as UTF-8 rather than \uXXXX escapes; the server sends JavaScript as UTF-8.
        charset: 'utf8',
        define: b.define ?? {},
        logLevel: 'silent',
        sourcemap: false,
        tsconfig: path.join(ROOT, 'tsconfig.json'),
        plugins: [withoutWebTransport, compactCss],
      }),
    ),
  );
  return BUNDLES.map((b) => {
    const data = fs.readFileSync(path.join(outDir, b.out));
    return { file: b.out, bytes: data.length, gzip: zlib.gzipSync(data, { level: 9 }).length };
  });
}
