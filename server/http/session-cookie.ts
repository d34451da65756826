import { parse, serialize } from 'cookie';

export const SESSION_COOKIE = 'cw_session';

export function readSessionToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parse(cookieHeader)[SESSION_COOKIE] || undefined;
}

/**
 * httpOnly, SameSite=Strict, Secure when served over HTTPS. The lifetime goes as Max-Age, counted by the
 * browser from when it got the cookie: an absolute Expires would be read against the browser's own clock,
 * and a device whose clock runs days ahead would drop the session at once. The server still ends the
 * session at its own expiry.
 */
export function sessionCookie(token: string, lifetimeMs: number, secure: boolean): string {
  return serialize(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: Math.floor(lifetimeMs / 1000) });
}

export function clearedSessionCookie(secure: boolean): string {
  return serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', secure, path: '/', expires: new Date(0) });
}
