import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers of every response: a strict CSP (no inline script or style on our pages; sockets to
 * ourselves and the embedding sites), HSTS and upgraded subresources when served over HTTPS, and
 * cross-origin loading of the widget's bundles allowed.
 */
export function securityHeaders(options: { secure: boolean; allowedOrigins: string[] }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        connectSrc: ["'self'", ...options.allowedOrigins],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: options.secure ? [] : null,
      },
    },
    hsts: options.secure,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
}
