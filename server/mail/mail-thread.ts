/**
 * Entry of the mail thread (see createSmtpMailer in mail/mailer.ts): nodemailer with a small pool of
 * kept-open SMTP connections. Composing a message and speaking SMTP take CPU for every mail; here that
 * work is off the event loop that serves every chat. It logs nothing: the main thread logs a
 * failure by its code, never an address or a body.
 */
import { parentPort, workerData } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import type { FromMailThread, MailThreadData, ToMailThread } from './mail-protocol';

const port = parentPort!;
const { url, from } = workerData as MailThreadData;
// A burst (many requesters at once) reuses the pool's few connections instead of opening one, with its
// greeting and EHLO, per mail.
const transport = nodemailer.createTransport({ url, pool: true, maxConnections: 5 });

const inFlight = new Set<Promise<void>>();

port.on('message', (message: ToMailThread) => {
  if (message.type === 'close') {
    // The sends already started are reported first; then the pool's connections and this thread end.
    void Promise.allSettled([...inFlight]).then(() => {
      transport.close();
      port.close();
    });
    return;
  }
  const { id, mail } = message;
  const sending: Promise<void> = transport
    .sendMail({
      from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.messageId ? { messageId: mail.messageId } : {}),
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
      headers: { 'Auto-Submitted': mail.autoSubmitted ?? 'auto-generated' },
    })
    .then(
      () => port.postMessage({ type: 'sent', id } satisfies FromMailThread),
      (error: { code?: unknown; name?: unknown }) =>
        port.postMessage({ type: 'failed', id, code: String(error?.code ?? error?.name ?? 'unknown') } satisfies FromMailThread),
    );
  inFlight.add(sending);
  void sending.finally(() => inFlight.delete(sending));
});
