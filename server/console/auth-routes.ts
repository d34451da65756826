import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../shared/errors';
import { loginSchema } from '../../shared/schemas';
import type { OperatorRow } from '../db/repositories/operator-repository';
import { abuseKey } from '../platform/ip';
import type { AuthService } from './auth-service';
import { toOperatorDto } from './auth-service';
import { clearedSessionCookie, readSessionToken, sessionCookie } from '../http/session-cookie';
import { parseBody } from '../http/validate';

declare module 'express-serve-static-core' {
  interface Request {
    operator?: OperatorRow;
  }
}

/** Requires a signed-in (and, with `role`, suitably privileged) operator. */
export function requireOperator(auth: AuthService, role?: 'admin') {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const operator = await auth.operatorForSession(readSessionToken(req.headers.cookie));
    if (!operator) next(new AppError('unauthorized', 'Please sign in.'));
    else if (role && operator.role !== role) next(new AppError('forbidden', 'Only admins can do this.'));
    else {
      req.operator = operator;
      next();
    }
  };
}

/**
 * State-changing requests that ride on the session cookie must come from our own pages: the cookie is
 * SameSite=Strict, and the Origin header (sent by browsers on every POST) must be our own.
 */
export function sameOriginOnly(req: Request, _res: Response, next: NextFunction): void {
  const origin = req.headers.origin;
  next(origin && origin !== `${req.protocol}://${req.headers.host}` ? new AppError('forbidden', 'Cross-site request refused.') : undefined);
}

export function authRoutes(auth: AuthService, secureCookies: boolean): Router {
  const router = Router();

  router.post('/login', sameOriginOnly, async (req, res) => {
    const input = parseBody(loginSchema, req);
    const session = await auth.signIn(input.email, input.password, abuseKey(req.ip ?? ''));
    res.setHeader('Set-Cookie', sessionCookie(session.token, session.lifetimeMs, secureCookies));
    res.json({ ok: true, data: { operator: session.operator } });
  });

  router.post('/logout', sameOriginOnly, async (req, res) => {
    await auth.signOut(readSessionToken(req.headers.cookie));
    res.setHeader('Set-Cookie', clearedSessionCookie(secureCookies));
    res.json({ ok: true, data: null });
  });

  router.get('/me', requireOperator(auth), (req, res) => {
    res.json({ ok: true, data: { operator: toOperatorDto(req.operator!) } });
  });

  return router;
}
