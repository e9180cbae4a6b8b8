//! Redis in a container (testcontainers) on a fixed loopback port, so it can be stopped and
//! started again at the same address.

use std::time::Duration;

use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// Image the tests run; `scripts/build-base-images.sh` builds it locally where nothing can
/// be pulled, and elsewhere it is the official image.
pub const REDIS_IMAGE: (&str, &str) = ("redis", "7");

/// A Redis container for one test.
pub struct RedisContainer {
    container: ContainerAsync<GenericImage>,
    pub port: u16,
}

impl RedisContainer {
    /// Starts Redis and waits until it accepts connections.
    pub async fn start() -> Self {
        let port = free_port();
        let container = GenericImage::new(REDIS_IMAGE.0, REDIS_IMAGE.1)
            .with_exposed_port(6379.tcp())
            .with_wait_for(WaitFor::message_on_stdout("Ready to accept connections"))
            .with_mapped_port(port, 6379.tcp())
            .with_cmd([
                "redis-server",
                "--bind",
                "0.0.0.0",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .with_startup_timeout(Duration::from_secs(60))
            .start()
            .await
            .expect("start the redis:7 container (run scripts/build-base-images.sh where images cannot be pulled)");
        let redis = Self { container, port };
        redis.wait_until_up().await;
        redis
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A direct client connection, for assertions.
    pub async fn client(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .expect("connect to the test Redis")
    }

    /// Stops the container (Redis goes away; its data with it).
    pub async fn stop(&self) {
        self.container.stop_with_timeout(Some(0)).await.expect("stop redis");
    }

    /// Starts the stopped container again, on the same port, and waits until it answers.
    pub async fn restart(&self) {
        self.container.start().await.expect("start redis again");
        self.wait_until_up().await;
    }

    async fn wait_until_up(&self) {
        let url = self.url();
        crate::wait_until("redis answers PING", Duration::from_secs(30), || {
            let url = url.clone();
            async move {
                let Ok(client) = redis::Client::open(url) else { return false };
                let Ok(mut conn) = client.get_multiplexed_async_connection().await else { return false };
                redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok()
            }
        })
        .await;
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
