//! Safe adoption (see `model::ownership`, creation marks): a create adopts only objects of its
//! identity that still carry a creation mark — what an interrupted create left — and refuses
//! finished ones, which another resource (perhaps in another Terraform state) owns: the plan
//! fails naming them and the `terraform import` command.
//!
//! The create half of a replacement is no such takeover: Terraform plans it with a null prior
//! state, after a first plan of the same resource that returned `RequiresReplace`, and hands that
//! plan's private data to the re-plan. The first plan puts [`REPLACING`] there; the re-plan sees
//! it and skips the check (the replaced objects are deleted before the new ones are created).

use model::desired::IngressId;
use model::diff::ActualIngress;
use model::ownership::{
    in_creation, owns, rule_in_creation, Leftovers, ResourceKind, TAG_RESOURCE,
};
use reconcile::FoundLoadBalancer;
use tfplugin::diag::{AttributePath, Diagnostic};

/// Private data of a plan that replaces its resource.
const REPLACING: &[u8] = b"alb.terraform/replacing";
/// Ids listed in a diagnostic at most.
const LISTED: usize = 5;

/// The planned private data: [`REPLACING`] when the plan replaces the resource, else nothing.
pub(crate) fn planned_private(replacing: bool) -> Vec<u8> {
    if replacing {
        REPLACING.to_vec()
    } else {
        Vec::new()
    }
}

/// Whether a create plan must check for finished objects of its identity: a plan from nothing
/// that is not the create half of a replacement.
pub(crate) fn checks_leftovers(prior_state_null: bool, prior_private: &[u8]) -> bool {
    prior_state_null && prior_private != REPLACING
}

/// What a config create finds under its ownership tags: the marked load balancer to adopt
/// (oldest first), or the error naming a finished one.
pub(crate) fn config_leftovers(
    found: &[FoundLoadBalancer],
    config: &str,
    cluster_id: &str,
) -> Result<Option<String>, Diagnostic> {
    let Some(lb) = found.iter().find(|f| !f.in_creation) else {
        return Ok(found.first().map(|f| f.id.clone()));
    };
    Err(Diagnostic::error(
        "Load balancer already exists",
        format!(
            "Load balancer {id} (name {name:?}) already carries the ownership tags of alb_config \
             {config:?} in cluster {cluster_id:?}, and the create that made it finished: another \
             alb_config owns it, perhaps in another Terraform state or workspace. Creating this \
             one would take it over, so the plan stops here.\n\nTo manage that load balancer \
             from this configuration, import it:\n  terraform import ADDRESS {id}\nwhere ADDRESS \
             is this resource's address (for example alb_config.main). Otherwise give this \
             alb_config another name, or the provider another cluster_id.",
            id = lb.id,
            name = lb.name,
        ),
    )
    .at(AttributePath::root().attr("name")))
}

/// What an ingress create finds of its identity (rules on the load balancer, server groups).
/// Server groups without any rule of the ingress are unfinished although unmarked: a create
/// whose rules come last in one call marks nothing, and an ingress's groups exist only for its
/// rules.
pub(crate) fn ingress_leftovers(
    actual: &ActualIngress,
    cluster_id: &str,
    id: &IngressId,
) -> Leftovers {
    let rules: Vec<bool> = actual
        .rules
        .iter()
        .filter(|r| owns(&r.tags, cluster_id, id))
        .map(|r| rule_in_creation(&r.name))
        .collect();
    let groups: Vec<bool> = owned_groups(actual, cluster_id, id)
        .map(|g| in_creation(&g.tags))
        .collect();
    if rules.is_empty() && !groups.is_empty() {
        return Leftovers::Unfinished;
    }
    Leftovers::judge(rules.into_iter().chain(groups))
}

/// The error of an ingress create that finds finished objects of its identity.
pub(crate) fn finished_ingress(
    actual: &ActualIngress,
    cluster_id: &str,
    id: &IngressId,
    lb_id: &str,
) -> Diagnostic {
    let rules: Vec<&str> = actual
        .rules
        .iter()
        .filter(|r| owns(&r.tags, cluster_id, id))
        .map(|r| r.id.as_str())
        .collect();
    let groups: Vec<&str> = owned_groups(actual, cluster_id, id)
        .map(|g| g.id.as_str())
        .collect();
    Diagnostic::error(
        "Ingress objects already exist",
        format!(
            "alb_ingress {id} of cluster {cluster_id:?} already has {} and {} from a create that \
             finished: another alb_ingress owns them, perhaps in another Terraform state or \
             workspace. Creating this one would take them over, so the plan stops here.\n\n\
             To manage them from this configuration, import them:\n  terraform import ADDRESS \
             {lb_id}/{id}\nwhere ADDRESS is this resource's address (for example \
             alb_ingress.shop). Otherwise give this alb_ingress another namespace or name, or \
             the provider another cluster_id.",
            listing("rules", &rules),
            listing("server groups", &groups),
        ),
    )
    .at(AttributePath::root().attr("name"))
}

fn owned_groups<'a>(
    actual: &'a ActualIngress,
    cluster_id: &'a str,
    id: &'a IngressId,
) -> impl Iterator<Item = &'a model::diff::ActualServerGroup> + 'a {
    actual.server_groups.iter().filter(move |g| {
        owns(&g.tags, cluster_id, id)
            && g.tags.get(TAG_RESOURCE).map(String::as_str)
                == Some(ResourceKind::ServerGroup.as_str())
    })
}

/// `<n> <what> (id, id, …)`.
fn listing(what: &str, ids: &[&str]) -> String {
    if ids.is_empty() {
        return format!("no {what}");
    }
    let mut shown = ids[..ids.len().min(LISTED)].join(", ");
    if ids.len() > LISTED {
        shown.push_str(", …");
    }
    format!("{} {what} ({shown})", ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::desired::ServerGroupAttributes;
    use model::diff::{ActualRule, ActualServerGroup};
    use model::ownership::{ingress_tags, with_creation_mark, CREATING_RULE_PREFIX};
    use model::spec::{BackendProtocol, MemberMode, Scheduler};

    fn found(id: &str, in_creation: bool) -> FoundLoadBalancer {
        FoundLoadBalancer {
            id: id.into(),
            name: "web".into(),
            in_creation,
        }
    }

    #[test]
    fn a_config_create_adopts_marked_and_refuses_finished_load_balancers() {
        assert_eq!(config_leftovers(&[], "web", "c"), Ok(None));
        let marked = [found("alb-1", true)];
        assert_eq!(
            config_leftovers(&marked, "web", "c"),
            Ok(Some("alb-1".into()))
        );
        let d = config_leftovers(&[found("alb-1", true), found("alb-2", false)], "web", "c")
            .expect_err("finished");
        assert_eq!(d.attribute, Some(AttributePath::root().attr("name")));
        assert!(
            d.detail.contains("Load balancer alb-2 (name \"web\")"),
            "{}",
            d.detail
        );
        assert!(
            d.detail.contains("terraform import ADDRESS alb-2"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn replacement_replans_skip_the_check() {
        assert!(checks_leftovers(true, &[]));
        assert!(!checks_leftovers(false, &[]));
        assert!(!checks_leftovers(true, &planned_private(true)));
        assert!(planned_private(false).is_empty());
    }

    #[test]
    fn ingress_objects_are_judged_by_their_marks() {
        let id = IngressId::new("shop", "web");
        let group_tags = ingress_tags("c", "web", &id, ResourceKind::ServerGroup, "api:80");
        let rule_tags = ingress_tags("c", "web", &id, ResourceKind::Rule, "HTTP:80 /");
        let group = |tags| ActualServerGroup {
            id: "sgp-1".into(),
            name: "g".into(),
            attributes: ServerGroupAttributes {
                protocol: BackendProtocol::Http,
                scheduler: Scheduler::Wrr,
                health_check: None,
                sticky_session: None,
                slow_start: None,
                connection_drain: None,
                keepalive: false,
                cross_zone: true,
                uch: None,
            },
            members: vec![],
            member_mode: MemberMode::Ip,
            tags,
        };
        let rule = |name: &str| ActualRule {
            id: "rule-1".into(),
            listener: "HTTP:80".parse().unwrap(),
            priority: 10,
            name: name.into(),
            conditions: vec![],
            actions: vec![],
            tags: rule_tags.clone(),
        };
        let mut actual = ActualIngress::default();
        assert_eq!(ingress_leftovers(&actual, "c", &id), Leftovers::None);
        actual.rules.push(rule("k8s-rule"));
        actual.server_groups.push(group(group_tags.clone()));
        assert_eq!(ingress_leftovers(&actual, "c", &id), Leftovers::Finished);
        assert_eq!(
            ingress_leftovers(&actual, "c", &IngressId::new("shop", "x")),
            Leftovers::None
        );
        let d = finished_ingress(&actual, "c", &id, "alb-1");
        assert!(
            d.detail
                .contains("1 rules (rule-1) and 1 server groups (sgp-1)"),
            "{}",
            d.detail
        );
        assert!(
            d.detail.contains("terraform import ADDRESS alb-1/shop/web"),
            "{}",
            d.detail
        );
        actual.server_groups[0] = group(with_creation_mark(&group_tags, "run"));
        assert_eq!(ingress_leftovers(&actual, "c", &id), Leftovers::Unfinished);
        // Unmarked groups without any rule: a create stopped before its one CreateRules.
        let rules = std::mem::take(&mut actual.rules);
        actual.server_groups[0] = group(group_tags.clone());
        assert_eq!(ingress_leftovers(&actual, "c", &id), Leftovers::Unfinished);
        actual.rules = rules;
        actual.server_groups.clear();
        actual.rules[0] = rule(&format!("{CREATING_RULE_PREFIX}k8s-rule"));
        assert_eq!(ingress_leftovers(&actual, "c", &id), Leftovers::Unfinished);
    }
}
