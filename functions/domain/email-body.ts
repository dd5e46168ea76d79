/**
 * The two parts of an email body, derived from each other after rendering.
 *
 * Derivation happens on RENDERED output, never on Liquid source: escaping the
 * source would mangle `{{ x | default: "there" }}`, and converting HTML source to
 * text would lose tags that wrap Liquid output.
 */
import { convert } from 'html-to-text';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Like escapeHtml but leaves existing entities alone, so `{{ x | escape }}` is not escaped twice. */
export function escapeHtmlOnce(value: string): string {
  return value.replace(/&(?!(?:[a-zA-Z][a-zA-Z0-9]*|#\d+|#x[0-9a-fA-F]+);)|[<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// Only real tags count: "<3" or "<name>" in a plain-text email must not flip it to HTML.
const HTML_TAG =
  /<\/?(?:p|div|br|hr|a|span|strong|em|b|i|u|ul|ol|li|h[1-6]|table|tr|td|th|tbody|thead|img|blockquote|html|body|head|style|center|font|pre|code|small|sup|sub)\b[^>]*>/i;

export function looksLikeHtml(body: string): boolean {
  return HTML_TAG.test(body);
}

// Trailing punctuation is almost always sentence punctuation, not part of the URL.
// Runs on escaped text: `&amp;` belongs to a URL, any other entity (a quote) ends it.
const URL_PATTERN = /\bhttps?:\/\/(?:&amp;|[^\s&])+?(?=[.,;:!?)\]]*(?:\s|$|&(?!amp;)))/g;

/** Plain text → HTML: blank lines make paragraphs, single line breaks become <br>, URLs become links. */
export function textToHtml(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return paragraphs
    .map((p) => {
      const escaped = escapeHtml(p).replace(URL_PATTERN, (url) => `<a href="${url}">${url}</a>`);
      return `<p>${escaped.replace(/\n/g, '<br>\n')}</p>`;
    })
    .join('\n');
}

/** HTML → readable plain text (links as "text [url]", no hard wrapping: phones reflow better). */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
    ],
  }).trim();
}

const FOOTER_TEXT = 'Prefer not to get these emails? Unsubscribe:';

/** Appends a visible unsubscribe link unless the rendered part already carries the URL. */
export function withUnsubscribeFooter(
  parts: { html: string; text: string },
  unsubscribeUrl: string,
): { html: string; text: string } {
  const escapedUrl = escapeHtml(unsubscribeUrl);
  let { html, text } = parts;
  if (!html.includes(escapedUrl) && !html.includes(unsubscribeUrl)) {
    const footer =
      `<p style="font-size:12px;color:#777777;margin-top:24px">` +
      `Prefer not to get these emails? <a href="${escapedUrl}">Unsubscribe</a></p>`;
    html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${footer}\n</body>`) : `${html}\n${footer}`;
  }
  if (!text.includes(unsubscribeUrl)) {
    text = `${text}\n\n--\n${FOOTER_TEXT} ${unsubscribeUrl}`;
  }
  return { html, text };
}
