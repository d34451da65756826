import type { WireError, WriteJob } from './group-commit';
import type { MessageLimits } from '../chat/chat-writes';
import type { PrivacySettings } from '../privacy/privacy-writes';

/** The writer thread's messages and start data: client.ts and writer-thread.ts both import them from here. */

/** What the write procedures are built with besides the database (procedures.ts builds them). */
export interface WriterOptions {
  limits: MessageLimits | undefined;
  privacy: PrivacySettings;
  /** How long an operator reply to a visitor who left an address waits before it is mailed. */
  offlineReplyDelayMs: number;
}

/** What the writer thread is started with (spawn.ts starts it, writer-thread.ts is it). */
export interface WriterThreadData extends WriterOptions {
  databasePath: string;
}

/** main → writer thread */
export type ToWriter = { type: 'jobs'; jobs: WriteJob[] } | { type: 'close' };
/** writer thread → main: the outcomes of one committed (or failed) batch */
export type FromWriter =
  /** `osThreadId`: the thread's id in the operating system (Linux), for the benchmark's CPU per thread. */
  | { type: 'ready'; osThreadId: number | null }
  | {
      type: 'done';
      results: Array<{ id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError }>;
      ms: number;
    };
