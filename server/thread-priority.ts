import fs from 'node:fs';
import os from 'node:os';

/** The nice value of threads whose work can wait (mail). */
export const BACKGROUND_NICE = 10;

/** The calling thread's id (Linux, from `/proc/thread-self`), or null where there is none to read. */
export function currentThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const link = fs.readlinkSync('/proc/thread-self');
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Lowers the CPU priority of the calling thread only, to `nice` (0–19; higher yields more), never raising
 * it: a process started at a lower priority keeps its own. Linux applies a nice value per thread; elsewhere,
 * or when the system refuses, nothing changes. For background threads whose work can wait a few
 * milliseconds (mail), so that on a busy machine the event loop serving the chats and the writer thread
 * committing them run first. Returns whether it lowered.
 */
export function lowerThreadPriority(nice: number): boolean {
  const tid = currentThreadId();
  if (tid === null) return false;
  try {
    if (os.getPriority(tid) >= nice) return false;
    os.setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts libuv's thread pool from the calling thread, if it has not started yet. A new thread inherits the
 * nice value of the thread that creates it, and the pool is created by whichever thread first needs it (a
 * DNS lookup, an async file read, crypto): were that a lowered thread, the whole process's pool — the event
 * loop's file, DNS and crypto work among it — would run at the lowered priority. Call from the main thread
 * before starting a thread that lowers itself.
 */
export function startThreadPool(): void {
  // Any request to the pool creates it, synchronously, in the thread that makes the request.
  fs.access('.', () => {});
}
