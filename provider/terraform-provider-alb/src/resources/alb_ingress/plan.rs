//! Planning: the whole expansion at plan time. The configuration (everything but possibly
//! `alb_config_id`) becomes the desired rules and server groups, shown in the plan with every
//! value known except the ids of objects that do not exist yet and listener ids of a load
//! balancer created in the same apply. Priority clashes with other ingresses are plan errors.

use std::collections::{BTreeMap, BTreeSet};

use model::desired::{DesiredIngress, IngressId, ListenerKey};
use model::diff::{ActualIngress, ActualRule};
use model::expand::rule_identity;
use model::ownership::{owns, Leftovers};
use model::priority::{ExistingRule, Held};
use model::spec::{Edition, IngressSpec};
use model::{check_clashes, expand_ingress, ConfigListeners, ExpandError, Members};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::provider::{PlanRequest, PlanResponse};
use tfplugin::value::Value;

use super::decode::{self, IngressRef};
use super::members::{self, Discovery};
use super::observe;
use super::render::{self, Computed};
use super::schema::REPLACE_ON_CHANGE;
use super::AlbIngress;
use crate::resources::diagnostics::{attribute_path, expand_diagnostic};
use crate::resources::{adoption, api};
use crate::validate;

/// Plans `req`: validation, replacement of the identity attributes, and the computed lists.
pub(crate) async fn plan(resource: &AlbIngress, req: PlanRequest) -> PlanResponse {
    let PlanRequest {
        prior_state,
        proposed_new_state,
        config,
        prior_private,
    } = req;
    if proposed_new_state.is_null() {
        return PlanResponse {
            planned_private: prior_private,
            ..PlanResponse::default()
        };
    }
    let check_leftovers = adoption::checks_leftovers(prior_state.is_null(), &prior_private);
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
    // A new or replaced ingress has no existing objects whose ids could be kept.
    let prior = if requires_replace.is_empty() {
        prior_state
    } else {
        Value::Null
    };
    let computed = if diagnostics.has_errors() {
        Computed::unknown()
    } else {
        match decode::spec(&config) {
            Err(d) => {
                diagnostics.push(d);
                Computed::unknown()
            }
            Ok(None) => Computed::unknown(),
            Ok(Some(spec)) => {
                expand(resource, &spec, &prior, check_leftovers, &mut diagnostics).await
            }
        }
    };
    let id = IngressRef::from_value(&proposed_new_state)
        .map_or(Value::Unknown, |r| Value::from(r.resource_id()));
    let mut planned_state = computed.into_state(proposed_new_state);
    if let Value::Map(m) = &mut planned_state {
        m.insert("id".to_owned(), id);
    }
    let planned_private = adoption::planned_private(!requires_replace.is_empty());
    PlanResponse {
        planned_state,
        requires_replace,
        planned_private,
        diagnostics,
    }
}

/// The planned lists for a known spec. With a known, existing load balancer the expansion uses
/// its listeners and edition and is checked for priority clashes ([`clashes`]) and, when
/// `check_leftovers` (a create), for finished objects of the same identity
/// ([`adoption::ingress_leftovers`]); otherwise it uses every listener the ingress could need
/// and the listener ids stay unknown.
async fn expand(
    resource: &AlbIngress,
    spec: &IngressSpec,
    prior: &Value,
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
        Some(s) => match api::reconciler(s, api::DEFAULT_TIME_LIMIT) {
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
    // What exists: for the priority clash check, and so that rules keep the priorities they
    // hold while their order still holds (an inserted path is one new rule).
    let id = IngressId::new(&spec.namespace, &spec.name);
    let actual = match (&reconciler, &lb) {
        (Some(r), Some(lb)) => match r
            .observe_ingress(lb_id, &lb.listeners, &id, &listeners.config)
            .await
        {
            Ok(actual) => Some(actual),
            Err(e) => {
                diagnostics.push(api::diagnostic_from(&e, &what));
                None
            }
        },
        _ => None,
    };
    let held = actual.as_ref().map_or_else(Held::default, |a| {
        Held::of_rules(
            a.rules.iter().filter(|r| owns(&r.tags, cluster_id, &id)),
            false,
        )
    });
    let desired = match expand_lenient(spec, listeners, &members, &held, lb_id, diagnostics) {
        Ok(d) => d,
        Err(e) => {
            diagnostics.push(expand_diagnostic(&e));
            return Computed::unknown();
        }
    };
    if let Some(actual) = &actual {
        if check_leftovers
            && adoption::ingress_leftovers(actual, cluster_id, &desired.id) == Leftovers::Finished
        {
            diagnostics.push(adoption::finished_ingress(
                actual,
                cluster_id,
                &desired.id,
                lb_id,
            ));
        }
        if let Some(d) = clashes(&desired, actual, cluster_id) {
            diagnostics.push(d);
        }
    }
    let computed = render::planned(&desired, lb.as_ref(), prior);
    if members_known {
        computed
    } else {
        computed.with_unknown_members()
    }
}

/// The priority clashes of `desired` with rules it does not own, as one error at `order`.
///
/// An ingress that differs from this one only by namespace or only by name and whose every rule
/// is a twin of one of this one's (same identity and listener; priorities may differ, as held
/// priorities are kept only by the ingress that holds them) is excused: it is this
/// resource before a replacement (Terraform plans the new instance without saying which one it
/// replaces), whose rules are deleted before the new ones are created.
fn clashes(
    desired: &DesiredIngress,
    actual: &ActualIngress,
    cluster_id: &str,
) -> Option<Diagnostic> {
    let twin = |r: &ActualRule| {
        rule_identity(r).is_some_and(|key| {
            desired
                .rules
                .iter()
                .any(|d| d.listener == r.listener && d.identity == key)
        })
    };
    let existing = actual.existing_rules(cluster_id);
    let mut excused: BTreeMap<&IngressId, bool> = BTreeMap::new();
    for (e, r) in existing.iter().zip(&actual.rules) {
        let Some(owner) = e.owner.as_ref().filter(|o| **o != desired.id) else {
            continue;
        };
        let renamed = (owner.namespace == desired.id.namespace) != (owner.name == desired.id.name);
        *excused.entry(owner).or_insert(renamed) &= twin(r);
    }
    let existing: Vec<ExistingRule> = existing
        .iter()
        .filter(|e| {
            e.owner
                .as_ref()
                .is_none_or(|o| excused.get(o) != Some(&true))
        })
        .cloned()
        .collect();
    let clashes = check_clashes(desired, &existing).err()?;
    let lines: Vec<String> = clashes.iter().map(ToString::to_string).collect();
    Some(
        Diagnostic::error("Rule priority clash", lines.join("\n"))
            .at(AttributePath::root().attr("order")),
    )
}

/// Expands `spec`; a listener the load balancer lacks is a warning, not an error, since the
/// alb_config may add it in the same apply (apply fails if it still lacks it then).
fn expand_lenient(
    spec: &IngressSpec,
    mut listeners: ConfigListeners,
    members: &Members,
    held: &Held,
    lb_id: &str,
    diagnostics: &mut Diagnostics,
) -> Result<DesiredIngress, ExpandError> {
    let mut added: BTreeSet<ListenerKey> = BTreeSet::new();
    loop {
        match expand_ingress(spec, &listeners, members, held) {
            Err(ExpandError::MissingListener { path, listener }) if added.insert(listener) => {
                let at = attribute_path(&path);
                let error = ExpandError::MissingListener { path, listener };
                diagnostics.push(
                    Diagnostic::warning(
                        "Listener not on the load balancer yet",
                        format!(
                            "Load balancer {lb_id} has no listener {listener} yet. Unless the \
                             alb_config adds it in this apply, applying this ingress fails: {error}."
                        ),
                    )
                    .at(at),
                );
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

    #[test]
    fn missing_listeners_are_warnings_and_land_anyway() {
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
        };
        let mut d = Diagnostics::default();
        let desired = expand_lenient(
            &spec,
            lb.config_listeners("c"),
            &Members::new(),
            &Held::default(),
            "alb-1",
            &mut d,
        )
        .unwrap();
        assert_eq!(desired.rules[0].listener.to_string(), "HTTP:8080");
        assert!(!d.has_errors());
        let w = d.iter().next().unwrap();
        assert!(w.detail.contains("no listener HTTP:8080"), "{}", w.detail);
        assert_eq!(
            w.attribute.as_ref().map(ToString::to_string).as_deref(),
            Some("listen[0]")
        );
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

    #[test]
    fn clashes_name_both_ingresses_and_excuse_a_renamed_self() {
        let web = desired("shop", "web");
        let other = desired_for("shop", "other", "b.example.com");
        let d = clashes(&web, &existing(&other, tags_of(&other)), "c").expect("clash");
        assert_eq!(d.attribute.map(|p| p.to_string()).as_deref(), Some("order"));
        assert!(d.detail.contains("alb_ingress shop/other"), "{}", d.detail);
        assert!(d.detail.contains("alb_ingress shop/web"), "{}", d.detail);
        assert!(d.detail.contains("listener HTTP:80"), "{}", d.detail);

        // The same rules under another namespace: this resource before its replacement.
        let before = desired("shop-old", "web");
        assert_eq!(
            clashes(&web, &existing(&before, tags_of(&before)), "c"),
            None
        );
        // Its own rules and rules elsewhere never clash; foreign rules do.
        assert_eq!(clashes(&web, &existing(&web, tags_of(&web)), "c"), None);
        let foreign = [("team".to_owned(), "ops".to_owned())].into();
        let d = clashes(&web, &existing(&web, foreign), "c").expect("foreign clash");
        assert!(
            d.detail
                .contains("not managed by this alb_ingress provider"),
            "{}",
            d.detail
        );
    }
}
