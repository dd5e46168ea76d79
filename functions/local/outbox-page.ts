/** A readable page of the local outbox, for a person with a browser. */
import type { OutboxMessage } from './outbox.js';

export function renderOutboxPage(messages: OutboxMessage[], now: Date): string {
  const rows = messages
    .map(
      (m, index) => `
  <article class="${m.channel}">
    <header>
      <span class="badge">${BADGES[m.channel]}</span>
      <strong>#${index + 1}</strong> to <code>${escapeHtml(m.to)}</code> from <code>${escapeHtml(m.from)}</code>
      <time>${escapeHtml(m.sentAt)}</time>
    </header>
    ${m.subject ? `<h2>${escapeHtml(m.subject)}</h2>` : ''}
    ${m.text ? `<pre>${escapeHtml(m.text)}</pre>` : ''}
    ${m.status ? `<p>status <code>${escapeHtml(m.status)}</code>${m.answeredBy ? ` · answered by <code>${escapeHtml(m.answeredBy)}</code>` : ''}${m.bridgedTo ? ` · bridged to <code>${escapeHtml(m.bridgedTo)}</code>` : ''}</p>` : ''}
    ${m.played && m.played.length > 0 ? `<pre>${escapeHtml(m.played.join('\n'))}</pre>` : ''}
    <footer>enrollment <code>${escapeHtml(m.enrollmentId ?? '-')}</code> · step <code>${escapeHtml(m.stepId ?? '-')}</code> · provider id <code>${escapeHtml(m.providerMessageId)}</code></footer>
    ${
      m.headers && Object.keys(m.headers).length > 0
        ? `<details><summary>Headers</summary><dl>${Object.entries(m.headers)
            .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v)}</code></dd>`)
            .join('')}</dl></details>`
        : ''
    }
  </article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Followup outbox (${messages.length})</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin: .5rem 0; }
  article { border: 1px solid #d8dde6; border-radius: 8px; padding: .8rem 1rem; margin: 1rem 0; }
  article.sms { background: #f5fbf6; } article.email { background: #f7f9fd; }
  header time { float: right; color: #5b6473; }
  .badge { display: inline-block; font-size: .75rem; padding: .1rem .45rem; border-radius: 4px; background: #1d2330; color: #fff; }
  pre { white-space: pre-wrap; font: inherit; margin: .5rem 0; }
  footer, details { color: #5b6473; font-size: .85rem; } dt { font-weight: 600; } dd { margin: 0 0 .3rem 0; }
</style>
</head>
<body>
<h1>Outbox: ${messages.length} message${messages.length === 1 ? '' : 's'}</h1>
<p>Virtual time now: <code>${escapeHtml(now.toISOString())}</code>. Newest last. Advance the clock with <code>POST /dev/clock {"advance":"1d"}</code>.</p>
${rows || '<p>Nothing sent yet.</p>'}
</body>
</html>`;
}

const BADGES: Record<OutboxMessage['channel'], string> = { email: 'Email', sms: 'SMS', call: 'Call', voicemail: 'Voicemail' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
