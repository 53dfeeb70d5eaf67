//! Taking over ACK's objects (`model::takeover`): the load balancer, declared listeners and
//! their placeholders are re-tagged, undeclared listeners left alone; an ingress adopts ACK's
//! server groups of its Ingress, replaces ACK's rules with the same conditions without a gap
//! (replayed one call at a time over the routing model) and leaves another Ingress's objects
//! alone.

use std::collections::BTreeMap;

use model::adopt::is_foreign;
use model::desired::{Action, ActionKind, DesiredIngress, GroupTarget, ListenerKey};
use model::diff::{
    ActualIngress, ActualListener, ActualLoadBalancer, ActualRule, ActualServerGroup, OpKind,
};
use model::ownership::{owns, ResourceKind, Tags, TAG_KEY};
use model::priority::Held;
use model::replay::{check_plan, sample_requests};
use model::spec::{
    BackendProtocol, ConfigSpec, IngressSpec, ListenerProtocol, ListenerSpec, MemberMode,
};
use model::takeover::{take_over_config, take_over_ingress, Adopt, ACK_TAG_CLUSTER, TAG_ADOPT};
use model::{expand_config, expand_ingress, plan_ingress_ops};
use model::{ConfigListeners, Members};
use serde_json::json;

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// ACK's tags on the server group of backend `service:80` of Ingress `ns/name`.
fn ack_group_tags(ns: &str, name: &str, service: &str) -> Tags {
    tags(&[
        (ACK_TAG_CLUSTER, "c-ack"),
        ("ingress.k8s.alibaba/albconfig", "default/public"),
        ("ingress.k8s.alibaba/resource", "0123abcd"),
        ("ingress.k8s.alibaba/service_ns", ns),
        ("ingress.k8s.alibaba/service_name", service),
        ("ingress.k8s.alibaba/service_port", "80"),
        ("ingress.k8s.alibaba/ingress_name", name),
    ])
}

fn http80() -> ListenerKey {
    "HTTP:80".parse().unwrap()
}

fn storefront() -> DesiredIngress {
    let spec: IngressSpec = serde_json::from_value(json!({
        "alb_config_id": "alb-1", "namespace": "shop", "name": "storefront",
        "rule": [{"host": "shop.example.com", "path": [
            {"path": "/api", "path_type": "Prefix", "backend": [{"service": "api", "port": "80"}]},
            {"path": "/", "path_type": "Prefix", "backend": [{"service": "web", "port": "80"}]}
        ]}]
    }))
    .unwrap();
    let listeners = ConfigListeners {
        cluster_id: "c1".into(),
        config: "public".into(),
        edition: model::spec::Edition::Standard,
        listeners: [http80()].into(),
    };
    expand_ingress(&spec, &listeners, &Members::new(), &Held::default()).unwrap()
}

fn ack_group(
    id: &str,
    ns: &str,
    name: &str,
    service: &str,
    like: &DesiredIngress,
) -> ActualServerGroup {
    ActualServerGroup {
        id: id.into(),
        name: format!("{ns}-{service}-80"),
        attributes: like.server_groups[0].attributes.clone(),
        members: Vec::new(),
        member_mode: MemberMode::Ip,
        tags: ack_group_tags(ns, name, service),
    }
}

fn forward(group_id: &str) -> Vec<Action> {
    vec![Action {
        order: 1,
        kind: ActionKind::ForwardGroup {
            server_groups: vec![GroupTarget {
                key: format!("id:{group_id}"),
                weight: 100,
            }],
            sticky: None,
        },
    }]
}

/// What ACK left: the storefront's rules at priorities 1 and 2 (conditions as the desired
/// rules'), another Ingress's rule at 3, and their groups.
fn ack_state(d: &DesiredIngress) -> (ActualIngress, Vec<ActualServerGroup>) {
    let rule_tags = tags(&[(ACK_TAG_CLUSTER, "c-ack")]);
    let rule = |id: &str, priority: u32, conditions, group: &str| ActualRule {
        id: id.into(),
        listener: http80(),
        priority,
        name: format!("rule-80-{priority}"),
        conditions,
        actions: forward(group),
        tags: rule_tags.clone(),
    };
    let api = d
        .rules
        .iter()
        .find(|r| r.identity.contains("/api"))
        .unwrap();
    let root = d
        .rules
        .iter()
        .find(|r| !r.identity.contains("/api"))
        .unwrap();
    let mut blog = root.conditions.clone();
    if let Some(model::desired::Condition::Host { values }) = blog.first_mut() {
        *values = vec!["blog.example.com".into()];
    }
    let actual = ActualIngress {
        rules: vec![
            rule("rule-1", 1, api.conditions.clone(), "sgp-api"),
            rule("rule-2", 2, root.conditions.clone(), "sgp-web"),
            rule("rule-3", 3, blog, "sgp-blog"),
        ],
        server_groups: Vec::new(),
    };
    let groups = vec![
        ack_group("sgp-api", "shop", "storefront", "api", d),
        ack_group("sgp-web", "shop", "storefront", "web", d),
        ack_group("sgp-blog", "shop", "blog", "web", d),
    ];
    (actual, groups)
}

#[test]
fn an_ingress_adopts_its_groups_and_replaces_its_rules_without_a_gap() {
    let d = storefront();
    let (actual, groups) = ack_state(&d);
    let t = take_over_ingress(&d, &actual, &groups);

    let adopted: BTreeMap<&str, &str> = t
        .groups
        .iter()
        .map(|(k, id)| (k.as_str(), id.as_str()))
        .collect();
    assert_eq!(
        adopted,
        [("api:80", "sgp-api"), ("web:80", "sgp-web")].into()
    );
    assert_eq!(t.groups_left, ["sgp-blog"]);
    assert_eq!(t.rules_left, ["rule-3 (HTTP:80 priority 3)"]);
    let moves: Vec<(&str, u32, u32)> = t
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.from, r.to))
        .collect();
    assert_eq!(moves, [("rule-1", 1, 91), ("rule-2", 2, 92)]);
    for op in &t.retags {
        let OpKind::Retag {
            resource,
            add,
            remove,
            ..
        } = &op.kind
        else {
            panic!("only re-tags first: {op:?}");
        };
        assert_eq!(*resource, ResourceKind::ServerGroup);
        assert!(owns(add, "c1", &d.id), "{add:?}");
        assert!(remove.contains(&ACK_TAG_CLUSTER.to_owned()), "{remove:?}");
    }
    assert_eq!(t.retags.len(), 2);

    let mut ops = t.retags.clone();
    ops.extend(plan_ingress_ops(&d, &t.actual));
    let deleted: Vec<&String> = ops
        .iter()
        .flat_map(|o| match &o.kind {
            OpKind::DeleteRules { ids, .. } => ids.iter().collect(),
            OpKind::DeleteServerGroup { id, .. } => vec![id],
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        deleted,
        ["rule-2", "rule-1"],
        "ACK's rules only, highest first"
    );
    assert!(
        !ops.iter()
            .any(|o| matches!(o.kind, OpKind::CreateServerGroup { .. })),
        "adopted groups are not created again"
    );
    // Every request (the other Ingress's too) reaches its old or new target after every call.
    let samples = sample_requests(&t.actual, &d);
    let end = check_plan(&t.actual, &ops, &samples).expect("no gap");
    let kept: Vec<(&str, u32)> = end
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.priority))
        .filter(|(id, _)| !id.contains("-new"))
        .collect();
    assert_eq!(kept, [("rule-3", 3)], "the other Ingress's rule stays");

    // Done: the next takeover finds nothing to do and the diff is empty.
    let mut after = end.clone();
    after.server_groups.retain(|g| g.tags.contains_key(TAG_KEY));
    let again = take_over_ingress(&d, &after, &[]);
    assert!(again.is_empty());
    assert!(plan_ingress_ops(&d, &again.actual).is_empty());
}

#[test]
fn a_group_of_another_protocol_or_port_is_left_alone() {
    let d = storefront();
    let (actual, mut groups) = ack_state(&d);
    groups[0]
        .tags
        .insert("ingress.k8s.alibaba/service_port".into(), "8080".into());
    groups[0].attributes.protocol = BackendProtocol::Https;
    let t = take_over_ingress(&d, &actual, &groups);
    assert_eq!(t.groups.keys().collect::<Vec<_>>(), ["web:80"]);
    assert!(t.groups_left.contains(&"sgp-api".to_owned()));
    // rule-1 forwards to a group nothing adopts: left alone, never deleted.
    assert!(t.rules_left.iter().any(|r| r.starts_with("rule-1 ")));
    let ops = plan_ingress_ops(&d, &t.actual);
    assert!(!ops.iter().any(
        |o| matches!(&o.kind, OpKind::DeleteRules { ids, .. } if ids.contains(&"rule-1".to_owned()))
    ));
}

fn ack_load_balancer() -> ActualLoadBalancer {
    let listener = |id: &str, port: i64, group: &str| ActualListener {
        id: id.into(),
        key: ListenerKey::new(ListenerProtocol::Http, port as u16),
        attributes: expand_config(&config_spec()).unwrap().listeners[0]
            .attributes
            .clone(),
        default_server_group_id: Some(group.into()),
        tags: Tags::new(),
        acl_type: None,
        acl_ids: Vec::new(),
    };
    ActualLoadBalancer {
        id: "alb-1".into(),
        name: "public".into(),
        deletion_protection: false,
        access_log: None,
        tags: tags(&[
            (ACK_TAG_CLUSTER, "c-ack"),
            ("ingress.k8s.alibaba/albconfig", "default/public"),
            ("ingress.k8s.alibaba/resource", "ApplicationLoadBalancer"),
        ]),
        edition: None,
        address_type: None,
        zone_mappings: Vec::new(),
        resource_group_id: None,
        listeners: vec![
            listener("lsn-80", 80, "sgp-fake-80"),
            listener("lsn-8080", 8080, "sgp-fake-8080"),
        ],
        placeholders: Vec::new(),
        acls: Vec::new(),
    }
}

fn config_spec() -> ConfigSpec {
    ConfigSpec {
        name: "public".into(),
        vpc_id: "vpc-1".into(),
        listener: vec![ListenerSpec::new(80, ListenerProtocol::Http)],
        adopt: Some(Adopt::Ack),
        ..Default::default()
    }
}

#[test]
fn a_config_re_tags_the_load_balancer_and_its_ack_tags_go() {
    let actual = ack_load_balancer();
    let t = take_over_config(&actual, "c1", "public", Some(Adopt::Ack));
    let retagged: Vec<(ResourceKind, &str, &Vec<String>)> = t
        .retags
        .iter()
        .map(|o| match &o.kind {
            OpKind::Retag {
                resource,
                id,
                remove,
                ..
            } => (*resource, id.as_str(), remove),
            other => panic!("{other:?}"),
        })
        .collect();
    let ack_keys: Vec<String> = actual.tags.keys().cloned().collect();
    assert_eq!(
        retagged,
        [(ResourceKind::LoadBalancer, "alb-1", &ack_keys)],
        "the load balancer only: listeners are adopted as any imported foreign listener"
    );
    assert_eq!(
        t.actual.tags.get(TAG_ADOPT).map(String::as_str),
        Some("ack")
    );
    assert!(!t.actual.tags.contains_key(ACK_TAG_CLUSTER));
    assert!(!is_foreign(&t.actual.tags));
    assert_eq!(t.actual.listeners, actual.listeners);
    // Once re-tagged, nothing is left to take over; unsetting adopt removes only the marker.
    let again = take_over_config(&t.actual, "c1", "public", Some(Adopt::Ack));
    assert!(again.retags.is_empty());
    let unset = take_over_config(&t.actual, "c1", "public", None);
    assert_eq!(unset.retags.len(), 1);
    assert!(!unset.actual.tags.contains_key(TAG_ADOPT));
    assert!(take_over_config(&unset.actual, "c1", "public", None)
        .retags
        .is_empty());
}
