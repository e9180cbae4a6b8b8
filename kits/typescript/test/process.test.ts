/** `serve()` as a process: settings from CARDMESH_SERVICE_* variables, TLS and mutual TLS,
 * graceful shutdown on SIGTERM, and start-up errors that name the variable. */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { credentials, status } from "@grpc/grpc-js";

import { CardServiceClient } from "../src/generated/cardmesh/v1/card_service.js";
import { freePort, waitFor } from "./support/gateway.js";
import { cardClient, checkHealth, getCards } from "../src/testing.js";

const PROBE = fileURLToPath(new URL("./support/probe-service.js", import.meta.url));
const customer = { id: "c_1", email: "ada@example.com" };

/** The probe service as a child process, its stdout collected line by line. */
function start(env: Record<string, string>): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [PROBE], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let buffer = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr?.on("data", (chunk: Buffer) => lines.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, exited };
}

const listening = (lines: string[]) => () => lines.some((l) => l.includes('"card service listening"')) || undefined;

test("SIGTERM lets the in-flight call finish, then the process exits 0", async () => {
  const port = await freePort();
  const probe = start({ CARDMESH_SERVICE_LISTEN: `127.0.0.1:${port}`, PROBE_DRAW_MS: "700" });
  await waitFor("the probe to listen", 10_000, listening(probe.lines));
  assert.equal(await checkHealth(port), "SERVING");
  const client = cardClient(port);
  const call = getCards(client, { cardKeys: ["slow"], customer });
  await waitFor("the call to be in flight", 5000, () => probe.lines.some((l) => l.includes('"drawing":"slow"')) || undefined);
  probe.child.kill("SIGTERM");
  const response = await call;
  assert.equal(response.results[0]?.outcome?.$case, "components");
  assert.equal(await probe.exited, 0);
  const text = probe.lines.join("\n");
  assert.match(text, /"shutdown signal received, draining in-flight calls".*"signal":"SIGTERM"/);
  assert.match(text, /"card service stopped"/);
  await assert.rejects(getCards(client, { cardKeys: ["slow"], customer }), (e: { code: number }) => e.code === status.UNAVAILABLE);
  client.close();
});

test("a bad setting stops the process with exit 1 and a line naming the variable", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ CARDMESH_SERVICE_LISTEN: "localhost" }, /CARDMESH_SERVICE_LISTEN=\\"localhost\\" is not an address like 0.0.0.0:50051/],
    [{ CARDMESH_SERVICE_LISTEN: "127.0.0.1:0", CARDMESH_SERVICE_METRICS_LISTEN: "9090" }, /CARDMESH_SERVICE_METRICS_LISTEN=\\"9090\\"/],
    [{ CARDMESH_SERVICE_LISTEN: "127.0.0.1:0", CARDMESH_SERVICE_TLS_CERT_FILE: "/c.pem" }, /CARDMESH_SERVICE_TLS_CERT_FILE and CARDMESH_SERVICE_TLS_KEY_FILE go together/],
    [{ CARDMESH_SERVICE_LISTEN: "127.0.0.1:0", CARDMESH_SERVICE_TLS_CLIENT_CA_FILE: "/ca.pem" }, /CARDMESH_SERVICE_TLS_CLIENT_CA_FILE needs TLS/],
    [{ CARDMESH_SERVICE_LISTEN: "127.0.0.1:0", CARDMESH_SERVICE_TLS_CERT_FILE: "/nonexistent/c.pem", CARDMESH_SERVICE_TLS_KEY_FILE: "/k" }, /cannot read \/nonexistent\/c.pem/],
  ];
  for (const [env, expected] of cases) {
    const probe = start(env);
    assert.equal(await probe.exited, 1, probe.lines.join("\n"));
    assert.match(probe.lines.join("\n"), expected);
    assert.match(probe.lines.join("\n"), /"level":"ERROR","message":"card service cannot start"/);
  }
});

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, via openssl. */
function pki(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "kit-tls-"));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=kit test CA"]);
  for (const [name, ext] of [["server", "subjectAltName=IP:127.0.0.1,DNS:localhost"], ["client", "extendedKeyUsage=clientAuth"]] as const) {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
    run(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "1", "-extfile", `${name}.ext`]);
  }
  return Object.fromEntries(["ca.pem", "server.pem", "server.key", "client.pem", "client.key"].map((f) => [f, join(dir, f)]));
}

test("TLS from CARDMESH_SERVICE_TLS_*; with a client CA, clients without a certificate are refused", async () => {
  const files = pki();
  const port = await freePort();
  const probe = start({
    CARDMESH_SERVICE_LISTEN: `127.0.0.1:${port}`,
    CARDMESH_SERVICE_TLS_CERT_FILE: files["server.pem"]!,
    CARDMESH_SERVICE_TLS_KEY_FILE: files["server.key"]!,
    CARDMESH_SERVICE_TLS_CLIENT_CA_FILE: files["ca.pem"]!,
  });
  await waitFor("the probe to listen", 10_000, listening(probe.lines));
  assert.match(probe.lines.join("\n"), /"tls":true,"mtls":true/);
  const ca = readFileSync(files["ca.pem"]!);
  const withCert = new CardServiceClient(`127.0.0.1:${port}`, credentials.createSsl(ca, readFileSync(files["client.key"]!), readFileSync(files["client.pem"]!)));
  const response = await getCards(withCert, { cardKeys: ["slow"], customer });
  assert.equal(response.results[0]?.outcome?.$case, "components");
  const withoutCert = new CardServiceClient(`127.0.0.1:${port}`, credentials.createSsl(ca));
  await assert.rejects(getCards(withoutCert, { cardKeys: ["slow"], customer }), (e: { code: number }) => e.code === status.UNAVAILABLE);
  withCert.close();
  withoutCert.close();
  probe.child.kill("SIGTERM");
  assert.equal(await probe.exited, 0);
});
