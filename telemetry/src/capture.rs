//! A log writer that keeps everything written to it, for tests that read the logs back
//! (the gateway's, the kit's and the end-to-end suite's).

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

/// Collects bytes written through any of its clones (hand one to a tracing subscriber:
/// `.with_writer(move || logs.clone())`).
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Forgets everything written so far.
    pub fn clear(&self) {
        self.bytes().clear();
    }

    /// A test that panicked while writing leaves the bytes as they were, so a poisoned lock
    /// is used as it is.
    fn bytes(&self) -> MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
