import { css } from 'lit';

/** Look shared by every console element. */
export const consoleStyles = css`
  :host { --cw-accent: #2f5bea; --cw-bg: #fff; --cw-fg: #1c1e21; --cw-muted: #5f6570; --cw-border: #d8dbe0; --cw-danger: #b3261e; --cw-ok: #1b7f3b; color: var(--cw-fg); }
  @media (prefers-color-scheme: dark) { :host { --cw-bg: #1e1f22; --cw-fg: #eceef1; --cw-muted: #a4aab3; --cw-border: #3a3d42; --cw-danger: #ff8a80; --cw-ok: #7fd69b; } }
  button { font: inherit; border-radius: 7px; border: 1px solid var(--cw-border); background: var(--cw-bg); color: var(--cw-fg); padding: 6px 12px; cursor: pointer; }
  button.primary { background: var(--cw-accent); border-color: var(--cw-accent); color: #fff; }
  button.danger { color: var(--cw-danger); border-color: var(--cw-danger); }
  button[aria-pressed='true'], button[aria-selected='true'] { background: var(--cw-accent); color: #fff; border-color: var(--cw-accent); }
  button:disabled { opacity: .5; cursor: default; }
  :is(button, input, select, textarea, a, [tabindex]):focus-visible { outline: 3px solid var(--cw-accent); outline-offset: 2px; }
  input, select, textarea { font: inherit; padding: 6px 8px; border-radius: 6px; border: 1px solid var(--cw-border); background: var(--cw-bg); color: var(--cw-fg); box-sizing: border-box; }
  label { font-weight: 600; }
  .card { background: var(--cw-bg); border: 1px solid var(--cw-border); border-radius: 10px; padding: 14px; }
  .muted { color: var(--cw-muted); }
  .error { color: var(--cw-danger); font-weight: 600; }
  .overdue { color: var(--cw-danger); font-weight: 700; }
  .ok { color: var(--cw-ok); }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid var(--cw-border); vertical-align: top; }
  h2 { font-size: 18px; margin: 0 0 10px; }
  h3 { font-size: 15px; margin: 16px 0 6px; }
`;

/** "in 3 days", "overdue by 2 days" — a countdown to a deadline. */
export function countdown(dueAt: number, now = Date.now()): { text: string; overdue: boolean } {
  const ms = dueAt - now;
  const days = Math.floor(Math.abs(ms) / 86_400_000);
  const hours = Math.floor((Math.abs(ms) % 86_400_000) / 3_600_000);
  const span = days ? `${days} d ${hours} h` : `${hours} h`;
  return ms >= 0 ? { text: `${span} left`, overdue: false } : { text: `OVERDUE by ${span}`, overdue: true };
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
