//! Client tokens: the idempotency keys every mutating call carries.
//!
//! The same token is sent on every retry of one logical call, so when a response is lost and
//! the call is retried, the service recognises the duplicate instead of acting twice. Callers
//! that must survive a process restart (an interrupted `terraform apply` that is run again) pass
//! their own deterministic token, e.g. from [`derive_client_token`].

use crate::error::Error;
use crate::signing::sha256_hex;

/// Maximum length of a client token accepted by the service.
pub const MAX_CLIENT_TOKEN_LEN: usize = 64;

/// A fresh random client token (`alb-` + 32 hex characters).
pub fn new_client_token() -> String {
    format!("alb-{}", uuid::Uuid::new_v4().simple())
}

/// A deterministic client token derived from a caller-chosen seed (e.g. plan id + operation
/// key): `tf-` + the first 60 hex characters of SHA-256(seed). Same seed, same token.
pub fn derive_client_token(seed: &str) -> String {
    let hash = sha256_hex(seed.as_bytes());
    format!("tf-{}", &hash[..MAX_CLIENT_TOKEN_LEN - 4])
}

/// Checks that a caller-supplied token is 1–64 printable ASCII characters.
pub fn validate_client_token(token: &str) -> Result<(), Error> {
    if token.is_empty() || token.len() > MAX_CLIENT_TOKEN_LEN {
        return Err(Error::InvalidRequest(format!(
            "client token must be 1-{MAX_CLIENT_TOKEN_LEN} characters, got {}",
            token.len()
        )));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidRequest(
            "client token must be printable ASCII without spaces".into(),
        ));
    }
    Ok(())
}

/// The token for part `index` of a batched logical call whose token is `base`: `base-index`
/// when that fits in 64 characters, otherwise derived by hashing. Deterministic, so a re-run
/// batch reuses the same per-part tokens.
pub fn sub_token(base: &str, index: usize) -> String {
    let candidate = format!("{base}-{index}");
    if candidate.len() <= MAX_CLIENT_TOKEN_LEN {
        candidate
    } else {
        derive_client_token(&candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_valid_and_unique() {
        let a = new_client_token();
        assert!(validate_client_token(&a).is_ok());
        assert_ne!(a, new_client_token());
    }

    #[test]
    fn derived_tokens_are_deterministic_and_valid() {
        let a = derive_client_token("plan-1/CreateRules/lsn-1");
        assert_eq!(a, derive_client_token("plan-1/CreateRules/lsn-1"));
        assert_ne!(a, derive_client_token("plan-2/CreateRules/lsn-1"));
        assert_eq!(a.len(), 63);
        assert!(validate_client_token(&a).is_ok());
    }

    #[test]
    fn validation_rejects_bad_tokens() {
        assert!(validate_client_token("").is_err());
        assert!(validate_client_token(&"x".repeat(65)).is_err());
        assert!(validate_client_token("has space").is_err());
        assert!(validate_client_token("é").is_err());
        assert!(validate_client_token(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn sub_tokens_fit() {
        assert_eq!(sub_token("abc", 2), "abc-2");
        let long = "x".repeat(64);
        let s = sub_token(&long, 1);
        assert!(s.len() <= MAX_CLIENT_TOKEN_LEN);
        assert_eq!(s, sub_token(&long, 1));
        assert_ne!(s, sub_token(&long, 2));
    }
}
