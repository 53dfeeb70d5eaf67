//! The snapshot cache: what each load balancer holds, read once and shared by every observation
//! until a write to that load balancer invalidates it.
//!
//! A [`Reconciler`](crate::Reconciler) built with
//! [`with_snapshots`](crate::Reconciler::with_snapshots) keeps one [`Snapshot`] per load balancer
//! id, shared by its clones. Each part of a snapshot (attributes, listeners, rules, the server
//! groups of a config and their servers, the servers of a single group) is filled on first use
//! by the observation that needs it;
//! concurrent observations wait for that one fill instead of reading again. A failed fill is not
//! kept: the next observation tries again.
//!
//! Every run of operations against a load balancer ([`Reconciler::execute_marked`],
//! [`Reconciler::delete_config`]) invalidates its snapshot when it starts and when it ends
//! (whether it succeeded or not), so an observation after a write always reads afresh, and one
//! that ran during a write of another resource is forgotten when that write ends. A run that
//! writes only ingress objects keeps the load balancer's attributes and listeners
//! ([`Snapshots::invalidate_ingress_objects`]). An observation
//! that started before an invalidation finishes on the snapshot it started with.
//!
//! Without `with_snapshots` (the default), every observation gets a snapshot of its own: reads
//! are never shared, which suits long-lived users and tests that write behind the reconciler's
//! back.
//!
//! [`Reconciler::execute_marked`]: crate::Reconciler::execute_marked
//! [`Reconciler::delete_config`]: crate::Reconciler::delete_config

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use alb_api::listener::Listener;
use alb_api::load_balancer::LoadBalancer;
use alb_api::rule::Rule;
use alb_api::server_group::{ServerGroup, ServerGroupServer};
use model::desired::ListenerKey;
use tokio::sync::OnceCell;

/// What one load balancer held when each part was first read after the last write.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// `GetLoadBalancerAttribute`; `None` when the load balancer does not exist.
    pub load_balancer: OnceCell<Option<Arc<LoadBalancer>>>,
    /// `ListListeners` of the load balancer, each with its key (unrepresentable ones left out).
    pub listeners: OnceCell<Arc<Vec<(ListenerKey, Listener)>>>,
    /// `ListRules` of the load balancer (every owner).
    pub rules: OnceCell<Arc<Vec<Rule>>>,
    /// `ListServerGroups` by the ownership tags of a config (cluster + config), by config
    /// identity: its placeholders and its ingresses' groups.
    pub groups: OnceMap<String, Arc<Vec<ServerGroup>>>,
    /// `ListServerGroupServers` by the ownership tags of a config (cluster + config), by config
    /// identity: the servers of all its groups, by server group id.
    pub config_servers: OnceMap<String, Arc<ServersByGroup>>,
    /// `ListServerGroupServers` by server group id: a group whose servers the config's listing
    /// did not account for (see `Reconciler::members_of_group`).
    pub members: OnceMap<String, Arc<Vec<ServerGroupServer>>>,
}

/// Listed servers by server group id.
pub(crate) type ServersByGroup = HashMap<String, Vec<ServerGroupServer>>;

/// The snapshots shared by a reconciler and its clones.
#[derive(Debug, Default)]
struct Shared {
    /// The current snapshot of each load balancer.
    by_load_balancer: Mutex<HashMap<String, Arc<Snapshot>>>,
    /// Held while a batched fill ([`Snapshots::fill_batched`]) reads, so that concurrent
    /// readers of other load balancers wait for it instead of each reading a batch.
    batched_fills: tokio::sync::Mutex<()>,
}

/// The snapshots of one reconciler and its clones.
#[derive(Clone, Debug, Default)]
pub(crate) struct Snapshots {
    /// `None`: nothing is shared, every [`Snapshots::of`] is a fresh snapshot.
    shared: Option<Arc<Shared>>,
}

impl Snapshots {
    /// Snapshots shared by every holder of a clone.
    pub fn shared() -> Self {
        Snapshots {
            shared: Some(Arc::default()),
        }
    }

    /// The current snapshot of load balancer `lb_id` (a new, empty one after an invalidation).
    pub fn of(&self, lb_id: &str) -> Arc<Snapshot> {
        let Some(shared) = &self.shared else {
            return Arc::default();
        };
        let mut map = shared
            .by_load_balancer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(lb_id.to_owned()).or_default())
    }

    /// `part` of the snapshot of `lb_id`, filled unless it is: one `read` of `lb_id` and of up
    /// to `limit - 1` other load balancers with a current snapshot that lacks the part (by id)
    /// fills it for each load balancer the read answers for (`read` returns the part by load
    /// balancer id; one it leaves out stays unfilled). Batched fills are serialized: a reader
    /// that comes while one reads waits for it and finds its part filled.
    pub async fn fill_batched<T, E, F, Fut>(
        &self,
        lb_id: &str,
        part: impl Fn(&Snapshot) -> &OnceCell<Arc<T>>,
        limit: usize,
        read: F,
    ) -> Result<Arc<T>, E>
    where
        T: Default,
        F: FnOnce(Vec<String>) -> Fut,
        Fut: Future<Output = Result<HashMap<String, T>, E>>,
    {
        let snapshot = self.of(lb_id);
        if let Some(filled) = part(&snapshot).get() {
            return Ok(Arc::clone(filled));
        }
        let _batch = match &self.shared {
            Some(shared) => Some(shared.batched_fills.lock().await),
            None => None,
        };
        if let Some(filled) = part(&snapshot).get() {
            return Ok(Arc::clone(filled));
        }
        let others = self.unfilled_besides(lb_id, &part, limit.saturating_sub(1));
        let ids = std::iter::once(lb_id.to_owned())
            .chain(others.iter().map(|(id, _)| id.clone()))
            .collect();
        let mut by_lb = read(ids).await?;
        for (id, other) in others {
            if let Some(value) = by_lb.remove(&id) {
                // Only this function fills the part, under the lock: the cell is empty.
                let _ = part(&other).set(Arc::new(value));
            }
        }
        let own = Arc::new(by_lb.remove(lb_id).unwrap_or_default());
        let _ = part(&snapshot).set(Arc::clone(&own));
        Ok(own)
    }

    /// Other load balancers than `lb_id` with a current snapshot whose `part` is not filled,
    /// at most `limit`, by id. None when nothing is shared.
    fn unfilled_besides<T>(
        &self,
        lb_id: &str,
        part: impl Fn(&Snapshot) -> &OnceCell<T>,
        limit: usize,
    ) -> Vec<(String, Arc<Snapshot>)> {
        let Some(shared) = &self.shared else {
            return Vec::new();
        };
        let map = shared
            .by_load_balancer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut others: Vec<(String, Arc<Snapshot>)> = map
            .iter()
            .filter(|(id, snapshot)| id.as_str() != lb_id && !part(snapshot).initialized())
            .map(|(id, snapshot)| (id.clone(), Arc::clone(snapshot)))
            .collect();
        others.sort_by(|a, b| a.0.cmp(&b.0));
        others.truncate(limit);
        others
    }

    /// Forgets the snapshot of `lb_id`: the next observation reads it afresh.
    pub fn invalidate(&self, lb_id: &str) {
        if let Some(shared) = &self.shared {
            let removed = shared
                .by_load_balancer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(lb_id);
            if removed.is_some() {
                tracing::debug!(lb_id, "snapshot invalidated");
            }
        }
    }
}

impl Snapshots {
    /// Forgets what a run on ingress objects (server groups, their members, rules) may have
    /// changed on `lb_id`: the next observation reads those afresh, while the load balancer's
    /// attributes and listeners, which such a run does not write, stay as they were read.
    pub fn invalidate_ingress_objects(&self, lb_id: &str) {
        if let Some(shared) = &self.shared {
            let mut map = shared
                .by_load_balancer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(old) = map.get(lb_id) {
                let kept = Snapshot {
                    load_balancer: old.load_balancer.clone(),
                    listeners: old.listeners.clone(),
                    ..Snapshot::default()
                };
                map.insert(lb_id.to_owned(), Arc::new(kept));
                tracing::debug!(
                    lb_id,
                    "snapshot invalidated but its load balancer and listeners"
                );
            }
        }
    }
}

/// Values filled once per key, concurrent callers of one key sharing the fill.
pub(crate) struct OnceMap<K, V>(Mutex<HashMap<K, Arc<OnceCell<V>>>>);

impl<K, V> Default for OnceMap<K, V> {
    fn default() -> Self {
        OnceMap(Mutex::new(HashMap::new()))
    }
}

impl<K, V> fmt::Debug for OnceMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.0.lock().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("OnceMap").field("keys", &len).finish()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> OnceMap<K, V> {
    /// The value of `key`, filled by `fill` unless an earlier or concurrent call filled it; an
    /// error is returned and not kept.
    pub async fn get_or_try_fill<E, F, Fut>(&self, key: &K, fill: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(map.entry(key.clone()).or_default())
        };
        cell.get_or_try_init(fill).await.cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Fills a snapshot's rules, counting the fills; yields first so that concurrent callers
    /// really overlap.
    async fn rules(snapshot: &Snapshot, fills: &AtomicUsize) -> Result<usize, String> {
        let rules = snapshot
            .rules
            .get_or_try_init(|| async {
                fills.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Ok::<_, String>(Arc::new(vec![Rule::default()]))
            })
            .await?;
        Ok(rules.len())
    }

    #[tokio::test]
    async fn concurrent_readers_share_one_fill() {
        let snapshots = Snapshots::shared();
        let fills = AtomicUsize::new(0);
        let readers = (0..20).map(|_| async {
            let snapshot = snapshots.clone().of("alb-1");
            rules(&snapshot, &fills).await
        });
        let results = futures::future::join_all(readers).await;
        assert!(results.iter().all(|r| r == &Ok(1)), "{results:?}");
        assert_eq!(fills.load(Ordering::SeqCst), 1);
        // Another load balancer has its own snapshot.
        rules(&snapshots.of("alb-2"), &fills).await.unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn invalidation_makes_the_next_reader_fill_again() {
        let snapshots = Snapshots::shared();
        let fills = AtomicUsize::new(0);
        let before = snapshots.of("alb-1");
        rules(&before, &fills).await.unwrap();
        rules(&snapshots.of("alb-1"), &fills).await.unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 1);
        snapshots.invalidate("alb-1");
        rules(&snapshots.of("alb-1"), &fills).await.unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 2);
        // A reader that held the old snapshot still sees it (it started before the write).
        rules(&before, &fills).await.unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 2);
        // Invalidating one load balancer keeps the others.
        rules(&snapshots.of("alb-2"), &fills).await.unwrap();
        snapshots.invalidate("alb-1");
        rules(&snapshots.of("alb-2"), &fills).await.unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 3);
    }

    /// A batched read of rules answering for the ids it is given (one rule each, named after
    /// the load balancer), counting the reads and the ids read; yields first so that concurrent
    /// callers overlap.
    async fn batched_rules(
        snapshots: &Snapshots,
        lb_id: &str,
        limit: usize,
        reads: &Mutex<Vec<Vec<String>>>,
    ) -> Arc<Vec<Rule>> {
        snapshots
            .fill_batched(
                lb_id,
                |s| &s.rules,
                limit,
                |ids: Vec<String>| async move {
                    tokio::task::yield_now().await;
                    reads.lock().unwrap().push(ids.clone());
                    let by_lb = ids
                        .into_iter()
                        .map(|id| {
                            let rule = Rule {
                                rule_id: format!("rule-of-{id}"),
                                ..Default::default()
                            };
                            (id, vec![rule])
                        })
                        .collect();
                    Ok::<_, String>(by_lb)
                },
            )
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_batched_fill_reads_the_other_known_load_balancers_and_concurrent_readers_share_it() {
        let snapshots = Snapshots::shared();
        for id in ["alb-3", "alb-1", "alb-2", "alb-4"] {
            snapshots.of(id);
        }
        let reads = Mutex::new(Vec::new());
        let readers =
            ["alb-2", "alb-4", "alb-1", "alb-3"].map(|id| batched_rules(&snapshots, id, 3, &reads));
        let rules = futures::future::join_all(readers).await;
        for (id, rules) in ["alb-2", "alb-4", "alb-1", "alb-3"].iter().zip(&rules) {
            assert_eq!(rules[0].rule_id, format!("rule-of-{id}"));
        }
        // alb-2 read itself with the first two others by id (3 at most); alb-4, the one left,
        // read alone; the readers of alb-1 and alb-3 waited and found theirs filled.
        let reads = reads.into_inner().unwrap();
        assert_eq!(reads, [vec!["alb-2", "alb-1", "alb-3"], vec!["alb-4"]]);

        // Unshared: each fill reads its own load balancer only.
        let unshared = Snapshots::default();
        let reads = Mutex::new(Vec::new());
        batched_rules(&unshared, "alb-1", 20, &reads).await;
        batched_rules(&unshared, "alb-1", 20, &reads).await;
        assert_eq!(reads.into_inner().unwrap(), [vec!["alb-1"], vec!["alb-1"]]);
    }

    #[tokio::test]
    async fn ingress_invalidation_keeps_the_load_balancer_and_listeners() {
        let snapshots = Snapshots::shared();
        let fills = AtomicUsize::new(0);
        let before = snapshots.of("alb-1");
        rules(&before, &fills).await.unwrap();
        before.load_balancer.set(None).unwrap();
        before.listeners.set(Arc::default()).unwrap();
        snapshots.invalidate_ingress_objects("alb-1");
        let after = snapshots.of("alb-1");
        assert!(after.load_balancer.initialized() && after.listeners.initialized());
        rules(&after, &fills).await.unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 2, "rules are read again");
        snapshots.invalidate("alb-1");
        assert!(!snapshots.of("alb-1").listeners.initialized());
    }

    #[tokio::test]
    async fn unshared_snapshots_are_fresh_every_time() {
        let snapshots = Snapshots::default();
        let fills = AtomicUsize::new(0);
        rules(&snapshots.of("alb-1"), &fills).await.unwrap();
        rules(&snapshots.of("alb-1"), &fills).await.unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn failed_fills_are_not_kept_and_keys_fill_once() {
        let map: OnceMap<String, Arc<Vec<u32>>> = OnceMap::default();
        let key = "sgp-1".to_owned();
        let failed = map
            .get_or_try_fill(&key, || async { Err::<Arc<Vec<u32>>, _>("throttled") })
            .await;
        assert_eq!(failed, Err("throttled"));
        let fills = AtomicUsize::new(0);
        let fill = || async {
            fills.fetch_add(1, Ordering::SeqCst);
            Ok::<_, &str>(Arc::new(vec![7]))
        };
        assert_eq!(*map.get_or_try_fill(&key, fill).await.unwrap(), vec![7]);
        assert_eq!(*map.get_or_try_fill(&key, fill).await.unwrap(), vec![7]);
        assert_eq!(fills.load(Ordering::SeqCst), 1);
        map.get_or_try_fill(&"sgp-2".to_owned(), fill)
            .await
            .unwrap();
        assert_eq!(fills.load(Ordering::SeqCst), 2);
    }
}
