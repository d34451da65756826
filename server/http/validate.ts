import type { NextFunction, Request, Response } from 'express';
import * as v from 'valibot';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../../shared/errors';
import { malformedInput } from '../platform/input-guard';
import { truncateIp } from '../platform/ip';
import { describeIssues } from '../realtime/handle';

const STATUS: Record<ErrorCode, number> = {
  invalid_payload: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  invalid_code: 400,
  code_expired: 410,
  too_many_attempts: 429,
  invalid_state: 409,
  duplicate_request: 409,
  internal: 500,
};

/** Parses `req.body` with `schema` or throws `invalid_payload`. */
export function parseBody<T>(schema: v.GenericSchema<unknown, T>, req: Request): T {
  const malformed = malformedInput(req.body ?? {});
  if (malformed) throw new AppError('invalid_payload', malformed);
  const parsed = v.safeParse(schema, req.body ?? {});
  if (!parsed.success) throw new AppError('invalid_payload', describeIssues(parsed.issues));
  return parsed.output;
}

/** The JSON error shape of every route, the same `{ ok: false, error }` as socket acks. */
export function errorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    // The route's pattern (within its router), never the URL: paths carry export tokens and verification ids.
    const route = typeof req.route?.path === 'string' ? req.route.path : null;
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if ((error as { type?: string }).type === 'entity.too.large')
      appError = new AppError('invalid_payload', 'The request body is too large.');
    else if ((error as { type?: string }).type === 'entity.parse.failed')
      appError = new AppError('invalid_payload', 'The request body is not valid JSON.');
    else {
      log.error({ err: error, method: req.method, route }, 'route failed');
      appError = new AppError('internal', 'Something went wrong on our side. Please try again.');
    }
    // A limit hit is worth a warning, with the network it came from cut to its /24 or /48.
    if (appError.code === 'rate_limited') log.warn({ method: req.method, route, network: truncateIp(req.ip ?? '') }, 'rate limited');
    else if (appError.code !== 'internal') log.debug({ method: req.method, route, errorCode: appError.code }, 'request refused');
    const retryAfterMs = appError.details?.retryAfterMs;
    if (typeof retryAfterMs === 'number') res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    res.status(STATUS[appError.code]).json({ ok: false, error: { code: appError.code, message: appError.message } });
  };
}
