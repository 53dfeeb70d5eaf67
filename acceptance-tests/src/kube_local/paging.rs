//! `continue` tokens in the real server's format: base64 of
//! `{"v":"meta.k8s.io/v1","rv":<list version>,"start":"<key after the last item>"}`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::status::ApiStatus;
use super::store::ObjectKey;

/// Where a continued list resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueToken {
    /// The version of the first page; every page shows the state at that version.
    pub rv: u64,
    /// The first key (`namespace/name` or `name`) of the next page.
    pub start: String,
}

/// The key text a token names (`namespace/name`, or `name` for cluster-scoped objects).
pub fn key_text(key: &ObjectKey) -> String {
    if key.namespace.is_empty() {
        key.name.clone()
    } else {
        format!("{}/{}", key.namespace, key.name)
    }
}

impl ContinueToken {
    /// Encodes the token.
    pub fn encode(&self) -> String {
        STANDARD.encode(
            json!({"v": "meta.k8s.io/v1", "rv": self.rv, "start": format!("{}\u{0}", self.start)})
                .to_string(),
        )
    }

    /// Decodes a `continue` parameter.
    pub fn decode(token: &str) -> Result<Self, ApiStatus> {
        let invalid =
            |why: &str| ApiStatus::bad_request(format!("continue key is not valid: {why}"));
        let raw = STANDARD.decode(token).map_err(|_| {
            invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        })?;
        let body: Value =
            serde_json::from_slice(&raw).map_err(|_| invalid("unrecognized continue format"))?;
        if body["v"] != "meta.k8s.io/v1" {
            return Err(invalid("server does not recognize this encoded version"));
        }
        let rv = body["rv"].as_u64().filter(|rv| *rv > 0).ok_or_else(|| {
            invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        })?;
        let start = body["start"]
            .as_str()
            .map(|s| s.trim_end_matches('\u{0}').to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("encoded key is empty"))?;
        Ok(Self { rv, start })
    }

    /// Whether `key` belongs to this page or a later one (compared as the store orders keys:
    /// by namespace, then name).
    pub fn admits(&self, key: &ObjectKey) -> bool {
        let (namespace, name) = self.start.split_once('/').unwrap_or(("", &self.start));
        (key.namespace.as_str(), key.name.as_str()) >= (namespace, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bad_ones_are_rejected() {
        let token = ContinueToken {
            rv: 42,
            start: "ns/b".into(),
        };
        assert_eq!(ContinueToken::decode(&token.encode()).unwrap(), token);
        for bad in [
            "!!",
            "bm90IGpzb24=",
            &STANDARD.encode(r#"{"v":"x","rv":1,"start":"a"}"#),
        ] {
            let err = ContinueToken::decode(bad).unwrap_err();
            assert_eq!(err.code, 400, "{bad}");
        }
    }
}
