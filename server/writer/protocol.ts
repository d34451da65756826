import type { MessageLimits } from '../services/chat-writes';
import type { PrivacySettings } from '../services/privacy-writes';

/** What the writer thread is started with (server/writer-spawn.ts starts it, server/writer-thread.ts is it). */
export interface WriterOptions {
  /** The main connection's announced writes (db/write-turns.ts). */
  writeTurns: SharedArrayBuffer;
  limits: MessageLimits | undefined;
  privacy: PrivacySettings;
}

export interface WriterThreadData extends WriterOptions {
  databasePath: string;
}
