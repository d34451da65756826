import { SMTPServer } from 'smtp-server';

/**
 * The bench's loopback SMTP server: keeps each mail's recipients and body (to read verification codes)
 * and counts connection errors instead of dying of them — under load a client may reset a connection,
 * and that is a figure to report, not a reason to stop the run.
 */
export class BenchSmtp {
  readonly mails: Array<{ to: string[]; body: string }> = [];
  connectionErrors = 0;
  private waiters = new Map<string, Array<(body: string) => void>>();
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = decodeBody(raw);
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        this.mails.push({ to, body });
        for (const address of to) {
          for (const wake of this.waiters.get(address)?.splice(0) ?? []) wake(body);
        }
        callback();
      });
    },
  });
  private port = 0;

  async start(): Promise<this> {
    this.server.on('error', () => this.connectionErrors++);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  /** The 6-digit code in the first mail to `to` that has one. */
  async codeFor(to: string, timeoutMs: number): Promise<string> {
    const address = to.toLowerCase();
    const find = () =>
      this.mails
        .filter((m) => m.to.includes(address))
        .map((m) => /\b(\d{6})\b/.exec(m.body)?.[1])
        .find(Boolean);
    const deadline = Date.now() + timeoutMs;
    for (let code = find(); ; code = find()) {
      if (code) return code;
      if (Date.now() > deadline) throw new Error('no code mail in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        const list = this.waiters.get(address) ?? [];
        list.push(() => {
          clearTimeout(timer);
          resolve();
        });
        this.waiters.set(address, list);
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function decodeBody(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/Content-Transfer-Encoding: base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head))
    return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return body;
}
