//! A `kube::Config` from [`KubernetesSettings`], with bounded timeouts. kube does the work:
//! kubeconfig parsing and merging, contexts, exec credential plugins, token files, in-cluster
//! service accounts; this module only decides which source applies.

use std::time::Duration;

use base64::Engine as _;
use kube::config::{
    AuthInfo, Cluster, Context, ExecConfig, KubeConfigOptions, Kubeconfig, NamedAuthInfo,
    NamedCluster, NamedContext,
};
use kube::Config;

use crate::error::ClusterError;
use crate::settings::{ExecSettings, KubernetesSettings};

/// Time allowed to open a connection to the API server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Time allowed for one API request (one page of a list) to be answered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Name of the in-memory kubeconfig entries built from `host`.
const INLINE: &str = "terraform-provider-alb";

/// The client configuration `settings` select: `host` first, then the kubeconfig files, then the
/// in-cluster service account.
pub async fn config(settings: &KubernetesSettings) -> Result<Config, ClusterError> {
    let mut config = if let Some(host) = &settings.host {
        from_kubeconfig(inline_kubeconfig(host, settings), None).await?
    } else if !settings.config_paths.is_empty() {
        let mut merged = Kubeconfig::default();
        for path in &settings.config_paths {
            let file = Kubeconfig::read_from(path).map_err(|e| ClusterError::Config {
                detail: format!("kubeconfig {}: {}", path.display(), chain(&e)),
            })?;
            merged = merged.merge(file).map_err(config_error)?;
        }
        from_kubeconfig(merged, settings.config_context.clone()).await?
    } else if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        Config::incluster().map_err(config_error)?
    } else {
        return Err(ClusterError::NotConfigured);
    };
    if settings.insecure {
        config.accept_invalid_certs = true;
    }
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(REQUEST_TIMEOUT);
    config.reset_reader_on_write = true;
    config.write_timeout = Some(REQUEST_TIMEOUT);
    Ok(config)
}

async fn from_kubeconfig(
    kubeconfig: Kubeconfig,
    context: Option<String>,
) -> Result<Config, ClusterError> {
    let options = KubeConfigOptions {
        context,
        ..KubeConfigOptions::default()
    };
    Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(config_error)
}

/// A one-context kubeconfig for `host`, its CA, token and credential plugin.
fn inline_kubeconfig(host: &str, settings: &KubernetesSettings) -> Kubeconfig {
    let cluster = Cluster {
        server: Some(host.to_string()),
        insecure_skip_tls_verify: Some(settings.insecure),
        certificate_authority_data: settings
            .cluster_ca_certificate
            .as_ref()
            .map(|pem| base64::engine::general_purpose::STANDARD.encode(pem)),
        ..Cluster::default()
    };
    let user = AuthInfo {
        token: settings.token.clone().map(Into::into),
        exec: settings.exec.as_ref().map(exec_config),
        ..AuthInfo::default()
    };
    Kubeconfig {
        clusters: vec![NamedCluster {
            name: INLINE.into(),
            cluster: Some(cluster),
            ..NamedCluster::default()
        }],
        auth_infos: vec![NamedAuthInfo {
            name: INLINE.into(),
            auth_info: Some(user),
            ..NamedAuthInfo::default()
        }],
        contexts: vec![NamedContext {
            name: INLINE.into(),
            context: Some(Context {
                cluster: INLINE.into(),
                user: Some(INLINE.into()),
                ..Context::default()
            }),
            ..NamedContext::default()
        }],
        current_context: Some(INLINE.into()),
        ..Kubeconfig::default()
    }
}

fn exec_config(exec: &ExecSettings) -> ExecConfig {
    ExecConfig {
        api_version: Some(exec.api_version.clone()),
        command: Some(exec.command.clone()),
        args: Some(exec.args.clone()),
        env: Some(
            exec.env
                .iter()
                .map(|(name, value)| {
                    [
                        ("name".to_string(), name.clone()),
                        ("value".to_string(), value.clone()),
                    ]
                    .into_iter()
                    .collect()
                })
                .collect(),
        ),
        ..ExecConfig::default()
    }
}

fn config_error(error: impl std::error::Error) -> ClusterError {
    ClusterError::Config {
        detail: chain(&error),
    }
}

/// An error and its sources, joined by `: `.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
