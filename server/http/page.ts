/** The server's few plain HTML pages (links followed from mails, printable records): no script, our stylesheet only. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page with `title` as its heading; `body` is HTML the caller escaped. */
export function page(title: string, body: string, mainClass = 'notice'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/site.css"></head>
<body><main class="${mainClass}"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
