// XSS probes: markup and URLs that would set `window.__xss` and open a dialog if the page
// ever turned card data into HTML or followed a `javascript:` link.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './stack.js';

export const PROBES = {
  script: `<script>window.__xss='script';alert('script')</script>`,
  img: `<img src=x onerror="window.__xss='img';alert('img')">`,
  href: `javascript:window.__xss='href';alert('href')`,
};

/** One string carrying every probe. */
const ALL = `${PROBES.script} ${PROBES.img} ${PROBES.href}`;

/** Markdown that tries links, emphasis and raw HTML at once. */
const MARKDOWN = `**${PROBES.script}** _${PROBES.img}_ [click](${PROBES.href}) [data](data:text/html,<script>alert(1)</script>) [ok](https://example.com/"><img src=x onerror=alert(1)>)`;

/** A response whose every string field, in all twelve components, is a probe. */
export function everyStringProbed() {
  const leaves = [
    { componentText: { text: MARKDOWN, textSize: ALL, textColor: ALL } },
    { componentPlainText: { plainText: ALL, plainTextSize: ALL, plainTextColor: ALL } },
    { componentBadge: { badgeLabel: ALL, badgeColor: ALL } },
    { componentLinkButton: { linkButtonLabel: ALL, linkButtonUrl: PROBES.href } },
    { componentCopyButton: { copyButtonValue: ALL, copyButtonTooltipLabel: ALL } },
    { componentDivider: { dividerSpacingSize: ALL } },
    { componentSpacer: { spacerSize: ALL } },
    { componentWorkflowButton: { workflowButtonLabel: ALL, workflowButtonWorkflowIdentifier: { workflowId: ALL } } },
    { componentWorkflowButton: { workflowButtonLabel: ALL, workflowButtonWorkflowIdentifier: { workflowKey: ALL } } },
    { componentDateTime: { dateTimeIso8601: ALL } },
    { componentUser: { userIdentifier: { userId: ALL } } },
    { componentUser: { userIdentifier: { emailAddress: ALL } } },
    { componentUser: { userIdentifier: { machineUserId: ALL } } },
    // Deprecated aliases Plain still accepts.
    { componentLinkButton: { label: ALL, url: PROBES.href } },
    { componentText: { text: ALL, size: ALL, color: ALL } },
  ];
  return {
    cards: [
      {
        key: 'probes',
        components: [
          ...leaves,
          { componentRow: { rowMainContent: leaves, rowAsideContent: leaves } },
          { componentContainer: { containerContent: [...leaves, { componentRow: { rowMainContent: leaves, rowAsideContent: leaves } }] } },
        ],
      },
      { key: ALL, components: [{ componentText: { text: MARKDOWN } }] },
    ],
  };
}

/** The accounts example fixture plus customer `cus_xss`, whose every value is a probe. */
export function probedAccounts() {
  const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'services/accounts/fixtures/accounts.json'), 'utf8'));
  fixture.customers.push({
    externalId: 'cus_xss',
    account: {
      accountId: `acc_${PROBES.img}`,
      name: PROBES.script,
      company: PROBES.img,
      tier: 'pro',
      // The service checks its fixture's cards at load: a date that is not RFC 3339 is refused.
      signupDate: '2026-03-01T09:30:00Z',
      adminUrl: `https://admin.example.com/"><img src=x onerror="window.__xss='url'">`,
    },
  });
  return fixture;
}
