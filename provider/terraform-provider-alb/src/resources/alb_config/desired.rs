//! From an `alb_config` value to the model: decoding into [`ConfigSpec`] and expanding it into
//! the desired load balancer, with model errors turned into diagnostics at their attribute path.
//!
//! The model reads listeners as a list with `protocol` and `port`; the configuration has them as
//! a map of blocks labelled `PROTOCOL:port`, so [`spec_json`] turns one into the other.

use model::desired::ListenerKey;
use model::expand_config;
use model::spec::ConfigSpec;
use tfplugin::diag::{Diagnostic, PathStep};
use tfplugin::value::Value;

use crate::resources::diagnostics::expand_diagnostic;

pub(crate) use model::desired::DesiredLoadBalancer;

/// The desired load balancer of a wholly known `alb_config` value; `Ok(None)` when the value
/// still has unknowns (plan time). Assumes the value passed validation.
pub(crate) fn desired(value: &Value) -> Result<Option<DesiredLoadBalancer>, Diagnostic> {
    let invalid = |e: &dyn std::fmt::Display| {
        Diagnostic::error(
            "Invalid alb_config",
            format!("The configuration does not match the alb_config schema: {e}."),
        )
    };
    let Some(json) = value.to_json() else {
        return Ok(None);
    };
    let (json, labels) = spec_json(json)
        .map_err(|label| invalid(&format!("listener label {label:?} is not PROTOCOL:port")))?;
    let spec: ConfigSpec = serde_json::from_value(json).map_err(|e| invalid(&e))?;
    expand_config(&spec).map(Some).map_err(|e| {
        let mut d = expand_diagnostic(&e);
        // `listener[i]` of the model is the block labelled `labels[i]`.
        if let Some(path) = &mut d.attribute {
            if let [PathStep::Attr(name), step, ..] = path.0.as_mut_slice() {
                let label = match step {
                    PathStep::Index(i) if name == "listener" => {
                        usize::try_from(*i).ok().and_then(|i| labels.get(i))
                    }
                    _ => None,
                };
                if let Some(label) = label {
                    *step = PathStep::Key(label.clone());
                }
            }
        }
        d
    })
}

/// The configuration JSON in the model's shape: the `listener` object (label → block) becomes a
/// list in label order, each element with the `protocol` and `port` its label names; returned
/// with the labels in that order. `Err(label)` for a label that is not `PROTOCOL:port`.
pub fn spec_json(mut json: serde_json::Value) -> Result<(serde_json::Value, Vec<String>), String> {
    let Some(serde_json::Value::Object(listeners)) =
        json.as_object_mut().and_then(|o| o.remove("listener"))
    else {
        return Ok((json, Vec::new()));
    };
    let mut labels = Vec::with_capacity(listeners.len());
    let mut list = Vec::with_capacity(listeners.len());
    for (label, mut block) in listeners {
        let key: ListenerKey = label.parse().map_err(|_| label.clone())?;
        if let Some(block) = block.as_object_mut() {
            block.insert("protocol".into(), key.protocol.as_str().into());
            block.insert("port".into(), key.port.into());
        }
        labels.push(label);
        list.push(block);
    }
    if let Some(object) = json.as_object_mut() {
        object.insert("listener".into(), list.into());
    }
    Ok((json, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(listeners: &[&str]) -> Value {
        Value::object([
            ("name", Value::from("web")),
            ("vpc_id", Value::from("vpc-1")),
            (
                "listener",
                Value::object(
                    listeners
                        .iter()
                        .map(|l| (*l, Value::Map(Default::default()))),
                ),
            ),
        ])
    }

    #[test]
    fn expands_labelled_listeners_and_waits_for_unknown_values() {
        let lb = desired(&config(&["HTTP:80", "QUIC:443"]))
            .expect("valid")
            .expect("known");
        assert_eq!(lb.name, "web");
        let keys: Vec<String> = lb.listeners.iter().map(|l| l.key.to_string()).collect();
        assert_eq!(keys, ["HTTP:80", "QUIC:443"]);
        assert_eq!(lb.listeners[0].attributes.idle_timeout, 15);
        let unknown = Value::object([("name", Value::from("web")), ("listener", Value::Unknown)]);
        assert_eq!(desired(&unknown), Ok(None));
    }

    #[test]
    fn a_label_that_is_not_a_listener_key_is_an_error_not_a_panic() {
        let error = desired(&config(&["HTTP:80", "http:8080"])).expect_err("bad label");
        assert!(error.detail.contains("\"http:8080\""), "{}", error.detail);
    }
}
