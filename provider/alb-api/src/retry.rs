//! Retry policy: exponential backoff with full jitter, bounded by an attempt limit and an
//! overall deadline per logical call, and by a much shorter budget while the endpoint cannot be
//! reached at all (no HTTP response), where waiting rarely helps.

use std::time::Duration;

use rand::Rng;

/// How a logical call is retried when an attempt fails with a retryable error.
///
/// The delay before retry `n` (1-based) is drawn uniformly from
/// `[0, min(max_delay, initial * 2^(n-1))]` ("full jitter"). The call gives up when
/// `max_attempts` attempts were made or when the next attempt would start after `max_elapsed`
/// from the first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Backoff ceiling for the first retry.
    pub initial: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// Overall deadline of a logical call, measured from its first attempt.
    pub max_elapsed: Duration,
    /// Maximum number of attempts (the first one included); at least one is always made.
    pub max_attempts: u32,
    /// How long a call keeps retrying while no attempt gets an HTTP response (DNS failure,
    /// refused or reset connection, timeout), measured from the first attempt without one.
    /// Throttling and busy resources answer, so they retry up to `max_elapsed` instead.
    pub unreachable: Duration,
}

impl Default for RetryPolicy {
    /// 500 ms initial, 10 s ceiling, 3 minutes overall, 40 attempts: long enough to ride out a
    /// load balancer or listener that is `Configuring` for a minute or two; an endpoint that
    /// cannot be reached fails after 30 s.
    fn default() -> Self {
        RetryPolicy {
            initial: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(180),
            max_attempts: 40,
            unreachable: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that makes exactly one attempt.
    pub fn no_retry() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Upper bound of the jittered delay before retry number `retry` (1-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let shift = retry.saturating_sub(1).min(30);
        let factor = 1u32 << shift;
        self.initial
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The jittered delay before retry number `retry` (1-based), uniform in `[0, ceiling]`.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = RetryPolicy {
            initial: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_elapsed: Duration::from_secs(5),
            max_attempts: 10,
            unreachable: Duration::from_secs(1),
        };
        assert_eq!(p.ceiling(1), Duration::from_millis(100));
        assert_eq!(p.ceiling(2), Duration::from_millis(200));
        assert_eq!(p.ceiling(3), Duration::from_millis(400));
        assert_eq!(p.ceiling(4), Duration::from_millis(800));
        assert_eq!(p.ceiling(5), Duration::from_millis(1000));
        assert_eq!(p.ceiling(60), Duration::from_millis(1000));
        assert_eq!(p.ceiling(u32::MAX), Duration::from_millis(1000));
    }

    #[test]
    fn delays_stay_within_full_jitter_bounds() {
        let p = RetryPolicy {
            initial: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(1),
            max_attempts: 5,
            unreachable: Duration::from_secs(1),
        };
        for retry in 1..10 {
            for _ in 0..200 {
                let d = p.delay(retry);
                assert!(d <= p.ceiling(retry), "{d:?} > {:?}", p.ceiling(retry));
            }
        }
        // Jitter actually spreads the delays.
        let distinct: std::collections::BTreeSet<_> = (0..50).map(|_| p.delay(3)).collect();
        assert!(distinct.len() > 1);
        let zero = RetryPolicy {
            initial: Duration::ZERO,
            ..p
        };
        assert_eq!(zero.delay(4), Duration::ZERO);
    }

    #[test]
    fn default_is_sane() {
        let p = RetryPolicy::default();
        assert!(p.initial < p.max_delay);
        assert!(p.max_delay < p.max_elapsed);
        assert!(p.max_attempts > 1);
        assert!(p.unreachable < p.max_elapsed);
        assert_eq!(RetryPolicy::no_retry().max_attempts, 1);
    }
}
