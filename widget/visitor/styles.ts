import { css } from 'lit';

/** Form controls, buttons and focus rings shared by the panel and the privacy flow (one sheet, adopted by both). */
export const controls = css`
  label { display: block; margin: 10px 0 4px; font-weight: 600; font-size: 14px; }
  input, textarea { box-sizing: border-box; font: inherit; padding: 8px; border-radius: 6px; border: 1px solid var(--cw-muted); background: var(--cw-bg); color: var(--cw-fg); }
  input { width: 100%; }
  .btn { font: inherit; border: 1px solid var(--cw-accent); border-radius: 8px; background: var(--cw-accent); color: var(--cw-on-accent); padding: 7px 14px; cursor: pointer; }
  .error { color: var(--cw-danger); font-weight: 600; }
  /* Specific enough to survive the "all: unset" of link-styled buttons. */
  :is(a, button, input, textarea, [tabindex]):focus-visible { outline: 3px solid var(--cw-focus); outline-offset: 2px; }
`;
