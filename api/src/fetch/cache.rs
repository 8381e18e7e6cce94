//! A small in-memory cache of fetched things, keyed by URL, each entry
//! with its own lifetime. Per node: a status list another node cached is
//! fetched again here, which is what a cache of public documents allows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries expire after their time to live; when full, expired entries go
/// first, then the one that expires soonest.
#[derive(Debug)]
pub struct Cache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
    max_entries: usize,
}

impl<V: Clone> Cache<V> {
    pub fn new(max_entries: usize) -> Self {
        Cache { entries: Mutex::new(HashMap::new()), max_entries: max_entries.max(1) }
    }

    /// The value cached for `url`, when it has not expired.
    pub fn get(&self, url: &str) -> Option<V> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match entries.get(url) {
            Some((until, value)) if *until > now => Some(value.clone()),
            Some(_) => {
                entries.remove(url);
                None
            }
            None => None,
        }
    }

    /// Caches `value` for `url` during `ttl` (nothing when `ttl` is zero).
    pub fn insert(&self, url: &str, value: V, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let until = now.checked_add(ttl).unwrap_or(now);
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !entries.contains_key(url) && entries.len() >= self.max_entries {
            entries.retain(|_, (until, _)| *until > now);
            if entries.len() >= self.max_entries
                && let Some(soonest) = entries.iter().min_by_key(|(_, (until, _))| *until).map(|(k, _)| k.clone())
            {
                entries.remove(&soonest);
            }
        }
        entries.insert(url.to_owned(), (until, value));
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let cache = Cache::new(2);
        cache.insert("a", 1, Duration::from_secs(60));
        cache.insert("b", 2, Duration::from_secs(120));
        cache.insert("gone", 0, Duration::ZERO);
        assert_eq!(cache.get("a"), Some(1));
        assert_eq!(cache.get("gone"), None);
        cache.insert("c", 3, Duration::from_secs(180));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get("a"), None, "the entry that expires soonest makes room");
        assert_eq!(cache.get("c"), Some(3));
        cache.insert("d", 4, Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(cache.get("d"), None);
    }
}
