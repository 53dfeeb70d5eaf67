//! The wiring: clients, caches, probes, leader election, the sync loop per leadership term,
//! and the shutdown on SIGTERM/SIGINT: stop the loop (running reconciles get the grace to finish
//! their API call), then release the Lease, then stop serving.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context as _;
use reconcile::Reconciler;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::args::Args;
use crate::caches::Caches;
use crate::http::{self, Probes};
use crate::lease::{Elector, Timing};
use crate::metrics::Metrics;
use crate::sync::{Settings, Syncer};

/// Runs the agent until SIGTERM or SIGINT.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone())?;

    let alb = args.alb_client().context("ALB client")?;
    let rec = Reconciler::new(alb.clone(), &args.cluster_id).with_wait(args.job_timeout);
    let kube_config = cluster::connect::config(&args.kubernetes())
        .await
        .context("Kubernetes client configuration")?;
    let kube = kube::Client::try_from(kube_config).context("Kubernetes client")?;
    let metrics = Arc::new(Metrics::new(alb));

    let (trigger_tx, mut triggers) = mpsc::unbounded_channel();
    let mut watches = JoinSet::new();
    let caches = Caches::start(&kube, &args.namespaces, trigger_tx, &mut watches);

    let ready = Arc::new(AtomicBool::new(false));
    let serving_stop = CancellationToken::new();
    let server = tokio::spawn(http::serve(
        args.listen,
        Probes {
            ready: Arc::clone(&ready),
            metrics: Arc::clone(&metrics),
        },
        serving_stop.clone(),
    ));

    tokio::select! {
        _ = shutdown.cancelled() => {}
        synced = caches.ready() => {
            anyhow::ensure!(synced, "a watcher stopped before its first list");
            ready.store(true, Ordering::Relaxed);
            tracing::info!("caches synced");
        }
    }

    let identity = args.identity();
    let elector = Elector::new(
        kube.clone(),
        &args.lease_namespace,
        &args.lease_name,
        &identity,
        Timing {
            lease_duration: args.lease_duration,
            renew_deadline: args.renew_deadline,
            retry_period: args.retry_period,
        },
    );
    let (leading_tx, mut leading) = watch::channel(false);
    let elector_stop = CancellationToken::new();
    let election = tokio::spawn(elector.run(leading_tx, elector_stop.clone()));

    let syncer = Arc::new(Syncer::new(
        rec,
        caches,
        kube,
        Settings {
            debounce: args.debounce,
            concurrency: args.concurrency,
            relist: args.relist,
            resync: args.resync,
            retry_after: args.retry_after,
            health_poll: args.health_poll,
            shutdown_grace: args.shutdown_grace,
        },
        Arc::clone(&metrics),
    ));
    while !shutdown.is_cancelled() {
        // Follower: wait for leadership, dropping events (a new term reads every group).
        tokio::select! {
            _ = shutdown.cancelled() => break,
            changed = leading.wait_for(|l| *l) => if changed.is_err() { break },
            Some(_) = triggers.recv() => continue,
        }
        metrics.leader.set(1);
        tracing::info!(%identity, "leading: syncing members");
        let term = shutdown.child_token();
        let mut lost = leading.clone();
        let watch_term = term.clone();
        let follower = tokio::spawn(async move {
            let _ = lost.wait_for(|l| !*l).await;
            watch_term.cancel();
        });
        syncer.lead(&mut triggers, term).await;
        follower.abort();
        metrics.leader.set(0);
        tracing::info!(%identity, "not leading");
    }

    elector_stop.cancel();
    let _ = election.await;
    watches.abort_all();
    serving_stop.cancel();
    let _ = server.await;
    tracing::info!("stopped");
    Ok(())
}

/// Cancels `shutdown` on SIGTERM or SIGINT.
fn spawn_signal_handler(shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("SIGINT handler")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = int.recv() => tracing::info!("SIGINT: shutting down"),
        }
        shutdown.cancel();
    });
    Ok(())
}
