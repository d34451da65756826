import { pipeline } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { Router, type NextFunction, type Request, type Response } from 'express';
import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { attachmentUploadSchema } from '../../shared/schemas';
import type { AuthService } from '../console/auth-service';
import type { VisitorService } from '../chat/visitor-service';
import { readSessionToken } from '../http/session-cookie';
import { describeIssues } from '../realtime/handle';
import { type AttachmentService, attachmentTooLarge } from './attachment-service';

/** Reads a request body into memory, refusing it the moment it passes `max` bytes (not after it all arrived). */
function readCapped(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        // Stop reading: what is still in flight is not buffered; the connection closes after the refusal.
        req.pause();
        reject(new AppError('invalid_payload', 'too large'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * Uploads and downloads of attachments.
 * - `POST /api/attachments?clientId=…&name=…[&conversationId=…]`: the raw file as the body. A visitor's
 *   widget authenticates with its visitor token (`Authorization: Bearer …`, from the embedding site: CORS
 *   for our origin and ALLOWED_ORIGINS); an operator's console with the session cookie, from our own pages,
 *   naming the conversation. The size limit is enforced while the body streams in.
 * - `GET /api/attachments/:id?e=…&s=…`: the file behind a signed, expiring link, never rendered as a page.
 */
export function attachmentRoutes(deps: {
  attachments: AttachmentService;
  visitors: VisitorService;
  auth: AuthService;
  allowedOrigins: readonly string[];
}): Router {
  const router = Router();
  const originAllowed = (req: Request, origin: string) =>
    origin === `${req.protocol}://${req.headers.host}` || deps.allowedOrigins.includes(origin);

  const cors = (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (origin && !originAllowed(req, origin)) return next(new AppError('forbidden', 'Cross-site request refused.'));
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    next();
  };

  router.options('/', cors, (_req, res) => {
    res.status(204).end();
  });

  router.post('/', cors, async (req, res) => {
    const parsed = v.safeParse(attachmentUploadSchema, { ...req.query });
    if (!parsed.success) throw new AppError('invalid_payload', describeIssues(parsed.issues));
    const input = parsed.output;
    const bearer = /^Bearer ([A-Za-z0-9_-]{22,64})$/.exec(req.headers.authorization ?? '')?.[1];
    let from: { visitorId: number } | { operatorId: number; conversationId: string };
    if (bearer) {
      const visitor = await deps.visitors.byToken(bearer);
      if (!visitor) throw new AppError('unauthorized', 'Say hello first.');
      from = { visitorId: visitor.id };
    } else {
      const operator = await deps.auth.operatorForSession(readSessionToken(req.headers.cookie));
      if (!operator) throw new AppError('unauthorized', 'Please sign in.');
      // The cookie alone must not let another site post into a conversation.
      if (req.headers.origin && req.headers.origin !== `${req.protocol}://${req.headers.host}`)
        throw new AppError('forbidden', 'Cross-site request refused.');
      if (!input.conversationId) throw new AppError('invalid_payload', 'conversationId: say which conversation the file is for.');
      from = { operatorId: operator.id, conversationId: input.conversationId };
    }
    const max = deps.attachments.maxBytes();
    const declared = Number(req.headers['content-length'] ?? 0);
    let bytes: Buffer;
    try {
      if (declared > max) throw new AppError('invalid_payload', 'too large');
      bytes = await readCapped(req, max);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // 413 and the connection closed: the rest of an oversized body is never read.
      res.setHeader('Connection', 'close');
      res
        .status(413)
        .json({ ok: false, error: { code: 'invalid_payload', message: attachmentTooLarge(deps.attachments.settings().maxMb).message } });
      res.once('finish', () => req.socket.destroy());
      return;
    }
    const attachment = await deps.attachments.upload(from, input, bytes);
    res.json({ ok: true, data: { attachment } });
  });

  router.get('/:id', async (req, res) => {
    const { e, s } = req.query;
    if (typeof e !== 'string' || typeof s !== 'string' || !/^[A-Za-z0-9_-]{16,32}$/.test(req.params.id))
      throw new AppError('forbidden', 'This link is not valid.');
    const { attachment, body, expiresAt } = await deps.attachments.open(req.params.id, e, s);
    const image = attachment.type.startsWith('image/');
    const name = encodeURIComponent(attachment.name);
    res.setHeader('Content-Type', attachment.type);
    res.setHeader('Content-Length', String(attachment.size));
    // Images open in place; a PDF is a download, and were a browser to render it anyway, it runs sandboxed.
    res.setHeader('Content-Disposition', `${image ? 'inline' : 'attachment'}; filename*=UTF-8''${name}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', `private, max-age=${Math.max(0, Math.floor((expiresAt - Date.now()) / 1000))}`);
    // A store that fails mid-file (a bucket's connection dropped) ends the response short, never hangs it.
    pipeline(body, res, (error) => {
      if (error) res.destroy();
    });
  });

  return router;
}
