import express, { Router, type Request } from 'express';
import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { apiCreateRequestSchema } from '../../shared/schemas';
import type { AdminService } from '../console/admin-service';
import type { AuthService } from '../console/auth-service';
import type { PrivacyDesk } from './privacy-desk';
import type { RateLimits } from '../platform/rate-limiter';
import { requireOperator, sameOriginOnly } from '../console/auth-routes';
import { parseBody } from '../http/validate';
import { escapeHtml, page } from '../http/page';
import { recordHtml } from './record-page';

const tokenParam = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22,64}$/));

export interface PrivacyRouteDeps {
  privacy: PrivacyDesk;
  auth: AuthService;
  admin: AdminService;
  /** Where the API's per-key count lives. */
  limits: RateLimits;
}

/** Pages a requester reaches from a mail: confirm a request, download an export. */
export function privacyPublicRoutes(deps: PrivacyRouteDeps): Router {
  const router = Router();

  // A GET only shows the button: mail scanners that prefetch links must not verify anything.
  router.get('/verify/:id', (req, res) => {
    const id = v.safeParse(tokenParam, req.params.id);
    const secret = v.safeParse(tokenParam, req.query.t);
    if (!id.success || !secret.success) {
      res
        .status(400)
        .send(page('Link not valid', '<p>This confirmation link is incomplete. Please use the link from the mail as it is.</p>'));
      return;
    }
    res.send(
      page(
        'Confirm your privacy request',
        `<p>Press the button to confirm that this e-mail address is yours and that you made this request.</p>
<form method="post"><input type="hidden" name="t" value="${escapeHtml(secret.output)}"><button type="submit">Confirm my request</button></form>`,
      ),
    );
  });

  router.post('/verify/:id', express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    const id = v.safeParse(tokenParam, req.params.id);
    const secret = v.safeParse(tokenParam, (req.body as Record<string, unknown> | undefined)?.t);
    if (!id.success || !secret.success) {
      res.status(400).send(page('Link not valid', '<p>This confirmation link is incomplete.</p>'));
      return;
    }
    try {
      const request = await deps.privacy.verifyLink(id.output, secret.output);
      res.send(
        page(
          'Request confirmed',
          `<p>Thank you. Your request <strong>${escapeHtml(request.reference)}</strong> is confirmed. We will answer by ${new Date(request.dueAt ?? 0).toUTCString().slice(0, 16)}.</p>`,
        ),
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      res.status(410).send(page('Link no longer valid', `<p>${escapeHtml(error.message)}</p>`));
    }
  });

  router.get('/export/:token', async (req, res) => {
    const token = v.safeParse(tokenParam, req.params.token);
    const payload = token.success ? await deps.privacy.exportDownload(token.output) : null;
    if (payload === null) {
      res
        .status(410)
        .send(
          page(
            'Link no longer valid',
            '<p>This download link was already used or has expired. Ask us again through the chat or by e-mail.</p>',
          ),
        );
      return;
    }
    res.setHeader('Content-Disposition', 'attachment; filename="my-data.json"');
    res.type('application/json').send(payload);
  });

  return router;
}

/** Calls one API key may make per minute; more are answered 429 `rate_limited` with Retry-After. */
export const API_CALLS_PER_KEY_PER_MINUTE = 60;

/** The REST API for automation, with admin-issued keys. */
export function privacyApiRoutes(deps: PrivacyRouteDeps): Router {
  const router = Router();
  // Across nodes with the app's shared limits: behind a balancer a key's calls land on every node.
  const perKey = deps.limits({ name: 'api-key', limit: API_CALLS_PER_KEY_PER_MINUTE, windowMs: 60_000 });

  const apiKeyOf = async (req: Request): Promise<{ id: number; label: string }> => {
    const header = req.headers.authorization ?? '';
    const key = await deps.admin.keyFor(header.startsWith('Bearer ') ? header.slice(7).trim() : undefined);
    if (!key) throw new AppError('unauthorized', 'A valid API key is required (Authorization: Bearer <key>).');
    if (!(await perKey.hit(String(key.id)))) {
      throw new AppError(
        'rate_limited',
        `This API key made more than ${API_CALLS_PER_KEY_PER_MINUTE} calls in a minute. Please slow down.`,
        {
          retryAfterMs: await perKey.retryAfterMs(String(key.id)),
        },
      );
    }
    return key;
  };

  router.post('/privacy-requests', async (req, res) => {
    const key = await apiKeyOf(req);
    const input = parseBody(apiCreateRequestSchema, req);
    const request = await deps.privacy.fileViaApi(input, key.label);
    res.status(201).json({
      ok: true,
      data: { request: { reference: request.reference, type: request.type, state: request.state, createdAt: request.createdAt } },
    });
  });

  router.get('/privacy-requests/:reference', async (req, res) => {
    await apiKeyOf(req);
    const request = await deps.privacy.byReference(String(req.params.reference));
    if (!request) throw new AppError('not_found', 'No such request.');
    const { email: _email, name: _name, details: _details, ...status } = request;
    res.json({ ok: true, data: { request: status } });
  });

  return router;
}

/** Admin downloads that are files rather than socket answers. */
export function adminRoutes(deps: PrivacyRouteDeps): Router {
  const router = Router();
  router.get('/privacy-register.csv', requireOperator(deps.auth, 'admin'), async (req, res) => {
    const csv = await deps.privacy.registerCsv(req.operator!);
    res.setHeader('Content-Disposition', 'attachment; filename="privacy-register.csv"');
    res.type('text/csv').send(csv);
  });
  router.get('/privacy-requests/:id/record.json', requireOperator(deps.auth), async (req, res) => {
    const id = v.safeParse(v.pipe(v.string(), v.regex(/^\d{1,12}$/), v.transform(Number)), req.params.id);
    if (!id.success) throw new AppError('invalid_payload', 'The request id is a number.');
    const record = await deps.privacy.closureRecord(req.operator!, id.output);
    res.setHeader('Content-Disposition', `attachment; filename="${String(record.reference)}-record.json"`);
    res.json(record);
  });
  // The same record as a page to print or hand an auditor.
  router.get('/privacy-requests/:id/record.html', requireOperator(deps.auth), async (req, res) => {
    const id = v.safeParse(v.pipe(v.string(), v.regex(/^\d{1,12}$/), v.transform(Number)), req.params.id);
    if (!id.success) throw new AppError('invalid_payload', 'The request id is a number.');
    res.type('html').send(recordHtml(await deps.privacy.closureRecord(req.operator!, id.output)));
  });
  router.use(sameOriginOnly);
  return router;
}
