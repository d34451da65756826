import net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { CLOSED, createSmtpMailer, MailQueue, type Mailer } from '../../server/mail/mailer';
import { waitFor } from '../helpers/durable-clients';
import { TestSmtp } from '../helpers/smtp';

const FROM = 'Privacy desk <privacy@example.test>';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function smtpServer(): Promise<TestSmtp> {
  const smtp = await new TestSmtp().start();
  cleanups.push(() => smtp.stop());
  return smtp;
}

function mailer(url: string): Mailer {
  const created = createSmtpMailer(url, FROM, pino({ level: 'silent' }));
  cleanups.push(() => created.close());
  return created;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the mail thread', () => {
  test('thirty mails sent at once all arrive intact, over at most five kept-open SMTP connections', async () => {
    const smtp = await smtpServer();
    const smtpMailer = mailer(smtp.url);
    const sends = Array.from({ length: 30 }, (_x, i) =>
      smtpMailer.send({ to: `person${i}@example.test`, subject: `Code ${i}`, text: `Your code is ${100000 + i}.` }),
    );
    await Promise.all(sends);
    expect(smtp.mails).toHaveLength(30);
    for (let i = 0; i < 30; i++) {
      const [mail] = smtp.mailsTo(`person${i}@example.test`);
      expect(mail.subject).toBe(`Code ${i}`);
      expect(mail.body).toContain(`Your code is ${100000 + i}.`);
    }
    expect(smtp.connections).toBeGreaterThan(0);
    expect(smtp.connections).toBeLessThanOrEqual(5);
  });

  test('close ends the pooled connections, so the mail server is left with none open', async () => {
    const smtp = await smtpServer();
    const smtpMailer = mailer(smtp.url);
    await smtpMailer.send({ to: 'someone@example.test', subject: 'Hello', text: 'Body' });
    expect(smtp.open).toBeGreaterThan(0);
    smtpMailer.close();
    await waitFor(() => smtp.open === 0, 'the pooled SMTP connections to close', 15_000);
    expect(smtp.open).toBe(0);
  });

  test('close lets the sends already asked for finish and be reported, then refuses new ones without starting a thread again', async () => {
    const smtp = await smtpServer();
    const smtpMailer = mailer(smtp.url);
    const sends = Array.from({ length: 5 }, (_x, i) =>
      smtpMailer.send({ to: `late${i}@example.test`, subject: `Late ${i}`, text: 'Body' }),
    );
    smtpMailer.close();
    await Promise.all(sends);
    expect(smtp.mails.map((m) => m.subject).sort()).toEqual(['Late 0', 'Late 1', 'Late 2', 'Late 3', 'Late 4']);
    await expect(smtpMailer.send({ to: 'after@example.test', subject: 'After', text: 'Body' })).rejects.toMatchObject({ code: CLOSED });
    await waitFor(() => smtp.open === 0, 'the pooled SMTP connections to close', 15_000);
    expect(smtp.connections).toBeLessThanOrEqual(5);
  });

  test('a mail server that refuses connections fails each send with its error code (for the queue to log and retry), and the thread goes on answering', async () => {
    const port = await closedPort();
    const refused = mailer(`smtp://127.0.0.1:${port}?ignoreTLS=true`);
    for (const subject of ['First', 'Second']) {
      await expect(refused.send({ to: 'someone@example.test', subject, text: 'Body' })).rejects.toMatchObject({
        message: 'mail delivery failed',
        code: 'ESOCKET',
      });
    }
  });
});

describe('the mail queue', () => {
  test('a mail server down for a while delays a mail instead of losing it; one that never comes back is given up, and said so', async () => {
    const port = await closedPort();
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const first = mailer(`smtp://127.0.0.1:${port}?ignoreTLS=true`);
    const queue = new MailQueue(first, log, [50, 50, 50, 3_000]);
    const sent = queue.enqueue({ to: 'waiting@example.test', subject: 'Your code', text: 'Your code is 123456.' });
    // Three tries failed: the server comes up during the fourth pause.
    await waitFor(() => lines.filter((l) => l.includes('mail delivery failed')).length >= 3, 'three failed tries');
    const smtp = await new TestSmtp().start(port);
    // Cleanups run last first: the pooled connections close before the server stops.
    cleanups.push(
      () => smtp.stop(),
      () => first.close(),
    );
    expect(await sent).toBe(true);
    expect(smtp.mailsTo('waiting@example.test')).toHaveLength(1);
    // Nothing of the mail is in the log: no address, no contents.
    expect(lines.join('\n')).not.toMatch(/waiting@example|123456/);

    const never = new MailQueue(mailer(`smtp://127.0.0.1:${await closedPort()}?ignoreTLS=true`), log, [20, 20]);
    expect(await never.enqueue({ to: 'lost@example.test', subject: 'Hello', text: 'Body' })).toBe(false);
    expect(lines.some((l) => l.includes('mail dropped'))).toBe(true);
  });
});
