// Draws Plain customer cards the way Plain's sidebar draws them: all twelve components, the
// markdown subset of Text (bold, italic, links), rows with a main and an aside column,
// containers with a border.
//
// Safety contract: card data only ever reaches the page through `textContent`, attribute
// values that cannot run code (`datetime`, `title`, `aria-label`) and `href`s that passed
// `safeUrl` (http and https only). Nothing here parses HTML: no inner/outer HTML setters,
// no adjacent-HTML insertion, no document.write.

import { el, externalLink, safeUrl } from './dom.js';
import { appendMarkdown } from './markdown.js';

export { el };

/** Text sizes, text colours, badge colours and spacings Plain accepts (anything else falls
 * back to Plain's default for the field, and the validator reports it). */
const TEXT_SIZES = ['S', 'M', 'L'];
const TEXT_COLORS = ['NORMAL', 'MUTED', 'SUCCESS', 'WARNING', 'ERROR'];
const BADGE_COLORS = ['GREY', 'GREEN', 'YELLOW', 'RED', 'BLUE'];
const SPACINGS = ['XS', 'S', 'M', 'L', 'XL'];

// ---- Components --------------------------------------------------------------------------

/** `value` if it is one of `allowed`, else `fallback`. */
function oneOf(value, allowed, fallback) {
  return typeof value === 'string' && allowed.includes(value) ? value : fallback;
}

/** A string value, or '' for anything else (numbers are shown as their text). */
function str(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** The one wrapper key of a component object, or null. */
function wrapperOf(component) {
  if (!component || typeof component !== 'object' || Array.isArray(component)) return null;
  const keys = Object.keys(component).filter((k) => component[k] !== null && component[k] !== undefined);
  return keys.length === 1 ? keys[0] : null;
}

/** A placeholder for something the sidebar cannot draw (the validator says why). */
function unknownComponent(what) {
  return el('div', 'c-unknown', what);
}

function drawText(body) {
  const size = oneOf(body.textSize ?? body.size, TEXT_SIZES, 'M');
  const color = oneOf(body.textColor ?? body.color, TEXT_COLORS, 'NORMAL');
  const node = el('div', `c-text size-${size} color-${color}`);
  appendMarkdown(node, str(body.text), drawInline);
  return node;
}

function drawPlainText(body) {
  const size = oneOf(body.plainTextSize, TEXT_SIZES, 'M');
  const color = oneOf(body.plainTextColor, TEXT_COLORS, 'NORMAL');
  return el('div', `c-plaintext size-${size} color-${color}`, str(body.plainText));
}

function drawBadge(body) {
  const color = oneOf(body.badgeColor, BADGE_COLORS, 'GREY');
  return el('span', `c-badge badge-${color}`, str(body.badgeLabel));
}

function drawLinkButton(body) {
  const label = str(body.linkButtonLabel ?? body.label);
  const href = safeUrl(body.linkButtonUrl ?? body.url);
  if (!href) {
    const blocked = el('span', 'c-button c-button-blocked', label);
    blocked.title = 'not a link: only http and https URLs open';
    return blocked;
  }
  const a = externalLink(href, 'c-button c-link-button');
  a.appendChild(el('span', 'c-button-label', label));
  a.appendChild(el('span', 'c-button-icon', '\u2197'));
  return a;
}

/** Copies `value` to the clipboard (navigator.clipboard, or a hidden textarea without it). */
async function copyText(value) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(value);
    return;
  }
  const area = /** @type {HTMLTextAreaElement} */ (el('textarea', 'offscreen'));
  area.value = value;
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

function drawCopyButton(body) {
  const value = str(body.copyButtonValue);
  const tooltip = str(body.copyButtonTooltipLabel) || value;
  const button = /** @type {HTMLButtonElement} */ (el('button', 'c-copy'));
  button.type = 'button';
  button.title = tooltip;
  button.setAttribute('aria-label', tooltip);
  button.dataset.copyValue = value;
  button.appendChild(el('span', 'c-copy-icon'));
  const tip = el('span', 'c-tooltip', tooltip);
  button.appendChild(tip);
  button.addEventListener('click', () => {
    copyText(value).then(
      () => {
        tip.textContent = 'Copied';
        button.classList.add('copied');
        setTimeout(() => {
          tip.textContent = tooltip;
          button.classList.remove('copied');
        }, 1500);
      },
      () => {
        tip.textContent = 'Could not copy';
      },
    );
  });
  return button;
}

function drawWorkflowButton(body) {
  const label = str(body.workflowButtonLabel);
  const ident = body.workflowButtonWorkflowIdentifier || {};
  const which = ident.workflowId ? `workflow id ${str(ident.workflowId)}` : `workflow key ${str(ident.workflowKey)}`;
  const wrap = el('div', 'c-workflow');
  const button = /** @type {HTMLButtonElement} */ (el('button', 'c-button c-workflow-button'));
  button.type = 'button';
  button.title = `Runs ${which}`;
  button.appendChild(el('span', 'c-workflow-icon', '\u25B6'));
  button.appendChild(el('span', 'c-button-label', label));
  const note = el('div', 'c-workflow-note', `Runs ${which} (not run from the preview)`);
  note.hidden = true;
  button.addEventListener('click', () => {
    note.hidden = false;
  });
  wrap.append(button, note);
  return wrap;
}

function drawDivider(body) {
  const spacing = oneOf(body.dividerSpacingSize ?? body.spacingSize, SPACINGS, 'S');
  return el('hr', `c-divider space-${spacing}`);
}

function drawSpacer(body) {
  const spacing = oneOf(body.spacerSize ?? body.size, SPACINGS, 'S');
  return el('div', `c-spacer space-${spacing}`);
}

/** The date-time in the viewer's time zone, e.g. "12 Jun 2026, 09:30 CEST". */
export function formatDateTime(iso) {
  const date = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

function drawDateTime(body) {
  const iso = str(body.dateTimeIso8601);
  const shown = formatDateTime(iso);
  if (!shown) return el('span', 'c-datetime invalid', iso || '(no date)');
  const node = el('time', 'c-datetime', shown);
  node.setAttribute('datetime', iso);
  node.title = `${iso} (shown in ${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
  return node;
}

function drawUser(body) {
  const ident = body.userIdentifier || {};
  const [kind, value] = ident.userId
    ? ['user', str(ident.userId)]
    : ident.emailAddress
      ? ['email', str(ident.emailAddress)]
      : ident.machineUserId
        ? ['machine user', str(ident.machineUserId)]
        : ['user', '(no identifier)'];
  const chip = el('span', 'c-user');
  chip.title = `Plain ${kind}: ${value}`;
  chip.appendChild(el('span', 'c-user-avatar', (value.replace(/^[^a-zA-Z0-9]+/, '')[0] || '?').toUpperCase()));
  chip.appendChild(el('span', 'c-user-id', value));
  return chip;
}

/** Plain's inline User and DateTime markers inside a Text. */
function drawInline(wrapper, body) {
  const node = wrapper === 'componentUser' ? drawUser(body) : drawDateTime(body);
  node.classList.add('c-inline');
  return node;
}

const LEAVES = {
  componentText: drawText,
  componentPlainText: drawPlainText,
  componentBadge: drawBadge,
  componentLinkButton: drawLinkButton,
  componentCopyButton: drawCopyButton,
  componentDivider: drawDivider,
  componentSpacer: drawSpacer,
  componentWorkflowButton: drawWorkflowButton,
  componentDateTime: drawDateTime,
  componentUser: drawUser,
};

/**
 * One component; `level` ('top', 'container' or 'row') decides what may nest, as in Plain.
 * @param {any} component
 * @param {'top' | 'container' | 'row'} level
 * @returns {HTMLElement}
 */
export function drawComponent(component, level) {
  const wrapper = wrapperOf(component);
  if (!wrapper) return unknownComponent('(not a component)');
  const body = component[wrapper];
  if (!body || typeof body !== 'object') return unknownComponent(`(${wrapper} without fields)`);
  const leaf = Object.prototype.hasOwnProperty.call(LEAVES, wrapper) ? LEAVES[wrapper] : null;
  if (leaf) return leaf(body);
  if (wrapper === 'componentRow' && level !== 'row') {
    const row = el('div', 'c-row');
    const main = el('div', 'c-row-main');
    const aside = el('div', 'c-row-aside');
    for (const c of arrayOf(body.rowMainContent)) main.appendChild(drawComponent(c, 'row'));
    for (const c of arrayOf(body.rowAsideContent)) aside.appendChild(drawComponent(c, 'row'));
    row.append(main, aside);
    return row;
  }
  if (wrapper === 'componentContainer' && level === 'top') {
    const box = el('div', 'c-container');
    for (const c of arrayOf(body.containerContent)) box.appendChild(drawComponent(c, 'container'));
    return box;
  }
  return unknownComponent(`(${wrapper} cannot be drawn here)`);
}

function arrayOf(value) {
  return Array.isArray(value) ? value : [];
}

/**
 * A card's body: its components stacked, or Plain's empty state for `components: null`.
 * @param {any} card
 * @returns {HTMLElement}
 */
export function drawCardBody(card) {
  const body = el('div', 'card-body');
  const components = card ? card.components : undefined;
  if (components === null || components === undefined) {
    body.appendChild(el('div', 'card-empty', 'No data'));
    return body;
  }
  if (!Array.isArray(components)) {
    body.appendChild(unknownComponent('(components is not an array)'));
    return body;
  }
  for (const component of components) body.appendChild(drawComponent(component, 'top'));
  return body;
}
