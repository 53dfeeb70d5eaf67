//! The bridge between the pure domain model (`model`) and the ALB OpenAPI client (`alb_api`):
//!
//! * **observe** ([`Reconciler::observe_config`], [`Reconciler::find_config`],
//!   [`Reconciler::observe_ingress`]; for lookups [`Reconciler::find_by_name`] and
//!   [`Reconciler::listener_overviews`]): reads what exists and converts it into the model's
//!   actual-state types, which `model::plan_config_ops` / `model::plan_ingress_ops` diff against
//!   the desired state;
//! * **execute** ([`Reconciler::execute`], [`Reconciler::execute_marked`] with creation marks,
//!   [`Reconciler::delete_config`]): runs the model's
//!   ordered operations through the client, waiting for asynchronous jobs, resolving the ids of
//!   objects created earlier in the same run, and reporting what was done even when it fails
//!   midway ([`ExecFailure`]).
//!
//! Modules: `convert` (API ⇄ model conversions), `observe/{config,acl,ingress}` (reads),
//! `snapshot` (what each load balancer holds, read once per operation when shared, see
//! [`Reconciler::with_snapshots`]), `execute/{mod,run,config,acl,ingress,delete,marks}` (writes),
//! `error`.
//!
//! Idempotency: the main call of every operation carries the op's deterministic
//! `client_token`; the extra calls an operation needs (access log, additional certificates, a
//! second removal attempt …) carry tokens derived from it and from their parameters. A re-run
//! of the same operations after a crash therefore gets the earlier results back from the
//! service instead of creating duplicates, and the tag-based observation lets the next plan see
//! whatever was created.
//!

mod convert;
mod error;
mod execute;
mod observe;
mod snapshot;

use std::time::Duration;

use alb_api::{Client, WaitOptions};
use snapshot::Snapshots;

pub use error::{ConvertError, ReconcileError};
pub use execute::{CreationMarks, ExecFailure, ExecReport};
pub use observe::{FoundLoadBalancer, IngressReads, ListenerOverview};

/// Observes and changes one region's load balancers for one cluster id (the ownership tags'
/// `alb.terraform/cluster`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Reconciler {
    client: Client,
    cluster_id: String,
    wait: WaitOptions,
    snapshots: Snapshots,
}

impl Reconciler {
    /// A reconciler using `client`, owning objects tagged with `cluster_id`.
    pub fn new(client: Client, cluster_id: impl Into<String>) -> Self {
        Self {
            client,
            cluster_id: cluster_id.into(),
            wait: WaitOptions::default(),
            snapshots: Snapshots::default(),
        }
    }

    /// Shares what observations read of each load balancer between this reconciler and its
    /// clones until a run of operations through them writes to that load balancer (see the
    /// `snapshot` module): for a process that lives for one Terraform operation. Without it,
    /// every observation reads afresh.
    pub fn with_snapshots(mut self) -> Self {
        self.snapshots = Snapshots::shared();
        self
    }

    /// Sets the overall deadline of each wait for a job or a status (Terraform timeouts).
    pub fn with_wait(mut self, deadline: Duration) -> Self {
        self.wait.timeout = deadline;
        self
    }

    /// Sets every wait option (deadline, poll intervals).
    pub fn with_wait_options(mut self, options: WaitOptions) -> Self {
        self.wait = options;
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The cluster id of the ownership tags.
    pub fn cluster_id(&self) -> &str {
        &self.cluster_id
    }
}
