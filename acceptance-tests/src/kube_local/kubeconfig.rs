//! The kubeconfig file kube-local writes: one cluster (server URL and CA data), one user and
//! context per token (`kube-local` is the admin and the current context; `kube-local-read-only`
//! and `kube-local-no-access` when those tokens are configured).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::auth::{Access, User};

/// The context name of a user.
pub fn context_name(user: &User) -> String {
    match user.access {
        Access::Admin => "kube-local".to_string(),
        Access::ReadOnly => "kube-local-read-only".to_string(),
        Access::None => "kube-local-no-access".to_string(),
    }
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Renders the kubeconfig YAML for `server` (`https://127.0.0.1:PORT`), the CA PEM and the
/// users; the first user's context is the current one.
pub fn render(server: &str, ca_pem: &str, users: &[User]) -> String {
    let mut out = String::from("apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n");
    out.push_str(&format!(
        "- name: kube-local\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n",
        quoted(server),
        quoted(&STANDARD.encode(ca_pem))
    ));
    out.push_str("users:\n");
    for user in users {
        out.push_str(&format!(
            "- name: {}\n  user:\n    token: {}\n",
            quoted(&user.name),
            quoted(&user.token)
        ));
    }
    out.push_str("contexts:\n");
    for user in users {
        out.push_str(&format!(
            "- name: {}\n  context:\n    cluster: kube-local\n    user: {}\n    namespace: default\n",
            quoted(&context_name(user)),
            quoted(&user.name)
        ));
    }
    let current = users.first().map(context_name).unwrap_or_default();
    out.push_str(&format!("current-context: {}\n", quoted(&current)));
    out
}
