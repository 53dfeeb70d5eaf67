//! Ownership tags carried by every object the provider creates, the ownership test, and
//! deterministic ClientTokens.
//!
//! | tag key | value |
//! |---|---|
//! | `alb.terraform/cluster` | cluster id from the provider configuration |
//! | `alb.terraform/config` | alb_config name (or load balancer id) |
//! | `alb.terraform/ingress` | `<namespace>/<name>` (rules and server groups only) |
//! | `alb.terraform/resource` | object kind: `load-balancer`, `listener`, `placeholder`, `rule`, `server-group`, `acl` |
//! | `alb.terraform/key` | identity inside the owner: server-group key, rule identity, listener key, `acl:<listener key>` |
//!
//! Values obey the ALB tag rules (≤128 characters, not starting with `acs:` or `aliyun`, no
//! `http://` / `https://`); a value that does not is replaced by a readable prefix plus a hash.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::desired::IngressId;

/// Tags of one cloud object.
pub type Tags = BTreeMap<String, String>;

/// Cluster tag key.
pub const TAG_CLUSTER: &str = "alb.terraform/cluster";
/// alb_config tag key.
pub const TAG_CONFIG: &str = "alb.terraform/config";
/// alb_ingress tag key.
pub const TAG_INGRESS: &str = "alb.terraform/ingress";
/// Object kind tag key.
pub const TAG_RESOURCE: &str = "alb.terraform/resource";
/// Object identity tag key.
pub const TAG_KEY: &str = "alb.terraform/key";
/// Prefix reserved for the provider's tags (rejected in user tags).
pub const TAG_PREFIX: &str = "alb.terraform/";

/// Kind of an owned object (`alb.terraform/resource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// The ALB instance.
    LoadBalancer,
    /// A listener.
    Listener,
    /// A listener's placeholder server group.
    Placeholder,
    /// A forwarding rule.
    Rule,
    /// An ingress server group.
    ServerGroup,
    /// A listener's managed access control list (`acl { entries = … }`).
    Acl,
}

impl ResourceKind {
    /// Tag value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoadBalancer => "load-balancer",
            Self::Listener => "listener",
            Self::Placeholder => "placeholder",
            Self::Rule => "rule",
            Self::ServerGroup => "server-group",
            Self::Acl => "acl",
        }
    }
}

/// Checks a tag key or value against the ALB rules; `Err` says why.
pub fn check_tag(s: &str, max: usize) -> Result<(), String> {
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("acs:") || lower.starts_with("aliyun") {
        return Err("must not start with \"acs:\" or \"aliyun\"".to_owned());
    }
    if lower.contains("http://") || lower.contains("https://") {
        return Err("must not contain \"http://\" or \"https://\"".to_owned());
    }
    Ok(())
}

/// A string made safe as a tag value (and as a name fragment): returned unchanged when valid,
/// else a prefix of it plus `~` and 12 hex digits of its SHA-256 (total ≤ `max`).
pub fn bounded(s: &str, max: usize) -> String {
    if check_tag(s, max).is_ok() {
        return s.to_owned();
    }
    let hash = short_hash(s.as_bytes(), 12);
    let keep = max.saturating_sub(hash.len() + 2);
    let mut prefix: String = s.replace("://", "-").chars().take(keep).collect();
    let lower = prefix.to_ascii_lowercase();
    if lower.starts_with("acs:") || lower.starts_with("aliyun") {
        prefix.insert(0, '_');
    }
    format!("{prefix}~{hash}")
}

/// First `n` hex digits of SHA-256.
pub fn short_hash(bytes: &[u8], n: usize) -> String {
    let mut h = hex::encode(Sha256::digest(bytes));
    h.truncate(n);
    h
}

/// Tags of an object owned by an alb_config (load balancer, listener, placeholder group).
pub fn config_tags(cluster_id: &str, config: &str, kind: ResourceKind, key: Option<&str>) -> Tags {
    let mut t = Tags::new();
    t.insert(TAG_CLUSTER.to_owned(), bounded(cluster_id, 128));
    t.insert(TAG_CONFIG.to_owned(), bounded(config, 128));
    t.insert(TAG_RESOURCE.to_owned(), kind.as_str().to_owned());
    if let Some(k) = key {
        t.insert(TAG_KEY.to_owned(), bounded(k, 128));
    }
    t
}

/// Tags of an object owned by an alb_ingress (rule, server group).
pub fn ingress_tags(
    cluster_id: &str,
    config: &str,
    ingress: &IngressId,
    kind: ResourceKind,
    key: &str,
) -> Tags {
    let mut t = config_tags(cluster_id, config, kind, Some(key));
    t.insert(TAG_INGRESS.to_owned(), bounded(&ingress.to_string(), 128));
    t
}

/// Whether `tags` mark an object of `ingress` created from `cluster_id`.
pub fn owns(tags: &Tags, cluster_id: &str, ingress: &IngressId) -> bool {
    tags.get(TAG_CLUSTER).map(String::as_str) == Some(bounded(cluster_id, 128).as_str())
        && tags.get(TAG_INGRESS).map(String::as_str)
            == Some(bounded(&ingress.to_string(), 128).as_str())
}

/// Whether `tags` mark an object of the alb_config `config` created from `cluster_id`.
pub fn owns_config_object(tags: &Tags, cluster_id: &str, config: &str) -> bool {
    tags.get(TAG_CLUSTER).map(String::as_str) == Some(bounded(cluster_id, 128).as_str())
        && tags.get(TAG_CONFIG).map(String::as_str) == Some(bounded(config, 128).as_str())
        && !tags.contains_key(TAG_INGRESS)
}

/// The alb_ingress that owns an object in this cluster, if any (`None` = foreign or another cluster).
pub fn owner_of(tags: &Tags, cluster_id: &str) -> Option<IngressId> {
    if tags.get(TAG_CLUSTER).map(String::as_str) != Some(bounded(cluster_id, 128).as_str()) {
        return None;
    }
    tags.get(TAG_INGRESS)?.parse().ok()
}

/// SHA-256 (16 hex digits) of the JSON rendering of `content`: what a mutating call sends.
pub fn content_hash<T: Serialize>(content: &T) -> String {
    let json = serde_json::to_vec(content).unwrap_or_default();
    short_hash(&json, 16)
}

/// A ClientToken (≤64 ASCII) that is the same whenever the same owner performs the same
/// operation with the same content on the same object: a re-run after a crash reuses it, so the
/// API returns the earlier result instead of creating a duplicate.
pub fn client_token(owner: &str, object_key: &str, operation: &str, content_hash: &str) -> String {
    let digest = short_hash(
        format!("{owner}\n{object_key}\n{operation}\n{content_hash}").as_bytes(),
        40,
    );
    let op: String = operation
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64 - 1 - digest.len())
        .collect();
    format!("{op}-{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_filter() {
        let web = IngressId::new("shop", "web");
        let api = IngressId::new("shop", "api");
        let tags = ingress_tags("c1", "main", &web, ResourceKind::Rule, "HTTP:80 path=/");
        assert!(owns(&tags, "c1", &web));
        assert!(!owns(&tags, "c1", &api));
        assert!(!owns(&tags, "c2", &web));
        assert!(!owns(&Tags::new(), "c1", &web));
        assert_eq!(owner_of(&tags, "c1"), Some(web));
        assert_eq!(owner_of(&tags, "c2"), None);
        assert!(!owns_config_object(&tags, "c1", "main"));
        let lt = config_tags("c1", "main", ResourceKind::Listener, Some("HTTP:80"));
        assert!(owns_config_object(&lt, "c1", "main"));
        assert!(!owns_config_object(&lt, "c1", "other"));
    }

    #[test]
    fn tag_values_are_bounded_and_clean() {
        let long = format!("HTTPS:443 host=a.example.com path=/{}", "x".repeat(200));
        let b = bounded(&long, 128);
        assert!(b.len() <= 128, "{b}");
        assert!(check_tag(&b, 128).is_ok());
        assert_eq!(bounded(&long, 128), b, "deterministic");
        let url = bounded("path=/https://evil", 128);
        assert!(check_tag(&url, 128).is_ok(), "{url}");
        assert!(check_tag(&bounded("aliyun-x", 128), 128).is_ok());
        assert_eq!(bounded("HTTP:80 path=/", 128), "HTTP:80 path=/");
    }

    #[test]
    fn client_tokens_are_stable_and_short() {
        let a = client_token("shop/web", "api:80", "CreateServerGroup", "abc");
        assert_eq!(
            a,
            client_token("shop/web", "api:80", "CreateServerGroup", "abc")
        );
        assert_ne!(
            a,
            client_token("shop/web", "api:80", "CreateServerGroup", "abd")
        );
        assert_ne!(
            a,
            client_token("shop/web", "api:81", "CreateServerGroup", "abc")
        );
        assert!(a.len() <= 64 && a.is_ascii());
        let long = client_token("x", "y", &"Op".repeat(50), "h");
        assert!(long.len() <= 64);
    }
}
