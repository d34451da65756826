/**
 * Summarises a V8 CPU profile (`npm run bench -- --profile` writes the server's to dist/bench-profiles/):
 * the functions with the most self time, and the most inclusive time by package or source file; or the
 * allocation sampling written beside it (`.heapprofile`): the bytes allocated by function and by package.
 *
 *   npx tsx test/bench/profile-summary.ts dist/bench-profiles/<file>.cpuprofile [top=25]
 *   npx tsx test/bench/profile-summary.ts dist/bench-profiles/<file>.heapprofile [top=25]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx test/bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(1);
}
const top = Number(topArg ?? 25);

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

if (file.endsWith('.heapprofile')) {
  const { head } = JSON.parse(fs.readFileSync(file, 'utf8')) as { head: HeapNode };
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let bytes = 0;
  const walk = (node: HeapNode) => {
    const place = placeOf(node.callFrame.url);
    const name = `${node.callFrame.functionName || '(anonymous)'}  ${place}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    byPlace.set(place, (byPlace.get(place) ?? 0) + node.selfSize);
    bytes += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(head);
  const share = (b: number) => `${((b / bytes) * 100).toFixed(1).padStart(5)} %  ${(b / 1e6).toFixed(1).padStart(8)} MB`;
  console.log(`${file}: ${(bytes / 1e6).toFixed(0)} MB allocated (sampled)\n\nallocated by function:`);
  for (const [name, b] of [...byFunction].sort((a, c) => c[1] - a[1]).slice(0, top)) console.log(`${share(b)}  ${name}`);
  console.log('\nallocated by package / file:');
  for (const [name, b] of [...byPlace].sort((a, c) => c[1] - a[1]).slice(0, top)) console.log(`${share(b)}  ${name}`);
  process.exit(0);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

// Self time per node from the samples and their time deltas (µs).
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const where = (n: ProfileNode) => placeOf(n.callFrame.url);

const selfByFunction = new Map<string, number>();
const selfByPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const name = `${node.callFrame.functionName || '(anonymous)'}  ${where(node)}:${node.callFrame.lineNumber + 1}`;
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + us);
  selfByPlace.set(where(node), (selfByPlace.get(where(node)) ?? 0) + us);
}

const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nself time by function:`);
for (const [name, us] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);
console.log('\nself time by package / file:');
for (const [name, us] of [...selfByPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);

/** A package's name, or a source file under dist/, server/ or shared/, for a script's URL. */
function placeOf(scriptUrl: string): string {
  const url = scriptUrl.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  return pkg ?? (url ? url.replace(/^.*\/(dist|server|shared)\//, '$1/') : '(native)');
}
