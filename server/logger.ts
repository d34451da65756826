import pino, { type Logger } from 'pino';

/** Structured logs. Never log message bodies, e-mails, tokens or codes; redaction is the safety net. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['email', 'text', 'token', 'code', 'password', '*.email', '*.text', '*.token', '*.code', '*.password', 'req.headers.cookie', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}
