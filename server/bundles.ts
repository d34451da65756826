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
  ...LANGS.map((lang) => ({
    entry: 'widget/visitor/panel-entry.ts',
    out: panelFile(lang),
    format: 'esm' as const,
    define: { CW_PANEL_LANG: JSON.stringify(lang) },
  })),
  { entry: 'widget/console/main.ts', out: 'console.js', format: 'esm' },
];

/**
 * Trims socket.io-client for the browser. It always bundles engine.io's three transports: we connect by
 * WebSocket with HTTP long-polling as the fallback, and never use WebTransport, so that one is left out;
 * and the polling is engine.io's own fetch()-based transport instead of its XMLHttpRequest one (same
 * protocol, less code). Both count against the widget's size budget (`npm run size`).
 */
const slimSocketIo: Plugin = {
  name: 'slim-socket.io-client',
  setup(build) {
    build.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const expected = [
        'import { XHR } from "./polling-xhr.node.js";',
        'import { WT } from "./webtransport.js";',
        'webtransport: WT,',
        'polling: XHR,',
      ];
      if (!expected.every((line) => source.includes(line))) {
        throw new Error('engine.io-client transports/index.js changed shape; update slimSocketIo in server/bundles.ts');
      }
      const contents = source
        .replace(expected[0], 'import { Fetch } from "./polling-fetch.js";')
        .replace(expected[1], '')
        .replace(expected[2], '')
        .replace(expected[3], 'polling: Fetch,');
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
    // Socket.IO's binary attachments: neither side of our protocol ever sends a Buffer, Blob or ArrayBuffer
    // (every payload is JSON, checked by a schema), so the parser's binary detection and (de)construction
    // are replaced by "never binary", which keeps that code out of the widget.
    build.onLoad({ filter: /socket\.io-parser[\\/]build[\\/]esm[\\/](is-binary|binary)\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const binary = path.basename(args.path) === 'binary.js';
      const exports = binary
        ? ['export function deconstructPacket(', 'export function reconstructPacket(']
        : ['export function isBinary(', 'export function hasBinary('];
      if (!exports.every((line) => source.includes(line)))
        throw new Error('socket.io-parser changed shape; update slimSocketIo in server/bundles.ts');
      const contents = binary
        ? 'const unused = () => { throw new Error("binary packets are not part of this protocol"); };\nexport const deconstructPacket = unused, reconstructPacket = unused;'
        : 'export const isBinary = () => false, hasBinary = () => false;';
      return { contents, loader: 'js' };
    });
    // The entries re-export every transport, and the XMLHttpRequest ones run feature checks on load, which
    // would keep them in the bundle although nothing uses them: declare those modules free of side effects.
    build.onResolve({ filter: /[\\/](polling-xhr(\.node)?|webtransport)\.js$/ }, async (args) => {
      if (args.pluginData === 'slim') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'slim',
      });
      return resolved.errors.length ? { errors: resolved.errors } : { path: resolved.path, sideEffects: false };
    });
  },
};

/**
 * esbuild minifies code but leaves template text alone. In our widget sources, Lit `css\`…\`` blocks are
 * compacted, and indentation after line breaks is dropped (it lives only inside multi-line html/css
 * templates, where a line break alone renders the same; none of them is preformatted).
 */
const compactCss: Plugin = {
  name: 'compact-lit-css',
  setup(build) {
    build.onLoad({ filter: /[\\/]widget[\\/].*\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source.replace(
        /\bcss`([^`$]*)`/g,
        (_m, text: string) =>
          `css\`${text
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/\s+/g, ' ')
            .replace(/\s*([{};,>])\s*/g, '$1')
            .replace(/:\s+/g, ':')
            .replace(/;}/g, '}')
            .trim()}\``,
      );
      return { contents: contents.replace(/\n[ \t]+/g, '\n'), loader: 'ts' };
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
        plugins: [slimSocketIo, compactCss],
      }),
    ),
  );
  return BUNDLES.map((b) => {
    const data = fs.readFileSync(path.join(outDir, b.out));
    return { file: b.out, bytes: data.length, gzip: zlib.gzipSync(data, { level: 9 }).length };
  });
}
