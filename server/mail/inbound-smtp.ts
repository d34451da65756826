import fs from 'node:fs';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { Logger } from 'pino';
import type { InboundSmtpConfig } from '../config';
import type { MailArrival } from '../privacy/mail-intake';
import type { MailOutcome } from '../privacy/request-mail';

/** The answer an SMTP client gets for a refused mail: a code, and text that names no address. */
function smtpError(message: string, responseCode: number): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The SMTP listener for mail to the privacy address (smtp-server), that a site points its MX or a
 * forward at. It takes mail for the configured recipients only, offers STARTTLS when a certificate is
 * configured, no AUTH (it relays nothing), and refuses mail over the size limit (SIZE is announced; a
 * client that sends more anyway gets 552). Each mail's raw MIME goes to `receive`; its outcome decides the
 * answer: filed, threaded or ignored (an auto-reply, a bounce) are accepted — refusing a bounce would only
 * make another — a limit reached or a failure on our side is 451, so the sending server tries later.
 */
export function createInboundSmtp(
  config: InboundSmtpConfig,
  maxBytes: number,
  receive: (raw: Buffer, arrival: MailArrival) => Promise<MailOutcome>,
  log: Logger,
): { listen(): Promise<number>; close(): Promise<void> } {
  const tls = config.tlsCert && config.tlsKey ? { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) } : null;
  const options: SMTPServerOptions = {
    ...(tls ?? {}),
    secure: false,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    size: maxBytes,
    banner: 'privacy desk',
    logger: false,
    disableReverseLookup: true,
    maxClients: 50,
    socketTimeout: 60_000,
    onRcptTo(address, _session, callback) {
      if (config.recipients.includes(address.address.toLowerCase())) callback();
      else callback(smtpError('No such mailbox here', 550));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit nothing more is kept; the stream is still read to its end, as SMTP requires.
        if (size <= maxBytes) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || size > maxBytes) return callback(smtpError('Message too large', 552));
        const mailFrom = session.envelope.mailFrom;
        receive(Buffer.concat(chunks), { via: 'smtp', envelopeFrom: mailFrom ? mailFrom.address : '', ip: session.remoteAddress }).then(
          (outcome) => {
            if (outcome.outcome === 'limited') callback(smtpError('Too many mails; try again later', 451));
            else if (outcome.outcome === 'too_large') callback(smtpError('Message too large', 552));
            else callback();
          },
          (error: Error) => {
            log.error({ name: error.name }, 'inbound mail failed');
            callback(smtpError('Temporary failure; try again later', 451));
          },
        );
      });
    },
  };
  const server = new SMTPServer(options);
  // A client that drops its connection is its own business; name and code only (messages can quote input).
  server.on('error', (error: Error & { code?: string }) => log.debug({ name: error.name, code: error.code }, 'inbound smtp client error'));

  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.server.off('error', reject);
          resolve((server.server.address() as { port: number }).port);
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
