//! Flattening typed requests into the dotted parameters the RPC API takes, and deciding which
//! of them travel in the form body.
//!
//! A request struct is serialised with serde to a `serde_json::Value` and walked:
//! scalars become `Name=value` (booleans `true`/`false`), lists `Name.1`, `Name.2`, … (1-based),
//! objects `Name.Field`, and nesting composes
//! (`Rules.1.RuleConditions.1.HostConfig.Values.1=www.example.com`). `null` (a `None`) and empty
//! lists produce nothing.

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// Flattened parameters: (dotted name, value) pairs in request order.
pub type Params = Vec<(String, String)>;

/// Parameters that the official V3 SDK sends in an `application/x-www-form-urlencoded` body,
/// per action; everything else goes in the query string.
const BODY_PARAMS: &[(&str, &str)] = &[
    ("AddServersToServerGroup", "Servers"),
    ("CreateRules", "Rules"),
    ("ReplaceServersInServerGroup", "AddedServers"),
    ("UpdateRulesAttribute", "Rules"),
    ("UpdateServerGroupServersAttribute", "Servers"),
];

/// Flattens a serialisable request (a struct or map at the top level) into dotted parameters.
pub fn flatten<T: Serialize + ?Sized>(request: &T) -> Result<Params, Error> {
    let value = serde_json::to_value(request)
        .map_err(|e| Error::InvalidRequest(format!("cannot serialise request: {e}")))?;
    flatten_value(&value)
}

/// Flattens an already serialised JSON object into dotted parameters.
pub fn flatten_value(value: &Value) -> Result<Params, Error> {
    match value {
        Value::Object(map) => {
            let mut out = Vec::new();
            for (key, v) in map {
                flatten_into(key, v, &mut out);
            }
            Ok(out)
        }
        Value::Null => Ok(Vec::new()),
        other => Err(Error::InvalidRequest(format!(
            "a request must serialise to an object, got {other}"
        ))),
    }
}

fn flatten_into(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten_into(&format!("{prefix}.{}", i + 1), item, out);
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                flatten_into(&format!("{prefix}.{key}"), v, out);
            }
        }
    }
}

/// Whether a flattened parameter of `action` travels in the form body (V3 SDK placement).
pub fn is_body_param(action: &str, key: &str) -> bool {
    BODY_PARAMS.iter().any(|(a, name)| {
        *a == action
            && key
                .strip_prefix(name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// Splits flattened parameters into (query, body) the way the official V3 SDK places them.
pub fn split_query_body(action: &str, params: Params) -> (Params, Params) {
    params
        .into_iter()
        .partition(|(k, _)| !is_body_param(action, k))
}

/// Encodes parameters as `k=v&k=v` with [`crate::signing::percent_encode`] for keys and
/// values, in the given order. Used both for the query string and the form body, so the bytes
/// sent are exactly the bytes signed.
pub fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::signing::percent_encode(k),
                crate::signing::percent_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn flattens_scalars_lists_objects() {
        let v = json!({
            "Name": "x",
            "Enabled": true,
            "Off": false,
            "Port": 80,
            "Missing": null,
            "Empty": [],
            "Values": ["a", "b"],
            "Config": {"Key": "k", "Inner": {"N": 1}},
            "Tag": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": null}],
        });
        let p = flatten_value(&v).unwrap_or_default();
        let expected: Vec<(String, String)> = [
            ("Name", "x"),
            ("Enabled", "true"),
            ("Off", "false"),
            ("Port", "80"),
            ("Values.1", "a"),
            ("Values.2", "b"),
            ("Config.Key", "k"),
            ("Config.Inner.N", "1"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Tag.2.Key", "team"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(p, expected);
    }

    #[test]
    fn top_level_must_be_an_object() {
        assert!(flatten_value(&json!([1])).is_err());
        assert!(flatten_value(&json!("x")).is_err());
        assert_eq!(flatten_value(&Value::Null).ok(), Some(vec![]));
    }

    #[test]
    fn body_placement_matches_v3_sdk() {
        assert!(is_body_param("CreateRules", "Rules.1.RuleName"));
        assert!(is_body_param("CreateRules", "Rules"));
        assert!(!is_body_param("CreateRules", "ListenerId"));
        assert!(!is_body_param("CreateRules", "RulesX.1"));
        assert!(!is_body_param("CreateRule", "RuleConditions.1.Type"));
        assert!(is_body_param("UpdateRulesAttribute", "Rules.2.RuleId"));
        assert!(is_body_param(
            "AddServersToServerGroup",
            "Servers.1.ServerId"
        ));
        assert!(!is_body_param(
            "RemoveServersFromServerGroup",
            "Servers.1.ServerId"
        ));
        assert!(is_body_param(
            "ReplaceServersInServerGroup",
            "AddedServers.1.Port"
        ));
        assert!(!is_body_param(
            "ReplaceServersInServerGroup",
            "RemovedServers.1.Port"
        ));
        assert!(is_body_param(
            "UpdateServerGroupServersAttribute",
            "Servers.3.Weight"
        ));

        let (q, b) = split_query_body(
            "CreateRules",
            vec![
                ("ListenerId".into(), "lsn-1".into()),
                ("Rules.1.RuleName".into(), "r".into()),
                ("ClientToken".into(), "t".into()),
            ],
        );
        assert_eq!(get(&q, "ListenerId"), Some("lsn-1"));
        assert_eq!(get(&q, "ClientToken"), Some("t"));
        assert_eq!(get(&b, "Rules.1.RuleName"), Some("r"));
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn encodes_pairs_rfc3986() {
        let p = vec![
            ("A.1".to_string(), "x y*".to_string()),
            ("B".to_string(), "/p?q=1&r".to_string()),
        ];
        assert_eq!(encode_pairs(&p), "A.1=x%20y%2A&B=%2Fp%3Fq%3D1%26r");
    }
}
