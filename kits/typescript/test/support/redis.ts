/**
 * A throwaway `redis-server` as a child process (no persistence, loopback only, a free
 * port), for the gateway's shared cache in tests; and inline commands to it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";

import { freePort, waitFor } from "./gateway.js";

/** The redis-server binary: CARDMESH_REDIS_SERVER_BIN, default `redis-server` on the PATH. */
export const REDIS_SERVER_BIN = process.env.CARDMESH_REDIS_SERVER_BIN || "redis-server";

/** A running redis-server. */
export class Redis {
  readonly output: string[] = [];
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  /** `redis://127.0.0.1:<port>/0`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts redis-server on a free port and waits until it answers PING. */
  static async start(): Promise<Redis> {
    const port = await freePort();
    const child = spawn(REDIS_SERVER_BIN, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const spawned = new Promise<Error | undefined>((resolve) => {
      child.once("spawn", () => resolve(undefined));
      child.once("error", resolve);
    });
    const failed = await spawned;
    if (failed !== undefined) throw new Error(`cannot start ${REDIS_SERVER_BIN} (install redis-server or set CARDMESH_REDIS_SERVER_BIN): ${failed.message}`);
    const redis = new Redis(port, child);
    try {
      await waitFor("redis-server to answer PING", 10_000, async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${redis.output.join("")}`);
        return (await redis.command("PING")) === "+PONG" || undefined;
      });
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  /** Sends one inline command (`DBSIZE`, `PING`) and resolves to the first line of the reply. */
  command(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, "127.0.0.1", () => socket.write(`${text}\r\n`));
      let reply = "";
      socket.setTimeout(2_000, () => socket.destroy(new Error(`redis ${text}: no reply`)));
      socket.on("data", (chunk: Buffer) => {
        reply += chunk.toString();
        const end = reply.indexOf("\r\n");
        if (end >= 0) {
          socket.end();
          resolve(reply.slice(0, end));
        }
      });
      socket.on("error", reject);
    });
  }

  /** Stops redis-server (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }
}
