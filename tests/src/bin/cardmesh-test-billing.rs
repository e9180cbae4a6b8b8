//! The billing example service (embedded fixture) as a process of its own, through the kit's
//! real entry point (`cardmesh_kit::serve`: environment, logging, tracing, signals). The
//! telemetry tests run it next to an in-process gateway, so that each has its own tracer.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(billing_service::BillingCards::embedded()).await
}
