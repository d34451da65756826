import express, { Router, type NextFunction, type Request, type Response } from 'express';
import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { inboundMailJsonSchema } from '../../shared/schemas';
import { safeEqual, sha256 } from '../platform/crypto';
import { malformedInput } from '../platform/input-guard';
import { describeIssues } from '../realtime/handle';
import type { MailIntake } from './mail-intake';

/**
 * The inbound-mail webhook of mail providers (POST /api/inbound/mail): the raw MIME of one mail as the
 * body (message/rfc822, text/plain or application/octet-stream), or JSON `{ "raw": "<MIME>" }`, with
 * `Authorization: Bearer <INBOUND_MAIL_SECRET>`. The secret is checked before the body is read, in
 * constant time; without a configured secret the endpoint does not exist (404). Answers 200 with what
 * became of the mail (ignored mails too: a provider must not retry them), 429 when a limit is reached and
 * 413 for a mail over the size limit.
 */
export function inboundMailRoutes(deps: { intake: MailIntake; secret: string | null }): Router {
  const router = Router();
  const expected = deps.secret === null ? null : sha256(deps.secret);

  const authenticate = (req: Request, _res: Response, next: NextFunction) => {
    if (expected === null) throw new AppError('not_found', 'No such endpoint.');
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    // Digests of both: equal length whatever was sent, so the comparison's time says nothing about the secret.
    if (!safeEqual(sha256(given), expected))
      throw new AppError('unauthorized', 'The inbound-mail secret is required (Authorization: Bearer <secret>).');
    next();
  };

  router.post(
    '/mail',
    authenticate,
    // JSON wraps the MIME in quotes and escapes: allow it a little more than the mail itself.
    express.raw({ type: () => true, limit: Math.ceil(deps.intake.maxBytes * 1.5) + 1024 }),
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      if ((error as { type?: string }).type !== 'entity.too.large') return next(error);
      res.status(413).json({ ok: false, error: { code: 'invalid_payload', message: 'The mail is larger than this server accepts.' } });
    },
    async (req: Request, res: Response) => {
      const raw = rawMailOf(req);
      const result = await deps.intake.receive(raw, { via: 'webhook', ip: null });
      if (result.outcome === 'too_large') {
        res.status(413).json({ ok: false, error: { code: 'invalid_payload', message: 'The mail is larger than this server accepts.' } });
      } else if (result.outcome === 'limited') {
        throw new AppError('rate_limited', 'Too many mails from this sender; try again later.', { retryAfterMs: 60 * 60 * 1000 });
      } else {
        // The outcome and, for a request, its reference; never the sender.
        res.json({
          ok: true,
          data: { outcome: result.outcome, ...('reference' in result ? { reference: result.reference } : {}) },
        });
      }
    },
  );
  return router;
}

/** The MIME of the request's body: as it is, or from the JSON wrapper's `raw`. */
function rawMailOf(req: Request): Buffer {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (body.length === 0) throw new AppError('invalid_payload', 'The body is empty: post the raw MIME of the mail.');
  if (!req.is('application/json')) return body;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('invalid_payload', 'The request body is not valid JSON.');
  }
  const malformed = malformedInput(json);
  if (malformed) throw new AppError('invalid_payload', malformed);
  const parsed = v.safeParse(inboundMailJsonSchema, json);
  if (!parsed.success) throw new AppError('invalid_payload', describeIssues(parsed.issues));
  return Buffer.from(parsed.output.raw, 'utf8');
}
