// The "Paste JSON" tab (render and validate any card-API response, validated by the
// gateway's own validator) and the XSS probes: markup in card data is shown as text and never
// runs, whether it is pasted or comes from a card service.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch } from '../support/browser.js';
import { loadCards, openPreview, settle } from '../support/page.js';
import { startStack } from '../support/stack.js';
import { everyStringProbed, PROBES, probedAccounts } from '../support/probes.js';

let stack;
let browser;
let page;
let seen;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cardmesh-probes-'));
  const accounts = join(dir, 'accounts.json');
  writeFileSync(accounts, JSON.stringify(probedAccounts()));
  stack = await startStack({ fixtures: { accounts } });
  browser = await launch({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.adminUrl });
  ({ page, seen } = await openPreview(browser.context, stack.adminUrl));
  await page.click('#tab-paste');
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Pastes `doc` (an object, or text as is), renders and validates it. */
async function paste(doc) {
  await page.fill('#paste-input', typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  await settle(page, '#paste-status', () => page.click('#paste-check'));
  const violations = await page.$$eval('#violations li', (items) => items.map((li) => [li.getAttribute('data-path'), li.textContent]));
  return { status: await page.textContent('#paste-status'), violations };
}

test('a valid response renders and is reported valid', async () => {
  const { status, violations } = await paste({
    cards: [
      {
        key: 'plan',
        timeToLiveSeconds: 60,
        components: [
          { componentText: { text: 'Plan is **Pro**, _renews_ soon: [details](https://example.com/plan)', textSize: 'M' } },
          { componentSpacer: { spacerSize: 'L' } },
          { componentRow: { rowMainContent: [{ componentPlainText: { plainText: 'Seats' } }], rowAsideContent: [{ componentBadge: { badgeLabel: '4 of 10', badgeColor: 'YELLOW' } }] } },
          { componentWorkflowButton: { workflowButtonLabel: 'Refund', workflowButtonWorkflowIdentifier: { workflowKey: 'refund-last-invoice' } } },
        ],
      },
    ],
  });
  assert.equal(status, "Valid: follows Plain's card rules.");
  assert.deepEqual(violations, []);
  const card = page.locator('#paste-result .sidebar-card[data-key="plan"]');
  assert.equal(await card.locator('.c-text strong').textContent(), 'Pro');
  assert.equal(await card.locator('.c-text em').textContent(), 'renews');
  const link = card.locator('.c-text a.md-link');
  assert.equal(await link.getAttribute('href'), 'https://example.com/plan');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match((await card.locator('.c-spacer').getAttribute('class')) || '', /space-L/);
  assert.match((await card.locator('.c-badge').getAttribute('class')) || '', /badge-YELLOW/);
  await card.locator('button.c-workflow-button').click();
  assert.equal(await card.locator('.c-workflow-note').textContent(), 'Runs workflow key refund-last-invoice (not run from the preview)');
});

test('DateTime is shown in the viewer\'s time zone and User as a chip with its identifier', async () => {
  await paste({
    cards: [
      {
        key: 'owner',
        components: [
          { componentDateTime: { dateTimeIso8601: '2026-06-12T07:30:00Z' } },
          { componentUser: { userIdentifier: { emailAddress: 'owner@example.com' } } },
          { componentRow: { rowMainContent: [{ componentUser: { userIdentifier: { userId: 'u_01H8' } } }], rowAsideContent: [{ componentDateTime: { dateTimeIso8601: '2026-01-01T00:00:00+01:00' } }] } },
          // Plain's inline markers inside a Text.
          { componentText: { text: 'Assigned to {{componentUser:userIdentifier.userId="u_inline"}} on {{componentDateTime:dateTimeIso8601="2026-03-01T12:00:00Z"}}.' } },
        ],
      },
    ],
  });
  const card = page.locator('#paste-result .sidebar-card[data-key="owner"]');
  const time = card.locator('time.c-datetime').first();
  assert.equal(await time.getAttribute('datetime'), '2026-06-12T07:30:00Z');
  // 07:30 UTC is 16:30 in Tokyo (the browser's time zone here).
  assert.match((await time.textContent()) || '', /12 Jun 2026.*16:30/);
  assert.match((await card.locator('time.c-datetime').nth(1).textContent()) || '', /1 Jan 2026.*08:00/);
  assert.equal(await card.locator('.c-user .c-user-id').first().textContent(), 'owner@example.com');
  assert.equal(await card.locator('.c-row .c-user .c-user-id').textContent(), 'u_01H8');
  const inline = card.locator('.c-text').last();
  assert.equal(await inline.locator('.c-user .c-user-id').textContent(), 'u_inline');
  assert.equal(await inline.locator('time').getAttribute('datetime'), '2026-03-01T12:00:00Z');
  assert.match((await inline.textContent()) || '', /^Assigned to Uu_inline on 1 Mar 2026, 21:00 .*\.$/);
});

test('an invalid card shows its violations with their JSON paths', async () => {
  const { status, violations } = await paste({
    cards: [
      {
        key: 'bad key',
        timeToLiveSeconds: -5,
        components: [
          { componentBadge: { badgeLabel: 'x', badgeColor: 'PINK' } },
          { componentLinkButton: { linkButtonLabel: 'Open', linkButtonUrl: 'ftp://example.com/file' } },
          { componentContainer: { containerContent: [{ componentContainer: { containerContent: [] } }] } },
        ],
      },
    ],
  });
  assert.match(status || '', /violation\(s\) of Plain's rules/);
  const paths = violations.map(([path]) => path);
  for (const path of [
    'cards[0].key',
    'cards[0].timeToLiveSeconds',
    'cards[0].components[0].componentBadge.badgeColor',
    'cards[0].components[1].componentLinkButton.linkButtonUrl',
  ]) {
    assert.ok(paths.includes(path), `${path} in ${JSON.stringify(violations)}`);
  }
  assert.ok(paths.some((p) => p.startsWith('cards[0].components[2].componentContainer.containerContent[0]')), JSON.stringify(paths));
  assert.match(violations.find(([p]) => p.endsWith('badgeColor'))?.[1] || '', /GREY, GREEN, YELLOW, RED, BLUE; got "PINK"/);
  // The card is still drawn, as far as it can be.
  assert.ok(await page.locator('#paste-result .sidebar-card .c-badge', { hasText: 'x' }).isVisible());
});

test('text that is not JSON is one violation at $', async () => {
  const { violations } = await paste('{"cards": [');
  assert.equal(violations.length, 1);
  assert.equal(violations[0][0], '$');
  assert.match(violations[0][1], /not valid JSON/);
});

/** Fails unless nothing in `root` could run: no script, image, frame or handler attribute,
 * and every link an http(s) one. */
async function assertInert(root) {
  const found = await page.$eval(root, (node) => ({
    dangerous: node.querySelectorAll('script, img, iframe, object, embed, svg, style, link').length,
    handlers: [...node.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name)),
    hrefs: [...node.querySelectorAll('[href]')].map((a) => a.getAttribute('href')),
    text: node.textContent,
  }));
  assert.equal(found.dangerous, 0, 'no element from card data');
  assert.deepEqual(found.handlers, []);
  for (const href of found.hrefs) assert.match(href || '', /^https?:\/\//);
  return found.text || '';
}

test('XSS probes in every string field of all twelve components, pasted, stay inert text', async () => {
  const doc = everyStringProbed();
  const { violations } = await paste(doc);
  // javascript: URLs are rejected by the validator, at their paths.
  assert.ok(violations.some(([p]) => p === 'cards[0].components[3].componentLinkButton.linkButtonUrl'), JSON.stringify(violations));
  const text = await assertInert('#paste-result');
  for (const probe of [PROBES.script, PROBES.img]) assert.ok(text.includes(probe), `shown as text: ${probe}`);
  // Press every button, hover every blocked link: still nothing runs.
  for (const button of await page.locator('#paste-result button').all()) await button.click();
  for (const blocked of await page.locator('#paste-result .md-link-blocked, #paste-result .c-button-blocked').all()) await blocked.hover();
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__xss), undefined, 'no probe ran');
  assert.deepEqual(seen, { dialogs: [], errors: [] });
});

test('XSS probes that come from a card service stay inert text', async () => {
  await page.click('#tab-customer');
  await page.fill('[name="email"]', '');
  await page.fill('[name="externalId"]', 'cus_xss');
  await page.fill('[name="customerId"]', 'c_xss');
  await loadCards(page);
  const card = page.locator('#result .sidebar-card[data-key="customer-details"]');
  assert.ok(await card.isVisible());
  const text = await assertInert('#result');
  assert.ok(text.includes(PROBES.script), 'the name is shown as text');
  assert.ok(text.includes(PROBES.img), 'the company is shown as text');
  for (const button of await page.locator('#result .sidebar-card button').all()) await button.click();
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__xss), undefined, 'no probe ran');
  assert.deepEqual(seen, { dialogs: [], errors: [] });
});
