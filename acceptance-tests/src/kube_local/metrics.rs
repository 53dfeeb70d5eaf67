//! Request counters in the shape of the real API server's `apiserver_request_total`
//! (labels `verb`, `group`, `version`, `resource`, `subresource`, `scope`, `code`), served as
//! Prometheus text on `/metrics` and readable in-process, so benchmarks and tests can count
//! the LIST calls a client makes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::operations::Target;
use super::verb::Verb;

/// The labels of one counter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestLabels {
    /// `GET`, `LIST`, `WATCH`, `POST`, `PUT`, `PATCH`, `APPLY`, `DELETE`.
    pub verb: &'static str,
    /// API group (`""` for core).
    pub group: &'static str,
    /// API version.
    pub version: &'static str,
    /// Resource plural.
    pub resource: &'static str,
    /// `status` or `""`.
    pub subresource: &'static str,
    /// `resource` (one object), `namespace` or `cluster` (collections).
    pub scope: &'static str,
    /// HTTP status code of the answer.
    pub code: u16,
}

impl RequestLabels {
    /// The labels of a request with `verb` on `target` (`apply`: a server-side apply patch).
    pub fn new(verb: Verb, apply: bool, target: &Target, code: u16) -> Self {
        let verb = match verb {
            Verb::Get => "GET",
            Verb::List => "LIST",
            Verb::Watch => "WATCH",
            Verb::Create => "POST",
            Verb::Update => "PUT",
            Verb::Patch if apply => "APPLY",
            Verb::Patch => "PATCH",
            Verb::Delete | Verb::DeleteCollection => "DELETE",
        };
        let scope = if target.name.is_some() {
            "resource"
        } else if target.namespace.is_some() {
            "namespace"
        } else {
            "cluster"
        };
        Self {
            verb,
            group: target.resource.group,
            version: target.resource.version,
            resource: target.resource.plural,
            subresource: if target.status { "status" } else { "" },
            scope,
            code,
        }
    }
}

/// Counts of requests by labels.
#[derive(Debug, Default)]
pub struct RequestCounters(BTreeMap<RequestLabels, u64>);

impl RequestCounters {
    /// Counts one request.
    pub fn record(&mut self, labels: RequestLabels) {
        *self.0.entry(labels).or_default() += 1;
    }

    /// The requests with this verb (`LIST`, ...) on this resource (`endpointslices`), any code.
    pub fn count(&self, verb: &str, resource: &str) -> u64 {
        self.0
            .iter()
            .filter(|(l, _)| l.verb == verb && l.resource == resource)
            .map(|(_, n)| n)
            .sum()
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code.\n# TYPE apiserver_request_total counter\n",
        );
        for (l, n) in &self.0 {
            let _ = writeln!(
                out,
                "apiserver_request_total{{code=\"{}\",component=\"apiserver\",group=\"{}\",resource=\"{}\",scope=\"{}\",subresource=\"{}\",verb=\"{}\",version=\"{}\"}} {n}",
                l.code, l.group, l.resource, l.scope, l.subresource, l.verb, l.version
            );
        }
        out
    }
}
