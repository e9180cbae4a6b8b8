// Starts the real gateway and the three example card services as processes on free
// 127.0.0.1 ports, waits until the gateway has learned every service's cards, and stops
// them again. Binaries come from target/debug unless CARDMESH_GATEWAY_BIN /
// CARDMESH_SERVICE_BIN_DIR say otherwise.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { waitFor } from './wait.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The operator token: the preview page and its JSON endpoints. */
export const OPERATOR_TOKEN = 'browser-test-operator-token-0123456789abcdef';
/** The card services' token: POST /admin/invalidate only. */
export const SERVICE_TOKEN = 'browser-test-service-token-0123456789abcdef';
const SIGNING_SECRET = 'browser-test-signing-secret';
/** The workspace the preview page names by default (its form's `workspaceId`). */
const WORKSPACE = 'w_demo';

/** The gateway binary (default: target/debug/cardmesh-gateway). */
const GATEWAY_BIN = resolve(REPO_ROOT, process.env.CARDMESH_GATEWAY_BIN || 'target/debug/cardmesh-gateway');
/** Where `<name>-service` binaries are (default: target/debug). */
const SERVICE_BIN_DIR = resolve(REPO_ROOT, process.env.CARDMESH_SERVICE_BIN_DIR || 'target/debug');
/** Where each process's output goes. */
export const LOG_DIR = resolve(REPO_ROOT, 'target/browser/logs');

/** A port nothing listens on right now. */
async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => ok(port));
    });
  });
}

/** True once something accepts connections on `port`. */
async function listening(port) {
  return new Promise((ok) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** A process started by the stack, with its output in LOG_DIR/<name>.log. */
class Proc {
  constructor(name, binary, env) {
    mkdirSync(LOG_DIR, { recursive: true });
    this.name = name;
    this.logFile = join(LOG_DIR, `${name}.log`);
    const log = createWriteStream(this.logFile);
    this.child = spawn(binary, [], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.pipe(log);
    this.child.stderr.pipe(log);
    this.exited = new Promise((ok) => this.child.once('exit', (code, signal) => ok({ code, signal })));
    this.child.once('error', (e) => log.write(`cannot start ${binary}: ${e.message}\n`));
  }

  /** The last lines the process wrote, for failure messages. */
  tail() {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The running stack: `adminUrl` (where /preview lives), `plainUrl` (Plain's endpoint),
 * `services` by name, and `stop()`. `fixtures` maps a service name to the fixture file it
 * reads instead of its embedded one (CARDMESH_FIXTURES).
 * @param {{fixtures?: Record<string, string>}} [options]
 */
export async function startStack({ fixtures = {} } = {}) {
  const services = {};
  const endpoints = [];
  for (const name of ['billing', 'usage', 'accounts']) {
    const port = await freePort();
    const proc = new Proc(`${name}-service`, join(SERVICE_BIN_DIR, `${name}-service`), {
      CARDMESH_SERVICE_LISTEN: `127.0.0.1:${port}`,
      ...(fixtures[name] ? { CARDMESH_FIXTURES: fixtures[name] } : {}),
    });
    services[name] = { proc, port };
    endpoints.push(`http://127.0.0.1:${port}`);
  }
  for (const [name, { proc, port }] of Object.entries(services)) {
    await waitFor(`${name} listening on ${port}\n${proc.tail()}`, () => listening(port), 30_000);
  }
  const plainPort = await freePort();
  const adminPort = await freePort();
  const gateway = new Proc('cardmesh-gateway', GATEWAY_BIN, {
    CARDMESH_LISTEN: `127.0.0.1:${plainPort}`,
    CARDMESH_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    CARDMESH_OPERATOR_TOKEN: OPERATOR_TOKEN,
    CARDMESH_SERVICE_TOKEN: SERVICE_TOKEN,
    CARDMESH_SIGNING_SECRETS: SIGNING_SECRET,
    CARDMESH_SERVICES: endpoints.join(','),
    RUST_LOG: 'info',
  });
  const plainUrl = `http://127.0.0.1:${plainPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitFor(
    `the gateway ready on ${plainUrl}\n${gateway.tail()}`,
    async () => {
      try {
        return (await fetch(`${plainUrl}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    30_000,
  );
  return {
    plainUrl,
    adminUrl,
    services,
    gateway,
    /** The name the gateway knows service `name` by: its configured endpoint's host:port. */
    serviceName: (name) => `127.0.0.1:${services[name].port}`,
    /**
     * Asks for `keys` of the demo customer as Plain does (signed, from the page's default
     * workspace), so that the answer's cards are cached: the preview never stores a card.
     * @param {string[]} keys
     */
    async plainRequest(keys) {
      const body = JSON.stringify({
        cardKeys: keys,
        customer: { id: 'c_demo', email: 'ada@example.com', externalId: 'cus_demo_1' },
        thread: null,
      });
      const signature = createHmac('sha256', SIGNING_SECRET).update(body).digest('hex');
      const response = await fetch(`${plainUrl}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Plain-Workspace-Id': WORKSPACE, 'Plain-Request-Signature': signature },
        body,
      });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      return JSON.parse(text);
    },
    async stop() {
      await Promise.all([gateway.stop(), ...Object.values(services).map((s) => s.proc.stop())]);
    },
  };
}
