//! Diff of desired against actual into ordered operations (make-before-break).
//!
//! Ingress op order ([`plan_ingress_ops`]):
//! 1. `CreateServerGroup` (new keys, and replacements when the immutable protocol changed)
//! 2. Member changes of kept groups: a small change (both adds and removes, each ≤
//!    [`REPLACE_LIMIT`]) is one `ReplaceMembers`, which swaps the stale members for the new ones
//!    in one atomic call, so the group never serves fewer than min(before, after); otherwise
//!    `AddMembers` (≤200 per op) here and `RemoveMembers` in step 7. Then `UpdateMembers`
//!    (weight changes)
//! 3. `UpdateServerGroup` (name / attributes), `SetMemberSync` (who keeps the members: a group
//!    whose members the agent keeps gets no member ops)
//! 4. Rule moves (`UpdateRules` with priority and name only, ≤10): rules whose priority changes,
//!    and rules to be deleted whose place the others need. Every priority a round writes is free
//!    when the round starts: a chain of moves runs tail first, a cycle (swap) is broken by
//!    parking one rule on the nearest free priority. The priority allocation only ever moves
//!    rules so that their relative order stays the same ([`crate::priority::allocate`]), so
//!    these moves change no routing.
//! 5. `CreateRules` (per listener, ≤10, ascending priority)
//! 6. Content updates (`UpdateRules` with conditions / actions, ≤10)
//! 7. `RemoveMembers` (stale members, after the rules no longer need them)
//! 8. `DeleteRules` (≤10 per op, highest priority number first)
//! 9. `DeleteServerGroup` (owned groups no longer referenced; replaced groups)
//!
//! Why no request ever meets no rule or another path's rule (proved by replaying plans with
//! [`crate::replay`]): identities are the rules' content, so a rule that stays keeps its
//! conditions and only its actions change. While rules are created in ascending priority, a
//! request that hits a new rule hits it in the final state too (every final rule before it is
//! already there), and a request that hits an old rule hits what it hit before (all old rules
//! are still there, in the same order). Once all rules exist, a content update switches the
//! requests of one rule from its old target to its new one. Deleting from the highest number
//! down, a request that hits a rule still to be deleted hit it before, and one that hits a final
//! rule hits it in the final state.
//!
//! Rules are matched by identity (the `alb.terraform/key` tag: listener, host, path type, path,
//! further conditions, canary variant), never by priority, so a rule whose priority or actions
//! change keeps its id. Only objects whose ownership tags name this cluster and ingress are
//! updated or deleted; foreign ones only occupy priorities.
//!
//! Executors resolve server-group keys (in forward/mirror actions and [`GroupRef`]s without id)
//! to the id created by this plan's `CreateServerGroup` for that key if any, else to the existing
//! owned group's id.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::acl::plan_acls;
use crate::desired::{
    AccessLog, Action, ActionKind, Condition, DesiredIngress, DesiredListener, DesiredLoadBalancer,
    DesiredRule, DesiredServerGroup, ListenerAttributes, ListenerKey, Member,
    PlaceholderServerGroup, ServerGroupAttributes, ZoneMapping,
};
use crate::expand::rule_identity;
use crate::ownership::{
    agent_tags, client_token, config_tags, content_hash, ingress_tags, owner_of, owns,
    owns_config_object, AgentMembers, ResourceKind, Tags, TAG_KEY, TAG_PREFIX, TAG_RESOURCE,
};
use crate::priority::{ExistingRule, MAX_PRIORITY};
use crate::render::{canonical_actions, canonical_conditions};
use crate::routing::may_overlap;
use crate::spec::{AclType, AddressType, Edition, MemberMode};

/// Rules per CreateRules / UpdateRulesAttribute / DeleteRules call.
pub const RULE_BATCH: usize = 10;
/// Servers per member op: the API's limit per `AddServersToServerGroup` /
/// `RemoveServersFromServerGroup` call (the client splits weight updates further, at the
/// API's 40 per `UpdateServerGroupServersAttribute`).
pub const MEMBER_BATCH: usize = 200;
/// Most members added and most removed by one `ReplaceMembers`: a member change with adds and
/// removes each within it is one `ReplaceServersInServerGroup` call instead of an add and a remove
/// call. Bigger changes add first and remove after (the API would take 200 of each; like ACK's
/// controller, which replaces below 40, we keep the atomic swap for small changes, so a big
/// rollout's new members are registered before any old one leaves).
pub const REPLACE_LIMIT: usize = 40;

// ------------------------------------------------------------------------------------------------
// Actual state (converted from API responses by the provider)
// ------------------------------------------------------------------------------------------------

/// A rule as read from the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualRule {
    /// Rule id.
    pub id: String,
    /// Listener.
    pub listener: ListenerKey,
    /// Priority.
    pub priority: u32,
    /// RuleName.
    pub name: String,
    /// Conditions.
    pub conditions: Vec<Condition>,
    /// Actions; server groups referenced by key (see [`ActualIngress::group_key`]).
    pub actions: Vec<Action>,
    /// Tags.
    pub tags: Tags,
}

/// A server group as read from the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualServerGroup {
    /// Server group id.
    pub id: String,
    /// ServerGroupName.
    pub name: String,
    /// Attributes.
    pub attributes: ServerGroupAttributes,
    /// Servers (those in status `Removing` left out).
    pub members: Vec<Member>,
    /// Member mode, from the server group type (`Instance` = node ports).
    pub member_mode: MemberMode,
    /// Tags.
    pub tags: Tags,
}

/// What exists for one alb_ingress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualIngress {
    /// Every rule on the listeners the ingress uses or used, whoever owns it (foreign rules only
    /// occupy priorities).
    pub rules: Vec<ActualRule>,
    /// Server groups found by this ingress's ownership tags.
    pub server_groups: Vec<ActualServerGroup>,
}

impl ActualIngress {
    /// The key to put in an actual rule's action for server group `id`: the group's
    /// `alb.terraform/key` tag when it is one of [`Self::server_groups`], else `id:<id>`.
    pub fn group_key(&self, id: &str) -> String {
        self.server_groups
            .iter()
            .find(|g| g.id == id)
            .and_then(|g| g.tags.get(TAG_KEY).cloned())
            .unwrap_or_else(|| format!("id:{id}"))
    }

    /// The rules as clash detection sees them.
    pub fn existing_rules(&self, cluster_id: &str) -> Vec<ExistingRule> {
        self.rules
            .iter()
            .map(|r| ExistingRule {
                listener: r.listener,
                priority: r.priority,
                id: r.id.clone(),
                owner: owner_of(&r.tags, cluster_id),
            })
            .collect()
    }
}

/// A listener as read from the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualListener {
    /// Listener id.
    pub id: String,
    /// (protocol, port).
    pub key: ListenerKey,
    /// Attributes.
    pub attributes: ListenerAttributes,
    /// Server group of the default action.
    pub default_server_group_id: Option<String>,
    /// Tags.
    pub tags: Tags,
    /// Type of the bound ACLs (`AclConfig.AclType`; `None` when none are bound).
    #[serde(default)]
    pub acl_type: Option<AclType>,
    /// Ids of the bound ACLs (`AclConfig.AclRelations`), whoever owns them.
    #[serde(default)]
    pub acl_ids: Vec<String>,
}

/// An ACL owned by the config (a listener's managed ACL) as read from the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualAcl {
    /// ACL id.
    pub id: String,
    /// AclName.
    pub name: String,
    /// Tags (`alb.terraform/key` = `acl:<listener>`).
    pub tags: Tags,
    /// Entries (those being removed left out).
    pub entries: Vec<String>,
}

/// A placeholder server group as read from the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualPlaceholder {
    /// Server group id.
    pub id: String,
    /// Tags (`alb.terraform/key` = `placeholder:<listener>`).
    pub tags: Tags,
}

/// What exists for one alb_config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualLoadBalancer {
    /// Load balancer id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// Access log.
    pub access_log: Option<AccessLog>,
    /// All tags (user and ownership).
    pub tags: Tags,
    /// Edition (`None` when the API did not say).
    #[serde(default)]
    pub edition: Option<Edition>,
    /// Network type (`None` when the API did not say).
    #[serde(default)]
    pub address_type: Option<AddressType>,
    /// Zones with the values the API reports (EIPs and addresses it assigned included).
    #[serde(default)]
    pub zone_mappings: Vec<ZoneMapping>,
    /// Resource group.
    #[serde(default)]
    pub resource_group_id: Option<String>,
    /// All listeners of the load balancer.
    pub listeners: Vec<ActualListener>,
    /// Placeholder server groups found by the config's ownership tags.
    pub placeholders: Vec<ActualPlaceholder>,
    /// ACLs found by the config's ownership tags.
    #[serde(default)]
    pub acls: Vec<ActualAcl>,
}

// ------------------------------------------------------------------------------------------------
// Operations
// ------------------------------------------------------------------------------------------------

/// A server group by key, with its id when it exists before the plan runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    /// Key.
    pub key: String,
    /// Existing id; `None` = created by this plan.
    pub id: Option<String>,
}

/// A listener by key, with its id when it exists before the plan runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerRef {
    /// Key.
    pub key: ListenerKey,
    /// Existing id; `None` = created by this plan.
    pub id: Option<String>,
}

/// An ACL by key (`acl:<listener>` for a managed ACL, `id:<id>` for one named in `acl_ids`),
/// with its id when it exists before the plan runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclRef {
    /// Key.
    pub key: String,
    /// Existing id; `None` = created by this plan.
    pub id: Option<String>,
}

/// A rule to create with its tags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRule {
    /// The rule.
    pub rule: DesiredRule,
    /// Its ownership tags.
    pub tags: Tags,
}

/// An in-place rule update; `None` fields stay as they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleUpdate {
    /// Rule id.
    pub id: String,
    /// Listener (for logs).
    pub listener: ListenerKey,
    /// New priority (always sent).
    pub priority: u32,
    /// New name.
    pub name: Option<String>,
    /// New conditions (whole set).
    pub conditions: Option<Vec<Condition>>,
    /// New actions (whole set).
    pub actions: Option<Vec<Action>>,
}

/// What one API call (or one small group of calls) does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum OpKind {
    /// Create the load balancer.
    CreateLoadBalancer {
        /// Desired state.
        lb: DesiredLoadBalancer,
        /// Tags (user + ownership).
        tags: Tags,
    },
    /// Update in place what differs among edition (an allowed change, see
    /// [`Edition::changes_in_place_to`]), zones, network type, resource group, name, deletion
    /// protection, access log and user tags; the executor re-reads the load balancer and calls
    /// only the actions whose attribute differs, in that order.
    UpdateLoadBalancer {
        /// Load balancer id.
        id: String,
        /// Desired state.
        lb: DesiredLoadBalancer,
    },
    /// Tag an object that another tool made (a load balancer or listener an import takes over,
    /// see [`crate::adopt`]) with this config's ownership tags: from then on it is owned.
    Adopt {
        /// What the object is.
        resource: ResourceKind,
        /// Its id.
        id: String,
        /// Ownership tags to add.
        tags: Tags,
    },
    /// Create a listener's placeholder server group.
    CreatePlaceholderGroup {
        /// Listener.
        listener: ListenerKey,
        /// Group.
        group: PlaceholderServerGroup,
        /// Ownership tags.
        tags: Tags,
    },
    /// Create a listener whose default action forwards to its placeholder group.
    CreateListener {
        /// Listener.
        listener: DesiredListener,
        /// Placeholder group.
        default_group: GroupRef,
        /// Ownership tags.
        tags: Tags,
    },
    /// Update a listener's attributes and default action.
    UpdateListener {
        /// Listener id.
        id: String,
        /// Desired listener.
        listener: DesiredListener,
        /// Placeholder group.
        default_group: GroupRef,
    },
    /// Delete an owned listener (its rules go with it).
    DeleteListener {
        /// Listener id.
        id: String,
        /// Listener.
        listener: ListenerKey,
    },
    /// Create a server group (members follow in `AddMembers`).
    CreateServerGroup {
        /// Desired group.
        group: DesiredServerGroup,
        /// Ownership tags.
        tags: Tags,
    },
    /// Register servers.
    AddMembers {
        /// Group.
        group: GroupRef,
        /// Servers.
        members: Vec<Member>,
    },
    /// Swap servers in one call: remove `removed` and add `added` atomically (≤
    /// [`REPLACE_LIMIT`] each).
    ReplaceMembers {
        /// Group.
        group: GroupRef,
        /// Servers to add.
        added: Vec<Member>,
        /// Servers to remove.
        removed: Vec<Member>,
    },
    /// Change server weights.
    UpdateMembers {
        /// Group.
        group: GroupRef,
        /// Servers with their new weights.
        members: Vec<Member>,
    },
    /// Update server group attributes.
    UpdateServerGroup {
        /// Group id.
        id: String,
        /// Key.
        key: String,
        /// Name.
        name: String,
        /// Attributes.
        attributes: ServerGroupAttributes,
    },
    /// Set a server group's agent tags (`alb.terraform/members=agent` and what the agent
    /// needs, [`AgentMembers::tags`]) or remove them: who keeps its members, or how the agent
    /// computes them, changes; the group stays.
    SetMemberSync {
        /// Group id.
        id: String,
        /// Key.
        key: String,
        /// What the agent needs from now on; `None`: Terraform keeps the members.
        agent: Option<AgentMembers>,
        /// Agent tags the group carries that `agent` leaves out (removed).
        stale: Vec<String>,
    },
    /// Create rules on one listener.
    CreateRules {
        /// Listener.
        listener: ListenerKey,
        /// Rules (≤10).
        rules: Vec<NewRule>,
    },
    /// Update rules in place.
    UpdateRules {
        /// Updates (≤10).
        rules: Vec<RuleUpdate>,
    },
    /// Deregister servers.
    RemoveMembers {
        /// Group.
        group: GroupRef,
        /// Servers.
        members: Vec<Member>,
    },
    /// Delete rules (of one or more listeners, in one call).
    DeleteRules {
        /// Rule ids (≤10).
        ids: Vec<String>,
        /// The listeners the rules are on (each once): their writes wait while these run.
        listeners: Vec<ListenerKey>,
    },
    /// Delete a server group.
    DeleteServerGroup {
        /// Group id.
        id: String,
        /// Key.
        key: String,
    },
    /// Create a listener's managed ACL (entries follow in `AddAclEntries`).
    CreateAcl {
        /// Listener the ACL is for.
        listener: ListenerKey,
        /// Key (`acl:<listener>`).
        key: String,
        /// AclName.
        name: String,
        /// Ownership tags.
        tags: Tags,
    },
    /// Add entries to a managed ACL.
    AddAclEntries {
        /// ACL.
        acl: AclRef,
        /// CIDRs.
        entries: Vec<String>,
    },
    /// Remove entries from a managed ACL.
    RemoveAclEntries {
        /// ACL.
        acl: AclRef,
        /// CIDRs.
        entries: Vec<String>,
    },
    /// Bind ACLs to a listener.
    AssociateAcls {
        /// Listener.
        listener: ListenerRef,
        /// White / Black.
        kind: AclType,
        /// ACLs.
        acls: Vec<AclRef>,
    },
    /// Unbind ACLs from an existing listener (the ACLs themselves are untouched).
    DissociateAcls {
        /// Listener id.
        listener_id: String,
        /// Listener.
        listener: ListenerKey,
        /// ACL ids.
        acl_ids: Vec<String>,
    },
    /// Delete a managed ACL.
    DeleteAcl {
        /// ACL id.
        id: String,
        /// Key.
        key: String,
    },
    /// Re-tag an object another tool made as this provider's (a takeover, see
    /// [`crate::takeover`]): add `add`, then remove the keys `remove`.
    Retag {
        /// What the object is.
        resource: ResourceKind,
        /// Its id.
        id: String,
        /// Its key inside its owner (listener or server-group key; empty for the load balancer).
        key: String,
        /// Tags to add (or overwrite).
        add: Tags,
        /// Tag keys to remove.
        remove: Vec<String>,
    },
}

impl OpKind {
    /// The operation name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateLoadBalancer { .. } => "CreateLoadBalancer",
            Self::UpdateLoadBalancer { .. } => "UpdateLoadBalancer",
            Self::Adopt { .. } => "Adopt",
            Self::CreatePlaceholderGroup { .. } => "CreatePlaceholderGroup",
            Self::CreateListener { .. } => "CreateListener",
            Self::UpdateListener { .. } => "UpdateListener",
            Self::DeleteListener { .. } => "DeleteListener",
            Self::CreateServerGroup { .. } => "CreateServerGroup",
            Self::AddMembers { .. } => "AddMembers",
            Self::ReplaceMembers { .. } => "ReplaceMembers",
            Self::UpdateMembers { .. } => "UpdateMembers",
            Self::UpdateServerGroup { .. } => "UpdateServerGroup",
            Self::SetMemberSync { .. } => "SetMemberSync",
            Self::CreateRules { .. } => "CreateRules",
            Self::UpdateRules { .. } => "UpdateRules",
            Self::RemoveMembers { .. } => "RemoveMembers",
            Self::DeleteRules { .. } => "DeleteRules",
            Self::DeleteServerGroup { .. } => "DeleteServerGroup",
            Self::CreateAcl { .. } => "CreateAcl",
            Self::AddAclEntries { .. } => "AddAclEntries",
            Self::RemoveAclEntries { .. } => "RemoveAclEntries",
            Self::AssociateAcls { .. } => "AssociateAcls",
            Self::DissociateAcls { .. } => "DissociateAcls",
            Self::DeleteAcl { .. } => "DeleteAcl",
            Self::Retag { .. } => "Retag",
        }
    }

    /// The object the operation is about, for logs and ClientTokens.
    pub fn object(&self) -> String {
        match self {
            Self::CreateLoadBalancer { lb, .. } => lb.name.clone(),
            Self::UpdateLoadBalancer { id, .. } | Self::Adopt { id, .. } => id.clone(),
            Self::CreatePlaceholderGroup { group, .. } => group.key.clone(),
            Self::CreateListener { listener, .. } => listener.key.to_string(),
            Self::UpdateListener { listener, .. } => listener.key.to_string(),
            Self::DeleteListener { listener, .. } => listener.to_string(),
            Self::CreateServerGroup { group, .. } => group.key.clone(),
            Self::AddMembers { group, .. }
            | Self::ReplaceMembers { group, .. }
            | Self::UpdateMembers { group, .. }
            | Self::RemoveMembers { group, .. } => group.key.clone(),
            Self::UpdateServerGroup { key, .. }
            | Self::SetMemberSync { key, .. }
            | Self::DeleteServerGroup { key, .. } => key.clone(),
            Self::CreateRules { listener, rules } => format!(
                "{listener} {}",
                rules.first().map_or("", |r| r.rule.identity.as_str())
            ),
            Self::UpdateRules { rules } => rules.first().map_or(String::new(), |r| r.id.clone()),
            Self::DeleteRules { ids, .. } => ids.first().cloned().unwrap_or_default(),
            Self::CreateAcl { key, .. } | Self::DeleteAcl { key, .. } => key.clone(),
            Self::AddAclEntries { acl, .. } | Self::RemoveAclEntries { acl, .. } => acl.key.clone(),
            Self::AssociateAcls { listener, .. } => listener.key.to_string(),
            Self::DissociateAcls { listener, .. } => listener.to_string(),
            Self::Retag { id, .. } => id.clone(),
        }
    }
}

/// An operation with its idempotency token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// What to do.
    #[serde(flatten)]
    pub kind: OpKind,
    /// ClientToken: the same for the same owner, object, operation and content.
    pub client_token: String,
}

impl Op {
    /// `kind` with the ClientToken of `owner` (the config or ingress identity).
    pub fn of(owner: &str, kind: OpKind) -> Self {
        let token = client_token(owner, &kind.object(), kind.name(), &content_hash(&kind));
        Self {
            kind,
            client_token: token,
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Ingress
// ------------------------------------------------------------------------------------------------

/// Plans the operations that turn `actual` into `desired` for one alb_ingress.
pub fn plan_ingress_ops(desired: &DesiredIngress, actual: &ActualIngress) -> Vec<Op> {
    let owner = desired.id.to_string();
    let op = |kind| Op::of(&owner, kind);
    let mine = |tags: &Tags| owns(tags, &desired.cluster_id, &desired.id);

    let groups = plan_groups(desired, actual, &mine);
    let rules = plan_rules(desired, actual, &mine, &groups.replaced);

    let mut ops: Vec<Op> = Vec::new();
    ops.extend(groups.create.into_iter().map(op));
    ops.extend(groups.add.into_iter().map(op));
    ops.extend(groups.update_members.into_iter().map(op));
    ops.extend(groups.update.into_iter().map(op));
    for round in rules.moves {
        for chunk in round.chunks(RULE_BATCH) {
            ops.push(op(OpKind::UpdateRules {
                rules: chunk.to_vec(),
            }));
        }
    }
    let mut by_listener: BTreeMap<ListenerKey, Vec<NewRule>> = BTreeMap::new();
    for rule in rules.creates {
        let tags = ingress_tags(
            &desired.cluster_id,
            &desired.config,
            &desired.id,
            ResourceKind::Rule,
            &rule.identity,
        );
        by_listener
            .entry(rule.listener)
            .or_default()
            .push(NewRule { rule, tags });
    }
    for (listener, rules) in by_listener {
        for chunk in rules.chunks(RULE_BATCH) {
            ops.push(op(OpKind::CreateRules {
                listener,
                rules: chunk.to_vec(),
            }));
        }
    }
    for chunk in rules.updates.chunks(RULE_BATCH) {
        ops.push(op(OpKind::UpdateRules {
            rules: chunk.to_vec(),
        }));
    }
    ops.extend(groups.remove.into_iter().map(op));
    for chunk in rules.delete.chunks(RULE_BATCH) {
        let listeners: BTreeSet<ListenerKey> = chunk.iter().map(|(_, l)| *l).collect();
        ops.push(op(OpKind::DeleteRules {
            ids: chunk.iter().map(|(id, _)| id.clone()).collect(),
            listeners: listeners.into_iter().collect(),
        }));
    }
    ops.extend(groups.delete.into_iter().map(op));
    ops
}

#[derive(Default)]
struct GroupPlan {
    create: Vec<OpKind>,
    add: Vec<OpKind>,
    update_members: Vec<OpKind>,
    update: Vec<OpKind>,
    remove: Vec<OpKind>,
    delete: Vec<OpKind>,
    /// Keys whose group is replaced: rules forwarding to them must be rewritten.
    replaced: BTreeSet<String>,
}

fn member_ops(
    out: &mut Vec<OpKind>,
    group: &GroupRef,
    members: Vec<Member>,
    make: fn(GroupRef, Vec<Member>) -> OpKind,
) {
    for chunk in members.chunks(MEMBER_BATCH) {
        out.push(make(group.clone(), chunk.to_vec()));
    }
}

/// How one group's members differ from the wanted ones (by identity: server, ip, port).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberChanges {
    /// Wanted members the group lacks.
    pub missing: Vec<Member>,
    /// Members present with another weight, with their wanted weight.
    pub reweight: Vec<Member>,
    /// Members present that are not wanted (sorted).
    pub stale: Vec<Member>,
}

impl MemberChanges {
    /// The changes that turn `have` into `want`.
    pub fn between(have: &[Member], want: &[Member]) -> Self {
        let present: BTreeMap<_, &Member> = have.iter().map(|m| (m.identity(), m)).collect();
        let wanted: BTreeMap<_, &Member> = want.iter().map(|m| (m.identity(), m)).collect();
        let missing = want
            .iter()
            .filter(|m| !present.contains_key(&m.identity()))
            .cloned()
            .collect();
        let reweight = want
            .iter()
            .filter(|m| {
                present
                    .get(&m.identity())
                    .is_some_and(|h| h.weight != m.weight)
            })
            .cloned()
            .collect();
        let mut stale: Vec<Member> = have
            .iter()
            .filter(|m| !wanted.contains_key(&m.identity()))
            .cloned()
            .collect();
        stale.sort();
        Self {
            missing,
            reweight,
            stale,
        }
    }

    /// A small change — members both missing and stale, each at most [`REPLACE_LIMIT`] — as
    /// one `ReplaceMembers` of `group`, taking them out of `self`; `None` otherwise.
    pub fn take_replace(&mut self, group: &GroupRef) -> Option<OpKind> {
        let small = |members: &Vec<Member>| (1..=REPLACE_LIMIT).contains(&members.len());
        if !(small(&self.missing) && small(&self.stale)) {
            return None;
        }
        Some(OpKind::ReplaceMembers {
            group: group.clone(),
            added: std::mem::take(&mut self.missing),
            removed: std::mem::take(&mut self.stale),
        })
    }

    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.reweight.is_empty() && self.stale.is_empty()
    }
}

/// The operations that turn the members `have` of the existing group `group` into `want`,
/// make-before-break: one `ReplaceMembers` for a small change
/// ([`MemberChanges::take_replace`]), else `AddMembers`, then `UpdateMembers`, then
/// `RemoveMembers` (each ≤ [`MEMBER_BATCH`]), with `owner`'s ClientTokens. What
/// `alb-member-sync` runs for a group whose members it owns; [`plan_ingress_ops`] orders the
/// same ops around the rule changes.
pub fn plan_member_ops(owner: &str, group: &GroupRef, have: &[Member], want: &[Member]) -> Vec<Op> {
    let mut changes = MemberChanges::between(have, want);
    let mut kinds: Vec<OpKind> = changes.take_replace(group).into_iter().collect();
    member_ops(&mut kinds, group, changes.missing, |g, m| {
        OpKind::AddMembers {
            group: g,
            members: m,
        }
    });
    member_ops(&mut kinds, group, changes.reweight, |g, m| {
        OpKind::UpdateMembers {
            group: g,
            members: m,
        }
    });
    member_ops(&mut kinds, group, changes.stale, |g, m| {
        OpKind::RemoveMembers {
            group: g,
            members: m,
        }
    });
    kinds.into_iter().map(|kind| Op::of(owner, kind)).collect()
}

fn plan_groups(
    desired: &DesiredIngress,
    actual: &ActualIngress,
    mine: &dyn Fn(&Tags) -> bool,
) -> GroupPlan {
    let mut plan = GroupPlan::default();
    let mut owned: BTreeMap<&str, Vec<&ActualServerGroup>> = BTreeMap::new();
    for g in &actual.server_groups {
        let is_group = g.tags.get(TAG_RESOURCE).map(String::as_str)
            == Some(ResourceKind::ServerGroup.as_str());
        if let (true, true, Some(key)) = (mine(&g.tags), is_group, g.tags.get(TAG_KEY)) {
            owned.entry(key.as_str()).or_default().push(g);
        }
    }
    let mut kept: BTreeSet<&str> = BTreeSet::new();
    let add = |m: GroupRef, v: Vec<Member>| OpKind::AddMembers {
        group: m,
        members: v,
    };
    for d in &desired.server_groups {
        let candidates = owned.get(d.key.as_str()).cloned().unwrap_or_default();
        let same_protocol = candidates
            .iter()
            .find(|g| g.attributes.protocol == d.attributes.protocol);
        match (same_protocol, candidates.first()) {
            (Some(a), _) => {
                kept.insert(&a.id);
                if a.name != d.name || a.attributes != d.attributes {
                    plan.update.push(OpKind::UpdateServerGroup {
                        id: a.id.clone(),
                        key: d.key.clone(),
                        name: d.name.clone(),
                        attributes: d.attributes.clone(),
                    });
                }
                let (have, want) = (
                    agent_tags(&a.tags),
                    d.agent.as_ref().map(AgentMembers::tags).unwrap_or_default(),
                );
                if have != want {
                    plan.update.push(OpKind::SetMemberSync {
                        id: a.id.clone(),
                        key: d.key.clone(),
                        agent: d.agent.clone(),
                        stale: have.into_keys().filter(|k| !want.contains_key(k)).collect(),
                    });
                }
                if d.members_by_agent() {
                    continue;
                }
                let group = GroupRef {
                    key: d.key.clone(),
                    id: Some(a.id.clone()),
                };
                let mut changes = MemberChanges::between(&a.members, &d.members);
                match changes.take_replace(&group) {
                    Some(replace) => plan.add.push(replace),
                    None => member_ops(&mut plan.add, &group, changes.missing, add),
                }
                member_ops(
                    &mut plan.update_members,
                    &group,
                    changes.reweight,
                    |g, m| OpKind::UpdateMembers {
                        group: g,
                        members: m,
                    },
                );
                member_ops(&mut plan.remove, &group, changes.stale, |g, m| {
                    OpKind::RemoveMembers {
                        group: g,
                        members: m,
                    }
                });
            }
            (None, existing) => {
                if existing.is_some() {
                    plan.replaced.insert(d.key.clone());
                }
                let mut group = d.clone();
                group.members.clear();
                plan.create.push(OpKind::CreateServerGroup {
                    group,
                    tags: group_tags(desired, d),
                });
                let group = GroupRef {
                    key: d.key.clone(),
                    id: None,
                };
                member_ops(&mut plan.add, &group, d.members.clone(), add);
            }
        }
    }
    for (key, groups) in owned {
        for g in groups {
            if !kept.contains(g.id.as_str()) {
                plan.delete.push(OpKind::DeleteServerGroup {
                    id: g.id.clone(),
                    key: key.to_owned(),
                });
            }
        }
    }
    plan
}

/// Ownership tags of the desired group `d` of `desired`, with the agent tags
/// ([`AgentMembers::tags`]) when the agent keeps its members.
fn group_tags(desired: &DesiredIngress, d: &DesiredServerGroup) -> Tags {
    let mut tags = ingress_tags(
        &desired.cluster_id,
        &desired.config,
        &desired.id,
        ResourceKind::ServerGroup,
        &d.key,
    );
    if let Some(agent) = &d.agent {
        tags.extend(agent.tags());
    }
    tags
}

/// The rule operations of one ingress, in the order they run (see [`plan_ingress_ops`]).
struct RulePlan {
    /// Priority moves (with the new names), in rounds whose targets are free when they start.
    moves: Vec<Vec<RuleUpdate>>,
    /// New rules, by listener and ascending priority.
    creates: Vec<DesiredRule>,
    /// Content (and name) updates, at the final priorities.
    updates: Vec<RuleUpdate>,
    /// Rules to delete (id, listener), highest priority number first.
    delete: Vec<(String, ListenerKey)>,
}

/// An existing rule that must land on a priority it does not hold yet.
struct Move {
    listener: ListenerKey,
    id: String,
    from: u32,
    target: u32,
    name: Option<String>,
}

/// Which (listener, priority) is held by which rule: `Some(id)` for an owned rule, `None` for a
/// rule this ingress does not own.
type Occupied = BTreeMap<(ListenerKey, u32), Option<String>>;

fn same_conditions(a: &[Condition], b: &[Condition]) -> bool {
    canonical_conditions(a) == canonical_conditions(b)
}

fn same_actions(a: &[Action], b: &[Action]) -> bool {
    let kinds = |v: &[Action]| -> Vec<ActionKind> {
        canonical_actions(v).into_iter().map(|x| x.kind).collect()
    };
    kinds(a) == kinds(b)
}

/// Matches desired rules to owned ones by identity and orders the writes so that every request
/// reaches its old or its new target at every step (see the module documentation).
fn plan_rules(
    desired: &DesiredIngress,
    actual: &ActualIngress,
    mine: &dyn Fn(&Tags) -> bool,
    replaced: &BTreeSet<String>,
) -> RulePlan {
    let owned: Vec<&ActualRule> = actual.rules.iter().filter(|r| mine(&r.tags)).collect();
    let mut by_identity: BTreeMap<(ListenerKey, String), Vec<&ActualRule>> = BTreeMap::new();
    for r in &owned {
        if let Some(k) = rule_identity(r) {
            by_identity.entry((r.listener, k)).or_default().push(r);
        }
    }
    let mut matched: BTreeMap<&str, u32> = BTreeMap::new();
    let mut creates: Vec<DesiredRule> = Vec::new();
    let mut updates: Vec<RuleUpdate> = Vec::new();
    let mut moves: Vec<Move> = Vec::new();
    for d in &desired.rules {
        let candidates = by_identity
            .get(&(d.listener, d.identity.clone()))
            .cloned()
            .unwrap_or_default();
        let found = candidates
            .iter()
            .filter(|r| !matched.contains_key(r.id.as_str()))
            .min_by_key(|r| r.priority != d.priority);
        let Some(a) = found else {
            creates.push(d.clone());
            continue;
        };
        matched.insert(&a.id, d.priority);
        let uses_replaced = d
            .actions
            .iter()
            .flat_map(|x| x.kind.group_keys())
            .any(|k| replaced.contains(k));
        let content = uses_replaced
            || !same_conditions(&d.conditions, &a.conditions)
            || !same_actions(&d.actions, &a.actions);
        let name = (a.name != d.name).then(|| d.name.clone());
        let moved = a.priority != d.priority;
        if moved {
            moves.push(Move {
                listener: d.listener,
                id: a.id.clone(),
                from: a.priority,
                target: d.priority,
                name: name.clone(),
            });
        }
        if content || (name.is_some() && !moved) {
            updates.push(RuleUpdate {
                id: a.id.clone(),
                listener: d.listener,
                priority: d.priority,
                name: name.filter(|_| !moved),
                conditions: content.then(|| d.conditions.clone()),
                actions: content.then(|| d.actions.clone()),
            });
        }
    }
    let mut leftovers: Vec<&ActualRule> = owned
        .iter()
        .filter(|r| !matched.contains_key(r.id.as_str()))
        .copied()
        .collect();
    moves.extend(leftover_moves(desired, actual, mine, &matched, &leftovers));
    let mut occupied: Occupied = actual
        .rules
        .iter()
        .map(|r| {
            (
                (r.listener, r.priority),
                mine(&r.tags).then(|| r.id.clone()),
            )
        })
        .collect();
    let mut rounds = schedule(moves, &mut occupied);
    creates.sort_by_key(|r| (r.listener, r.priority));
    let wanted: BTreeSet<(ListenerKey, u32)> =
        creates.iter().map(|r| (r.listener, r.priority)).collect();
    for c in &creates {
        if let Some(Some(holder)) = occupied.get(&(c.listener, c.priority)).cloned() {
            park(
                &holder,
                c.listener,
                c.priority,
                &wanted,
                &mut occupied,
                &mut rounds,
            );
        }
    }
    let position: BTreeMap<&str, u32> = occupied
        .iter()
        .filter_map(|((_, p), id)| Some((id.as_deref()?, *p)))
        .collect();
    leftovers.sort_by_key(|r| {
        (
            std::cmp::Reverse(position.get(r.id.as_str()).copied().unwrap_or(r.priority)),
            r.listener,
        )
    });
    RulePlan {
        moves: rounds,
        creates,
        updates,
        delete: leftovers
            .into_iter()
            .map(|r| (r.id.clone(), r.listener))
            .collect(),
    }
}

/// Moves for owned rules that are deleted at the end but still serve until then: each keeps its
/// order against the rules it may compete with ([`may_overlap`]) — the kept rules at their final
/// priorities and the other leaving rules — on the priority nearest its own that no desired rule
/// takes, so neither the kept rules' moves nor the new rules change what it serves. Rules
/// already in such a place stay.
fn leftover_moves(
    desired: &DesiredIngress,
    actual: &ActualIngress,
    mine: &dyn Fn(&Tags) -> bool,
    matched: &BTreeMap<&str, u32>,
    leftovers: &[&ActualRule],
) -> Vec<Move> {
    let mut out = Vec::new();
    let listeners: BTreeSet<ListenerKey> = leftovers.iter().map(|r| r.listener).collect();
    for l in listeners {
        let mut used: BTreeSet<u32> = desired
            .rules
            .iter()
            .filter(|d| d.listener == l)
            .map(|d| d.priority)
            .chain(
                actual
                    .rules
                    .iter()
                    .filter(|r| r.listener == l && !mine(&r.tags))
                    .map(|r| r.priority),
            )
            .collect();
        let mut chain: Vec<(&ActualRule, Option<u32>)> = actual
            .rules
            .iter()
            .filter(|r| r.listener == l && mine(&r.tags))
            .map(|r| (r, matched.get(r.id.as_str()).copied()))
            .collect();
        chain.sort_by_key(|(r, _)| r.priority);
        let mut placed: Vec<(&ActualRule, u32)> = Vec::new();
        for (k, (r, kept)) in chain.iter().enumerate() {
            if kept.is_some() {
                continue;
            }
            let competes = |other: &ActualRule| may_overlap(&r.conditions, &other.conditions);
            let low = chain[..k]
                .iter()
                .filter_map(|(o, f)| f.filter(|_| competes(o)))
                .chain(placed.iter().filter(|(o, _)| competes(o)).map(|(_, p)| *p))
                .max()
                .unwrap_or(0);
            let high = chain[k + 1..]
                .iter()
                .filter_map(|(o, f)| f.filter(|_| competes(o)))
                .min()
                .unwrap_or(MAX_PRIORITY + 1);
            let fits = |q: u32| q > low && q < high && !used.contains(&q);
            let target = (0..=MAX_PRIORITY)
                .flat_map(|d| [r.priority.checked_add(d), r.priority.checked_sub(d)])
                .flatten()
                .find(|&q| fits(q));
            let Some(q) = target else {
                continue;
            };
            if q != r.priority {
                out.push(Move {
                    listener: l,
                    id: r.id.clone(),
                    from: r.priority,
                    target: q,
                    name: None,
                });
            }
            used.insert(q);
            placed.push((r, q));
        }
    }
    out
}

/// Orders moves into rounds whose target priorities are free when the round starts and that
/// pass no rule still to move (a chain of moves runs tail first, so rules moving in step keep
/// their order); a cycle (swap) is broken by parking one rule on the nearest free priority.
/// Leaves `occupied` as it is after the moves.
fn schedule(mut pending: Vec<Move>, occupied: &mut Occupied) -> Vec<Vec<RuleUpdate>> {
    let mut rounds: Vec<Vec<RuleUpdate>> = Vec::new();
    pending.sort_by_key(|m| (m.listener, m.target));
    // Each park frees a target; more parks than moves means a cycle the parks cannot break.
    let limit = 2 * pending.len() + 1;
    let mut parks = 0;
    while !pending.is_empty() {
        // A move waits while its target is held, or while it would pass a rule that moves
        // too (that one goes first, so the two never swap places on the way).
        let passes = |m: &Move, other: &Move| {
            other.listener == m.listener
                && other.id != m.id
                && other.from > m.from.min(m.target)
                && other.from < m.from.max(m.target)
        };
        let blocked = |m: &Move| {
            matches!(occupied.get(&(m.listener, m.target)), Some(Some(h)) if *h != m.id)
                || pending.iter().any(|o| passes(m, o))
        };
        let ready_ids: BTreeSet<String> = pending
            .iter()
            .filter(|m| !blocked(m))
            .map(|m| m.id.clone())
            .collect();
        let (ready, rest): (Vec<Move>, Vec<Move>) =
            pending.into_iter().partition(|m| ready_ids.contains(&m.id));
        pending = rest;
        let ready = if ready.is_empty() {
            // Rules that would pass each other: the first whose target is free goes alone.
            let held = |m: &Move| matches!(occupied.get(&(m.listener, m.target)), Some(Some(h)) if *h != m.id);
            match pending.iter().position(|m| !held(m)) {
                Some(k) => vec![pending.remove(k)],
                None => {
                    parks += 1;
                    let first = &pending[0];
                    let (listener, target) = (first.listener, first.target);
                    let holder = occupied
                        .get(&(listener, target))
                        .cloned()
                        .flatten()
                        .unwrap_or_default();
                    let wanted: BTreeSet<(ListenerKey, u32)> =
                        pending.iter().map(|m| (m.listener, m.target)).collect();
                    let parked = (parks <= limit)
                        .then(|| park(&holder, listener, target, &wanted, occupied, &mut rounds))
                        .flatten();
                    match parked {
                        Some(temp) => {
                            for m in pending.iter_mut().filter(|m| m.id == holder) {
                                m.from = temp;
                            }
                        }
                        None => {
                            // No free priority left: the API reports the conflict.
                            rounds.push(pending.drain(..).map(Move::update).collect());
                        }
                    }
                    continue;
                }
            }
        } else {
            ready
        };
        for m in &ready {
            occupied.remove(&(m.listener, m.from));
        }
        for m in &ready {
            occupied.insert((m.listener, m.target), Some(m.id.clone()));
        }
        rounds.push(ready.into_iter().map(Move::update).collect());
    }
    rounds
}

impl Move {
    fn update(self) -> RuleUpdate {
        RuleUpdate {
            id: self.id,
            listener: self.listener,
            priority: self.target,
            name: self.name,
            conditions: None,
            actions: None,
        }
    }
}

/// Moves `holder` off `target` to the nearest priority of the listener that is free and not
/// `wanted`, with a priority-only update; `None` when there is none.
fn park(
    holder: &str,
    listener: ListenerKey,
    target: u32,
    wanted: &BTreeSet<(ListenerKey, u32)>,
    occupied: &mut Occupied,
    rounds: &mut Vec<Vec<RuleUpdate>>,
) -> Option<u32> {
    let free = |p: u32| !occupied.contains_key(&(listener, p)) && !wanted.contains(&(listener, p));
    let temp = (1..MAX_PRIORITY)
        .flat_map(|d| [target.checked_add(d), target.checked_sub(d)])
        .flatten()
        .find(|&p| (1..=MAX_PRIORITY).contains(&p) && free(p))?;
    occupied.remove(&(listener, target));
    occupied.insert((listener, temp), Some(holder.to_owned()));
    rounds.push(vec![RuleUpdate {
        id: holder.to_owned(),
        listener,
        priority: temp,
        name: None,
        conditions: None,
        actions: None,
    }]);
    Some(temp)
}

// ------------------------------------------------------------------------------------------------
// Config
// ------------------------------------------------------------------------------------------------

/// Plans the operations that turn `actual` (None = nothing exists yet) into `desired` for one
/// alb_config. `cluster_id` goes into the ownership tags; the config identity is the load
/// balancer name. Attributes the API cannot change are the provider's business (RequiresReplace).
///
/// Order: CreateLoadBalancer → CreatePlaceholderGroup → CreateListener → CreateAcl /
/// AddAclEntries → UpdateLoadBalancer → UpdateListener → AssociateAcls / DissociateAcls →
/// RemoveAclEntries → DeleteListener (owned listeners no longer declared) → DeleteServerGroup
/// (their placeholder groups) → DeleteAcl (see [`crate::acl`]). Listeners are matched by key
/// among the owned ones; a listener with the same key that this config does not own is never
/// adopted or changed (its CreateListener then fails with the API's "already exists" error).
/// ACL differences alone never update a listener: they have their own operations.
pub fn plan_config_ops(
    desired: &DesiredLoadBalancer,
    actual: Option<&ActualLoadBalancer>,
    cluster_id: &str,
) -> Vec<Op> {
    let config = desired.name.as_str();
    let op = |kind| Op::of(config, kind);
    let mut ops = Vec::new();
    let Some(actual) = actual else {
        let mut tags = desired.tags.clone();
        tags.extend(config_tags(
            cluster_id,
            config,
            ResourceKind::LoadBalancer,
            None,
        ));
        ops.push(op(OpKind::CreateLoadBalancer {
            lb: desired.clone(),
            tags,
        }));
        for l in &desired.listeners {
            ops.extend(
                create_listener(l, None, cluster_id, config)
                    .into_iter()
                    .map(op),
            );
        }
        let acls = plan_acls(desired, None, cluster_id, config);
        ops.extend(acls.create.into_iter().chain(acls.bind).map(op));
        return ops;
    };
    let mine = |tags: &Tags| owns_config_object(tags, cluster_id, config);
    let placeholders: BTreeMap<&str, &ActualPlaceholder> = actual
        .placeholders
        .iter()
        .filter(|p| mine(&p.tags))
        .filter_map(|p| p.tags.get(TAG_KEY).map(|k| (k.as_str(), p)))
        .collect();
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let user_tags: Tags = actual
        .tags
        .iter()
        .filter(|(k, _)| !k.starts_with(TAG_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if actual.name != desired.name
        || actual.deletion_protection != desired.deletion_protection
        || actual.access_log != desired.access_log
        || user_tags != desired.tags
        || actual.edition.is_some_and(|e| e != desired.edition)
        || actual
            .address_type
            .is_some_and(|t| t != desired.address_type)
        || zones_need_update(&desired.zone_mappings, &actual.zone_mappings)
        || desired
            .resource_group_id
            .as_ref()
            .is_some_and(|rg| actual.resource_group_id.as_ref() != Some(rg))
    {
        updates.push(OpKind::UpdateLoadBalancer {
            id: actual.id.clone(),
            lb: desired.clone(),
        });
    }
    for l in &desired.listeners {
        let existing = actual
            .listeners
            .iter()
            .find(|a| a.key == l.key && mine(&a.tags));
        let placeholder = placeholders.get(l.default_server_group.key.as_str());
        let Some(a) = existing else {
            // A placeholder an interrupted create left becomes the new listener's default group.
            let made = placeholder.map(|p| p.id.clone());
            creates.extend(create_listener(l, made, cluster_id, config));
            continue;
        };
        if placeholder.is_none() {
            creates.push(create_placeholder(l, cluster_id, config));
        }
        let group = GroupRef {
            key: l.default_server_group.key.clone(),
            id: placeholder.map(|p| p.id.clone()),
        };
        if without_acl(&a.attributes) != without_acl(&l.attributes)
            || group.id.is_none()
            || a.default_server_group_id != group.id
        {
            updates.push(OpKind::UpdateListener {
                id: a.id.clone(),
                listener: l.clone(),
                default_group: group,
            });
        }
    }
    // Placeholders first, then listeners, as in the create path.
    creates.sort_by_key(|k| !matches!(k, OpKind::CreatePlaceholderGroup { .. }));
    let declared: BTreeSet<ListenerKey> = desired.listeners.iter().map(|l| l.key).collect();
    let mut deletes = Vec::new();
    let mut group_deletes = Vec::new();
    for a in &actual.listeners {
        if !declared.contains(&a.key) && mine(&a.tags) {
            deletes.push(OpKind::DeleteListener {
                id: a.id.clone(),
                listener: a.key,
            });
        }
    }
    let wanted: BTreeSet<String> = desired
        .listeners
        .iter()
        .map(|l| l.default_server_group.key.clone())
        .collect();
    for (key, p) in &placeholders {
        if !wanted.contains(*key) {
            group_deletes.push(OpKind::DeleteServerGroup {
                id: p.id.clone(),
                key: (*key).to_owned(),
            });
        }
    }
    let acls = plan_acls(desired, Some(actual), cluster_id, config);
    ops.extend(
        creates
            .into_iter()
            .chain(acls.create)
            .chain(updates)
            .chain(acls.bind)
            .chain(acls.remove)
            .chain(deletes)
            .chain(group_deletes)
            .chain(acls.delete)
            .map(op),
    );
    ops
}

/// Whether the zones of `actual` differ from `desired`, compared as a set by zone: a zone added
/// or removed, another vSwitch, or an EIP, EIP type or fixed address that `desired` sets and
/// `actual` lacks. What `desired` leaves unset (an EIP the API allocated) is no difference.
pub fn zones_need_update(desired: &[ZoneMapping], actual: &[ZoneMapping]) -> bool {
    let actual: BTreeMap<&str, &ZoneMapping> =
        actual.iter().map(|z| (z.zone_id.as_str(), z)).collect();
    let wanted: BTreeSet<&str> = desired.iter().map(|z| z.zone_id.as_str()).collect();
    let set_and_differs = |want: &Option<String>, have: &Option<String>| {
        want.as_ref().is_some_and(|w| have.as_ref() != Some(w))
    };
    wanted.len() != actual.len()
        || desired.iter().any(|d| {
            actual.get(d.zone_id.as_str()).is_none_or(|a| {
                a.vswitch_id != d.vswitch_id
                    || set_and_differs(&d.allocation_id, &a.allocation_id)
                    || d.eip_type.is_some_and(|t| a.eip_type != Some(t))
                    || set_and_differs(&d.intranet_address, &a.intranet_address)
            })
        })
}

/// Listener attributes as `UpdateListenerAttribute` sets them (ACLs have their own operations).
fn without_acl(a: &ListenerAttributes) -> ListenerAttributes {
    ListenerAttributes {
        acl: None,
        ..a.clone()
    }
}

fn create_placeholder(l: &DesiredListener, cluster_id: &str, config: &str) -> OpKind {
    OpKind::CreatePlaceholderGroup {
        listener: l.key,
        group: l.default_server_group.clone(),
        tags: config_tags(
            cluster_id,
            config,
            ResourceKind::Placeholder,
            Some(&l.default_server_group.key),
        ),
    }
}

/// The ops creating listener `l`: its placeholder group unless `placeholder` names an existing
/// one, then the listener forwarding to it.
fn create_listener(
    l: &DesiredListener,
    placeholder: Option<String>,
    cluster_id: &str,
    config: &str,
) -> Vec<OpKind> {
    let mut ops = Vec::with_capacity(2);
    if placeholder.is_none() {
        ops.push(create_placeholder(l, cluster_id, config));
    }
    ops.push(OpKind::CreateListener {
        listener: l.clone(),
        default_group: GroupRef {
            key: l.default_server_group.key.clone(),
            id: placeholder,
        },
        tags: config_tags(
            cluster_id,
            config,
            ResourceKind::Listener,
            Some(&l.key.to_string()),
        ),
    });
    ops
}
