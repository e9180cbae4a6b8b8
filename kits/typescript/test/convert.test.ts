/** Plain's builders -> proto components, for all twelve components and the nesting levels. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { uiComponent } from "@team-plain/ui-components";

import { CardError, toComponents } from "../src/convert.js";
import { Component } from "../src/generated/cardmesh/v1/components.js";
import { allTwelve } from "./support/components.js";

test("all twelve components convert to the matching proto oneof cases", () => {
  const { components, warnings } = toComponents(allTwelve());
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    components.map((c) => c.component?.$case),
    ["text", "plainText", "badge", "linkButton", "copyButton", "divider", "spacer", "workflowButton", "dateTime", "user", "row", "container"],
  );
  const json = components.map((c) => Component.toJSON(c));
  assert.deepEqual(json[0], { text: { text: "**Pro** plan", textSize: "TEXT_SIZE_L", textColor: "TEXT_COLOR_SUCCESS" } });
  assert.deepEqual(json[2], { badge: { badgeLabel: "Paid", badgeColor: "BADGE_COLOR_GREEN" } });
  assert.deepEqual(json[4], { copyButton: { copyButtonValue: "ORD-1", copyButtonTooltipLabel: "Copy order number" } });
  assert.deepEqual(json[6], { spacer: { spacerSize: "SPACING_SIZE_XS" } });
  assert.deepEqual(json[7], { workflowButton: { workflowButtonLabel: "Refund", workflowId: "wf_1" } });
  assert.deepEqual(json[8], { dateTime: { dateTimeIso8601: "2026-03-01T09:30:00Z" } });
  assert.deepEqual(json[9], { user: { userId: "u_1" } });
  const row = components[10]?.component;
  assert.ok(row?.$case === "row");
  assert.deepEqual(row.row.rowMainContent.map((c) => c.content?.$case), ["text", "dateTime"]);
  assert.deepEqual(row.row.rowAsideContent.map((c) => c.content?.$case), ["badge", "user"]);
  const container = components[11]?.component;
  assert.ok(container?.$case === "container");
  assert.equal(container.container.containerContent.length, 11);
  assert.equal(container.container.containerContent[10]?.content?.$case, "row");
});

test("absent optional fields stay unset and deprecated aliases are normalised", () => {
  const { components, warnings } = toComponents([
    uiComponent.text({ text: "plain" }),
    uiComponent.copyButton({ value: "v" }),
    { componentText: { text: "old", size: "S", color: "ERROR" } },
  ]);
  assert.deepEqual(Component.toJSON(components[0]!), { text: { text: "plain" } });
  assert.deepEqual(Component.toJSON(components[1]!), { copyButton: { copyButtonValue: "v" } });
  assert.deepEqual(Component.toJSON(components[2]!), { text: { text: "old", textSize: "TEXT_SIZE_S", textColor: "TEXT_COLOR_ERROR" } });
  assert.deepEqual(warnings.map((w) => `${w.path} ${w.rule}`), ["components[2].componentText.size deprecated", "components[2].componentText.color deprecated"]);
});

test("what Plain refuses is a CardError naming the JSON path", () => {
  const nested = uiComponent.container({ content: [uiComponent.container({ content: [uiComponent.text({ text: "x" })] })] as never });
  const cases: [unknown[], string, string][] = [
    [[nested], "components[0].componentContainer.containerContent[0].componentContainer", "nesting"],
    [[uiComponent.text({ text: "" })], "components[0].componentText.text", "minChars"],
    [[uiComponent.linkButton({ label: "x", url: "notaurl" })], "components[0].componentLinkButton.linkButtonUrl", "url"],
    [[uiComponent.badge({ label: "x", color: "PINK" as never })], "components[0].componentBadge.badgeColor", "enum"],
    [[uiComponent.spacer({} as never)], "components[0].componentSpacer.spacerSize", "required"],
    [[uiComponent.row({ mainContent: [], asideContent: [uiComponent.text({ text: "a" })] })], "components[0].componentRow.rowMainContent", "minItems"],
    [[uiComponent.dateTime({ dateTimeIso8601: "tomorrow" })], "components[0].componentDateTime.dateTimeIso8601", "dateTime"],
  ];
  for (const [components, path, rule] of cases) {
    assert.throws(() => toComponents(components), (error: unknown) => {
      assert.ok(error instanceof CardError);
      assert.ok(error.violations.some((v) => v.path === path && v.rule === rule), JSON.stringify(error.violations));
      assert.ok(error.message.includes(path), error.message);
      return true;
    });
  }
});
