//! The API calls of one phase, from the mock's counters before and after it, sorted into
//! mutating calls that succeeded, refused calls (API errors such as
//! `ResourceInConfiguring.Listener`), reads and job polls — four parts that add up to all calls.

use std::collections::BTreeMap;

use crate::mock::{is_mutating, ActionCounters, Counters};

/// The action a client polls jobs with.
pub const JOB_POLL: &str = "ListAsynJobs";

/// Calls of one phase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Every call, by action.
    pub by_action: BTreeMap<String, u64>,
    /// Mutating calls that succeeded.
    pub mutating: u64,
    /// Calls answered with an API error, by `Action code`.
    pub refused: BTreeMap<String, u64>,
    /// Non-mutating calls other than job polls that did not fail.
    pub reads: u64,
    /// Successful `ListAsynJobs` calls.
    pub job_polls: u64,
}

impl Tally {
    /// The calls made between two readings of the counters.
    pub fn between(before: &Counters, after: &Counters) -> Self {
        let mut tally = Self::default();
        for (action, now) in &after.actions {
            let then = before.actions.get(action).cloned().unwrap_or_default();
            let delta = Delta::of(&then, now);
            if delta.calls == 0 {
                continue;
            }
            tally.by_action.insert(action.clone(), delta.calls);
            for (code, n) in delta.errors {
                tally.refused.insert(format!("{action} {code}"), n);
            }
            let answered = delta.calls - delta.failed;
            if is_mutating(action) {
                tally.mutating += answered;
            } else if action == JOB_POLL {
                tally.job_polls += answered;
            } else {
                tally.reads += answered;
            }
        }
        tally
    }

    /// All calls.
    pub fn total(&self) -> u64 {
        self.by_action.values().sum()
    }

    /// All refused calls.
    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }

    /// Calls of `action`.
    pub fn calls(&self, action: &str) -> u64 {
        self.by_action.get(action).copied().unwrap_or(0)
    }
}

/// The change of one action's counters.
struct Delta {
    calls: u64,
    failed: u64,
    errors: BTreeMap<String, u64>,
}

impl Delta {
    fn of(then: &ActionCounters, now: &ActionCounters) -> Self {
        // Injected throttles and 5xx are refusals too; the mock counts them apart from `failed`.
        let mut errors: BTreeMap<String, u64> = now
            .errors
            .iter()
            .map(|(code, n)| {
                (
                    code.clone(),
                    n - then.errors.get(code).copied().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        let throttled = now.throttled - then.throttled;
        let server_errors = now.server_errors - then.server_errors;
        if throttled > 0 {
            errors.insert("Throttling.User (injected)".into(), throttled);
        }
        if server_errors > 0 {
            errors.insert("5xx (injected)".into(), server_errors);
        }
        Self {
            calls: now.calls - then.calls,
            failed: errors.values().sum(),
            errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An action's calls and its errors by code.
    type Entry<'a> = (&'a str, u64, &'a [(&'a str, u64)]);

    fn counters(entries: &[Entry<'_>]) -> Counters {
        let mut counters = Counters::default();
        for (action, calls, errors) in entries {
            let entry = ActionCounters {
                calls: *calls,
                failed: errors.iter().map(|(_, n)| n).sum(),
                errors: errors.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
                ..ActionCounters::default()
            };
            counters.actions.insert(action.to_string(), entry);
            counters.total_calls += calls;
        }
        counters
    }

    #[test]
    fn sorts_the_delta_into_four_parts_that_add_up() {
        let busy = "ResourceInConfiguring.Listener";
        let before = counters(&[("CreateRules", 2, &[(busy, 1)]), ("ListRules", 5, &[])]);
        let after = counters(&[
            ("CreateRules", 10, &[(busy, 4)]),
            ("ListRules", 9, &[]),
            ("ListAsynJobs", 6, &[]),
            (
                "GetListenerAttribute",
                2,
                &[("ResourceNotFound.Listener", 1)],
            ),
            ("DeleteRules", 0, &[]),
        ]);
        let tally = Tally::between(&before, &after);
        assert_eq!(tally.mutating, 5);
        assert_eq!(tally.refused[&format!("CreateRules {busy}")], 3);
        assert_eq!(
            tally.refused["GetListenerAttribute ResourceNotFound.Listener"],
            1
        );
        assert_eq!(tally.reads, 4 + 1);
        assert_eq!(tally.job_polls, 6);
        assert_eq!(tally.total(), after.total_calls - before.total_calls);
        assert_eq!(
            tally.mutating + tally.refused_total() + tally.reads + tally.job_polls,
            tally.total()
        );
        assert!(!tally.by_action.contains_key("DeleteRules"));
        assert_eq!(tally.calls("ListRules"), 4);
    }
}
