/**
 * The contract guard (scripts/buf-check.sh, as `.ci/run` runs it) in a scratch git repository
 * holding this repository's buf.yaml, script and proto/: a compatible change passes, while
 * renumbering or retyping a field fails with a message naming the field.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { PACKAGE_ROOT, REPO_ROOT } from "./paths.js";

const BUF = join(PACKAGE_ROOT, "node_modules/.bin/buf");
const SERVICE_PROTO = "proto/proto/cardmesh/v1/card_service.proto";

/** A scratch repository with one commit of the real contract. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "buf-check-"));
  mkdirSync(join(dir, "scripts"));
  cpSync(join(REPO_ROOT, "buf.yaml"), join(dir, "buf.yaml"));
  cpSync(join(REPO_ROOT, "scripts/buf-check.sh"), join(dir, "scripts/buf-check.sh"));
  cpSync(join(REPO_ROOT, "proto/proto"), join(dir, "proto/proto"), { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "contract");
  return dir;
}

function git(dir: string, ...args: string[]): void {
  const run = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@invalid", ...args], { cwd: dir, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
}

/** Edits the service proto with `edit`, commits, runs the check: exit code and output. */
function changeAndCheck(dir: string, edit: (text: string) => string): { status: number | null; output: string } {
  const file = join(dir, SERVICE_PROTO);
  const before = readFileSync(file, "utf8");
  const after = edit(before);
  assert.notEqual(after, before, "the edit changed the proto");
  writeFileSync(file, after);
  git(dir, "commit", "-qam", "change");
  const run = spawnSync("bash", ["scripts/buf-check.sh"], { cwd: dir, encoding: "utf8", env: { ...process.env, CARDMESH_BUF: BUF } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test("a compatible change (a new field with a new number) passes", () => {
  const dir = scratch();
  const { status, output } = changeAndCheck(dir, (t) => t.replace("  optional string external_id = 3;\n}", "  optional string external_id = 3;\n  optional string name = 4;\n}"));
  assert.equal(status, 0, output);
  assert.match(output, /buf breaking \(WIRE_JSON\) against HEAD~1/);
  rmSync(dir, { recursive: true, force: true });
});

test("renumbering a field fails, naming the field", () => {
  const dir = scratch();
  const { status, output } = changeAndCheck(dir, (t) => t.replace("optional string email = 2;", "optional string email = 7;"));
  assert.notEqual(status, 0, output);
  assert.match(output, /"email"/);
  assert.match(output, /Customer/);
  assert.match(output, /breaks the cardmesh\.v1 wire or JSON contract/);
  rmSync(dir, { recursive: true, force: true });
});

test("retyping a field fails, naming the field", () => {
  const dir = scratch();
  const { status, output } = changeAndCheck(dir, (t) => t.replace("uint32 default_ttl_seconds = 3;", "string default_ttl_seconds = 3;"));
  assert.notEqual(status, 0, output);
  assert.match(output, /default_ttl_seconds/);
  assert.match(output, /type/);
  rmSync(dir, { recursive: true, force: true });
});
