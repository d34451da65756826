import fs from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

/** What the benchmark asks the server over its IPC channel. */
export type ProbeRequest =
  | { id: number; kind: 'stats'; gc?: boolean; reset?: boolean }
  /** A CPU profile of one phase: start, then stop writing it to `file`. */
  | { id: number; kind: 'profile-start' }
  | { id: number; kind: 'profile-stop'; file: string };

/** The server's own view of itself during a benchmark phase. */
export interface ProbeStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Event-loop delay since the last reset, in milliseconds. */
  loopDelay: { p50: number; p99: number; max: number; mean: number };
  /** CPU time used since the last reset, in milliseconds, and the wall time it was measured over. */
  cpuMs: { user: number; system: number; wallMs: number };
  /** Garbage-collection pauses of the main thread since the last reset: all, and the major (mark-compact) ones. */
  gc: { count: number; totalMs: number; maxMs: number; major: number; majorMaxMs: number };
  /** The main thread's event-loop utilisation since the last reset (0–1): how busy the thread serving sockets was. */
  mainLoopUtilization: number;
  /** Group commit since the last reset: batches, writes, and the time the writer thread spent in them (ms). */
  writer: { batches: number; writes: number; busyMs: number; maxBatchMs: number; slowBatches: number; slowWrites: number };
  /**
   * CPU time since the last reset by thread (ms, user and system): the main thread, the writer thread, and
   * all others together (V8's garbage-collection helpers, the mail thread, libuv's pool). Null where /proc
   * does not tell (not Linux).
   */
  threadCpuMs: { main: number; writer: number; other: number } | null;
}

type WriterStats = ProbeStats['writer'] & { osThreadId: number | null };

/** CPU time used so far by each of this process's threads (ms), from /proc (Linux); null elsewhere. */
function threadTimes(): Map<number, number> | null {
  try {
    const ticksMs = 10; // USER_HZ is 100 on Linux
    const times = new Map<number, number>();
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * ticksMs);
    }
    return times;
  } catch {
    return null;
  }
}

/**
 * Benchmark-only: answers `npm run bench` with memory and event-loop figures over the IPC channel the
 * bench opened when it spawned this process. Attached only when CW_BENCH_PROBE=1 *and* the process has an
 * IPC channel (a parent that spawned it with one), so there is nothing to reach over the network and
 * nothing in a normal start.
 */
export function attachBenchProbe(writer: Readonly<WriterStats>): boolean {
  if (process.env.CW_BENCH_PROBE !== '1' || typeof process.send !== 'function') return false;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let cpuFrom = process.cpuUsage();
  let eluFrom = performance.eventLoopUtilization();
  let wallFrom = performance.now();
  let writerFrom = { ...writer };
  let threadsFrom = threadTimes();
  const noPauses = (): ProbeStats['gc'] => ({ count: 0, totalMs: 0, maxMs: 0, major: 0, majorMaxMs: 0 });
  let pauses = noPauses();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      pauses.count++;
      pauses.totalMs += entry.duration;
      pauses.maxMs = Math.max(pauses.maxMs, entry.duration);
      // NODE_PERFORMANCE_GC_MAJOR = 4
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 4) {
        pauses.major++;
        pauses.majorMaxMs = Math.max(pauses.majorMaxMs, entry.duration);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const gc = (globalThis as { gc?: () => void }).gc;
  // Every allocation sampled, collected since or not: the young objects a scavenge frees are the point.
  const SAMPLING = { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  let inspector: Session | null = null;
  const profiler = (method: string, done: (result?: { profile: object }) => void, params?: object) =>
    inspector!.post(method, params, (error, result) => {
      if (error) throw error;
      done(result as { profile: object } | undefined);
    });
  process.on('message', (raw) => {
    const request = raw as ProbeRequest;
    if (request?.kind === 'profile-start') {
      inspector = new Session();
      inspector.connect();
      // Allocation sampling beside the CPU profile: what garbage collection later pays for, by function.
      profiler('Profiler.enable', () =>
        profiler('Profiler.start', () =>
          profiler('HeapProfiler.enable', () => profiler('HeapProfiler.startSampling', () => process.send!({ id: request.id }), SAMPLING)),
        ),
      );
      return;
    }
    if (request?.kind === 'profile-stop' && inspector) {
      profiler('Profiler.stop', (result) => {
        fs.writeFileSync(request.file, JSON.stringify(result!.profile));
        profiler('HeapProfiler.stopSampling', (sampled) => {
          fs.writeFileSync(request.file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(sampled!.profile));
          inspector!.disconnect();
          inspector = null;
          process.send!({ id: request.id });
        });
      });
      return;
    }
    if (request?.kind !== 'stats') return;
    if (request.gc && gc) {
      gc();
      gc();
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage(cpuFrom);
    const ms = (ns: number) => ns / 1e6;
    const stats: ProbeStats = {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      loopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), mean: ms(delay.mean) },
      cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000, wallMs: performance.now() - wallFrom },
      mainLoopUtilization: performance.eventLoopUtilization(eluFrom).utilization,
      gc: { ...pauses },
      threadCpuMs: threadSplit(threadsFrom, threadTimes(), writer.osThreadId),
      writer: {
        batches: writer.batches - writerFrom.batches,
        writes: writer.writes - writerFrom.writes,
        busyMs: writer.busyMs - writerFrom.busyMs,
        // The largest batch time since the start (not reset: a high-water mark).
        maxBatchMs: writer.maxBatchMs,
        slowBatches: writer.slowBatches - writerFrom.slowBatches,
        slowWrites: writer.slowWrites - writerFrom.slowWrites,
      },
    };
    if (request.reset) {
      delay.reset();
      cpuFrom = process.cpuUsage();
      eluFrom = performance.eventLoopUtilization();
      wallFrom = performance.now();
      writerFrom = { ...writer };
      threadsFrom = threadTimes();
      pauses = noPauses();
    }
    process.send!({ id: request.id, stats });
  });
  // The channel must not keep a stopping server alive.
  process.channel?.unref();
  return true;
}

/** The CPU used between two readings, split into the main thread, the writer thread and the rest. */
function threadSplit(
  from: Map<number, number> | null,
  to: Map<number, number> | null,
  writerTid: number | null,
): ProbeStats['threadCpuMs'] {
  if (!from || !to) return null;
  const split = { main: 0, writer: 0, other: 0 };
  for (const [tid, ms] of to) {
    const used = ms - (from.get(tid) ?? 0);
    if (tid === process.pid) split.main += used;
    else if (tid === writerTid) split.writer += used;
    else split.other += used;
  }
  return split;
}
