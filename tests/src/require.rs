//! What the feature-gated suites need besides cargo, checked before a test starts anything.
//!
//! `cargo test --workspace` needs nothing but a Rust toolchain: the suites that need more are
//! behind cargo features (`redis`, `docker`, `node`, `python`, `kubernetes`, and `external` for all of them, on
//! this crate; `node` on cardmesh-cli). With a feature on and its part missing, these checks fail the test at once
//! with a message naming the part, the command that provides it, and the feature to leave
//! out instead.

use std::path::PathBuf;

use testcontainers::bollard::Docker;

use crate::containers::{check_fresh, source_hash, tag};

/// The `redis-server` binary on `PATH` (feature `redis`).
pub fn redis_server() -> PathBuf {
    on_path("redis-server").unwrap_or_else(|| {
        panic!(
            "redis-server is not on PATH: install it (ci/install-deps.sh installs it on Debian), \
             or run without --features redis"
        )
    })
}

/// `kubectl` on `PATH` (feature `kubernetes`): `kubectl kustomize` renders the manifests
/// offline, without a cluster.
pub fn kubectl() {
    assert!(
        on_path("kubectl").is_some(),
        "kubectl is not on PATH: install it, 1.27 or later (https://kubernetes.io/docs/tasks/tools/; it has \
         kustomize built in and needs no cluster here), or run without --features kubernetes"
    );
}

/// `node` and `npm` on `PATH` (feature `node` of cardmesh-cli).
pub fn node() {
    let missing: Vec<&str> = ["node", "npm"].into_iter().filter(|tool| on_path(tool).is_none()).collect();
    assert!(
        missing.is_empty(),
        "{} not on PATH: install Node.js 20 with npm (https://nodejs.org/en/download, or Debian's nodejs and \
         npm packages), or run without --features node",
        missing.join(" and ")
    );
}

/// Python 3.11 on `PATH` (feature `python`), as `python3.11` or `python3`.
pub fn python() {
    let is_311 = |python: &str| {
        std::process::Command::new(python)
            .args(["-c", "import sys; assert sys.version_info[:2] == (3, 11)"])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    assert!(
        is_311("python3.11") || is_311("python3"),
        "Python 3.11 is not on PATH (as python3.11 or python3): install it (Debian 12's python3 is 3.11), \
         or run without --features python"
    );
}

/// A Docker daemon that answers (feature `docker`), at `DOCKER_HOST` or the local socket.
pub async fn docker() -> Docker {
    let unreachable = |e: &dyn std::fmt::Display| -> ! {
        panic!("Docker daemon not reachable ({e}): ci/start-docker.sh starts it, or run without --features docker")
    };
    let docker = Docker::connect_with_local_defaults().unwrap_or_else(|e| unreachable(&e));
    if let Err(e) = docker.ping().await {
        unreachable(&e);
    }
    docker
}

/// The script that builds `image` (a name without tag) where no registry is reachable.
pub fn build_script(image: &str) -> &'static str {
    use crate::containers::{PYTHON_SERVICE_IMAGE, REDIS_IMAGE, TYPESCRIPT_SERVICE_IMAGE};
    match image {
        i if i == TYPESCRIPT_SERVICE_IMAGE.1 => "scripts/build-node-images.sh",
        i if i == PYTHON_SERVICE_IMAGE.1 => "scripts/build-python-images.sh",
        i if i == REDIS_IMAGE.0 || i == "debian" => "ci/build-base-images.sh",
        _ => crate::containers::BUILD_IMAGES,
    }
}

/// Fails unless every image of `images` (`name:tag`) is present, naming the script that
/// builds each missing one (feature `docker`).
pub async fn present(docker: &Docker, images: &[String]) {
    let mut missing = Vec::new();
    for image in images {
        if docker.inspect_image(image).await.is_err() {
            let name = image.split(':').next().unwrap_or_default();
            missing.push(format!("{image} ({})", build_script(name)));
        }
    }
    assert!(
        missing.is_empty(),
        "images missing: {}. Build the images with scripts/build-images.sh (and the base images with \
         ci/build-base-images.sh where no registry is reachable), or run without --features docker",
        missing.join(", ")
    );
}

/// The Docker daemon, with the project's `project` images (names; the tag is [`tag`]) built
/// from this checkout's sources and the `base` images (`name:tag`) present (feature
/// `docker`).
pub async fn images(project: &[&str], base: &[&str]) -> Docker {
    let docker = docker().await;
    let tag = tag();
    let wanted: Vec<String> =
        project.iter().map(|image| format!("{image}:{tag}")).chain(base.iter().map(|&b| b.to_owned())).collect();
    present(&docker, &wanted).await;
    let expected = source_hash();
    let mut stale = Vec::new();
    for image in project {
        if let Err(e) = check_fresh(&docker, &format!("{image}:{tag}"), &expected).await {
            stale.push(e);
        }
    }
    assert!(
        stale.is_empty(),
        "refusing to test images built from other sources (or run without --features docker):\n  {}",
        stale.join("\n  ")
    );
    docker
}

/// The first executable file called `name` in a directory of `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| {
        std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}
