/**
 * `@cardmesh/kit/testing`: gRPC clients for a card service's own tests, over real sockets:
 * the generated CardService client (`describe`, `getCards`, `runAction`) and a health client.
 */
import { type Client, Metadata, type ServiceError, credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

import { type ActionOutcome, fromResponse } from "./actions.js";
import {
  CardServiceClient,
  type DescribeResponse,
  type GetCardsRequest,
  type GetCardsResponse,
  type RunActionRequest,
  type RunActionResponse,
} from "./generated/cardmesh/v1/card_service.js";

/** A CardService client of `127.0.0.1:port`. */
export function cardClient(port: number): CardServiceClient {
  return new CardServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
}

/** One GetCards call, with optional metadata. */
export function getCards(client: CardServiceClient, request: Partial<GetCardsRequest>, metadata: Record<string, string> = {}): Promise<GetCardsResponse> {
  const meta = new Metadata();
  for (const [name, value] of Object.entries(metadata)) meta.set(name, value);
  const full: GetCardsRequest = { cardKeys: [], workspaceId: "w_test", ...request };
  return new Promise((resolve, reject) => {
    client.getCards(full, meta, { deadline: Date.now() + 5000 }, (error: ServiceError | null, response: GetCardsResponse) =>
      error === null ? resolve(response) : reject(error),
    );
  });
}

/** What {@link runAction} sends: the action's name, and optionally the workflow's `body` (any
 * JSON value, default `{}`) and any field of the request. */
export type ActionCall = Partial<RunActionRequest> & { action: string; body?: unknown };

let deliveries = 0;

/**
 * One RunAction call, as the gateway makes it: `workspaceId` `w_test`, customer `c_test`, the
 * `body` as `bodyJson`, a fresh idempotency key (`test-1`, `test-2`, …) unless given, not a
 * preview. Resolves with the outcome (its text scrubbed as it left the service); rejects with
 * the gRPC error (`NOT_FOUND` for an undeclared action, `INVALID_ARGUMENT`).
 */
export function runAction(client: CardServiceClient, call: ActionCall, metadata: Record<string, string> = {}): Promise<ActionOutcome> {
  const meta = new Metadata();
  for (const [name, value] of Object.entries(metadata)) meta.set(name, value);
  const { body, ...fields } = call;
  deliveries += 1;
  const full: RunActionRequest = {
    workspaceId: "w_test",
    customer: { id: "c_test" },
    bodyJson: JSON.stringify(body ?? {}),
    idempotencyKey: `test-${deliveries}`,
    preview: false,
    ...fields,
  };
  return new Promise((resolve, reject) => {
    client.runAction(full, meta, { deadline: Date.now() + 5000 }, (error: ServiceError | null, response: RunActionResponse) => {
      if (error !== null) return reject(error);
      const outcome = fromResponse(response);
      if (outcome === undefined) reject(new Error("the RunAction answer carries no outcome"));
      else resolve(outcome);
    });
  });
}

/** One Describe call. */
export function describe(client: CardServiceClient): Promise<DescribeResponse> {
  return new Promise((resolve, reject) => {
    client.describe({}, new Metadata(), { deadline: Date.now() + 5000 }, (error: ServiceError | null, response: DescribeResponse) =>
      error === null ? resolve(response) : reject(error),
    );
  });
}

export { CardServiceClient };

type HealthClient = Client & {
  check(request: { service: string }, options: { deadline: number }, callback: (error: ServiceError | null, response: { status: string }) => void): void;
};

/** `grpc.health.v1.Health/Check` of `service` on `127.0.0.1:port`: the status name, or the error. */
export function checkHealth(port: number, service = ""): Promise<string> {
  const Health = makeGenericClientConstructor(healthService as never, "Health");
  const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as HealthClient;
  return new Promise((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + 2000 }, (error, response) => {
      client.close();
      if (error === null) resolve(String(response.status));
      else reject(error);
    });
  });
}
