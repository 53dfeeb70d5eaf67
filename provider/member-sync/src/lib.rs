//! `alb-member-sync`: an in-cluster agent that owns only the members of the server groups the
//! provider created with `member_sync = "agent"` (tags `alb.terraform/cluster=<cluster id>` and
//! `alb.terraform/members=agent`); Terraform keeps owning everything else.
//!
//! * [`caches`]: watches of Services, EndpointSlices, Nodes and Pods (`kube::runtime` watchers
//!   feeding reflector stores) and the triggers their events raise;
//! * [`desired`]: a group's members from those stores, with the provider's discovery code
//!   (`cluster::select`);
//! * [`sync`]: the leader's loop: groups re-listed periodically, per-group debounce, bounded
//!   concurrent reconciles with the provider's add-before-remove executor (`reconcile`), a
//!   periodic full resync;
//! * [`gates`]: the pod readiness gate [`gates::CONDITION_TYPE`];
//! * [`lease`]: leader election on a `coordination.k8s.io/v1` Lease;
//! * [`metrics`], [`http`] (`/healthz`, `/readyz`, `/metrics`), [`logs`], [`args`];
//! * [`run()`]: the wiring, and graceful shutdown on SIGTERM.

pub mod args;
pub mod caches;
pub mod desired;
pub mod gates;
pub mod http;
pub mod lease;
pub mod logs;
pub mod metrics;
mod run;
pub mod sync;

pub use args::Args;
pub use run::run;
