//! How kube-local runs: listen address, users, kubeconfig output, timings.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::auth::{Access, User};

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
            history_limit: 10_000,
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

    /// The users: the admin first (its token random when not given), then the optional ones.
    pub(super) fn users(&self) -> Vec<User> {
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
