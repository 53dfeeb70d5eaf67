//! URL paths of the Kubernetes API: health, discovery and resource paths
//! (`/api/v1[/namespaces/{ns}]/{plural}[/{name}[/status]]` and the same under
//! `/apis/{group}/{version}`).

use serde_json::Value;

use super::operations::Target;
use super::resources::{self, find, serves_group_version};

/// What a path addresses.
#[derive(Debug)]
pub enum Route {
    /// `/healthz`, `/livez`, `/readyz` (no authentication needed).
    Health,
    /// `/metrics` (request counters).
    Metrics,
    /// A discovery document (`/version`, `/api`, `/apis`, resource lists).
    Discovery(Value),
    /// Objects of a resource.
    Resource(Target),
    /// Nothing served here.
    NotFound,
}

/// Resolves a path; `server_address` is what `/api` advertises.
pub fn route(path: &str, server_address: &str) -> Route {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["healthz" | "livez" | "readyz"] => Route::Health,
        ["metrics"] => Route::Metrics,
        ["version"] => Route::Discovery(resources::version_info()),
        ["api"] => Route::Discovery(resources::core_versions(server_address)),
        ["apis"] => Route::Discovery(resources::group_list()),
        ["api", "v1"] => Route::Discovery(resources::resource_list("", "v1")),
        ["apis", group] => resources::group(group).map_or(Route::NotFound, Route::Discovery),
        ["apis", group, version] if serves_group_version(group, version) => {
            Route::Discovery(resources::resource_list(group, version))
        }
        ["api", "v1", rest @ ..] => resource_route("", "v1", rest),
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => Route::NotFound,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let target = |plural: &str, namespace: Option<&str>, name: Option<&str>, status: bool| {
        let Some(resource) = find(group, version, plural) else {
            return Route::NotFound;
        };
        if namespace.is_some() && !resource.namespaced {
            return Route::NotFound;
        }
        if status && !resource.status_subresource {
            return Route::NotFound;
        }
        Route::Resource(Target {
            resource,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
            status,
        })
    };
    match rest {
        // Namespaces themselves (core group only).
        ["namespaces", name] if group.is_empty() => target("namespaces", None, Some(name), false),
        ["namespaces", name, "status"] if group.is_empty() => {
            target("namespaces", None, Some(name), true)
        }
        ["namespaces", ns, plural] => target(plural, Some(ns), None, false),
        ["namespaces", ns, plural, name] => target(plural, Some(ns), Some(name), false),
        ["namespaces", ns, plural, name, "status"] => target(plural, Some(ns), Some(name), true),
        [plural] => target(plural, None, None, false),
        [plural, name] => target(plural, None, Some(name), false),
        [plural, name, "status"] => target(plural, None, Some(name), true),
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> Target {
        match route(path, "") {
            Route::Resource(t) => t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn resource_paths() {
        let t = target("/api/v1/namespaces/shop/services/web/status");
        assert_eq!(
            (
                t.resource.kind,
                t.namespace.as_deref(),
                t.name.as_deref(),
                t.status
            ),
            ("Service", Some("shop"), Some("web"), true)
        );
        let t = target("/apis/discovery.k8s.io/v1/endpointslices");
        assert_eq!(
            (t.resource.kind, t.namespace, t.name),
            ("EndpointSlice", None, None)
        );
        let t = target("/api/v1/namespaces/shop");
        assert_eq!(
            (t.resource.kind, t.name.as_deref()),
            ("Namespace", Some("shop"))
        );
        let t = target("/api/v1/nodes/n1/status");
        assert!(t.status && t.resource.kind == "Node");
        for missing in [
            "/api/v1/namespaces/x/nodes",
            "/api/v1/foos",
            "/apis/coordination.k8s.io/v1/namespaces/a/leases/l/status",
            "/apis/apps/v1/deployments",
        ] {
            assert!(matches!(route(missing, ""), Route::NotFound), "{missing}");
        }
    }
}
