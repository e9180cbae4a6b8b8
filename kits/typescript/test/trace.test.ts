/**
 * One Plain request is one trace across the real gateway and a kit service process, both
 * exporting over OTLP/gRPC (the standard OTEL_* variables) to a receiver in this test: the
 * service's `card_service_request` span is a child of the gateway's `card_service_call`, and
 * the service's log line of the call carries that trace id.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { Gateway, body, freePort, waitFor } from "./support/gateway.js";
import { OtlpReceiver } from "./support/otlp.js";

const PROBE = fileURLToPath(new URL("./support/probe-service.js", import.meta.url));

test("the service's span joins the gateway's trace from traceparent", async () => {
  const receiver = await OtlpReceiver.start();
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`, OTEL_BSP_SCHEDULE_DELAY: "100" };
  const port = await freePort();
  const lines: string[] = [];
  const probe = spawn(process.execPath, [PROBE], {
    env: { PATH: process.env.PATH ?? "", CARDMESH_SERVICE_LISTEN: `127.0.0.1:${port}`, CARDMESH_LOG_LEVEL: "debug", OTEL_SERVICE_NAME: "probe-ts", ...otel },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let partial = "";
  probe.stdout.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  const exited = new Promise((resolve) => probe.once("exit", resolve));
  let gateway: Gateway | undefined;
  try {
    await waitFor("the probe to listen", 10_000, () => lines.some((l) => l.includes('"card service listening"')) || undefined);
    assert.ok(lines.some((l) => l.includes(`"tracing":"http://127.0.0.1:${receiver.port}"`)), lines.join("\n"));
    gateway = await Gateway.start([`http://127.0.0.1:${port}`], { CARDMESH_CACHE: "false", ...otel });
    const answer = await gateway.post(body(["slow"], {}));
    assert.equal(answer.status, 200, JSON.stringify(answer.json));

    const [call, served] = await waitFor("both processes' spans", 20_000, () => {
      const served = receiver.spans.find((s) => s.name === "card_service_request");
      const call = served && receiver.spans.find((s) => s.name === "card_service_call" && s.traceId === served.traceId);
      return call && served ? ([call, served] as const) : undefined;
    });
    assert.equal(served.service, "probe-ts");
    assert.equal(call.service, "cardmesh-gateway");
    assert.equal(served.parentSpanId, call.spanId, "the service's span is a child of the gateway's call span");
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === "answered GetCards");
    assert.equal(logged?.trace_id, served.traceId, lines.join("\n"));
  } finally {
    await gateway?.stop();
    probe.kill("SIGTERM");
    await exited;
    receiver.stop();
  }
});
