// The conformance cards, built with Plain's own builders (@team-plain/ui-components@5.0.0).
// tests/examples/conformance_cards.rs builds the same cards with the Rust kit; keep the two
// in the same order. Enum values come from rules/catalogue.json, in its order.

import { readFileSync } from "node:fs";
import { uiComponent as ui } from "@team-plain/ui-components";

const catalogue = JSON.parse(
  readFileSync(new URL("../../rules/catalogue.json", import.meta.url), "utf8"),
);
const values = (name) => catalogue.enums[name];

export const AT = "2026-03-01T09:30:00Z";

/** `{{component:path="value"}}`, the value a JSON string literal with `}` as `\u007d`. */
const marker = (key, path, value) =>
  `{{${key}:${path}=${JSON.stringify(value).replaceAll("}", "\\u007d")}}}`;

/** Every leaf builder with every enum value and every optional set and unset. */
export function everyLeaf() {
  const out = [ui.text({ text: "**Plan**: Pro" })];
  for (const size of values("TextSize")) {
    out.push(ui.text({ text: "sized", size }), ui.plainText({ text: "sized", size }));
  }
  for (const color of values("TextColor")) {
    out.push(ui.text({ text: "colored", color }), ui.plainText({ text: "colored", color }));
  }
  out.push(ui.plainText({ text: "cus_123 <no *markdown*>" }));
  out.push(ui.badge({ label: "plain" }));
  for (const color of values("BadgeColor")) out.push(ui.badge({ label: color, color }));
  out.push(
    ui.linkButton({
      label: "Open in Stripe",
      url: "https://dashboard.stripe.com/customers/cus_123",
    }),
  );
  out.push(ui.copyButton({ value: "cus_123" }));
  out.push(ui.copyButton({ value: "cus_123", tooltip: "Copy customer id" }));
  out.push(ui.divider({}));
  for (const size of values("SpacingSize")) {
    out.push(ui.divider({ spacingSize: size }), ui.spacer({ size }));
  }
  out.push(ui.workflowButton({ label: "Issue refund", workflowId: "wf_01H" }));
  out.push(ui.dateTime({ dateTimeIso8601: AT }));
  out.push(ui.user({ userIdentifier: { emailAddress: "owner@example.com" } }));
  out.push(ui.user({ userIdentifier: { userId: "u_01H" } }));
  const owner = marker("componentUser", "userIdentifier.userId", "u_01H");
  const since = marker("componentDateTime", "dateTimeIso8601", AT);
  out.push(ui.text({ text: `Owner ${owner} since ${since}` }));
  return out;
}

/** The ten leaves once each, as row or container entries. */
function leaves() {
  return [
    ui.text({ text: "t" }),
    ui.plainText({ text: "p" }),
    ui.badge({ label: "b" }),
    ui.linkButton({ label: "l", url: "https://example.com" }),
    ui.copyButton({ value: "c" }),
    ui.divider({}),
    ui.spacer({ size: "S" }),
    ui.workflowButton({ label: "w", workflowId: "wf_1" }),
    ui.dateTime({ dateTimeIso8601: AT }),
    ui.user({ userIdentifier: { emailAddress: "owner@example.com" } }),
  ];
}

/** Every allowed nesting: every leaf in both row columns and in a container, a row in a
 * container, an empty aside. */
export function everyNesting() {
  return [
    ui.row({ mainContent: leaves(), asideContent: leaves() }),
    ui.row({ mainContent: [ui.text({ text: "main only" })], asideContent: [] }),
    ui.container({
      content: [
        ...leaves(),
        ui.row({ mainContent: leaves(), asideContent: [ui.badge({ label: "aside" })] }),
      ],
    }),
  ];
}

/** The JSON Plain receives, with `null` and `undefined` members removed. */
export function withoutNulls(value) {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}
