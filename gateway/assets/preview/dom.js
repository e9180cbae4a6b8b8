// DOM helpers shared by the card renderer and the page. Card data only ever reaches the
// page through `textContent`, harmless attributes and `href`s that passed `safeUrl`.

/**
 * A new element with its class and, optionally, its text (set through textContent).
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElement}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The URL when it is an absolute http or https URL, else null: `javascript:`, `data:` and
 * relative URLs never become links.
 * @param {unknown} raw
 * @returns {string | null}
 */
export function safeUrl(raw) {
  if (typeof raw !== 'string') return null;
  let url;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/** An anchor that opens `href` (already checked by safeUrl) in a new tab. */
export function externalLink(href, className) {
  const a = /** @type {HTMLAnchorElement} */ (el('a', className));
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}
