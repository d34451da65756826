import type { MessageLimits } from '../chat/chat-writes';
import type { PrivacySettings } from '../privacy/privacy-writes';

/** What the writer thread is started with (spawn.ts starts it, writer-thread.ts is it). */
export interface WriterOptions {
  /** The main connection's announced writes (db/write-turns.ts). */
  writeTurns: SharedArrayBuffer;
  limits: MessageLimits | undefined;
  privacy: PrivacySettings;
}

export interface WriterThreadData extends WriterOptions {
  databasePath: string;
}
