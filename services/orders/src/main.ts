/** The orders-service process: `serve()` reads CARDMESH_SERVICE_* and OTEL_* variables. */
import { Logger, serve } from "@cardmesh/kit";

import { fixturesFromEnv } from "./fixtures.js";
import { ordersProvider } from "./orders.js";

let index;
try {
  index = fixturesFromEnv();
} catch (error) {
  new Logger().error("orders service cannot start", { service: "orders", error: (error as Error).message });
  process.exit(1);
}
await serve(ordersProvider(index));
