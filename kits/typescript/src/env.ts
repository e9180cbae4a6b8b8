/**
 * The environment of a card service: the same `CARDMESH_SERVICE_*` variables as the Rust kit
 * (kits/rust/src/serve.rs, tls.rs). An empty value counts as unset. Errors name the
 * variable and say how to fix it.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";

/** The address to listen on (default {@link DEFAULT_LISTEN}). */
export const LISTEN_ENV = "CARDMESH_SERVICE_LISTEN";
export const DEFAULT_LISTEN = "0.0.0.0:50051";
/** The address of the metrics listener (`GET /metrics`); off when unset. */
export const METRICS_LISTEN_ENV = "CARDMESH_SERVICE_METRICS_LISTEN";
/** PEM certificate chain the service presents; with the key, TLS is on. */
export const TLS_CERT_ENV = "CARDMESH_SERVICE_TLS_CERT_FILE";
/** PEM private key of the certificate. */
export const TLS_KEY_ENV = "CARDMESH_SERVICE_TLS_KEY_FILE";
/** PEM CA that client certificates must chain to; set, client certificates are required. */
export const TLS_CLIENT_CA_ENV = "CARDMESH_SERVICE_TLS_CLIENT_CA_FILE";

/** A host (an IP address) and a port. */
export interface Address {
  host: string;
  port: number;
}

/** The service's TLS material; `toJSON` never shows the key. */
export interface ServerTls {
  certChain: Buffer;
  privateKey: Buffer;
  /** Set: only clients whose certificate chains to this CA may connect. */
  clientCa?: Buffer;
}

/** Everything {@link serve} reads from the environment. */
export interface ServiceEnv {
  listen: Address;
  metrics?: Address;
  tls?: ServerTls;
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const text = env[name]?.trim();
  return text === undefined || text === "" ? undefined : text;
}

/** Parses `ip:port` (`0.0.0.0:50051`, `[::]:50051`); `variable` names the source in errors. */
export function parseAddress(text: string, variable: string, example: string): Address {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const host = match?.[1]?.replace(/^\[(.*)\]$/, "$1");
  const port = Number(match?.[2]);
  if (match === null || host === undefined || isIP(host) === 0 || port > 65535) {
    throw new Error(`${variable}=${JSON.stringify(text)} is not an address like ${example}`);
  }
  return { host, port };
}

/** Reads the service environment from `env`. Throws with a message naming the variable. */
export function serviceEnv(env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const listen = parseAddress(value(env, LISTEN_ENV) ?? DEFAULT_LISTEN, LISTEN_ENV, DEFAULT_LISTEN);
  const metricsText = value(env, METRICS_LISTEN_ENV);
  const out: ServiceEnv = { listen };
  if (metricsText !== undefined) out.metrics = parseAddress(metricsText, METRICS_LISTEN_ENV, "0.0.0.0:9090");
  const tls = tlsFromEnv(env);
  if (tls !== undefined) out.tls = tls;
  return out;
}

/** TLS from the files the `CARDMESH_SERVICE_TLS_*` variables name; `undefined` when unset. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerTls | undefined {
  const cert = value(env, TLS_CERT_ENV);
  const key = value(env, TLS_KEY_ENV);
  const ca = value(env, TLS_CLIENT_CA_ENV);
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) throw new Error(`${TLS_CLIENT_CA_ENV} needs TLS: set ${TLS_CERT_ENV} and ${TLS_KEY_ENV} too`);
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    throw new Error(`${TLS_CERT_ENV} and ${TLS_KEY_ENV} go together: set both or neither`);
  }
  const tls: ServerTls = { certChain: readPem(TLS_CERT_ENV, cert), privateKey: readPem(TLS_KEY_ENV, key) };
  if (ca !== undefined) tls.clientCa = readPem(TLS_CLIENT_CA_ENV, ca);
  Object.defineProperty(tls, "toJSON", { value: () => ({ key: "[redacted]", requiresClientCerts: ca !== undefined }) });
  return tls;
}

function readPem(variable: string, path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (!bytes.includes("-----BEGIN ")) throw new Error(`${variable}: ${path} is not a PEM file (no -----BEGIN line)`);
  return bytes;
}
