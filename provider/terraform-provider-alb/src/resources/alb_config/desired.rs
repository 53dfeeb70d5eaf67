//! From an `alb_config` value to the model: decoding into [`ConfigSpec`] and expanding it into
//! the desired load balancer, with model errors turned into diagnostics at their attribute path.

use model::expand_config;
use model::spec::ConfigSpec;
use tfplugin::diag::Diagnostic;
use tfplugin::value::Value;

use crate::resources::diagnostics::expand_diagnostic;

pub(crate) use model::desired::DesiredLoadBalancer;

/// The desired load balancer of a wholly known `alb_config` value; `Ok(None)` when the value
/// still has unknowns (plan time). Assumes the value passed validation.
pub(crate) fn desired(value: &Value) -> Result<Option<DesiredLoadBalancer>, Diagnostic> {
    let Some(json) = value.to_json() else {
        return Ok(None);
    };
    let spec: ConfigSpec = serde_json::from_value(json).map_err(|e| {
        Diagnostic::error(
            "Invalid alb_config",
            format!("The configuration does not match the alb_config schema: {e}."),
        )
    })?;
    expand_config(&spec)
        .map(Some)
        .map_err(|e| expand_diagnostic(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(protocol: &str, port: i64) -> Value {
        Value::object([
            ("protocol", Value::from(protocol)),
            ("port", Value::from(port)),
        ])
    }

    fn config(listeners: Vec<Value>) -> Value {
        Value::object([
            ("name", Value::from("web")),
            ("vpc_id", Value::from("vpc-1")),
            ("listener", Value::List(listeners)),
        ])
    }

    #[test]
    fn expands_known_values_and_waits_for_unknown_ones() {
        let lb = desired(&config(vec![listener("HTTP", 80)]))
            .expect("valid")
            .expect("known");
        assert_eq!(lb.name, "web");
        assert_eq!(lb.listeners.len(), 1);
        assert_eq!(lb.listeners[0].attributes.idle_timeout, 15);
        let unknown = config(vec![Value::object([
            ("protocol", Value::from("HTTP")),
            ("port", Value::Unknown),
        ])]);
        assert_eq!(desired(&unknown), Ok(None));
    }

    #[test]
    fn expansion_errors_point_at_the_attribute() {
        let error = desired(&config(vec![listener("HTTP", 80), listener("HTTP", 70000)]))
            .expect_err("port out of range");
        assert_eq!(
            error.attribute.map(|p| p.to_string()),
            Some("listener[1].port".to_string()),
            "{}",
            error.detail
        );
    }
}
