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
use std::fmt;

use crate::desired::{DesiredIngress, IngressId, ListenerKey};
use crate::error::{AttrPath, ExpandError};
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
/// canary header/cookie rules right before their base rule; then stable keys (host, path) and
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
            seq,
        }
    }
}

/// Priorities for `count` rules of an ingress on one listener, in specificity order.
pub fn assign(
    ingress: &IngressId,
    order: u32,
    listener: ListenerKey,
    count: usize,
) -> Result<Vec<u32>, ExpandError> {
    let (first, _) = band(order);
    let n = u32::try_from(count).unwrap_or(u32::MAX);
    if n > 0 && first.saturating_add(n - 1) > MAX_PRIORITY {
        return Err(ExpandError::BandOverflow {
            path: AttrPath::root().attr("order"),
            ingress: ingress.clone(),
            listener,
            order,
            first,
            rules: count,
        });
    }
    Ok((0..n).map(|i| first + i).collect())
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
                Specificity::new(None, Prefix, "/", 0, DefaultBackend, 9),
            ),
            (
                "nohost-prefix",
                Specificity::new(None, Prefix, "/", 0, Base, 0),
            ),
            (
                "wild",
                Specificity::new(Some("*.a.com"), Prefix, "/", 0, Base, 1),
            ),
            (
                "host-short",
                Specificity::new(Some("a.com"), Prefix, "/a", 0, Base, 2),
            ),
            (
                "host-long",
                Specificity::new(Some("a.com"), Prefix, "/a/b", 0, Base, 3),
            ),
            (
                "host-exact",
                Specificity::new(Some("a.com"), Exact, "/a", 0, Base, 4),
            ),
            (
                "canary",
                Specificity::new(Some("a.com"), Prefix, "/a", 0, CanaryHeader(0), 5),
            ),
            (
                "with-match",
                Specificity::new(Some("a.com"), Prefix, "/a", 1, Base, 6),
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
        assert_eq!(assign(&id, 1000, l, 10).unwrap().last(), Some(&10_000));
        let err = assign(&id, 1000, l, 11).unwrap_err();
        assert_eq!(err.path().to_string(), "order");
        assert!(
            err.to_string()
                .contains("needs 11 rules on listener HTTP:80"),
            "{err}"
        );
    }
}
