//! `alb-mock`: a local Alibaba Cloud ALB OpenAPI server for tests and demos.
//! Every option can also be given as an `ALB_MOCK_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use acceptance_tests::mock::{load_credentials_file, Credential, Faults, MockConfig, MockServer};
use clap::Parser;

/// A faithful local ALB OpenAPI (2020-06-16) server: real wire format, V3 and V1 signatures,
/// asynchronous jobs, strict validation with the real error codes, and fault injection.
///
/// Admin API (no signature): GET/PUT /__mock/faults, GET /__mock/state, GET /__mock/counters,
/// GET/POST /__mock/clock ({"advance_ms": N} fast-forwards async states), POST /__mock/reset.
#[derive(Debug, Parser)]
#[command(name = "alb-mock", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "ALB_MOCK_LISTEN", default_value = "127.0.0.1:18080")]
    listen: SocketAddr,

    /// AccessKeyId accepted by the mock.
    #[arg(long, env = "ALB_MOCK_ACCESS_KEY", default_value = "mock-access-key")]
    access_key: String,

    /// AccessKeySecret of --access-key.
    #[arg(long, env = "ALB_MOCK_SECRET_KEY", default_value = "mock-secret-key")]
    secret_key: String,

    /// STS security token required with --access-key (makes it an STS key).
    #[arg(long, env = "ALB_MOCK_SECURITY_TOKEN")]
    security_token: Option<String>,

    /// More accepted keys: a JSON array of {"access_key_id","access_key_secret","security_token"?}
    /// or lines "ACCESS_KEY_ID SECRET" or "ACCESS_KEY_ID SECRET SECURITY_TOKEN" ('#' starts a comment).
    #[arg(long, env = "ALB_MOCK_CREDENTIALS_FILE")]
    credentials_file: Option<PathBuf>,

    /// Region served (DNS names, RegionId, HostId).
    #[arg(long, env = "ALB_MOCK_REGION", default_value = "cn-hangzhou")]
    region: String,

    /// JSON state file: loaded at start, rewritten after every change.
    #[arg(long, env = "ALB_MOCK_STATE_FILE")]
    state_file: Option<PathBuf>,

    /// How long objects stay Provisioning/Configuring/Creating and jobs stay Processing.
    #[arg(long, env = "ALB_MOCK_ASYNC_DELAY_MS", default_value_t = 200)]
    async_delay_ms: u64,

    /// Probability (0-1) that a call is refused with Throttling.User (HTTP 400).
    #[arg(long, env = "ALB_MOCK_THROTTLE_RATE", default_value_t = 0.0)]
    throttle_rate: f64,

    /// Probability (0-1) that a call fails with InternalError (500) or ServiceUnavailable (503).
    #[arg(long, env = "ALB_MOCK_ERROR_RATE", default_value_t = 0.0)]
    error_rate: f64,

    /// Probability (0-1) that a call is applied but its response is lost (connection closed
    /// without a complete response).
    #[arg(long, env = "ALB_MOCK_DROP_RATE", default_value_t = 0.0)]
    drop_rate: f64,

    /// Delay added to every call, in milliseconds.
    #[arg(long, env = "ALB_MOCK_LATENCY_MS", default_value_t = 0)]
    latency_ms: u64,

    /// Each write keeps the objects it touches busy (transitional) for at least this long,
    /// even after its job reports Succeeded.
    #[arg(long, env = "ALB_MOCK_BUSY_WINDOW_MS", default_value_t = 0)]
    busy_window_ms: u64,

    /// Restrict rate faults and latency to these actions (comma separated; default all).
    #[arg(long, env = "ALB_MOCK_FAULT_ACTIONS", value_delimiter = ',')]
    fault_actions: Vec<String>,

    /// Seed for ids and fault decisions: the same calls give the same faults and ids.
    #[arg(long, env = "ALB_MOCK_SEED")]
    seed: Option<u64>,
}

impl Args {
    fn config(self) -> anyhow::Result<MockConfig> {
        let mut primary = Credential::new(self.access_key, self.secret_key);
        if let Some(token) = self.security_token {
            primary = primary.with_security_token(token);
        }
        let mut config = MockConfig::default()
            .listen(self.listen)
            .region(self.region)
            .async_delay_ms(self.async_delay_ms)
            .faults(
                Faults::none()
                    .throttle_rate(self.throttle_rate)
                    .error_rate(self.error_rate)
                    .drop_rate(self.drop_rate)
                    .latency_ms(self.latency_ms)
                    .busy_window_ms(self.busy_window_ms)
                    .actions(self.fault_actions),
            );
        config.credentials = vec![primary];
        if let Some(path) = self.credentials_file {
            config.credentials.extend(load_credentials_file(&path)?);
        }
        if let Some(path) = self.state_file {
            config = config.state_file(path);
        }
        if let Some(seed) = self.seed {
            config = config.seed(seed);
        }
        Ok(config)
    }
}

fn main() -> anyhow::Result<()> {
    acceptance_tests::cli::init_tracing();
    let server = MockServer::start(Args::parse().config()?)?;
    println!("alb-mock listening on {}", server.endpoint());
    acceptance_tests::cli::wait_for_signal()?;
    drop(server);
    Ok(())
}
