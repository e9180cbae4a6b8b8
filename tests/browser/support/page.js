// Opening the preview page and reading what it shows.

import assert from 'node:assert/strict';

import { OPERATOR_TOKEN } from './stack.js';

/**
 * Opens `${adminUrl}/preview`, records every dialog, page error and console error, types the
 * operator token and waits until the discovered keys are listed.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} adminUrl
 */
export async function openPreview(context, adminUrl) {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  /** @type {{dialogs: string[], errors: string[]}} */
  const seen = { dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  await page.goto(`${adminUrl}/preview`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#operator-token', OPERATOR_TOKEN);
  await page.press('#operator-token', 'Tab');
  await page.waitForSelector('#card-keys input[name="cardKey"]');
  return { page, seen };
}

/**
 * Clicks `button` and waits until the status line reports the new answer.
 * @param {import('playwright-core').Page} page
 * @param {string} button `#load` or `#reload`
 */
export async function loadCards(page, button = '#load') {
  await settle(page, '#status', () => page.click(button));
  const status = await page.textContent('#status');
  assert.match(status || '', /^Loaded /, `the preview did not load: ${status}`);
}

/**
 * Runs `action`, then waits until the status line `selector` has left the `busy` state it
 * enters (any state it had before is cleared first).
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {() => Promise<unknown>} action
 */
export async function settle(page, selector, action) {
  await page.$eval(selector, (node) => node.removeAttribute('data-state'));
  await action();
  await page.waitForFunction((s) => {
    const state = document.querySelector(s)?.getAttribute('data-state');
    return state && state !== 'busy';
  }, selector);
}

/**
 * What the page shows for each card, by key: the source and reason labels, the sidebar
 * card's texts and the panel's details.
 * @param {import('playwright-core').Page} page
 */
export async function shownCards(page) {
  return page.$$eval('#result .result-item', (items) =>
    Object.fromEntries(
      items.map((item) => {
        const meta = item.querySelector('.meta');
        const details = Object.fromEntries(
          [...(meta?.querySelectorAll('dt') || [])].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]),
        );
        return [
          item.getAttribute('data-key'),
          {
            source: meta?.querySelector('.source')?.textContent,
            reason: meta?.querySelector('.reason')?.getAttribute('data-reason') || null,
            detail: meta?.querySelector('.detail')?.textContent || null,
            details,
            text: item.querySelector('.sidebar-card')?.textContent,
          },
        ];
      }),
    ),
  );
}
