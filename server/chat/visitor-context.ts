/**
 * What we keep of the visitor's surroundings, reduced to what an operator needs: the referrer without
 * its query string or fragment (those carry e-mail addresses and tracking ids), a checked time zone,
 * and a coarse device summary instead of the user agent. No IP address is ever part of it.
 */

/** Origin and path of an http(s) referrer, or null. */
export function cleanReferrer(referrer: string | undefined | null): string | null {
  if (!referrer) return null;
  try {
    const url = new URL(referrer);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return `${url.origin}${url.pathname}`.slice(0, 500);
  } catch {
    return null;
  }
}

/** Zones already checked (there are about 600): building a DateTimeFormat costs more than the rest of a hello. */
const zones = new Map<string, string | null>();

/** The zone name if the runtime knows it, else null. */
export function checkTimezone(zone: string | undefined | null): string | null {
  if (!zone) return null;
  let known = zones.get(zone);
  if (known === undefined) {
    try {
      known = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      known = null;
    }
    // Made-up names are not kept, so junk cannot grow the table.
    if (known !== null && zones.size < 2000) zones.set(zone, known);
  }
  return known;
}

const BROWSERS: Array<[RegExp, string]> = [
  [/Edg(?:e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/YaBrowser\//, 'Yandex Browser'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/Windows/, 'Windows'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** "Chrome on Windows, desktop" from a user agent; null when nothing is recognised. */
export function summariseUserAgent(ua: string | undefined | null): string | null {
  if (!ua) return null;
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (!browser && !system) return null;
  const kind = /iPad|Tablet/.test(ua) ? 'tablet' : /Mobi|iPhone|Android/.test(ua) ? 'mobile' : 'desktop';
  return `${browser ?? 'Unknown browser'} on ${system ?? 'an unknown system'}, ${kind}`;
}
