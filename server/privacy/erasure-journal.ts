import fs from 'node:fs';
import path from 'node:path';

/**
 * The erasure journal: one line per completed erasure — its reference, the keyed hash of the requester's
 * address (no address) and when — kept beside the database in `erasures.jsonl` but never inside it, so it
 * outlives a restore. A restored backup predates some erasures; at the next start (or `npm run backup --
 * --restore`) every one the database does not show as completed is carried out again.
 */
export interface ErasureEntry {
  reference: string;
  requesterHash: string;
  completedAt: number;
}

export function journalPathFor(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'erasures.jsonl');
}

/** Appends one entry and syncs it to disk before returning. */
export function appendErasure(file: string, entry: ErasureEntry): void {
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every well-formed entry (a line torn by a crash mid-write is skipped). */
export function readJournal(file: string): ErasureEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: ErasureEntry[] = [];
  for (const line of text.split('\n')) {
    try {
      const e = JSON.parse(line) as ErasureEntry;
      if (typeof e.reference === 'string' && /^[0-9a-f]{64}$/.test(e.requesterHash) && Number.isSafeInteger(e.completedAt)) entries.push(e);
    } catch {
      // blank or torn
    }
  }
  return entries;
}
