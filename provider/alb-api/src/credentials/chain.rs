//! The chain's inputs ([`CredentialSettings`], environment variables) and its one order:
//! [`select`] picks the first configured [`Source`].

use std::fmt;
use std::path::PathBuf;

use super::profile;
use super::provider::CredentialError;
use crate::client::Credentials;

/// Environment variables of the chain, each a list of names read in order (the
/// `ALIBABA_CLOUD_*` name first, then the `ALICLOUD_*` alias of the alicloud provider).
pub mod env {
    /// AccessKey id.
    pub const ACCESS_KEY_ID: &[&str] = &["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"];
    /// AccessKey secret.
    pub const ACCESS_KEY_SECRET: &[&str] =
        &["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"];
    /// STS security token of temporary keys.
    pub const SECURITY_TOKEN: &[&str] =
        &["ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"];
    /// Profile name in the `aliyun` CLI configuration file.
    pub const PROFILE: &[&str] = &["ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"];
    /// Path of the `aliyun` CLI configuration file.
    pub const CONFIG_FILE: &[&str] = &[
        "ALIBABA_CLOUD_CONFIG_FILE",
        "ALICLOUD_SHARED_CREDENTIALS_FILE",
    ];
    /// RRSA: the role to assume with the OIDC token.
    pub const ROLE_ARN: &[&str] = &["ALIBABA_CLOUD_ROLE_ARN"];
    /// RRSA: the OIDC identity provider.
    pub const OIDC_PROVIDER_ARN: &[&str] = &["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"];
    /// RRSA: the file holding the OIDC token.
    pub const OIDC_TOKEN_FILE: &[&str] = &["ALIBABA_CLOUD_OIDC_TOKEN_FILE"];
    /// Session name of an assumed role.
    pub const ROLE_SESSION_NAME: &[&str] = &["ALIBABA_CLOUD_ROLE_SESSION_NAME"];
    /// ECS RAM role name.
    pub const ECS_ROLE_NAME: &[&str] = &["ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME"];
    /// URI answering with credentials.
    pub const CREDENTIALS_URI: &[&str] = &["ALIBABA_CLOUD_CREDENTIALS_URI"];
    /// STS endpoint override.
    pub const STS_ENDPOINT: &[&str] = &["ALIBABA_CLOUD_STS_ENDPOINT", "ALICLOUD_STS_ENDPOINT"];
    /// ECS instance metadata endpoint override.
    pub const ECS_METADATA_ENDPOINT: &[&str] = &["ALIBABA_CLOUD_ECS_METADATA_ENDPOINT"];
    /// Home directory, for the default configuration file.
    pub const HOME: &[&str] = &["HOME", "USERPROFILE"];
}

/// Default STS endpoint.
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.aliyuncs.com";
/// Default ECS instance metadata endpoint.
pub const DEFAULT_ECS_METADATA_ENDPOINT: &str = "http://100.100.100.200";
/// Session name of assumed roles when none is given.
pub const DEFAULT_SESSION_NAME: &str = "terraform-provider-alb";

/// An STS AssumeRole: the `assume_role` block, or a `RamRoleArn` profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    /// ARN of the role, `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// Session name (default [`DEFAULT_SESSION_NAME`]).
    pub session_name: String,
    /// A policy further restricting the role's permissions (JSON).
    pub policy: Option<String>,
    /// Lifetime of the credentials in seconds (STS default when unset).
    pub session_expiration: Option<u64>,
    /// External id the role's trust policy requires.
    pub external_id: Option<String>,
}

/// An STS AssumeRoleWithOIDC: the `assume_role_with_oidc` block, the RRSA variables, or an
/// `OIDC` profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OidcRole {
    /// ARN of the role.
    pub role_arn: String,
    /// ARN of the OIDC identity provider.
    pub oidc_provider_arn: String,
    /// File holding the OIDC token (read at every issuance: the token rotates).
    pub oidc_token_file: String,
    /// Session name (default [`DEFAULT_SESSION_NAME`]).
    pub session_name: String,
    /// A policy further restricting the role's permissions (JSON).
    pub policy: Option<String>,
    /// Lifetime of the credentials in seconds (STS default when unset).
    pub session_expiration: Option<u64>,
}

/// The chain's inputs as a caller (e.g. the provider block) gives them; unset values fall back
/// to the environment.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CredentialSettings {
    /// AccessKey id.
    pub access_key: Option<String>,
    /// AccessKey secret.
    pub secret_key: Option<String>,
    /// STS security token.
    pub security_token: Option<String>,
    /// Profile of the `aliyun` CLI configuration file.
    pub profile: Option<String>,
    /// Path of the `aliyun` CLI configuration file (default `~/.aliyun/config.json`).
    pub shared_credentials_file: Option<String>,
    /// A role to assume with the credentials found.
    pub assume_role: Option<AssumeRole>,
    /// An OIDC role; empty fields fall back to the RRSA variables.
    pub assume_role_with_oidc: Option<OidcRole>,
    /// ECS RAM role name.
    pub ecs_role_name: Option<String>,
    /// URI answering with credentials.
    pub credentials_uri: Option<String>,
    /// STS endpoint override.
    pub sts_endpoint: Option<String>,
    /// ECS instance metadata endpoint override.
    pub ecs_metadata_endpoint: Option<String>,
}

impl fmt::Debug for CredentialSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("CredentialSettings")
            .field("access_key", &self.access_key)
            .field("secret_key", &set(&self.secret_key))
            .field("security_token", &set(&self.security_token))
            .field("profile", &self.profile)
            .field("shared_credentials_file", &self.shared_credentials_file)
            .field("assume_role", &self.assume_role)
            .field("assume_role_with_oidc", &self.assume_role_with_oidc)
            .field("ecs_role_name", &self.ecs_role_name)
            .field("credentials_uri", &self.credentials_uri)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("ecs_metadata_endpoint", &self.ecs_metadata_endpoint)
            .finish()
    }
}

/// Where a source came from: the provider attribute to point a diagnostic at, and words for
/// people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The provider attribute (or block) that selects this source.
    pub attribute: &'static str,
    /// E.g. `profile "ci" of /home/me/.aliyun/config.json`.
    pub description: String,
}

impl Origin {
    pub(super) fn new(attribute: &'static str, description: impl Into<String>) -> Self {
        Origin {
            attribute,
            description: description.into(),
        }
    }
}

/// One credential source, chosen by [`select`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Keys given directly (attributes, environment, `AK`/`StsToken` profile).
    Keys {
        /// The keys (their `Debug` is redacted).
        credentials: Credentials,
        /// Where they came from.
        origin: Origin,
    },
    /// STS AssumeRole signed with the credentials of `base`.
    AssumeRole {
        /// The credentials that sign the call.
        base: Box<Source>,
        /// The role.
        role: AssumeRole,
        /// Where the role came from.
        origin: Origin,
    },
    /// STS AssumeRoleWithOIDC.
    Oidc {
        /// The role and token file.
        role: OidcRole,
        /// Where they came from.
        origin: Origin,
    },
    /// The ECS RAM role from the instance metadata service.
    EcsRamRole {
        /// The role name.
        role_name: String,
        /// Where it came from.
        origin: Origin,
    },
    /// A URI answering with credentials.
    Uri {
        /// The URI.
        uri: String,
        /// Where it came from.
        origin: Origin,
    },
}

impl Source {
    /// Where this source came from.
    pub fn origin(&self) -> &Origin {
        match self {
            Source::Keys { origin, .. }
            | Source::AssumeRole { origin, .. }
            | Source::Oidc { origin, .. }
            | Source::EcsRamRole { origin, .. }
            | Source::Uri { origin, .. } => origin,
        }
    }
}

/// Endpoints of the services the chain calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// STS (AssumeRole, AssumeRoleWithOIDC).
    pub sts: String,
    /// ECS instance metadata.
    pub ecs_metadata: String,
}

impl Endpoints {
    /// The settings' overrides, else the environment's, else the defaults.
    pub fn resolve(settings: &CredentialSettings, env: &dyn Fn(&str) -> Option<String>) -> Self {
        let pick = |given: &Option<String>, names: &[&str], default: &str| {
            given
                .clone()
                .or_else(|| first(env, names))
                .unwrap_or_else(|| default.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        Endpoints {
            sts: pick(
                &settings.sts_endpoint,
                env::STS_ENDPOINT,
                DEFAULT_STS_ENDPOINT,
            ),
            ecs_metadata: pick(
                &settings.ecs_metadata_endpoint,
                env::ECS_METADATA_ENDPOINT,
                DEFAULT_ECS_METADATA_ENDPOINT,
            ),
        }
    }
}

/// The first non-empty value of the variables `names`.
pub(super) fn first(env: &dyn Fn(&str) -> Option<String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| env(name).filter(|v| !v.is_empty()))
}

/// The credential source of `settings` (falling back to `env`), in the chain's one order (see
/// the [module documentation](super)). Errors name the source that is configured wrongly, or
/// list every source when none is configured.
pub fn select(
    settings: &CredentialSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Source, CredentialError> {
    let base = base_source(settings, env)?;
    Ok(match &settings.assume_role {
        Some(role) => Source::AssumeRole {
            origin: Origin::new(
                "assume_role",
                format!(
                    "`assume_role` (STS AssumeRole of {} with {})",
                    role.role_arn,
                    base.origin().description
                ),
            ),
            base: Box::new(base),
            role: role.clone(),
        },
        None => base,
    })
}

fn base_source(
    settings: &CredentialSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Source, CredentialError> {
    if settings.access_key.is_some() || settings.secret_key.is_some() {
        let origin = Origin::new("access_key", "the provider's `access_key` and `secret_key`");
        return keys(
            settings.access_key.clone(),
            settings.secret_key.clone(),
            settings
                .security_token
                .clone()
                .or_else(|| first(env, env::SECURITY_TOKEN)),
            origin,
        );
    }
    let (id, secret) = (
        first(env, env::ACCESS_KEY_ID),
        first(env, env::ACCESS_KEY_SECRET),
    );
    if id.is_some() || secret.is_some() {
        let origin = Origin::new(
            "access_key",
            format!(
                "the environment variables {} and {}",
                env::ACCESS_KEY_ID[0],
                env::ACCESS_KEY_SECRET[0]
            ),
        );
        return keys(id, secret, first(env, env::SECURITY_TOKEN), origin);
    }
    if let Some((path, name)) = named_profile(settings, env) {
        return profile::load(&path, name.as_deref());
    }
    if let Some(role) = oidc_role(settings, env)? {
        let origin = Origin::new(
            "assume_role_with_oidc",
            format!(
                "`assume_role_with_oidc` (STS AssumeRoleWithOIDC of {} with the token in {})",
                role.role_arn, role.oidc_token_file
            ),
        );
        return Ok(Source::Oidc { role, origin });
    }
    if let Some(role_name) = settings
        .ecs_role_name
        .clone()
        .or_else(|| first(env, env::ECS_ROLE_NAME))
    {
        let origin = Origin::new(
            "ecs_role_name",
            format!("`ecs_role_name` (ECS RAM role \"{role_name}\" from the instance metadata)"),
        );
        return Ok(Source::EcsRamRole { role_name, origin });
    }
    if let Some(uri) = settings
        .credentials_uri
        .clone()
        .or_else(|| first(env, env::CREDENTIALS_URI))
    {
        let origin = Origin::new("credentials_uri", format!("`credentials_uri` ({uri})"));
        return Ok(Source::Uri { uri, origin });
    }
    Err(CredentialError::Missing)
}

/// The `aliyun` CLI configuration file and profile name (`None`: the file's current profile)
/// when a profile or a file is named by the settings or the environment; nothing is read
/// implicitly otherwise.
fn named_profile(
    settings: &CredentialSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(PathBuf, Option<String>)> {
    let name = settings
        .profile
        .clone()
        .or_else(|| first(env, env::PROFILE));
    let file = settings
        .shared_credentials_file
        .clone()
        .or_else(|| first(env, env::CONFIG_FILE));
    if name.is_none() && file.is_none() {
        return None;
    }
    let path = match file {
        Some(path) => expand_home(&path, env),
        None => default_config_file(env),
    };
    Some((path, name))
}

/// The `region_id` of the `aliyun` CLI profile the settings name (see [`select`] for how a
/// profile is named), the region fallback after the provider's `region` and its variables.
pub fn profile_region(
    settings: &CredentialSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let (path, name) = named_profile(settings, env)?;
    profile::region(&path, name.as_deref())
}

/// A key pair (both halves required) with its optional token.
fn keys(
    id: Option<String>,
    secret: Option<String>,
    token: Option<String>,
    origin: Origin,
) -> Result<Source, CredentialError> {
    let (Some(id), Some(secret)) = (id, secret) else {
        return Err(CredentialError::config(
            &origin,
            "an access key needs both its id and its secret",
        ));
    };
    let mut credentials = Credentials::new(id, secret);
    if let Some(token) = token {
        credentials = credentials.with_security_token(token);
    }
    Ok(Source::Keys {
        credentials,
        origin,
    })
}

/// The OIDC role of the `assume_role_with_oidc` block, its unset fields taken from the RRSA
/// variables; without the block, the RRSA variables alone when all three are set.
fn oidc_role(
    settings: &CredentialSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<OidcRole>, CredentialError> {
    let from_env = |names: &[&str]| first(env, names).unwrap_or_default();
    let given = settings.assume_role_with_oidc.clone();
    let in_block = given.is_some();
    let mut role = given.unwrap_or_default();
    let fill = |value: &mut String, names: &[&str]| {
        if value.is_empty() {
            *value = from_env(names);
        }
    };
    fill(&mut role.role_arn, env::ROLE_ARN);
    fill(&mut role.oidc_provider_arn, env::OIDC_PROVIDER_ARN);
    fill(&mut role.oidc_token_file, env::OIDC_TOKEN_FILE);
    fill(&mut role.session_name, env::ROLE_SESSION_NAME);
    let missing: Vec<&str> = [
        ("role_arn", &role.role_arn),
        ("oidc_provider_arn", &role.oidc_provider_arn),
        ("oidc_token_file", &role.oidc_token_file),
    ]
    .iter()
    .filter(|(_, v)| v.is_empty())
    .map(|(name, _)| *name)
    .collect();
    if missing.len() == 3 && !in_block {
        return Ok(None);
    }
    if !missing.is_empty() {
        if !in_block {
            // Some RRSA variables without the others: not a configured source.
            return Ok(None);
        }
        let origin = Origin::new("assume_role_with_oidc", "`assume_role_with_oidc`");
        return Err(CredentialError::config(
            &origin,
            &format!(
                "{} must be set (in the block or as {}, {} and {})",
                missing.join(", "),
                env::ROLE_ARN[0],
                env::OIDC_PROVIDER_ARN[0],
                env::OIDC_TOKEN_FILE[0]
            ),
        ));
    }
    if role.session_name.is_empty() {
        role.session_name = DEFAULT_SESSION_NAME.to_string();
    }
    role.oidc_token_file = expand_home(&role.oidc_token_file, env)
        .to_string_lossy()
        .into_owned();
    Ok(Some(role))
}

/// `~/.aliyun/config.json` under the home directory.
fn default_config_file(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    expand_home("~/.aliyun/config.json", env)
}

/// `path` with a leading `~/` replaced by the home directory.
fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), first(env, env::HOME)) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn attributes_win_over_the_environment() {
        let settings = CredentialSettings {
            access_key: Some("attr-id".into()),
            secret_key: Some("attr-secret".into()),
            ..Default::default()
        };
        let env = env_of(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
        ]);
        match select(&settings, &env) {
            Ok(Source::Keys { credentials, .. }) => {
                assert_eq!(credentials.access_key_id, "attr-id")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn alicloud_aliases_are_read() {
        let env = env_of(&[
            ("ALICLOUD_ACCESS_KEY", "alias-id"),
            ("ALICLOUD_SECRET_KEY", "alias-secret"),
            ("ALICLOUD_SECURITY_TOKEN", "alias-token"),
        ]);
        match select(&CredentialSettings::default(), &env) {
            Ok(Source::Keys { credentials, .. }) => {
                assert_eq!(credentials.access_key_id, "alias-id");
                assert_eq!(credentials.security_token.as_deref(), Some("alias-token"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn half_a_key_pair_is_an_error_naming_its_origin() {
        let env = env_of(&[("ALIBABA_CLOUD_ACCESS_KEY_ID", "id")]);
        let err = select(&CredentialSettings::default(), &env)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{err}");
        assert!(err.contains("both its id and its secret"), "{err}");
    }

    #[test]
    fn rrsa_variables_select_oidc_before_ecs_and_uri() {
        let env = env_of(&[
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/p",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/var/run/token"),
            ("ALIBABA_CLOUD_ECS_METADATA", "role"),
            ("ALIBABA_CLOUD_CREDENTIALS_URI", "http://x"),
        ]);
        match select(&CredentialSettings::default(), &env) {
            Ok(Source::Oidc { role, origin }) => {
                assert_eq!(role.oidc_token_file, "/var/run/token");
                assert_eq!(role.session_name, DEFAULT_SESSION_NAME);
                assert_eq!(origin.attribute, "assume_role_with_oidc");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_incomplete_oidc_block_names_what_is_missing() {
        let settings = CredentialSettings {
            assume_role_with_oidc: Some(OidcRole {
                role_arn: "acs:ram::1:role/r".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let err = select(&settings, &env_of(&[]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("oidc_provider_arn, oidc_token_file"), "{err}");
    }

    #[test]
    fn ecs_role_then_uri_then_nothing() {
        let settings = CredentialSettings {
            credentials_uri: Some("http://creds".into()),
            ..Default::default()
        };
        let ecs = env_of(&[("ALIBABA_CLOUD_ECS_METADATA", "role")]);
        assert!(matches!(
            select(&settings, &ecs),
            Ok(Source::EcsRamRole { role_name, .. }) if role_name == "role"
        ));
        assert!(matches!(
            select(&settings, &env_of(&[])),
            Ok(Source::Uri { uri, .. }) if uri == "http://creds"
        ));
        assert!(matches!(
            select(&CredentialSettings::default(), &env_of(&[])),
            Err(CredentialError::Missing)
        ));
    }

    #[test]
    fn assume_role_wraps_the_base_source() {
        let settings = CredentialSettings {
            assume_role: Some(AssumeRole {
                role_arn: "acs:ram::1:role/deploy".into(),
                session_name: "s".into(),
                policy: None,
                session_expiration: Some(900),
                external_id: None,
            }),
            ..Default::default()
        };
        let env = env_of(&[("ALIBABA_CLOUD_ECS_METADATA", "node")]);
        match select(&settings, &env) {
            Ok(Source::AssumeRole { base, origin, .. }) => {
                assert!(matches!(*base, Source::EcsRamRole { .. }));
                assert!(origin.description.contains("acs:ram::1:role/deploy"));
                assert!(origin.description.contains("ECS RAM role \"node\""));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn endpoints_resolve_settings_then_env_then_defaults() {
        let env = env_of(&[("ALIBABA_CLOUD_STS_ENDPOINT", "http://sts.local/")]);
        let endpoints = Endpoints::resolve(&CredentialSettings::default(), &env);
        assert_eq!(endpoints.sts, "http://sts.local");
        assert_eq!(endpoints.ecs_metadata, DEFAULT_ECS_METADATA_ENDPOINT);
        let settings = CredentialSettings {
            sts_endpoint: Some("http://given".into()),
            ..Default::default()
        };
        assert_eq!(Endpoints::resolve(&settings, &env).sts, "http://given");
    }

    #[test]
    fn settings_debug_redacts_secrets() {
        let settings = CredentialSettings {
            secret_key: Some("very-secret".into()),
            security_token: Some("token-value".into()),
            ..Default::default()
        };
        let text = format!("{settings:?}");
        assert!(
            !text.contains("very-secret") && !text.contains("token-value"),
            "{text}"
        );
    }
}
