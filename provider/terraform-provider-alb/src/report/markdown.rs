//! Markdown for a pull-request comment: the attention list first, then per load balancer its
//! attribute changes, ingresses, listeners (with ACLs), the rule tables per listener and the
//! server groups. Only what the plan changes is shown.

use super::changes::{
    AttributeChange, Diff, GroupChange, IngressChange, ListenerChanges, LoadBalancerChanges,
    PlanChanges, RuleChange, RuleSide, UNKNOWN,
};
use super::plan_json::ChangeKind;
use super::values::AclValues;

/// Heading of the report (also how CI finds its earlier comment to update).
pub const TITLE: &str = "## ALB plan report";

/// Renders the report.
pub fn render(changes: &PlanChanges, attention: &[String]) -> String {
    let mut out = format!("{TITLE}\n\n");
    if changes.load_balancers.is_empty() {
        out.push_str("No `alb_config` or `alb_ingress` changes in this plan.\n");
        return out;
    }
    out.push_str(&totals(changes));
    out.push_str("\n\n");
    if attention.is_empty() {
        out.push_str("**Needs attention:** nothing.\n");
    } else {
        out.push_str("**Needs attention:**\n\n");
        for item in attention {
            out.push_str(&format!("- ⚠️ {item}\n"));
        }
    }
    for lb in &changes.load_balancers {
        out.push('\n');
        load_balancer(&mut out, lb);
    }
    out
}

/// One line of counts: load balancers, ingresses, rules and server groups.
fn totals(changes: &PlanChanges) -> String {
    let lbs = changes.load_balancers.iter();
    let kinds = |kinds: Vec<ChangeKind>| {
        let count = |k: ChangeKind| kinds.iter().filter(|x| **x == k).count();
        [
            (ChangeKind::Create, "to create"),
            (ChangeKind::Update, "to update"),
            (ChangeKind::Replace, "to replace"),
            (ChangeKind::Delete, "to destroy"),
        ]
        .into_iter()
        .filter(|(k, _)| count(*k) > 0)
        .map(|(k, what)| format!("{} {what}", count(k)))
        .collect::<Vec<_>>()
    };
    let diffs = |diffs: Vec<Diff>| {
        let count = |d: Diff| diffs.iter().filter(|x| **x == d).count();
        format!(
            "{} added, {} changed, {} removed",
            count(Diff::Added),
            count(Diff::Changed),
            count(Diff::Removed)
        )
    };
    let mut parts = Vec::new();
    let lb_kinds = kinds(lbs.clone().map(|lb| lb.kind).collect());
    if !lb_kinds.is_empty() {
        parts.push(format!("Load balancers: {}", lb_kinds.join(", ")));
    }
    let ingress_kinds = kinds(
        lbs.clone()
            .flat_map(|lb| lb.ingresses.iter().map(|i| i.kind))
            .collect(),
    );
    if !ingress_kinds.is_empty() {
        parts.push(format!("Ingresses: {}", ingress_kinds.join(", ")));
    }
    parts.push(format!(
        "Rules: {}",
        diffs(
            lbs.clone()
                .flat_map(|lb| &lb.listeners)
                .flat_map(|l| l.rules.iter().map(|r| r.diff))
                .collect()
        )
    ));
    parts.push(format!(
        "Server groups: {}",
        diffs(
            lbs.flat_map(|lb| lb.server_groups.iter().map(|g| g.diff))
                .collect()
        )
    ));
    parts.join(" · ")
}

fn load_balancer(out: &mut String, lb: &LoadBalancerChanges) {
    let address = lb
        .address
        .as_ref()
        .map_or_else(|| " (not in this plan)".to_owned(), |a| format!(" (`{a}`)"));
    out.push_str(&format!(
        "### Load balancer `{}`{address}: {}\n",
        lb.label,
        kind_word(lb.kind)
    ));
    if !lb.replace_attributes.is_empty() {
        let names: Vec<String> = lb
            .replace_attributes
            .iter()
            .map(|a| format!("`{a}`"))
            .collect();
        out.push_str(&format!("\nReplacement forced by {}.\n", names.join(", ")));
    }
    if !lb.attributes.is_empty() {
        out.push_str("\n| attribute | before | after |\n|---|---|---|\n");
        for a in &lb.attributes {
            out.push_str(&attribute_row(a));
        }
    }
    if !lb.ingresses.is_empty() {
        out.push_str("\n| ingress | resource | change |\n|---|---|---|\n");
        for ingress in &lb.ingresses {
            out.push_str(&ingress_row(ingress));
        }
    }
    let listener_rows: Vec<&ListenerChanges> =
        lb.listeners.iter().filter(|l| l.diff.is_some()).collect();
    if !listener_rows.is_empty() {
        out.push_str("\n#### Listeners\n\n|  | listener | changes |\n|---|---|---|\n");
        for l in listener_rows {
            out.push_str(&listener_row(l));
        }
    }
    for l in lb.listeners.iter().filter(|l| !l.rules.is_empty()) {
        out.push_str(&format!(
            "\n#### Rules on `{}`\n\n|  | priority | match | action | ingress |\n|---|---|---|---|---|\n",
            l.key
        ));
        for rule in &l.rules {
            out.push_str(&rule_row(rule));
        }
    }
    if !lb.server_groups.is_empty() {
        out.push_str(
            "\n#### Server groups\n\n|  | server group | ingress | members | changes |\n|---|---|---|---|---|\n",
        );
        for g in &lb.server_groups {
            out.push_str(&group_row(g));
        }
    }
}

fn kind_word(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Create => "create",
        ChangeKind::Update => "update in place",
        ChangeKind::Replace => "**replace**",
        ChangeKind::Delete => "**destroy**",
        ChangeKind::NoOp => "unchanged",
    }
}

fn diff_mark(diff: Diff) -> &'static str {
    match diff {
        Diff::Added => "+",
        Diff::Changed => "~",
        Diff::Removed => "−",
    }
}

fn attribute_row(a: &AttributeChange) -> String {
    format!(
        "| {} | {} | {} |\n",
        cell(&code(&a.name)),
        cell(&code(&a.before)),
        cell(&code(&a.after))
    )
}

fn ingress_row(i: &IngressChange) -> String {
    let forced = if i.replace_attributes.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = i.replace_attributes.iter().map(|a| code(a)).collect();
        format!(" (forced by {})", names.join(", "))
    };
    format!(
        "| {} | {} | {}{} |\n",
        cell(&i.label),
        cell(&code(&i.address)),
        kind_word(i.kind),
        cell(&forced)
    )
}

fn listener_row(l: &ListenerChanges) -> String {
    let mut details: Vec<String> = l
        .attributes
        .iter()
        .map(|a| format!("`{}`: {} → {}", a.name, code(&a.before), code(&a.after)))
        .collect();
    if let Some((before, after)) = &l.acl {
        details.push(acl_change(before.as_ref(), after.as_ref()));
    }
    format!(
        "| {} | `{}` | {} |\n",
        diff_mark(l.diff.unwrap_or(Diff::Changed)),
        cell(&l.key),
        cell(&details.join("; "))
    )
}

/// `ACL White: +10.0.0.0/8, −192.0.2.1`, `ACL removed (was White …)`, `ACL Black → White …`.
fn acl_change(before: Option<&AclValues>, after: Option<&AclValues>) -> String {
    let describe = |acl: &AclValues| {
        let mut parts = vec![acl.acl_type.clone().unwrap_or_else(|| "?".to_owned())];
        parts.extend(acl.entries.iter().map(|e| code(e)));
        parts.extend(acl.acl_ids.iter().map(|id| format!("acl {}", code(id))));
        parts.join(" ")
    };
    match (before, after) {
        (None, Some(new)) => format!("ACL added: {}", describe(new)),
        (Some(old), None) => format!("ACL removed (was {})", describe(old)),
        (Some(old), Some(new)) if old.acl_type == new.acl_type => {
            let changes: Vec<String> = set_changes(&old.entries, &new.entries, "")
                .into_iter()
                .chain(set_changes(&old.acl_ids, &new.acl_ids, "acl "))
                .collect();
            format!(
                "ACL {}: {}",
                new.acl_type.as_deref().unwrap_or("?"),
                changes.join(", ")
            )
        }
        (Some(old), Some(new)) => format!("ACL {} → {}", describe(old), describe(new)),
        (None, None) => String::new(),
    }
}

/// `+x` for each item only in `after`, `−y` for each only in `before`, in their lists' order.
fn set_changes(before: &[String], after: &[String], prefix: &str) -> Vec<String> {
    let added = after
        .iter()
        .filter(|a| !before.contains(a))
        .map(|a| format!("+{prefix}{}", code(a)));
    let removed = before
        .iter()
        .filter(|b| !after.contains(b))
        .map(|b| format!("−{prefix}{}", code(b)));
    added.chain(removed).collect()
}

fn rule_row(rule: &RuleChange) -> String {
    let priority = |s: &RuleSide| {
        s.priority
            .as_ref()
            .map_or_else(|| UNKNOWN.to_owned(), |p| p.to_string())
    };
    let (priority, matched, action, ingress) = match (&rule.before, &rule.after) {
        (Some(old), Some(new)) => (
            before_after(priority(old), priority(new), str::to_owned),
            before_after(old.matched.clone(), new.matched.clone(), code),
            before_after(old.action.clone(), new.action.clone(), code),
            before_after(old.ingress.clone(), new.ingress.clone(), str::to_owned),
        ),
        _ => {
            let side = rule.current();
            (
                priority(side),
                code(&side.matched),
                code(&side.action),
                side.ingress.clone(),
            )
        }
    };
    format!(
        "| {} | {} | {} | {} | {} |\n",
        diff_mark(rule.diff),
        cell(&priority),
        cell(&matched),
        cell(&action),
        cell(&ingress)
    )
}

fn before_after(before: String, after: String, style: impl Fn(&str) -> String) -> String {
    if before == after {
        style(&after)
    } else {
        format!("{} → {}", style(&before), style(&after))
    }
}

fn group_row(g: &GroupChange) -> String {
    let count = |n: Option<usize>| n.map_or_else(|| UNKNOWN.to_owned(), |n| n.to_string());
    let members = match g.diff {
        Diff::Added => count(g.members_after),
        Diff::Removed => format!("{} → 0", count(g.members_before)),
        Diff::Changed if g.members_before == g.members_after && g.members_added == 0 => {
            count(g.members_after)
        }
        Diff::Changed => format!(
            "{} → {} (+{} −{})",
            count(g.members_before),
            count(g.members_after),
            g.members_added,
            g.members_removed
        ),
    };
    let settings: Vec<String> = g
        .settings
        .iter()
        .map(|a| format!("`{}`: {} → {}", a.name, code(&a.before), code(&a.after)))
        .collect();
    format!(
        "| {} | `{}` | {} | {} | {} |\n",
        diff_mark(g.diff),
        cell(&g.key),
        cell(&g.ingress),
        cell(&members),
        cell(&settings.join("; "))
    )
}

/// Inline code that survives any content (a longer fence when the text has backticks).
fn code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// A table cell: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
