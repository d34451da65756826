/**
 * Uploading one file (`POST /api/attachments`): loaded on demand the first time someone attaches a file,
 * so the visitor's panel stays small. Shared by the widget (visitor token) and the console (session cookie).
 */
import type { AttachmentDto } from '../../shared/attachments';
import type { Ack, AckError } from '../../shared/errors';

/** The server refused the file (its reason in `error`): a retry would be refused the same way. */
export class UploadRefused extends Error {
  constructor(readonly error: AckError) {
    super(error.message);
  }
}

/**
 * Sends `file` as the raw body to `url` (the chat server's UPLOAD_PATH) and resolves with the stored
 * attachment once the server has it on disk. Rejects with UploadRefused when the server refused it (too large, a type it does not take, not allowed), or
 * a plain Error when there was no answer (the network, a server failure): the caller may retry with the
 * same client id, which the server stores once.
 */
export function uploadFile(
  url: string,
  query: { clientId: string; name: string; conversationId?: string },
  file: Blob,
  auth: string | null,
  onProgress: (fraction: number) => void,
): Promise<AttachmentDto> {
  return new Promise((resolve, reject) => {
    // XMLHttpRequest rather than fetch: it reports how much of the body went out.
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${url}?${new URLSearchParams(query)}`);
    if (auth) xhr.setRequestHeader('Authorization', `Bearer ${auth}`);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => {
      let answer: Ack<{ attachment: AttachmentDto }> | null = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {
        /* not our JSON: a proxy's error page */
      }
      if (answer?.ok) resolve(answer.data.attachment);
      else if (answer && xhr.status < 500) reject(new UploadRefused(answer.error));
      else reject(new Error('upload failed'));
    };
    xhr.onerror = xhr.ontimeout = xhr.onabort = () => reject(new Error('no answer'));
    xhr.send(file);
  });
}
