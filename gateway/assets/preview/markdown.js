// The markdown subset of Plain's Text component, drawn as DOM nodes (never as HTML).

import { el, externalLink, safeUrl } from './dom.js';

/** Deepest markdown nesting drawn (bold inside italic inside a link label, ...). */
const MAX_MARKDOWN_DEPTH = 4;

/** An inline component marker, `{{componentUser:userIdentifier.userId="u_1"}}` or
 * `{{componentDateTime:dateTimeIso8601="…"}}` (a `}` in the value is written `\u007d`). */
const INLINE_MARKER = /^\{\{(componentUser|componentDateTime):([A-Za-z][A-Za-z0-9.]*)="((?:[^"\\]|\\.)*)"\}\}/;

/**
 * Draws an inline component: `(wrapperKey, body) => HTMLElement`.
 * @typedef {(wrapper: string, body: object) => HTMLElement} InlineDrawer
 */

/**
 * Appends the markdown subset of Plain's Text to `parent`: `**bold**` / `__bold__`,
 * `*italic*` / `_italic_`, `[label](url)` links (http/https only; any other link shows its
 * label as text), backslash escapes, line breaks, and Plain's inline User and DateTime
 * markers (drawn by `inline`). Everything else is text.
 * @param {Node} parent
 * @param {string} source
 * @param {InlineDrawer | null} [inline]
 * @param {number} [depth]
 */
export function appendMarkdown(parent, source, inline = null, depth = 0) {
  let plain = '';
  const flush = () => {
    if (plain) parent.appendChild(document.createTextNode(plain));
    plain = '';
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length && '\\*_[]()'.includes(source[i + 1])) {
      plain += source[i + 1];
      i += 2;
      continue;
    }
    if (c === '\n') {
      flush();
      parent.appendChild(document.createElement('br'));
      i += 1;
      continue;
    }
    const marker = inline && c === '{' ? INLINE_MARKER.exec(source.slice(i)) : null;
    if (inline && marker) {
      flush();
      parent.appendChild(inline(marker[1], nested(marker[2], unescapeMarker(marker[3]))));
      i += marker[0].length;
      continue;
    }
    if (depth < MAX_MARKDOWN_DEPTH) {
      const link = c === '[' ? matchLink(source, i) : null;
      if (link) {
        flush();
        const href = safeUrl(link.url);
        const target = href ? externalLink(href, 'md-link') : el('span', 'md-link-blocked');
        if (!href) target.title = 'link not shown: only http and https links are allowed';
        appendMarkdown(target, link.label, inline, depth + 1);
        parent.appendChild(target);
        i = link.end;
        continue;
      }
      const emphasis = c === '*' || c === '_' ? matchEmphasis(source, i) : null;
      if (emphasis) {
        flush();
        const node = el(emphasis.strong ? 'strong' : 'em');
        appendMarkdown(node, emphasis.inner, inline, depth + 1);
        parent.appendChild(node);
        i = emphasis.end;
        continue;
      }
    }
    plain += c;
    i += 1;
  }
  flush();
}

/** `[label](url)` starting at `start`, or null. */
function matchLink(source, start) {
  const close = source.indexOf('](', start + 1);
  if (close < 0 || source.slice(start + 1, close).includes('\n')) return null;
  const end = source.indexOf(')', close + 2);
  if (end < 0) return null;
  const url = source.slice(close + 2, end);
  if (!url || /\s/.test(url.trim()) || url.includes('\n')) return null;
  return { label: source.slice(start + 1, close), url, end: end + 1 };
}

/** `**x**`, `__x__`, `*x*` or `_x_` starting at `start`, or null. Underscores only open and
 * close at word boundaries, so `snake_case_names` stay text. */
function matchEmphasis(source, start) {
  const mark = source[start];
  const strong = source[start + 1] === mark;
  const delimiter = strong ? mark + mark : mark;
  const open = start + delimiter.length;
  if (open >= source.length || /\s/.test(source[open])) return null;
  if (mark === '_' && start > 0 && /\w/.test(source[start - 1])) return null;
  let close = source.indexOf(delimiter, open + 1);
  while (close >= 0) {
    const after = source[close + delimiter.length];
    const before = source[close - 1];
    const wordAfter = mark === '_' && after !== undefined && /\w/.test(after);
    const doubled = !strong && after === mark;
    if (!/\s/.test(before) && !wordAfter && !doubled) break;
    close = source.indexOf(delimiter, close + (doubled ? 2 : 1));
  }
  if (close < 0) return null;
  const inner = source.slice(open, close);
  if (inner.includes('\n\n')) return null;
  return { strong, inner, end: close + delimiter.length };
}

/** `{a: {b: value}}` for the path `a.b`. */
function nested(path, value) {
  return path
    .split('.')
    .reverse()
    .reduce((inner, name) => ({ [name]: inner }), /** @type {any} */ (value));
}

/** A marker value as written by Plain's builders: `\u007d` for `}`, backslash escapes. */
function unescapeMarker(value) {
  return value.replace(/\\u007d/gi, '}').replace(/\\(.)/g, '$1');
}
