//! The value of a `data "alb_config"`: the load balancer found and its listeners with their free
//! `order` runs.

use std::collections::BTreeMap;

use model::auto_order::Occupancy;
use model::desired::ListenerKey;
use reconcile::ListenerOverview;
use tfplugin::value::Value;

use super::lookup::Found;

/// The data source's state for `found` and its `listeners`.
pub(crate) fn state(found: &Found, listeners: &BTreeMap<ListenerKey, ListenerOverview>) -> Value {
    let lb = &found.lb;
    Value::object([
        ("id", Value::from(lb.load_balancer_id.clone())),
        (
            "name",
            Value::from(lb.load_balancer_name.clone().unwrap_or_default()),
        ),
        ("cluster_id", Value::from(found.cluster_id.clone())),
        (
            "dns_name",
            Value::from(lb.dns_name.clone().unwrap_or_default()),
        ),
        ("status", Value::from(lb.load_balancer_status.clone())),
        ("vpc_id", Value::from(lb.vpc_id.clone().unwrap_or_default())),
        (
            "listener",
            Value::Map(
                listeners
                    .iter()
                    .map(|(key, l)| (key.to_string(), listener(*key, l)))
                    .collect(),
            ),
        ),
    ])
}

fn listener(key: ListenerKey, l: &ListenerOverview) -> Value {
    let occupancy = Occupancy::of(l.priorities.iter().map(|p| (key, *p)));
    let runs = runs(&occupancy.free_orders(key));
    Value::object([
        ("id", Value::from(l.id.clone())),
        ("protocol", Value::from(key.protocol.as_str())),
        ("port", Value::from(i64::from(key.port))),
        (
            "default_server_group_id",
            Value::from(l.default_server_group_id.clone().unwrap_or_default()),
        ),
        (
            "free_orders",
            Value::List(runs.into_iter().map(order_range).collect()),
        ),
    ])
}

/// Ascending orders as maximal runs of consecutive orders `(first, last)`.
fn runs(orders: &[u32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &order in orders {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == order => *last = order,
            _ => runs.push((order, order)),
        }
    }
    runs
}

fn order_range((first, last): (u32, u32)) -> Value {
    Value::object([
        ("first", Value::from(i64::from(first))),
        ("last", Value::from(i64::from(last))),
    ])
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use alb_api::load_balancer::LoadBalancer;
    use model::spec::ListenerProtocol;
    use tfplugin::value::msgpack;

    use super::super::schema::schema;
    use super::*;

    #[test]
    fn runs_join_consecutive_orders() {
        assert_eq!(runs(&[]), []);
        assert_eq!(runs(&[1, 2, 3, 5, 7, 8]), [(1, 3), (5, 5), (7, 8)]);
    }

    #[test]
    fn renders_listeners_by_key_with_their_free_orders() {
        let found = Found {
            lb: Arc::new(LoadBalancer {
                load_balancer_id: "alb-1".into(),
                load_balancer_name: Some("web".into()),
                dns_name: Some("alb-1.cn-hangzhou.alb.aliyuncs.com".into()),
                load_balancer_status: "Active".into(),
                vpc_id: Some("vpc-1".into()),
                ..LoadBalancer::default()
            }),
            cluster_id: "c-prod".into(),
        };
        let http = ListenerKey::new(ListenerProtocol::Http, 80);
        let listeners = BTreeMap::from([(
            http,
            ListenerOverview {
                id: "lsn-1".into(),
                default_server_group_id: Some("sgp-1".into()),
                priorities: vec![91, 92, 101],
            },
        )]);
        let value = state(&found, &listeners);
        assert_eq!(value.get("cluster_id").as_str(), Some("c-prod"));
        let l = value.get("listener").get("HTTP:80");
        assert_eq!(l.get("id").as_str(), Some("lsn-1"));
        assert_eq!(l.get("default_server_group_id").as_str(), Some("sgp-1"));
        let runs: Vec<serde_json::Value> = l
            .get("free_orders")
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::to_json)
            .collect();
        assert_eq!(
            runs,
            [
                serde_json::json!({"first": 1, "last": 9}),
                serde_json::json!({"first": 12, "last": 1000}),
            ]
        );
        // The value conforms to the schema's type.
        let ty = schema().block.implied_type();
        assert!(msgpack::encode(&value, &ty).is_ok());
    }
}
