//! The "needs attention" list: changes a reviewer must not miss because they can cut or move
//! traffic. One item per cause: a destroyed load balancer stands for its listeners and rules, a
//! removed listener or destroyed ingress for its rules.

use std::collections::BTreeSet;

use super::changes::{Diff, LoadBalancerChanges, PlanChanges, RuleChange, RuleSide};
use super::plan_json::ChangeKind;

/// Members dropping to less than this share of their count need attention.
const MEMBER_DROP_SHARE: f64 = 0.5;

/// The attention items of a plan, in report order (load balancers, then listeners, rules and
/// server groups in the order they are shown).
pub fn attention(changes: &PlanChanges) -> Vec<String> {
    changes
        .load_balancers
        .iter()
        .flat_map(load_balancer_items)
        .collect()
}

fn load_balancer_items(lb: &LoadBalancerChanges) -> Vec<String> {
    let name = format!("load balancer `{}`", lb.label);
    let mut items = Vec::new();
    match lb.kind {
        ChangeKind::Delete => {
            items.push(format!(
                "{name} is **destroyed**, with all its listeners and rules"
            ));
            return items;
        }
        ChangeKind::Replace => items.push(format!(
            "{name} is **replaced**{}: a new load balancer gets a new DNS name",
            forced_by(&lb.replace_attributes)
        )),
        _ => {}
    }
    if lb.deletion_protection_off {
        items.push(format!("{name}: deletion protection is turned **off**"));
    }
    let mut gone_ingresses = BTreeSet::new();
    for ingress in &lb.ingresses {
        let what = format!("ingress `{}` (`{}`)", ingress.label, ingress.address);
        match ingress.kind {
            ChangeKind::Delete => {
                gone_ingresses.insert(ingress.label.as_str());
                items.push(format!("{what} is **destroyed**, with its rules"));
            }
            ChangeKind::Replace => items.push(format!(
                "{what} is **replaced**{}",
                forced_by(&ingress.replace_attributes)
            )),
            _ => {}
        }
    }
    for listener in &lb.listeners {
        if listener.diff == Some(Diff::Removed) {
            items.push(format!(
                "listener `{}` is **removed** (it had {} rule{})",
                listener.key,
                listener.rules_before,
                if listener.rules_before == 1 { "" } else { "s" }
            ));
            continue;
        }
        for rule in &listener.rules {
            items.extend(rule_items(&listener.key, rule, &gone_ingresses));
        }
    }
    for group in &lb.server_groups {
        if let (Some(before), Some(after)) = (group.members_before, group.members_after) {
            if before > 0 && (after as f64) < before as f64 * MEMBER_DROP_SHARE {
                items.push(format!(
                    "server group `{}` of `{}`: members drop from {before} to {after}",
                    group.key, group.ingress
                ));
            }
        }
    }
    items
}

fn rule_items(listener: &str, rule: &RuleChange, gone_ingresses: &BTreeSet<&str>) -> Vec<String> {
    let mut items = Vec::new();
    match (rule.diff, &rule.before, &rule.after) {
        (Diff::Removed, Some(old), _) if !gone_ingresses.contains(old.ingress.as_str()) => {
            items.push(format!(
                "{} is **removed** (was `{}`)",
                rule_name(listener, old),
                old.action
            ));
        }
        (Diff::Changed, Some(old), Some(new)) => {
            if old.priority != new.priority {
                items.push(format!(
                    "{}: priority moves {} → {}",
                    rule_name(listener, new),
                    number(&old.priority),
                    number(&new.priority)
                ));
            }
            if !old.shares.is_empty() && !new.shares.is_empty() && old.shares != new.shares {
                items.push(format!(
                    "{}: weight shift {}",
                    rule_name(listener, new),
                    weight_shift(old, new)
                ));
            }
        }
        _ => {}
    }
    items
}

fn rule_name(listener: &str, rule: &RuleSide) -> String {
    format!(
        "rule `{listener}` `{}` of `{}`",
        rule.matched.replace('`', "'"),
        rule.ingress
    )
}

/// `api:80 80% → 50%, canary:80 20% → 50%`: every target whose share changes.
fn weight_shift(old: &RuleSide, new: &RuleSide) -> String {
    let keys: BTreeSet<&String> = old.shares.keys().chain(new.shares.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let before = old.shares.get(key).copied().unwrap_or(0.0);
            let after = new.shares.get(key).copied().unwrap_or(0.0);
            (before != after).then(|| format!("`{key}` {} → {}", percent(before), percent(after)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn percent(share: f64) -> String {
    format!("{}%", (share * 10.0).round() / 10.0)
}

fn number(n: &Option<serde_json::Number>) -> String {
    n.as_ref()
        .map_or_else(|| "?".to_owned(), serde_json::Number::to_string)
}

fn forced_by(attributes: &[String]) -> String {
    if attributes.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = attributes.iter().map(|a| format!("`{a}`")).collect();
        format!(" (forced by {})", names.join(", "))
    }
}
