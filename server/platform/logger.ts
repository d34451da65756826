import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Fields that may hold message text, addresses, secrets or codes, at any of the first three levels.
 * (`name` is not among them: it would blank every error's type. People's names are simply never logged.)
 */
const SENSITIVE = [
  'email',
  'to',
  'text',
  'body',
  'phone',
  'details',
  'token',
  'requestToken',
  'requestTokens',
  'code',
  'secret',
  'signature',
  'password',
];
const REDACT_PATHS = [...SENSITIVE.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), 'req.headers.cookie', 'req.headers.authorization'];

/**
 * Structured logs. Never log message bodies, e-mails, tokens or codes; redaction is the safety net.
 * `destination` defaults to stdout; tests pass a stream to read what would have been written.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
