import { css } from 'lit';

/**
 * Look shared by every console element: colour tokens, one button hierarchy, aligned forms, pages,
 * empty states. Our CSP (style-src 'self') refuses style attributes, so layout lives in classes here.
 *
 * Buttons: `primary` (the one main action of a view), the default (secondary), `danger` (deletes or
 * cannot be undone), `quiet` (low-emphasis, toolbars and rows); `icon` makes an icon-only square, `small`
 * a compact one for table rows. An `<a class="button …">` looks like the same button.
 */
export const consoleStyles = css`
  :host {
    --cw-accent: #2f5bea; --cw-accent-strong: #2448c4; --cw-accent-soft: #e8eefd; --cw-on-accent: #fff;
    --cw-bg: #fff; --cw-surface: #f4f5f7; --cw-fg: #1c1e21; --cw-muted: #5b616b; --cw-border: #d8dbe0; --cw-border-strong: #b9bec7;
    --cw-danger: #b3261e; --cw-danger-strong: #931f19; --cw-danger-soft: #fcebea; --cw-warn: #8a5300; --cw-warn-soft: #fff2dc;
    --cw-ok: #1b7f3b; --cw-ok-soft: #e3f4e8; --cw-radius: 8px; --cw-control: 36px;
    color: var(--cw-fg);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --cw-accent: #6d8cff; --cw-accent-strong: #8aa2ff; --cw-accent-soft: #26305a; --cw-on-accent: #0d1330;
      --cw-bg: #1e1f22; --cw-surface: #141518; --cw-fg: #eceef1; --cw-muted: #a4aab3; --cw-border: #3a3d42; --cw-border-strong: #565a61;
      --cw-danger: #ff8a80; --cw-danger-strong: #ffb4ab; --cw-danger-soft: #3d1f1d; --cw-warn: #ffc266; --cw-warn-soft: #3a2c12;
      --cw-ok: #7fd69b; --cw-ok-soft: #1d3324;
    }
  }
  * { box-sizing: border-box; }

  button, a.button {
    font: inherit; font-weight: 500; line-height: 1.2; display: inline-flex; align-items: center; justify-content: center; gap: 6px;
    min-height: var(--cw-control); padding: 0 14px; border-radius: var(--cw-radius); border: 1px solid var(--cw-border-strong);
    background: var(--cw-bg); color: var(--cw-fg); cursor: pointer; text-decoration: none; white-space: nowrap;
  }
  button:hover, a.button:hover { background: var(--cw-surface); }
  button.primary, a.button.primary { background: var(--cw-accent); border-color: var(--cw-accent); color: var(--cw-on-accent); }
  button.primary:hover, a.button.primary:hover { background: var(--cw-accent-strong); border-color: var(--cw-accent-strong); }
  button.danger { background: var(--cw-danger); border-color: var(--cw-danger); color: #fff; }
  button.danger:hover { background: var(--cw-danger-strong); border-color: var(--cw-danger-strong); }
  button.quiet, a.button.quiet { background: transparent; border-color: transparent; color: var(--cw-muted); }
  button.quiet:hover, a.button.quiet:hover { background: var(--cw-surface); color: var(--cw-fg); }
  button.small, a.button.small { min-height: 30px; padding: 0 10px; font-size: 13px; }
  button.icon { padding: 0; width: var(--cw-control); }
  button.icon.small { width: 30px; }
  button[aria-pressed='true'] { background: var(--cw-accent-soft); border-color: var(--cw-accent); color: var(--cw-fg); }
  button:disabled { opacity: .5; cursor: default; }
  button svg, a svg { flex: none; }
  :is(button, input, select, textarea, a, summary, [tabindex]):focus-visible { outline: 3px solid var(--cw-accent); outline-offset: 2px; }

  input, select, textarea {
    font: inherit; padding: 0 10px; min-height: var(--cw-control); border-radius: var(--cw-radius); border: 1px solid var(--cw-border-strong);
    background: var(--cw-bg); color: var(--cw-fg); width: 100%; min-width: 0;
  }
  textarea { padding: 8px 10px; min-height: 72px; resize: vertical; }
  input[type='checkbox'] { width: 18px; min-height: 18px; height: 18px; margin: 0; accent-color: var(--cw-accent); }
  label { font-weight: 600; font-size: 13px; }
  a { color: var(--cw-accent); }

  /* Forms: labels above controls in a grid; controls share one height, so they sit on one baseline. */
  .form-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 14px 16px; align-items: end; }
  .form-grid.two { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  @media (max-width: 640px) { .form-grid.two { grid-template-columns: minmax(0, 1fr); } }
  .field { display: grid; gap: 6px; align-content: start; }
  .field.wide { grid-column: 1 / -1; }
  .hint { font-size: 13px; color: var(--cw-muted); margin: 0; font-weight: 400; }
  form > .hint { margin-top: 12px; }
  .check { display: grid; grid-template-columns: auto 1fr; gap: 4px 10px; align-items: start; grid-column: 1 / -1; }
  .check input { margin-top: 2px; }
  .check .hint { grid-column: 2; }
  .form-actions { display: flex; gap: 8px; justify-content: flex-end; flex-wrap: wrap; margin-top: 16px; }
  .inline-form { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
  .inline-form .field { flex: 1 1 220px; }

  /* Pages: a heading row (title, description, a toolbar on the right), then cards. */
  .page { max-width: 1040px; display: grid; gap: 16px; }
  .page-head { display: flex; gap: 12px 16px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
  .page-head h1 { font-size: 20px; line-height: 1.3; margin: 0; }
  .page-head p { margin: 4px 0 0; color: var(--cw-muted); max-width: 640px; }
  .toolbar { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
  .card { background: var(--cw-bg); border: 1px solid var(--cw-border); border-radius: 12px; padding: 18px 20px; min-width: 0; }
  .card > h2:first-child { margin-top: 0; }
  .callout { border-radius: var(--cw-radius); padding: 10px 14px; margin: 0; border: 1px solid; overflow-wrap: anywhere; }
  .callout.ok { background: var(--cw-ok-soft); border-color: var(--cw-ok); color: var(--cw-fg); }
  .callout.error { background: var(--cw-danger-soft); border-color: var(--cw-danger); color: var(--cw-fg); font-weight: 400; }
  .callout code { font-size: 13px; background: var(--cw-bg); padding: 1px 6px; border-radius: 4px; user-select: all; }

  .empty { display: grid; justify-items: center; text-align: center; gap: 8px; padding: 40px 20px; color: var(--cw-muted); }
  .empty .empty-icon { display: grid; place-items: center; width: 48px; height: 48px; border-radius: 50%; background: var(--cw-accent-soft); color: var(--cw-accent); }
  .empty h2, .empty h3 { margin: 4px 0 0; font-size: 16px; color: var(--cw-fg); }
  .empty p { margin: 0; max-width: 460px; }
  .empty ul { margin: 4px 0; padding: 0; list-style: none; display: grid; gap: 6px; max-width: 480px; text-align: left; }
  .empty li { display: grid; grid-template-columns: 20px 1fr; gap: 8px; }
  .empty .actions { display: flex; gap: 8px; margin-top: 8px; flex-wrap: wrap; justify-content: center; }

  .pill { display: inline-flex; align-items: center; gap: 4px; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; background: var(--cw-surface); color: var(--cw-muted); border: 1px solid var(--cw-border); }
  .pill.open { background: var(--cw-accent-soft); color: var(--cw-fg); border-color: transparent; }
  .pill.done { background: var(--cw-ok-soft); color: var(--cw-fg); border-color: transparent; }
  .pill.loud { background: var(--cw-danger-soft); color: var(--cw-danger); border-color: transparent; }

  .muted { color: var(--cw-muted); }
  .error { color: var(--cw-danger); font-weight: 600; }
  .overdue { color: var(--cw-danger); font-weight: 700; }
  .warn { color: var(--cw-warn); }
  .ok { color: var(--cw-ok); }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

  .table-wrap { overflow-x: auto; margin: 0 -20px; padding: 0 20px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 10px 8px; border-bottom: 1px solid var(--cw-border); vertical-align: middle; overflow-wrap: anywhere; }
  th { font-size: 12px; font-weight: 600; color: var(--cw-muted); text-transform: uppercase; letter-spacing: .03em; }
  tbody tr:last-child td { border-bottom: 0; }
  td.actions { text-align: right; white-space: nowrap; }
  td.actions button + button { margin-left: 6px; }
  /* Narrow screens: each row's cells flow like a line of text instead of squeezing into columns. */
  @media (max-width: 640px) {
    .table-wrap thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    .table-wrap tr { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; padding: 10px 0; border-bottom: 1px solid var(--cw-border); }
    .table-wrap tbody tr:last-child { border-bottom: 0; }
    .table-wrap td { border: 0; padding: 0; }
    .table-wrap td.actions { margin-left: auto; }
  }
  code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
  h2 { font-size: 16px; margin: 0 0 12px; }
  h3 { font-size: 14px; margin: 16px 0 6px; }

  dialog { border: 1px solid var(--cw-border); border-radius: 12px; padding: 20px 24px; width: min(440px, calc(100vw - 32px)); background: var(--cw-bg); color: var(--cw-fg); box-shadow: 0 12px 40px #0003; }
  dialog::backdrop { background: #0007; }
  dialog h2 { font-size: 18px; }

  .u-pre { white-space: pre-wrap; } .u-center { text-align: center; } .u-self-center { align-self: center; }
  .u-grow { flex: 1; } .u-m0 { margin: 0; } .u-mt0 { margin-top: 0; } .u-plain { font-weight: 400; }
  .u-column { min-height: 0; display: flex; flex-direction: column; }
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
