//! From `alb_ingress` values to the model: the spec, and the ingress's identity and id.

use std::collections::BTreeSet;

use model::desired::{IngressId, ListenerKey};
use model::spec::{IngressSpec, ListenerProtocol};
use tfplugin::diag::{AttributePath, Diagnostic};
use tfplugin::value::Value;

/// Which ingress on which load balancer: `<load balancer id>/<namespace>/<name>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IngressRef {
    /// Load balancer id (`alb_config_id`).
    pub lb_id: String,
    /// Namespace and name.
    pub id: IngressId,
}

impl IngressRef {
    /// Parses an import id `<load balancer id>/<namespace>/<name>`.
    pub(crate) fn parse(s: &str) -> Result<Self, Diagnostic> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [lb, ns, name] if [lb, ns, name].iter().all(|p| !p.is_empty()) => Ok(Self {
                lb_id: (*lb).to_owned(),
                id: IngressId::new(*ns, *name),
            }),
            _ => Err(Diagnostic::error(
                "Invalid import id",
                format!(
                    "alb_ingress import ids look like `<load balancer id>/<namespace>/<name>` \
                     (e.g. `alb-abc123/shop/storefront`), got {s:?}."
                ),
            )),
        }
    }

    /// From a resource value whose `alb_config_id`, `namespace` and `name` are known.
    pub(crate) fn from_value(v: &Value) -> Option<Self> {
        let known = |name| v.get(name).as_str().filter(|s| !s.is_empty());
        Some(Self {
            lb_id: known("alb_config_id")?.to_owned(),
            id: IngressId::new(known("namespace")?, known("name")?),
        })
    }

    /// The resource id (also the import id).
    pub(crate) fn resource_id(&self) -> String {
        format!("{}/{}", self.lb_id, self.id)
    }
}

/// The spec of a configuration; `Ok(None)` while anything but `alb_config_id` is unknown. An
/// unknown `alb_config_id` (the alb_config is created in the same apply) becomes "".
pub(crate) fn spec(config: &Value) -> Result<Option<IngressSpec>, Diagnostic> {
    let mut config = config.clone();
    if let Some(slot) = config.at_mut(&AttributePath::root().attr("alb_config_id")) {
        if slot.is_unknown() {
            *slot = Value::from("");
        }
    }
    let Some(json) = config.to_json() else {
        return Ok(None);
    };
    serde_json::from_value(json).map(Some).map_err(|e| {
        Diagnostic::error(
            "Invalid alb_ingress",
            format!("The configuration does not match the alb_ingress schema: {e}."),
        )
    })
}

/// Every listener the ingress could land on (its `listen` blocks, HTTP:80 and HTTPS:443): the
/// listener set to expand against while the load balancer is not known yet.
pub(crate) fn possible_listeners(spec: &IngressSpec) -> BTreeSet<ListenerKey> {
    let mut keys: BTreeSet<ListenerKey> = spec
        .listen
        .iter()
        .filter_map(|l| Some(ListenerKey::new(l.protocol, u16::try_from(l.port).ok()?)))
        .collect();
    keys.insert(ListenerKey::new(ListenerProtocol::Http, 80));
    keys.insert(ListenerKey::new(ListenerProtocol::Https, 443));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_parse() {
        let r = IngressRef::parse("alb-1/shop/web").unwrap();
        assert_eq!(r.lb_id, "alb-1");
        assert_eq!(r.id, IngressId::new("shop", "web"));
        assert_eq!(r.resource_id(), "alb-1/shop/web");
        for bad in ["alb-1/shop", "alb-1//web", "a/b/c/d", ""] {
            assert!(IngressRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn spec_waits_for_unknowns_except_the_config_id() {
        let config = |id: Value, name: Value| {
            Value::object([
                ("alb_config_id", id),
                ("namespace", Value::from("shop")),
                ("name", name),
                ("rule", Value::List(vec![])),
            ])
        };
        let spec = spec(&config(Value::Unknown, Value::from("web")))
            .unwrap()
            .unwrap();
        assert_eq!(spec.alb_config_id, "");
        assert_eq!(spec.name, "web");
        assert_eq!(
            super::spec(&config(Value::from("alb-1"), Value::Unknown)),
            Ok(None)
        );
        assert!(IngressRef::from_value(&config(Value::Unknown, Value::from("web"))).is_none());
    }
}
