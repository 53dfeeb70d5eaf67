//! alb_config planning: create from nothing, converge, listener add/remove, ownership.

use model::diff::{ActualListener, ActualLoadBalancer, ActualPlaceholder, OpKind};
use model::ownership::{config_tags, ResourceKind, TAG_CLUSTER};
use model::spec::ConfigSpec;
use model::{expand_config, plan_config_ops, Op};
use serde_json::json;

fn spec(listeners: serde_json::Value) -> ConfigSpec {
    serde_json::from_value(json!({
        "name": "web-alb", "vpc_id": "vpc-1",
        "zone_mapping": [{"zone_id": "a", "vswitch_id": "v1"}, {"zone_id": "b", "vswitch_id": "v2"}],
        "listener": listeners
    }))
    .unwrap()
}

fn names(ops: &[Op]) -> Vec<&'static str> {
    ops.iter().map(|o| o.kind.name()).collect()
}

/// What exists after applying `ops` to nothing (ids made up).
fn applied(ops: &[Op]) -> ActualLoadBalancer {
    let mut lb = ActualLoadBalancer {
        id: "alb-1".into(),
        name: String::new(),
        deletion_protection: false,
        access_log: None,
        tags: Default::default(),
        listeners: vec![],
        placeholders: vec![],
    };
    for (i, op) in ops.iter().enumerate() {
        match &op.kind {
            OpKind::CreateLoadBalancer { lb: d, tags } => {
                lb.name = d.name.clone();
                lb.tags = tags.clone();
            }
            OpKind::CreatePlaceholderGroup { tags, .. } => {
                lb.placeholders.push(ActualPlaceholder {
                    id: format!("sgp-{i}"),
                    tags: tags.clone(),
                })
            }
            OpKind::CreateListener {
                listener,
                tags,
                default_group,
            } => {
                let id = lb
                    .placeholders
                    .iter()
                    .find(|p| p.tags.get(model::ownership::TAG_KEY) == Some(&default_group.key))
                    .map(|p| p.id.clone());
                lb.listeners.push(ActualListener {
                    id: format!("lsn-{i}"),
                    key: listener.key,
                    attributes: listener.attributes.clone(),
                    default_server_group_id: id,
                    tags: tags.clone(),
                });
            }
            other => panic!("unexpected {}", other.name()),
        }
    }
    lb
}

#[test]
fn create_then_converge() {
    let d = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP"}, {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"]}]))).unwrap();
    let ops = plan_config_ops(&d, None, "c1");
    assert_eq!(
        names(&ops),
        [
            "CreateLoadBalancer",
            "CreatePlaceholderGroup",
            "CreateListener",
            "CreatePlaceholderGroup",
            "CreateListener"
        ]
    );
    if let OpKind::CreateLoadBalancer { tags, .. } = &ops[0].kind {
        assert_eq!(tags[TAG_CLUSTER], "c1");
    }
    let actual = applied(&ops);
    assert!(plan_config_ops(&d, Some(&actual), "c1").is_empty());
}

#[test]
fn listener_changes_and_foreign_listeners() {
    let d = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP"}, {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"]}]))).unwrap();
    let mut actual = applied(&plan_config_ops(&d, None, "c1"));
    // A console-made listener on 9000 is not ours.
    actual.listeners.push(ActualListener {
        id: "lsn-console".into(),
        key: "HTTP:9000".parse().unwrap(),
        attributes: actual.listeners[0].attributes.clone(),
        default_server_group_id: None,
        tags: Default::default(),
    });
    let d2 = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP", "idle_timeout": 30}, {"port": 8080, "protocol": "HTTP"}]))).unwrap();
    let ops = plan_config_ops(&d2, Some(&actual), "c1");
    assert_eq!(
        names(&ops),
        [
            "CreatePlaceholderGroup",
            "CreateListener",
            "UpdateListener",
            "DeleteListener",
            "DeleteServerGroup"
        ]
    );
    let json = serde_json::to_string(&ops).unwrap();
    assert!(!json.contains("lsn-console"));
    // The owned-listener tag check uses the config identity.
    let tags = config_tags("c1", "web-alb", ResourceKind::Listener, Some("HTTP:80"));
    assert_eq!(actual.listeners[0].tags, tags);
}
