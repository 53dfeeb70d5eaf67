//! The leader's loop. Each server group the agent owns ([`reconcile::Reconciler::agent_groups`],
//! re-listed every `relist`) is a target whose backend, member weight and node selector are read
//! from its tags (`model::expand::MemberRequest::from_group_tags`); a new target, or one whose
//! tags now say something else, is reconciled at once. Watch events schedule the targets they
//! concern after the `debounce` (a burst of events within it is one reconcile); at most
//! `concurrency` targets reconcile at once; a target whose events arrive while it reconciles is
//! reconciled once more afterwards; every `resync` all targets are read from the API and
//! converged even without events, so a missed event or a console edit heals.
//!
//! A reconcile computes the wanted members ([`crate::desired`]); when they equal what the last
//! reconcile converged to, nothing is read or written (a forced reconcile — new target, resync,
//! retry — always reads). Otherwise it reads the group's members, plans the member ops
//! (`model::diff::plan_member_ops`: add, reweight, then remove) and runs them with the
//! provider's executor (`reconcile`: ClientTokens, job waits, retries with backoff), so the
//! group never serves fewer members than before or after. Then the readiness gates of the
//! namespace are opened where due ([`crate::gates`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use model::desired::Member;
use model::diff::{plan_member_ops, GroupRef};
use model::expand::MemberRequest;
use model::spec::{MemberMode, DEFAULT_MEMBER_WEIGHT};
use model::{Op, OpKind};
use reconcile::{MemberHealth, Reconciler};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::caches::{Caches, Trigger};
use crate::desired;
use crate::gates;
use crate::metrics::Metrics;

/// Owner named in the ClientTokens of the agent's operations.
const OWNER: &str = "alb-member-sync";

/// Timing and bounds of the loop.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Quiet time between an event and the reconcile it schedules.
    pub debounce: Duration,
    /// Reconciles at once.
    pub concurrency: usize,
    /// Interval of re-listing the groups.
    pub relist: Duration,
    /// Interval of the full resync.
    pub resync: Duration,
    /// Delay before a failed reconcile is retried.
    pub retry_after: Duration,
    /// Delay before the readiness gates waiting for health checks are looked at again.
    pub health_poll: Duration,
    /// Time running reconciles get when the term ends.
    pub shutdown_grace: Duration,
}

/// A server group the agent owns, with the backend it serves.
#[derive(Clone, Debug, PartialEq)]
struct Target {
    id: String,
    request: MemberRequest,
    /// Whether the group's health checks are on (readiness gates then wait for them).
    health_checked: bool,
}

/// How a reconcile ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    Failed,
    /// Converged, and readiness gates wait for health checks: look again after `health_poll`.
    HealthPending,
}

/// Groups due for a reconcile: when, and whether the API must be read (forced).
#[derive(Debug, Default)]
struct Queue(HashMap<String, (Instant, bool)>);

impl Queue {
    /// Schedules `id` at `at` (an earlier schedule stands; `force` accumulates).
    fn schedule(&mut self, id: &str, at: Instant, force: bool) {
        self.0
            .entry(id.to_owned())
            .and_modify(|(when, forced)| {
                *when = (*when).min(at);
                *forced |= force;
            })
            .or_insert((at, force));
    }

    fn next(&self) -> Option<Instant> {
        self.0.values().map(|(at, _)| *at).min()
    }

    fn take_due(&mut self, now: Instant) -> Vec<(String, bool)> {
        let due: Vec<(String, bool)> = self
            .0
            .iter()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(id, (_, force))| (id.clone(), *force))
            .collect();
        for (id, _) in &due {
            self.0.remove(id);
        }
        due
    }
}

/// The agent's reconciler of member sets.
pub struct Syncer {
    rec: Reconciler,
    caches: Caches,
    kube: Client,
    settings: Settings,
    metrics: Arc<Metrics>,
    targets: Mutex<BTreeMap<String, Target>>,
    /// Members each group held after its last successful reconcile.
    converged: Mutex<HashMap<String, Vec<Member>>>,
}

impl Syncer {
    /// A syncer writing through `rec`, reading `caches`, patching pods through `kube`.
    pub fn new(
        rec: Reconciler,
        caches: Caches,
        kube: Client,
        settings: Settings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            rec,
            caches,
            kube,
            settings,
            metrics,
            targets: Mutex::default(),
            converged: Mutex::default(),
        }
    }

    /// Runs the loop for one leadership term, until `term` fires; running reconciles then get
    /// the shutdown grace to finish (they stop between operations), and are abandoned after it.
    pub async fn lead(
        self: &Arc<Self>,
        triggers: &mut UnboundedReceiver<Trigger>,
        term: CancellationToken,
    ) {
        lock(&self.converged).clear();
        let mut queue = Queue::default();
        let mut running: HashSet<String> = HashSet::new();
        let mut again: HashMap<String, bool> = HashMap::new();
        let mut workers: JoinSet<(String, Outcome)> = JoinSet::new();
        let permits = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let mut relist = tokio::time::interval(self.settings.relist);
        let mut resync =
            tokio::time::interval_at(Instant::now() + self.settings.resync, self.settings.resync);
        loop {
            self.metrics
                .queue_depth
                .set(i64::try_from(queue.0.len() + again.len()).unwrap_or(i64::MAX));
            let next = queue.next();
            tokio::select! {
                biased;
                _ = term.cancelled() => break,
                Some(joined) = workers.join_next(), if !workers.is_empty() => {
                    let Ok((id, outcome)) = joined else { continue };
                    running.remove(&id);
                    match outcome {
                        Outcome::Failed => {
                            queue.schedule(&id, Instant::now() + self.settings.retry_after, true);
                        }
                        Outcome::HealthPending => {
                            queue.schedule(&id, Instant::now() + self.settings.health_poll, false);
                        }
                        Outcome::Done => {}
                    }
                    if let Some(force) = again.remove(&id) {
                        queue.schedule(&id, Instant::now() + self.settings.debounce, force);
                    }
                }
                _ = relist.tick() => {
                    tokio::select! {
                        _ = term.cancelled() => break,
                        () = self.relist(&mut queue) => {}
                    }
                }
                _ = resync.tick() => {
                    for id in lock(&self.targets).keys() {
                        queue.schedule(id, Instant::now(), true);
                    }
                }
                Some(trigger) = triggers.recv() => {
                    let at = Instant::now() + self.settings.debounce;
                    for id in self.concerned(&trigger) {
                        queue.schedule(&id, at, false);
                    }
                }
                _ = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                    for (id, force) in queue.take_due(Instant::now()) {
                        if running.contains(&id) {
                            *again.entry(id).or_default() |= force;
                            continue;
                        }
                        let Some(target) = lock(&self.targets).get(&id).cloned() else {
                            continue;
                        };
                        running.insert(id);
                        let syncer = Arc::clone(self);
                        let permits = Arc::clone(&permits);
                        let term = term.clone();
                        workers.spawn(async move {
                            let Ok(_permit) = permits.acquire_owned().await else {
                                return (target.id, Outcome::Failed);
                            };
                            let outcome = syncer.reconcile(&target, force, &term).await;
                            (target.id, outcome)
                        });
                    }
                }
            }
        }
        let drained = tokio::time::timeout(self.settings.shutdown_grace, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                abandoned = workers.len(),
                "reconciles still running after the shutdown grace; abandoned"
            );
            workers.abort_all();
        }
        self.metrics.queue_depth.set(0);
    }

    /// The targets an event concerns.
    fn concerned(&self, trigger: &Trigger) -> Vec<String> {
        lock(&self.targets)
            .values()
            .filter(|t| match trigger {
                Trigger::Service { namespace, name } => {
                    t.request.namespace == *namespace && t.request.service == *name
                }
                Trigger::Nodes => t.request.mode == MemberMode::NodePort,
                Trigger::Pods { namespace } => t.request.namespace == *namespace,
            })
            .map(|t| t.id.clone())
            .collect()
    }

    /// Re-lists the groups; new ones are reconciled at once.
    async fn relist(&self, queue: &mut Queue) {
        let groups = match self.rec.agent_groups().await {
            Ok(groups) => groups,
            Err(error) => {
                tracing::warn!(%error, "listing the agent's server groups failed");
                return;
            }
        };
        let mut targets = BTreeMap::new();
        for group in groups {
            let weight = usual_weight(&group.members);
            match MemberRequest::from_group_tags(&group.tags, group.member_mode, weight) {
                Ok(request) => {
                    targets.insert(
                        group.id.clone(),
                        Target {
                            id: group.id,
                            request,
                            health_checked: group.attributes.health_check.is_some(),
                        },
                    );
                }
                Err(reason) => {
                    tracing::warn!(group = %group.id, %reason, "server group tags unusable; skipped")
                }
            }
        }
        let mut known = lock(&self.targets);
        // New groups, and groups whose backend, weight or node selector changed (the provider
        // retags a group in place when `member_weight` or `node_selector` changes).
        for (id, target) in &targets {
            if known.get(id) != Some(target) {
                queue.schedule(id, Instant::now(), true);
            }
        }
        lock(&self.converged).retain(|id, _| targets.contains_key(id));
        queue.0.retain(|id, _| targets.contains_key(id));
        self.metrics
            .groups
            .set(i64::try_from(targets.len()).unwrap_or(i64::MAX));
        *known = targets;
    }

    /// Converges one group, then opens the readiness gates of its namespace that are due.
    async fn reconcile(&self, target: &Target, force: bool, term: &CancellationToken) -> Outcome {
        if term.is_cancelled() {
            return Outcome::Done;
        }
        let started = std::time::Instant::now();
        let id = target.id.as_str();
        let want = match desired::members(&target.request, &self.caches) {
            Ok(members) => members,
            Err(error) => {
                // The group is left as it is: Terraform owns the backend's existence.
                tracing::warn!(group = id, %error, "backend not resolvable; members left unchanged");
                self.metrics.reconciled("backend_error");
                return Outcome::Done;
            }
        };
        let unchanged = !force && lock(&self.converged).get(id) == Some(&want);
        let result = if unchanged {
            "unchanged"
        } else {
            match self.converge(target, &want, term).await {
                Ok(()) => {
                    lock(&self.converged).insert(id.to_owned(), want);
                    "ok"
                }
                Err(()) => {
                    lock(&self.converged).remove(id);
                    self.metrics.reconciled("error");
                    return Outcome::Failed;
                }
            }
        };
        let health_pending = self.open_gates(&target.request.namespace).await;
        self.metrics.reconciled(result);
        self.metrics
            .reconcile_seconds
            .observe(started.elapsed().as_secs_f64());
        if health_pending {
            Outcome::HealthPending
        } else {
            Outcome::Done
        }
    }

    /// Reads the group's members and runs the ops that turn them into `want`.
    async fn converge(
        &self,
        target: &Target,
        want: &[Member],
        term: &CancellationToken,
    ) -> Result<(), ()> {
        let id = target.id.as_str();
        let have = self.rec.group_members(id).await.map_err(|error| {
            tracing::warn!(group = id, %error, "reading members failed");
        })?;
        let group = GroupRef {
            key: target.request.key.clone(),
            id: Some(id.to_owned()),
        };
        let ops = plan_member_ops(OWNER, &group, &have, want);
        if ops.is_empty() {
            return Ok(());
        }
        match self.rec.execute(None, &ops, term).await {
            Ok(report) => {
                self.count_members(&ops[..report.ops_done]);
                tracing::info!(
                    group = id,
                    key = %target.request.key,
                    members = want.len(),
                    ops = ops.len(),
                    calls = report.calls,
                    "members converged"
                );
                Ok(())
            }
            Err(failure) => {
                self.count_members(&ops[..failure.report.ops_done.min(ops.len())]);
                tracing::warn!(group = id, op = %failure.op, error = %failure.error, "member change failed");
                Err(())
            }
        }
    }

    fn count_members(&self, done: &[Op]) {
        for op in done {
            match &op.kind {
                OpKind::AddMembers { members, .. } => {
                    self.metrics.members_added.inc_by(members.len() as u64);
                }
                OpKind::RemoveMembers { members, .. } => {
                    self.metrics.members_removed.inc_by(members.len() as u64);
                }
                OpKind::ReplaceMembers { added, removed, .. } => {
                    self.metrics.members_added.inc_by(added.len() as u64);
                    self.metrics.members_removed.inc_by(removed.len() as u64);
                }
                _ => {}
            }
        }
    }

    /// Sets the readiness gate of every waiting pod of `namespace` whose IP is wanted by at
    /// least one ip-mode group there, registered in each group that wants it and, in groups
    /// whose health checks are on, healthy as far as the API reports
    /// ([`reconcile::Reconciler::member_health`]). Returns whether a gate waits for health.
    async fn open_gates(&self, namespace: &str) -> bool {
        let waiting: Vec<Arc<Pod>> = self
            .caches
            .pods
            .in_namespace(namespace)
            .into_iter()
            .filter(|p| gates::waiting(p) && gates::pod_ip(p).is_some())
            .collect();
        if waiting.is_empty() {
            return false;
        }
        let groups: Vec<GateGroup> = {
            let targets: Vec<Target> = lock(&self.targets)
                .values()
                .filter(|t| t.request.namespace == namespace && t.request.mode == MemberMode::Ip)
                .cloned()
                .collect();
            targets
                .into_iter()
                .map(|t| GateGroup {
                    want: desired::members(&t.request, &self.caches).unwrap_or_default(),
                    converged: lock(&self.converged).get(&t.id).cloned(),
                    health: (t.health_checked).then(OnceCell::new),
                    id: t.id,
                })
                .collect()
        };
        let mut health_pending = false;
        for pod in waiting {
            let Some(ip) = gates::pod_ip(&pod) else {
                continue;
            };
            let of_pod = |members: &[Member]| -> Vec<Member> {
                members
                    .iter()
                    .filter(|m| m.server_id == ip)
                    .cloned()
                    .collect()
            };
            let wanting: Vec<&GateGroup> = groups
                .iter()
                .filter(|g| !of_pod(&g.want).is_empty())
                .collect();
            let registered = !wanting.is_empty()
                && wanting.iter().all(|g| {
                    g.converged
                        .as_deref()
                        .is_some_and(|c| !of_pod(c).is_empty())
                });
            if !registered {
                continue;
            }
            let mut healthy = true;
            for g in &wanting {
                healthy &= self.healthy(g, &of_pod(&g.want)).await;
            }
            if !healthy {
                health_pending = true;
                tracing::debug!(pod = ?pod.metadata.name, namespace, ip, "readiness gate waits for health checks");
                continue;
            }
            match gates::open(&self.kube, &pod).await {
                Ok(()) => {
                    self.metrics.gates_opened.inc();
                    tracing::info!(pod = ?pod.metadata.name, namespace, ip, "readiness gate set True");
                }
                Err(error) => {
                    tracing::warn!(pod = ?pod.metadata.name, %error, "readiness gate not set")
                }
            }
        }
        health_pending
    }

    /// Whether `members` of group `g` are healthy as far as the API reports (always, when the
    /// group's health checks are off); the health is read once per gate pass. A failed read
    /// counts as not healthy, so the gate waits and the read is retried.
    async fn healthy(&self, g: &GateGroup, members: &[Member]) -> bool {
        let Some(cell) = &g.health else {
            return true;
        };
        let health = cell
            .get_or_init(|| async {
                self.rec
                    .member_health(&g.id)
                    .await
                    .map_err(|error| tracing::warn!(group = %g.id, %error, "reading member health failed"))
                    .ok()
            })
            .await;
        health
            .as_ref()
            .is_some_and(|h| members.iter().all(|m| h.healthy(&m.server_id, m.port)))
    }
}

/// An ip-mode group as a readiness-gate pass sees it.
struct GateGroup {
    id: String,
    /// Members it wants now.
    want: Vec<Member>,
    /// Members it held after its last successful reconcile.
    converged: Option<Vec<Member>>,
    /// Health checks on: the member health, read at most once per pass (`None` in the cell:
    /// the read failed).
    health: Option<OnceCell<Option<MemberHealth>>>,
}

/// The weight most of `members` carry, else the default weight for an empty group: the member
/// weight of a group without the `alb.terraform/member-weight` tag (tagged by a provider
/// release before it was written; the provider gives all members of a group one weight).
fn usual_weight(members: &[Member]) -> u32 {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for m in members {
        *counts.entry(m.weight).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(weight, n)| (*n, *weight))
        .map_or(DEFAULT_MEMBER_WEIGHT, |(weight, _)| weight)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::desired::ServerType;

    fn member(ip: &str, weight: u32) -> Member {
        Member {
            server_id: ip.into(),
            ip: String::new(),
            port: 80,
            weight,
            kind: ServerType::Ip,
        }
    }

    #[test]
    fn the_usual_weight_is_the_most_common_one() {
        assert_eq!(usual_weight(&[]), DEFAULT_MEMBER_WEIGHT);
        let members = [member("a", 30), member("b", 30), member("c", 100)];
        assert_eq!(usual_weight(&members), 30);
    }

    #[test]
    fn a_burst_of_schedules_is_one_entry_at_the_first_deadline() {
        let mut queue = Queue::default();
        let t0 = Instant::now();
        queue.schedule("sgp-1", t0 + Duration::from_secs(1), false);
        for i in 0..50 {
            queue.schedule("sgp-1", t0 + Duration::from_millis(1000 + i), false);
        }
        queue.schedule("sgp-1", t0 + Duration::from_secs(5), true);
        assert_eq!(queue.next(), Some(t0 + Duration::from_secs(1)));
        assert!(queue.take_due(t0).is_empty());
        assert_eq!(
            queue.take_due(t0 + Duration::from_secs(1)),
            [("sgp-1".to_owned(), true)]
        );
        assert_eq!(queue.next(), None);
    }
}
