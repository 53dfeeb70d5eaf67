//! Resolution of the provider configuration (plus environment fallbacks) into [`ProviderSettings`].

use std::path::PathBuf;
use std::time::Duration;

use alb_api::credentials::{
    profile_region, AssumeRole, CredentialError, CredentialSettings, CredentialsProvider, OidcRole,
    DEFAULT_SESSION_NAME,
};
use model::spec::Timeouts;

use cluster::{ExecSettings, KubernetesSettings};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Value;

/// Default of `cluster_id`.
pub const DEFAULT_CLUSTER_ID: &str = "default";

/// Environment variables read when the corresponding attribute is not set (the credential
/// chain's are in [`alb_api::credentials::env`]).
pub mod env {
    /// Fallback of `region`.
    pub const REGION: &str = "ALIBABA_CLOUD_REGION";
    /// Second fallback of `region` (the alicloud provider's name).
    pub const REGION_ALIAS: &str = "ALICLOUD_REGION";
    /// First fallback of `kubernetes.config_path`.
    pub const KUBE_CONFIG_PATH: &str = "KUBE_CONFIG_PATH";
    /// Second fallback of `kubernetes.config_path` (a path list).
    pub const KUBECONFIG: &str = "KUBECONFIG";
}

/// The resolved provider configuration the resources build their clients from.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderSettings {
    /// Region of the load balancers.
    pub region: String,
    /// The credentials signing ALB calls, from the first configured source of the chain
    /// (renewed before they expire).
    pub credentials: CredentialsProvider,
    /// ALB API endpoint override (e.g. a local mock).
    pub endpoint: Option<String>,
    /// Cluster identity written into ownership tags.
    pub cluster_id: String,
    /// How to reach the Kubernetes cluster.
    pub kubernetes: KubernetesSettings,
    /// Timeouts and retry budgets of ALB API calls.
    pub api_timeouts: ApiTimeouts,
}

/// The resolved `api_timeouts` block: how long ALB API calls may take and keep retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiTimeouts {
    /// Establishing a connection (DNS, TCP, TLS) in one attempt (`connect`, default 5 s).
    pub connect: Duration,
    /// One attempt, from sending to the whole response (`request`, default 30 s).
    pub request: Duration,
    /// How long a call retries while the endpoint gives no answer at all (`unreachable`,
    /// default 30 s).
    pub unreachable: Duration,
    /// How long a call retries throttling, busy resources and server errors (`busy`, default
    /// 3 minutes).
    pub busy: Duration,
}

impl Default for ApiTimeouts {
    fn default() -> Self {
        ApiTimeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
            unreachable: Duration::from_secs(30),
            busy: Duration::from_secs(180),
        }
    }
}

impl ApiTimeouts {
    /// The `api_timeouts` block (null: every default); unset or malformed durations (validation
    /// reports those) keep their default.
    fn from_block(block: &Value) -> Self {
        let defaults = ApiTimeouts::default();
        let get = |name: &str, default: Duration| {
            block
                .get(name)
                .as_str()
                .and_then(Timeouts::parse)
                .filter(|d| !d.is_zero())
                .unwrap_or(default)
        };
        ApiTimeouts {
            connect: get("connect", defaults.connect),
            request: get("request", defaults.request),
            unreachable: get("unreachable", defaults.unreachable),
            busy: get("busy", defaults.busy),
        }
    }
}

/// Outcome of resolving a configuration.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// Every value is known and complete.
    Ready(Box<ProviderSettings>),
    /// Some attributes depend on values known only after apply (the names, joined by ", ").
    Deferred(String),
}

/// Resolves `config` (the provider block) with `env` as the environment.
///
/// Unknown values defer the resolution; a missing region names the attribute and its environment
/// variable; a missing or wrongly configured credential source is one error naming the source.
/// Nothing is fetched here: [`ProviderSettings::credentials`] fetches on first use.
pub fn resolve(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolution, Diagnostics> {
    let unknown = unknown_attributes(config);
    if !unknown.is_empty() {
        return Ok(Resolution::Deferred(unknown.join(", ")));
    }
    let mut diagnostics = Diagnostics::default();
    let credential_settings = credential_settings(config);
    let region = text(config.get("region"))
        .or_else(|| non_empty(env(env::REGION)))
        .or_else(|| non_empty(env(env::REGION_ALIAS)))
        .or_else(|| profile_region(&credential_settings, env));
    if region.is_none() {
        diagnostics.push(
            Diagnostic::error(
                "Missing ALB region",
                format!(
                    "Missing ALB region: set `region` in the provider block, the {} (or {}) \
                     environment variable, or `region_id` in the aliyun CLI profile named by \
                     `profile`.",
                    env::REGION,
                    env::REGION_ALIAS
                ),
            )
            .at(AttributePath::root().attr("region")),
        );
    }
    let credentials = CredentialsProvider::from_settings(&credential_settings, env).map_err(|e| {
        diagnostics.push(credential_diagnostic(&e).at(AttributePath::root().attr(e.attribute())))
    });
    let (Some(region), Ok(credentials)) = (region, credentials) else {
        return Err(diagnostics);
    };

    Ok(Resolution::Ready(Box::new(ProviderSettings {
        region,
        credentials,
        endpoint: text(config.get("endpoint")),
        cluster_id: text(config.get("cluster_id"))
            .unwrap_or_else(|| DEFAULT_CLUSTER_ID.to_string()),
        kubernetes: kubernetes(config.get("kubernetes"), env),
        api_timeouts: ApiTimeouts::from_block(config.get("api_timeouts")),
    })))
}

/// The credential chain's inputs in the provider block.
fn credential_settings(config: &Value) -> CredentialSettings {
    let assume = config.get("assume_role");
    let oidc = config.get("assume_role_with_oidc");
    let seconds = |block: &Value| {
        block
            .get("session_expiration")
            .as_i64()
            .and_then(|n| u64::try_from(n).ok())
    };
    CredentialSettings {
        access_key: text(config.get("access_key")),
        secret_key: text(config.get("secret_key")),
        security_token: text(config.get("security_token")),
        profile: text(config.get("profile")),
        shared_credentials_file: text(config.get("shared_credentials_file")),
        assume_role: text(assume.get("role_arn")).map(|role_arn| AssumeRole {
            role_arn,
            session_name: text(assume.get("session_name"))
                .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string()),
            policy: text(assume.get("policy")),
            session_expiration: seconds(assume),
            external_id: text(assume.get("external_id")),
        }),
        assume_role_with_oidc: (!oidc.is_null()).then(|| OidcRole {
            role_arn: text(oidc.get("role_arn")).unwrap_or_default(),
            oidc_provider_arn: text(oidc.get("oidc_provider_arn")).unwrap_or_default(),
            oidc_token_file: text(oidc.get("oidc_token_file")).unwrap_or_default(),
            session_name: text(oidc.get("session_name")).unwrap_or_default(),
            policy: text(oidc.get("policy")),
            session_expiration: seconds(oidc),
        }),
        ecs_role_name: text(config.get("ecs_role_name")),
        credentials_uri: text(config.get("credentials_uri")),
        sts_endpoint: text(config.get("sts_endpoint")),
        ecs_metadata_endpoint: text(config.get("ecs_metadata_endpoint")),
    }
}

/// One diagnostic for a credential source that is missing, misconfigured or failing (see
/// [`CredentialError::attribute`] for the provider attribute it concerns).
pub fn credential_diagnostic(error: &CredentialError) -> Diagnostic {
    let summary = match error {
        CredentialError::Missing => "Missing Alibaba Cloud credentials",
        CredentialError::Config { .. } => "Invalid Alibaba Cloud credential source",
        CredentialError::Fetch { .. } => "Cannot get Alibaba Cloud credentials",
    };
    Diagnostic::error(
        summary,
        format!(
            "{summary}: {error}. The provider's credential sources and their order are described \
             in docs/guides/credentials.md."
        ),
    )
}

/// The `kubernetes` block; `config_path`/`config_paths` fall back to `KUBE_CONFIG_PATH`, then the
/// `KUBECONFIG` path list.
fn kubernetes(block: &Value, env: &dyn Fn(&str) -> Option<String>) -> KubernetesSettings {
    let listed: Vec<PathBuf> = strings(block.get("config_paths"))
        .into_iter()
        .map(PathBuf::from)
        .collect();
    let config_paths = match text(block.get("config_path")) {
        Some(path) => vec![PathBuf::from(path)],
        None => kubeconfig_paths(listed, env),
    };
    let exec = block.get("exec");
    KubernetesSettings {
        config_paths,
        config_context: text(block.get("config_context")),
        host: text(block.get("host")),
        token: text(block.get("token")),
        cluster_ca_certificate: text(block.get("cluster_ca_certificate")),
        insecure: block.get("insecure").as_bool().unwrap_or(false),
        exec: text(exec.get("command")).map(|command| ExecSettings {
            api_version: text(exec.get("api_version")).unwrap_or_default(),
            command,
            args: strings(exec.get("args")),
            env: exec
                .get("env")
                .as_map()
                .into_iter()
                .flatten()
                .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
                .collect(),
        }),
    }
}

/// Kubeconfig files: `listed` when not empty, else `KUBE_CONFIG_PATH`, else the `KUBECONFIG`
/// path list (the `kubernetes` block's fallbacks, also used by `generate --from-cluster`).
pub fn kubeconfig_paths(
    listed: Vec<PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<PathBuf> {
    if !listed.is_empty() {
        return listed;
    }
    match non_empty(env(env::KUBE_CONFIG_PATH)) {
        Some(path) => vec![PathBuf::from(path)],
        None => non_empty(env(env::KUBECONFIG))
            .map(|list| std::env::split_paths(&list).collect())
            .unwrap_or_default(),
    }
}

/// The known strings of a `list(string)` attribute.
fn strings(value: &Value) -> Vec<String> {
    value
        .as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(text)
        .collect()
}

/// Paths (as text) of the attributes in `config` that are unknown.
fn unknown_attributes(config: &Value) -> Vec<String> {
    let mut unknown = Vec::new();
    config.walk(&mut |path, value| {
        if value.is_unknown() {
            unknown.push(if path.0.is_empty() {
                "the whole provider block".to_string()
            } else {
                path.to_string()
            });
        }
    });
    unknown
}

/// A known, non-empty string attribute.
fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_string())
        }
    }

    /// The fixed keys the settings sign with.
    fn keys(settings: &ProviderSettings) -> alb_api::Credentials {
        match settings.credentials.fixed_keys() {
            Some(keys) => keys.clone(),
            None => panic!("expected fixed keys, got {:?}", settings.credentials),
        }
    }

    fn ready(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> ProviderSettings {
        match resolve(config, env) {
            Ok(Resolution::Ready(settings)) => *settings,
            other => panic!("expected settings, got {other:?}"),
        }
    }

    #[test]
    fn attributes_win_over_environment() {
        let config = Value::object([
            ("region", Value::from("cn-beijing")),
            ("access_key", Value::from("AK")),
            ("secret_key", Value::from("SK")),
            ("endpoint", Value::from("http://127.0.0.1:18080")),
            (
                "kubernetes",
                Value::object([("config_path", Value::from("/k/config"))]),
            ),
        ]);
        let env = env_of(&[
            (env::REGION, "cn-hangzhou"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ENV_AK"),
            (env::KUBECONFIG, "/a:/b"),
        ]);
        let settings = ready(&config, &env);
        assert_eq!(settings.region, "cn-beijing");
        assert_eq!(keys(&settings).access_key_id, "AK");
        assert_eq!(keys(&settings).access_key_secret, "SK");
        assert_eq!(settings.endpoint.as_deref(), Some("http://127.0.0.1:18080"));
        assert_eq!(settings.cluster_id, DEFAULT_CLUSTER_ID);
        assert_eq!(settings.api_timeouts, ApiTimeouts::default());
        assert_eq!(
            settings.kubernetes.config_paths,
            vec![PathBuf::from("/k/config")]
        );
    }

    #[test]
    fn environment_fills_unset_attributes() {
        let config = Value::object([("region", Value::from(""))]);
        let env = env_of(&[
            (env::REGION_ALIAS, "cn-hangzhou"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ENV_AK"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ENV_SK"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "ENV_TOKEN"),
            (env::KUBECONFIG, "/a:/b"),
        ]);
        let settings = ready(&config, &env);
        assert_eq!(settings.region, "cn-hangzhou");
        let keys = keys(&settings);
        assert_eq!(keys.access_key_id, "ENV_AK");
        assert_eq!(keys.access_key_secret, "ENV_SK");
        assert_eq!(keys.security_token.as_deref(), Some("ENV_TOKEN"));
        assert_eq!(
            settings.kubernetes.config_paths,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }

    #[test]
    fn region_falls_back_to_the_named_profile_after_the_environment() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("config.json");
        let profiles = r#"{"current": "a", "profiles": [
            {"name": "a", "mode": "AK", "access_key_id": "A", "access_key_secret": "S"},
            {"name": "p", "mode": "AK", "access_key_id": "P", "access_key_secret": "S",
             "region_id": "cn-shanghai"}]}"#;
        std::fs::write(&file, profiles).expect("write the profile file");
        let config = Value::object([
            ("profile", Value::from("p")),
            (
                "shared_credentials_file",
                Value::from(file.display().to_string().as_str()),
            ),
        ]);
        assert_eq!(ready(&config, &env_of(&[])).region, "cn-shanghai");
        let env = env_of(&[(env::REGION_ALIAS, "cn-beijing")]);
        assert_eq!(ready(&config, &env).region, "cn-beijing");
        let current = Value::object([(
            "shared_credentials_file",
            Value::from(file.display().to_string().as_str()),
        )]);
        let Err(diagnostics) = resolve(&current, &env_of(&[])) else {
            panic!("the current profile has no region_id");
        };
        assert!(diagnostics
            .iter()
            .any(|d| d.summary == "Missing ALB region" && d.detail.contains("region_id")));
    }

    #[test]
    fn kubeconfig_path_list_host_and_exec_plugin() {
        let base = [
            ("region", Value::from("cn-hangzhou")),
            ("access_key", Value::from("AK")),
            ("secret_key", Value::from("SK")),
        ];
        let with = |kubernetes: Value| {
            let mut fields: Vec<(&str, Value)> = base.to_vec();
            fields.push(("kubernetes", kubernetes));
            ready(
                &Value::object(fields),
                &env_of(&[(env::KUBECONFIG, "/env")]),
            )
        };
        let listed = with(Value::object([(
            "config_paths",
            Value::List(vec![Value::from("/one"), Value::from("/two")]),
        )]));
        assert_eq!(
            listed.kubernetes.config_paths,
            vec![PathBuf::from("/one"), PathBuf::from("/two")]
        );
        let plugin = with(Value::object([
            ("host", Value::from("https://10.0.0.1:6443")),
            (
                "exec",
                Value::object([
                    (
                        "api_version",
                        Value::from("client.authentication.k8s.io/v1"),
                    ),
                    ("command", Value::from("get-token")),
                    (
                        "args",
                        Value::List(vec![Value::from("--cluster"), Value::from("c1")]),
                    ),
                    (
                        "env",
                        Value::Map([("REGION".to_string(), Value::from("cn-hangzhou"))].into()),
                    ),
                ]),
            ),
        ]));
        assert_eq!(
            plugin.kubernetes.host.as_deref(),
            Some("https://10.0.0.1:6443")
        );
        assert_eq!(
            plugin.kubernetes.exec,
            Some(ExecSettings {
                api_version: "client.authentication.k8s.io/v1".into(),
                command: "get-token".into(),
                args: vec!["--cluster".into(), "c1".into()],
                env: [("REGION".to_string(), "cn-hangzhou".to_string())].into(),
            })
        );
    }

    #[test]
    fn missing_values_name_attribute_and_variable() {
        let config = Value::object([("access_key", Value::from("AK"))]);
        let Err(diagnostics) = resolve(&config, &env_of(&[])) else {
            panic!("expected errors");
        };
        let found: Vec<(String, String)> = diagnostics
            .iter()
            .map(|d| {
                (
                    d.summary.clone(),
                    d.attribute
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("Missing ALB region".to_string(), "region".to_string()),
                (
                    "Invalid Alibaba Cloud credential source".to_string(),
                    "access_key".to_string()
                ),
            ]
        );
        let detail = &diagnostics
            .iter()
            .nth(1)
            .map(|d| d.detail.clone())
            .unwrap_or_default();
        assert!(
            detail.contains("`secret_key`") && detail.contains("both its id and its secret"),
            "{detail}"
        );
        let Err(nothing) = resolve(
            &Value::object([("region", Value::from("cn-hangzhou"))]),
            &env_of(&[]),
        ) else {
            panic!("expected an error");
        };
        let detail = nothing.iter().map(|d| d.detail.clone()).collect::<String>();
        assert!(
            detail.contains("ALIBABA_CLOUD_ACCESS_KEY_ID") && detail.contains("`profile`"),
            "{detail}"
        );
    }

    #[test]
    fn credential_blocks_select_their_sources() {
        let config = Value::object([
            ("region", Value::from("cn-hangzhou")),
            ("sts_endpoint", Value::from("http://127.0.0.1:1")),
            (
                "assume_role_with_oidc",
                Value::object([
                    ("role_arn", Value::from("acs:ram::1:role/ci")),
                    ("session_expiration", Value::from(900)),
                ]),
            ),
        ]);
        let env = env_of(&[
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/p",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/token"),
        ]);
        let settings = ready(&config, &env);
        match settings.credentials.source() {
            alb_api::credentials::Source::Oidc { role, .. } => {
                assert_eq!(role.role_arn, "acs:ram::1:role/ci");
                assert_eq!(role.oidc_token_file, "/token");
                assert_eq!(role.session_expiration, Some(900));
            }
            other => panic!("{other:?}"),
        }
        let assumed = Value::object([
            ("region", Value::from("cn-hangzhou")),
            ("access_key", Value::from("AK")),
            ("secret_key", Value::from("SK")),
            (
                "assume_role",
                Value::object([("role_arn", Value::from("acs:ram::1:role/deploy"))]),
            ),
        ]);
        let settings = ready(&assumed, &env_of(&[]));
        match settings.credentials.source() {
            alb_api::credentials::Source::AssumeRole { role, .. } => {
                assert_eq!(role.session_name, DEFAULT_SESSION_NAME);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn api_timeouts_override_the_defaults() {
        let config = Value::object([
            ("region", Value::from("cn-hangzhou")),
            ("access_key", Value::from("AK")),
            ("secret_key", Value::from("SK")),
            (
                "api_timeouts",
                Value::object([
                    ("connect", Value::from("2s")),
                    ("unreachable", Value::from("10s")),
                    ("busy", Value::Null),
                ]),
            ),
        ]);
        let timeouts = ready(&config, &env_of(&[])).api_timeouts;
        assert_eq!(timeouts.connect, Duration::from_secs(2));
        assert_eq!(timeouts.unreachable, Duration::from_secs(10));
        assert_eq!(timeouts.request, ApiTimeouts::default().request);
        assert_eq!(timeouts.busy, ApiTimeouts::default().busy);
    }

    #[test]
    fn unknown_values_defer_configuration() {
        let config = Value::object([
            ("region", Value::Unknown),
            ("kubernetes", Value::object([("host", Value::Unknown)])),
        ]);
        assert_eq!(
            resolve(&config, &env_of(&[])),
            Ok(Resolution::Deferred("kubernetes.host, region".to_string()))
        );
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let config = Value::object([
            ("region", Value::from("cn-hangzhou")),
            ("access_key", Value::from("AK")),
            ("secret_key", Value::from("TOP-SECRET")),
            ("security_token", Value::from("STS-SECRET")),
            (
                "kubernetes",
                Value::object([("token", Value::from("KUBE-SECRET"))]),
            ),
        ]);
        let debug = format!("{:?}", ready(&config, &env_of(&[])));
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }
}
