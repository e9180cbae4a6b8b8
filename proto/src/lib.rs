//! The `cardmesh.v1` contract: the `CardService` every card service implements and the
//! typed Plain UI components it answers with. The `.proto` files under `proto/` are the
//! reference for service authors; this crate only compiles them.

/// Generated types and gRPC stubs for package `cardmesh.v1`.
pub mod v1 {
    tonic::include_proto!("cardmesh.v1");
}

pub mod codec;

pub use v1::*;
