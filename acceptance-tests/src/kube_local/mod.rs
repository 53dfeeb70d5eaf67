//! kube-local: a local Kubernetes API server for tests and demos (also the `kube-local`
//! binary), faithful to the real API server where the provider and the tests touch it.
//!
//! * Transport: HTTPS with a certificate signed by a CA generated at start; bearer tokens
//!   (admin, optionally read-only and no-access users); no token or a wrong one is 401
//!   `Unauthorized`, a verb the user may not use is 403 `Forbidden`. [`KubeLocal::kubeconfig`]
//!   renders a kubeconfig with the server URL, the CA data and the tokens.
//! * Types: `v1` Namespaces, Services, Nodes, Pods, `discovery.k8s.io/v1` EndpointSlices and
//!   `coordination.k8s.io/v1` Leases, stored as JSON in memory, plus the discovery documents
//!   (`/version`, `/api`, `/apis`, resource lists).
//! * Verbs: get, list (label selectors `=`, `!=`, `in`, `notin`, exists, `!`; field selectors
//!   `metadata.name`, `metadata.namespace` and per-type fields such as `spec.nodeName` for
//!   Pods; `limit`/`continue` paging with consistent pages), create, update, patch (merge,
//!   strategic merge approximated by keyed list merges — see `patch` — and apply approximated
//!   by create-or-merge), delete (finalizers honoured, namespaces terminate then disappear with
//!   their content), deletecollection, and watch (see `watch`).
//! * Semantics: one global `resourceVersion`; stale updates are 409 `Conflict`; updates that
//!   change nothing keep the version; `.status` of Namespaces, Services, Nodes and Pods changes
//!   only through `/status`; Services get cluster IPs and node ports allocated (30000–32767)
//!   and keep them on update; errors are `Status` objects with the real reasons and codes
//!   (`NotFound` 404, `AlreadyExists` 409, `Conflict` 409, `Invalid` 422 with field causes,
//!   `Unauthorized` 401, `Forbidden` 403, `BadRequest` 400, `Expired` 410).
//! * Counters: `/metrics` serves `apiserver_request_total` by verb, resource and code;
//!   [`KubeLocal::request_count`] reads them in-process.
//! * Simplifications: no controllers (a Service's selector creates no EndpointSlices: tests
//!   write them, as the fixtures do), no admission chain, RBAC reduced to three access
//!   levels, no field ownership (managedFields), pods are deleted at once (no kubelet),
//!   allocation is sequential, JSON only (no protobuf, no YAML bodies).

mod auth;
mod config;
mod kinds;
mod kubeconfig;
mod metrics;
mod operations;
mod paging;
mod patch;
mod request;
mod resources;
mod routes;
mod selectors;
mod server;
mod shape;
mod status;
mod store;
mod tls;
mod validation;
mod verb;
mod watch;

pub use auth::Access;
pub use config::KubeLocalConfig;
pub use server::KubeLocal;
