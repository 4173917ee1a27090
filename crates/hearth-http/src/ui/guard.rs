//! Brakes on password guessing at `/login`: after [`MAX_FAILURES`] wrong passwords
//! for one email from one address within [`WINDOW`], that pair is refused until
//! the window has passed. Keyed on the pair, so a stranger elsewhere cannot lock an
//! agent out; kept in memory per instance (a restart forgets it).

use hearth_domain::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use time::Duration;

/// Wrong passwords allowed per window.
pub const MAX_FAILURES: u32 = 5;
/// How long failures count.
pub const WINDOW: Duration = Duration::minutes(15);
/// The most pairs remembered; the oldest windows are dropped first.
const CAPACITY: usize = 100_000;

type Key = (String, Option<IpAddr>);

/// Failed sign-ins per (email, client address).
#[derive(Debug, Default)]
pub struct LoginGuard {
    failures: Mutex<HashMap<Key, (u32, Timestamp)>>,
}

impl LoginGuard {
    /// How long `email` from `ip` must wait before trying again, if it must.
    pub fn wait(&self, email: &str, ip: Option<IpAddr>, now: Timestamp) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let (count, since) = map.get(&(email.to_lowercase(), ip))?;
        let left = WINDOW - (now - *since);
        (*count >= MAX_FAILURES && left.is_positive()).then_some(left)
    }

    /// Counts a wrong password.
    pub fn failed(&self, email: &str, ip: Option<IpAddr>, now: Timestamp) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CAPACITY {
            map.retain(|_, (_, since)| now - *since < WINDOW);
        }
        if map.len() >= CAPACITY {
            return;
        }
        let entry = map.entry((email.to_lowercase(), ip)).or_insert((0, now));
        if now - entry.1 >= WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Forgets the failures of a pair that signed in.
    pub fn succeeded(&self, email: &str, ip: Option<IpAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(email.to_lowercase(), ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_held_after_five_failures_until_the_window_passes() {
        let guard = LoginGuard::default();
        let t0 = time::OffsetDateTime::UNIX_EPOCH;
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        let there = Some(IpAddr::from([10, 0, 0, 9]));
        for _ in 0..4 {
            guard.failed("Alice@example.com", here, t0);
        }
        assert_eq!(guard.wait("alice@example.com", here, t0), None);
        guard.failed("alice@example.com", here, t0);
        assert_eq!(guard.wait("alice@example.com", here, t0), Some(WINDOW));
        assert_eq!(
            guard.wait("alice@example.com", there, t0),
            None,
            "another address"
        );
        assert_eq!(
            guard.wait("bob@example.com", here, t0),
            None,
            "another agent"
        );
        let later = t0 + WINDOW;
        assert_eq!(guard.wait("alice@example.com", here, later), None);
        guard.failed("alice@example.com", here, later);
        assert_eq!(
            guard.wait("alice@example.com", here, later),
            None,
            "a new window"
        );
        guard.succeeded("alice@example.com", here);
        assert_eq!(guard.wait("alice@example.com", here, later), None);
    }
}
