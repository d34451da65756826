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
  /* Small layout utilities: our CSP (style-src 'self') refuses style attributes, so layout lives here. */
  .u-full { width: 100%; } .u-tall { min-height: 60px; } .u-w90 { width: 90px; } .u-grow { flex: 1; }
  .u-plain { font-weight: 400; } .u-pre { white-space: pre-wrap; } .u-center { text-align: center; } .u-self-center { align-self: center; }
  .u-row { display: flex; gap: 8px; align-items: end; } .u-wrap { flex-wrap: wrap; } .u-right { justify-content: flex-end; }
  .u-stack { display: grid; gap: 6px; margin-top: 10px; } .u-column { min-height: 0; display: flex; flex-direction: column; }
  .u-m0 { margin: 0; } .u-mt0 { margin-top: 0; } .u-mt10 { margin-top: 10px; } .u-end-actions { margin-top: 12px; text-align: right; }
  .u-login { display: block; max-width: 360px; margin: 12vh auto; padding: 0 16px; } .u-title { font-size: 20px; margin: 0 0 14px; }
  .u-dialog { border-radius: 12px; padding: 18px 22px; max-width: 380px; }
  .u-linklike { all: unset; cursor: pointer; text-decoration: underline; } .u-linklike:focus-visible { outline: 3px solid var(--cw-accent); }
  .u-alert-on-dark { color: #ffb4ab; }
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
