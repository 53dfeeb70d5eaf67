//! Profiles of the `aliyun` CLI configuration file (`~/.aliyun/config.json`): `{"current":
//! name, "profiles": [{"name", "mode", ...}]}` with the modes `AK`, `StsToken`, `RamRoleArn`,
//! `EcsRamRole` and `OIDC`, fields named as the CLI writes them.

use std::path::Path;

use serde::Deserialize;

use super::chain::{AssumeRole, OidcRole, Origin, Source, DEFAULT_SESSION_NAME};
use super::provider::CredentialError;
use crate::client::Credentials;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConfigFile {
    current: String,
    profiles: Vec<Profile>,
}

/// One profile; fields a mode does not use are empty. Unknown fields are ignored (tolerant of
/// what newer CLI versions write).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Profile {
    name: String,
    mode: String,
    access_key_id: String,
    access_key_secret: String,
    sts_token: String,
    ram_role_name: String,
    ram_role_arn: String,
    ram_session_name: String,
    external_id: String,
    expired_seconds: u64,
    oidc_provider_arn: String,
    oidc_token_file: String,
    region_id: String,
}

/// The source of profile `name` (default: the file's `current` profile) in the file at `path`.
pub(super) fn load(path: &Path, name: Option<&str>) -> Result<Source, CredentialError> {
    let shown = path.display();
    let file_origin = Origin::new("profile", format!("the aliyun CLI configuration {shown}"));
    let config = read(path).map_err(|problem| CredentialError::config(&file_origin, &problem))?;
    let name = name.unwrap_or(&config.current);
    let origin = Origin::new("profile", format!("profile \"{name}\" of {shown}"));
    let Some(profile) = config.profiles.iter().find(|p| p.name == name) else {
        let names: Vec<&str> = config.profiles.iter().map(|p| p.name.as_str()).collect();
        return Err(CredentialError::config(
            &origin,
            &format!("no such profile (the file has: {})", names.join(", ")),
        ));
    };
    source(profile, origin)
}

/// The `region_id` of profile `name` (default: the file's `current` profile) in the file at
/// `path`; `None` when the file cannot be read, has no such profile or the profile no region
/// (the credential chain reports a file or profile it needs and cannot use).
pub(super) fn region(path: &Path, name: Option<&str>) -> Option<String> {
    let config = read(path).ok()?;
    let name = name.unwrap_or(&config.current);
    config
        .profiles
        .into_iter()
        .find(|p| p.name == name)
        .map(|p| p.region_id)
        .filter(|region| !region.is_empty())
}

/// The configuration file at `path`, or why it cannot be used.
fn read(path: &Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("it is not valid JSON: {e}"))
}

fn source(profile: &Profile, origin: Origin) -> Result<Source, CredentialError> {
    let require = |fields: &[(&str, &str)]| -> Result<(), CredentialError> {
        let missing: Vec<&str> = fields
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(name, _)| *name)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(CredentialError::config(
            &origin,
            &format!(
                "mode {} needs {} in the profile",
                profile.mode,
                missing.join(", ")
            ),
        ))
    };
    let key_fields = [
        ("access_key_id", profile.access_key_id.as_str()),
        ("access_key_secret", profile.access_key_secret.as_str()),
    ];
    let keys = || Credentials::new(&profile.access_key_id, &profile.access_key_secret);
    let session_name = || non_empty_or_default(&profile.ram_session_name);
    let expiration = (profile.expired_seconds > 0).then_some(profile.expired_seconds);
    match profile.mode.as_str() {
        // [INF] the CLI writes "AK" for new profiles; older files may lack the mode.
        "AK" | "" => {
            require(&key_fields)?;
            Ok(Source::Keys {
                credentials: keys(),
                origin,
            })
        }
        "StsToken" => {
            require(&key_fields)?;
            require(&[("sts_token", &profile.sts_token)])?;
            Ok(Source::Keys {
                credentials: keys().with_security_token(&profile.sts_token),
                origin,
            })
        }
        "RamRoleArn" => {
            require(&key_fields)?;
            require(&[("ram_role_arn", &profile.ram_role_arn)])?;
            Ok(Source::AssumeRole {
                base: Box::new(Source::Keys {
                    credentials: keys(),
                    origin: origin.clone(),
                }),
                role: AssumeRole {
                    role_arn: profile.ram_role_arn.clone(),
                    session_name: session_name(),
                    policy: None,
                    session_expiration: expiration,
                    external_id: Some(profile.external_id.clone()).filter(|s| !s.is_empty()),
                },
                origin,
            })
        }
        "EcsRamRole" => {
            require(&[("ram_role_name", &profile.ram_role_name)])?;
            Ok(Source::EcsRamRole {
                role_name: profile.ram_role_name.clone(),
                origin,
            })
        }
        "OIDC" => {
            require(&[
                ("ram_role_arn", &profile.ram_role_arn),
                ("oidc_provider_arn", &profile.oidc_provider_arn),
                ("oidc_token_file", &profile.oidc_token_file),
            ])?;
            Ok(Source::Oidc {
                role: OidcRole {
                    role_arn: profile.ram_role_arn.clone(),
                    oidc_provider_arn: profile.oidc_provider_arn.clone(),
                    oidc_token_file: profile.oidc_token_file.clone(),
                    session_name: session_name(),
                    policy: None,
                    session_expiration: expiration,
                },
                origin,
            })
        }
        other => Err(CredentialError::config(
            &origin,
            &format!(
                "mode \"{other}\" is not supported (AK, StsToken, RamRoleArn, EcsRamRole, OIDC)"
            ),
        )),
    }
}

fn non_empty_or_default(session_name: &str) -> String {
    if session_name.is_empty() {
        DEFAULT_SESSION_NAME.to_string()
    } else {
        session_name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{
      "current": "ak",
      "profiles": [
        {"name": "ak", "mode": "AK", "access_key_id": "id1", "access_key_secret": "s1", "region_id": "cn-hangzhou"},
        {"name": "sts", "mode": "StsToken", "access_key_id": "id2", "access_key_secret": "s2", "sts_token": "t2"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "id3", "access_key_secret": "s3",
         "ram_role_arn": "acs:ram::1:role/r", "ram_session_name": "sess", "expired_seconds": 900},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "node"},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/o",
         "oidc_provider_arn": "acs:ram::1:oidc-provider/p", "oidc_token_file": "/t"},
        {"name": "broken", "mode": "StsToken", "access_key_id": "id", "access_key_secret": "s"},
        {"name": "odd", "mode": "ChainableRamRoleArn"}
      ]
    }"#;

    fn load_profile(name: Option<&str>) -> Result<Source, CredentialError> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("config.json");
        std::fs::write(&path, FILE).expect("write the file");
        load(&path, name)
    }

    #[test]
    fn every_mode_becomes_its_source() {
        assert!(matches!(load_profile(None),
            Ok(Source::Keys { credentials, .. }) if credentials.access_key_id == "id1"));
        assert!(matches!(load_profile(Some("sts")),
            Ok(Source::Keys { credentials, .. }) if credentials.security_token.as_deref() == Some("t2")));
        match load_profile(Some("role")) {
            Ok(Source::AssumeRole { base, role, .. }) => {
                assert!(matches!(*base, Source::Keys { .. }));
                assert_eq!(role.session_name, "sess");
                assert_eq!(role.session_expiration, Some(900));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(load_profile(Some("ecs")),
            Ok(Source::EcsRamRole { role_name, .. }) if role_name == "node"));
        assert!(matches!(load_profile(Some("oidc")),
            Ok(Source::Oidc { role, .. }) if role.oidc_token_file == "/t"));
    }

    #[test]
    fn region_of_the_named_or_current_profile() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("config.json");
        std::fs::write(&path, FILE).expect("write the file");
        assert_eq!(region(&path, None).as_deref(), Some("cn-hangzhou"));
        assert_eq!(region(&path, Some("ak")).as_deref(), Some("cn-hangzhou"));
        assert_eq!(region(&path, Some("sts")), None, "no region_id");
        assert_eq!(region(&path, Some("nope")), None);
        assert_eq!(region(&dir.path().join("missing.json"), None), None);
    }

    #[test]
    fn wrong_profiles_are_named() {
        let err = |name| {
            load_profile(Some(name))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let missing = err("nope");
        assert!(missing.contains("profile \"nope\""), "{missing}");
        assert!(missing.contains("the file has: ak, sts"), "{missing}");
        assert!(err("broken").contains("needs sts_token"));
        assert!(err("odd").contains("not supported"));
    }
}
