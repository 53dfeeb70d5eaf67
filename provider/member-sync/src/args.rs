//! Flags and environment variables. Region and credentials are read the way the provider reads
//! them: the region from `ALIBABA_CLOUD_REGION`, the credentials from the provider's credential
//! chain (`alb_api::credentials`: the key flags or `ALIBABA_CLOUD_*` variables, an `aliyun` CLI
//! profile, RRSA/OIDC, the ECS RAM role, a credentials URI); the Kubernetes client comes from
//! `cluster::connect` (kubeconfig files and context, else the in-cluster service account).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use alb_api::credentials::{CredentialSettings, CredentialsProvider};
use alb_api::{Client, ClientConfig};
use clap::Parser;
use cluster::KubernetesSettings;

use crate::logs::LogFormat;

/// `alb-member-sync` configuration.
#[derive(Clone, Debug, Parser)]
#[command(name = "alb-member-sync", version, about, args_override_self = true)]
pub struct Args {
    /// Region of the load balancers.
    #[arg(long, env = "ALIBABA_CLOUD_REGION")]
    pub region: String,
    /// ALB API endpoint override (e.g. a local mock); default: the region's public endpoint.
    #[arg(long, env = "ALB_ENDPOINT")]
    pub endpoint: Option<String>,
    /// AccessKey id; without a key, the rest of the provider's credential chain is tried (e.g.
    /// RRSA in an ACK pod).
    #[arg(long, env = "ALIBABA_CLOUD_ACCESS_KEY_ID", hide_env_values = true)]
    pub access_key: Option<String>,
    /// AccessKey secret.
    #[arg(long, env = "ALIBABA_CLOUD_ACCESS_KEY_SECRET", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// STS security token of temporary credentials.
    #[arg(long, env = "ALIBABA_CLOUD_SECURITY_TOKEN", hide_env_values = true)]
    pub security_token: Option<String>,
    /// Cluster id of the ownership tags: the provider's `cluster_id`.
    #[arg(long, env = "ALB_CLUSTER_ID", default_value = "default")]
    pub cluster_id: String,
    /// Kubeconfig files (merged in order); none: the in-cluster service account.
    #[arg(long, env = "KUBECONFIG", value_delimiter = ':')]
    pub kubeconfig: Vec<PathBuf>,
    /// Kubeconfig context.
    #[arg(long, env = "KUBE_CONTEXT")]
    pub context: Option<String>,
    /// Namespaces to watch (repeat or comma-separate); none: all namespaces.
    #[arg(
        long = "namespace",
        env = "ALB_MEMBER_SYNC_NAMESPACES",
        value_delimiter = ','
    )]
    pub namespaces: Vec<String>,
    /// Name of the Lease of the leader election.
    #[arg(long, env = "ALB_MEMBER_SYNC_LEASE", default_value = "alb-member-sync")]
    pub lease_name: String,
    /// Namespace of the Lease (the agent's own, from the downward API).
    #[arg(long, env = "POD_NAMESPACE", default_value = "kube-system")]
    pub lease_namespace: String,
    /// This replica's identity in the Lease (the pod name, from the downward API).
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,
    /// How long a Lease stays held without renewal (`15s`, `500ms`, `1m`).
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub lease_duration: Duration,
    /// How long the leader keeps leading while it cannot renew (shorter than the lease).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub renew_deadline: Duration,
    /// Pause between two acquire/renew attempts.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub retry_period: Duration,
    /// Quiet time a group waits after an event before it is reconciled (bursts coalesce).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub debounce: Duration,
    /// Groups reconciled at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Interval of re-listing the agent's server groups.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub relist: Duration,
    /// Interval of the full resync (every group read and converged even without events).
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub resync: Duration,
    /// Time a failed reconcile waits before it is retried.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub retry_after: Duration,
    /// While a readiness gate waits for its pod's health checks, interval of re-reading them.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub health_poll: Duration,
    /// On SIGTERM, time the current reconciles get to finish their API call.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
    /// Deadline of each wait for an asynchronous ALB job.
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub job_timeout: Duration,
    /// Address of `/healthz`, `/readyz` and `/metrics`.
    #[arg(long, env = "ALB_MEMBER_SYNC_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Log format.
    #[arg(long, value_enum, default_value = "json")]
    pub log_format: LogFormat,
}

impl Args {
    /// The ALB client: requests signed with the credential chain's source (temporary credentials
    /// renewed before they expire), the client's retries.
    pub fn alb_client(&self) -> Result<Client, alb_api::Error> {
        let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let settings = CredentialSettings {
            access_key: non_empty(&self.access_key),
            secret_key: non_empty(&self.secret_key),
            security_token: non_empty(&self.security_token),
            ..CredentialSettings::default()
        };
        let credentials =
            CredentialsProvider::from_settings(&settings, &|name| std::env::var(name).ok())?;
        let mut config = ClientConfig::new(&self.region, credentials);
        if let Some(endpoint) = &self.endpoint {
            config = config.with_endpoint(endpoint);
        }
        Client::new(config)
    }

    /// Where the Kubernetes client comes from.
    pub fn kubernetes(&self) -> KubernetesSettings {
        KubernetesSettings {
            config_paths: self.kubeconfig.clone(),
            config_context: self.context.clone(),
            ..KubernetesSettings::default()
        }
    }

    /// This replica's Lease identity: `--identity`, else the host name and process id.
    pub fn identity(&self) -> String {
        self.identity.clone().unwrap_or_else(|| {
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "alb-member-sync".into());
            format!("{host}-{}", std::process::id())
        })
    }
}

/// A duration written as a number and a unit: `500ms`, `15s`, `5m`, `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} has no unit (ms, s, m or h)"))?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a number"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m or h)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_number_and_a_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert!(parse_duration("15").unwrap_err().contains("no unit"));
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("3d").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn flags_and_defaults() {
        let args = Args::try_parse_from([
            "alb-member-sync",
            "--region=cn-hangzhou",
            "--access-key=a",
            "--secret-key=s",
            "--namespace=shop,web",
            "--debounce=200ms",
        ])
        .unwrap();
        assert_eq!(args.namespaces, ["shop", "web"]);
        assert_eq!(args.debounce, Duration::from_millis(200));
        assert_eq!(args.lease_duration, Duration::from_secs(15));
        assert!(args.renew_deadline < args.lease_duration);
        assert!(args.alb_client().is_ok());
    }
}
