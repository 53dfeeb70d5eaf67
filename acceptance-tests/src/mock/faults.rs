//! Fault injection (throttling, 5xx, dropped responses, latency, busy windows) and the call
//! counters. With a seed, the sequence of injected faults is the same on every run for the
//! same sequence of calls.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::error::ApiError;

/// Faults to inject into API calls (never into the admin API).
///
/// JSON form (`/__mock/faults`), every field optional:
/// `{"throttle_rate":0.1,"error_rate":0.0,"drop_rate":0.0,"latency_ms":0,"busy_window_ms":0,"actions":[],"hang_at_write":null}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Probability (0–1) that a call is refused with `Throttling.User` (HTTP 400) before it runs.
    pub throttle_rate: f64,
    /// Probability (0–1) that a call fails with `InternalError` (500) or `ServiceUnavailable`
    /// (503) before it runs.
    pub error_rate: f64,
    /// Probability (0–1) that a call runs normally (its change is applied) but its response is
    /// lost: the response headers may arrive, then the connection is closed before a complete
    /// body, so the client sees a transport error.
    pub drop_rate: f64,
    /// Delay added before every call is handled.
    pub latency_ms: u64,
    /// Each write keeps the objects it touches in their transitional (busy) status for at least
    /// this long, even after its job reports Succeeded.
    pub busy_window_ms: u64,
    /// Restricts the rate-based faults and latency to these actions; empty means all actions.
    pub actions: Vec<String>,
    /// The Nth (1-based) write that succeeds after these faults are set is applied, then its
    /// response is withheld until the faults are replaced (the connection is then closed without
    /// an answer): a client stopped at a known point, for crash tests (`hung` in the counters
    /// says it happened).
    pub hang_at_write: Option<u64>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Sets [`Faults::throttle_rate`].
    pub fn throttle_rate(mut self, rate: f64) -> Self {
        self.throttle_rate = rate;
        self
    }

    /// Sets [`Faults::error_rate`].
    pub fn error_rate(mut self, rate: f64) -> Self {
        self.error_rate = rate;
        self
    }

    /// Sets [`Faults::drop_rate`].
    pub fn drop_rate(mut self, rate: f64) -> Self {
        self.drop_rate = rate;
        self
    }

    /// Sets [`Faults::latency_ms`].
    pub fn latency_ms(mut self, ms: u64) -> Self {
        self.latency_ms = ms;
        self
    }

    /// Sets [`Faults::busy_window_ms`].
    pub fn busy_window_ms(mut self, ms: u64) -> Self {
        self.busy_window_ms = ms;
        self
    }

    /// Sets [`Faults::hang_at_write`].
    pub fn hang_at_write(mut self, n: u64) -> Self {
        self.hang_at_write = Some(n);
        self
    }

    /// Sets [`Faults::actions`].
    pub fn actions<I, S>(mut self, actions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.actions = actions.into_iter().map(Into::into).collect();
        self
    }

    /// Checks that every rate lies in 0–1.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("throttle_rate", self.throttle_rate),
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if self.hang_at_write == Some(0) {
            return Err("hang_at_write counts from 1".to_owned());
        }
        Ok(())
    }

    fn applies_to(&self, action: &str) -> bool {
        self.actions.is_empty() || self.actions.iter().any(|a| a == action)
    }
}

/// Per-action call counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionCounters {
    /// Every call, faulted ones included.
    pub calls: u64,
    /// Calls that ran successfully (including those whose response was then dropped).
    pub succeeded: u64,
    /// Calls answered with an API error (validation, auth, busy, DryRun …).
    pub failed: u64,
    /// Calls refused by an injected throttle.
    pub throttled: u64,
    /// Calls refused by an injected 5xx.
    pub server_errors: u64,
    /// Calls applied whose response was dropped.
    pub dropped: u64,
    /// Calls applied whose response was withheld (`hang_at_write`).
    pub hung: u64,
    /// Of the failed calls, how many failed with each API error code (e.g.
    /// `ResourceInConfiguring.Listener`).
    pub errors: BTreeMap<String, u64>,
}

/// Totals of injected faults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultCounters {
    /// Injected throttling errors.
    pub throttled: u64,
    /// Injected 5xx errors.
    pub server_errors: u64,
    /// Dropped responses.
    pub dropped: u64,
    /// Calls delayed by `latency_ms`.
    pub delayed: u64,
    /// Writes whose response was withheld by `hang_at_write`.
    pub hung: u64,
}

/// Call counters, as returned by `/__mock/counters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counters {
    /// All API calls.
    pub total_calls: u64,
    /// Per action name (as sent by the client).
    pub actions: BTreeMap<String, ActionCounters>,
    /// Injected faults.
    pub faults: FaultCounters,
}

impl Counters {
    /// Calls of any action that failed with the API error `code`.
    pub fn errors(&self, code: &str) -> u64 {
        self.actions
            .values()
            .filter_map(|a| a.errors.get(code))
            .sum()
    }

    /// Calls (every attempt, refused ones included) of the actions that change something.
    pub fn mutating_calls(&self) -> u64 {
        self.actions
            .iter()
            .filter(|(name, _)| super::actions::is_mutating(name))
            .map(|(_, a)| a.calls)
            .sum()
    }

    /// Calls of `action` (0 when it was never called).
    pub fn calls(&self, action: &str) -> u64 {
        self.actions.get(action).map_or(0, |a| a.calls)
    }
}

/// What to do to one call.
#[derive(Debug)]
pub struct Decision {
    /// Delay before handling.
    pub latency_ms: u64,
    /// Refuse the call with this error instead of running it.
    pub reject: Option<ApiError>,
    /// Run the call, then drop the response.
    pub drop: bool,
}

/// How a call ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The action ran successfully.
    Succeeded,
    /// The action (or authentication) returned an error.
    Failed,
}

/// The fault settings, their random source and the counters.
#[derive(Debug)]
pub struct FaultEngine {
    faults: Faults,
    rng: StdRng,
    counters: Counters,
    /// Writes that succeeded since the faults were set.
    writes: u64,
    /// Bumped whenever the faults are replaced (releases a hung write).
    generation: u64,
}

impl FaultEngine {
    /// An engine with the given faults; deterministic when `seed` is given.
    pub fn new(faults: Faults, seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Self {
            faults,
            rng,
            counters: Counters::default(),
            writes: 0,
            generation: 0,
        }
    }

    /// Current faults.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the faults.
    pub fn set_faults(&mut self, faults: Faults) {
        self.faults = faults;
        self.writes = 0;
        self.generation += 1;
    }

    /// Counts a write that succeeded; `Some(generation)` when its response is to be withheld
    /// (`hang_at_write`) until [`Self::generation`] moves on.
    pub fn count_write(&mut self, action: &str) -> Option<u64> {
        self.writes += 1;
        if self.faults.hang_at_write != Some(self.writes) {
            return None;
        }
        self.counters.faults.hung += 1;
        self.entry(action).hung += 1;
        Some(self.generation)
    }

    /// Changes whenever the faults are replaced.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Current counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Zeroes the counters.
    pub fn reset_counters(&mut self) {
        self.counters = Counters::default();
    }

    /// Counts a call and decides its faults. Three random numbers are drawn for every call
    /// in scope, whatever the rates, so a seeded run is reproducible.
    pub fn decide(&mut self, action: &str) -> Decision {
        self.counters.total_calls += 1;
        self.entry(action).calls += 1;
        if !self.faults.applies_to(action) {
            return Decision {
                latency_ms: 0,
                reject: None,
                drop: false,
            };
        }
        let (t, e, d): (f64, f64, f64) = (self.rng.random(), self.rng.random(), self.rng.random());
        let server_error_503: bool = self.rng.random();
        let latency_ms = self.faults.latency_ms;
        if latency_ms > 0 {
            self.counters.faults.delayed += 1;
        }
        let reject = if t < self.faults.throttle_rate {
            self.counters.faults.throttled += 1;
            self.entry(action).throttled += 1;
            // [INF] throttling status: 400 is the usual gateway behaviour; clients key on Code.
            Some(ApiError::new(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
            ))
        } else if e < self.faults.error_rate {
            self.counters.faults.server_errors += 1;
            self.entry(action).server_errors += 1;
            Some(if server_error_503 {
                ApiError::new(
                    503,
                    "ServiceUnavailable",
                    "The request has failed due to a temporary failure of the server.",
                )
            } else {
                ApiError::new(
                    500,
                    "InternalError",
                    "The request processing has failed due to some unknown error.",
                )
            })
        } else {
            None
        };
        let drop = reject.is_none() && d < self.faults.drop_rate;
        Decision {
            latency_ms,
            reject,
            drop,
        }
    }

    /// Records how a call that was not refused by a fault ended.
    pub fn record(&mut self, action: &str, outcome: Outcome, dropped: bool) {
        let entry = self.entry(action);
        match outcome {
            Outcome::Succeeded => entry.succeeded += 1,
            Outcome::Failed => entry.failed += 1,
        }
        if dropped {
            entry.dropped += 1;
            self.counters.faults.dropped += 1;
        }
    }

    /// Counts the API error `code` a call of `action` failed with (see
    /// [`ActionCounters::errors`]).
    pub fn count_error(&mut self, action: &str, code: &str) {
        *self
            .entry(action)
            .errors
            .entry(code.to_string())
            .or_default() += 1;
    }

    fn entry(&mut self, action: &str) -> &mut ActionCounters {
        self.counters.actions.entry(action.to_string()).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_counted_per_action() {
        let mut engine = FaultEngine::new(Faults::none(), Some(1));
        engine.count_error("CreateRules", "ResourceInConfiguring.Listener");
        engine.count_error("CreateRules", "ResourceInConfiguring.Listener");
        engine.count_error("DeleteRules", "ResourceInConfiguring.Listener");
        engine.count_error("DeleteRules", "IncorrectStatus.Rule");
        let counters = engine.counters();
        assert_eq!(
            counters.actions["CreateRules"].errors["ResourceInConfiguring.Listener"],
            2
        );
        assert_eq!(counters.errors("ResourceInConfiguring.Listener"), 3);
        assert_eq!(counters.errors("IncorrectStatus.Rule"), 1);
        assert_eq!(counters.errors("Throttling.User"), 0);
    }

    #[test]
    fn seeded_decisions_repeat() {
        let faults = Faults::none()
            .throttle_rate(0.3)
            .error_rate(0.3)
            .drop_rate(0.3);
        let run = || {
            let mut engine = FaultEngine::new(faults.clone(), Some(7));
            (0..50)
                .map(|_| {
                    let d = engine.decide("ListRules");
                    (d.reject.map(|e| e.code), d.drop)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn the_nth_write_hangs_until_the_faults_change() {
        let mut engine = FaultEngine::new(Faults::none().hang_at_write(2), Some(1));
        assert_eq!(engine.count_write("CreateRules"), None);
        let generation = engine
            .count_write("DeleteRules")
            .expect("second write hangs");
        assert_eq!(engine.count_write("CreateRules"), None, "only the second");
        assert_eq!(engine.counters().faults.hung, 1);
        assert_eq!(engine.counters().actions["DeleteRules"].hung, 1);
        engine.set_faults(Faults::none());
        assert_ne!(
            engine.generation(),
            generation,
            "replacing the faults releases it"
        );
        assert!(Faults::none().hang_at_write(0).validate().is_err());
    }

    #[test]
    fn rates_are_validated() {
        assert!(Faults::none().error_rate(1.5).validate().is_err());
        assert!(Faults::none().error_rate(1.0).validate().is_ok());
    }
}
