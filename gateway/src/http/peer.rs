//! The client's address, for per-IP rate limits: the TCP peer of the connection, with or
//! without TLS.

use std::net::SocketAddr;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::net::TcpListener;

/// The TCP peer address of a request's connection (a request extension, as
/// `ConnectInfo<ClientAddr>`): the gateway's listeners insert it into every request
/// ([`super::listener`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// For serving [`super::app`] with `axum::serve` and `into_make_service_with_connect_info`.
impl Connected<IncomingStream<'_, TcpListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        Self(*stream.remote_addr())
    }
}
