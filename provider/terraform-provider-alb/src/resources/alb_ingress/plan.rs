//! Planning: the whole expansion at plan time. The configuration (everything but possibly
//! `alb_config_id`) becomes the desired rules and server groups, shown in the plan with every
//! value known except the ids of objects that do not exist yet and listener ids of a load
//! balancer created in the same apply. Priority clashes with other ingresses (existing, or
//! planned earlier in this run), listeners missing on a load balancer that this run does not
//! change, and server groups to be deleted while rules of others use them are plan errors.
//! A new ingress without `order` gets its order at apply ([`super::order`]): its plan shows the
//! order and its rule priorities as known after apply.

use std::collections::{BTreeMap, BTreeSet};

use model::auto_order::{assign, Candidate, Needs};
use model::desired::{DesiredIngress, IngressId, ListenerKey};
use model::diff::{ActualIngress, ActualServerGroup};
use model::ownership::{owns, Leftovers};
use model::priority::{ExistingRule, Held};
use model::references::{foreign_references, ForeignReference};
use model::spec::{Edition, IngressSpec};
use model::{check_clashes, expand_ingress, ConfigListeners, ExpandError, Members};
use reconcile::{IngressReads, Reconciler};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::provider::{PlanRequest, PlanResponse};
use tfplugin::value::Value;

use super::decode::{self, IngressRef};
use super::members::{self, Discovery};
use super::observe;
use super::order::{self, PlannedOrder};
use super::render::{self, Computed};
use super::replacing;
use super::schema::REPLACE_ON_CHANGE;
use super::takeover;
use super::AlbIngress;
use crate::resources::diagnostics::{attribute_path, expand_diagnostic};
use crate::resources::run_plans::PlannedListeners;
use crate::resources::{adoption, api};
use crate::validate;

/// Plans `req`: validation, replacement of the identity attributes, the computed lists, and the
/// checks against what exists: priority clashes, missing listeners, and server groups about to
/// be deleted that rules of others still use.
pub(crate) async fn plan(resource: &AlbIngress, req: PlanRequest) -> PlanResponse {
    let PlanRequest {
        prior_state,
        proposed_new_state,
        config,
        prior_private,
    } = req;
    if proposed_new_state.is_null() {
        let mut diagnostics = Diagnostics::default();
        deletion_check(resource, &prior_state, &mut diagnostics).await;
        return PlanResponse {
            planned_private: prior_private,
            diagnostics,
            ..PlanResponse::default()
        };
    }
    let mut diagnostics = validate::alb_ingress::validate(&config);
    let requires_replace: Vec<AttributePath> = if prior_state.is_null() {
        Vec::new()
    } else {
        REPLACE_ON_CHANGE
            .iter()
            .filter(|name| prior_state.get(name) != proposed_new_state.get(name))
            .map(|name| AttributePath::root().attr(name))
            .collect()
    };
    // The identity this plan replaces: from the prior state in the first plan of a
    // replacement, from the mark that plan left in the private data in the second.
    let (replaces, planned_private) = if prior_state.is_null() {
        replacing::take(&prior_private)
    } else if requires_replace.is_empty() {
        (None, prior_private)
    } else {
        let old = IngressRef::from_value(&prior_state).map(|r| r.id);
        let private = match &old {
            Some(old) => replacing::mark(&prior_private, old),
            None => prior_private,
        };
        (old, private)
    };
    // A create that is not half of a replacement checks for finished objects of its identity.
    let check_leftovers = prior_state.is_null() && replaces.is_none();
    if !requires_replace.is_empty() {
        deletion_check(resource, &prior_state, &mut diagnostics).await;
    }
    // A new or replaced ingress has no existing objects whose ids could be kept.
    let prior = if requires_replace.is_empty() {
        prior_state
    } else {
        Value::Null
    };
    let order = PlannedOrder::of(&config, &prior);
    let computed = if diagnostics.has_errors() {
        Computed::unknown()
    } else {
        match decode::spec(&config) {
            Err(d) => {
                diagnostics.push(d);
                Computed::unknown()
            }
            Ok(None) => Computed::unknown(),
            Ok(Some(mut spec)) => {
                let replaces = replaces.as_ref();
                spec.order = order.for_spec();
                expand(
                    resource,
                    &spec,
                    order == PlannedOrder::Automatic,
                    &prior,
                    replaces,
                    check_leftovers,
                    &mut diagnostics,
                )
                .await
            }
        }
    };
    let id = IngressRef::from_value(&proposed_new_state)
        .map_or(Value::Unknown, |r| Value::from(r.resource_id()));
    let mut planned_state = order.into_state(computed.into_state(proposed_new_state));
    if let Value::Map(m) = &mut planned_state {
        m.insert("id".to_owned(), id);
    }
    PlanResponse {
        planned_state,
        requires_replace,
        planned_private,
        diagnostics,
    }
}

/// Before the ingress in `prior` is destroyed or replaced: every server group it owns is
/// deleted, so a rule it does not own that still uses one is an error naming that rule.
async fn deletion_check(resource: &AlbIngress, prior: &Value, diagnostics: &mut Diagnostics) {
    let (Some(ingress), Ok(settings)) = (IngressRef::from_value(prior), resource.settings.get())
    else {
        return;
    };
    let what = format!("checking the deletion of alb_ingress \"{}\"", ingress.id);
    let observation = match resource.api.reconciler(&settings, api::DEFAULT_TIME_LIMIT) {
        Err(d) => return diagnostics.push(d),
        Ok(r) => observe::observe(&r, &ingress, IngressReads::Groups).await,
    };
    match observation {
        Err(e) => diagnostics.push(api::diagnostic_from(&e, &what)),
        Ok(None) => {}
        Ok(Some(o)) => {
            let groups = o.owned_groups();
            let found = foreign_references(&o.actual, &ingress.id, &o.cluster_id, &groups);
            if let Some(d) = groups_in_use(&found, &ingress.id, "destroying or replacing") {
                diagnostics.push(d);
            }
        }
    }
}

/// The error for server groups of `ingress` that rules of others use, when there are any.
fn groups_in_use(found: &[ForeignReference], ingress: &IngressId, why: &str) -> Option<Diagnostic> {
    if found.is_empty() {
        return None;
    }
    let lines: Vec<String> = found.iter().map(|f| format!("- {f}")).collect();
    Some(Diagnostic::error(
        "Server group still in use",
        format!(
            "{why} alb_ingress {ingress} deletes server groups that rules it does not manage \
             still use, and ALB refuses to delete a server group in use:\n{}\nChange or delete \
             those rules first (or keep the backends they use).",
            lines.join("\n")
        ),
    ))
}

/// The planned lists for a known spec. With a known, existing load balancer the expansion uses
/// its listeners and edition and is checked for priority clashes ([`clashes`]), for server
/// groups it would delete while others use them and, when `check_leftovers` (a create that is
/// not half of a replacement), for finished objects of the same identity
/// ([`adoption::ingress_leftovers`]); otherwise it uses every listener the ingress could need
/// and the listener ids stay unknown. An `automatic` spec (no `order`, chosen at apply) expands
/// with the default order for its rules, which are planned with unknown priorities and checked
/// for a free band instead of clashes.
async fn expand(
    resource: &AlbIngress,
    spec: &IngressSpec,
    automatic: bool,
    prior: &Value,
    replaces: Option<&IngressId>,
    check_leftovers: bool,
    diagnostics: &mut Diagnostics,
) -> Computed {
    let settings = resource.settings.get().ok();
    let discovery =
        members::discover(&resource.cluster, settings.as_deref(), spec, diagnostics).await;
    let (members, members_known) = match discovery {
        Discovery::Known(members) => (members, true),
        Discovery::Unknowable => (Members::new(), false),
        Discovery::Failed => return Computed::unknown(),
    };
    let cluster_id = settings.as_ref().map_or("", |s| s.cluster_id.as_str());
    let lb_id = spec.alb_config_id.as_str();
    let what = format!("planning alb_ingress \"{}/{}\"", spec.namespace, spec.name);
    let reconciler = match settings.as_ref().filter(|_| !lb_id.is_empty()) {
        None => None,
        Some(s) => match resource.api.reconciler(s, api::DEFAULT_TIME_LIMIT) {
            Ok(r) => Some(r),
            Err(d) => {
                diagnostics.push(d);
                return Computed::unknown();
            }
        },
    };
    let lb = match &reconciler {
        None => None,
        Some(r) => match observe::load_balancer(r, lb_id).await {
            Ok(lb) => lb,
            Err(e) => {
                diagnostics.push(api::diagnostic_from(&e, &what));
                return Computed::unknown();
            }
        },
    };
    let listeners = match &lb {
        Some(lb) => lb.config_listeners(cluster_id),
        None => ConfigListeners {
            cluster_id: cluster_id.to_owned(),
            config: lb_id.to_owned(),
            edition: Edition::Standard,
            listeners: decode::possible_listeners(spec),
        },
    };
    // What exists: the rules, for the priority clash check, and so that rules keep the
    // priorities they hold while their order still holds (an inserted path is one new rule).
    let id = IngressId::new(&spec.namespace, &spec.name);
    let existing = reconciler
        .as_ref()
        .zip(lb.as_ref())
        .map(|(r, lb)| Existing {
            reconciler: r,
            lb_id,
            config: &lb.config,
            id: &id,
            what: &what,
        });
    let mut actual = match &existing {
        Some(e) => e.observe(IngressReads::Rules, diagnostics).await,
        None => None,
    };
    let held = actual.as_ref().map_or_else(Held::default, |a| {
        Held::of_rules(
            a.rules.iter().filter(|r| owns(&r.tags, cluster_id, &id)),
            false,
        )
    });
    let planned_listeners = lb.as_ref().map(|_| resource.run.listeners(lb_id));
    let desired = match expand_lenient(
        spec,
        listeners,
        &members,
        &held,
        lb_id,
        planned_listeners,
        diagnostics,
    ) {
        Ok(d) => d,
        Err(e) => {
            diagnostics.push(expand_diagnostic(&e));
            return Computed::unknown();
        }
    };
    let adopt = lb
        .as_ref()
        .and_then(|lb| takeover::active(&resource.run, lb_id, lb));
    let mut adopted = BTreeMap::new();
    if let Some(existing) = &existing {
        if actual.is_some() && needs_groups(check_leftovers, &desired, prior) {
            actual = existing.observe(IngressReads::Groups, diagnostics).await;
        }
        let planned_elsewhere = if automatic {
            resource
                .run
                .plan_automatic(lb_id, &desired.id, Needs::of(&desired));
            Vec::new()
        } else {
            resource.run.plan_rules(lb_id, &desired)
        };
        if let Some(actual) = &actual {
            if check_leftovers
                && adoption::ingress_leftovers(actual, cluster_id, &desired.id)
                    == Leftovers::Finished
            {
                diagnostics.push(adoption::finished_ingress(
                    actual,
                    cluster_id,
                    &desired.id,
                    lb_id,
                ));
            }
            let taken = match adopt {
                None => None,
                Some(_) => {
                    match takeover::take_over(existing.reconciler, &desired, actual, false).await {
                        Ok(t) => Some(t),
                        Err(e) => {
                            diagnostics.push(api::diagnostic_from(&e, &what));
                            return Computed::unknown();
                        }
                    }
                }
            };
            if let Some(t) = &taken {
                if let Some(w) = takeover::warning(t, &desired) {
                    diagnostics.push(w);
                }
                adopted.clone_from(&t.groups);
            }
            let actual = taken.as_ref().map_or(actual, |t| &t.actual);
            if automatic {
                if let Some(d) = no_free_order(&desired, actual) {
                    diagnostics.push(d);
                }
            } else {
                let mut existing = actual.existing_rules(cluster_id);
                existing.extend(planned_elsewhere);
                if let Some(d) = clashes(&desired, existing, replaces) {
                    diagnostics.push(d);
                }
            }
            if let Some(d) = dropped_groups_in_use(&desired, actual, cluster_id) {
                diagnostics.push(d);
            }
        }
    }
    let mut computed = render::planned(&desired, lb.as_ref(), prior, &adopted);
    if automatic {
        computed = computed.with_unknown_priorities();
    }
    if members_known {
        computed
    } else {
        computed.with_unknown_members()
    }
}

/// The ingress on an existing load balancer, for the plan's observations.
struct Existing<'a> {
    reconciler: &'a Reconciler,
    lb_id: &'a str,
    config: &'a str,
    id: &'a IngressId,
    what: &'a str,
}

impl Existing<'_> {
    /// What exists as `reads` asks (from the load balancer's snapshot); `None` after an error,
    /// which is added to `diagnostics`.
    async fn observe(
        &self,
        reads: IngressReads,
        diagnostics: &mut Diagnostics,
    ) -> Option<ActualIngress> {
        let observed = self
            .reconciler
            .observe_ingress(self.lb_id, self.id, self.config, reads)
            .await;
        observed
            .map_err(|e| diagnostics.push(api::diagnostic_from(&e, self.what)))
            .ok()
    }
}

/// Whether the plan checks need the ingress's server groups besides the rules (members never):
/// a create that checks for leftovers of its identity judges their creation marks, and an
/// update that drops a server group (a key of the prior state the desired ingress lacks, or a
/// prior state whose groups are not known) checks that no rule of others uses it. Otherwise
/// only the rules feed the checks.
fn needs_groups(check_leftovers: bool, desired: &DesiredIngress, prior: &Value) -> bool {
    if check_leftovers {
        return true;
    }
    if prior.is_null() {
        return false;
    }
    match prior.get("server_groups").as_map() {
        None => true,
        Some(groups) => groups
            .keys()
            .any(|key| !desired.server_groups.iter().any(|g| g.key == *key)),
    }
}

/// The error for server groups this update deletes (their backend is gone from the
/// configuration) while rules the ingress does not own still use them.
fn dropped_groups_in_use(
    desired: &DesiredIngress,
    actual: &ActualIngress,
    cluster_id: &str,
) -> Option<Diagnostic> {
    let dropped: Vec<&ActualServerGroup> = actual
        .server_groups
        .iter()
        .filter(|g| !desired.server_groups.iter().any(|d| d.key == g.key()))
        .collect();
    let found = foreign_references(actual, &desired.id, cluster_id, &dropped);
    groups_in_use(&found, &desired.id, "Applying this change to")
}

/// The priority clashes of `desired` with rules it does not own (existing, or planned by another
/// ingress in this run), as one error at `order`. Ownership decides, by the ingress identity of
/// the ownership tags: the rules of `replaces`, the old identity of this very resource in a
/// replacement, are deleted before the new ones are created and do not clash.
fn clashes(
    desired: &DesiredIngress,
    existing: Vec<ExistingRule>,
    replaces: Option<&IngressId>,
) -> Option<Diagnostic> {
    let existing: Vec<ExistingRule> = existing
        .into_iter()
        .filter(|e| replaces.is_none() || e.owner.as_ref() != replaces)
        .collect();
    let clashes = check_clashes(desired, &existing).err()?;
    let lines: Vec<String> = clashes.iter().map(ToString::to_string).collect();
    Some(
        Diagnostic::error("Rule priority clash", lines.join("\n"))
            .at(AttributePath::root().attr("order")),
    )
}

/// The error for an ingress without `order` that finds no free band against the rules of others
/// that exist (apply would find none either).
fn no_free_order(desired: &DesiredIngress, actual: &ActualIngress) -> Option<Diagnostic> {
    let occupied = order::occupied_by_others(actual, &desired.cluster_id, &desired.id);
    let candidate = Candidate {
        id: desired.id.clone(),
        needs: Needs::of(desired),
    };
    let error = assign(&occupied, &[candidate]).err()?;
    Some(expand_diagnostic(&error))
}

/// Expands `spec`; a listener the load balancer lacks is an error unless the alb_config of the
/// load balancer, planned in this run, may still add it: `planned` is what the alb_config
/// planned (`None` while the load balancer is not known; `Some(None)` when no alb_config of this
/// run planned it). Known to be added: no diagnostic; not known: a warning (apply fails if the
/// listener is still missing then).
fn expand_lenient(
    spec: &IngressSpec,
    mut listeners: ConfigListeners,
    members: &Members,
    held: &Held,
    lb_id: &str,
    planned: Option<Option<PlannedListeners>>,
    diagnostics: &mut Diagnostics,
) -> Result<DesiredIngress, ExpandError> {
    let mut added: BTreeSet<ListenerKey> = BTreeSet::new();
    loop {
        match expand_ingress(spec, &listeners, members, held) {
            Err(ExpandError::MissingListener { path, listener }) if added.insert(listener) => {
                let mut at = attribute_path(&path);
                // A `listen` entry is a block: point at its port, or Terraform shows the resource.
                if at.to_string().starts_with("listen[") {
                    at = at.attr("port");
                }
                let error = ExpandError::MissingListener { path, listener };
                let missing = match &planned {
                    Some(Some(PlannedListeners::Known(keys))) if keys.contains(&listener) => None,
                    Some(Some(PlannedListeners::Known(_))) => Some(Diagnostic::error(
                        "Listener missing on the load balancer",
                        format!(
                            "Load balancer {lb_id} has no listener {listener}, and its alb_config \
                             does not add it in this apply: {error}. Add a `listener` block for it \
                             to the alb_config, or change `listen`."
                        ),
                    )),
                    Some(None) => Some(Diagnostic::error(
                        "Listener missing on the load balancer",
                        format!(
                            "Load balancer {lb_id} has no listener {listener}, and no alb_config \
                             planned in this run adds it: {error}. If an alb_config of this \
                             configuration adds it, set `alb_config_id = alb_config.<name>.id` so \
                             that Terraform plans and applies it first."
                        ),
                    )),
                    Some(Some(PlannedListeners::Unknown)) | None => Some(Diagnostic::warning(
                        "Listener not on the load balancer yet",
                        format!(
                            "Load balancer {lb_id} has no listener {listener} yet. Unless the \
                             alb_config adds it in this apply, applying this ingress fails: {error}."
                        ),
                    )),
                };
                if let Some(d) = missing {
                    diagnostics.push(d.at(at));
                }
                listeners.listeners.insert(listener);
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::observe::LoadBalancer;
    use super::*;
    use model::diff::ActualRule;

    /// Expands an ingress listening on HTTP:8080 against a load balancer with only HTTP:80.
    fn expand_on_port_80(planned: Option<Option<PlannedListeners>>) -> Diagnostics {
        let spec: IngressSpec = serde_json::from_value(serde_json::json!({
            "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
            "listen": [{"protocol": "HTTP", "port": 8080}],
            "rule": [{"path": [{"backend": [{"service": "web", "port": "80"}]}]}]
        }))
        .unwrap();
        let lb = LoadBalancer {
            config: "web".into(),
            edition: Edition::Standard,
            listeners: [("HTTP:80".parse().unwrap(), "lsn-80".to_owned())].into(),
            adopt: None,
        };
        let mut d = Diagnostics::default();
        let desired = expand_lenient(
            &spec,
            lb.config_listeners("c"),
            &Members::new(),
            &Held::default(),
            "alb-1",
            planned,
            &mut d,
        )
        .unwrap();
        assert_eq!(desired.rules[0].listener.to_string(), "HTTP:8080");
        d
    }

    #[test]
    fn missing_listeners_are_warnings_while_the_config_may_add_them() {
        for planned in [None, Some(Some(PlannedListeners::Unknown))] {
            let d = expand_on_port_80(planned);
            assert!(!d.has_errors());
            let w = d.iter().next().unwrap();
            assert!(w.detail.contains("no listener HTTP:8080"), "{}", w.detail);
            assert_eq!(
                w.attribute.as_ref().map(ToString::to_string).as_deref(),
                Some("listen[0].port")
            );
        }
        let adding = PlannedListeners::Known(["HTTP:8080".parse().unwrap()].into());
        assert!(expand_on_port_80(Some(Some(adding))).is_empty());
    }

    #[test]
    fn missing_listeners_are_errors_when_nothing_adds_them() {
        let keeping = PlannedListeners::Known(["HTTP:80".parse().unwrap()].into());
        for planned in [Some(None), Some(Some(keeping))] {
            let d = expand_on_port_80(planned);
            assert!(d.has_errors());
            let e = d.iter().next().unwrap();
            assert_eq!(e.summary, "Listener missing on the load balancer");
            assert_eq!(
                e.attribute.as_ref().map(ToString::to_string).as_deref(),
                Some("listen[0].port")
            );
        }
    }

    fn desired(namespace: &str, name: &str) -> DesiredIngress {
        desired_for(namespace, name, "a.example.com")
    }

    fn desired_for(namespace: &str, name: &str, host: &str) -> DesiredIngress {
        let spec: IngressSpec = serde_json::from_value(serde_json::json!({
            "alb_config_id": "alb-1", "namespace": namespace, "name": name,
            "rule": [{"host": host, "path": [{"backend": [{"service": "web", "port": "80"}]}]}]
        }))
        .unwrap();
        let lb = LoadBalancer {
            config: "web".into(),
            edition: Edition::Standard,
            listeners: [("HTTP:80".parse().unwrap(), "lsn-80".to_owned())].into(),
            adopt: None,
        };
        expand_ingress(
            &spec,
            &lb.config_listeners("c"),
            &Members::new(),
            &Held::default(),
        )
        .unwrap()
    }

    fn existing(d: &DesiredIngress, tags: model::ownership::Tags) -> ActualIngress {
        ActualIngress {
            rules: vec![ActualRule {
                id: "rule-1".into(),
                listener: d.rules[0].listener,
                priority: d.rules[0].priority,
                name: d.rules[0].name.clone(),
                conditions: d.rules[0].conditions.clone(),
                actions: d.rules[0].actions.clone(),
                tags,
            }],
            server_groups: Vec::new(),
        }
    }

    fn tags_of(d: &DesiredIngress) -> model::ownership::Tags {
        model::ownership::ingress_tags(
            "c",
            "web",
            &d.id,
            model::ownership::ResourceKind::Rule,
            &d.rules[0].identity,
        )
    }

    fn rules_of(d: &DesiredIngress) -> Vec<ExistingRule> {
        existing(d, tags_of(d)).existing_rules("c")
    }

    #[test]
    fn clashes_are_told_apart_by_identity() {
        let web = desired("shop", "web");
        // Another ingress of the same namespace, same host, same order: caught.
        let other = desired("shop", "other");
        let d = clashes(&web, rules_of(&other), None).expect("clash");
        assert_eq!(d.attribute.map(|p| p.to_string()).as_deref(), Some("order"));
        assert!(d.detail.contains("alb_ingress shop/other"), "{}", d.detail);
        assert!(d.detail.contains("alb_ingress shop/web"), "{}", d.detail);
        assert!(d.detail.contains("listener HTTP:80"), "{}", d.detail);
        // ... unless it is this resource before its replacement.
        let id = IngressId::new("shop", "other");
        assert_eq!(clashes(&web, rules_of(&other), Some(&id)), None);
        // Its own rules never clash; foreign rules do.
        assert_eq!(clashes(&web, rules_of(&web), None), None);
        let foreign = [("team".to_owned(), "ops".to_owned())].into();
        let d = clashes(&web, existing(&web, foreign).existing_rules("c"), Some(&id))
            .expect("foreign clash");
        assert!(
            d.detail
                .contains("not managed by this alb_ingress provider"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn an_ingress_without_order_fails_at_order_only_when_no_band_is_free() {
        let web = desired("shop", "web");
        let foreign: model::ownership::Tags = [("team".to_owned(), "ops".to_owned())].into();
        let mut taken = existing(&web, foreign);
        let rule = taken.rules[0].clone();
        // One foreign rule in every band from order 10 (91) to 1000 (9991)...
        taken.rules = (91..=9991)
            .step_by(10)
            .map(|priority| ActualRule {
                id: format!("rule-{priority}"),
                priority,
                ..rule.clone()
            })
            .collect();
        let d = no_free_order(&web, &taken).expect("no band free");
        assert_eq!(d.attribute.map(|p| p.to_string()).as_deref(), Some("order"));
        assert!(d.detail.contains("shop/web"), "{}", d.detail);
        assert!(d.detail.contains("HTTP:80"), "{}", d.detail);
        // ... except one: fine. The ingress's own rules never block it.
        taken.rules.retain(|r| r.priority != 5001);
        assert_eq!(no_free_order(&web, &taken), None);
        let own = existing(&web, tags_of(&web));
        assert_eq!(no_free_order(&web, &own), None);
    }

    #[test]
    fn plans_read_server_groups_only_for_leftovers_and_dropped_groups() {
        let web = desired("shop", "web");
        let key = web.server_groups[0].key.clone();
        let prior = |keys: &[&str]| {
            Value::object([(
                "server_groups",
                Value::Map(keys.iter().map(|k| (k.to_string(), Value::Null)).collect()),
            )])
        };
        assert!(
            !needs_groups(false, &web, &prior(&[&key])),
            "nothing dropped"
        );
        assert!(
            needs_groups(false, &web, &prior(&[&key, "old:80"])),
            "old:80 dropped"
        );
        assert!(
            needs_groups(true, &web, &prior(&[&key])),
            "a create's leftover check"
        );
        assert!(
            !needs_groups(false, &web, &Value::Null),
            "a replacement's create"
        );
        let unknown = Value::object([("server_groups", Value::Unknown)]);
        assert!(needs_groups(false, &web, &unknown), "groups not known");
    }

    #[test]
    fn rules_planned_by_another_ingress_in_this_run_clash() {
        let run = crate::resources::run_plans::RunPlans::default();
        let first = desired("shop", "first");
        let second = desired("shop", "second");
        assert!(run.plan_rules("alb-1", &first).is_empty());
        // Planning again (the apply's re-plan) never clashes with itself.
        assert!(run.plan_rules("alb-1", &first).is_empty());
        let planned = run.plan_rules("alb-1", &second);
        let d = clashes(&second, planned, None).expect("clash");
        assert!(d.detail.contains("alb_ingress shop/first"), "{}", d.detail);
        assert!(d.detail.contains("planned in this run"), "{}", d.detail);
        // Another load balancer is not a clash.
        assert!(run
            .plan_rules("alb-2", &desired("shop", "third"))
            .is_empty());
    }
}
