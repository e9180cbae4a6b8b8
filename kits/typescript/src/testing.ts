/**
 * `@cardmesh/kit/testing`: gRPC clients for a card service's own tests, over real sockets:
 * the generated CardService client (`describe`, `getCards`) and a health client.
 */
import { type Client, Metadata, type ServiceError, credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

import { CardServiceClient, type DescribeResponse, type GetCardsRequest, type GetCardsResponse } from "./generated/cardmesh/v1/card_service.js";

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
