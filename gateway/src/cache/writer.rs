//! Cache writes off the request path: a bounded queue drained by one task that pipelines
//! whatever has accumulated into a single round trip.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::stats::CacheStats;
use super::store::{CacheStore, Write};

/// Most writes sent in one pipeline.
const BATCH: usize = 256;

enum Job {
    Write(Write),
    Flush(oneshot::Sender<()>),
}

/// The sending side of the writer.
pub struct WriteQueue {
    tx: mpsc::Sender<Job>,
    stats: Arc<CacheStats>,
}

impl WriteQueue {
    /// Starts the writer task; it ends when the queue is dropped.
    pub fn spawn(store: Arc<dyn CacheStore>, stats: Arc<CacheStats>, capacity: usize) -> Self {
        let (tx, mut rx) = mpsc::channel::<Job>(capacity.max(1));
        let task_stats = stats.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            let mut flushes = Vec::new();
            while let Some(job) = rx.recv().await {
                let mut next = Some(job);
                while let Some(job) = next.take() {
                    match job {
                        Job::Write(w) => batch.push(w),
                        Job::Flush(done) => flushes.push(done),
                    }
                    if batch.len() < BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                if !batch.is_empty() {
                    if let Err(error) = store.set_many(&batch).await {
                        task_stats.record_error();
                        tracing::debug!(%error, writes = batch.len(), "cache write failed");
                    }
                    batch.clear();
                }
                for done in flushes.drain(..) {
                    let _ = done.send(());
                }
            }
        });
        Self { tx, stats }
    }

    /// Queues a write; drops it (and counts it) when the queue is full.
    pub fn push(&self, write: Write) {
        if self.tx.try_send(Job::Write(write)).is_err() {
            self.stats.record_dropped_write();
        }
    }

    /// Waits until everything queued before this call was attempted.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
