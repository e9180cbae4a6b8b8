/**
 * The real cardmesh gateway binary as a child process, for tests over real sockets: started
 * with `CARDMESH_SERVICES` pointing at the services under test, waited for until `/readyz`
 * answers 200 (every service described its cards), and signed requests to it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

import { GATEWAY_BIN } from "../paths.js";

/** The signing secret of the test gateway. */
export const SECRET = "kit-test-secret";

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Polls `condition` every 50 ms until it holds; throws naming `what` after `deadlineMs`. */
export async function waitFor<T>(what: string, deadlineMs: number, condition: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A Plain answer: status and parsed body. */
export interface Answer {
  status: number;
  json: { cards?: { key: string; components: unknown; timeToLiveSeconds?: number }[] } & Record<string, unknown>;
  headers: Headers;
}

/** A running gateway. */
export class Gateway {
  readonly output: string[] = [];
  private constructor(
    readonly url: string,
    /** The admin listener (`/metrics`, `POST /admin/invalidate`). */
    readonly adminUrl: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  /** Starts the gateway in front of `services` (gRPC endpoints) and waits until it is ready. */
  static async start(services: string[], env: Record<string, string> = {}): Promise<Gateway> {
    if (!existsSync(GATEWAY_BIN)) {
      throw new Error(`gateway binary ${GATEWAY_BIN} missing: run \`cargo build -p cardmesh-gateway\` or set CARDMESH_GATEWAY_BIN`);
    }
    const [port, admin] = [await freePort(), await freePort()];
    const child = spawn(GATEWAY_BIN, ["serve"], {
      env: {
        PATH: process.env.PATH ?? "",
        CARDMESH_LISTEN: `127.0.0.1:${port}`,
        CARDMESH_ADMIN_LISTEN: `127.0.0.1:${admin}`,
        CARDMESH_SERVICES: services.join(","),
        CARDMESH_SIGNING_SECRETS: SECRET,
        CARDMESH_SERVICE_DEADLINE: "1s",
        RUST_LOG: "info",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const gateway = new Gateway(`http://127.0.0.1:${port}`, `http://127.0.0.1:${admin}`, child);
    try {
      await waitFor("the gateway's /readyz", 20_000, async () => {
        if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${gateway.output.join("")}`);
        const response = await fetch(`${gateway.url}/readyz`);
        return response.status === 200 || undefined;
      });
    } catch (error) {
      await gateway.stop();
      throw new Error(`${(error as Error).message}\n${gateway.output.join("")}`);
    }
    return gateway;
  }

  /** POSTs `body` with a valid signature. */
  async post(body: string): Promise<Answer> {
    const signature = createHmac("sha256", SECRET).update(body).digest("hex");
    const response = await fetch(`${this.url}/`, {
      method: "POST",
      headers: { "content-type": "application/json", "plain-request-signature": signature, "plain-workspace-id": "w_test" },
      body,
    });
    return { status: response.status, json: (await response.json()) as Answer["json"], headers: response.headers };
  }

  /** Stops the gateway (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }
}

/** A Plain request body for `keys` and one customer. */
export function body(keys: string[], customer: { id?: string; email?: string | null; externalId?: string | null }): string {
  return JSON.stringify({
    cardKeys: keys,
    customer: { id: customer.id ?? "c_test_1", email: customer.email === undefined ? "ada@example.com" : customer.email, externalId: customer.externalId ?? null },
    thread: null,
  });
}

/** The card `key` of an answer. */
export function cardOf(answer: Answer, key: string): { key: string; components: unknown; timeToLiveSeconds?: number } {
  const card = answer.json.cards?.find((c) => c.key === key);
  if (card === undefined) throw new Error(`no card ${key} in ${JSON.stringify(answer.json)}`);
  return card;
}

/** Whether `card` is the gateway's fallback card. */
export function isFallback(card: { components: unknown }): boolean {
  const first = (card.components as { componentText?: { text?: string; textColor?: string } }[] | null)?.[0]?.componentText;
  return first?.textColor === "MUTED" && (first.text ?? "").includes("temporarily unavailable");
}
