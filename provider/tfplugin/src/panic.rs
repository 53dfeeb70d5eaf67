//! Panic capture: handler panics become values, other panics are reported
//! in the form Terraform recognises (`panic: …` on stderr) before exiting.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// True while a [`CatchPanic`] future is being polled on this thread.
    static IN_HANDLER: Cell<bool> = const { Cell::new(false) };
    /// Message and location recorded by the hook for the guard to report.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Wraps a future so that a panic while polling it yields `Err(message)`
/// instead of unwinding into the runtime (which would cancel the request).
pub(crate) struct CatchPanic<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> CatchPanic<F> {
    pub(crate) fn new(inner: F) -> Self {
        CatchPanic {
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.get_mut().inner.as_mut();
        let outer = IN_HANDLER.replace(true);
        let polled = catch_unwind(AssertUnwindSafe(|| inner.poll(cx)));
        IN_HANDLER.set(outer);
        match polled {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                let recorded = LAST_PANIC.take();
                Poll::Ready(Err(
                    recorded.unwrap_or_else(|| payload_text(payload.as_ref()))
                ))
            }
        }
    }
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Install the process panic hook: inside a handler only record the message
/// (the handler turns it into a diagnostic); anywhere else write
/// `panic: <message>`, the location and a backtrace to stderr and exit with
/// status 2, which Terraform reports as a plugin crash.
pub(crate) fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = payload_text(info.payload());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown location".to_string());
        if IN_HANDLER.get() {
            LAST_PANIC.set(Some(format!("{msg} (at {location})")));
            return;
        }
        let backtrace = std::backtrace::Backtrace::force_capture();
        eprintln!("panic: {msg}\n\nlocation: {location}\n\n{backtrace}");
        std::process::exit(2);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn catches_panics_and_passes_values() {
        assert_eq!(CatchPanic::new(async { 7 }).await, Ok(7));
        let r = CatchPanic::new(async {
            tokio::task::yield_now().await;
            if true {
                panic!("boom {}", 1);
            }
            0
        })
        .await;
        assert_eq!(r, Err("boom 1".to_string()));
    }
}
