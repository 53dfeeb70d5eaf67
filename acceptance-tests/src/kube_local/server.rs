//! The HTTPS server: one handler for every request (health → authenticate → route →
//! authorize → verb), and [`KubeLocal`], which runs it on its own thread and writes the
//! kubeconfig.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
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

use super::auth::{authenticate, Access, User};
use super::kubeconfig;
use super::operations::{self, DeleteOptions, ListOptions, PatchType, Target};
use super::resources::by_kind;
use super::routes::{route, Route};
use super::selectors::{FieldSelector, LabelSelector, Selection};
use super::status::{json_response, ApiStatus};
use super::store::Store;
use super::tls::{Identity, TlsListener};
use super::watch::{self, WatchOptions};

/// Namespaces present at start, as on a fresh cluster.
const INITIAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// How kube-local runs.
#[derive(Debug, Clone)]
pub struct KubeLocalConfig {
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Bearer token of the admin user (`kube-local-admin`); random when `None`.
    pub token: Option<String>,
    /// Token of a user allowed only get/list/watch (`kube-local-reader`).
    pub read_only_token: Option<String>,
    /// Token of an authenticated user allowed nothing (`kube-local-nobody`): every resource
    /// request is 403 Forbidden.
    pub no_access_token: Option<String>,
    /// Where to write the kubeconfig.
    pub kubeconfig_out: Option<PathBuf>,
    /// How long a deleted namespace stays `Terminating` before it and its content are gone.
    pub namespace_termination: Duration,
    /// How often a watch with `allowWatchBookmarks=true` gets a `BOOKMARK`.
    pub bookmark_interval: Duration,
    /// How many change events are kept for watches and `continue` tokens.
    pub history_limit: usize,
}

impl Default for KubeLocalConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: None,
            read_only_token: None,
            no_access_token: None,
            kubeconfig_out: None,
            namespace_termination: Duration::from_millis(100),
            bookmark_interval: Duration::from_secs(60),
            history_limit: 100_000,
        }
    }
}

impl KubeLocalConfig {
    /// Sets the listen address.
    pub fn listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Sets the admin token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Adds the read-only user.
    pub fn read_only_token(mut self, token: impl Into<String>) -> Self {
        self.read_only_token = Some(token.into());
        self
    }

    /// Adds the user without permissions.
    pub fn no_access_token(mut self, token: impl Into<String>) -> Self {
        self.no_access_token = Some(token.into());
        self
    }

    /// Writes the kubeconfig to `path` at start.
    pub fn kubeconfig_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.kubeconfig_out = Some(path.into());
        self
    }

    /// Sets the bookmark interval.
    pub fn bookmark_interval(mut self, interval: Duration) -> Self {
        self.bookmark_interval = interval;
        self
    }

    /// Sets how many events the history keeps.
    pub fn history_limit(mut self, events: usize) -> Self {
        self.history_limit = events;
        self
    }

    fn users(&self) -> Vec<User> {
        let admin = self
            .token
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let mut users = vec![User {
            token: admin,
            name: "kube-local-admin".into(),
            access: Access::Admin,
        }];
        for (token, name, access) in [
            (&self.read_only_token, "kube-local-reader", Access::ReadOnly),
            (&self.no_access_token, "kube-local-nobody", Access::None),
        ] {
            if let Some(token) = token {
                users.push(User {
                    token: token.clone(),
                    name: name.into(),
                    access,
                });
            }
        }
        users
    }
}

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
}

/// Query parameters by name (the last value wins).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(uri: &Uri) -> Self {
        Self(
            form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1"))
    }

    fn selection(&self, target: &Target) -> Result<Selection, ApiStatus> {
        Ok(Selection {
            labels: LabelSelector::parse(self.get("labelSelector").unwrap_or_default())?,
            fields: FieldSelector::parse(
                self.get("fieldSelector").unwrap_or_default(),
                target.resource,
            )?,
        })
    }

    fn number(&self, name: &str) -> Result<Option<u64>, ApiStatus> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiStatus::bad_request(format!("invalid value for {name}: {v}")))
            })
            .transpose()
    }

    fn dry_run(&self) -> bool {
        self.get("dryRun").is_some_and(|v| v == "All")
    }
}

fn patch_type(headers: &HeaderMap) -> Result<PatchType, ApiStatus> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    match media {
        "application/merge-patch+json" => Ok(PatchType::Merge),
        "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
        "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(PatchType::Apply),
        other => Err(ApiStatus::unsupported_media_type(other)),
    }
}

/// The verb of a request on `target`.
fn verb(method: &Method, target: &Target, query: &Query) -> Result<&'static str, ApiStatus> {
    let named = target.name.is_some();
    let whole_cluster = target.resource.namespaced && target.namespace.is_none();
    let verb = match (method.as_str(), named) {
        ("GET", true) => "get",
        ("GET", false) if query.flag("watch") => "watch",
        ("GET", false) => "list",
        ("POST", false) => "create",
        ("PUT", true) => "update",
        ("PATCH", true) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        (m, _) => return Err(ApiStatus::method_not_allowed(m, target.resource)),
    };
    if whole_cluster && !matches!(verb, "list" | "watch") {
        return Err(ApiStatus::method_not_allowed(
            method.as_str(),
            target.resource,
        ));
    }
    if target.status && !matches!(verb, "get" | "update" | "patch") {
        return Err(ApiStatus::method_not_allowed(
            method.as_str(),
            target.resource,
        ));
    }
    Ok(verb)
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
            Route::Health => unreachable!("answered above"),
            Route::Discovery(doc) => return Ok(json_response(200, &doc)),
            Route::NotFound => return Err(ApiStatus::no_route()),
            Route::Resource(target) => target,
        };
        let query = Query::parse(uri);
        let verb = verb(method, &target, &query)?;
        if !user.may(verb) {
            return Err(ApiStatus::forbidden_user(
                target.resource,
                target.name.as_deref().unwrap_or_default(),
                &user.name,
                verb,
                target.namespace.as_deref(),
            ));
        }
        let dry_run = query.dry_run();
        let mut store = lock(&self.store);
        let (code, body) = match verb {
            "get" => (200, operations::get(&store, &target)?),
            "list" => {
                let options = ListOptions {
                    selection: query.selection(&target)?,
                    limit: query.number("limit")?.unwrap_or(0) as usize,
                    continue_token: query
                        .get("continue")
                        .filter(|c| !c.is_empty())
                        .map(str::to_string),
                    resource_version: query.get("resourceVersion").map(str::to_string),
                    resource_version_match: query.get("resourceVersionMatch").map(str::to_string),
                };
                (200, operations::list(&store, &target, &options)?)
            }
            "watch" => {
                let options = WatchOptions {
                    selection: query.selection(&target)?,
                    resource_version: query.get("resourceVersion").map(str::to_string),
                    bookmarks: query.flag("allowWatchBookmarks"),
                    send_initial_events: query.flag("sendInitialEvents"),
                    timeout: query.number("timeoutSeconds")?.map(Duration::from_secs),
                };
                return watch::serve(&store, target, options, self.bookmark_interval);
            }
            "create" => operations::create(&mut store, &target, body, dry_run)?,
            "update" => operations::update(&mut store, &target, body, dry_run)?,
            "patch" => operations::patch(
                &mut store,
                &target,
                patch_type(headers)?,
                body,
                query.get("fieldManager"),
                dry_run,
            )?,
            "delete" => {
                let mut options = DeleteOptions::parse(body)?;
                options.dry_run |= dry_run;
                let deletion = operations::delete(&mut store, &target, &options)?;
                if let Some(namespace) = deletion.terminating_namespace {
                    self.finalize_later(namespace);
                }
                deletion.response
            }
            "deletecollection" => {
                let mut options = DeleteOptions::parse(body)?;
                options.dry_run |= dry_run;
                let selection = query.selection(&target)?;
                (
                    200,
                    operations::delete_collection(&mut store, &target, &selection, &options)?,
                )
            }
            other => unreachable!("verb() returns no {other}"),
        };
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
        });
        let app = Router::new()
            .fallback(handler)
            .layer(DefaultBodyLimit::max(3 * 1024 * 1024))
            .with_state(shared);
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
