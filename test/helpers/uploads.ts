import type { AttachmentDto } from '../../shared/attachments';
import { VisitorEvent } from '../../shared/protocol';
import { png } from './files';
import { unwrap } from './sockets';
import { call, type VisitorClient } from './test-app';

let uploads = 0;
/** Posts `body` to the app at `url` as a visitor (by token) or an operator (by cookie); returns the status and JSON answer. */
export async function uploadFile(
  url: string,
  body: Buffer,
  auth: { token: string } | { cookie: string; conversationId: string },
  options: { name?: string; clientId?: string } = {},
) {
  const query = new URLSearchParams({ clientId: options.clientId ?? `upload-${++uploads}-abc`, name: options.name ?? 'photo.png' });
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if ('token' in auth) headers.authorization = `Bearer ${auth.token}`;
  else {
    headers.cookie = auth.cookie;
    query.set('conversationId', auth.conversationId);
  }
  const res = await fetch(`${url}/api/attachments?${query}`, { method: 'POST', headers, body: new Uint8Array(body) });
  return {
    status: res.status,
    json: (await res.json()) as { ok: true; data: { attachment: AttachmentDto } } | { ok: false; error: { code: string; message: string } },
  };
}

/** The attachment an upload's answer carries; throws with the server's words when it was refused. */
export function attachmentOf(answer: Awaited<ReturnType<typeof uploadFile>>): AttachmentDto {
  if (!answer.json.ok) throw new Error(`upload refused: ${answer.json.error.message}`);
  return answer.json.data.attachment;
}

/** A visitor's message:send, expected to succeed. */
export async function visitorSend(socket: VisitorClient, payload: { clientId: string; text?: string; attachmentId?: string }) {
  return unwrap(await call(socket, VisitorEvent.messageSend, payload));
}

/** Each visitor uploads `n` small PNGs (`height` px high) and sends each in a message of its own. */
export async function sendImages(
  url: string,
  plan: ReadonlyArray<readonly [{ token: string; visitorId: number; socket: VisitorClient }, number]>,
  height: number,
): Promise<void> {
  for (const [who, n] of plan) {
    for (let i = 0; i < n; i++) {
      const a = attachmentOf(await uploadFile(url, png(2 + i, height), { token: who.token }));
      await visitorSend(who.socket, { clientId: `file-${height}-${who.visitorId}-${i}`, attachmentId: a.id });
    }
  }
}
