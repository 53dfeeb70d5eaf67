//! The state of one run: ids known so far (created in the run or looked up once), ClientTokens
//! of extra calls, and the report.

use std::collections::BTreeMap;

use alb_api::load_balancer::LoadBalancerIdRequest;
use alb_api::rule::ListRulesRequest;
use alb_api::server_group::{CreateServerGroupRequest, ListServerGroupsRequest};
use alb_api::token::{derive_client_token, new_client_token};
use alb_api::{Client, MetricsSnapshot, WaitOptions};
use model::desired::ListenerKey;
use model::diff::{AclRef, GroupRef};
use model::ownership::{Tags, TAG_INGRESS, TAG_KEY};
use model::{Op, OpKind};
use serde::Serialize;

use super::marks::{CreationMarks, PendingMarks};
use super::{ExecFailure, ExecReport};
use crate::convert::{tags_from_api, tags_to_api};
use crate::error::ConvertError;
use crate::observe::ingress::group_filter;
use crate::{ReconcileError, Reconciler};

/// Prefix of keys that name a server group by id (see `ActualIngress::group_key`).
const ID_KEY_PREFIX: &str = "id:";

/// One execution of a list of ops.
pub(super) struct Run<'a> {
    rec: &'a Reconciler,
    lb_id: Option<String>,
    vpc_id: Option<String>,
    listener_ids: Option<BTreeMap<ListenerKey, String>>,
    groups: BTreeMap<String, String>,
    groups_listed: bool,
    /// ACLs created in the run: key → id.
    acls: BTreeMap<String, String>,
    /// Ownership tags of the ingress the ops belong to, when some op carries them.
    owner: Option<Tags>,
    report: ExecReport,
    before: MetricsSnapshot,
    /// Unique to this run; salts every ClientToken (see [`Run::token_for`]).
    nonce: String,
    /// Creation marks of the run.
    marks: &'a CreationMarks,
    /// Marks to remove once every op is done.
    pub(super) pending_marks: PendingMarks,
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
            lb_id: lb_id.map(str::to_owned),
            vpc_id: None,
            listener_ids: None,
            groups: BTreeMap::new(),
            groups_listed: false,
            acls: BTreeMap::new(),
            owner,
            report: ExecReport::default(),
            before: rec.client.metrics(),
            nonce: new_client_token(),
            marks,
            pending_marks: PendingMarks::adopted(marks),
        }
    }

    /// `tags` with the run's creation mark when it creates its resource.
    pub(super) fn marked(&self, tags: &Tags) -> Tags {
        self.marks.mark(tags)
    }

    /// Whether the run creates its resource (and marks what it creates).
    pub(super) fn creating(&self) -> bool {
        self.marks.token.is_some()
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
        self.lb_id.clone().ok_or_else(|| {
            ReconcileError::Inconsistent("no load balancer id given or created".into())
        })
    }

    /// The load balancer's VPC (new server groups go there).
    pub(super) async fn vpc_id(&mut self) -> Result<String, ReconcileError> {
        if let Some(vpc) = &self.vpc_id {
            return Ok(vpc.clone());
        }
        let lb = self
            .client()
            .get_load_balancer_attribute(&LoadBalancerIdRequest::new(self.lb_id()?))
            .await?
            .load_balancer;
        let vpc = lb.vpc_id.filter(|v| !v.is_empty()).ok_or_else(|| {
            ReconcileError::Inconsistent(format!(
                "load balancer {} has no VPC",
                lb.load_balancer_id
            ))
        })?;
        self.vpc_id = Some(vpc.clone());
        Ok(vpc)
    }

    /// The id of the listener `key` on the load balancer.
    pub(super) async fn listener_id(&mut self, key: ListenerKey) -> Result<String, ReconcileError> {
        if self.listener_ids.is_none() {
            let lb_id = self.lb_id()?;
            let mut known: BTreeMap<ListenerKey, String> = self
                .rec
                .list_listeners(&lb_id)
                .await?
                .into_iter()
                .map(|(k, l)| (k, l.listener_id))
                .collect();
            known.extend(self.report.listeners.clone());
            self.listener_ids = Some(known);
        }
        self.listener_ids
            .as_ref()
            .and_then(|m| m.get(&key).cloned())
            .ok_or_else(|| ReconcileError::Inconsistent(format!("listener {key} does not exist")))
    }

    /// The id of a referenced server group.
    pub(super) async fn group_id(&mut self, group: &GroupRef) -> Result<String, ReconcileError> {
        if let Some(id) = &group.id {
            return Ok(id.clone());
        }
        self.resolve_keys([group.key.as_str()], None).await?;
        Ok(self.group_lookup()(&group.key)?)
    }

    /// Makes every key in `keys` resolvable by [`Self::group_lookup`]: keys not created in the
    /// run are looked up once per run among the ingress's groups (ownership tags taken from the
    /// ops, else from the rule `rule_hint`).
    pub(super) async fn resolve_keys<'k>(
        &mut self,
        keys: impl IntoIterator<Item = &'k str>,
        rule_hint: Option<&str>,
    ) -> Result<(), ReconcileError> {
        let missing = keys
            .into_iter()
            .any(|k| !k.starts_with(ID_KEY_PREFIX) && !self.groups.contains_key(k));
        if !missing || self.groups_listed {
            return Ok(());
        }
        if self.owner.is_none() {
            if let Some(rule_id) = rule_hint {
                self.owner = self.rule_tags(rule_id).await?;
            }
        }
        let Some(owner) = &self.owner else {
            return Ok(());
        };
        let groups = self
            .client()
            .list_all(ListServerGroupsRequest {
                tag: tags_to_api(&group_filter(owner)),
                ..Default::default()
            })
            .await?;
        for g in groups {
            if let Some(key) = tags_from_api(&g.tags).get(TAG_KEY) {
                self.groups.entry(key.clone()).or_insert(g.server_group_id);
            }
        }
        self.groups_listed = true;
        Ok(())
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

    /// Key → id among the groups known so far (`id:<id>` keys name the id itself).
    pub(super) fn group_lookup(&self) -> impl Fn(&str) -> Result<String, ConvertError> + '_ {
        |key| {
            if let Some(id) = key.strip_prefix(ID_KEY_PREFIX) {
                return Ok(id.to_owned());
            }
            self.groups.get(key).cloned().ok_or_else(|| {
                ConvertError(format!(
                    "server group {key:?} was neither created in this run nor found by its tags"
                ))
            })
        }
    }

    pub(super) fn created_load_balancer(&mut self, id: &str, vpc_id: &str) {
        self.lb_id = Some(id.to_owned());
        self.vpc_id = Some(vpc_id.to_owned());
        self.report.created_load_balancer = Some(id.to_owned());
        if self.creating() {
            self.pending_marks.load_balancer = Some(id.to_owned());
        }
    }

    pub(super) fn created_listener(&mut self, key: ListenerKey, id: &str) {
        if let Some(known) = &mut self.listener_ids {
            known.insert(key, id.to_owned());
        }
        self.report.listeners.insert(key, id.to_owned());
    }

    /// `CreateServerGroup` with the request `new` builds for the load balancer's VPC, recorded as
    /// group `key`, then waits until it is `Available`; returns its id. Shared by placeholder and
    /// ingress server groups.
    pub(super) async fn create_group(
        &mut self,
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

    pub(super) fn created_group(&mut self, key: &str, id: &str) {
        self.groups.insert(key.to_owned(), id.to_owned());
        self.report
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
            .or_else(|| self.acls.get(&acl.key).cloned())
            .ok_or_else(|| {
                ReconcileError::Inconsistent(format!(
                    "ACL {:?} was not created in this run",
                    acl.key
                ))
            })
    }

    pub(super) fn created_acl(&mut self, key: &str, id: &str) {
        self.acls.insert(key.to_owned(), id.to_owned());
        self.report.acls.insert(key.to_owned(), id.to_owned());
    }

    pub(super) fn created_rule(&mut self, identity: &str, id: &str) {
        self.report.rules.insert(identity.to_owned(), id.to_owned());
    }

    pub(super) fn done(&mut self) {
        self.report.ops_done += 1;
    }

    pub(super) fn finish(mut self) -> ExecReport {
        let after = self.rec.client.metrics();
        let delta = |a: u64, b: u64| usize::try_from(a.saturating_sub(b)).unwrap_or(usize::MAX);
        self.report.calls = delta(after.total_calls(), self.before.total_calls());
        self.report.mutating_calls = delta(after.mutating_calls(), self.before.mutating_calls());
        self.report
    }

    pub(super) fn fail(self, op: String, error: ReconcileError) -> ExecFailure {
        ExecFailure {
            report: self.finish(),
            error,
            op,
        }
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
