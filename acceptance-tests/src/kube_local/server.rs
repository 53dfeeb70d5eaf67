//! The HTTPS server: one handler for every request (health → authenticate → route →
//! authorize → verb), and [`KubeLocal`], which runs it on its own thread and writes the
//! kubeconfig.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State as AxumState};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;

use crate::background::BackgroundServer;

use super::auth::{authenticate, User};
use super::config::KubeLocalConfig;
use super::kubeconfig;
use super::metrics::{RequestCounters, RequestLabels};
use super::operations::{self, DeleteOptions, ListOptions, PatchType, Target};
use super::request::{patch_type, verb, Query};
use super::resources::by_kind;
use super::routes::{route, Route};
use super::status::{json_response, ApiStatus};
use super::store::Store;
use super::tls::{Identity, TlsListener};
use super::verb::Verb;
use super::watch::{self, WatchOptions};

/// Namespaces present at start, as on a fresh cluster.
const INITIAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code panics while holding the lock; recover the data if one ever did.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the request handlers share.
#[derive(Debug)]
struct Shared {
    store: Mutex<Store>,
    users: Vec<User>,
    server_address: String,
    bookmark_interval: Duration,
    namespace_termination: Duration,
    counters: Mutex<RequestCounters>,
}

impl Shared {
    fn handle(
        self: &Arc<Self>,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Response, ApiStatus> {
        let route = route(uri.path(), &self.server_address);
        if matches!(route, Route::Health) {
            return Ok("ok".into_response());
        }
        let user = authenticate(&self.users, headers)?;
        let target = match route {
            Route::Discovery(doc) => return Ok(json_response(200, &doc)),
            Route::Metrics if user.may(Verb::Get) => {
                return Ok(lock(&self.counters).render().into_response())
            }
            Route::Metrics => {
                return Err(ApiStatus::forbidden_non_resource(&user.name, uri.path()))
            }
            // Health was answered before authentication.
            Route::Health | Route::NotFound => return Err(ApiStatus::no_route()),
            Route::Resource(target) => target,
        };
        let query = Query::parse(uri);
        let verb = verb(method, &target, &query)?;
        let response = self
            .execute(user, verb, &target, &query, headers, body)
            .unwrap_or_else(IntoResponse::into_response);
        let apply = verb == Verb::Patch && matches!(patch_type(headers), Ok(PatchType::Apply));
        lock(&self.counters).record(RequestLabels::new(
            verb,
            apply,
            &target,
            response.status().as_u16(),
        ));
        Ok(response)
    }

    /// Runs an authenticated request's verb.
    fn execute(
        self: &Arc<Self>,
        user: &User,
        verb: Verb,
        target: &Target,
        query: &Query,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Response, ApiStatus> {
        if !user.may(verb) {
            return Err(ApiStatus::forbidden_user(
                target.resource,
                target.name.as_deref().unwrap_or_default(),
                &user.name,
                verb.name(),
                target.namespace.as_deref(),
            ));
        }
        let dry_run = query.dry_run();
        let mut store = lock(&self.store);
        let (code, body) = match verb {
            Verb::Get => (200, operations::get(&store, target)?),
            Verb::List => {
                let options = ListOptions {
                    selection: query.selection(target)?,
                    limit: query.number("limit")?.unwrap_or(0) as usize,
                    continue_token: query
                        .get("continue")
                        .filter(|c| !c.is_empty())
                        .map(str::to_string),
                    resource_version: query.get("resourceVersion").map(str::to_string),
                    resource_version_match: query.get("resourceVersionMatch").map(str::to_string),
                };
                (200, operations::list(&store, target, &options)?)
            }
            Verb::Watch => {
                let options = WatchOptions {
                    selection: query.selection(target)?,
                    resource_version: query.get("resourceVersion").map(str::to_string),
                    bookmarks: query.flag("allowWatchBookmarks"),
                    send_initial_events: query.flag("sendInitialEvents"),
                    timeout: query.number("timeoutSeconds")?.map(Duration::from_secs),
                };
                return watch::serve(&store, target.clone(), options, self.bookmark_interval);
            }
            Verb::Create => operations::create(&mut store, target, body, dry_run)?,
            Verb::Update => operations::update(&mut store, target, body, dry_run)?,
            Verb::Patch => operations::patch(
                &mut store,
                target,
                patch_type(headers)?,
                body,
                query.get("fieldManager"),
                dry_run,
            )?,
            Verb::Delete => {
                let mut options = DeleteOptions::parse(body)?;
                options.dry_run |= dry_run;
                let deletion = operations::delete(&mut store, target, &options)?;
                if let Some(namespace) = deletion.terminating_namespace {
                    self.finalize_later(namespace);
                }
                deletion.response
            }
            Verb::DeleteCollection => {
                let mut options = DeleteOptions::parse(body)?;
                options.dry_run |= dry_run;
                let selection = query.selection(target)?;
                (
                    200,
                    operations::delete_collection(&mut store, target, &selection, &options)?,
                )
            }
        };
        // Serialize after the lock is released.
        drop(store);
        Ok(json_response(code, &body))
    }

    /// Removes a terminating namespace and its content after the termination delay.
    fn finalize_later(self: &Arc<Self>, namespace: String) {
        let shared = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(shared.namespace_termination).await;
            operations::finalize_namespace(&mut lock(&shared.store), &namespace);
        });
    }
}

async fn handler(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let response = shared
        .handle(&method, &uri, &headers, &body)
        .unwrap_or_else(IntoResponse::into_response);
    tracing::debug!(%method, %uri, status = response.status().as_u16(), "request");
    response
}

/// A running kube-local API server. Dropping it stops the server.
#[derive(Debug)]
pub struct KubeLocal {
    addr: SocketAddr,
    ca_pem: String,
    users: Vec<User>,
    shared: Arc<Shared>,
    _background: BackgroundServer,
}

impl KubeLocal {
    /// Generates the CA and certificate, binds `config.listen`, serves HTTPS on a background
    /// thread and writes the kubeconfig if asked. Returns once the socket is listening.
    pub fn start(config: KubeLocalConfig) -> anyhow::Result<Self> {
        let std_listener = std::net::TcpListener::bind(config.listen)
            .with_context(|| format!("binding {}", config.listen))?;
        let addr = std_listener.local_addr()?;
        let identity = Identity::generate(addr.ip())?;
        let tls = identity.server_config()?;
        let users = config.users();
        let mut store = Store::new(config.history_limit);
        for name in INITIAL_NAMESPACES {
            operations::seed(
                &mut store,
                by_kind("Namespace"),
                json!({"metadata": {"name": name}}),
            )
            .map_err(|e| anyhow::anyhow!(e.message))?;
        }
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            users: users.clone(),
            server_address: addr.to_string(),
            bookmark_interval: config.bookmark_interval,
            namespace_termination: config.namespace_termination,
            counters: Mutex::new(RequestCounters::default()),
        });
        let app = Router::new()
            .fallback(handler)
            .layer(DefaultBodyLimit::max(3 * 1024 * 1024))
            .with_state(shared.clone());
        let background = BackgroundServer::start(
            "kube-local",
            std_listener,
            move |listener| TlsListener::new(listener, tls),
            app,
        )?;
        let server = Self {
            addr,
            ca_pem: identity.ca_pem,
            users,
            shared,
            _background: background,
        };
        if let Some(path) = &config.kubeconfig_out {
            server.write_kubeconfig(path)?;
        }
        tracing::info!(%addr, "kube-local listening");
        Ok(server)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT`.
    pub fn server_url(&self) -> String {
        let host = if self.addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            self.addr.ip().to_string()
        };
        match self.addr {
            SocketAddr::V6(_) if !self.addr.ip().is_unspecified() => {
                format!("https://[{host}]:{}", self.addr.port())
            }
            _ => format!("https://{host}:{}", self.addr.port()),
        }
    }

    /// PEM of the generated CA certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// How many requests with `verb` (`LIST`, `GET`, `WATCH`, `POST`, `PUT`, `PATCH`, `APPLY`,
    /// `DELETE`) reached `resource` (`endpointslices`), whatever their answer — the sum of
    /// `apiserver_request_total` on `/metrics`.
    pub fn request_count(&self, verb: &str, resource: &str) -> u64 {
        lock(&self.shared.counters).count(verb, resource)
    }

    /// The admin user's bearer token.
    pub fn token(&self) -> &str {
        &self.users[0].token
    }

    /// The kubeconfig YAML (current context `kube-local`, the admin).
    pub fn kubeconfig(&self) -> String {
        kubeconfig::render(&self.server_url(), &self.ca_pem, &self.users)
    }

    /// Writes the kubeconfig to `path` (mode 0600 on Unix, like kubectl's).
    pub fn write_kubeconfig(&self, path: &Path) -> anyhow::Result<()> {
        std::fs::write(path, self.kubeconfig())
            .with_context(|| format!("writing the kubeconfig {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }
}
