import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The browser bundles: the tiny loader a site includes, the chat panel it loads on demand, the console. */
export const BUNDLES = [
  { entry: 'widget/embed.ts', out: 'widget.js', format: 'iife' },
  { entry: 'widget/visitor/panel-entry.ts', out: 'widget-panel.js', format: 'esm' },
  { entry: 'widget/console/main.ts', out: 'console.js', format: 'esm' },
] as const;

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
        logLevel: 'silent',
        sourcemap: false,
        tsconfig: path.join(ROOT, 'tsconfig.json'),
      }),
    ),
  );
  return BUNDLES.map((b) => {
    const data = fs.readFileSync(path.join(outDir, b.out));
    return { file: b.out, bytes: data.length, gzip: zlib.gzipSync(data, { level: 9 }).length };
  });
}
