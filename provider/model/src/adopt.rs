//! Taking over a load balancer and listeners that another tool made — the alicloud provider's
//! `alicloud_alb_*` resources, the console, ACK — when they are imported into an `alb_config`.
//!
//! Such objects are *foreign*: they carry none of the provider's `alb.terraform/` tags. An
//! import names the load balancer deliberately, so the apply that follows it tags the load
//! balancer (when foreign) and the foreign listeners the configuration declares with this
//! config's ownership tags ([`OpKind::Adopt`]); from then on they are owned like listeners the
//! provider created, and [`crate::plan_config_ops`] gives them a placeholder default action.
//! Objects that carry another config's or cluster's tags are never adopted.

use std::collections::BTreeSet;

use crate::desired::ListenerKey;
use crate::diff::{ActualLoadBalancer, Op, OpKind};
use crate::ownership::{config_tags, ResourceKind, Tags, TAG_PREFIX};

/// Whether an object with `tags` is foreign: it carries none of the provider's tags.
pub fn is_foreign(tags: &Tags) -> bool {
    !tags.keys().any(|k| k.starts_with(TAG_PREFIX))
}

/// The keys of the foreign listeners of `actual`.
pub fn foreign_listeners(actual: &ActualLoadBalancer) -> BTreeSet<ListenerKey> {
    actual
        .listeners
        .iter()
        .filter(|l| is_foreign(&l.tags))
        .map(|l| l.key)
        .collect()
}

/// The adoption ops of config `identity` taking over `actual`: the load balancer when it is
/// foreign, then each foreign listener whose key is in `listeners`. Returns the ops and `actual`
/// as it is after them (the adopted objects carrying their ownership tags), for
/// [`crate::plan_config_ops`] to plan the rest.
pub fn adopt_config(
    actual: &ActualLoadBalancer,
    identity: &str,
    cluster_id: &str,
    listeners: &BTreeSet<ListenerKey>,
) -> (Vec<Op>, ActualLoadBalancer) {
    let mut after = actual.clone();
    let mut ops = Vec::new();
    let mut adopt = |resource, id: &str, owned: &mut Tags, key: Option<&str>| {
        let tags = config_tags(cluster_id, identity, resource, key);
        owned.extend(tags.clone());
        ops.push(Op::of(
            identity,
            OpKind::Adopt {
                resource,
                id: id.to_owned(),
                tags,
            },
        ));
    };
    if is_foreign(&actual.tags) {
        adopt(
            ResourceKind::LoadBalancer,
            &actual.id,
            &mut after.tags,
            None,
        );
    }
    for l in after
        .listeners
        .iter_mut()
        .filter(|l| listeners.contains(&l.key) && is_foreign(&l.tags))
    {
        let key = l.key.to_string();
        adopt(ResourceKind::Listener, &l.id, &mut l.tags, Some(&key));
    }
    (ops, after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::ListenerAttributes;
    use crate::diff::ActualListener;
    use crate::ownership::{owns_config_object, TAG_CLUSTER, TAG_KEY};
    use crate::spec::{ConfigSpec, ListenerProtocol, ListenerSpec};

    /// The attributes of a default HTTP listener.
    fn attributes() -> ListenerAttributes {
        let spec = ConfigSpec {
            name: "web".into(),
            vpc_id: "vpc-1".into(),
            listener: vec![ListenerSpec::new(80, ListenerProtocol::Http)],
            ..Default::default()
        };
        let lb = crate::expand_config(&spec).expect("expands");
        lb.listeners[0].attributes.clone()
    }

    fn listener(id: &str, port: u16, tags: Tags) -> ActualListener {
        ActualListener {
            id: id.into(),
            key: ListenerKey::new(ListenerProtocol::Http, port),
            attributes: attributes(),
            default_server_group_id: Some("sgp-theirs".into()),
            tags,
            acl_type: None,
            acl_ids: Vec::new(),
        }
    }

    fn lb(tags: Tags, listeners: Vec<ActualListener>) -> ActualLoadBalancer {
        ActualLoadBalancer {
            id: "alb-1".into(),
            name: "web".into(),
            deletion_protection: false,
            access_log: None,
            tags,
            edition: None,
            address_type: None,
            zone_mappings: Vec::new(),
            resource_group_id: None,
            listeners,
            placeholders: Vec::new(),
            acls: Vec::new(),
        }
    }

    fn user(k: &str, v: &str) -> Tags {
        [(k.to_owned(), v.to_owned())].into()
    }

    #[test]
    fn foreign_load_balancer_and_declared_foreign_listeners_are_adopted() {
        let other_config = config_tags("c1", "other", ResourceKind::Listener, Some("HTTP:81"));
        let actual = lb(
            user("team", "web"),
            vec![
                listener("lsn-80", 80, user("team", "web")),
                listener("lsn-81", 81, other_config.clone()),
                listener("lsn-8080", 8080, Tags::new()),
            ],
        );
        assert_eq!(
            foreign_listeners(&actual),
            [
                ListenerKey::new(ListenerProtocol::Http, 80),
                ListenerKey::new(ListenerProtocol::Http, 8080)
            ]
            .into()
        );
        let declared: BTreeSet<ListenerKey> = [80, 81]
            .map(|p| ListenerKey::new(ListenerProtocol::Http, p))
            .into();
        let (ops, after) = adopt_config(&actual, "web", "c1", &declared);
        let adopted: Vec<(&str, ResourceKind)> = ops
            .iter()
            .map(|op| match &op.kind {
                OpKind::Adopt { resource, id, .. } => (id.as_str(), *resource),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            adopted,
            [
                ("alb-1", ResourceKind::LoadBalancer),
                ("lsn-80", ResourceKind::Listener)
            ]
        );
        // The user tags stay; the ownership tags make the listener this config's.
        assert_eq!(after.tags.get("team").map(String::as_str), Some("web"));
        assert_eq!(after.tags.get(TAG_CLUSTER).map(String::as_str), Some("c1"));
        let l80 = &after.listeners[0];
        assert!(owns_config_object(&l80.tags, "c1", "web"));
        assert_eq!(l80.tags.get(TAG_KEY).map(String::as_str), Some("HTTP:80"));
        // Another config's listener and an undeclared one are left as they are.
        assert_eq!(after.listeners[1].tags, other_config);
        assert!(after.listeners[2].tags.is_empty());
    }

    #[test]
    fn owned_objects_need_no_adoption() {
        let actual = lb(
            config_tags("c1", "web", ResourceKind::LoadBalancer, None),
            vec![listener(
                "lsn-80",
                80,
                config_tags("c1", "web", ResourceKind::Listener, Some("HTTP:80")),
            )],
        );
        let keys = [ListenerKey::new(ListenerProtocol::Http, 80)].into();
        let (ops, after) = adopt_config(&actual, "web", "c1", &keys);
        assert!(ops.is_empty());
        assert_eq!(after, actual);
        assert!(foreign_listeners(&actual).is_empty());
    }
}
