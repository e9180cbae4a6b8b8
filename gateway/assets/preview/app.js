// The preview page: the form, the two tabs and the calls to the admin listener's JSON
// endpoints. The operator token lives in this module's memory only (never in storage,
// cookies or the URL); every JSON endpoint needs it as `Authorization: Bearer <token>`,
// "Invalidate this customer" included (POST /admin/invalidate takes it as well as the card
// services' token).

import { el } from './render.js';
import { actionList, rawJson, resultItem, sidebarCard } from './cards.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The operator token, as typed into the page. */
let operatorToken = '';
/** The discovered keys, as last listed: `[{key, title, service}]`. */
let discovered = [];
/** The discovered actions, as last listed: `[{name, description, changesCards, service}]`. */
let discoveredActions = [];

/** Calls a JSON endpoint of the admin listener; resolves to `{status, body}`. */
async function call(method, path, payload, raw = false) {
  const headers = { Authorization: `Bearer ${operatorToken}` };
  let body;
  if (payload !== undefined) {
    headers['Content-Type'] = raw ? 'text/plain' : 'application/json';
    body = raw ? payload : JSON.stringify(payload);
  }
  const response = await fetch(path, { method, headers, body, cache: 'no-store' });
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  return { status: response.status, body: json };
}

/** Shows `text` in a status line; `state` (`busy`, `done` or `error`) is also its
 * `data-state`, which tests wait on. */
function say(target, text, state = 'done') {
  const node = $(target);
  node.textContent = text;
  node.dataset.state = state;
  node.classList.toggle('error', state === 'error');
}

/** The error message of a failed call, for the status line. */
function failure(result) {
  if (result.status === 401) return 'The operator token is missing or wrong: enter it at the top right.';
  if (result.status === 403) return 'That is the card services\' token, which only invalidates: enter the operator token.';
  if (result.status === 404 && result.body?.error?.code === 'not_found') return 'The preview is off: the gateway has no operator token configured (CARDMESH_OPERATOR_TOKEN).';
  const message = result.body?.error?.message || `HTTP ${result.status}`;
  return `${result.body?.error?.code || 'error'}: ${message}`;
}

// ---- card keys ---------------------------------------------------------------------------

async function listKeys() {
  const result = await call('GET', '/admin/preview/keys');
  const box = $('card-keys');
  if (result.status !== 200) {
    box.replaceChildren(el('span', 'muted', failure(result)));
    return;
  }
  discovered = result.body.cards;
  discoveredActions = result.body.actions || [];
  box.replaceChildren();
  for (const card of discovered) {
    const label = el('label');
    const input = /** @type {HTMLInputElement} */ (el('input'));
    input.type = 'checkbox';
    input.name = 'cardKey';
    input.value = card.key;
    input.checked = true;
    label.append(input, el('span', 'key', card.key), el('span', 'service', card.service));
    box.appendChild(label);
  }
  if (result.body.servicesNotDescribed > 0) {
    box.appendChild(el('span', 'muted', `${result.body.servicesNotDescribed} service(s) have not described their cards yet`));
  }
}

// ---- the customer tab --------------------------------------------------------------------

function formValue(name) {
  const input = /** @type {HTMLInputElement} */ (document.querySelector(`#preview-form [name="${name}"]`));
  return input.value.trim();
}

function setFormValue(name, value) {
  const input = /** @type {HTMLInputElement} */ (document.querySelector(`#preview-form [name="${name}"]`));
  input.value = value;
}

/** The customer the form describes, as POST /admin/preview and /admin/preview/action take it. */
function formCustomer() {
  const customer = { id: formValue('customerId') };
  if (formValue('email')) customer.email = formValue('email');
  if (formValue('externalId')) customer.externalId = formValue('externalId');
  return customer;
}

/** The POST /admin/preview body the form describes. */
function previewRequest(reload) {
  const selected = [...document.querySelectorAll('#card-keys input[name="cardKey"]:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value);
  const extra = formValue('extraKeys').split(',').map((k) => k.trim()).filter(Boolean);
  return {
    customer: formCustomer(),
    thread: formValue('threadId') ? { id: formValue('threadId') } : null,
    tenant: formValue('tenantId') ? { id: formValue('tenantId') } : null,
    workspaceId: formValue('workspaceId'),
    cardKeys: [...selected, ...extra],
    reload,
  };
}

/** Draws the form's cards; `reload` bypasses the cache. Clears the last action's outcome
 * (perhaps of another customer) unless `afterAction`. */
async function loadPreview(reload, afterAction = false) {
  if (!afterAction) {
    delete $('action-status').dataset.outcome;
    say('action-status', '');
  }
  if (!discovered.length) await listKeys();
  say('status', reload ? 'Reloading (bypassing the cache)…' : 'Loading…', 'busy');
  const result = await call('POST', '/admin/preview', previewRequest(reload));
  if (result.status !== 200) {
    say('status', failure(result), 'error');
    return;
  }
  const answer = result.body;
  const titles = new Map(discovered.map((c) => [c.key, c.title]));
  const out = $('result');
  out.replaceChildren();
  const summary = el('div', 'answer-summary', `${answer.cards.length} card(s), answer ${answer.answerBytes.toLocaleString('en-US')} B of ${answer.limits.maxResponseBytes.toLocaleString('en-US')} B, ${answer.tookMs.toFixed(1)} ms`);
  summary.appendChild(rawJson(answer.answer));
  out.appendChild(summary);
  for (const entry of answer.cards) {
    const item = resultItem({ ...entry, title: titles.get(entry.key) }, answer.limits);
    const actions = discoveredActions.filter((a) => a.changesCards.includes(entry.key));
    if (actions.length) item.querySelector('.meta')?.appendChild(actionList(actions));
    out.appendChild(item);
  }
  say('status', `Loaded ${answer.cards.length} card(s)${reload ? ', bypassing the cache' : ''}.`);
}

/** Runs `name` as a preview run for the form's customer, shows its outcome in
 * #action-status (`data-outcome` = `succeeded` or `refused`), then draws the cards again. */
async function runAction(name) {
  say('action-status', `Running ${name} (preview)…`, 'busy');
  const result = await call('POST', '/admin/preview/action', {
    action: name,
    workspaceId: formValue('workspaceId'),
    customer: formCustomer(),
    thread: formValue('threadId') ? { id: formValue('threadId') } : null,
    body: {},
  });
  const status = $('action-status');
  if (result.status !== 200) {
    status.dataset.outcome = 'error';
    say('action-status', failure(result), 'error');
    return;
  }
  const { outcome, message, reason } = result.body;
  await loadPreview(true, true);
  status.dataset.outcome = outcome;
  say('action-status', `${name} (preview run): ${outcome}: ${outcome === 'succeeded' ? message : reason}`, outcome === 'succeeded' ? 'done' : 'error');
}

async function invalidateCustomer() {
  const customerId = formValue('customerId');
  say('status', 'Invalidating…', 'busy');
  const result = await call('POST', '/admin/invalidate', { customerId });
  if (result.status !== 200) {
    say('status', failure(result), 'error');
    return;
  }
  say('status', `Invalidated the cached cards of ${customerId}.`);
}

const PRESETS = {
  'no-email': () => setFormValue('email', ''),
  'no-external-id': () => setFormValue('externalId', ''),
  'in-thread': () => formValue('threadId') || setFormValue('threadId', 'th_demo_1'),
  'with-tenant': () => formValue('tenantId') || setFormValue('tenantId', 'te_demo_1'),
};

// ---- the paste tab -----------------------------------------------------------------------

async function checkPasted() {
  const text = /** @type {HTMLTextAreaElement} */ ($('paste-input')).value;
  const out = $('paste-result');
  const list = $('violations');
  out.replaceChildren();
  list.replaceChildren();
  say('paste-status', 'Validating…', 'busy');
  let doc = null;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = null;
  }
  const result = await call('POST', '/admin/validate', text, true);
  if (result.status !== 200) {
    say('paste-status', failure(result), 'error');
    return;
  }
  const { violations } = result.body;
  for (const v of violations) {
    const item = el('li');
    item.dataset.path = v.path;
    item.append(el('span', 'path', v.path), document.createTextNode(`: ${v.message}`));
    list.appendChild(item);
  }
  say('paste-status', violations.length ? `${violations.length} violation(s) of Plain's rules` : "Valid: follows Plain's card rules.", violations.length ? 'error' : 'done');
  const cards = doc && Array.isArray(doc.cards) ? doc.cards : [];
  for (const card of cards) {
    const item = el('div', 'result-item');
    item.appendChild(sidebarCard(card));
    out.appendChild(item);
  }
}

// ---- wiring ------------------------------------------------------------------------------

function selectTab(name) {
  for (const tab of ['customer', 'paste']) {
    $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(`panel-${tab}`).hidden = tab !== name;
  }
}

function wire() {
  $('operator-token').addEventListener('change', (e) => {
    operatorToken = /** @type {HTMLInputElement} */ (e.target).value.trim();
    listKeys();
  });
  $('tab-customer').addEventListener('click', () => selectTab('customer'));
  $('tab-paste').addEventListener('click', () => selectTab('paste'));
  $('preview-form').addEventListener('submit', (e) => {
    e.preventDefault();
    loadPreview(false);
  });
  $('reload').addEventListener('click', () => loadPreview(true));
  $('invalidate').addEventListener('click', () => invalidateCustomer());
  $('result').addEventListener('click', (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest('button.run-action');
    if (button instanceof HTMLElement && button.dataset.action) runAction(button.dataset.action);
  });
  for (const button of document.querySelectorAll('[data-preset]')) {
    button.addEventListener('click', () => PRESETS[/** @type {HTMLElement} */ (button).dataset.preset]());
  }
  $('paste-form').addEventListener('submit', (e) => {
    e.preventDefault();
    checkPasted();
  });
  document.body.dataset.ready = 'true';
}

wire();
