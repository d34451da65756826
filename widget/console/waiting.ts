/**
 * How long a visitor has waited for an answer, in words, and how loudly to say it: a wait under a
 * minute is "just now" and quiet; only long waits are loud.
 */
export type WaitLevel = 'quiet' | 'warn' | 'loud';

/** From this many minutes a wait is shown as a warning, and from LOUD_AFTER as urgent. */
export const WARN_AFTER_MINUTES = 5;
export const LOUD_AFTER_MINUTES = 15;

export function waited(since: number, now = Date.now()): { text: string; level: WaitLevel } {
  const minutes = Math.max(0, Math.floor((now - since) / 60_000));
  const level: WaitLevel = minutes >= LOUD_AFTER_MINUTES ? 'loud' : minutes >= WARN_AFTER_MINUTES ? 'warn' : 'quiet';
  if (minutes < 1) return { text: 'just now', level };
  if (minutes < 60) return { text: `waiting ${minutes} min`, level };
  const hours = Math.floor(minutes / 60);
  return { text: hours < 24 ? `waiting ${hours} h ${minutes % 60} min` : `waiting ${Math.floor(hours / 24)} d ${hours % 24} h`, level };
}
