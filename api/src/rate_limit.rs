//! A per-account fixed-window limit: which counter, how many requests, how
//! long a window. The counting is done in the database
//! (`store::rate_limits`, through `services::rate_limits`), so every node
//! on one database shares the count. A window opens at an account's first
//! request and lasts `window`; the next request after it opens another.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy)]
pub struct RateLimiter {
    bucket: &'static str,
    limit: u32,
    window: Duration,
}

impl RateLimiter {
    /// `bucket` names the counter in the database: one per limit.
    pub const fn new(bucket: &'static str, limit: u32, window: Duration) -> Self {
        Self { bucket, limit, window }
    }

    /// Talent search: 60 searches a minute per employer account.
    pub const fn talent_search() -> Self {
        Self::new("talent_search", 60, Duration::minutes(1))
    }

    /// Re-sending a verification code: 5 an hour per account.
    pub const fn verification_resend() -> Self {
        Self::new("verification_resend", 5, Duration::hours(1))
    }

    pub fn bucket(&self) -> &'static str {
        self.bucket
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Whether the `count`th request of a window that opened at
    /// `window_start` may proceed at `now`; Err(seconds until the window
    /// ends, at least 1) past the limit.
    pub fn admits(&self, window_start: DateTime<Utc>, count: i64, now: DateTime<Utc>) -> Result<(), u64> {
        if count <= i64::from(self.limit) {
            return Ok(());
        }
        let left = (window_start + self.window - now).num_milliseconds().max(0);
        // Rounded up: retrying after that many seconds lands in a new window.
        let seconds = u64::try_from(left).unwrap_or(0).div_ceil(1000);
        Err(seconds.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_the_wait_is_what_is_left_of_the_window() {
        let limiter = RateLimiter::new("test", 2, Duration::seconds(60));
        let start = Utc::now();
        assert_eq!(limiter.admits(start, 1, start), Ok(()));
        assert_eq!(limiter.admits(start, 2, start + Duration::seconds(10)), Ok(()));
        assert_eq!(limiter.admits(start, 3, start + Duration::seconds(10)), Err(50));
        assert_eq!(limiter.admits(start, 3, start + Duration::milliseconds(59_500)), Err(1));
        assert_eq!(limiter.admits(start, 9, start + Duration::seconds(70)), Err(1));
    }
}
