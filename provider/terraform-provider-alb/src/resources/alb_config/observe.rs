//! What exists for an `alb_config`, and the operations that turn it into the desired state.
//!
//! **Config identity.** Ownership tags (`alb.terraform/config`) name the config the objects were
//! created for: the load balancer name at creation. The identity never changes afterwards, so
//! renaming the load balancer (an in-place update) keeps its listeners and placeholder groups
//! owned. It is read back from the load balancer's own tag, which also makes import work.
//! [`model::plan_config_ops`] takes the identity from the desired name, so [`plan_ops`] plans
//! the listeners under the identity and the load balancer itself under its desired name.

use std::collections::BTreeSet;

use alb_api::load_balancer::LoadBalancer;
use model::adopt::adopt_config;
use model::desired::ListenerKey;
use model::diff::ActualLoadBalancer;
use model::ownership::{owns_config_object, TAG_CONFIG};
use model::takeover::{take_over_config, Adopt};
use model::{plan_config_ops, Op, OpKind};
use reconcile::{ReconcileError, Reconciler};

use super::desired::DesiredLoadBalancer;

/// A load balancer as it exists: the raw attributes (network, zones, DNS name, status) and the
/// model's view of it (name, protection, access log, tags, listeners, placeholder groups).
#[derive(Clone, Debug)]
pub(crate) struct Observed {
    /// `GetLoadBalancerAttribute`.
    pub lb: LoadBalancer,
    /// The model's actual state.
    pub actual: ActualLoadBalancer,
    /// The config identity of the ownership tags (see the module documentation).
    pub identity: String,
}

impl Observed {
    /// Whether the provider (this cluster id, this config) created the object with `tags`.
    pub fn owns(&self, tags: &model::ownership::Tags, cluster_id: &str) -> bool {
        owns_config_object(tags, cluster_id, &self.identity)
    }
}

/// Reads load balancer `id` and everything of its config; `Ok(None)` when it does not exist.
pub(crate) async fn observe(
    reconciler: &Reconciler,
    id: &str,
) -> Result<Option<Observed>, ReconcileError> {
    let Some(lb) = reconciler.load_balancer(id).await? else {
        return Ok(None);
    };
    let identity = lb
        .tags
        .iter()
        .find(|t| t.key == TAG_CONFIG)
        .map(|t| t.value.clone())
        .or_else(|| lb.load_balancer_name.clone())
        .unwrap_or_else(|| id.to_owned());
    Ok(reconciler
        .observe_config(id, &identity)
        .await?
        .map(|actual| Observed {
            lb: LoadBalancer::clone(&lb),
            actual,
            identity,
        }))
}

/// The ordered operations that turn `observed` (`None`: nothing exists) into `desired`: first
/// the takeover `take_over` names (see [`model::takeover`]), then, when an import takes over
/// what another tool made (`adopt`: the foreign listeners to adopt), the adoption ops (see
/// [`model::adopt`]).
pub(crate) fn plan_ops(
    desired: &DesiredLoadBalancer,
    observed: Option<&Observed>,
    cluster_id: &str,
    adopt: Option<&BTreeSet<ListenerKey>>,
    take_over: Option<Adopt>,
) -> Vec<Op> {
    let Some(o) = observed else {
        return plan_config_ops(desired, None, cluster_id);
    };
    let takeover = take_over_config(&o.actual, cluster_id, &o.identity, take_over);
    let mut ops = takeover.retags;
    let taken = Observed {
        actual: takeover.actual,
        ..o.clone()
    };
    let Some(listeners) = adopt else {
        ops.extend(plan_owned_ops(desired, &taken, cluster_id));
        return ops;
    };
    let (adoption, actual) = adopt_config(&taken.actual, &taken.identity, cluster_id, listeners);
    ops.extend(adoption);
    let adopted = Observed { actual, ..taken };
    ops.extend(plan_owned_ops(desired, &adopted, cluster_id));
    ops
}

/// [`plan_ops`] of a load balancer that exists, for the objects `o` owns.
fn plan_owned_ops(desired: &DesiredLoadBalancer, o: &Observed, cluster_id: &str) -> Vec<Op> {
    if o.identity == desired.name {
        return plan_config_ops(desired, Some(&o.actual), cluster_id);
    }
    // Listeners and placeholders under the identity; its load balancer update (which would
    // rename the load balancer to the identity) is replaced by one planned under the real name
    // with listeners left out on both sides.
    let keyed = DesiredLoadBalancer {
        name: o.identity.clone(),
        ..desired.clone()
    };
    let mut ops: Vec<Op> = plan_config_ops(&keyed, Some(&o.actual), cluster_id)
        .into_iter()
        .filter(|op| !matches!(op.kind, OpKind::UpdateLoadBalancer { .. }))
        .collect();
    let lb_only = DesiredLoadBalancer {
        listeners: Vec::new(),
        ..desired.clone()
    };
    let actual_lb_only = ActualLoadBalancer {
        listeners: Vec::new(),
        placeholders: Vec::new(),
        acls: Vec::new(),
        ..o.actual.clone()
    };
    let at = ops
        .iter()
        .position(|op| {
            !matches!(
                op.kind,
                OpKind::CreatePlaceholderGroup { .. } | OpKind::CreateListener { .. }
            )
        })
        .unwrap_or(ops.len());
    let lb_ops = plan_config_ops(&lb_only, Some(&actual_lb_only), cluster_id);
    ops.splice(at..at, lb_ops);
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::diff::{ActualListener, ActualPlaceholder};
    use model::ownership::{config_tags, ResourceKind};
    use model::spec::{ConfigSpec, ListenerProtocol, ListenerSpec};

    fn desired(name: &str) -> DesiredLoadBalancer {
        let spec = ConfigSpec {
            name: name.into(),
            vpc_id: "vpc-1".into(),
            listener: vec![ListenerSpec::new(80, ListenerProtocol::Http)],
            ..Default::default()
        };
        model::expand_config(&spec).expect("expands")
    }

    /// What a converged config created as `identity` and now named `name` looks like.
    fn observed(identity: &str, name: &str) -> Observed {
        let d = desired(identity);
        let l = &d.listeners[0];
        let mut tags = config_tags("c1", identity, ResourceKind::LoadBalancer, None);
        tags.insert("team".into(), "web".into());
        let key = ListenerKey::new(ListenerProtocol::Http, 80);
        Observed {
            lb: LoadBalancer::default(),
            identity: identity.into(),
            actual: ActualLoadBalancer {
                id: "alb-1".into(),
                name: name.into(),
                deletion_protection: false,
                access_log: None,
                tags,
                edition: None,
                address_type: None,
                zone_mappings: Vec::new(),
                resource_group_id: None,
                listeners: vec![ActualListener {
                    id: "lsn-1".into(),
                    key,
                    attributes: l.attributes.clone(),
                    default_server_group_id: Some("sgp-1".into()),
                    tags: config_tags("c1", identity, ResourceKind::Listener, Some("HTTP:80")),
                    acl_type: None,
                    acl_ids: Vec::new(),
                }],
                placeholders: vec![ActualPlaceholder {
                    id: "sgp-1".into(),
                    tags: config_tags(
                        "c1",
                        identity,
                        ResourceKind::Placeholder,
                        Some(&l.default_server_group.key),
                    ),
                }],
                acls: Vec::new(),
            },
        }
    }

    fn names(ops: &[Op]) -> Vec<&str> {
        ops.iter().map(|o| o.kind.name()).collect()
    }

    #[test]
    fn renamed_config_keeps_its_listeners_and_renames_only_the_load_balancer() {
        let mut wanted = desired("web-2");
        wanted.tags.insert("team".into(), "web".into());
        let ops = plan_ops(&wanted, Some(&observed("web", "web")), "c1", None, None);
        assert_eq!(names(&ops), ["UpdateLoadBalancer"]);
        let OpKind::UpdateLoadBalancer { lb, .. } = &ops[0].kind else {
            unreachable!()
        };
        assert_eq!(lb.name, "web-2");

        // Once renamed, nothing is left to do (and the identity still owns the listener).
        let done = observed("web", "web-2");
        assert!(plan_ops(&wanted, Some(&done), "c1", None, None).is_empty());
        assert!(done.owns(&done.actual.listeners[0].tags, "c1"));
        assert!(!done.owns(&done.actual.listeners[0].tags, "c2"));
    }

    #[test]
    fn an_import_adopts_the_foreign_load_balancer_and_declared_listeners_first() {
        let mut foreign = observed("web", "web");
        foreign.actual.tags = [("team".to_owned(), "web".to_owned())].into();
        foreign.actual.listeners[0].tags = Default::default();
        foreign.actual.listeners[0].default_server_group_id = Some("sgp-theirs".into());
        foreign.actual.placeholders.clear();
        let mut wanted = desired("web");
        wanted.tags.insert("team".into(), "web".into());
        let key = ListenerKey::new(ListenerProtocol::Http, 80);
        let ops = plan_ops(&wanted, Some(&foreign), "c1", Some(&[key].into()), None);
        assert_eq!(
            names(&ops),
            ["Adopt", "Adopt", "CreatePlaceholderGroup", "UpdateListener"]
        );
        // Without the import's adoption the foreign listener is not this config's: the plan
        // would create a second listener on its port.
        assert_eq!(
            names(&plan_ops(&wanted, Some(&foreign), "c1", None, None)),
            ["CreatePlaceholderGroup", "CreateListener"]
        );
    }

    #[test]
    fn unrenamed_and_new_configs_use_the_model_plan() {
        let mut wanted = desired("web");
        wanted.tags.insert("team".into(), "web".into());
        assert!(plan_ops(&wanted, Some(&observed("web", "web")), "c1", None, None).is_empty());
        assert_eq!(
            names(&plan_ops(&wanted, None, "c1", None, None)),
            [
                "CreateLoadBalancer",
                "CreatePlaceholderGroup",
                "CreateListener"
            ]
        );
    }
}
