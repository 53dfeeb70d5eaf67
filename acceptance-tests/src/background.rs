//! Serving an axum app on its own thread and runtime, as `alb-mock` and `kube-local` do, so
//! tests and binaries can start them in-process whatever runtime they run in.

use std::fmt::Debug;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use tokio::sync::oneshot;

/// A server running on a background thread; dropping it stops the server.
#[derive(Debug)]
pub struct BackgroundServer {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundServer {
    /// Serves `app` on `listener` (already bound, made non-blocking) wrapped by `wrap` (e.g.
    /// TLS), on a two-worker runtime on a thread called `name`. Returns once it is serving.
    pub fn start<L, W>(
        name: &str,
        listener: std::net::TcpListener,
        wrap: W,
        app: Router,
    ) -> anyhow::Result<Self>
    where
        W: FnOnce(tokio::net::TcpListener) -> std::io::Result<L> + Send + 'static,
        L: axum::serve::Listener,
        L::Addr: Debug,
    {
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .enable_all()
            .build()
            .with_context(|| format!("building {name}'s runtime"))?;
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<()>>();
        let server_name = name.to_string();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener).and_then(wrap)
                    {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.into()));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    tokio::select! {
                        result = axum::serve(listener, app) => {
                            if let Err(e) = result {
                                tracing::error!(error = %e, server = %server_name, "server stopped");
                            }
                        }
                        _ = shutdown_rx => {}
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .with_context(|| format!("spawning {name}'s thread"))?;
        ready_rx
            .recv()
            .with_context(|| format!("{name}'s thread ended before listening"))??;
        Ok(Self {
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
