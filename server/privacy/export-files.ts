import { AppError } from '../../shared/errors';
import type { AttachmentStore } from '../attachments/attachment-store';
import type { Stores } from '../db/store';
import type { ExportFiles } from './privacy-writes';
import type { RequestExecution } from './request-execution';

/**
 * What privacy requests do with attachments' files, on the main thread: the writer thread never waits on
 * the store (a bucket is a network away). An access export's files are read before the write that builds
 * it (the writer refuses the write if a file was attached after this looked, see privacy-writes.ts, and
 * the desk reads again); an erasure's files are removed before it is answered.
 */
export class RequestFiles {
  constructor(
    private readonly requests: Stores['requests'],
    /** Built on the main thread's read-only connection: the same rule for whose files they are. */
    private readonly execution: RequestExecution,
    private readonly store: AttachmentStore,
    /** Removes the files of attachments just deleted (AttachmentService.reap). */
    readonly removeErased: () => Promise<void>,
  ) {}

  /** The files for completing this request: none unless it is an access request. */
  async forCompletion(requestId: number): Promise<ExportFiles | undefined> {
    const request = await this.requests.byId(requestId);
    if (request?.type !== 'access') return undefined;
    const files: ExportFiles = {};
    try {
      for (const key of await this.execution.attachmentKeys(request)) files[key] = await this.store.read(key);
    } catch {
      throw new AppError('internal', 'The attached files could not be read from storage. Try again in a moment.');
    }
    return files;
  }
}
