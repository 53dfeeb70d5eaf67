//! What a plan changes, per load balancer and listener: the analysis behind the report, free of
//! any Markdown. Rules are paired before/after by ingress and key (the map key, or the `key`
//! attribute of list-shaped states), then by listener and identical conditions, so a rule whose
//! key changed but which serves the same requests shows as changed, not removed and added.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

use super::plan_json::{address_without_keys, Change, ChangeKind, Plan, ResourceChange};
use super::values::{
    AclValues, IngressValues, LoadBalancerValues, RuleValues, ServerGroupValues, LISTENER_HIDDEN,
    LOAD_BALANCER_HIDDEN, SERVER_GROUP_HIDDEN,
};

/// Shown for values Terraform knows only after apply.
pub const UNKNOWN: &str = "(known after apply)";

/// Shown instead of sensitive values.
pub const SENSITIVE: &str = "(sensitive)";

/// Everything the plan changes on ALB resources, sorted for stable output.
#[derive(Debug, Default)]
pub struct PlanChanges {
    /// One entry per load balancer that the plan touches (itself or its rules).
    pub load_balancers: Vec<LoadBalancerChanges>,
}

/// Changes on one load balancer.
#[derive(Debug)]
pub struct LoadBalancerChanges {
    /// Name (or id, when its `alb_config` is not in this plan).
    pub label: String,
    /// Address of the `alb_config`, when it is in this plan.
    pub address: Option<String>,
    /// What happens to the load balancer itself.
    pub kind: ChangeKind,
    /// Attributes forcing the replacement.
    pub replace_attributes: Vec<String>,
    /// Changed top-level attributes (updates and replacements).
    pub attributes: Vec<AttributeChange>,
    /// Deletion protection goes from on to off.
    pub deletion_protection_off: bool,
    /// The ingresses on it that change.
    pub ingresses: Vec<IngressChange>,
    /// Listeners with changes of their own or of their rules, by port then protocol.
    pub listeners: Vec<ListenerChanges>,
    /// Server groups that change.
    pub server_groups: Vec<GroupChange>,
}

/// One attribute's before and after, rendered.
#[derive(Debug, PartialEq, Eq)]
pub struct AttributeChange {
    /// Dotted path, e.g. `x_forwarded_for.proto`.
    pub name: String,
    /// Before.
    pub before: String,
    /// After.
    pub after: String,
}

/// An `alb_ingress` that changes.
#[derive(Debug)]
pub struct IngressChange {
    /// Resource address.
    pub address: String,
    /// `namespace/name`.
    pub label: String,
    /// What happens to it.
    pub kind: ChangeKind,
    /// Attributes forcing the replacement.
    pub replace_attributes: Vec<String>,
}

/// Added, changed or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Diff {
    /// New.
    Added,
    /// Changed in place (or a rule serving the same requests).
    Changed,
    /// Gone.
    Removed,
}

/// A listener and its rule changes.
#[derive(Debug)]
pub struct ListenerChanges {
    /// `PROTOCOL:port`.
    pub key: String,
    /// What happens to the listener itself (`None`: unchanged, or not in this plan).
    pub diff: Option<Diff>,
    /// Its changed attributes.
    pub attributes: Vec<AttributeChange>,
    /// Its ACL before and after, when that changes.
    pub acl: Option<(Option<AclValues>, Option<AclValues>)>,
    /// How many rules it carried before the change.
    pub rules_before: usize,
    /// Rule changes, by priority.
    pub rules: Vec<RuleChange>,
}

/// One rule's change.
#[derive(Debug)]
pub struct RuleChange {
    /// Added, changed or removed.
    pub diff: Diff,
    /// Before (changed and removed rules).
    pub before: Option<RuleSide>,
    /// After (added and changed rules).
    pub after: Option<RuleSide>,
}

impl RuleChange {
    /// The side shown first: after, or before for removed rules.
    pub fn current(&self) -> &RuleSide {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .expect("a rule change has a side")
    }
}

/// A rule as one side of a change shows it.
#[derive(Debug, Clone)]
pub struct RuleSide {
    /// `namespace/name` of its ingress.
    pub ingress: String,
    /// Priority, when known.
    pub priority: Option<Number>,
    /// Conditions, as the rule's summary writes them.
    pub matched: String,
    /// Actions, as the rule's summary writes them.
    pub action: String,
    /// Share of the forwarded traffic per server group key, in percent.
    pub shares: BTreeMap<String, f64>,
}

/// A server group's change.
#[derive(Debug)]
pub struct GroupChange {
    /// Added, changed or removed.
    pub diff: Diff,
    /// `<service>:<port>`.
    pub key: String,
    /// `namespace/name` of its ingress.
    pub ingress: String,
    /// Member count before, when known.
    pub members_before: Option<usize>,
    /// Member count after, when known.
    pub members_after: Option<usize>,
    /// Members added (both sides known).
    pub members_added: usize,
    /// Members removed (both sides known).
    pub members_removed: usize,
    /// Changed settings.
    pub settings: Vec<AttributeChange>,
}

/// Why the plan's values could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{address}: unexpected {side} value: {source}")]
pub struct ValueError {
    address: String,
    side: &'static str,
    source: serde_json::Error,
}

/// Which load balancer an ingress is on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    /// An `alb_config` in this plan, by address.
    Address(String),
    /// A load balancer known only by id.
    Id(String),
    /// Not knowable from the plan.
    Unknown,
}

struct LoadBalancerEntry<'a> {
    change: &'a ResourceChange,
    before: Option<LoadBalancerValues>,
    after: Option<LoadBalancerValues>,
}

struct IngressEntry<'a> {
    change: &'a ResourceChange,
    before: Option<IngressValues>,
    after: Option<IngressValues>,
}

#[derive(Clone)]
struct PlacedRule {
    ingress_address: String,
    ingress_label: String,
    key: String,
    values: RuleValues,
}

#[derive(Clone)]
struct PlacedGroup {
    ingress_address: String,
    ingress_label: String,
    key: String,
    values: ServerGroupValues,
}

#[derive(Default)]
struct Section {
    ingresses: Vec<IngressChange>,
    rules_before: Vec<PlacedRule>,
    rules_after: Vec<PlacedRule>,
    groups_before: Vec<PlacedGroup>,
    groups_after: Vec<PlacedGroup>,
}

/// Analyses the ALB resources of a plan.
pub fn analyse(plan: &Plan) -> Result<PlanChanges, ValueError> {
    let managed = |t: &'static str| {
        plan.resource_changes
            .iter()
            .filter(move |c| c.mode == "managed" && c.resource_type == t)
    };
    let load_balancers: BTreeMap<String, LoadBalancerEntry> = managed("alb_config")
        .map(|change| {
            let (before, after) = sides(change)?;
            Ok((
                change.address.clone(),
                LoadBalancerEntry {
                    change,
                    before,
                    after,
                },
            ))
        })
        .collect::<Result<_, ValueError>>()?;
    let ingresses: Vec<IngressEntry> = managed("alb_ingress")
        .map(|change| {
            let (before, after) = sides(change)?;
            Ok(IngressEntry {
                change,
                before,
                after,
            })
        })
        .collect::<Result<_, ValueError>>()?;

    let references = plan
        .configuration
        .as_ref()
        .map(|c| c.config_references("alb_config_id"))
        .unwrap_or_default();
    let locate = |id: Option<&str>, ingress_address: &str| -> Slot {
        if let Some(id) = id {
            let owner = load_balancers.iter().find(|(_, lb)| {
                [&lb.before, &lb.after]
                    .into_iter()
                    .flatten()
                    .any(|v| v.id.as_deref() == Some(id))
            });
            return match owner {
                Some((address, _)) => Slot::Address(address.clone()),
                None => Slot::Id(id.to_owned()),
            };
        }
        references
            .get(&address_without_keys(ingress_address))
            .into_iter()
            .flatten()
            .find_map(|target| {
                load_balancers
                    .keys()
                    .find(|address| address_without_keys(address) == *target)
            })
            .map_or(Slot::Unknown, |address| Slot::Address(address.clone()))
    };

    let mut sections: BTreeMap<Slot, Section> = load_balancers
        .keys()
        .map(|address| (Slot::Address(address.clone()), Section::default()))
        .collect();
    for ingress in &ingresses {
        let address = &ingress.change.address;
        let kind = ingress.change.change.kind();
        let label = ingress
            .after
            .as_ref()
            .or(ingress.before.as_ref())
            .map(IngressValues::label)
            .unwrap_or_default();
        let before_slot = ingress
            .before
            .as_ref()
            .map(|b| locate(b.alb_config_id.as_deref(), address));
        let after_slot = ingress
            .after
            .as_ref()
            .map(|a| locate(a.alb_config_id.as_deref(), address));
        if let (Some(slot), Some(values)) = (&before_slot, &ingress.before) {
            let section = sections.entry(slot.clone()).or_default();
            place(section, address, &label, values, false);
        }
        if let (Some(slot), Some(values)) = (&after_slot, &ingress.after) {
            let section = sections.entry(slot.clone()).or_default();
            place(section, address, &label, values, true);
        }
        if kind != ChangeKind::NoOp {
            if let Some(slot) = after_slot.or(before_slot) {
                sections
                    .entry(slot)
                    .or_default()
                    .ingresses
                    .push(IngressChange {
                        address: address.clone(),
                        label: label.clone(),
                        kind,
                        replace_attributes: ingress.change.change.replace_attributes(),
                    });
            }
        }
    }

    let load_balancers = sections
        .into_iter()
        .map(|(slot, section)| {
            let entry = match &slot {
                Slot::Address(address) => load_balancers.get(address),
                _ => None,
            };
            load_balancer_changes(&slot, entry, section)
        })
        .filter(LoadBalancerChanges::changes_anything)
        .collect();
    Ok(PlanChanges { load_balancers })
}

fn sides<T: DeserializeOwned>(
    change: &ResourceChange,
) -> Result<(Option<T>, Option<T>), ValueError> {
    let read = |value: &Value, side: &'static str| -> Result<Option<T>, ValueError> {
        if value.is_null() {
            return Ok(None);
        }
        serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|source| ValueError {
                address: change.address.clone(),
                side,
                source,
            })
    };
    Ok((
        read(&change.change.before, "before")?,
        read(&change.change.after, "after")?,
    ))
}

fn place(section: &mut Section, address: &str, label: &str, values: &IngressValues, after: bool) {
    let rules = values.rules.iter().map(|(key, rule)| PlacedRule {
        ingress_address: address.to_owned(),
        ingress_label: label.to_owned(),
        key: key.clone(),
        values: rule.clone(),
    });
    let groups = values.server_groups.iter().map(|(key, group)| PlacedGroup {
        ingress_address: address.to_owned(),
        ingress_label: label.to_owned(),
        key: key.clone(),
        values: group.clone(),
    });
    if after {
        section.rules_after.extend(rules);
        section.groups_after.extend(groups);
    } else {
        section.rules_before.extend(rules);
        section.groups_before.extend(groups);
    }
}

impl LoadBalancerChanges {
    /// Whether anything on this load balancer changes.
    pub fn changes_anything(&self) -> bool {
        self.kind != ChangeKind::NoOp
            || !self.ingresses.is_empty()
            || !self.listeners.is_empty()
            || !self.server_groups.is_empty()
    }
}

fn load_balancer_changes(
    slot: &Slot,
    entry: Option<&LoadBalancerEntry>,
    section: Section,
) -> LoadBalancerChanges {
    let kind = entry.map_or(ChangeKind::NoOp, |e| e.change.change.kind());
    let label = entry
        .and_then(|e| {
            let name = |v: &Option<LoadBalancerValues>| v.as_ref().and_then(|v| v.name.clone());
            name(&e.after).or_else(|| name(&e.before))
        })
        .unwrap_or_else(|| match slot {
            Slot::Address(address) => address.clone(),
            Slot::Id(id) => id.clone(),
            Slot::Unknown => "(load balancer not known before apply)".to_owned(),
        });
    let attributes = match (entry, kind) {
        (Some(e), ChangeKind::Update | ChangeKind::Replace) => attribute_changes(
            &e.change.change.before,
            &e.change.change.after,
            &Marks::of(&e.change.change),
            LOAD_BALANCER_HIDDEN,
        ),
        _ => Vec::new(),
    };
    let protection = |v: Option<&LoadBalancerValues>| v.and_then(|v| v.deletion_protection);
    let deletion_protection_off = entry.is_some_and(|e| {
        protection(e.before.as_ref()) == Some(true) && protection(e.after.as_ref()) != Some(true)
    });

    let mut listeners: BTreeMap<(u32, String), ListenerChanges> = BTreeMap::new();
    if let Some(e) = entry {
        let before = e
            .before
            .as_ref()
            .map(|v| v.listener.clone())
            .unwrap_or_default();
        let after = e
            .after
            .as_ref()
            .map(|v| v.listener.clone())
            .unwrap_or_default();
        for (key, diff, attributes, acl) in listener_diffs(before, after) {
            let l = listener(&mut listeners, &key);
            l.diff = Some(diff);
            l.attributes = attributes;
            l.acl = acl;
        }
    }
    for rule in &section.rules_before {
        listener(&mut listeners, rule_listener(&rule.values)).rules_before += 1;
    }
    for change in rule_changes(section.rules_before, section.rules_after) {
        let key = change
            .1
            .as_ref()
            .or(change.0.as_ref())
            .map(|r| rule_listener(&r.values).to_owned())
            .unwrap_or_default();
        if let Some(rule) = rule_change(change) {
            listener(&mut listeners, &key).rules.push(rule);
        }
    }
    let mut listeners: Vec<ListenerChanges> = listeners
        .into_values()
        .filter(|l| l.diff.is_some() || !l.rules.is_empty())
        .collect();
    for l in &mut listeners {
        l.rules
            .sort_by(|a, b| rule_order(a).total_cmp_key(&rule_order(b)));
    }

    let mut ingresses = section.ingresses;
    ingresses.sort_by(|a, b| a.address.cmp(&b.address));
    LoadBalancerChanges {
        label,
        address: entry.map(|e| e.change.address.clone()),
        kind,
        replace_attributes: entry
            .map(|e| e.change.change.replace_attributes())
            .unwrap_or_default(),
        attributes,
        deletion_protection_off,
        ingresses,
        listeners,
        server_groups: group_changes(section.groups_before, section.groups_after),
    }
}

/// The entry of a listener, made empty on first use.
fn listener<'a>(
    listeners: &'a mut BTreeMap<(u32, String), ListenerChanges>,
    key: &str,
) -> &'a mut ListenerChanges {
    listeners
        .entry(listener_order(key))
        .or_insert_with(|| ListenerChanges {
            key: key.to_owned(),
            diff: None,
            attributes: Vec::new(),
            acl: None,
            rules_before: 0,
            rules: Vec::new(),
        })
}

fn rule_listener(rule: &RuleValues) -> &str {
    rule.listener.as_deref().unwrap_or("?")
}

/// Listeners sort by port, then protocol; unparsable keys last.
fn listener_order(key: &str) -> (u32, String) {
    match key.split_once(':') {
        Some((protocol, port)) => (port.parse().unwrap_or(u32::MAX), protocol.to_owned()),
        None => (u32::MAX, key.to_owned()),
    }
}

/// The order of rules in a listener table: priority, then match, then ingress.
struct RuleOrder<'a> {
    priority: f64,
    matched: &'a str,
    ingress: &'a str,
    diff: Diff,
}

impl RuleOrder<'_> {
    fn total_cmp_key(&self, other: &Self) -> std::cmp::Ordering {
        self.priority
            .total_cmp(&other.priority)
            .then_with(|| self.matched.cmp(other.matched))
            .then_with(|| self.ingress.cmp(other.ingress))
            .then_with(|| self.diff.cmp(&other.diff))
    }
}

fn rule_order(rule: &RuleChange) -> RuleOrder<'_> {
    let side = rule.current();
    RuleOrder {
        priority: side
            .priority
            .as_ref()
            .and_then(Number::as_f64)
            .unwrap_or(f64::INFINITY),
        matched: &side.matched,
        ingress: &side.ingress,
        diff: rule.diff,
    }
}

type ListenerDiff = (
    String,
    Diff,
    Vec<AttributeChange>,
    Option<(Option<AclValues>, Option<AclValues>)>,
);

fn listener_diffs(before: Vec<(String, Value)>, after: Vec<(String, Value)>) -> Vec<ListenerDiff> {
    let mut after: BTreeMap<String, Value> = after.into_iter().collect();
    let mut out = Vec::new();
    for (key, old) in before {
        let acl_before = AclValues::of_listener(&old);
        match after.remove(&key) {
            None => out.push((key, Diff::Removed, Vec::new(), None)),
            Some(new) => {
                let attributes = attribute_changes(&old, &new, &Marks::NONE, LISTENER_HIDDEN);
                let acl_after = AclValues::of_listener(&new);
                let acl = (acl_before != acl_after).then_some((acl_before, acl_after));
                if !attributes.is_empty() || acl.is_some() {
                    out.push((key, Diff::Changed, attributes, acl));
                }
            }
        }
    }
    for (key, new) in after {
        let acl = AclValues::of_listener(&new).map(|a| (None, Some(a)));
        out.push((key, Diff::Added, Vec::new(), acl));
    }
    out
}

type RulePair = (Option<PlacedRule>, Option<PlacedRule>);

/// Pairs rules before and after: by ingress and key, then by listener and identical conditions.
fn rule_changes(before: Vec<PlacedRule>, after: Vec<PlacedRule>) -> Vec<RulePair> {
    let mut after: Vec<Option<PlacedRule>> = after.into_iter().map(Some).collect();
    let mut pairs = Vec::new();
    let mut unpaired = Vec::new();
    for old in before {
        let same_key = after.iter_mut().find(|new| {
            new.as_ref()
                .is_some_and(|new| new.ingress_address == old.ingress_address && new.key == old.key)
        });
        match same_key {
            Some(slot) => pairs.push((Some(old), slot.take())),
            None => unpaired.push(old),
        }
    }
    for old in unpaired {
        let same_match = after.iter_mut().find(|new| {
            new.as_ref().is_some_and(|new| {
                !old.values.conditions.is_empty()
                    && new.values.listener == old.values.listener
                    && new.values.conditions == old.values.conditions
            })
        });
        match same_match {
            Some(slot) => pairs.push((Some(old), slot.take())),
            None => pairs.push((Some(old), None)),
        }
    }
    pairs.extend(after.into_iter().flatten().map(|new| (None, Some(new))));
    pairs
}

fn rule_change((before, after): RulePair) -> Option<RuleChange> {
    let side = |rule: &PlacedRule| {
        let (matched, action) = rule.values.match_and_action();
        RuleSide {
            ingress: rule.ingress_label.clone(),
            priority: rule.values.priority.clone(),
            matched,
            action,
            shares: shares(&rule.values),
        }
    };
    let diff = match (&before, &after) {
        (Some(b), Some(a)) if b.values == a.values && b.ingress_label == a.ingress_label => {
            return None
        }
        (Some(_), Some(_)) => Diff::Changed,
        (Some(_), None) => Diff::Removed,
        (None, _) => Diff::Added,
    };
    Some(RuleChange {
        diff,
        before: before.as_ref().map(side),
        after: after.as_ref().map(side),
    })
}

/// Each forward target's share of the traffic in percent.
fn shares(rule: &RuleValues) -> BTreeMap<String, f64> {
    let weights = rule.weights();
    let total: f64 = weights.values().sum();
    weights
        .into_iter()
        .map(|(key, w)| (key, if total > 0.0 { w * 100.0 / total } else { 0.0 }))
        .collect()
}

fn group_changes(before: Vec<PlacedGroup>, after: Vec<PlacedGroup>) -> Vec<GroupChange> {
    let identity = |g: &PlacedGroup| (g.ingress_address.clone(), g.key.clone());
    let mut after: BTreeMap<(String, String), PlacedGroup> =
        after.into_iter().map(|g| (identity(&g), g)).collect();
    let mut pairs: Vec<(Option<PlacedGroup>, Option<PlacedGroup>)> = before
        .into_iter()
        .map(|old| {
            let new = after.remove(&identity(&old));
            (Some(old), new)
        })
        .collect();
    pairs.extend(after.into_values().map(|new| (None, Some(new))));
    let mut changes: Vec<GroupChange> = pairs.into_iter().filter_map(group_change).collect();
    changes.sort_by(|a, b| (&a.ingress, &a.key, a.diff).cmp(&(&b.ingress, &b.key, b.diff)));
    changes
}

fn group_change(
    (before, after): (Option<PlacedGroup>, Option<PlacedGroup>),
) -> Option<GroupChange> {
    let diff = match (&before, &after) {
        (Some(_), Some(_)) => Diff::Changed,
        (Some(_), None) => Diff::Removed,
        (None, _) => Diff::Added,
    };
    let members = |g: &Option<PlacedGroup>| g.as_ref().and_then(|g| g.values.members.clone());
    let (old_members, new_members) = (members(&before), members(&after));
    let (members_added, members_removed) = match (&old_members, &new_members) {
        (Some(old), Some(new)) => (
            new.iter()
                .filter(|m| !old.iter().any(|o| o.identity() == m.identity()))
                .count(),
            old.iter()
                .filter(|o| !new.iter().any(|m| m.identity() == o.identity()))
                .count(),
        ),
        _ => (0, 0),
    };
    let settings = match (&before, &after) {
        (Some(b), Some(a)) => attribute_changes(
            &Value::Object(b.values.other.clone().into_iter().collect()),
            &Value::Object(a.values.other.clone().into_iter().collect()),
            &Marks::NONE,
            SERVER_GROUP_HIDDEN,
        ),
        _ => Vec::new(),
    };
    let members_same = old_members.as_ref().map(Vec::len) == new_members.as_ref().map(Vec::len)
        && members_added == 0;
    if diff == Diff::Changed && settings.is_empty() && members_same {
        return None;
    }
    let side = after.as_ref().or(before.as_ref())?;
    Some(GroupChange {
        diff,
        key: side.key.clone(),
        ingress: side.ingress_label.clone(),
        members_before: old_members.as_ref().map(Vec::len),
        members_after: new_members.as_ref().map(Vec::len),
        members_added,
        members_removed,
        settings,
    })
}

/// Terraform's marks on a resource's values: unknown after-values and sensitive values, each a
/// value of the same shape with `true` where marked.
struct Marks<'a> {
    unknown: &'a Value,
    before_sensitive: &'a Value,
    after_sensitive: &'a Value,
}

impl<'a> Marks<'a> {
    /// No marks (nested values whose marks the report does not follow).
    const NONE: Marks<'static> = Marks {
        unknown: &Value::Null,
        before_sensitive: &Value::Null,
        after_sensitive: &Value::Null,
    };

    fn of(change: &'a Change) -> Self {
        Self {
            unknown: &change.after_unknown,
            before_sensitive: &change.before_sensitive,
            after_sensitive: &change.after_sensitive,
        }
    }
}

/// The dotted paths marked `true` in a marks value.
fn marked_paths(marks: &Value) -> Vec<String> {
    let mut leaves = BTreeMap::new();
    flatten("", marks, &mut leaves);
    leaves
        .into_iter()
        .filter(|(_, v)| *v == Value::Bool(true))
        .map(|(path, _)| path)
        .collect()
}

/// Whether `path` or an attribute containing it is among `marked`.
fn is_marked(marked: &[String], path: &str) -> bool {
    marked.iter().any(|m| {
        path == m
            || path
                .strip_prefix(m.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The changed leaves of two objects (nested objects flattened to dotted paths), except the
/// top-level attributes in `hidden`; unknown after-values and sensitive values are shown as such.
fn attribute_changes(
    before: &Value,
    after: &Value,
    marks: &Marks,
    hidden: &[&str],
) -> Vec<AttributeChange> {
    let visible = |v: &Value| -> BTreeMap<String, Value> {
        let mut leaves = BTreeMap::new();
        if let Value::Object(map) = v {
            for (name, value) in map.iter().filter(|(n, _)| !hidden.contains(&n.as_str())) {
                flatten(name, value, &mut leaves);
            }
        }
        leaves
    };
    let unknown = marked_paths(marks.unknown);
    let before_sensitive = marked_paths(marks.before_sensitive);
    let after_sensitive = marked_paths(marks.after_sensitive);
    let (before, after) = (visible(before), visible(after));
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let old = before.get(name).unwrap_or(&Value::Null);
            let new = after.get(name).unwrap_or(&Value::Null);
            let is_unknown = is_marked(&unknown, name);
            if old == new && !is_unknown {
                return None;
            }
            let shown = |value: &Value, sensitive: &[String]| {
                if is_marked(sensitive, name) {
                    SENSITIVE.to_owned()
                } else {
                    show(value)
                }
            };
            Some(AttributeChange {
                name: name.clone(),
                before: shown(old, &before_sensitive),
                after: if is_unknown {
                    UNKNOWN.to_owned()
                } else {
                    shown(new, &after_sensitive)
                },
            })
        })
        .filter(|c| c.before != c.after || c.before == SENSITIVE)
        .collect()
}

/// Flattens nested objects into dotted paths; other values are leaves.
fn flatten(path: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (name, v) in map {
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                flatten(&child, v, out);
            }
        }
        Value::Object(_) => {}
        other => {
            out.insert(path.to_owned(), other.clone());
        }
    }
}

/// A value as the report shows it: strings bare, null as `(unset)`, the rest as compact JSON.
pub fn show(value: &Value) -> String {
    match value {
        Value::Null => "(unset)".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
