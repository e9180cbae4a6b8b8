//! Connections to Redis however it is deployed: one server, Redis Cluster, or the primary
//! that Redis Sentinel names; each with TLS (the system's roots, or a CA file, and a client
//! certificate for mutual TLS) and an ACL user.
//!
//! [`Connection`] is one type for the store's commands whatever the deployment: it is a
//! `redis::aio::ConnectionLike`, so every command and pipeline is written once.
//! - One server and Sentinel: redis-rs's multiplexed connection (one TCP or TLS connection,
//!   pipelined). Sentinel is asked for the primary at each (re)connection, and Sentinel
//!   closes the old primary's client connections at a failover, so the store's reconnect
//!   finds the new one.
//! - Redis Cluster: redis-rs's async cluster connection, which keeps one connection per
//!   node, follows `MOVED` and `ASK` redirections and reloads the slot map after a failover.
//!   Every command must address keys of one slot (see `super::slots`).

use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{
    AsyncConnectionConfig, Client, ClientTlsConfig, Cmd, ConnectionAddr, IntoConnectionInfo, Pipeline, RedisFuture,
    RedisResult, TlsCertificates, TlsMode, Value,
};

use crate::config::{RedisTarget, RedisTopology};
use crate::tls::RedisPem;

/// Retries of one command inside the cluster client (after a connection error or a
/// `TRYAGAIN`), each within the store's deadline; redirections (`MOVED`, `ASK`) are followed
/// besides. Few and short: a command that cannot be answered at once is a miss, which costs
/// less than waiting.
const CLUSTER_RETRIES: u32 = 2;
/// Shortest and longest wait between those retries, in milliseconds.
const CLUSTER_RETRY_WAIT_MS: (u64, u64) = (10, 100);

/// How to open a [`Connection`].
pub(super) enum Connector {
    Single(Client),
    Cluster(ClusterClient),
    /// Asking the sentinels needs `&mut`: one connection attempt at a time (the store
    /// connects one at a time anyway).
    Sentinel(tokio::sync::Mutex<SentinelClient>),
}

/// Deadlines of a connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadlines {
    /// Opening one connection (the TLS handshake and the authentication included).
    pub connect: Duration,
    /// Waiting for one answer.
    pub response: Duration,
}

impl Connector {
    /// A connector for `target`, with `pem`'s TLS files. Opens no connection.
    pub fn new(target: &RedisTarget, pem: &RedisPem, deadlines: Deadlines) -> RedisResult<Self> {
        let certificates = (!pem.is_empty()).then(|| certificates(pem));
        Ok(match &target.topology {
            RedisTopology::Single { url } => {
                let info = url.expose().into_connection_info()?;
                let mut redis = info.redis_settings().clone();
                if let Some(username) = &target.username {
                    redis = redis.set_username(username);
                }
                if let Some(password) = &target.password {
                    redis = redis.set_password(password.expose());
                }
                let info = info.set_redis_settings(redis);
                match certificates {
                    Some(certificates) => Client::build_with_tls(info, certificates)?,
                    None => Client::open(info)?,
                }
                .into()
            }
            RedisTopology::Cluster { nodes } => {
                let scheme = if target.tls { "rediss" } else { "redis" };
                let seeds: Vec<String> = nodes.iter().map(|n| format!("{scheme}://{n}")).collect();
                let mut builder = ClusterClient::builder(seeds)
                    .connection_timeout(deadlines.connect)
                    .response_timeout(deadlines.response)
                    .retries(CLUSTER_RETRIES)
                    .min_retry_wait(CLUSTER_RETRY_WAIT_MS.0)
                    .max_retry_wait(CLUSTER_RETRY_WAIT_MS.1);
                if let Some(username) = &target.username {
                    builder = builder.username(username);
                }
                if let Some(password) = &target.password {
                    builder = builder.password(password.expose());
                }
                if let Some(certificates) = certificates {
                    builder = builder.certs(certificates);
                }
                Connector::Cluster(builder.build()?)
            }
            RedisTopology::Sentinel { sentinels, service_name, sentinel_username, sentinel_password } => {
                let addresses = sentinels.iter().map(|n| match target.tls {
                    true => {
                        ConnectionAddr::TcpTls { host: n.host.clone(), port: n.port, insecure: false, tls_params: None }
                    }
                    false => ConnectionAddr::Tcp(n.host.clone(), n.port),
                });
                let mut builder =
                    SentinelClientBuilder::new(addresses, service_name.clone(), SentinelServerType::Master)?
                        .set_client_to_redis_db(target.db);
                if target.tls {
                    builder = builder
                        .set_client_to_redis_tls_mode(TlsMode::Secure)
                        .set_client_to_sentinel_tls_mode(TlsMode::Secure);
                }
                if let Some(certificates) = certificates {
                    builder = builder
                        .set_client_to_redis_certificates(certificates.clone())
                        .set_client_to_sentinel_certificates(certificates);
                }
                if let Some(username) = &target.username {
                    builder = builder.set_client_to_redis_username(username);
                }
                if let Some(password) = &target.password {
                    builder = builder.set_client_to_redis_password(password.expose());
                }
                if let Some(username) = sentinel_username {
                    builder = builder.set_client_to_sentinel_username(username);
                }
                if let Some(password) = sentinel_password {
                    builder = builder.set_client_to_sentinel_password(password.expose());
                }
                Connector::Sentinel(tokio::sync::Mutex::new(builder.build()?))
            }
        })
    }

    /// True for Redis Cluster, whose client keeps its own connections to the nodes.
    pub fn is_cluster(&self) -> bool {
        matches!(self, Connector::Cluster(_))
    }

    /// Opens a connection (for Sentinel: to the primary the sentinels name now).
    pub async fn connect(&self, deadlines: Deadlines) -> RedisResult<Connection> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(deadlines.connect))
            .set_response_timeout(Some(deadlines.response));
        Ok(match self {
            Connector::Single(client) => {
                Connection::Single(client.get_multiplexed_async_connection_with_config(&config).await?)
            }
            Connector::Cluster(client) => Connection::Cluster(client.get_async_connection().await?),
            Connector::Sentinel(client) => {
                Connection::Single(client.lock().await.get_async_connection_with_config(&config).await?)
            }
        })
    }
}

impl From<Client> for Connector {
    fn from(client: Client) -> Self {
        Connector::Single(client)
    }
}

/// redis-rs's form of the TLS files.
fn certificates(pem: &RedisPem) -> TlsCertificates {
    TlsCertificates {
        client_tls: pem
            .identity
            .as_ref()
            .map(|(cert, key)| ClientTlsConfig { client_cert: cert.clone(), client_key: key.clone() }),
        root_cert: pem.ca.clone(),
    }
}

/// An open connection: to one server (or Sentinel's primary), or to a cluster.
#[derive(Clone)]
pub(super) enum Connection {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(conn) => conn.req_packed_command(cmd),
            Connection::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(conn) => conn.get_db(),
            Connection::Cluster(conn) => conn.get_db(),
        }
    }
}
