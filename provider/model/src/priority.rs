//! Rule priorities: deterministic, stable across unrelated changes, clash-detectable.
//!
//! # Scheme
//!
//! ALB priorities run 1–10000 per listener; an ingress `order` runs 1–1000. Each order owns a
//! **band of 10 priorities** on every listener: `order o → [(o − 1)·10 + 1, o·10]` (order 10, the
//! default, → 91–100). An ingress numbers its rules on a listener consecutively from the start of
//! its band, most specific first ([`Specificity`]). With more than 10 rules on one listener the
//! numbering simply continues into the following orders' bands; that is fine while no other
//! ingress uses them, and [`check_clashes`] reports it with a "space the orders" hint when one
//! does. Past 10000 it is an [`ExpandError::BandOverflow`].
//!
//! Why this scheme:
//! * **Deterministic and stable**: an ingress's priorities depend only on its own spec (order and
//!   rules), never on other ingresses, so adding, changing or deleting one ingress never renumbers
//!   another's rules (ACK renumbers every rule densely on every reconcile; an IaC tool cannot).
//! * **Clash-detectable**: the range an ingress occupies is known at plan time; a priority held by
//!   a rule of another ingress (or a foreign rule) is reported naming both.
//! * **Fits the API**: 1000 orders × 10 = 10000 priorities exactly. A wider fixed band would not
//!   fit all orders; a narrower one would force spilling for ordinary ingresses. Spilling keeps
//!   large ingresses possible without any hidden global allocation table.
//! * Lower order = evaluated earlier, as with ACK's `order` annotation.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::desired::{Condition, DesiredIngress, IngressId, ListenerKey};
use crate::diff::ActualRule;
use crate::error::{AttrPath, ExpandError};
use crate::expand::rule_identity;
use crate::routing::may_overlap;
use crate::spec::PathType;

/// Priorities per order unit.
pub const BAND_WIDTH: u32 = 10;
/// Highest ALB rule priority.
pub const MAX_PRIORITY: u32 = 10_000;

/// The band `(first, last)` of an order (1–1000).
pub fn band(order: u32) -> (u32, u32) {
    let order = order.clamp(1, MAX_PRIORITY / BAND_WIDTH);
    ((order - 1) * BAND_WIDTH + 1, order * BAND_WIDTH)
}

/// What a rule is, relative to the (host, path) it serves. Canary rules sort before their base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleVariant {
    /// Canary selected by a header (index of the canary block).
    CanaryHeader(usize),
    /// Canary selected by a cookie (index of the canary block).
    CanaryCookie(usize),
    /// The rule of a path.
    Base,
    /// The default backend catch-all.
    DefaultBackend,
}

/// Sort key of a rule inside its band; smaller = more specific = lower priority number.
///
/// Order of criteria: default backend last; exact host, then wildcard host, then no host; exact
/// paths before the others; longer paths before shorter; more extra match conditions first;
/// canary header/cookie rules right before their base rule; then stable keys (host, path), the
/// rule's identity (so the order of two rules never depends on where they are written) and
/// finally the position in the spec.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Specificity {
    catch_all: bool,
    host_rank: u8,
    host: String,
    path_rank: u8,
    path_len: Reverse<usize>,
    path: String,
    extra: Reverse<usize>,
    variant: RuleVariant,
    identity: String,
    seq: usize,
}

impl Specificity {
    /// The key of a path rule (`seq` = position in the spec, the last tie breaker).
    pub fn new(
        host: Option<&str>,
        path_type: PathType,
        path: &str,
        extra_conditions: usize,
        variant: RuleVariant,
        identity: &str,
        seq: usize,
    ) -> Self {
        let host_rank = match host {
            Some(h) if h.starts_with('*') => 1,
            Some(_) => 0,
            None => 2,
        };
        Self {
            catch_all: variant == RuleVariant::DefaultBackend,
            host_rank,
            host: host.unwrap_or_default().to_owned(),
            path_rank: u8::from(path_type != PathType::Exact),
            path_len: Reverse(path.len()),
            path: path.to_owned(),
            extra: Reverse(extra_conditions),
            variant,
            identity: identity.to_owned(),
            seq,
        }
    }
}

/// What an ingress's rules hold now, by (listener, identity): what exists at plan and import,
/// the planned state at apply. Empty for a new ingress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Held {
    /// (listener, rule identity) → the rule's priority and conditions.
    pub rules: BTreeMap<(ListenerKey, String), HeldRule>,
    /// The priorities are a plan's own output (apply): every one is kept wherever it lies.
    /// Otherwise only those inside the ingress's range are kept, so a rule moved out of it on
    /// the console comes back.
    pub planned: bool,
}

/// A held rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldRule {
    /// Priority.
    pub priority: u32,
    /// Conditions (for rules no longer desired: which rules they compete with until deleted).
    pub conditions: Vec<Condition>,
}

impl Held {
    /// What `rules` hold, by their identities ([`rule_identity`]; rules without one are left
    /// out).
    pub fn of_rules<'a>(rules: impl IntoIterator<Item = &'a ActualRule>, planned: bool) -> Self {
        Self {
            rules: rules
                .into_iter()
                .filter_map(|r| {
                    let held = HeldRule {
                        priority: r.priority,
                        conditions: r.conditions.clone(),
                    };
                    Some(((r.listener, rule_identity(r)?), held))
                })
                .collect(),
            planned,
        }
    }

    /// Planned priorities (apply): `(listener, identity, priority)`.
    pub fn planned(priorities: impl IntoIterator<Item = (ListenerKey, String, u32)>) -> Self {
        Self {
            rules: priorities
                .into_iter()
                .map(|(l, identity, priority)| {
                    let held = HeldRule {
                        priority,
                        conditions: Vec::new(),
                    };
                    ((l, identity), held)
                })
                .collect(),
            planned: true,
        }
    }
}

/// A rule to number: its identity and conditions, in specificity order.
#[derive(Clone, Copy, Debug)]
pub struct Numbered<'a> {
    /// Identity.
    pub identity: &'a str,
    /// Conditions (which rules may compete for a request, see [`may_overlap`]).
    pub conditions: &'a [Condition],
}

/// One entry of the listener's order while numbering: a desired rule (index below the number of
/// desired rules) or a held rule no longer desired (index above), with its number.
#[derive(Clone, Copy, Debug)]
struct Slot {
    item: usize,
    number: u32,
}

/// Priorities for the rules of an ingress on one listener (`rules` in specificity order),
/// stable against what the ingress holds ([`Held`]):
///
/// * A held rule keeps its priority while it lies in the range (the band, or as far as the
///   rules need past it, or in a run of held rules right after that) and its order against the
///   rules it may compete with ([`may_overlap`]) still follows specificity. Rules that would
///   compete in the wrong order lose their hold (the one in most such pairs first).
/// * Every other rule is put between the rules it must follow and those it must precede, on
///   the latest such gap with a free priority, taking the gap's smallest free priority. A rule
///   that exists keeps, in addition, its order against the held rules no longer desired that it
///   competes with (they serve until they are deleted). Those keep their place in the order, so
///   their priorities are not reused by this plan.
/// * With no free priority in any allowed gap, the rules after the insertion point move up one
///   step each until a free priority absorbs them: they keep their relative order, so the moves
///   change no routing.
///
/// Without held priorities this numbers the rules consecutively from the start of the band.
pub fn allocate(
    ingress: &IngressId,
    order: u32,
    listener: ListenerKey,
    rules: &[Numbered<'_>],
    held: &Held,
) -> Result<Vec<u32>, ExpandError> {
    let (lo, hi) = band(order);
    let n = rules.len();
    let count = u32::try_from(n).unwrap_or(u32::MAX);
    let overflow = || ExpandError::BandOverflow {
        path: AttrPath::root().attr("order"),
        ingress: ingress.clone(),
        listener,
        order,
        first: lo,
        rules: n,
    };
    if count > 0 && lo.saturating_add(count - 1) > MAX_PRIORITY {
        return Err(overflow());
    }
    let top = hi.max(lo + count.saturating_sub(1));
    let wanted: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.identity, i))
        .collect();
    let here: Vec<(&str, &HeldRule)> = held
        .rules
        .iter()
        .filter(|((l, _), _)| *l == listener)
        .map(|((_, id), h)| (id.as_str(), h))
        .collect();
    // A run of rules right past the range stays too: a plan that had to make room for rules
    // being deleted put them there, and moving them back would be a change of its own.
    let held_here: BTreeSet<u32> = here
        .iter()
        .filter(|(id, _)| wanted.contains_key(id))
        .map(|(_, h)| h.priority)
        .collect();
    let top_kept = (top + 1..=MAX_PRIORITY)
        .take_while(|p| held_here.contains(p))
        .last()
        .unwrap_or(top);
    let mut current: Vec<Option<u32>> = vec![None; n];
    let mut kept: Vec<Option<u32>> = vec![None; n];
    let mut conditions: Vec<&[Condition]> = rules.iter().map(|r| r.conditions).collect();
    let mut chain: Vec<Slot> = Vec::new();
    let mut taken: BTreeSet<u32> = BTreeSet::new();
    for (identity, h) in &here {
        let p = h.priority;
        match wanted.get(identity) {
            Some(&i) => {
                current[i] = Some(p);
                if (held.planned || (lo..=top_kept).contains(&p)) && taken.insert(p) {
                    kept[i] = Some(p);
                }
            }
            None if !held.planned && taken.insert(p) => {
                chain.push(Slot {
                    item: conditions.len(),
                    number: p,
                });
                conditions.push(&h.conditions);
            }
            None => {}
        }
    }
    let overlap: Vec<Vec<bool>> = conditions
        .iter()
        .map(|a| conditions.iter().map(|b| may_overlap(a, b)).collect())
        .collect();
    let leftover_at: BTreeMap<usize, u32> = chain.iter().map(|s| (s.item, s.number)).collect();
    drop_inversions(&mut kept, &overlap);
    chain.extend(
        kept.iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|number| Slot { item: i, number })),
    );
    chain.sort_by_key(|s| s.number);
    // Whether chain item `x` must come before (`Some(true)`) or after desired rule `i`.
    let side = |i: usize, x: usize| -> Option<bool> {
        if x == i || !overlap[i][x] {
            return None;
        }
        if x < n {
            return Some(x < i);
        }
        let now = current[i]?;
        Some(leftover_at[&x] < now)
    };
    let mut pending: BTreeSet<usize> = (0..n).filter(|&i| kept[i].is_none()).collect();
    // Each rule loses its place at most once, so numbering ends.
    let mut evicted: BTreeSet<usize> = BTreeSet::new();
    while let Some(i) = pending.pop_first() {
        let bound = |c: &[Slot], before: bool| {
            let hits = c
                .iter()
                .enumerate()
                .filter(|(_, s)| side(i, s.item) == Some(before))
                .map(|(k, _)| k);
            if before {
                hits.max()
            } else {
                hits.min()
            }
        };
        // Rules that `i` must precede but that sit before what it must follow lose their place
        // and are numbered again after it.
        while let (Some(low), Some(high)) = (bound(&chain, true), bound(&chain, false)) {
            if low < high {
                break;
            }
            let evict = [high, low]
                .into_iter()
                .find(|&k| chain[k].item < n && evicted.insert(chain[k].item));
            let Some(k) = evict else {
                break;
            };
            pending.insert(chain.remove(k).item);
        }
        let first = bound(&chain, true).map_or(0, |k| k + 1);
        let last = bound(&chain, false).unwrap_or(chain.len()).max(first);
        let number_at = |c: &[Slot], g: usize| {
            let after = if g == 0 { lo } else { c[g - 1].number + 1 };
            let before = c.get(g).map_or(top + 1, |s| s.number);
            (after.max(lo)..before.min(top + 1)).next()
        };
        let free = (first..=last)
            .rev()
            .find_map(|g| number_at(&chain, g).map(|p| (g, p)));
        match free {
            Some((g, number)) => chain.insert(g, Slot { item: i, number }),
            None => {
                let mut next = if last == 0 {
                    lo
                } else {
                    chain[last - 1].number + 1
                };
                chain.insert(
                    last,
                    Slot {
                        item: i,
                        number: next,
                    },
                );
                for s in &mut chain[last + 1..] {
                    next += 1;
                    if s.number >= next {
                        break;
                    }
                    s.number = next;
                }
            }
        }
    }
    let mut out = vec![0; n];
    for s in chain.iter().filter(|s| s.item < n) {
        if s.number > MAX_PRIORITY {
            return Err(overflow());
        }
        out[s.item] = s.number;
    }
    Ok(out)
}

/// Drops held priorities until no two rules that may compete are numbered against
/// specificity, the rule in most such pairs first (the later one on a tie).
fn drop_inversions(kept: &mut [Option<u32>], overlap: &[Vec<bool>]) {
    loop {
        let inverted = |i: usize, j: usize| match (kept[i], kept[j]) {
            (Some(a), Some(b)) => overlap[i][j] && (i < j) != (a < b),
            _ => false,
        };
        let counts: Vec<usize> = (0..kept.len())
            .map(|i| {
                (0..kept.len())
                    .filter(|&j| j != i && inverted(i, j))
                    .count()
            })
            .collect();
        let Some((worst, &count)) = counts.iter().enumerate().max_by_key(|(i, c)| (**c, *i)) else {
            return;
        };
        if count == 0 {
            return;
        }
        kept[worst] = None;
    }
}

/// A rule that already exists on a listener, as far as clash detection needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingRule {
    /// Listener.
    pub listener: ListenerKey,
    /// Priority.
    pub priority: u32,
    /// Rule id.
    pub id: String,
    /// Owning alb_ingress in this cluster; `None` for rules the provider does not own.
    pub owner: Option<IngressId>,
}

/// A desired priority already held by a rule of another ingress or a foreign rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    /// The ingress being planned.
    pub ingress: IngressId,
    /// Listener.
    pub listener: ListenerKey,
    /// Priority.
    pub priority: u32,
    /// The existing rule's id.
    pub rule_id: String,
    /// Its owner (`None` = not managed by this provider).
    pub other: Option<IngressId>,
    /// The planned ingress's own band when the priority lies outside it (spill-over).
    pub own_band: Option<(u32, u32)>,
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let holder = match &self.other {
            Some(o) => format!("alb_ingress {o}"),
            None => "a rule not managed by this alb_ingress provider".to_owned(),
        };
        write!(
            f,
            "priority {} on listener {} is already used by {holder} (rule {}); choose a different order for alb_ingress {}",
            self.priority, self.listener, self.rule_id, self.ingress
        )?;
        if let Some((a, b)) = self.own_band {
            write!(
                f,
                " (alb_ingress {} has more rules on this listener than the {BAND_WIDTH} priorities {a}–{b} of its order band and spills into the next band: space the orders of the two ingresses further apart)",
                self.ingress
            )?;
        }
        Ok(())
    }
}

/// Reports every desired rule whose (listener, priority) is held by a rule that this ingress
/// does not own. Own rules at those priorities are fine: the diff moves them in place.
pub fn check_clashes(
    desired: &DesiredIngress,
    existing: &[ExistingRule],
) -> Result<(), Vec<Clash>> {
    let (lo, hi) = band(desired.order);
    let clashes: Vec<Clash> = desired
        .rules
        .iter()
        .flat_map(|r| {
            existing
                .iter()
                .filter(move |e| e.listener == r.listener && e.priority == r.priority)
                .filter(|e| e.owner.as_ref() != Some(&desired.id))
                .map(move |e| Clash {
                    ingress: desired.id.clone(),
                    listener: r.listener,
                    priority: r.priority,
                    rule_id: e.id.clone(),
                    other: e.owner.clone(),
                    own_band: (!(lo..=hi).contains(&r.priority)).then_some((lo, hi)),
                })
        })
        .collect();
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(clashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        assert_eq!(band(1), (1, 10));
        assert_eq!(band(10), (91, 100));
        assert_eq!(band(1000), (9991, 10000));
    }

    #[test]
    fn specificity_order() {
        use PathType::*;
        use RuleVariant::*;
        let mut keys = [
            (
                "default",
                Specificity::new(None, Prefix, "/", 0, DefaultBackend, "", 9),
            ),
            (
                "nohost-prefix",
                Specificity::new(None, Prefix, "/", 0, Base, "", 0),
            ),
            (
                "wild",
                Specificity::new(Some("*.a.com"), Prefix, "/", 0, Base, "", 1),
            ),
            (
                "host-short",
                Specificity::new(Some("a.com"), Prefix, "/a", 0, Base, "", 2),
            ),
            (
                "host-long",
                Specificity::new(Some("a.com"), Prefix, "/a/b", 0, Base, "", 3),
            ),
            (
                "host-exact",
                Specificity::new(Some("a.com"), Exact, "/a", 0, Base, "", 4),
            ),
            (
                "canary",
                Specificity::new(Some("a.com"), Prefix, "/a", 0, CanaryHeader(0), "", 5),
            ),
            (
                "with-match",
                Specificity::new(Some("a.com"), Prefix, "/a", 1, Base, "", 6),
            ),
        ];
        keys.sort_by(|a, b| a.1.cmp(&b.1));
        let names: Vec<&str> = keys.iter().map(|k| k.0).collect();
        assert_eq!(
            names,
            [
                "host-exact",
                "host-long",
                "with-match",
                "canary",
                "host-short",
                "wild",
                "nohost-prefix",
                "default"
            ]
        );
    }

    #[test]
    fn overflow_past_10000() {
        let id = IngressId::new("a", "b");
        let l = ListenerKey::new(crate::spec::ListenerProtocol::Http, 80);
        let names: Vec<String> = (0..11).map(|i| format!("r{i}")).collect();
        let rules: Vec<Numbered<'_>> = names
            .iter()
            .map(|n| Numbered {
                identity: n,
                conditions: &[],
            })
            .collect();
        let held = Held::default();
        assert_eq!(
            allocate(&id, 1000, l, &rules[..10], &held).unwrap().last(),
            Some(&10_000)
        );
        let err = allocate(&id, 1000, l, &rules, &held).unwrap_err();
        assert_eq!(err.path().to_string(), "order");
        assert!(
            err.to_string()
                .contains("needs 11 rules on listener HTTP:80"),
            "{err}"
        );
    }

    /// `(identity, path patterns)` in specificity order, numbered against `held`.
    fn numbers(rules: &[(&str, &[&str])], held: &[(&str, u32)]) -> Vec<u32> {
        let l = ListenerKey::new(crate::spec::ListenerProtocol::Http, 80);
        let conditions: Vec<Vec<Condition>> = rules
            .iter()
            .map(|(_, paths)| {
                vec![Condition::Path {
                    values: paths.iter().map(|p| p.to_string()).collect(),
                }]
            })
            .collect();
        let numbered: Vec<Numbered<'_>> = rules
            .iter()
            .zip(&conditions)
            .map(|((identity, _), c)| Numbered {
                identity,
                conditions: c,
            })
            .collect();
        let held = Held {
            rules: held
                .iter()
                .map(|(k, p)| {
                    let conditions = rules
                        .iter()
                        .zip(&conditions)
                        .find(|((id, _), _)| id == k)
                        .map_or_else(
                            || {
                                vec![Condition::Path {
                                    values: vec!["/*".into()],
                                }]
                            },
                            |(_, c)| c.clone(),
                        );
                    let rule = HeldRule {
                        priority: *p,
                        conditions,
                    };
                    ((l, k.to_string()), rule)
                })
                .collect(),
            planned: false,
        };
        allocate(&IngressId::new("a", "b"), 10, l, &numbered, &held).unwrap()
    }

    const ADMIN: (&str, &[&str]) = ("admin", &["/admin", "/admin/*"]);
    const KEEP: (&str, &[&str]) = ("keep", &["/keep", "/keep/*"]);
    const API: (&str, &[&str]) = ("api", &["/api", "/api/*"]);
    const API_V1: (&str, &[&str]) = ("api-v1", &["/api/v1", "/api/v1/*"]);
    const ALL: (&str, &[&str]) = ("all", &["/*"]);

    #[test]
    fn fresh_rules_are_consecutive_from_the_band_start() {
        assert_eq!(numbers(&[ADMIN, KEEP, ALL], &[]), [91, 92, 93]);
    }

    #[test]
    fn an_inserted_rule_takes_a_free_priority_and_the_others_keep_theirs() {
        // `/admin` sorts before `/keep` but cannot hit the same requests: it goes after it.
        assert_eq!(numbers(&[ADMIN, KEEP], &[("keep", 91)]), [92, 91]);
        // Before a catch-all, in the gap left by a removed rule.
        assert_eq!(
            numbers(&[ADMIN, KEEP, ALL], &[("keep", 91), ("all", 93)]),
            [92, 91, 93]
        );
    }

    #[test]
    fn a_rule_that_must_come_first_moves_the_following_ones_up_in_order() {
        assert_eq!(
            numbers(&[API_V1, API, ALL], &[("api", 91), ("all", 92)]),
            [91, 92, 93]
        );
        // A gap further up absorbs the moves.
        assert_eq!(
            numbers(&[API_V1, API, ALL], &[("api", 91), ("all", 95)]),
            [91, 92, 95]
        );
    }

    #[test]
    fn priorities_of_rules_being_deleted_are_not_reused() {
        // `gone` is deleted only after `api-v1` exists, and keeps its place between `api` and
        // `all` until then (the diff moves it to 93): nobody else gets 92's old holder's slot
        // out of order.
        assert_eq!(
            numbers(
                &[API_V1, API, ALL],
                &[("api", 91), ("gone", 92), ("all", 93)]
            ),
            [91, 92, 94]
        );
        // With room, a new rule takes a free priority, not the leaving rule's.
        assert_eq!(
            numbers(&[ADMIN, KEEP], &[("keep", 91), ("gone", 92)]),
            [93, 91]
        );
    }

    #[test]
    fn held_priorities_outside_the_range_or_against_specificity_are_renumbered() {
        // Moved far out of the band on the console: comes back.
        assert_eq!(numbers(&[API], &[("api", 500)]), [91]);
        // `/api` held before `/api/v1`, which may hit the same requests: one of them moves.
        let n = numbers(&[API_V1, API], &[("api", 91), ("api-v1", 92)]);
        assert!(n[0] < n[1], "{n:?}");
        // Planned priorities (apply) are kept wherever they lie.
        let l = ListenerKey::new(crate::spec::ListenerProtocol::Http, 80);
        let c = vec![Condition::Path {
            values: vec!["/api".into()],
        }];
        let held = Held::planned([(l, "api".to_owned(), 500)]);
        let rules = [Numbered {
            identity: "api",
            conditions: &c,
        }];
        assert_eq!(
            allocate(&IngressId::new("a", "b"), 10, l, &rules, &held).unwrap(),
            [500]
        );
    }
}
