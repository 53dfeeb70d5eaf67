//! The provider's resolved `kubernetes` block: where the cluster is and how to authenticate.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// How to reach the Kubernetes cluster, in the style of the kubernetes and helm providers.
///
/// Precedence when connecting: `host` (with `token`, `exec`, `cluster_ca_certificate`), else the
/// kubeconfig files of `config_paths` (merged in order, `config_context` or their current context),
/// else the in-cluster service account when the provider runs in a pod.
#[derive(Clone, Default, PartialEq)]
pub struct KubernetesSettings {
    /// Kubeconfig files, in merge order.
    pub config_paths: Vec<PathBuf>,
    /// Kubeconfig context.
    pub config_context: Option<String>,
    /// API server URL.
    pub host: Option<String>,
    /// Bearer token for `host`.
    pub token: Option<String>,
    /// PEM CA certificate of the API server.
    pub cluster_ca_certificate: Option<String>,
    /// Skip TLS verification of the API server.
    pub insecure: bool,
    /// Credential plugin for `host`, as a kubeconfig `exec` entry carries it.
    pub exec: Option<ExecSettings>,
}

/// A client-go credential plugin: a command printing an `ExecCredential` with a token.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecSettings {
    /// `client.authentication.k8s.io/v1` or `v1beta1`.
    pub api_version: String,
    /// The command to run.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: BTreeMap<String, String>,
}

impl fmt::Debug for KubernetesSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubernetesSettings")
            .field("config_paths", &self.config_paths)
            .field("config_context", &self.config_context)
            .field("host", &self.host)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("cluster_ca_certificate", &self.cluster_ca_certificate)
            .field("insecure", &self.insecure)
            .field("exec", &self.exec)
            .finish()
    }
}
