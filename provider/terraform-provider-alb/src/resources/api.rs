//! The resources' access to the ALB API: the provider process's [`Session`] (one
//! [`alb_api::Client`] and one [`reconcile::Reconciler`] with its snapshot cache, built from the
//! provider settings), operation time limits, and turning [`ReconcileError`]s into Terraform
//! diagnostics.
//!
//! Typical use in an `apply`:
//!
//! ```text
//! let settings = self.settings.get()?;                       // Diagnostic when unconfigured
//! let limit = api::time_limit(&req.planned_state, "create");  // `timeouts.create` or the default
//! let reconciler = self.api.reconciler(&settings, limit)?;    // each wait ≤ limit
//! let deadline = api::Deadline::start(&ctx.cancel, limit);    // whole operation ≤ limit
//! match reconciler.execute(None, &ops, deadline.token()).await {
//!     Err(failure) => diagnostics.push(deadline.failure_diagnostic(&failure, "creating alb_config \"main\"")),
//!     Ok(report) => { /* … */ }
//! }
//! ```

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use alb_api::{Client, ClientConfig, RetryPolicy};
use model::spec::Timeouts;
use reconcile::{ExecFailure, ReconcileError, Reconciler};
use tfplugin::diag::Diagnostic;
use tfplugin::provider::CancellationToken;
use tfplugin::value::Value;
use tokio::task::JoinHandle;

use crate::config::{credential_diagnostic, ProviderSettings};

/// Time limit of an operation whose `timeouts` block leaves it unset (the schema documents it).
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(30 * 60);

/// The ALB client for `settings`: region, the credential chain's provider, endpoint override,
/// and the provider's `api_timeouts`: the default [`RetryPolicy`] with its `busy` and
/// `unreachable` budgets, `request` and `connect` per attempt.
pub fn client(settings: &ProviderSettings) -> Result<Client, Diagnostic> {
    let timeouts = settings.api_timeouts;
    let mut config = ClientConfig::new(&settings.region, settings.credentials.clone())
        .with_retry(RetryPolicy {
            max_elapsed: timeouts.busy,
            unreachable: timeouts.unreachable,
            ..RetryPolicy::default()
        })
        .with_request_timeout(timeouts.request)
        .with_connect_timeout(timeouts.connect);
    if let Some(endpoint) = &settings.endpoint {
        config = config.with_endpoint(endpoint);
    }
    Client::new(config).map_err(|e| {
        Diagnostic::error(
            "Invalid ALB API configuration",
            format!("Cannot build the ALB API client from the provider configuration: {e}."),
        )
    })
}

/// The ALB API of one provider process, shared by every resource and RPC (clones share it): one
/// [`Client`], so one connection pool, and one [`Reconciler`] whose snapshots share what
/// observations read of each load balancer until a write to it (see `reconcile`'s `snapshot`
/// module). Built on first use from the provider settings of that use.
///
/// Terraform starts a provider process for each operation it runs (validate, plan, apply,
/// import, …: a graph walk) and stops it when the walk ends (its trace log shows one `plugin
/// started` / `plugin exited` pair per walk; the plan and apply of one `terraform apply` are two
/// processes), so a snapshot never outlives the operation: the next one reads afresh. Within a plan, ReadResource
/// (refresh) and PlanResourceChange of every resource share the snapshots.
#[derive(Clone, Debug, Default)]
pub struct Session(Arc<OnceLock<Reconciler>>);

impl Session {
    /// The process's reconciler for `settings` (its client, see [`client`], and the cluster id
    /// of the ownership tags) whose every job or status wait gives up after `wait`.
    pub fn reconciler(
        &self,
        settings: &ProviderSettings,
        wait: Duration,
    ) -> Result<Reconciler, Diagnostic> {
        let shared = match self.0.get() {
            Some(shared) => shared,
            None => {
                let built = Reconciler::new(client(settings)?, settings.cluster_id.clone())
                    .with_snapshots();
                self.0.get_or_init(|| built)
            }
        };
        Ok(shared.clone().with_wait(wait))
    }
}

/// The time limit of `operation` (`create`, `update` or `delete`) from the `timeouts` block of a
/// resource value (state, plan or configuration); [`DEFAULT_TIME_LIMIT`] when unset or unknown.
pub fn time_limit(resource: &Value, operation: &str) -> Duration {
    resource
        .get("timeouts")
        .get(operation)
        .as_str()
        .and_then(Timeouts::parse)
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_TIME_LIMIT)
}

/// A duration for people: `10m`, `1m30s`, `45s`, `850ms`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    [(h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect()
}

/// The time limit of one operation: a cancellation token that fires when Terraform stops the
/// provider (the parent token) or when the limit has passed, whichever comes first. Execution
/// checks it between operations; waits are bounded by the reconciler's own wait deadline.
#[derive(Debug)]
pub struct Deadline {
    parent: CancellationToken,
    token: CancellationToken,
    limit: Duration,
    started: Instant,
    timer: JoinHandle<()>,
}

impl Deadline {
    /// Starts the clock (must run inside the Tokio runtime).
    pub fn start(parent: &CancellationToken, limit: Duration) -> Self {
        let token = parent.child_token();
        let timer_token = token.clone();
        let timer = tokio::spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(limit) => timer_token.cancel(),
                () = timer_token.cancelled() => {}
            }
        });
        Deadline {
            parent: parent.clone(),
            token,
            limit,
            started: Instant::now(),
            timer,
        }
    }

    /// The token to pass to `execute` / `delete_config`.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Whether the limit (not Terraform) cancelled the operation.
    pub fn expired(&self) -> bool {
        self.token.is_cancelled() && !self.parent.is_cancelled()
    }

    /// [`diagnostic_from`], except that a cancellation caused by the limit reads as a timeout
    /// naming the operation and the limit.
    pub fn diagnostic(&self, error: &ReconcileError, what: &str) -> Diagnostic {
        if matches!(error, ReconcileError::Cancelled) && self.expired() {
            return Diagnostic::error(
                format!("Timed out {what}"),
                format!(
                    "Timed out {what}: the time limit of {} passed after {} (raise it in the \
                     resource's `timeouts` block if the load balancer is just slow). What was \
                     done so far is recorded in the state.",
                    human(self.limit),
                    human(self.started.elapsed()),
                ),
            );
        }
        diagnostic_from(error, what)
    }

    /// [`Self::diagnostic`] for a failed run, naming the step that failed.
    pub fn failure_diagnostic(&self, failure: &ExecFailure, what: &str) -> Diagnostic {
        self.diagnostic(&failure.error, &format!("{what} (step {})", failure.op))
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.timer.abort();
    }
}

/// An error diagnostic for `error`, which happened while doing `what` (e.g. `creating
/// alb_config "main"`): rejected credentials, missing objects, timeouts (what was waited for and
/// how long), failed jobs, cancellation and deletion protection each get their own summary;
/// the detail always carries the API's message and request id when there is one.
pub fn diagnostic_from(error: &ReconcileError, what: &str) -> Diagnostic {
    match error {
        ReconcileError::Api(e) => api_diagnostic(e, what),
        ReconcileError::Timeout {
            what: waited_for,
            waited,
            last_seen,
        } => Diagnostic::error(
            format!("Timed out {what}"),
            format!(
                "Timed out {what}: waited {} for {waited_for} (last seen: {last_seen}). Raise the \
                 limit in the resource's `timeouts` block if the load balancer is just slow; what \
                 was done so far is recorded in the state.",
                human(*waited),
            ),
        ),
        ReconcileError::JobFailed { .. } => Diagnostic::error(
            "ALB operation failed",
            format!("An asynchronous ALB job failed while {what}: {error}."),
        ),
        ReconcileError::Cancelled => Diagnostic::error(
            "Operation cancelled",
            format!(
                "Terraform asked the provider to stop while {what}; nothing was started after \
                 the last completed step, and what was done is recorded in the state."
            ),
        ),
        ReconcileError::DeletionProtected { id } => Diagnostic::error(
            "Deletion protection is enabled",
            format!(
                "Load balancer {id} has deletion protection enabled, so it was not deleted while \
                 {what}: set deletion_protection = false and apply, then destroy."
            ),
        ),
        ReconcileError::Inconsistent(_) => Diagnostic::error(
            "Unexpected ALB state",
            format!("The ALB API returned something unexpected while {what}: {error}."),
        ),
    }
}

fn api_diagnostic(e: &alb_api::Error, what: &str) -> Diagnostic {
    use alb_api::Error as E;
    if let E::Credentials(error) = e {
        return credential_diagnostic(error);
    }
    if e.is_auth() {
        return Diagnostic::error(
            "Alibaba Cloud rejected the credentials",
            format!(
                "The ALB API rejected the credentials while {what}: {e}. Check the credential \
                 source the provider uses (`access_key` and `secret_key`, the \
                 ALIBABA_CLOUD_ACCESS_KEY_* variables, `profile`, `assume_role`, ...; see \
                 docs/guides/credentials.md)."
            ),
        );
    }
    if e.is_not_found() {
        return Diagnostic::error(
            "ALB object not found",
            format!("An object was not found while {what}: {e}."),
        );
    }
    if let E::Unreachable { .. } = e {
        return Diagnostic::error(
            "Cannot reach the ALB API",
            format!(
                "Cannot reach the ALB API while {what}: {e}. Check the provider's `endpoint` (or \
                 `region`) and the network; `api_timeouts` sets how long calls wait and retry."
            ),
        );
    }
    let summary = match e {
        E::Transport { .. } | E::Timeout { .. } => "Cannot reach the ALB API",
        E::DeadlineExceeded { .. } => "ALB API call kept failing",
        E::UnexpectedState { .. } => "Unexpected ALB state",
        E::InvalidRequest(_) => "Invalid ALB API request",
        _ => "ALB API error",
    };
    Diagnostic::error(summary, format!("ALB API call failed while {what}: {e}."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ApiTimeouts, KubernetesSettings};

    fn settings(endpoint: Option<&str>) -> ProviderSettings {
        ProviderSettings {
            region: "cn-hangzhou".into(),
            credentials: alb_api::Credentials::new("AK", "SK")
                .with_security_token("STS")
                .into(),
            endpoint: endpoint.map(str::to_string),
            cluster_id: "c1".into(),
            kubernetes: KubernetesSettings::default(),
            api_timeouts: ApiTimeouts::default(),
        }
    }

    #[test]
    fn builds_one_reconciler_per_process_from_settings() {
        let session = Session::default();
        let mock = settings(Some("http://127.0.0.1:18080"));
        let r = session
            .reconciler(&mock, Duration::from_secs(60))
            .expect("reconciler");
        assert_eq!(r.cluster_id(), "c1");
        assert_eq!(r.client().endpoint(), "http://127.0.0.1:18080");
        assert_eq!(r.client().region(), "cn-hangzhou");
        // Every later use shares the client (its call counters are one).
        let again = session
            .clone()
            .reconciler(&mock, Duration::from_secs(5))
            .expect("reconciler");
        assert!(r.client().same_pool(again.client()));
        let other = Session::default()
            .reconciler(&mock, Duration::from_secs(5))
            .expect("reconciler");
        assert!(!r.client().same_pool(other.client()));
        let bad = client(&settings(Some("http://")));
        assert_eq!(
            bad.err().map(|d| d.summary),
            Some("Invalid ALB API configuration".to_string())
        );
    }

    #[test]
    fn durations_print_for_people() {
        assert_eq!(human(Duration::from_secs(600)), "10m");
        assert_eq!(human(Duration::from_secs(3690)), "1h1m30s");
        assert_eq!(human(Duration::from_millis(850)), "850ms");
    }

    #[test]
    fn time_limit_reads_timeouts_block_or_defaults() {
        let value = Value::object([(
            "timeouts",
            Value::object([("create", Value::from("2m")), ("update", Value::Unknown)]),
        )]);
        assert_eq!(time_limit(&value, "create"), Duration::from_secs(120));
        assert_eq!(time_limit(&value, "update"), DEFAULT_TIME_LIMIT);
        assert_eq!(time_limit(&Value::Null, "delete"), DEFAULT_TIME_LIMIT);
    }

    #[test]
    fn errors_become_specific_diagnostics() {
        let auth = ReconcileError::Api(alb_api::Error::from_response(
            401,
            "InvalidAccessKeyId.NotFound".into(),
            "Specified access key is not found.".into(),
            "req-1".into(),
        ));
        let d = diagnostic_from(&auth, "reading alb_config \"main\"");
        assert_eq!(d.summary, "Alibaba Cloud rejected the credentials");
        assert!(
            d.detail.contains("reading alb_config \"main\""),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("req-1") && d.detail.contains("`access_key`"));
        assert!(
            d.detail.contains("docs/guides/credentials.md"),
            "{}",
            d.detail
        );

        let timeout = ReconcileError::Timeout {
            what: "load balancer alb-1 to be Active".into(),
            waited: Duration::from_secs(90),
            last_seen: "Provisioning".into(),
        };
        let d = diagnostic_from(&timeout, "creating alb_config \"main\"");
        assert_eq!(d.summary, "Timed out creating alb_config \"main\"");
        assert!(d
            .detail
            .contains("waited 1m30s for load balancer alb-1 to be Active"));
        assert!(d.detail.contains("Provisioning"));

        let protected = ReconcileError::DeletionProtected { id: "alb-1".into() };
        let d = diagnostic_from(&protected, "destroying");
        assert!(d
            .detail
            .contains("set deletion_protection = false and apply"));

        let missing = ReconcileError::Api(alb_api::Error::from_response(
            404,
            "ResourceNotFound.LoadBalancer".into(),
            "gone".into(),
            "req-2".into(),
        ));
        assert_eq!(
            diagnostic_from(&missing, "x").summary,
            "ALB object not found"
        );
    }

    #[tokio::test]
    async fn deadline_cancels_and_reports_a_timeout() {
        let parent = CancellationToken::new();
        let deadline = Deadline::start(&parent, Duration::from_millis(20));
        deadline.token().cancelled().await;
        assert!(deadline.expired());
        let d = deadline.diagnostic(&ReconcileError::Cancelled, "updating alb_config \"main\"");
        assert_eq!(d.summary, "Timed out updating alb_config \"main\"");
        assert!(d.detail.contains("time limit of 20ms"), "{}", d.detail);

        let stopped = Deadline::start(&parent, Duration::from_secs(60));
        parent.cancel();
        assert!(stopped.token().is_cancelled() && !stopped.expired());
        let d = stopped.diagnostic(&ReconcileError::Cancelled, "x");
        assert_eq!(d.summary, "Operation cancelled");
    }
}
