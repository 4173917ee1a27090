//! Brakes on password guessing at `/login`. An attempt is counted *before* its
//! password is checked (so parallel guesses cannot outrun the count), and keyed on
//! the account as the lookup reads it (trimmed, lower case: " Alice@x " is
//! alice@x). After [`MAX_FAILURES`] wrong passwords for one account from one
//! address within [`WINDOW`], that pair is refused until the window has passed; a
//! stranger elsewhere cannot lock the agent out that way. Across all addresses an
//! account takes at most [`ACCOUNT_CEILING`] wrong passwords per window, against a
//! guesser with many addresses. Kept in memory per instance (a restart forgets it).

use hearth_domain::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use time::Duration;

/// Wrong passwords allowed per window, per account and address.
pub const MAX_FAILURES: u32 = 5;
/// Wrong passwords allowed per window per account, from all addresses together.
pub const ACCOUNT_CEILING: u32 = 50;
/// How long failures count.
pub const WINDOW: Duration = Duration::minutes(15);
/// The most keys remembered; the oldest windows are dropped first.
const CAPACITY: usize = 100_000;

/// An account as the lookup reads it.
fn account(email: &str) -> String {
    email.trim().to_lowercase()
}

/// `(account, address)`, or `(account, None)` for the account's ceiling.
type Key = (String, Option<IpAddr>, bool);

/// Attempts per (account, client address), and per account.
#[derive(Debug, Default)]
pub struct LoginGuard {
    attempts: Mutex<HashMap<Key, (u32, Timestamp)>>,
}

/// An attempt counted before its password is checked: [`LoginGuard::succeeded`]
/// takes it back.
#[derive(Debug)]
#[must_use = "a counted attempt is taken back only on success"]
pub struct Attempt {
    account: String,
    ip: Option<IpAddr>,
}

impl LoginGuard {
    /// Counts an attempt of `email` from `ip`, or says how long it must wait.
    pub fn attempt(
        &self,
        email: &str,
        ip: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<Attempt, Duration> {
        let account = account(email);
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let pair = (account.clone(), ip, false);
        let whole = (account.clone(), None, true);
        let mut wait = None;
        for (key, limit) in [(&pair, MAX_FAILURES), (&whole, ACCOUNT_CEILING)] {
            if let Some((count, since)) = map.get(key) {
                let left = WINDOW - (now - *since);
                if *count >= limit && left.is_positive() {
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        if let Some(left) = wait {
            return Err(left);
        }
        if map.len() >= CAPACITY {
            map.retain(|_, (_, since)| now - *since < WINDOW);
        }
        for key in [pair, whole] {
            if map.len() >= CAPACITY && !map.contains_key(&key) {
                continue;
            }
            let entry = map.entry(key).or_insert((0, now));
            if now - entry.1 >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
        Ok(Attempt { account, ip })
    }

    /// The attempt signed in: its pair is forgotten and the account's count
    /// gives it back.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(attempt.account.clone(), attempt.ip, false));
        if let Some(entry) = map.get_mut(&(attempt.account, None, true)) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_held_after_five_attempts_until_the_window_passes() {
        let guard = LoginGuard::default();
        let t0 = time::OffsetDateTime::UNIX_EPOCH;
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        let there = Some(IpAddr::from([10, 0, 0, 9]));
        for _ in 0..4 {
            let _ = guard.attempt("Alice@example.com", here, t0).unwrap();
        }
        // A whitespace variant is the same account.
        let _ = guard.attempt(" alice@EXAMPLE.com\t", here, t0).unwrap();
        assert_eq!(
            guard.attempt("alice@example.com", here, t0).unwrap_err(),
            WINDOW
        );
        assert!(
            guard.attempt("alice@example.com", there, t0).is_ok(),
            "another address"
        );
        assert!(
            guard.attempt("bob@example.com", here, t0).is_ok(),
            "another agent"
        );
        let later = t0 + WINDOW;
        let ok = guard.attempt("alice@example.com", here, later).unwrap();
        guard.succeeded(ok);
        for _ in 0..MAX_FAILURES {
            let _ = guard.attempt("alice@example.com", here, later).unwrap();
        }
        assert!(guard.attempt("alice@example.com", here, later).is_err());
    }

    #[test]
    fn an_account_takes_at_most_the_ceiling_from_all_addresses() {
        let guard = LoginGuard::default();
        let t0 = time::OffsetDateTime::UNIX_EPOCH;
        for i in 0..ACCOUNT_CEILING {
            let ip = Some(IpAddr::from([10, 0, (i / 250) as u8, (i % 250) as u8]));
            let _ = guard.attempt("alice@example.com", ip, t0).unwrap();
        }
        let fresh = Some(IpAddr::from([192, 0, 2, 1]));
        assert!(guard.attempt("alice@example.com", fresh, t0).is_err());
        assert!(guard.attempt("bob@example.com", fresh, t0).is_ok());
    }
}
