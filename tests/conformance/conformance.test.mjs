// Conformance against Plain's own code: cards built with @team-plain/ui-components@5.0.0
// (every builder, every enum value, every allowed nesting, unset optionals as nulls) are
// accepted by cardmesh's validator (`cardmesh-gateway validate --format json`), and the
// same trees built with the Rust kit render to the same JSON once nulls are removed.
//
// Binaries (built by run.sh): CARDMESH_GATEWAY (default target/debug/cardmesh-gateway) and
// CARDMESH_CONFORMANCE_CARDS (default target/debug/examples/conformance_cards).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

import { everyLeaf, everyNesting, withoutNulls } from "./cards.mjs";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const gateway = process.env.CARDMESH_GATEWAY ?? resolve(root, "target/debug/cardmesh-gateway");
const kitCards =
  process.env.CARDMESH_CONFORMANCE_CARDS ??
  resolve(root, "target/debug/examples/conformance_cards");

/** Runs `cardmesh-gateway validate --format json` on `doc`; returns exit code and report. */
function validate(doc, args = []) {
  const run = spawnSync(gateway, ["validate", "--format", "json", ...args], {
    input: JSON.stringify(doc),
    encoding: "utf8",
  });
  assert.equal(run.error, undefined, `cannot run ${gateway}: ${run.error}`);
  return { code: run.status, report: JSON.parse(run.stdout) };
}

const cards = () => ({
  cards: [
    { key: "every-leaf", timeToLiveSeconds: null, components: everyLeaf() },
    { key: "every-nesting", timeToLiveSeconds: 60, components: everyNesting() },
    { key: "no-data", components: null },
  ],
});

test("Plain's builders emit nulls for unset optionals (what the validator must accept)", () => {
  const [text] = everyLeaf();
  assert.deepEqual(text, { componentText: { text: "**Plan**: Pro", textColor: null, textSize: null } });
});

test("the validator accepts every card Plain's builders produce", () => {
  const { code, report } = validate(cards(), ["--keys", "every-leaf,every-nesting,no-data", "--strict"]);
  assert.deepEqual(report.violations, []);
  assert.deepEqual(report.warnings, []);
  assert.equal(report.valid, true);
  assert.equal(code, 0);
});

test("the validator accepts every deprecated alias of Plain's schema, as warnings", () => {
  const doc = {
    cards: [
      {
        key: "aliases",
        components: [
          { componentText: { text: "x", size: "L", color: "MUTED" } },
          { componentDivider: { spacingSize: "M" } },
          { componentSpacer: { size: "S" } },
          { componentLinkButton: { label: "Open", url: "https://example.com" } },
        ],
      },
    ],
  };
  const { code, report } = validate(doc);
  assert.equal(code, 0);
  assert.deepEqual(report.violations, []);
  assert.deepEqual(
    report.warnings.map((w) => w.rule),
    Array(6).fill("deprecated"),
  );
  assert.equal(validate(doc, ["--strict"]).code, 1);
});

test("the validator still refuses a rule break from Plain's builders, naming the path", () => {
  const { code, report } = validate({
    cards: [{ key: "bad", components: [ { componentText: { text: "", textColor: null, textSize: null } } ] }],
  });
  assert.equal(code, 1);
  assert.deepEqual(
    report.violations.map((v) => [v.path, v.rule]),
    [["cards[0].components[0].componentText.text", "minChars"]],
  );
});

test("the Rust kit renders the same trees as Plain's builders, nulls removed", () => {
  const kit = JSON.parse(execFileSync(kitCards, { encoding: "utf8" }));
  assert.deepEqual(kit.everyLeaf, withoutNulls(everyLeaf()));
  assert.deepEqual(kit.everyNesting, withoutNulls(everyNesting()));
});
