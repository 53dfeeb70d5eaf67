//! Listener ACLs of an `alb_config`: the identity of a listener's managed ACL, the listener's
//! `acl` as it exists (refresh and import), and the ACL part of the config plan.
//!
//! An `acl` block with `entries` makes the provider manage one ACL per listener, named
//! `acl-<config>-<port>` (`-quic` appended on QUIC) and tagged with the config's ownership tags plus
//! `alb.terraform/resource = acl` and `alb.terraform/key = acl:<listener>` (found again by these
//! tags, so a create interrupted after `CreateAcl` is adopted). An `acl` block with `acl_ids`
//! binds existing ACLs, which are never changed or deleted.
//!
//! Plan phases ([`plan_acls`], spliced into [`crate::plan_config_ops`]):
//! 1. `create`: `CreateAcl` + `AddAclEntries` for a new managed ACL, `AddAclEntries` for missing
//!    entries — before anything is bound, and before stale entries go (make-before-break), unless
//!    the ACL would then exceed its entry quota (the stale entries are removed first then);
//! 2. `bind`, per listener: `AssociateAcls` of new bindings before `DissociateAcls` of stale ones,
//!    unless the listener would then hold more than [`MAX_ACLS_PER_LISTENER`]; a type change
//!    dissociates everything first (one type per listener);
//! 3. `remove`: `RemoveAclEntries` of stale entries;
//! 4. `delete`: `DeleteAcl` of owned ACLs no longer wanted, after their listeners let go of them
//!    (dissociation in `bind`, listener deletion before).
//!
//! Entries compare as sets by [`canonical_entry`]: whether the API answers a single address as
//! sent or as a `/32` (`/128`) CIDR is not documented \[INF\], so both spellings are the same entry.

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::{Acl, DesiredListener, DesiredLoadBalancer, ListenerKey};
use crate::diff::{AclRef, ActualAcl, ActualListener, ActualLoadBalancer, ListenerRef, OpKind};
use crate::ownership::{
    config_tags, owns_config_object, ResourceKind, Tags, TAG_KEY, TAG_RESOURCE,
};
use crate::spec::{Edition, ListenerProtocol};

/// ACLs bound to one listener at most.
pub const MAX_ACLS_PER_LISTENER: usize = 3;
/// Longest AclName.
const MAX_NAME: usize = 128;
/// Key prefix of an ACL named by id (`acl_ids`).
const ID_KEY_PREFIX: &str = "id:";

/// The `alb.terraform/key` of the managed ACL of `listener`.
pub fn acl_key(listener: ListenerKey) -> String {
    format!("acl:{listener}")
}

/// The AclName of the managed ACL of `listener` of config `config`: `acl-<config>-<port>`
/// (`-quic` appended for a QUIC listener, which may share its port with an HTTPS one),
/// characters outside letters, digits, `.`, `_` and `-` replaced by `-` and the config part
/// shortened to fit 128 characters (AclName rules).
pub fn acl_name(config: &str, listener: ListenerKey) -> String {
    let suffix = match listener.protocol {
        ListenerProtocol::Quic => format!("-{}-quic", listener.port),
        _ => format!("-{}", listener.port),
    };
    let keep = MAX_NAME - "acl-".len() - suffix.len();
    let middle: String = config
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(keep)
        .collect();
    format!("acl-{middle}{suffix}")
}

/// The ownership tags of the managed ACL of `listener`.
pub fn acl_tags(cluster_id: &str, config: &str, listener: ListenerKey) -> Tags {
    config_tags(
        cluster_id,
        config,
        ResourceKind::Acl,
        Some(&acl_key(listener)),
    )
}

/// The comparable form of an ACL entry: a single address becomes its host CIDR (`/32`, or
/// `/128` for IPv6), so `10.0.0.1` and `10.0.0.1/32` are one entry.
pub fn canonical_entry(entry: &str) -> String {
    let entry = entry.trim();
    match (entry.contains('/'), entry.contains(':')) {
        (true, _) => entry.to_owned(),
        (false, true) => format!("{entry}/128"),
        (false, false) => format!("{entry}/32"),
    }
}

/// Entries of one ACL at most on a load balancer of `edition` (the per-listener entry quota,
/// which a single managed ACL must respect too).
pub fn max_entries(edition: Edition) -> usize {
    match edition {
        Edition::Basic => 300,
        _ => 500,
    }
}

/// The managed ACL of `listener` among `acls`: the one bound to it if several carry its key.
fn managed_acl<'a>(acls: &[&'a ActualAcl], listener: &ActualListener) -> Option<&'a ActualAcl> {
    let key = acl_key(listener.key);
    let mut candidates = acls
        .iter()
        .filter(|a| a.tags.get(TAG_KEY) == Some(&key))
        .copied();
    let first = candidates.clone().next();
    candidates
        .find(|a| listener.acl_ids.contains(&a.id))
        .or(first)
}

/// The listener's `acl` as it exists: its managed ACL's entries (sorted) when that is bound, the
/// other bound ACLs as `acl_ids`; `None` when nothing is bound. `owned` are the config's ACLs.
pub fn listener_acl(listener: &ActualListener, owned: &[ActualAcl]) -> Option<Acl> {
    let kind = listener.acl_type?;
    if listener.acl_ids.is_empty() {
        return None;
    }
    let owned: Vec<&ActualAcl> = owned.iter().collect();
    let managed = managed_acl(&owned, listener).filter(|m| listener.acl_ids.contains(&m.id));
    let mut entries: Vec<String> = managed.map(|m| m.entries.clone()).unwrap_or_default();
    entries.sort();
    entries.dedup();
    let acl_ids = listener
        .acl_ids
        .iter()
        .filter(|id| managed.is_none_or(|m| &m.id != *id))
        .cloned()
        .collect();
    Some(Acl {
        kind,
        entries,
        acl_ids,
    })
}

/// The ACL operations of a config plan, by phase (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct AclPlan {
    pub create: Vec<OpKind>,
    pub bind: Vec<OpKind>,
    pub remove: Vec<OpKind>,
    pub delete: Vec<OpKind>,
}

/// Plans the ACLs of `desired` against `actual` (`None`: nothing exists). `config` is the
/// config identity of the ownership tags.
pub(crate) fn plan_acls(
    desired: &DesiredLoadBalancer,
    actual: Option<&ActualLoadBalancer>,
    cluster_id: &str,
    config: &str,
) -> AclPlan {
    let mine = |tags: &Tags| owns_config_object(tags, cluster_id, config);
    let owned: Vec<&ActualAcl> = actual
        .map(|a| a.acls.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|a| {
            mine(&a.tags)
                && a.tags.get(TAG_RESOURCE).map(String::as_str) == Some(ResourceKind::Acl.as_str())
        })
        .collect();
    let listeners: BTreeMap<ListenerKey, &ActualListener> = actual
        .map(|a| a.listeners.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|l| mine(&l.tags))
        .map(|l| (l.key, l))
        .collect();
    let mut plan = AclPlan::default();
    let mut kept: BTreeSet<&str> = BTreeSet::new();
    for l in &desired.listeners {
        let existing = listeners.get(&l.key).copied();
        let managed = existing.and_then(|a| managed_acl(&owned, a)).or_else(|| {
            let key = acl_key(l.key);
            owned
                .iter()
                .find(|a| a.tags.get(TAG_KEY) == Some(&key))
                .copied()
        });
        let want = l.attributes.acl.as_ref();
        let managed_ref = match want.filter(|w| w.managed()) {
            Some(w) => {
                if let Some(m) = managed {
                    kept.insert(&m.id);
                }
                Some(plan_entries(
                    &mut plan,
                    l,
                    w,
                    managed,
                    max_entries(desired.edition),
                    cluster_id,
                    config,
                ))
            }
            None => None,
        };
        let mut wanted: Vec<AclRef> = managed_ref.into_iter().collect();
        for id in want.map(|w| w.acl_ids.as_slice()).unwrap_or_default() {
            if !wanted.iter().any(|r| r.id.as_deref() == Some(id)) {
                wanted.push(AclRef {
                    key: format!("{ID_KEY_PREFIX}{id}"),
                    id: Some(id.clone()),
                });
            }
        }
        plan_bindings(&mut plan.bind, l.key, want, wanted, existing);
    }
    for a in owned {
        if !kept.contains(a.id.as_str()) {
            plan.delete.push(OpKind::DeleteAcl {
                id: a.id.clone(),
                key: a.tags.get(TAG_KEY).cloned().unwrap_or_default(),
            });
        }
    }
    plan
}

/// Creates the managed ACL of `l` or converges its entries; returns its reference.
fn plan_entries(
    plan: &mut AclPlan,
    l: &DesiredListener,
    want: &Acl,
    managed: Option<&ActualAcl>,
    limit: usize,
    cluster_id: &str,
    config: &str,
) -> AclRef {
    let key = acl_key(l.key);
    let wanted: BTreeSet<&String> = want.entries.iter().collect();
    let Some(m) = managed else {
        plan.create.push(OpKind::CreateAcl {
            listener: l.key,
            key: key.clone(),
            name: acl_name(config, l.key),
            tags: acl_tags(cluster_id, config, l.key),
        });
        let acl = AclRef { key, id: None };
        if !wanted.is_empty() {
            plan.create.push(OpKind::AddAclEntries {
                acl: acl.clone(),
                entries: wanted.into_iter().cloned().collect(),
            });
        }
        return acl;
    };
    let acl = AclRef {
        key,
        id: Some(m.id.clone()),
    };
    // Compared in canonical form; entries are added as configured and removed as the API has them.
    let wanted_canonical: BTreeSet<String> = wanted.iter().map(|e| canonical_entry(e)).collect();
    let have_canonical: BTreeSet<String> = m.entries.iter().map(|e| canonical_entry(e)).collect();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|e| !have_canonical.contains(&canonical_entry(e)))
        .map(|e| (*e).clone())
        .collect();
    let stale: Vec<String> = m
        .entries
        .iter()
        .filter(|e| !wanted_canonical.contains(&canonical_entry(e)))
        .cloned()
        .collect();
    let have_len = have_canonical.len();
    let remove_first = have_len + missing.len() > limit;
    if !stale.is_empty() {
        let op = OpKind::RemoveAclEntries {
            acl: acl.clone(),
            entries: stale,
        };
        if remove_first {
            plan.create.push(op);
        } else {
            plan.remove.push(op);
        }
    }
    if !missing.is_empty() {
        plan.create.push(OpKind::AddAclEntries {
            acl: acl.clone(),
            entries: missing,
        });
    }
    acl
}

/// The binding changes of listener `key` (`existing`: the listener as it is, `None` when the
/// plan creates it) from what is bound to `wanted` of type `want.kind`.
fn plan_bindings(
    out: &mut Vec<OpKind>,
    key: ListenerKey,
    want: Option<&Acl>,
    wanted: Vec<AclRef>,
    existing: Option<&ActualListener>,
) {
    let bound: &[String] = existing.map(|a| a.acl_ids.as_slice()).unwrap_or_default();
    let type_changed = match (want, existing) {
        (Some(w), Some(a)) => !bound.is_empty() && a.acl_type != Some(w.kind),
        _ => false,
    };
    let is_wanted = |id: &String| wanted.iter().any(|r| r.id.as_ref() == Some(id));
    let stale: Vec<String> = bound
        .iter()
        .filter(|id| type_changed || !is_wanted(id))
        .cloned()
        .collect();
    let new: Vec<AclRef> = wanted
        .into_iter()
        .filter(|r| type_changed || r.id.as_ref().is_none_or(|id| !bound.contains(id)))
        .collect();
    let dissociate = existing
        .filter(|_| !stale.is_empty())
        .map(|a| OpKind::DissociateAcls {
            listener_id: a.id.clone(),
            listener: key,
            acl_ids: stale.clone(),
        });
    let associate = match want {
        Some(w) if !new.is_empty() => Some(OpKind::AssociateAcls {
            listener: ListenerRef {
                key,
                id: existing.map(|a| a.id.clone()),
            },
            kind: w.kind,
            acls: new.clone(),
        }),
        _ => None,
    };
    let make_before_break = !type_changed && bound.len() + new.len() <= MAX_ACLS_PER_LISTENER;
    if make_before_break {
        out.extend(associate.into_iter().chain(dissociate));
    } else {
        out.extend(dissociate.into_iter().chain(associate));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::AclType;

    #[test]
    fn single_addresses_are_host_cidrs() {
        assert_eq!(canonical_entry("10.0.0.1"), "10.0.0.1/32");
        assert_eq!(canonical_entry(" 10.0.0.1/32 "), "10.0.0.1/32");
        assert_eq!(canonical_entry("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(canonical_entry("2001:db8::1"), "2001:db8::1/128");
    }

    #[test]
    fn names_follow_the_acl_name_rules() {
        let key = ListenerKey::new(ListenerProtocol::Https, 443);
        let http = |port| ListenerKey::new(ListenerProtocol::Http, port);
        assert_eq!(acl_name("web-alb", key), "acl-web-alb-443");
        assert_eq!(
            acl_name("web-alb", ListenerKey::new(ListenerProtocol::Quic, 443)),
            "acl-web-alb-443-quic"
        );
        assert_eq!(acl_name("shop/web alb", http(80)), "acl-shop-web-alb-80");
        let long = acl_name(&"x".repeat(300), http(8080));
        assert_eq!(long.len(), 128);
        assert!(long.ends_with("-8080"));
        assert_eq!(acl_key(key), "acl:HTTPS:443");
        assert_eq!(acl_tags("c1", "web", key)[TAG_KEY], "acl:HTTPS:443");
        assert_eq!(acl_tags("c1", "web", key)[TAG_RESOURCE], "acl");
    }

    fn listener(ids: &[&str], kind: Option<AclType>) -> ActualListener {
        ActualListener {
            id: "lsn-1".into(),
            key: ListenerKey::new(ListenerProtocol::Http, 80),
            attributes: crate::expand_config(&crate::spec::ConfigSpec {
                listener: vec![crate::spec::ListenerSpec::new(80, ListenerProtocol::Http)],
                ..Default::default()
            })
            .expect("expands")
            .listeners[0]
                .attributes
                .clone(),
            default_server_group_id: None,
            tags: Tags::new(),
            acl_type: kind,
            acl_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn managed(id: &str, entries: &[&str]) -> ActualAcl {
        ActualAcl {
            id: id.into(),
            name: "acl-web-80".into(),
            tags: acl_tags("c1", "web", ListenerKey::new(ListenerProtocol::Http, 80)),
            entries: entries.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn listener_acl_reconstructs_entries_and_foreign_ids() {
        let acls = [managed("acl-m", &["10.0.0.0/8", "1.1.1.1"])];
        let white = Some(AclType::White);
        assert_eq!(listener_acl(&listener(&[], None), &acls), None);
        assert_eq!(
            listener_acl(&listener(&["acl-m"], white), &acls),
            Some(Acl {
                kind: AclType::White,
                entries: vec!["1.1.1.1".into(), "10.0.0.0/8".into()],
                acl_ids: vec![],
            })
        );
        assert_eq!(
            listener_acl(&listener(&["acl-f"], Some(AclType::Black)), &acls),
            Some(Acl {
                kind: AclType::Black,
                entries: vec![],
                acl_ids: vec!["acl-f".into()],
            })
        );
        let both = listener_acl(&listener(&["acl-m", "acl-f"], white), &acls).expect("bound");
        assert_eq!(both.entries.len(), 2);
        assert_eq!(both.acl_ids, ["acl-f"]);
        assert!(both.managed());
    }
}
