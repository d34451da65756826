/**
 * `npm run size`: builds the browser bundles and checks the widget's budgets (design.md):
 * the script a page loads ≤ 10 KB gzip, and everything one visitor downloads — the loader plus the panel
 * in their language, with the chunks it imports statically — ≤ 30 KB gzip; the chunks it loads on demand
 * (`import()`) are listed beside it. Exits non-zero above either. 1 KB = 1024 bytes; gzip level 9.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildBundles } from '../../server/bundles';
import { LANGS } from '../../shared/schemas';
import { panelFile } from '../../widget/common/widget-api';

const KB = 1024;
export const LOADER_BUDGET = 10 * KB;
export const TOTAL_BUDGET = 30 * KB;

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-size-'));
try {
  const sizes = new Map((await buildBundles(outDir)).map((s) => [s.file, s]));
  const kb = (bytes: number) => `${(bytes / KB).toFixed(2)} KB`;
  const loader = sizes.get('widget.js')!;
  const failures: string[] = [];
  console.log(`widget.js                ${kb(loader.gzip).padStart(9)} gzip (${kb(loader.bytes)} raw)   budget ${kb(LOADER_BUDGET)}`);
  if (loader.gzip > LOADER_BUDGET) failures.push(`widget.js is ${kb(loader.gzip)} gzip, over ${kb(LOADER_BUDGET)}`);
  for (const lang of LANGS) {
    const panel = sizes.get(panelFile(lang))!;
    // What the panel imports statically is fetched with it; its `import()` chunks only when a visitor needs them.
    const total = loader.gzip + panel.initialGzip;
    console.log(
      `${panelFile(lang).padEnd(24)} ${kb(panel.initialGzip).padStart(9)} gzip (${kb(panel.initialBytes)} raw)   with the loader ${kb(total)}, budget ${kb(TOTAL_BUDGET)}`,
    );
    for (const chunk of panel.lazy) {
      const data = fs.readFileSync(path.join(outDir, chunk));
      console.log(`  on demand: ${chunk.padEnd(40)} ${kb(zlib.gzipSync(data, { level: 9 }).length).padStart(9)} gzip`);
    }
    if (total > TOTAL_BUDGET) failures.push(`loader + ${panelFile(lang)} is ${kb(total)} gzip, over ${kb(TOTAL_BUDGET)}`);
  }
  if (failures.length) {
    console.error(`\nWidget over budget:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('\nWidget within budget.');
  }
} finally {
  fs.rmSync(outDir, { recursive: true, force: true });
}
