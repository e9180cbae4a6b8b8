// One line of results: the card as Plain's sidebar draws it, and next to it what the gateway
// says about it (where it came from, owning service, call latency, TTL, size, raw JSON).
// Every value reaches the page through textContent (see render.js).

import { drawCardBody, el } from './render.js';

/** What each `source` of POST /admin/preview is called on the page. */
export const SOURCE_LABELS = {
  fresh: 'fresh',
  cacheHit: 'cache hit',
  stale: 'stale copy',
  fallback: 'fallback',
  noData: 'no data',
  unknownKey: 'unknown key',
};

/** What each failure code (the gateway's CardFailure codes) is called on the page. */
export const REASON_LABELS = {
  timeout: 'timeout',
  unreachable: 'unreachable',
  circuit_open: 'circuit open',
  invalid_card: 'invalid card',
  card_too_big: 'too big',
  response_too_big: 'answer too big',
  service_error: 'the service reported an error',
  missing_result: 'no result for this key',
  undiscovered: 'not discovered yet',
  overloaded: 'overloaded',
  error: 'gRPC error',
};

/**
 * The sidebar card: a header with the title and key, then the body.
 * @param {any} card the card's JSON as Plain receives it
 * @param {string} [title]
 */
export function sidebarCard(card, title) {
  const box = el('article', 'sidebar-card');
  const key = card && typeof card.key === 'string' ? card.key : '(no key)';
  box.dataset.key = key;
  const header = el('header', 'card-header');
  header.append(el('span', 'chevron', '\u25BC'), el('span', 'card-title', title || key), el('span', 'card-key', key));
  box.append(header, drawCardBody(card));
  return box;
}

/** `1234` -> `1,234 B`. */
function bytes(n) {
  return `${Number(n).toLocaleString('en-US')} B`;
}

function row(dl, term, value) {
  dl.append(el('dt', '', term), el('dd', '', value));
  return dl.lastElementChild;
}

/**
 * The gateway's account of one card (an entry of `cards` of POST /admin/preview).
 * @param {any} entry
 * @param {{maxCardBytes: number}} limits
 */
export function metaPanel(entry, limits) {
  const panel = el('aside', 'meta');
  panel.dataset.key = entry.key;
  const source = el('span', `source source-${entry.source}`, SOURCE_LABELS[entry.source] || entry.source);
  source.dataset.source = entry.source;
  panel.appendChild(source);
  if (entry.reason) {
    const reason = el('span', 'reason', ` \u00B7 ${REASON_LABELS[entry.reason] || entry.reason}`);
    reason.dataset.reason = entry.reason;
    panel.appendChild(reason);
  }
  if (entry.detail) panel.appendChild(detailList(entry.detail));
  const dl = el('dl');
  row(dl, 'service', entry.service || '\u2014');
  row(dl, 'call latency', entry.callLatencyMs == null ? 'no call' : `${entry.callLatencyMs.toFixed(1)} ms`);
  row(dl, 'TTL for Plain', entry.ttlSeconds == null ? "not set (the card config's default)" : `${entry.ttlSeconds} s`);
  const size = row(dl, 'size', `${bytes(entry.bytes)} of ${bytes(limits.maxCardBytes)}`);
  const bar = el('div', 'size-bar');
  const fill = el('span');
  fill.style.width = `${Math.min(100, (100 * entry.bytes) / Math.max(1, limits.maxCardBytes)).toFixed(1)}%`;
  bar.appendChild(fill);
  size.appendChild(bar);
  panel.appendChild(dl);
  panel.appendChild(rawJson(entry.card));
  return panel;
}

/** A failure's detail; an invalid card's violations one per line (`path: message`). */
function detailList(detail) {
  const list = el('ul', 'detail');
  const parts = String(detail).split(/; (?=[\w$[\].]+: )/);
  for (const part of parts) list.appendChild(el('li', '', part));
  return list;
}

/** The raw JSON behind a toggle. */
export function rawJson(value) {
  const details = el('details', 'raw');
  details.appendChild(el('summary', '', 'Raw JSON'));
  details.appendChild(el('pre', '', JSON.stringify(value, null, 2)));
  return details;
}

/**
 * The actions that change a card (entries of `actions` of GET /admin/preview/keys), each with
 * a button that runs it as a preview run for the customer in the form.
 * @param {{name: string, description: string, service: string}[]} actions
 */
export function actionList(actions) {
  const box = el('div', 'actions');
  box.appendChild(el('h4', '', 'Actions (preview runs)'));
  for (const action of actions) {
    const line = el('div', 'action');
    line.dataset.action = action.name;
    const button = /** @type {HTMLButtonElement} */ (el('button', 'run-action', `Run ${action.name}`));
    button.type = 'button';
    button.dataset.action = action.name;
    button.title = `RunAction with preview = true on ${action.service}: the service changes no real data`;
    line.append(button, el('span', 'muted', ` ${action.description}`));
    box.appendChild(line);
  }
  return box;
}

/**
 * One result line.
 * @param {any} entry
 * @param {{maxCardBytes: number}} limits
 */
export function resultItem(entry, limits) {
  const item = el('div', 'result-item');
  item.dataset.key = entry.key;
  item.append(sidebarCard(entry.card, entry.title), metaPanel(entry, limits));
  return item;
}
