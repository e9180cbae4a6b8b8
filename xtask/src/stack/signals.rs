//! Ctrl-C (SIGINT) and SIGTERM, caught by tokio's signal handling on a thread of its own; the
//! supervisor asks [`received`] between its checks.

use std::sync::atomic::{AtomicI32, Ordering};

static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// Starts catching SIGINT and SIGTERM; from now on they no longer end this process.
pub fn catch() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    // Registered here, before returning, so that no signal is missed once we start children.
    let (mut interrupt, mut terminate) = runtime.block_on(async {
        Ok::<_, std::io::Error>((signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?))
    })?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        runtime.block_on(async {
            loop {
                let number = tokio::select! {
                    _ = interrupt.recv() => libc::SIGINT,
                    _ = terminate.recv() => libc::SIGTERM,
                };
                RECEIVED.store(number, Ordering::SeqCst);
            }
        })
    })?;
    Ok(())
}

/// The signal received, if any: SIGINT or SIGTERM.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        number => Some(number),
    }
}
