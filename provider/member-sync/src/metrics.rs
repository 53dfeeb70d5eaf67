//! Prometheus metrics (`prometheus-client`): members added and removed, reconciles and their
//! latency, queue depth, leadership, readiness gates opened, and the ALB client's calls and
//! errors by code (read from the client's counters at each scrape).

use alb_api::Client;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Label set of one label.
type Labels = Vec<(&'static str, String)>;

/// The agent's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Members registered.
    pub members_added: Counter,
    /// Members deregistered.
    pub members_removed: Counter,
    /// Reconciles by `result` (`ok`, `unchanged`, `error`, `backend_error`).
    reconciles: Family<Labels, Counter>,
    /// Reconcile latency.
    pub reconcile_seconds: Histogram,
    /// Groups waiting for a reconcile.
    pub queue_depth: Gauge,
    /// Agent groups known.
    pub groups: Gauge,
    /// 1 while this replica holds the Lease.
    pub leader: Gauge,
    /// Readiness-gate conditions set True.
    pub gates_opened: Counter,
}

impl Metrics {
    /// The metrics, with the ALB API counters of `client`.
    pub fn new(client: Client) -> Self {
        let metrics = Self {
            registry: Registry::with_prefix("alb_member_sync"),
            members_added: Counter::default(),
            members_removed: Counter::default(),
            reconciles: Family::default(),
            reconcile_seconds: Histogram::new(exponential_buckets(0.005, 2.0, 14)),
            queue_depth: Gauge::default(),
            groups: Gauge::default(),
            leader: Gauge::default(),
            gates_opened: Counter::default(),
        };
        let mut registry = Registry::with_prefix("alb_member_sync");
        registry.register(
            "members_added",
            "Members registered in server groups",
            metrics.members_added.clone(),
        );
        registry.register(
            "members_removed",
            "Members deregistered from server groups",
            metrics.members_removed.clone(),
        );
        registry.register(
            "reconciles",
            "Group reconciles by result",
            metrics.reconciles.clone(),
        );
        registry.register(
            "reconcile_duration_seconds",
            "Time of one group reconcile",
            metrics.reconcile_seconds.clone(),
        );
        registry.register(
            "queue_depth",
            "Groups waiting for a reconcile",
            metrics.queue_depth.clone(),
        );
        registry.register(
            "groups",
            "Server groups whose members the agent owns",
            metrics.groups.clone(),
        );
        registry.register(
            "leader",
            "1 while this replica holds the Lease",
            metrics.leader.clone(),
        );
        registry.register(
            "readiness_gates_opened",
            "Pod readiness-gate conditions set True",
            metrics.gates_opened.clone(),
        );
        registry.register_collector(Box::new(ApiCounters(client)));
        Self {
            registry,
            ..metrics
        }
    }

    /// Counts one reconcile ending with `result`.
    pub fn reconciled(&self, result: &'static str) {
        self.reconciles
            .get_or_create(&vec![("result", result.to_owned())])
            .inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::warn!(%error, "metrics not encoded");
        }
        text
    }
}

/// `alb_api_calls_total{action}` and `alb_api_errors_total{code}` from the client's counters
/// (failed attempts included, so throttling the client retried shows too).
#[derive(Debug)]
struct ApiCounters(Client);

impl Collector for ApiCounters {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let snapshot = self.0.metrics();
        for (name, help, label, values) in [
            (
                "alb_api_calls",
                "ALB API calls by action (retries not counted)",
                "action",
                &snapshot.calls,
            ),
            (
                "alb_api_attempts",
                "ALB API HTTP attempts by action (retries counted)",
                "action",
                &snapshot.attempts,
            ),
            (
                "alb_api_errors",
                "Failed ALB API attempts by error code (retried ones included)",
                "code",
                &snapshot.errors,
            ),
        ] {
            let probe = ConstCounter::new(0u64);
            let mut family = encoder.encode_descriptor(name, help, None, probe.metric_type())?;
            for (value, count) in values {
                let labels: Labels = vec![(label, value.clone())];
                ConstCounter::new(*count).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alb_api::{ClientConfig, Credentials};

    #[test]
    fn exposition_names_every_metric() {
        let client =
            Client::new(ClientConfig::new("cn-hangzhou", Credentials::new("a", "s"))).unwrap();
        let metrics = Metrics::new(client);
        metrics.members_added.inc_by(3);
        metrics.reconciled("ok");
        let text = metrics.encode();
        for line in [
            "alb_member_sync_members_added_total 3",
            "alb_member_sync_reconciles_total{result=\"ok\"} 1",
            "# TYPE alb_member_sync_alb_api_errors counter",
            "# TYPE alb_member_sync_queue_depth gauge",
        ] {
            assert!(text.contains(line), "{line} missing in\n{text}");
        }
    }
}
