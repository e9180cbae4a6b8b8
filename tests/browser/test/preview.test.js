// The preview page against the real gateway and example services: cus_demo_1's cards drawn
// as Plain draws them, where each came from (fresh, cache hit, stale copy, unknown key, no
// data), Reload, Invalidate, presets, and a screenshot for the README. The preview reads the
// cache Plain's answers come from but never writes it: cards are cached by Plain's requests.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch } from '../support/browser.js';
import { loadCards, openPreview, settle, shownCards } from '../support/page.js';
import { OPERATOR_TOKEN, REPO_ROOT, SERVICE_TOKEN, startStack } from '../support/stack.js';

const SCREENSHOT = join(REPO_ROOT, 'target/browser/preview.png');
const DEMO_KEYS = ['latest-invoice', 'subscription-status', 'usage', 'customer-details'];

let stack;
let browser;
let page;
let seen;

before(async () => {
  stack = await startStack();
  browser = await launch({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.adminUrl });
  ({ page, seen } = await openPreview(browser.context, stack.adminUrl));
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the page and its JSON endpoints are on the admin listener only, the JSON ones behind the operator token', async () => {
  assert.equal((await fetch(`${stack.plainUrl}/preview`)).status, 404);
  assert.equal((await fetch(`${stack.plainUrl}/admin/preview`, { method: 'POST', body: '{}' })).status, 404);
  const pageResponse = await fetch(`${stack.adminUrl}/preview`);
  assert.equal(pageResponse.status, 200);
  assert.match(pageResponse.headers.get('content-security-policy') || '', /script-src 'self'/);
  const html = await pageResponse.text();
  assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)/, 'the page loads nothing from elsewhere');
  const noToken = await fetch(`${stack.adminUrl}/admin/preview/keys`);
  assert.equal(noToken.status, 401);
  assert.equal((await noToken.json()).error.code, 'invalid_admin_token');
  const serviceToken = await fetch(`${stack.adminUrl}/admin/preview/keys`, { headers: { Authorization: `Bearer ${SERVICE_TOKEN}` } });
  assert.equal(serviceToken.status, 403, 'the card services\' token only invalidates');
  assert.equal((await serviceToken.json()).error.code, 'operator_token_required');
  const withToken = await fetch(`${stack.adminUrl}/admin/preview/keys`, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` } });
  assert.equal(withToken.status, 200);
});

test('the discovered keys are listed with their owning service, all selected', async () => {
  const keys = await page.$$eval('#card-keys label', (labels) =>
    labels.map((l) => [l.querySelector('input')?.value, l.querySelector('.service')?.textContent, l.querySelector('input')?.checked]),
  );
  // Services are named by their configured endpoints (all on 127.0.0.1 here, so host:port).
  const [billing, usage, accounts] = ['billing', 'usage', 'accounts'].map(stack.serviceName);
  assert.deepEqual(keys, [
    ['latest-invoice', billing, true],
    ['subscription-status', billing, true],
    ['usage', usage, true],
    ['customer-details', accounts, true],
  ]);
});

test("cus_demo_1's cards are drawn as Plain draws them, fresh from their services", async () => {
  await loadCards(page);
  const cards = await shownCards(page);
  assert.deepEqual(Object.keys(cards), DEMO_KEYS);
  for (const key of DEMO_KEYS) {
    assert.equal(cards[key].source, 'fresh', `${key}: ${JSON.stringify(cards[key])}`);
    assert.match(cards[key].details['call latency'], /^\d+\.\d ms$/);
    assert.match(cards[key].details.size, /^[\d,]+ B of 32,768 B$/);
  }
  assert.equal(cards['latest-invoice'].details.service, stack.serviceName('billing'));
  assert.equal(cards.usage.details.service, stack.serviceName('usage'));
  assert.equal(cards['customer-details'].details.service, stack.serviceName('accounts'));

  const card = (key) => page.locator(`#result .sidebar-card[data-key="${key}"]`);
  const badge = async (key, label) => (await card(key).locator('.c-badge', { hasText: label }).getAttribute('class')) || '';

  // subscription-status: plan (L) with a green badge, muted label, portal link.
  const subscription = card('subscription-status');
  assert.equal(await subscription.locator('.card-title').textContent(), 'Subscription');
  assert.match((await subscription.locator('.c-plaintext', { hasText: 'Pro (annual)' }).getAttribute('class')) || '', /size-L/);
  assert.match(await badge('subscription-status', 'Active'), /badge-GREEN/);
  assert.match((await subscription.locator('.c-text', { hasText: 'Renews on' }).getAttribute('class')) || '', /color-MUTED/);
  assert.equal(await subscription.locator('.c-row').nth(1).locator('.c-row-aside .c-plaintext').textContent(), '2026-09-01');
  const portal = subscription.locator('a.c-link-button');
  assert.equal(await portal.textContent(), 'Open billing portal\u2197');
  assert.equal(await portal.getAttribute('href'), 'https://billing.example.com/portal/cus_demo_1');
  assert.equal(await portal.getAttribute('target'), '_blank');
  assert.match((await portal.getAttribute('rel')) || '', /noopener/);

  // latest-invoice: amount, paid badge, invoice number with a working copy button.
  const invoice = card('latest-invoice');
  assert.ok(await invoice.locator('.c-plaintext', { hasText: '$1,188.00' }).isVisible());
  assert.match(await badge('latest-invoice', 'Paid'), /badge-GREEN/);
  const copy = invoice.locator('button.c-copy');
  assert.equal(await copy.getAttribute('aria-label'), 'Copy invoice number');
  await copy.click();
  await page.waitForFunction(() => document.querySelector('#result .sidebar-card[data-key="latest-invoice"] .c-tooltip')?.textContent === 'Copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'INV-2026-0042');
  assert.equal(await invoice.locator('a.c-link-button').getAttribute('href'), 'https://billing.example.com/invoices/INV-2026-0042');

  // usage: muted small period, three badges coloured by the share used, an M divider.
  const usage = card('usage');
  assert.match((await usage.locator('.c-plaintext', { hasText: 'Current period' }).getAttribute('class')) || '', /size-S color-MUTED/);
  assert.match(await badge('usage', '593 of 1000'), /badge-GREEN/);
  assert.match(await badge('usage', '4 of 10'), /badge-GREEN/);
  assert.match(await badge('usage', '12840 (no limit)'), /badge-GREY/);
  assert.match((await usage.locator('hr.c-divider').getAttribute('class')) || '', /space-M/);
  assert.equal(await usage.locator('.c-container').count(), 1);
  assert.notEqual(await usage.locator('.c-container').evaluate((n) => getComputedStyle(n).borderTopStyle), 'none');

  // customer-details: name (L), enterprise badge (blue), copy button, admin link.
  const details = card('customer-details');
  assert.match((await details.locator('.c-plaintext', { hasText: 'Ada Lovelace' }).getAttribute('class')) || '', /size-L/);
  assert.match(await badge('customer-details', 'Enterprise'), /badge-BLUE/);
  assert.equal(await details.locator('button.c-copy').getAttribute('data-copy-value'), 'acc_7Hq2LmX9');
  assert.equal(await details.locator('a.c-link-button').textContent(), 'Open in admin\u2197');

  // Rows: main on the left, aside on the right; the column is Plain's ~360 px.
  const row = details.locator('.c-row').nth(1);
  const main = await row.locator('.c-row-main').boundingBox();
  const aside = await row.locator('.c-row-aside').boundingBox();
  assert.ok(main && aside && main.x < aside.x, 'aside right of main');
  const box = await details.boundingBox();
  assert.ok(box && Math.abs(box.width - 360) <= 1, `sidebar column ${box?.width} px`);

  // The raw JSON sits behind a toggle and is the card Plain gets.
  const raw = page.locator('#result .meta[data-key="usage"] details.raw');
  assert.equal(await raw.locator('pre').isVisible(), false);
  await raw.locator('summary').click();
  const json = JSON.parse((await raw.locator('pre').textContent()) || '');
  assert.equal(json.key, 'usage');
  assert.ok(Array.isArray(json.components));
  assert.deepEqual(seen, { dialogs: [], errors: [] });
});

test('loaded again, the cards are drawn again (the preview stores nothing); once Plain asked, every card is a cache hit', async () => {
  await loadCards(page);
  for (const [key, card] of Object.entries(await shownCards(page))) assert.equal(card.source, 'fresh', key);
  await stack.plainRequest(DEMO_KEYS);
  await loadCards(page);
  const cards = await shownCards(page);
  for (const key of DEMO_KEYS) {
    assert.equal(cards[key].source, 'cache hit', key);
    assert.equal(cards[key].details['call latency'], 'no call');
  }
});

test('Reload bypasses the cache without writing it; Invalidate (operator token) drops the customer', async () => {
  await loadCards(page, '#reload');
  for (const [key, card] of Object.entries(await shownCards(page))) assert.equal(card.source, 'fresh', key);
  // What Plain's request cached is still there: the reload replaced nothing.
  await loadCards(page);
  for (const [key, card] of Object.entries(await shownCards(page))) assert.equal(card.source, 'cache hit', key);
  await settle(page, '#status', () => page.click('#invalidate'));
  assert.equal(await page.textContent('#status'), 'Invalidated the cached cards of c_demo.');
  await loadCards(page);
  for (const [key, card] of Object.entries(await shownCards(page))) assert.equal(card.source, 'fresh', key);
});

test('an unknown key is shown as such, with no data', async () => {
  await page.fill('[name="extraKeys"]', 'no-such-card');
  await loadCards(page);
  const cards = await shownCards(page);
  assert.equal(cards['no-such-card'].source, 'unknown key');
  assert.equal(cards['no-such-card'].details.service, '\u2014');
  assert.match(cards['no-such-card'].text || '', /No data/);
  await page.fill('[name="extraKeys"]', '');
});

test('presets: without email and external id the services find nobody (no data); in a thread, with a tenant', async () => {
  await page.click('[data-preset="no-email"]');
  await page.click('[data-preset="no-external-id"]');
  assert.equal(await page.inputValue('[name="email"]'), '');
  assert.equal(await page.inputValue('[name="externalId"]'), '');
  await page.fill('[name="customerId"]', 'c_nobody');
  await loadCards(page);
  for (const [key, card] of Object.entries(await shownCards(page))) {
    assert.equal(card.source, 'no data', key);
    assert.match(card.text || '', /No data/);
  }
  await page.click('[data-preset="in-thread"]');
  await page.click('[data-preset="with-tenant"]');
  assert.equal(await page.inputValue('[name="threadId"]'), 'th_demo_1');
  assert.equal(await page.inputValue('[name="tenantId"]'), 'te_demo_1');
  await page.fill('[name="customerId"]', 'c_demo');
  await page.fill('[name="email"]', 'ada@example.com');
  await page.fill('[name="externalId"]', 'cus_demo_1');
  await loadCards(page);
  const cards = await shownCards(page);
  assert.deepEqual(Object.keys(cards), DEMO_KEYS);
  for (const key of DEMO_KEYS) assert.notEqual(cards[key].source, 'no data', key);
  await page.fill('[name="threadId"]', '');
  await page.fill('[name="tenantId"]', '');
});

test("a card's action runs as a preview run from the page: the outcome is shown, the card is drawn again and unchanged", async () => {
  await page.fill('[name="customerId"]', 'c_demo_3');
  await page.fill('[name="email"]', 'margaret@example.com');
  await page.fill('[name="externalId"]', 'cus_demo_3');
  await loadCards(page);
  const subscription = page.locator('#result .sidebar-card[data-key="subscription-status"]');
  assert.ok(await subscription.locator('button', { hasText: 'Extend trial' }).isVisible(), 'the workflow button while trialing');
  // Only the card the action changes lists it.
  assert.equal(await page.locator('#result .meta[data-key="usage"] button.run-action').count(), 0);
  const run = page.locator('#result .meta[data-key="subscription-status"] button.run-action[data-action="extend-trial"]');
  assert.equal(await run.textContent(), 'Run extend-trial');

  await settle(page, '#action-status', () => run.click());
  assert.equal(await page.getAttribute('#action-status', 'data-outcome'), 'succeeded');
  assert.equal(
    await page.textContent('#action-status'),
    'extend-trial (preview run): succeeded: Preview: would extend the trial to 2026-06-15',
  );
  // Drawn again (bypassing the cache): a preview run changes nothing, so the button is still there.
  assert.match((await page.textContent('#status')) || '', /^Loaded .*bypassing the cache/);
  const drawn = page.locator('#result .sidebar-card[data-key="subscription-status"]');
  assert.ok(await drawn.locator('button', { hasText: 'Extend trial' }).isVisible());
  assert.ok(await drawn.locator('.c-plaintext', { hasText: '2026-06-01' }).isVisible());

  // Not trialing: refused, with billing's reason.
  await page.fill('[name="customerId"]', 'c_demo');
  await page.fill('[name="email"]', 'ada@example.com');
  await page.fill('[name="externalId"]', 'cus_demo_1');
  await loadCards(page);
  await settle(page, '#action-status', () => page.click('#result .meta[data-key="subscription-status"] button.run-action'));
  assert.equal(await page.getAttribute('#action-status', 'data-outcome'), 'refused');
  assert.match((await page.textContent('#action-status')) || '', /refused: The subscription is not in trial \(it is active\)$/);
  assert.deepEqual(seen, { dialogs: [], errors: [] });
});

test('with billing stopped, its cards are served as stale copies; a screenshot is saved', async () => {
  // Plain's request caches the cards whose last good copies stand in below.
  await stack.plainRequest(DEMO_KEYS);
  await stack.services.billing.proc.stop();
  await loadCards(page, '#reload');
  const cards = await shownCards(page);
  for (const key of ['latest-invoice', 'subscription-status']) {
    assert.equal(cards[key].source, 'stale copy', key);
    assert.equal(cards[key].reason, 'unreachable', key);
    assert.equal(cards[key].details['TTL for Plain'], '30 s', key);
    assert.match(cards[key].detail || '', /unreachable/);
  }
  assert.match(cards['latest-invoice'].text || '', /INV-2026-0042/);
  assert.equal(cards.usage.source, 'fresh');
  assert.equal(cards['customer-details'].source, 'fresh');
  mkdirSync(join(REPO_ROOT, 'target/browser'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(seen, { dialogs: [], errors: [] });
});
