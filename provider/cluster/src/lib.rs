//! Everything Kubernetes for the provider: a `kube` client from the provider's `kubernetes` block
//! ([`KubernetesSettings`]) and member discovery ([`Cluster::discover`]) from `v1` Services and
//! Nodes and `discovery.k8s.io/v1` EndpointSlices into the model's members.
//!
//! `model` stays free of I/O: this crate depends on it, never the other way.

pub mod connect;
pub mod discover;
pub mod error;
pub mod objects;
pub mod select;
pub mod settings;

pub use discover::{Cluster, Discovered};
pub use error::{BackendError, ClusterError};
pub use settings::{ExecSettings, KubernetesSettings};
