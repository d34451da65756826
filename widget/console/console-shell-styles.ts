import { css } from 'lit';

/** The console's frame: header, left navigation (a drawer on narrow screens), the page area. */
export const shellStyles = css`
  :host { display: grid; grid-template-rows: 52px minmax(0, 1fr); height: 100%; min-height: 0; background: var(--cw-surface); }
  .top { display: flex; align-items: center; gap: 8px; padding: 0 12px 0 16px; background: #10182b; color: #fff; min-width: 0; }
  .brand { display: inline-flex; align-items: center; gap: 10px; color: #fff; text-decoration: none; font-weight: 700; font-size: 15px; white-space: nowrap; min-width: 0; }
  .brand span { overflow: hidden; text-overflow: ellipsis; }
  .grow { flex: 1; }
  .nav-toggle { display: none; color: #fff; }
  .nav-toggle:hover { background: #ffffff1f; color: #fff; }
  .conn { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; white-space: nowrap; padding: 4px 10px; border-radius: 999px; color: #c9d1e3; }
  .conn[data-state='reconnecting'] { background: #ffb02e; color: #10182b; font-weight: 700; }
  .conn-dot { width: 8px; height: 8px; border-radius: 50%; background: #3ccf6e; }
  .body { display: grid; grid-template-columns: 232px minmax(0, 1fr); min-height: 0; position: relative; }
  nav { background: var(--cw-bg); border-right: 1px solid var(--cw-border); padding: 12px 8px; overflow-y: auto; display: grid; align-content: start; gap: 2px; }
  nav [role='group'] { display: grid; gap: 2px; }
  nav a { display: grid; grid-template-columns: 20px minmax(0, 1fr) auto; align-items: center; gap: 10px; padding: 0 10px; min-height: 36px; border-radius: 8px; color: var(--cw-fg); text-decoration: none; font-weight: 500; }
  nav a .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  nav a svg { color: var(--cw-muted); }
  nav a:hover { background: var(--cw-surface); }
  nav a[aria-current='page'] { background: var(--cw-accent-soft); color: var(--cw-fg); }
  nav a[aria-current='page'] svg { color: var(--cw-accent); }
  .nav-heading { margin: 16px 10px 4px; font-size: 12px; font-weight: 600; color: var(--cw-muted); text-transform: uppercase; letter-spacing: .04em; }
  .badge { min-width: 20px; padding: 0 6px; border-radius: 10px; background: var(--cw-accent); color: var(--cw-on-accent); font-size: 12px; font-weight: 700; line-height: 20px; text-align: center; }
  .badge.loud { background: var(--cw-danger); color: #fff; }
  main { min-height: 0; min-width: 0; overflow-y: auto; padding: 24px 28px; }
  main.flush { padding: 0; overflow: hidden; display: flex; }
  main.flush > * { flex: 1; min-width: 0; }
  .scrim { display: none; }
  @media (max-width: 760px) {
    .nav-toggle { display: inline-flex; }
    .top { padding: 0 8px; gap: 4px; }
    .conn-text { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    .body { grid-template-columns: minmax(0, 1fr); }
    nav { position: absolute; z-index: 15; top: 0; bottom: 0; left: 0; width: min(280px, 85vw); box-shadow: 0 10px 30px #0004; transform: translateX(-105%); visibility: hidden; transition: transform .15s ease, visibility 0s .15s; }
    nav.open { transform: none; visibility: visible; transition: transform .15s ease; }
    .scrim { display: block; position: absolute; inset: 0; z-index: 14; background: #0005; }
    main { padding: 16px; }
  }
  @media (prefers-reduced-motion: reduce) { nav, nav.open { transition: none; } }
`;
