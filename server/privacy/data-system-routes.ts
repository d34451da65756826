import express, { Router } from 'express';
import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { LEGAL_BASES, LEGAL_BASIS_KEYS } from '../../shared/data-systems';
import { processorAnswerSchema } from '../../shared/schemas';
import type { RequestType } from '../../shared/privacy';
import type { Clock } from '../platform/clock';
import { sha256, safeEqual } from '../platform/crypto';
import type { RequestSystemRow } from '../db/repositories/data-system-repository';
import type { Stores } from '../db/store';
import { escapeHtml, page } from '../http/page';
import { describeIssues } from '../realtime/handle';
import { type DataSystemService, MAX_RECEIPT_BYTES } from './data-system-service';
import type { PrivacyDesk } from './privacy-desk';

const receiptId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{24}$/));
const secret = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22,64}$/));

/** Webhook systems' receipts that come later: `POST /api/data-systems/receipts/:id`, signed with the system's secret. */
export function dataSystemReceiptRoutes(service: DataSystemService): Router {
  const router = Router();
  // Read as text: the signature covers the exact bytes sent.
  router.post('/receipts/:id', express.text({ type: () => true, limit: MAX_RECEIPT_BYTES }), async (req, res) => {
    const id = v.safeParse(receiptId, req.params.id);
    if (!id.success) {
      res.status(404).json({ ok: false, error: { code: 'not_found', message: 'No such receipt.' } });
      return;
    }
    const body = typeof req.body === 'string' ? req.body : '';
    const { status, message } = await service.receive(id.output, req.headers['x-cw-signature'] as string | undefined, body);
    if (status === 200) res.json({ ok: true, data: { recorded: true } });
    else
      res.status(status).json({
        ok: false,
        error: {
          code: status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : status === 409 ? 'conflict' : 'invalid_payload',
          message,
        },
      });
  });
  return router;
}

const TYPE_WORDS: Record<RequestType, { ask: string; done: string }> = {
  erasure: { ask: 'erase the data you hold on this person', done: 'Erased' },
  access: { ask: 'tell us what data you hold on this person (we send it to them)', done: 'Listed what we hold (describe it below)' },
  rectification: { ask: 'correct the data you hold on this person as they asked', done: 'Corrected' },
  objection: { ask: 'stop using this person’s data for marketing', done: 'Stopped' },
};

/**
 * The page a processor reaches from our mail, without an account: the request, and a form for its
 * outcome. The mailed secret opens it once; a GET shows the form and changes nothing.
 */
export function processorRoutes(deps: {
  systems: Stores['systems'];
  requests: Stores['requests'];
  privacy: PrivacyDesk;
  clock: Clock;
}): Router {
  const router = Router();

  /** The row the link names, if the link still opens it; otherwise the words to say why not. */
  const open = async (id: unknown, t: unknown): Promise<{ entry: RequestSystemRow } | { gone: string }> => {
    const parsedId = v.safeParse(receiptId, id);
    const parsedSecret = v.safeParse(secret, t);
    const entry = parsedId.success ? await deps.systems.byReceipt(parsedId.output) : null;
    if (!entry || !parsedSecret.success || entry.kind !== 'processor_email')
      return { gone: 'This link is not valid. Please use the link from the mail as it is.' };
    if (entry.state !== 'pending' && entry.state !== 'failed')
      return { gone: 'This request has already been answered for your system. Thank you.' };
    if (!entry.linkHash || !safeEqual(entry.linkHash, sha256(parsedSecret.output)))
      return { gone: 'This link is not valid, or it was already used.' };
    if ((entry.linkExpiresAt ?? 0) <= deps.clock.now()) return { gone: 'This link has expired. Please contact the privacy desk.' };
    return { entry };
  };

  const form = async (entry: RequestSystemRow, t: string, error: string | null) => {
    const request = await deps.requests.byId(entry.requestId);
    if (!request?.type || !request.email) return page('Link no longer valid', '<p>This request is closed.</p>');
    const words = TYPE_WORDS[request.type];
    const due = request.dueAt ? new Date(request.dueAt).toUTCString().slice(0, 16) : null;
    const bases = LEGAL_BASIS_KEYS.map((k) => `<option value="${k}">${escapeHtml(LEGAL_BASES[k].en)}</option>`).join('');
    return page(
      `Privacy request ${request.reference} for ${entry.name}`,
      `<p>A verified privacy request asks you to ${escapeHtml(words.ask)}.</p>
<p><strong>Requester's e-mail:</strong> ${escapeHtml(request.email)}${request.name ? ` (${escapeHtml(request.name)})` : ''}${due ? `<br><strong>Answer by:</strong> ${escapeHtml(due)}` : ''}</p>
${error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : ''}
<form method="post" class="processor">
<input type="hidden" name="t" value="${escapeHtml(t)}">
<fieldset><legend>Outcome</legend>
<label><input type="radio" name="outcome" value="done" required> ${escapeHtml(words.done)}</label>
<label><input type="radio" name="outcome" value="not_found"> We hold no data on this person</label>
<label><input type="radio" name="outcome" value="kept"> We must keep some of it (choose the legal basis)</label>
<label><input type="radio" name="outcome" value="failed"> We could not do it (say why)</label>
</fieldset>
<label for="legalBasis">Legal basis, if you keep data</label>
<select id="legalBasis" name="legalBasis"><option value="">—</option>${bases}</select>
<label for="note">What you did or checked, and where (required)</label>
<textarea id="note" name="note" rows="4" required maxlength="2000"></textarea>
<p><button type="submit">Send the outcome</button></p>
</form>`,
    );
  };

  router.get('/:id', async (req, res) => {
    const found = await open(req.params.id, req.query.t);
    if ('gone' in found) {
      res.status(410).send(page('Link no longer valid', `<p>${escapeHtml(found.gone)}</p>`));
      return;
    }
    res.send(await form(found.entry, String(req.query.t), null));
  });

  router.post('/:id', express.urlencoded({ extended: false, limit: '8kb' }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const found = await open(req.params.id, body.t);
    if ('gone' in found) {
      res.status(410).send(page('Link no longer valid', `<p>${escapeHtml(found.gone)}</p>`));
      return;
    }
    const parsed = v.safeParse(processorAnswerSchema, body);
    if (!parsed.success) {
      res.status(400).send(await form(found.entry, String(body.t), `Please check the form: ${describeIssues(parsed.issues)}`));
      return;
    }
    const input = parsed.output;
    const contact = (await deps.systems.byId(found.entry.systemId))?.contactEmail ?? 'processor';
    try {
      await deps.privacy.answerSystem(
        found.entry.receiptId,
        {
          outcome: input.outcome,
          legalBasis: input.legalBasis || null,
          note: input.note,
          by: `processor (${contact})`,
          evidenceRequired: true,
        },
        input.t,
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const status = error.code === 'invalid_payload' ? 400 : 410;
      res
        .status(status)
        .send(
          status === 400
            ? await form(found.entry, input.t, error.message)
            : page('Link no longer valid', `<p>${escapeHtml(error.message)}</p>`),
        );
      return;
    }
    res.send(page('Thank you', `<p>The outcome for ${escapeHtml(found.entry.name)} is recorded. This link no longer opens the form.</p>`));
  });

  return router;
}
