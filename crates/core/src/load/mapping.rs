//! Where pages are parsed and mapped: a small pool of low-priority threads, off the async
//! runtime.
//!
//! A listing's next request goes out before its current page is mapped, and the chain of
//! requests must never wait behind that mapping. On the runtime's own threads it would: a task
//! spawned there can sit in the worker's LIFO slot, which no other worker steals, until the
//! mapping ends. On an ordinary blocking thread the scheduler still lets a millisecond of
//! mapping delay the thread that reads the next response. So mapping runs on its own threads,
//! at the lowest priority: they get every idle cycle, and the I/O (and the app's UI) comes
//! first. The single-cursor-chain provider's raw-throughput ratio in `tributary-bench load` (the
//! most sensitive): 0.77x with runtime tasks, about 0.85x on the blocking pool, 0.9-1.0x here.

use std::sync::OnceLock;

use crate::error::{Error, Result};

fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("tributary-map-{i}"))
            .start_handler(|_| {
                // Best effort: where the platform refuses, mapping runs at normal priority.
                let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
            })
            // A panicking mapper drops its answer; the waiting load reports it as an error.
            .panic_handler(|_| tracing::error!("a page-mapping job panicked"))
            .build()
            .map_err(|e| tracing::warn!(error = %e, "no page-mapping pool; mapping on the blocking pool"))
            .ok()
    })
    .as_ref()
}

/// Starts `job` on the mapping pool at once (not when first polled, so it overlaps whatever the
/// caller does next) and returns its answer as a future.
pub(crate) fn run<T: Send + 'static>(
    job: impl FnOnce() -> Result<T> + Send + 'static,
) -> impl std::future::Future<Output = Result<T>> + Send {
    use futures::FutureExt;
    // The job's sender was dropped (it panicked) or the blocking task failed.
    let lost = || Error::Internal("a page-mapping job failed".into());
    match pool() {
        Some(pool) => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            pool.spawn(move || {
                let _ = tx.send(job());
            });
            rx.map(move |r| r.map_err(|_| lost())?).left_future()
        }
        None => tokio::task::spawn_blocking(job).map(move |r| r.map_err(|_| lost())?).right_future(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_reports_a_panic_as_an_error() {
        assert_eq!(run(|| Ok(21 * 2)).await.unwrap(), 42);
        let failed = run::<()>(|| panic!("mapper bug")).await;
        assert!(matches!(failed, Err(Error::Internal(_))), "{failed:?}");
    }
}
