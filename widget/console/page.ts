import { html, nothing, type TemplateResult } from 'lit';
import { RpcError } from '../common/rpc';
import { icon, type IconName } from './icons';

/** A page's heading row: title and what the page is for, with its toolbar on the right (never inside the heading). */
export function pageHead(
  title: string,
  description: string | TemplateResult,
  toolbar: TemplateResult | typeof nothing = nothing,
): TemplateResult {
  return html`<div class="page-head">
    <div><h1>${title}</h1><p>${description}</p></div>
    ${toolbar === nothing ? nothing : html`<div class="toolbar">${toolbar}</div>`}
  </div>`;
}

/** An empty state that says what to do next. */
export function emptyState(
  name: IconName,
  title: string,
  body: TemplateResult | string,
  actions: TemplateResult | typeof nothing = nothing,
): TemplateResult {
  return html`<div class="empty" role="status">
    <span class="empty-icon">${icon(name, 22)}</span>
    <h2>${title}</h2>
    ${typeof body === 'string' ? html`<p>${body}</p>` : body}
    ${actions === nothing ? nothing : html`<div class="actions">${actions}</div>`}
  </div>`;
}

/** What to tell the operator when a call failed: the server's message, never an exception's text. */
export function failure(e: unknown): string {
  return e instanceof RpcError ? e.message : 'No answer from the server. Try again.';
}

/** "1 message", "3 messages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
