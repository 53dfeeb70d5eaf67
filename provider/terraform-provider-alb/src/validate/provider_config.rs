//! Validation of the provider configuration block.

use tfplugin::diag::Diagnostics;
use tfplugin::value::Value;

use super::check::{format, int_range, only_when, Node};
use super::formats::is_duration;

/// Shortest lifetime of role credentials STS issues, in seconds (`DurationSeconds` of AssumeRole
/// and AssumeRoleWithOIDC).
pub const MIN_SESSION_EXPIRATION: i64 = 900;
/// Longest lifetime of role credentials STS issues, in seconds: a role's maximum session duration
/// is at most 12 hours (a role configured for less refuses longer sessions at configure time).
pub const MAX_SESSION_EXPIRATION: i64 = 43_200;

/// Checks the formats of the provider block (credentials are checked at configure time, when the
/// environment fallbacks are resolved). Unknown values pass.
pub fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::default();
    let root = Node::root(config);
    format(
        &mut d,
        &root.attr("endpoint"),
        "endpoint",
        is_http_url,
        "an `http://` or `https://` URL such as `http://127.0.0.1:18080`",
    );
    for (name, what) in [
        ("sts_endpoint", "STS endpoint"),
        ("ecs_metadata_endpoint", "ECS metadata endpoint"),
        ("credentials_uri", "credentials URI"),
    ] {
        format(
            &mut d,
            &root.attr(name),
            what,
            is_http_url,
            "an `http://` or `https://` URL",
        );
    }
    format(
        &mut d,
        &root.attr("kubernetes").attr("host"),
        "Kubernetes host",
        is_http_url,
        "an `http://` or `https://` URL such as `https://10.0.0.1:6443`",
    );
    for role in ["assume_role", "assume_role_with_oidc"] {
        int_range(
            &mut d,
            &root.attr(role).attr("session_expiration"),
            "session expiration",
            MIN_SESSION_EXPIRATION,
            MAX_SESSION_EXPIRATION,
        );
    }
    let kubernetes = root.attr("kubernetes");
    only_when(
        &mut d,
        &kubernetes.attr("config_paths"),
        Some(kubernetes.attr("config_path").presence().is_absent()),
        "Conflicting kubeconfig paths",
        "Set either `config_path` or `config_paths` in the `kubernetes` block, not both.",
    );
    if let Some(timeouts) = root.block("api_timeouts") {
        for name in ["connect", "request", "unreachable", "busy"] {
            format(
                &mut d,
                &timeouts.attr(name),
                "API timeout",
                is_duration,
                "a positive duration such as `5s`, `2m` or `1m30s`",
            );
        }
    }
    d
}

/// `http://` or `https://` followed by a non-empty host.
fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Summary and attribute path of each diagnostic.
    fn found(diagnostics: &Diagnostics) -> Vec<String> {
        diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}|{}",
                    d.summary,
                    d.attribute
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn session_expiration_is_within_what_sts_issues() {
        let config = |seconds: i64| {
            Value::object([
                (
                    "assume_role",
                    Value::object([("session_expiration", Value::from(seconds))]),
                ),
                (
                    "assume_role_with_oidc",
                    Value::object([("session_expiration", Value::from(seconds + 1))]),
                ),
            ])
        };
        assert_eq!(found(&validate(&config(900))), Vec::<String>::new());
        assert_eq!(found(&validate(&config(43_199))), Vec::<String>::new());
        assert_eq!(
            found(&validate(&config(899))),
            ["Invalid session expiration|assume_role.session_expiration"]
        );
        assert_eq!(
            found(&validate(&config(43_200))),
            ["Invalid session expiration|assume_role_with_oidc.session_expiration"]
        );
        let unknown = Value::object([(
            "assume_role",
            Value::object([("session_expiration", Value::Unknown)]),
        )]);
        assert!(validate(&unknown).is_empty());
    }

    #[test]
    fn config_path_and_config_paths_conflict() {
        let config = |paths: Value| {
            Value::object([(
                "kubernetes",
                Value::object([("config_path", Value::from("/a")), ("config_paths", paths)]),
            )])
        };
        let conflict = validate(&config(Value::List(vec![Value::from("/b")])));
        assert_eq!(
            found(&conflict),
            ["Conflicting kubeconfig paths|kubernetes.config_paths"]
        );
        assert!(validate(&config(Value::Null)).iter().next().is_none());
    }
}
