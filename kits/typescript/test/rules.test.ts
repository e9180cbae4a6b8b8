/** The packaged catalogue is the repository's, and the validator agrees with the shared
 * fixtures of rules/fixtures/ (which the Rust and Python sides run too). */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { CATALOGUE_FILE } from "../src/catalogue.js";
import { toComponents } from "../src/convert.js";
import { isDateTime, isUrl, validateComponents } from "../src/validate.js";
import { RULES_DIR } from "./paths.js";

interface Fixture {
  name: string;
  components: unknown;
  violations: { path: string; rule: string }[];
  warnings?: { path: string; rule: string }[];
}

function fixtures(kind: "valid" | "invalid"): [string, Fixture][] {
  const dir = join(RULES_DIR, "fixtures", kind);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => [`${kind}/${file}`, JSON.parse(readFileSync(join(dir, file), "utf8")) as Fixture]);
}

const pairs = (list: { path: string; rule: string }[] = []) => list.map(({ path, rule }) => `${path} ${rule}`).sort();

test("the packaged catalogue equals rules/catalogue.json byte for byte", () => {
  const source = readFileSync(join(RULES_DIR, "catalogue.json"));
  const copy = readFileSync(CATALOGUE_FILE);
  assert.ok(source.equals(copy), `${CATALOGUE_FILE} differs from ${join(RULES_DIR, "catalogue.json")}: run \`npm run build\``);
});

test("there are shared fixtures of both kinds", () => {
  assert.ok(fixtures("valid").length > 0 && fixtures("invalid").length > 0, `no fixtures in ${RULES_DIR}/fixtures`);
});

for (const kind of ["valid", "invalid"] as const) {
  for (const [file, fixture] of fixtures(kind)) {
    test(`fixture ${file}: ${fixture.name}`, () => {
      const report = validateComponents(fixture.components);
      assert.deepEqual(pairs(report.violations), pairs(fixture.violations), JSON.stringify(report.violations, null, 1));
      assert.deepEqual(pairs(report.warnings), pairs(fixture.warnings), JSON.stringify(report.warnings, null, 1));
      if (kind === "valid") {
        assert.equal(fixture.violations.length, 0, "a valid fixture lists no violations");
        assert.doesNotThrow(() => toComponents(fixture.components));
      } else {
        assert.ok(fixture.violations.length > 0, "an invalid fixture lists its violations");
        assert.throws(() => toComponents(fixture.components), (error: Error) => {
          assert.equal(error.name, "CardError");
          for (const violation of fixture.violations) assert.ok(error.message.includes(violation.path), error.message);
          return true;
        });
      }
    });
  }
}

test("date-times need a zone and real calendar values", () => {
  for (const good of ["2026-03-01T09:30:00Z", "2026-03-01T09:30:00.123+02:00", "2024-02-29T00:00:00-05:30"]) assert.ok(isDateTime(good), good);
  for (const bad of ["2026-03-01", "2026-03-01T09:30:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", "yesterday"]) {
    assert.ok(!isDateTime(bad), bad);
  }
});

test("URLs are absolute, with an allowed scheme and a host", () => {
  assert.ok(isUrl("https://example.com/a?b=c", ["http", "https"]));
  for (const bad of ["ftp://example.com", "https://", "/relative", "mailto:a@example.com", "javascript:alert(1)", " https://example.com"]) {
    assert.ok(!isUrl(bad, ["http", "https"]), bad);
  }
});

test("lengths count Unicode characters, not UTF-16 units", () => {
  const emoji = "😀".repeat(10_000);
  assert.deepEqual(validateComponents([{ componentText: { text: emoji } }]).violations, []);
  const over = validateComponents([{ componentText: { text: `${emoji}x` } }]).violations;
  assert.deepEqual(pairs(over), ["components[0].componentText.text maxChars"]);
});
