//! Configuration of a mock server and the credentials file format.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use super::faults::Faults;
use super::identity::IdentitySettings;

/// An access key the mock accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// AccessKeyId.
    #[serde(alias = "AccessKeyId")]
    pub access_key_id: String,
    /// AccessKeySecret.
    #[serde(alias = "AccessKeySecret")]
    pub access_key_secret: String,
    /// When set, requests with this key must carry exactly this STS security token.
    #[serde(default, alias = "SecurityToken")]
    pub security_token: Option<String>,
}

impl Credential {
    /// A plain key pair.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// Makes the key an STS key that requires `token`.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

/// How to run a [`MockServer`](super::MockServer).
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub listen: SocketAddr,
    /// Region served (default `cn-hangzhou`).
    pub region: String,
    /// Accepted keys (default one pair: `mock-access-key` / `mock-secret-key`).
    pub credentials: Vec<Credential>,
    /// State file loaded at start and rewritten after each mutation.
    pub state_file: Option<PathBuf>,
    /// Duration of transitional states and jobs (default 200 ms).
    pub async_delay_ms: u64,
    /// Initial faults.
    pub faults: Faults,
    /// Seed for ids and fault decisions (deterministic runs).
    pub seed: Option<u64>,
    /// Freeze the clock of transitional states and jobs; it then moves only through
    /// [`MockServer::advance`](super::MockServer::advance) or `POST /__mock/clock`.
    pub frozen_clock: bool,
    /// What the STS and metadata fake accepts and how long its keys live.
    pub identity: IdentitySettings,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: "cn-hangzhou".to_string(),
            credentials: vec![Credential::new("mock-access-key", "mock-secret-key")],
            state_file: None,
            async_delay_ms: 200,
            faults: Faults::default(),
            seed: None,
            frozen_clock: false,
            identity: IdentitySettings::default(),
        }
    }
}

impl MockConfig {
    /// Sets the listen address.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Replaces the first (default) key pair.
    pub fn access_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        let credential = Credential::new(id, secret);
        match self.credentials.first_mut() {
            Some(first) => *first = credential,
            None => self.credentials.push(credential),
        }
        self
    }

    /// Adds another accepted key.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credentials.push(credential);
        self
    }

    /// Sets the state file.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Sets the async delay in milliseconds.
    pub fn async_delay_ms(mut self, ms: u64) -> Self {
        self.async_delay_ms = ms;
        self
    }

    /// Sets the initial faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Freezes the clock of transitional states and jobs (see [`MockConfig::frozen_clock`]).
    pub fn frozen_clock(mut self) -> Self {
        self.frozen_clock = true;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// Reads a credentials file. Two formats are accepted:
///
/// * JSON: an array of `{"access_key_id": "…", "access_key_secret": "…", "security_token": "…"}`
///   (`security_token` optional; PascalCase `AccessKeyId`/`AccessKeySecret`/`SecurityToken` also
///   accepted);
/// * lines: `ACCESS_KEY_ID SECRET [SECURITY_TOKEN]`, separated by whitespace; blank lines and
///   lines starting with `#` are ignored.
pub fn load_credentials_file(path: &Path) -> anyhow::Result<Vec<Credential>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading credentials file {}", path.display()))?;
    parse_credentials(&text).with_context(|| format!("parsing credentials file {}", path.display()))
}

fn parse_credentials(text: &str) -> anyhow::Result<Vec<Credential>> {
    if text.trim_start().starts_with('[') {
        return Ok(serde_json::from_str(text)?);
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [id, secret] => out.push(Credential::new(*id, *secret)),
            [id, secret, token] => {
                out.push(Credential::new(*id, *secret).with_security_token(*token))
            }
            _ => bail!(
                "line {}: expected `ACCESS_KEY_ID SECRET [SECURITY_TOKEN]`",
                n + 1
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_credential_formats_parse() {
        let lines = parse_credentials("# keys\nak1 sk1\n\nak2 sk2 token2\n").expect("lines");
        assert_eq!(
            lines[1],
            Credential::new("ak2", "sk2").with_security_token("token2")
        );
        let json =
            parse_credentials(r#"[{"AccessKeyId":"a","AccessKeySecret":"b"}]"#).expect("json");
        assert_eq!(json, vec![Credential::new("a", "b")]);
        assert!(parse_credentials("only-one-field").is_err());
    }
}
