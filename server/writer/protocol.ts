import type { MessageLimits } from '../chat/chat-writes';
import type { PrivacySettings } from '../privacy/privacy-writes';

/** What the write procedures are built with besides the database (procedures.ts builds them). */
export interface WriterOptions {
  limits: MessageLimits | undefined;
  privacy: PrivacySettings;
}

/** What the writer thread is started with (spawn.ts starts it, writer-thread.ts is it). */
export interface WriterThreadData extends WriterOptions {
  databasePath: string;
}
