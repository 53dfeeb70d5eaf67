//! Shared fixtures of the `reconcile_*` tests: a client of the mock, the two-listener
//! `alb_config` the ingresses are applied to, and creating it through the executor.

use std::time::Duration;

use acceptance_tests::mock::MockServer;
use alb_api::{Client, ClientConfig, Credentials, RetryPolicy};

use model::desired::DesiredLoadBalancer;
use model::spec::ConfigSpec;
use model::{expand_config, plan_config_ops};
use reconcile::Reconciler;
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// A client of `server` with the mock's default credentials, `timeout` per request and `retry`.
pub fn mock_client(server: &MockServer, timeout: Duration, retry: RetryPolicy) -> Client {
    let config = ClientConfig::new(
        "cn-hangzhou",
        Credentials::new("mock-access-key", "mock-secret-key"),
    )
    .with_endpoint(server.endpoint())
    .with_request_timeout(timeout)
    .with_retry(retry);
    Client::new(config).expect("client")
}

/// The desired `alb_config` `name`: two zones, HTTP:80 and HTTPS:443 (certificate `cert-1`).
pub fn two_listener_config(name: &str) -> DesiredLoadBalancer {
    let spec: ConfigSpec = serde_json::from_value(json!({
        "name": name,
        "vpc_id": "vpc-123",
        "zone_mapping": [
            {"zone_id": "cn-hangzhou-h", "vswitch_id": "vsw-h"},
            {"zone_id": "cn-hangzhou-i", "vswitch_id": "vsw-i"}
        ],
        "listener": [
            {"port": 80, "protocol": "HTTP"},
            {"port": 443, "protocol": "HTTPS", "certificate_ids": ["cert-1"]}
        ]
    }))
    .expect("config spec");
    expand_config(&spec).expect("expand config")
}

/// Creates `desired` for `cluster`; returns the load balancer id.
pub async fn create_config(r: &Reconciler, desired: &DesiredLoadBalancer, cluster: &str) -> String {
    let ops = plan_config_ops(desired, None, cluster);
    r.execute(None, &ops, &CancellationToken::new())
        .await
        .expect("create config")
        .created_load_balancer
        .expect("lb id")
}
