import { describe, expect, test } from 'vitest';
import { MAX_BATCH, type WriteJob } from '../../server/writer/group-commit';
import { WriteLoop } from '../../server/writer/write-loop';

const jobs = (from: number, count: number): WriteJob[] =>
  Array.from({ length: count }, (_, i) => ({ id: from + i, name: 'w', args: null }));

/** A commit that takes `ms` of real waiting (a store a network away), recording what each batch held and overlaps. */
function slowCommit(ms: number) {
  const batches: number[][] = [];
  let inFlight = 0;
  let overlapped = false;
  const commit = async (batch: WriteJob[]) => {
    inFlight++;
    if (inFlight > 1) overlapped = true;
    await new Promise((resolve) => setTimeout(resolve, ms));
    batches.push(batch.map((j) => j.id));
    inFlight--;
  };
  return { commit, batches, overlapped: () => overlapped };
}

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
};

describe('the writer thread loop', () => {
  test('jobs posted while a batch awaits its store wait for the next batch: never two at once, all committed in order, each once', async () => {
    const slow = slowCommit(20);
    const loop = new WriteLoop(slow.commit);
    loop.push(jobs(1, 3));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The first batch is awaiting: these arrive in separate turns meanwhile.
    loop.push(jobs(4, 2));
    await new Promise((resolve) => setTimeout(resolve, 1));
    loop.push(jobs(6, 1));
    await until(() => slow.batches.flat().length === 6);
    expect(slow.overlapped()).toBe(false);
    expect(slow.batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  test(`a backlog is taken in slices of ${MAX_BATCH}, one after the other`, async () => {
    const slow = slowCommit(1);
    const loop = new WriteLoop(slow.commit);
    loop.push(jobs(0, MAX_BATCH * 2 + 5));
    await until(() => slow.batches.flat().length === MAX_BATCH * 2 + 5);
    expect(slow.overlapped()).toBe(false);
    expect(slow.batches.map((b) => b.length)).toEqual([MAX_BATCH, MAX_BATCH, 5]);
    expect(slow.batches.flat()).toEqual(jobs(0, MAX_BATCH * 2 + 5).map((j) => j.id));
  });

  test('close during a batch waits for it, then commits everything still queued, and resolves after the last', async () => {
    const slow = slowCommit(15);
    const loop = new WriteLoop(slow.commit);
    loop.push(jobs(1, 2));
    await new Promise((resolve) => setTimeout(resolve, 5));
    loop.push(jobs(3, MAX_BATCH + 1));
    await loop.close();
    expect(slow.overlapped()).toBe(false);
    expect(slow.batches.flat()).toEqual(jobs(1, MAX_BATCH + 3).map((j) => j.id));
    expect(slow.batches.map((b) => b.length)).toEqual([2, MAX_BATCH, 1]);
  });

  test('close with nothing running commits what was queued that turn', async () => {
    const slow = slowCommit(1);
    const loop = new WriteLoop(slow.commit);
    loop.push(jobs(1, 4));
    await loop.close();
    expect(slow.batches).toEqual([[1, 2, 3, 4]]);
  });
});
