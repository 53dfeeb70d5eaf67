//! Execution of the model's ordered operations.
//!
//! | `OpKind` | API calls (each mutating one with a ClientToken) |
//! |---|---|
//! | `CreateLoadBalancer` | `CreateLoadBalancer` (deletion protection included), wait `Active`; `EnableLoadBalancerAccessLog` + job when desired |
//! | `UpdateLoadBalancer` | `GetLoadBalancerAttribute`, then only what differs: `UpdateLoadBalancerAttribute` (name) + job, `Enable`/`DisableDeletionProtection`, `Disable`/`EnableLoadBalancerAccessLog` (+ job), `TagResources` / `UnTagResources` of user tags (ownership tags untouched) |
//! | `Adopt` | `TagResources` of the ownership tags (a foreign load balancer or listener an import takes over) |
//! | `CreatePlaceholderGroup` | `CreateServerGroup` (Instance, HTTP, health check off, tags), wait `Available` |
//! | `CreateListener` | `CreateListener` (default action → placeholder, default certificate) + job; `AssociateAdditionalCertificatesWithListener` + job for the other certificates |
//! | `UpdateListener` | `DissociateAdditionalCertificatesFromListener` + job (certificates no longer wanted), `UpdateListenerAttribute` (every attribute, default action) + job, `AssociateAdditionalCertificatesWithListener` + job (new ones); certificates read with `ListListenerCertificates` |
//! | `DeleteListener` | `DeleteListener` + job (not found = done; not used by `delete_config`, see there) |
//! | `CreateServerGroup` | `CreateServerGroup` (attributes, tags), wait `Available` |
//! | `AddMembers` / `UpdateMembers` | `AddServersToServerGroup` / `UpdateServerGroupServersAttribute` (batched) + jobs |
//! | `ReplaceMembers` | `ReplaceServersInServerGroup` + job; on "not found", an add and a remove of the servers still present |
//! | `UpdateServerGroup` | `UpdateServerGroupAttribute` (every attribute) + job |
//! | `SetMemberSync` | `TagResources` of the agent tags (`alb.terraform/members=agent`, `member-weight`, `node-selector`), `UnTagResources` of those left out |
//! | `CreateRules` | `CreateRules` (tags; server-group keys resolved to ids) + job |
//! | `UpdateRules` | `UpdateRulesAttribute` + job |
//! | `RemoveMembers` | `RemoveServersFromServerGroup` + jobs; on "not found", once more with the servers still present |
//! | `DeleteRules` | `DeleteRules` + job (not found: one by one, not found = done) |
//! | `DeleteServerGroup` | `DeleteServerGroup` + job (not found = done; `ResourceInUse.ServerGroup` retried here, see [`run`]) |
//! | `CreateAcl` | `CreateAcl` (name, tags) + job |
//! | `AddAclEntries` / `RemoveAclEntries` | `AddEntriesToAcl` / `RemoveEntriesFromAcl` (≤20 per call) + jobs |
//! | `AssociateAcls` / `DissociateAcls` | `AssociateAclsWithListener` (type) / `DissociateAclsFromListener` + job |
//! | `DeleteAcl` | `DeleteAcl` + job (not found = done; `ResourceInUse.Acl` retried like server groups) |
//! | `Retag` | `TagResources` (ownership tags), `UnTagResources` (ACK's tags) |
//!
//! Server-group keys without an id resolve to the group created earlier in the run, else to the
//! ingress's existing group found by its ownership tags (one `ListServerGroups` per run);
//! listener keys to the listener created in the run, else to the load balancer's listener; the
//! VPC of new groups is the load balancer's (both from the load balancer's snapshot: a run that
//! writes only ingress objects keeps the attributes and listeners its ops were planned from,
//! any other run reads them at most once). ACL keys without
//! an id resolve to the ACL created earlier in the run (the plan names existing ones by id).
//!
//! Order and concurrency: stages of consecutive ops on different server groups, or of new
//! rules on different listeners, run side by side (see `stages`); every other op runs alone.
//! Rule writes (`CreateRules`, `UpdateRules`, `DeleteRules`, the creation-mark renames) take
//! their listeners' turns, shared by every run in the process (see `listener_turns`), so
//! concurrent runs never collide on `ResourceInConfiguring.Listener`.
//!
//! A create run ([`Reconciler::execute_marked`] with a token) marks the load balancer and server
//! groups it creates (`alb.terraform/creating` in the create call) and names its rules
//! `creating-…`; after the last op it renames the rules (`UpdateRulesAttribute` + job), then
//! untags the groups and the load balancer (`UnTagResources`), adopted marked objects included
//! (see `marks`). An ingress create whose only rule op is one final `CreateRules` marks neither
//! groups nor rules, and so makes neither call.

mod acl;
mod config;
mod delete;
mod ingress;
mod listener_turns;
mod marks;
mod retag;
mod run;
mod stages;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::stream::{self, StreamExt};
use model::desired::ListenerKey;
use model::ownership::ResourceKind;
use model::{Op, OpKind};
use tokio_util::sync::CancellationToken;

use crate::{ReconcileError, Reconciler};
pub use marks::CreationMarks;
use run::Run;

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecReport {
    /// The load balancer created by the run.
    pub created_load_balancer: Option<String>,
    /// Logical API calls made during the run (reads, writes and job polls; counted on the
    /// client, so approximate when the client is shared by concurrent runs).
    pub calls: usize,
    /// Of those, calls that change something.
    pub mutating_calls: usize,
    /// Operations completed.
    pub ops_done: usize,
    /// Listeners created: key → id.
    pub listeners: BTreeMap<ListenerKey, String>,
    /// Server groups created (placeholders included): key → id.
    pub server_groups: BTreeMap<String, String>,
    /// Rules created: identity → id.
    pub rules: BTreeMap<String, String>,
    /// ACLs created: key → id.
    pub acls: BTreeMap<String, String>,
}

/// A run that stopped early: what was done, why it stopped and at which operation.
#[derive(Debug, thiserror::Error)]
#[error("{op}: {error}")]
pub struct ExecFailure {
    /// What was done before the failure.
    pub report: ExecReport,
    /// Why the run stopped.
    #[source]
    pub error: ReconcileError,
    /// The operation that failed (or would have run next when cancelled): `<name> <object>`.
    pub op: String,
}

fn describe(op: &Op) -> String {
    format!("{} {}", op.kind.name(), op.kind.object())
}

impl Reconciler {
    /// Runs `ops` in order against the load balancer `lb_id` (`None` when the ops create it).
    /// Each mutating call carries a ClientToken derived from the op's `client_token` and a nonce
    /// of this run: retries inside the run reuse it, so the service deduplicates a call whose
    /// response was lost; a later run gets fresh tokens, so re-applying an earlier state is never
    /// answered from the service's idempotency cache. Objects a crashed run created are found
    /// again by their ownership tags when the next run observes. The cancel token is checked
    /// between ops.
    pub async fn execute(
        &self,
        lb_id: Option<&str>,
        ops: &[Op],
        cancel: &CancellationToken,
    ) -> Result<ExecReport, ExecFailure> {
        self.execute_marked(lb_id, ops, &CreationMarks::default(), cancel)
            .await
    }

    /// [`Self::execute`] with creation marks (see `model::ownership`): a create run
    /// (`marks.token`) marks the load balancer, server groups and rules it creates; once every op
    /// is done, the run removes those marks and the marks of the objects it adopted.
    ///
    /// The load balancer's snapshot is invalidated when the run starts and when it ends; a run
    /// that writes only ingress objects keeps its attributes and listeners (see
    /// [`keeps_load_balancer`]).
    pub async fn execute_marked(
        &self,
        lb_id: Option<&str>,
        ops: &[Op],
        marks: &CreationMarks,
        cancel: &CancellationToken,
    ) -> Result<ExecReport, ExecFailure> {
        let keeps = keeps_load_balancer(ops, marks);
        self.invalidate_run_snapshot(lb_id, keeps);
        let result = self.run_ops(lb_id, ops, marks, cancel).await;
        self.invalidate_run_snapshot(lb_id, keeps);
        let report = match &result {
            Ok(report) => report,
            Err(failure) => &failure.report,
        };
        self.invalidate_snapshot(report.created_load_balancer.as_deref());
        result
    }

    /// Forgets the snapshot of the load balancer a run writes to (see the `snapshot` module).
    pub(crate) fn invalidate_snapshot(&self, lb_id: Option<&str>) {
        if let Some(id) = lb_id {
            self.snapshots.invalidate(id);
        }
    }

    /// Forgets the snapshot of the load balancer a run writes to, all of it or (`keeps`) all
    /// but its attributes and listeners.
    fn invalidate_run_snapshot(&self, lb_id: Option<&str>, keeps: bool) {
        match lb_id {
            Some(id) if keeps => self.snapshots.invalidate_ingress_objects(id),
            _ => self.invalidate_snapshot(lb_id),
        }
    }

    /// The run of [`Self::execute_marked`].
    async fn run_ops(
        &self,
        lb_id: Option<&str>,
        ops: &[Op],
        marks: &CreationMarks,
        cancel: &CancellationToken,
    ) -> Result<ExecReport, ExecFailure> {
        let run = Run::new(self, lb_id, ops, marks);
        for stage in stages::stages(ops) {
            if let Err((op, error)) = self.run_stage(&run, &stage, cancel).await {
                return Err(run.fail(describe(op), error));
            }
        }
        const FINISH: &str = "FinishCreation (creation marks)";
        if cancel.is_cancelled() {
            return Err(run.fail(FINISH.to_owned(), ReconcileError::Cancelled));
        }
        if let Err(error) = run.finish_creation().await {
            return Err(run.fail(FINISH.to_owned(), error));
        }
        Ok(run.finish())
    }

    /// Runs the lanes of one stage (see [`stages`]), at most [`stages::LANES_AT_ONCE`] at a
    /// time, each lane's ops in order; a lane stops at its first failure (or cancellation) while
    /// the others finish what they started. Returns the first failed op in op order.
    async fn run_stage<'o>(
        &self,
        run: &Run<'_>,
        lanes: &[Vec<&'o Op>],
        cancel: &CancellationToken,
    ) -> Result<(), (&'o Op, ReconcileError)> {
        let lanes_run: Vec<_> = lanes
            .iter()
            .map(|ops| self.run_lane(run, ops, cancel))
            .collect();
        let results: Vec<Result<(), (&'o Op, ReconcileError)>> = stream::iter(lanes_run)
            .buffer_unordered(stages::LANES_AT_ONCE)
            .collect()
            .await;
        let position = |op: &Op| lanes.iter().flatten().position(|o| std::ptr::eq(*o, op));
        results
            .into_iter()
            .filter_map(Result::err)
            .min_by_key(|(op, _)| position(op))
            .map_or(Ok(()), Err)
    }

    /// The ops of one lane in order, up to the first failure (or cancellation).
    async fn run_lane<'o>(
        &self,
        run: &Run<'_>,
        ops: &[&'o Op],
        cancel: &CancellationToken,
    ) -> Result<(), (&'o Op, ReconcileError)> {
        for op in ops {
            if cancel.is_cancelled() {
                return Err((op, ReconcileError::Cancelled));
            }
            self.apply(run, op).await.map_err(|e| (*op, e))?;
        }
        Ok(())
    }

    /// One op with its progress logs.
    async fn apply(&self, run: &Run<'_>, op: &Op) -> Result<(), ReconcileError> {
        let started = Instant::now();
        let name = op.kind.name();
        let object = op.kind.object();
        let token = run.token_for(&op.client_token);
        tracing::info!(op = name, %object, %token, "op started");
        let token = token.as_str();
        let result = match &op.kind {
            OpKind::CreateLoadBalancer { lb, tags } => {
                run.create_load_balancer(lb, tags, token).await
            }
            OpKind::UpdateLoadBalancer { id, lb } => run.update_load_balancer(id, lb, token).await,
            OpKind::Adopt { resource, id, tags } => run.adopt(*resource, id, tags, token).await,
            OpKind::CreatePlaceholderGroup { group, tags, .. } => {
                run.create_placeholder(group, tags, token).await
            }
            OpKind::CreateListener {
                listener,
                default_group,
                tags,
            } => {
                run.create_listener(listener, default_group, tags, token)
                    .await
            }
            OpKind::UpdateListener {
                id,
                listener,
                default_group,
            } => {
                run.update_listener(id, listener, default_group, token)
                    .await
            }
            OpKind::DeleteListener { id, .. } => run.delete_listener(id, token).await,
            OpKind::CreateServerGroup { group, tags } => {
                run.create_server_group(group, tags, token).await
            }
            OpKind::AddMembers { group, members } => run.add_members(group, members, token).await,
            OpKind::ReplaceMembers {
                group,
                added,
                removed,
            } => run.replace_members(group, added, removed, token).await,
            OpKind::UpdateMembers { group, members } => {
                run.update_members(group, members, token).await
            }
            OpKind::UpdateServerGroup {
                id,
                name,
                attributes,
                ..
            } => run.update_server_group(id, name, attributes, token).await,
            OpKind::SetMemberSync {
                id, agent, stale, ..
            } => run.set_member_sync(id, agent.as_ref(), stale, token).await,
            OpKind::CreateRules { listener, rules } => {
                run.create_rules(*listener, rules, token).await
            }
            OpKind::UpdateRules { rules } => run.update_rules(rules, token).await,
            OpKind::RemoveMembers { group, members } => {
                run.remove_members(group, members, token).await
            }
            OpKind::DeleteRules { ids, listeners } => run.delete_rules(ids, listeners, token).await,
            OpKind::DeleteServerGroup { id, .. } => run.delete_server_group(id, token).await,
            OpKind::CreateAcl {
                key, name, tags, ..
            } => run.create_acl(key, name, tags, token).await,
            OpKind::AddAclEntries { acl, entries } => {
                run.change_acl_entries(acl, entries, true, token).await
            }
            OpKind::RemoveAclEntries { acl, entries } => {
                run.change_acl_entries(acl, entries, false, token).await
            }
            OpKind::AssociateAcls {
                listener,
                kind,
                acls,
            } => run.associate_acls(listener, *kind, acls, token).await,
            OpKind::DissociateAcls {
                listener_id,
                acl_ids,
                ..
            } => run.dissociate_acls(listener_id, acl_ids, token).await,
            OpKind::DeleteAcl { id, .. } => run.delete_acl(id, token).await,
            OpKind::Retag {
                resource,
                id,
                key,
                add,
                remove,
            } => run.retag(*resource, (id, key), add, remove, token).await,
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(()) => {
                run.done();
                tracing::info!(op = name, %object, elapsed_ms, "op done");
            }
            Err(e) => tracing::warn!(op = name, %object, elapsed_ms, error = %e, "op failed"),
        }
        result
    }
}

/// Whether a run of `ops` leaves the load balancer's attributes and listeners as they are: it
/// writes only ingress objects (server groups, their members and rules, the re-tagging of a
/// takeover's groups and rules) and removes no mark of the load balancer.
fn keeps_load_balancer(ops: &[Op], marks: &CreationMarks) -> bool {
    marks.load_balancer.is_none()
        && ops.iter().all(|op| match &op.kind {
            OpKind::CreateServerGroup { .. }
            | OpKind::AddMembers { .. }
            | OpKind::ReplaceMembers { .. }
            | OpKind::UpdateMembers { .. }
            | OpKind::UpdateServerGroup { .. }
            | OpKind::SetMemberSync { .. }
            | OpKind::CreateRules { .. }
            | OpKind::UpdateRules { .. }
            | OpKind::RemoveMembers { .. }
            | OpKind::DeleteRules { .. }
            | OpKind::DeleteServerGroup { .. } => true,
            OpKind::Retag { resource, .. } => {
                matches!(resource, ResourceKind::ServerGroup | ResourceKind::Rule)
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ownership::Tags;
    use model::spec::ListenerProtocol;

    fn retag(resource: ResourceKind) -> Op {
        Op::of(
            "fleet/app",
            OpKind::Retag {
                resource,
                id: "id-1".into(),
                key: String::new(),
                add: Tags::new(),
                remove: Vec::new(),
            },
        )
    }

    #[test]
    fn only_runs_on_ingress_objects_keep_the_load_balancer() {
        let http = ListenerKey {
            protocol: ListenerProtocol::Http,
            port: 80,
        };
        let ingress = [
            retag(ResourceKind::Rule),
            Op::of(
                "fleet/app",
                OpKind::DeleteRules {
                    ids: vec!["rule-1".into()],
                    listeners: vec![http],
                },
            ),
            Op::of(
                "fleet/app",
                OpKind::DeleteServerGroup {
                    id: "sgp-1".into(),
                    key: "a".into(),
                },
            ),
        ];
        let unmarked = CreationMarks::default();
        assert!(keeps_load_balancer(&ingress, &unmarked));
        // A listener write, a re-tag of the load balancer or the removal of its creation mark
        // drops everything.
        let mut with_listener = ingress.to_vec();
        with_listener.push(Op::of(
            "fleet/app",
            OpKind::DeleteListener {
                id: "lsn-1".into(),
                listener: http,
            },
        ));
        assert!(!keeps_load_balancer(&with_listener, &unmarked));
        assert!(!keeps_load_balancer(
            &[retag(ResourceKind::LoadBalancer)],
            &unmarked
        ));
        let marked = CreationMarks {
            load_balancer: Some("alb-1".into()),
            ..CreationMarks::default()
        };
        assert!(!keeps_load_balancer(&ingress, &marked));
    }
}
