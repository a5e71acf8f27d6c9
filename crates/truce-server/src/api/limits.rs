//! The rate limit of each signed-in user: a token bucket (GCRA, by the
//! `governor` crate) per user, shared by all its tokens and sessions, so a
//! program that loops, or a stolen token, cannot starve the others. A
//! request over the limit is a 429 with `Retry-After`, before any work.
//! Anonymous reads are not limited here: they are cheap, public, and the
//! place to limit them is the proxy in front, by address.

use crate::Problem;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

/// Requests per second a user may make, sustained, unless the server is told otherwise.
pub const REQUESTS_PER_SECOND: u32 = 50;

pub struct RequestLimiter {
    /// `None`: no limit.
    buckets: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl RequestLimiter {
    /// `per_second` requests a second sustained, with bursts of twice as many; 0: no limit.
    pub fn per_second(per_second: u32) -> RequestLimiter {
        let buckets = NonZeroU32::new(per_second).map(|rate| {
            let burst = rate.saturating_mul(NonZeroU32::new(2).expect("2 is not zero"));
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        RequestLimiter {
            buckets,
            clock: DefaultClock::default(),
        }
    }

    /// Counts a request of `user`; a 429 saying when to come back if it is one too many.
    pub fn check(&self, user: &str) -> Result<(), Problem> {
        let Some(buckets) = &self.buckets else {
            return Ok(());
        };
        buckets.check_key(&user.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            Problem::too_many(
                format!(
                    "too many requests from {user}: try again in {} ms",
                    wait.as_millis().max(1)
                ),
                wait,
            )
        })?;
        // Forget users whose buckets are full again, so the table stays the size of the active users.
        if buckets.len() > 10_000 {
            buckets.retain_recent();
        }
        Ok(())
    }
}

impl Default for RequestLimiter {
    fn default() -> RequestLimiter {
        RequestLimiter::per_second(REQUESTS_PER_SECOND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_past_its_burst_is_told_when_to_come_back_and_others_are_not_affected() {
        let limiter = RequestLimiter::per_second(5);
        for _ in 0..10 {
            limiter.check("kabul").unwrap();
        }
        let refused = limiter.check("kabul").unwrap_err();
        assert_eq!(refused.status, 429);
        assert!(refused.retry_after.is_some_and(|s| s >= 1));
        limiter.check("islamabad").unwrap();
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RequestLimiter::per_second(0);
        for _ in 0..10_000 {
            limiter.check("bench").unwrap();
        }
    }
}
