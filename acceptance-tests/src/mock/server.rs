//! The HTTP server: one handler for every API call (parse → faults → authenticate → run →
//! respond), the admin routes, and [`MockServer`], which runs it all on its own thread.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::Value;

use super::actions::{self, Call};
use super::admin;
use super::auth::Verifier;
use super::config::MockConfig;
use super::error::ApiError;
use super::faults::{Counters, FaultEngine, Faults, Outcome};
use super::identity::{self, Identity, IdentitySettings};
use super::params::Params;
use super::state::{now_ms, Clock, State};
use super::wire::{self, Incoming, STS_VERSION};
use crate::background::BackgroundServer;

/// How often a withheld response checks whether the faults were replaced.
const HANG_POLL: Duration = Duration::from_millis(20);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code panics while holding these locks; recover the data if one ever did.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything the request handlers share.
#[derive(Debug)]
pub struct Shared {
    host_id: String,
    state: Mutex<State>,
    faults: Mutex<FaultEngine>,
    verifier: Verifier,
    identity: Identity,
    clock: Mutex<Clock>,
}

impl Shared {
    /// The STS and metadata fake.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The signature verifier (which also holds the issued keys).
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Current faults.
    pub fn faults(&self) -> Faults {
        lock(&self.faults).faults().clone()
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.faults).set_faults(faults);
    }

    /// Current counters.
    pub fn counters(&self) -> Counters {
        lock(&self.faults).counters().clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        lock(&self.faults).reset_counters();
    }

    /// Current time of the state clock.
    pub fn now(&self) -> u64 {
        lock(&self.clock).now()
    }

    /// Moves the state clock forward; returns `(now, frozen)`.
    pub fn advance(&self, ms: u64) -> (u64, bool) {
        let mut clock = lock(&self.clock);
        clock.advance(ms);
        (clock.now(), clock.is_frozen())
    }

    /// Whole state in API shapes as of now.
    pub fn snapshot(&self) -> Value {
        let now = self.now();
        let mut state = lock(&self.state);
        state.settle(now);
        actions::snapshot(&state, now)
    }

    /// Where the current rules of `listener` send `req` (`None`: no such listener).
    pub fn route(&self, listener: &str, req: &::model::routing::Request) -> Option<Value> {
        let now = self.now();
        let mut state = lock(&self.state);
        state.settle(now);
        let store = &state.store;
        store.listeners.get(listener)?;
        let rules = store.rules.values().filter(|r| r.listener_id == listener);
        Some(super::routing::answer(listener, rules, req))
    }

    /// Pins the health GetListenerHealthStatus reports for server `server_id` of group `group`
    /// (`Healthy`, `Unhealthy`, `Initial`; `None` unpins: the clock decides again). `Err` names
    /// an unknown group or health.
    pub fn pin_health(
        &self,
        group: &str,
        server_id: &str,
        health: Option<&str>,
    ) -> Result<(), String> {
        if health.is_some_and(|h| !actions::health::PINNABLE.contains(&h)) {
            return Err(format!(
                "health must be one of {:?}",
                actions::health::PINNABLE
            ));
        }
        let mut state = lock(&self.state);
        if !state.store.server_groups.contains_key(group) {
            return Err(format!("no server group {group}"));
        }
        let key = actions::health::pin_key(group, server_id);
        match health {
            Some(h) => state.store.health_pins.insert(key, h.to_owned()),
            None => state.store.health_pins.remove(&key),
        };
        state.persist().map_err(|e| e.message)
    }

    /// Forgets objects, nonces and counters.
    pub fn reset(&self) -> Result<(), ApiError> {
        lock(&self.faults).reset_counters();
        self.verifier.forget_nonces();
        lock(&self.state).reset()
    }

    /// Runs one API call and renders its response.
    async fn handle(&self, req: Incoming) -> Response {
        let request_id = wire::request_id();
        let action = req.action().unwrap_or_default().to_string();
        if req.version() == Some(STS_VERSION) {
            return match self.identity.sts(&self.verifier, &req, &action) {
                Ok(body) => wire::success(&request_id, body),
                Err(e) => {
                    tracing::debug!(%action, code = %e.code, "sts error");
                    wire::error(&request_id, "sts.aliyuncs.com", &e)
                }
            };
        }
        let counted = if action.is_empty() {
            "(none)"
        } else {
            action.as_str()
        };
        let decision = lock(&self.faults).decide(counted);
        if decision.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
        }
        let result = match self.verifier.verify(&req, now_ms()) {
            Err(e) => Err(e),
            Ok(_) if action.is_empty() => Err(ApiError::missing("Action")),
            Ok(_) if !actions::is_known(&action) => Err(ApiError::new(
                404,
                "InvalidAction.NotFound",
                format!("Specified api '{action}' is not found, please check your url and method."),
            )),
            Ok(access_key_id) => {
                if let Some(err) = decision.reject {
                    tracing::debug!(%action, code = %err.code, "injected fault");
                    return wire::error(&request_id, &self.host_id, &err);
                }
                self.run(&req, &action, &access_key_id, self.now())
            }
        };
        let outcome = if result.is_ok() {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        };
        lock(&self.faults).record(counted, outcome, decision.drop);
        if let Err(e) = &result {
            tracing::debug!(%action, code = %e.code, status = e.status, "api error");
            lock(&self.faults).count_error(counted, &e.code);
        }
        if result.is_ok() && actions::is_mutating(&action) {
            let hang = lock(&self.faults).count_write(&action);
            if let Some(generation) = hang {
                tracing::debug!(%action, "withholding the response (hang_at_write)");
                while lock(&self.faults).generation() == generation {
                    tokio::time::sleep(HANG_POLL).await;
                }
                return wire::dropped();
            }
        }
        if decision.drop {
            tracing::debug!(%action, "dropping response");
            return wire::dropped();
        }
        match result {
            Ok(body) => wire::success(&request_id, body),
            Err(e) => wire::error(&request_id, &self.host_id, &e),
        }
    }

    fn run(
        &self,
        req: &Incoming,
        action: &str,
        access_key_id: &str,
        now: u64,
    ) -> Result<serde_json::Map<String, Value>, ApiError> {
        let business = req.business_params();
        let params = Params::parse(&business)?;
        let busy_window_ms = lock(&self.faults).faults().busy_window_ms;
        let call = Call {
            action,
            params: &params,
            business: &business,
            access_key_id,
            now,
            busy_window_ms,
        };
        actions::execute(&mut lock(&self.state), &call)
    }
}

async fn api(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared
        .handle(Incoming::new(&method, &uri, &headers, body))
        .await
}

async fn not_found(AxumState(shared): AxumState<Arc<Shared>>, uri: Uri) -> Response {
    let err = ApiError::new(
        404,
        "InvalidAction.NotFound",
        format!(
            "Specified api is not found, please check your url and method ({}).",
            uri.path()
        ),
    );
    wire::error(&wire::request_id(), &shared.host_id, &err)
}

/// A running mock ALB API server. Dropping it stops the server.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _server: BackgroundServer,
}

impl MockServer {
    /// Loads the state file (if any), binds `config.listen` and serves on a background thread.
    /// Returns once the socket is listening.
    pub fn start(config: MockConfig) -> anyhow::Result<Self> {
        config.faults.validate().map_err(anyhow::Error::msg)?;
        if config.credentials.is_empty() {
            anyhow::bail!("at least one access key is required");
        }
        let state = State::open(
            config.state_file.as_deref(),
            &config.region,
            config.async_delay_ms,
            config.seed,
        )?;
        let shared = Arc::new(Shared {
            host_id: format!("alb.{}.aliyuncs.com", config.region),
            state: Mutex::new(state),
            faults: Mutex::new(FaultEngine::new(config.faults.clone(), config.seed)),
            verifier: Verifier::new(&config.credentials),
            identity: Identity::default(),
            clock: Mutex::new(Clock::new(config.frozen_clock)),
        });
        let app = Router::new()
            .route("/", any(api))
            .merge(admin::router())
            .merge(identity::router())
            .fallback(not_found)
            .with_state(shared.clone());

        let std_listener = std::net::TcpListener::bind(config.listen)
            .with_context(|| format!("binding {}", config.listen))?;
        let addr = std_listener.local_addr()?;
        let server = BackgroundServer::start("alb-mock", std_listener, Ok, app)?;
        shared.identity.set(config.identity.clone());
        tracing::info!(%addr, "alb-mock listening");
        Ok(Self {
            addr,
            shared,
            _server: server,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The whole state in API shapes (same as `GET /__mock/state`).
    pub fn state(&self) -> Value {
        self.shared.snapshot()
    }

    /// Call counters (same as `GET /__mock/counters`).
    pub fn counters(&self) -> Counters {
        self.shared.counters()
    }

    /// Sets every counter back to zero (objects stay), so a test counts one phase's calls.
    pub fn reset_counters(&self) {
        self.shared.reset_counters();
    }

    /// Current faults.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the faults; rates outside 0–1 are clamped.
    pub fn set_faults(&self, mut faults: Faults) {
        for rate in [
            &mut faults.throttle_rate,
            &mut faults.error_rate,
            &mut faults.drop_rate,
        ] {
            *rate = if rate.is_nan() {
                0.0
            } else {
                rate.clamp(0.0, 1.0)
            };
        }
        self.shared.set_faults(faults);
    }

    /// Moves the clock of transitional states and jobs forward (same as `POST /__mock/clock`).
    /// With [`MockConfig::frozen_clock`] this is the only way time passes for them.
    pub fn advance(&self, by: Duration) {
        self.shared
            .advance(u64::try_from(by.as_millis()).unwrap_or(u64::MAX));
    }

    /// Replaces what the STS and metadata fake accepts and how long its keys live.
    pub fn set_identity(&self, settings: IdentitySettings) {
        self.shared.identity.set(settings);
    }

    /// Keys the STS and metadata fake issued, per way of issuance (`AssumeRole`,
    /// `AssumeRoleWithOIDC`, `EcsRamRole`, `CredentialsUri`).
    pub fn issued_credentials(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared.identity.issued()
    }

    /// The secrets and security tokens of every key issued so far.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared
            .verifier
            .issued()
            .into_iter()
            .flat_map(|c| [Some(c.access_key_secret), c.security_token])
            .flatten()
            .collect()
    }

    /// Pins the health the mock reports for a server (same as `PUT /__mock/health`; see
    /// [`Shared::pin_health`]).
    pub fn pin_health(
        &self,
        group: &str,
        server_id: &str,
        health: Option<&str>,
    ) -> anyhow::Result<()> {
        self.shared
            .pin_health(group, server_id, health)
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// Forgets all objects, nonces and counters (same as `POST /__mock/reset`).
    pub fn reset(&self) -> anyhow::Result<()> {
        self.shared.reset().map_err(|e| anyhow::anyhow!(e))
    }
}
