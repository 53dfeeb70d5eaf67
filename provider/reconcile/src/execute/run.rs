//! The state of one run: ids known so far (created in the run or looked up once), ClientTokens
//! of extra calls, and the report.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use alb_api::rule::ListRulesRequest;
use alb_api::server_group::{CreateServerGroupRequest, ListServerGroupsRequest};
use alb_api::token::{derive_client_token, new_client_token};
use alb_api::{Client, MetricsSnapshot, WaitOptions};
use model::desired::ListenerKey;
use model::diff::{AclRef, GroupRef};
use model::ownership::{Tags, TAG_INGRESS, TAG_KEY};
use model::{Op, OpKind};
use serde::Serialize;

use super::marks::{ingress_objects_marked, CreationMarks, PendingMarks, PendingRule};
use super::{ExecFailure, ExecReport};
use crate::convert::{tags_from_api, tags_to_api};
use crate::error::ConvertError;
use crate::observe::ingress::group_filter;
use crate::{ReconcileError, Reconciler};

/// Prefix of keys that name a server group by id (see `ActualIngress::group_key`).
const ID_KEY_PREFIX: &str = "id:";

/// One execution of a list of ops. Shared (`&Run`) by the steps of a stage that run
/// concurrently (see `stages`): the ids known so far and the report sit behind mutexes.
pub(super) struct Run<'a> {
    rec: &'a Reconciler,
    /// Ids known so far (never locked across an await).
    known: Mutex<Known>,
    /// Serialises the one-off lookups (VPC, listeners, the ingress's groups), so steps running
    /// at once make each lookup once.
    lookups: tokio::sync::Mutex<()>,
    /// What was done (never locked across an await).
    record: Mutex<Record>,
    before: MetricsSnapshot,
    /// Unique to this run; salts every ClientToken (see [`Run::token_for`]).
    nonce: String,
    /// Creation marks of the run.
    marks: &'a CreationMarks,
    /// Whether the run marks the ingress objects it creates (see [`ingress_objects_marked`]).
    marks_ingress_objects: bool,
}

/// Ids the run knows: given, created in the run, or looked up once.
#[derive(Default)]
struct Known {
    lb_id: Option<String>,
    vpc_id: Option<String>,
    listener_ids: Option<BTreeMap<ListenerKey, String>>,
    groups: BTreeMap<String, String>,
    groups_listed: bool,
    /// ACLs created in the run: key → id.
    acls: BTreeMap<String, String>,
    /// Ownership tags of the ingress the ops belong to, when some op carries them.
    owner: Option<Tags>,
}

/// The report and the marks to remove once every op is done.
#[derive(Default)]
struct Record {
    report: ExecReport,
    pending_marks: PendingMarks,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        rec: &'a Reconciler,
        lb_id: Option<&str>,
        ops: &[Op],
        marks: &'a CreationMarks,
    ) -> Self {
        let owner = ops
            .iter()
            .filter_map(|op| match &op.kind {
                OpKind::CreateServerGroup { tags, .. } => Some(tags),
                OpKind::CreateRules { rules, .. } => rules.first().map(|r| &r.tags),
                _ => None,
            })
            .find(|tags| tags.contains_key(TAG_INGRESS))
            .cloned();
        Self {
            rec,
            known: Mutex::new(Known {
                lb_id: lb_id.map(str::to_owned),
                owner,
                ..Known::default()
            }),
            lookups: tokio::sync::Mutex::new(()),
            record: Mutex::new(Record {
                report: ExecReport::default(),
                pending_marks: PendingMarks::adopted(marks),
            }),
            before: rec.client.metrics(),
            nonce: new_client_token(),
            marks,
            marks_ingress_objects: marks.token.is_some() && ingress_objects_marked(ops),
        }
    }

    fn known(&self) -> MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `tags` with the run's creation mark when it creates its resource.
    pub(super) fn marked(&self, tags: &Tags) -> Tags {
        self.marks.mark(tags)
    }

    /// Whether the run creates its resource (and marks what it creates).
    pub(super) fn creating(&self) -> bool {
        self.marks.token.is_some()
    }

    /// Whether the run marks the server groups and rules it creates (a create run whose rules
    /// do not come last in one call, see [`ingress_objects_marked`]).
    pub(super) fn marks_ingress_objects(&self) -> bool {
        self.marks_ingress_objects
    }

    /// The ClientToken of an op's main call in this run: the op's stable token salted with the
    /// run's nonce. Retries within the run repeat it (a lost response is deduplicated by the
    /// service); another run never reuses it, so re-applying an earlier state is not answered
    /// from the idempotency cache of an old run.
    pub(super) fn token_for(&self, op_token: &str) -> String {
        derive_client_token(&format!("{}\n{op_token}", self.nonce))
    }

    pub(super) fn client(&self) -> &'a Client {
        &self.rec.client
    }

    pub(super) fn wait(&self) -> &'a WaitOptions {
        &self.rec.wait
    }

    /// The load balancer the ops work on (given, or created earlier in the run).
    pub(super) fn lb_id(&self) -> Result<String, ReconcileError> {
        self.known().lb_id.clone().ok_or_else(|| {
            ReconcileError::Inconsistent("no load balancer id given or created".into())
        })
    }

    /// The load balancer's VPC (new server groups go there), from its snapshot: a run that
    /// writes only ingress objects keeps the attributes its ops were planned from.
    pub(super) async fn vpc_id(&self) -> Result<String, ReconcileError> {
        let _lookup = self.lookups.lock().await;
        if let Some(vpc) = self.known().vpc_id.clone() {
            return Ok(vpc);
        }
        let lb_id = self.lb_id()?;
        let lb = self.rec.load_balancer(&lb_id).await?.ok_or_else(|| {
            ReconcileError::Inconsistent(format!("load balancer {lb_id} does not exist"))
        })?;
        let vpc = lb.vpc_id.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
            ReconcileError::Inconsistent(format!("load balancer {lb_id} has no VPC"))
        })?;
        self.known().vpc_id = Some(vpc.clone());
        Ok(vpc)
    }

    /// The id of the listener `key` on the load balancer: created in the run, else from the
    /// load balancer's snapshot (kept from the observation by a run on ingress objects).
    pub(super) async fn listener_id(&self, key: ListenerKey) -> Result<String, ReconcileError> {
        let _lookup = self.lookups.lock().await;
        if self.known().listener_ids.is_none() {
            let lb_id = self.lb_id()?;
            let mut found: BTreeMap<ListenerKey, String> = self
                .rec
                .listeners(&lb_id)
                .await?
                .iter()
                .map(|(k, l)| (*k, l.listener_id.clone()))
                .collect();
            found.extend(self.record().report.listeners.clone());
            self.known().listener_ids = Some(found);
        }
        self.known()
            .listener_ids
            .as_ref()
            .and_then(|m| m.get(&key).cloned())
            .ok_or_else(|| ReconcileError::Inconsistent(format!("listener {key} does not exist")))
    }

    /// The ids of the listeners `keys` (each once).
    pub(super) async fn listener_ids(
        &self,
        keys: &[ListenerKey],
    ) -> Result<Vec<String>, ReconcileError> {
        let keys: std::collections::BTreeSet<ListenerKey> = keys.iter().copied().collect();
        let mut ids = Vec::with_capacity(keys.len());
        for key in keys {
            ids.push(self.listener_id(key).await?);
        }
        Ok(ids)
    }

    /// The id of a referenced server group.
    pub(super) async fn group_id(&self, group: &GroupRef) -> Result<String, ReconcileError> {
        if let Some(id) = &group.id {
            return Ok(id.clone());
        }
        Ok(self
            .group_ids(&[group.key.as_str()], None)
            .await?
            .id(&group.key)?)
    }

    /// The groups known once every key in `keys` is resolvable: keys not created in the run
    /// are looked up once per run among the ingress's groups (ownership tags taken from the
    /// ops, else from the rule `rule_hint`).
    pub(super) async fn group_ids(
        &self,
        keys: &[&str],
        rule_hint: Option<&str>,
    ) -> Result<GroupIds, ReconcileError> {
        let missing = |known: &Known, keys: &[&str]| {
            !known.groups_listed
                && keys
                    .iter()
                    .any(|k| !k.starts_with(ID_KEY_PREFIX) && !known.groups.contains_key(*k))
        };
        if !missing(&self.known(), keys) {
            return Ok(GroupIds(self.known().groups.clone()));
        }
        let _lookup = self.lookups.lock().await;
        if !missing(&self.known(), keys) {
            return Ok(GroupIds(self.known().groups.clone()));
        }
        let mut owner = self.known().owner.clone();
        if owner.is_none() {
            if let Some(rule_id) = rule_hint {
                owner = self.rule_tags(rule_id).await?;
                self.known().owner.clone_from(&owner);
            }
        }
        let Some(owner) = owner else {
            return Ok(GroupIds(self.known().groups.clone()));
        };
        let groups = self
            .client()
            .list_all(ListServerGroupsRequest {
                tag: tags_to_api(&group_filter(&owner)),
                ..Default::default()
            })
            .await?;
        let mut known = self.known();
        for g in groups {
            if let Some(key) = tags_from_api(&g.tags).get(TAG_KEY) {
                known.groups.entry(key.clone()).or_insert(g.server_group_id);
            }
        }
        known.groups_listed = true;
        Ok(GroupIds(known.groups.clone()))
    }

    async fn rule_tags(&self, rule_id: &str) -> Result<Option<Tags>, ReconcileError> {
        let rules = self
            .client()
            .list_all(ListRulesRequest {
                rule_ids: vec![rule_id.to_owned()],
                ..Default::default()
            })
            .await?;
        Ok(rules
            .first()
            .map(|r| tags_from_api(&r.tags))
            .filter(|t| t.contains_key(TAG_INGRESS)))
    }

    pub(super) fn created_load_balancer(&self, id: &str, vpc_id: &str) {
        let mut known = self.known();
        known.lb_id = Some(id.to_owned());
        known.vpc_id = Some(vpc_id.to_owned());
        let mut record = self.record();
        record.report.created_load_balancer = Some(id.to_owned());
        if self.creating() {
            record.pending_marks.load_balancer = Some(id.to_owned());
        }
    }

    pub(super) fn created_listener(&self, key: ListenerKey, id: &str) {
        if let Some(known) = &mut self.known().listener_ids {
            known.insert(key, id.to_owned());
        }
        self.record().report.listeners.insert(key, id.to_owned());
    }

    /// `CreateServerGroup` with the request `new` builds for the load balancer's VPC, recorded as
    /// group `key`, then waits until it is `Available`; returns its id. Shared by placeholder and
    /// ingress server groups.
    pub(super) async fn create_group(
        &self,
        key: &str,
        new: impl FnOnce(&str) -> CreateServerGroupRequest,
        token: &str,
    ) -> Result<String, ReconcileError> {
        let request = new(&self.vpc_id().await?);
        let id = self
            .client()
            .create_server_group(&request, Some(token))
            .await?
            .server_group_id;
        self.created_group(key, &id);
        self.client()
            .wait_server_group_available(&id, self.wait())
            .await?;
        Ok(id)
    }

    /// Records an existing server group this run re-tagged as the ingress's group `key`.
    pub(super) fn adopted_group(&self, key: &str, id: &str) {
        self.known().groups.insert(key.to_owned(), id.to_owned());
    }

    fn created_group(&self, key: &str, id: &str) {
        self.known().groups.insert(key.to_owned(), id.to_owned());
        self.record()
            .report
            .server_groups
            .insert(key.to_owned(), id.to_owned());
    }

    /// Waits for the asynchronous job `job_id` of a call (none: nothing to wait for).
    pub(super) async fn job_done(&self, job_id: Option<String>) -> Result<(), ReconcileError> {
        self.client()
            .wait_for_job(job_id.as_deref(), self.wait())
            .await?;
        Ok(())
    }

    /// The id of a referenced ACL: its own, else the one created earlier in the run.
    pub(super) fn acl_id(&self, acl: &AclRef) -> Result<String, ReconcileError> {
        acl.id
            .clone()
            .or_else(|| self.known().acls.get(&acl.key).cloned())
            .ok_or_else(|| {
                ReconcileError::Inconsistent(format!(
                    "ACL {:?} was not created in this run",
                    acl.key
                ))
            })
    }

    pub(super) fn created_acl(&self, key: &str, id: &str) {
        self.known().acls.insert(key.to_owned(), id.to_owned());
        self.record()
            .report
            .acls
            .insert(key.to_owned(), id.to_owned());
    }

    pub(super) fn created_rule(&self, identity: &str, id: &str) {
        self.record()
            .report
            .rules
            .insert(identity.to_owned(), id.to_owned());
    }

    /// Records a server group this run created with its creation mark.
    pub(super) fn marked_group(&self, id: &str) {
        self.record()
            .pending_marks
            .server_groups
            .push(id.to_owned());
    }

    /// Records a rule this run created with a `creating-` name: id, priority, listener and
    /// final name.
    pub(super) fn marked_rule(&self, rule: PendingRule) {
        self.record().pending_marks.rules.push(rule);
    }

    /// The marks still to remove, taken out of the record.
    pub(super) fn take_pending_marks(&self) -> PendingMarks {
        std::mem::take(&mut self.record().pending_marks)
    }

    pub(super) fn done(&self) {
        self.record().report.ops_done += 1;
    }

    pub(super) fn finish(self) -> ExecReport {
        let after = self.rec.client.metrics();
        let delta = |a: u64, b: u64| usize::try_from(a.saturating_sub(b)).unwrap_or(usize::MAX);
        let mut report = std::mem::take(&mut self.record().report);
        report.calls = delta(after.total_calls(), self.before.total_calls());
        report.mutating_calls = delta(after.mutating_calls(), self.before.mutating_calls());
        report
    }

    pub(super) fn fail(self, op: String, error: ReconcileError) -> ExecFailure {
        ExecFailure {
            report: self.finish(),
            error,
            op,
        }
    }
}

/// Server-group key → id, as known to a run at one moment.
pub(super) struct GroupIds(BTreeMap<String, String>);

impl GroupIds {
    /// The id of the group `key` (`id:<id>` keys name the id itself).
    pub(super) fn id(&self, key: &str) -> Result<String, ConvertError> {
        if let Some(id) = key.strip_prefix(ID_KEY_PREFIX) {
            return Ok(id.to_owned());
        }
        self.0.get(key).cloned().ok_or_else(|| {
            ConvertError(format!(
                "server group {key:?} was neither created in this run nor found by its tags"
            ))
        })
    }

    /// [`Self::id`] as a closure, for the conversions.
    pub(super) fn lookup(&self) -> impl Fn(&str) -> Result<String, ConvertError> + '_ {
        |key| self.id(key)
    }
}

/// The ClientToken of an extra call of an op (anything but its main call): derived from the
/// op's token, the action and the parameters, so a re-run with the same parameters repeats it
/// and different parameters never clash with an earlier use.
pub(super) fn derived_token<T: Serialize>(op_token: &str, action: &str, request: &T) -> String {
    let params = serde_json::to_string(request).unwrap_or_default();
    derive_client_token(&format!("{op_token}\n{action}\n{params}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_tokens_follow_the_parameters() {
        let a = derived_token("UpdateListener-abc", "Associate", &vec!["c1"]);
        assert_eq!(
            a,
            derived_token("UpdateListener-abc", "Associate", &vec!["c1"])
        );
        assert_ne!(
            a,
            derived_token("UpdateListener-abc", "Associate", &vec!["c2"])
        );
        assert_ne!(
            a,
            derived_token("UpdateListener-abc", "Dissociate", &vec!["c1"])
        );
        assert_ne!(
            a,
            derived_token("UpdateListener-abd", "Associate", &vec!["c1"])
        );
        assert!(alb_api::token::validate_client_token(&a).is_ok());
    }
}
