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
  /**
   * The panel's `import()`s become chunks of their own, fetched only when used (a form, a viewer): they do
   * not count against what every visitor downloads. Chunk names carry a content hash.
   */
  split?: boolean;
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
    split: true,
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

/** One built file: raw and gzip bytes; for a split bundle's entry, `initialGzip` adds the chunks it imports statically. */
export interface BuiltFile {
  file: string;
  bytes: number;
  gzip: number;
  /** Everything a browser fetches before the bundle runs: the file and its static imports (summed). */
  initialBytes: number;
  initialGzip: number;
  /** The chunks it loads on demand with `import()` (not part of `initialGzip`). */
  lazy: string[];
}

/** Chunk files of split bundles (`widget-chunk-<name>-<hash>.js`); an earlier build's are removed first. */
const CHUNK_NAMES = 'widget-chunk-[name]-[hash]';
const isChunk = (file: string) => /^widget-chunk-.*\.js$/.test(file);

/** Builds every bundle into `outDir`; returns each entry file's size, and what it loads at once and later. */
export async function buildBundles(outDir: string): Promise<BuiltFile[]> {
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of fs.readdirSync(outDir)) if (isChunk(file)) fs.rmSync(path.join(outDir, file));
  const results = await Promise.all(
    BUNDLES.map((b) =>
      build({
        entryPoints: [{ in: path.join(ROOT, b.entry), out: b.out.replace(/\.js$/, '') }],
        outdir: outDir,
        splitting: b.split ?? false,
        chunkNames: CHUNK_NAMES,
        metafile: true,
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
  const gzipOf = new Map<string, { bytes: number; gzip: number }>();
  const sizeOf = (file: string) => {
    let size = gzipOf.get(file);
    if (!size) {
      const data = fs.readFileSync(path.join(outDir, file));
      size = { bytes: data.length, gzip: zlib.gzipSync(data, { level: 9 }).length };
      gzipOf.set(file, size);
    }
    return size;
  };
  return BUNDLES.map((b, i) => {
    const outputs = results[i]!.metafile.outputs;
    const key = (file: string) => Object.keys(outputs).find((k) => path.basename(k) === file)!;
    const initial = new Set<string>();
    const lazy = new Set<string>();
    const visit = (file: string) => {
      if (initial.has(file)) return;
      initial.add(file);
      for (const dep of outputs[key(file)]!.imports) {
        if (dep.external) continue;
        const name = path.basename(dep.path);
        if (dep.kind === 'dynamic-import') lazy.add(name);
        else visit(name);
      }
    };
    visit(b.out);
    // A chunk the entry also imports statically is not lazy.
    for (const file of initial) lazy.delete(file);
    return {
      file: b.out,
      ...sizeOf(b.out),
      initialBytes: [...initial].reduce((sum, file) => sum + sizeOf(file).bytes, 0),
      initialGzip: [...initial].reduce((sum, file) => sum + sizeOf(file).gzip, 0),
      lazy: [...lazy],
    };
  });
}
