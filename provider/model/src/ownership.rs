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
//! | `alb.terraform/creating` | token of the create run that made the object, until that create finishes |
//! | `alb.terraform/members` | `agent` on a server group whose members `alb-member-sync` keeps (absent: Terraform keeps them) |
//!
//! **Creation marks.** A create marks what it makes as unfinished in the create call itself: the
//! load balancer of an `alb_config` and the server groups of an `alb_ingress` get the
//! `alb.terraform/creating` tag, the ingress's rules (which the API cannot re-tag) a RuleName
//! starting with [`CREATING_RULE_PREFIX`]. When the create has made everything, it removes the
//! marks (rules renamed first, groups untagged, the load balancer last). A later create adopts
//! only what still carries a mark ([`Leftovers::Unfinished`]): what an interrupted create of the
//! same identity left behind. Finished objects with the same identity belong to a finished
//! resource, perhaps of another Terraform state: the create refuses them
//! ([`Leftovers::Finished`]) and the user imports them instead. Listeners, placeholder groups
//! and ACLs belong to their load balancer and follow its mark.
//!
//! An ingress create whose last step is one `CreateRules` call (every rule at once: ≤ 10 rules
//! on one listener, the common case) marks nothing: its server groups exist only for its rules,
//! so groups of its identity without any of its rules are what an interrupted create left, and
//! are judged unfinished as if marked. This saves the two calls that remove marks.
//!
//! Values obey the ALB tag rules (≤128 characters, not starting with `acs:` or `aliyun`, no
//! `http://` / `https://`); a value that does not is replaced by a readable prefix plus a hash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
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
/// Creation-mark tag key (see the module documentation).
pub const TAG_CREATING: &str = "alb.terraform/creating";
/// Member-owner tag key of a server group: [`MEMBERS_AGENT`] when `alb-member-sync` keeps its
/// members (`backend_defaults.member_sync = "agent"`); absent when Terraform keeps them.
pub const TAG_MEMBERS: &str = "alb.terraform/members";
/// [`TAG_MEMBERS`] value of a server group whose members the agent keeps.
pub const MEMBERS_AGENT: &str = "agent";
/// Prefix reserved for the provider's tags (rejected in user tags).
pub const TAG_PREFIX: &str = "alb.terraform/";
/// RuleName prefix of a rule whose create has not finished (rules cannot be re-tagged).
pub const CREATING_RULE_PREFIX: &str = "creating-";
/// Longest RuleName.
const MAX_RULE_NAME: usize = 128;

/// Kind of an owned object (`alb.terraform/resource`; serialized as that tag value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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

/// Whether `tags` mark an ingress server group created from `cluster_id` whose members
/// `alb-member-sync` keeps (tag [`TAG_MEMBERS`] = [`MEMBERS_AGENT`]).
pub fn members_kept_by_agent(tags: &Tags, cluster_id: &str) -> bool {
    owner_of(tags, cluster_id).is_some()
        && tags.get(TAG_RESOURCE).map(String::as_str) == Some(ResourceKind::ServerGroup.as_str())
        && tagged_for_agent(tags)
}

/// Whether `tags` say the agent keeps the object's members ([`TAG_MEMBERS`] = [`MEMBERS_AGENT`]).
pub fn tagged_for_agent(tags: &Tags) -> bool {
    tags.get(TAG_MEMBERS).map(String::as_str) == Some(MEMBERS_AGENT)
}

/// `tags` plus the creation mark of the create run `token`.
pub fn with_creation_mark(tags: &Tags, token: &str) -> Tags {
    let mut marked = tags.clone();
    marked.insert(TAG_CREATING.to_owned(), bounded(token, 128));
    marked
}

/// Whether `tags` carry a creation mark.
pub fn in_creation(tags: &Tags) -> bool {
    tags.contains_key(TAG_CREATING)
}

/// The RuleName a create gives a rule named `name` until the create finishes.
pub fn creating_rule_name(name: &str) -> String {
    format!("{CREATING_RULE_PREFIX}{name}")
        .chars()
        .take(MAX_RULE_NAME)
        .collect()
}

/// Whether a rule named `name` was made by a create that has not finished.
pub fn rule_in_creation(name: &str) -> bool {
    name.starts_with(CREATING_RULE_PREFIX)
}

/// What a create finds with its own identity, judged by the objects' creation marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leftovers {
    /// Nothing: the create makes everything.
    None,
    /// Objects of which at least one still carries a creation mark: an interrupted create left
    /// them, and this create adopts and finishes them.
    Unfinished,
    /// Objects without any creation mark: a finished resource owns them. The create refuses.
    Finished,
}

impl Leftovers {
    /// Judges the objects whose marks are `marks` (`true` = carries a creation mark).
    pub fn judge(marks: impl IntoIterator<Item = bool>) -> Self {
        let mut found = Self::None;
        for marked in marks {
            if marked {
                return Self::Unfinished;
            }
            found = Self::Finished;
        }
        found
    }
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
    fn agent_kept_groups_are_told_by_cluster_kind_and_member_tag() {
        let web = IngressId::new("shop", "web");
        let mut group = ingress_tags("c1", "main", &web, ResourceKind::ServerGroup, "api:80");
        assert!(
            !members_kept_by_agent(&group, "c1"),
            "no member tag: Terraform keeps them"
        );
        group.insert(TAG_MEMBERS.to_owned(), MEMBERS_AGENT.to_owned());
        assert!(members_kept_by_agent(&group, "c1"));
        assert!(
            !members_kept_by_agent(&group, "c2"),
            "another cluster's group"
        );
        let mut rule = ingress_tags("c1", "main", &web, ResourceKind::Rule, "HTTP:80 path=/");
        rule.insert(TAG_MEMBERS.to_owned(), MEMBERS_AGENT.to_owned());
        assert!(!members_kept_by_agent(&rule, "c1"), "not a server group");
        let mut placeholder = config_tags("c1", "main", ResourceKind::Placeholder, Some("HTTP:80"));
        placeholder.insert(TAG_MEMBERS.to_owned(), MEMBERS_AGENT.to_owned());
        assert!(
            !members_kept_by_agent(&placeholder, "c1"),
            "not an ingress group"
        );
        group.insert(TAG_MEMBERS.to_owned(), "terraform".to_owned());
        assert!(!members_kept_by_agent(&group, "c1"));
    }

    #[test]
    fn creation_marks_are_told_from_finished_objects() {
        let tags = config_tags("c1", "main", ResourceKind::LoadBalancer, None);
        let marked = with_creation_mark(&tags, "run-1");
        assert!(in_creation(&marked) && !in_creation(&tags));
        assert_eq!(marked.get(TAG_CREATING).map(String::as_str), Some("run-1"));
        assert!(owns_config_object(&marked, "c1", "main"), "still owned");

        let name = creating_rule_name("k8s-shop-web-http-80-10");
        assert!(rule_in_creation(&name) && !rule_in_creation("k8s-shop-web-http-80-10"));
        assert_eq!(creating_rule_name(&"r".repeat(128)).len(), 128);

        assert_eq!(Leftovers::judge([]), Leftovers::None);
        assert_eq!(Leftovers::judge([false, false]), Leftovers::Finished);
        assert_eq!(Leftovers::judge([false, true]), Leftovers::Unfinished);
        assert_eq!(Leftovers::judge([true]), Leftovers::Unfinished);
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
