//! The JSON shape checks the real server's typed decoding makes: where a kind has an object or
//! a list of objects, anything else is a 400 `BadRequest` ("cannot unmarshal string into Go
//! struct field Service.spec"), before defaults or validation read the object.

use serde_json::Value;

use super::resources::ResourceType;
use super::status::ApiStatus;

/// What must be at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A JSON object.
    Object,
    /// A list whose items are objects.
    ObjectList,
    /// A list of strings.
    StringList,
}

/// Paths (dot-separated, `[]` steps into every list item) and their shapes, per kind.
fn shapes(kind: &str) -> &'static [(&'static str, Shape)] {
    match kind {
        "Namespace" => &[("spec", Shape::Object), ("status", Shape::Object)],
        "Service" => &[
            ("spec", Shape::Object),
            ("spec.ports", Shape::ObjectList),
            ("spec.selector", Shape::Object),
            ("status", Shape::Object),
        ],
        "Node" => &[
            ("spec", Shape::Object),
            ("spec.taints", Shape::ObjectList),
            ("status", Shape::Object),
            ("status.conditions", Shape::ObjectList),
            ("status.addresses", Shape::ObjectList),
        ],
        "Pod" => &[
            ("spec", Shape::Object),
            ("spec.containers", Shape::ObjectList),
            ("spec.initContainers", Shape::ObjectList),
            ("status", Shape::Object),
            ("status.conditions", Shape::ObjectList),
        ],
        "EndpointSlice" => &[
            ("endpoints", Shape::ObjectList),
            ("endpoints[].addresses", Shape::StringList),
            ("endpoints[].conditions", Shape::Object),
            ("ports", Shape::ObjectList),
        ],
        "Lease" => &[("spec", Shape::Object)],
        _ => &[],
    }
}

const COMMON: &[(&str, Shape)] = &[
    ("metadata", Shape::Object),
    ("metadata.labels", Shape::Object),
    ("metadata.annotations", Shape::Object),
    ("metadata.finalizers", Shape::StringList),
    ("metadata.ownerReferences", Shape::ObjectList),
];

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn fits(value: &Value, shape: Shape) -> bool {
    match (shape, value) {
        (_, Value::Null) => true,
        (Shape::Object, v) => v.is_object(),
        (Shape::ObjectList, Value::Array(items)) => items.iter().all(|i| i.is_object()),
        (Shape::StringList, Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    }
}

/// The values at `path` (`[]` steps into every item of a list).
fn values_at<'a>(value: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![value];
    for step in path.split('.') {
        let (field, each) = match step.strip_suffix("[]") {
            Some(field) => (field, true),
            None => (step, false),
        };
        current = current
            .into_iter()
            .filter_map(|v| v.get(field))
            .flat_map(|v| match (each, v) {
                (true, Value::Array(items)) => items.iter().collect(),
                (true, _) => Vec::new(),
                (false, v) => vec![v],
            })
            .collect();
    }
    current
}

/// Checks `object` has the shapes of its kind.
pub fn check(resource: &ResourceType, object: &Value) -> Result<(), ApiStatus> {
    for (path, shape) in COMMON.iter().chain(shapes(resource.kind)) {
        if let Some(bad) = values_at(object, path)
            .into_iter()
            .find(|v| !fits(v, *shape))
        {
            let found = match (shape, bad) {
                (Shape::Object, v) => json_type(v),
                (_, Value::Array(items)) => items
                    .iter()
                    .map(json_type)
                    .find(|t| *t != "object" && *t != "string")
                    .unwrap_or("array item"),
                (_, v) => json_type(v),
            };
            return Err(ApiStatus::bad_request(format!(
                "{kind} in version \"{version}\" cannot be handled as a {kind}: json: cannot unmarshal {found} into Go struct field {kind}.{path} of type {wanted}",
                kind = resource.kind,
                version = resource.version,
                path = path.replace("[]", ""),
                wanted = match shape {
                    Shape::Object => "object",
                    Shape::ObjectList => "[]object",
                    Shape::StringList => "[]string",
                },
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kube_local::resources::by_kind;

    #[test]
    fn wrong_shapes_are_bad_requests() {
        let services = by_kind("Service");
        assert!(check(
            services,
            &json!({"metadata": {}, "spec": {"ports": [{"port": 80}]}})
        )
        .is_ok());
        for bad in [
            json!({"metadata": "x"}),
            json!({"spec": 5}),
            json!({"spec": {"ports": [1]}}),
            json!({"metadata": {"labels": []}}),
        ] {
            let err = check(services, &bad).unwrap_err();
            assert_eq!(err.code, 400, "{bad}");
        }
        let slices = by_kind("EndpointSlice");
        let err = check(slices, &json!({"endpoints": [{"addresses": [1]}]})).unwrap_err();
        assert!(
            err.message
                .contains("EndpointSlice.endpoints.addresses of type []string"),
            "{}",
            err.message
        );
    }
}
