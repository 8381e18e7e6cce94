//! A per-account fixed-window rate limiter, in memory. Enough for one
//! service process; several processes behind a balancer would each count
//! on their own (documented in the README).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cairn_domain::UserId;

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<UserId, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request of `account`; Err(seconds to wait) past the limit.
    pub fn check(&self, account: UserId) -> Result<(), u64> {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-update of
        // a counter; the counts are still usable.
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = windows.entry(account).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let wait = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_account_and_window() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let (a, b) = (UserId::new(), UserId::new());
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_err());
        assert!(limiter.check(b).is_ok());
        let short = RateLimiter::new(1, Duration::from_millis(20));
        assert!(short.check(a).is_ok());
        assert!(short.check(a).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(short.check(a).is_ok());
    }
}
