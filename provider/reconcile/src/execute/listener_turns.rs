//! Writes to one listener, one at a time, across every run of the provider process.
//!
//! ALB refuses a rule write while another write's job keeps the listener `Configuring`
//! (`ResourceInConfiguring.Listener`). Terraform applies up to 10 resources at once and every
//! `alb_ingress` on a listener writes that listener's rules, so without coordination parallel
//! ingresses burn their calls (and the client's retry budget) on that refusal. Every rule
//! write therefore takes its listeners' turns first and holds them through the call and the
//! wait for its job.
//!
//! The turns live in the process, not in a run or a client: each `ApplyResourceChange` builds
//! its own reconciler, and two of them writing to the same listener must still take turns.
//! They are keyed by endpoint, region and listener id, so runs against different services
//! (tests with several mocks) never wait for each other. The table keeps one small entry per
//! listener the process wrote to; a provider process lives for one Terraform operation.
//!
//! Coalescing (measured, not built): rule creations of different ingresses waiting for the same
//! listener each make their own `CreateRules` (and their own creation-mark rename). Applying 10
//! ingresses of 2 rules on one listener through Terraform with the mock's 200 ms jobs took 8.6 s,
//! with 0 refusals, 10 `CreateRules` and 10 renames: 20 turns of about 260 ms (job plus polls),
//! about 5 s on the listener. Merging what is waiting into calls of ≤ 10 rules would need 4
//! calls, saving about 4 s there — and proportionally more against the real API, whose jobs take
//! seconds. So it is worth having, but it is not clean to add on top of the turns: a merged call
//! fails as a whole when one resource's rule is refused (each resource must then replay its own
//! rules alone to get its own error), the created ids must be handed back to each waiting run,
//! and the ClientToken of a merged call depends on who was merged, so a retried apply no longer
//! repeats its own token. Left for a later change.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Instant;

use alb_api::Client;
use tokio::sync::OwnedMutexGuard;

/// Listener key (`endpoint region listener-id`) → its turn.
type Turns = HashMap<String, Arc<tokio::sync::Mutex<()>>>;

static TURNS: LazyLock<Mutex<Turns>> = LazyLock::new(Mutex::default);

/// The turns of some listeners, held until dropped.
#[must_use = "the listeners are free again as soon as the turn is dropped"]
pub(super) struct ListenerTurn {
    _held: Vec<OwnedMutexGuard<()>>,
}

/// Waits for the turns of every listener in `listener_ids` (of `client`'s endpoint and region).
/// Turns are taken in a fixed order, so writes to several listeners never deadlock.
pub(super) async fn take(client: &Client, listener_ids: &[impl AsRef<str>]) -> ListenerTurn {
    let mut keys: Vec<String> = listener_ids
        .iter()
        .map(|id| format!("{} {} {}", client.endpoint(), client.region(), id.as_ref()))
        .collect();
    keys.sort();
    keys.dedup();
    let turns: Vec<Arc<tokio::sync::Mutex<()>>> = {
        let mut table = TURNS.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter()
            .map(|k| Arc::clone(table.entry(k.clone()).or_default()))
            .collect()
    };
    let started = Instant::now();
    let mut held = Vec::with_capacity(turns.len());
    for turn in turns {
        held.push(turn.lock_owned().await);
    }
    let waited_ms = started.elapsed().as_millis() as u64;
    if waited_ms > 0 {
        tracing::debug!(listeners = ?keys, waited_ms, "listener turn taken");
    }
    ListenerTurn { _held: held }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use alb_api::{ClientConfig, Credentials};

    fn client(endpoint: &str) -> Client {
        Client::new(
            ClientConfig::new("cn-hangzhou", Credentials::new("ak", "sk")).with_endpoint(endpoint),
        )
        .expect("client")
    }

    /// Runs `writers` writers at once, each holding the turns of `listeners(i)` for a while;
    /// returns the most that held a turn of `lsn-1` at the same time.
    async fn peak_on_shared_listener(
        client: &Client,
        writers: usize,
        listeners: impl Fn(usize) -> Vec<&'static str>,
    ) -> usize {
        let inside = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let runs = (0..writers).map(|i| {
            let ids = listeners(i);
            let (inside, peak) = (&inside, &peak);
            async move {
                let _turn = take(client, &ids).await;
                let shared = ids.contains(&"lsn-1");
                if shared {
                    peak.fetch_max(inside.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
                if shared {
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            }
        });
        futures::future::join_all(runs).await;
        peak.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn writers_of_one_listener_take_turns() {
        let c = client("http://127.0.0.1:1");
        assert_eq!(peak_on_shared_listener(&c, 8, |_| vec!["lsn-1"]).await, 1);
        // Writers holding several listeners, taken in different orders, neither overlap on the
        // shared one nor deadlock.
        let mixed = |i: usize| {
            if i.is_multiple_of(2) {
                vec!["lsn-2", "lsn-1"]
            } else {
                vec!["lsn-1", "lsn-3", "lsn-2"]
            }
        };
        assert_eq!(peak_on_shared_listener(&c, 8, mixed).await, 1);
    }

    #[tokio::test]
    async fn other_listeners_and_endpoints_do_not_wait() {
        let a = client("http://127.0.0.1:2");
        let b = client("http://127.0.0.1:3");
        let _held = take(&a, &["lsn-1"]).await;
        let free = tokio::time::timeout(Duration::from_secs(1), async {
            let _other_listener = take(&a, &["lsn-9"]).await;
            let _other_endpoint = take(&b, &["lsn-1"]).await;
        })
        .await;
        assert!(
            free.is_ok(),
            "a turn of another listener or endpoint waited"
        );
        let busy = tokio::time::timeout(Duration::from_millis(50), take(&a, &["lsn-1"])).await;
        assert!(busy.is_err(), "the held turn was handed out twice");
    }
}
