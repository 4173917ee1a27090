//! Rate limiting per API credential (Gladly: a per-second limit with
//! `Ratelimit-Limit-Second` / `Ratelimit-Remaining-Second` headers and 429). The
//! window is the current second; counts are per instance. The limit is the
//! organization setting `rateLimitPerSecond`, refreshed by the binary and set at
//! once when an administrator changes it here.
//!
//! Wrong credentials are a new Authorization value each time, so they are counted
//! per client address as well: after [`FAILURES_PER_SECOND`] answers of 401 in a
//! second, the address gets 429 for the rest of that second whatever it sends.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// Requests refused with 401 per client address and second before the address
/// is refused outright.
pub const FAILURES_PER_SECOND: u32 = 10;

/// Counts per key within the current second; a key seen in an earlier second
/// starts again from zero.
#[derive(Debug)]
struct PerSecond<K>(Mutex<HashMap<K, (u64, u32)>>);

impl<K: Hash + Eq> PerSecond<K> {
    fn new() -> Self {
        PerSecond(Mutex::new(HashMap::new()))
    }

    /// `key`'s count in second `now` so far.
    fn count(&self, key: &K, now: u64) -> u32 {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(second, _)| *second == now)
            .map_or(0, |(_, n)| *n)
    }

    /// Adds one to `key`'s count in second `now` unless it has reached `limit`;
    /// the count after, or `None` when it had.
    fn add(&self, key: K, now: u64, limit: u32) -> Option<u32> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (second, _)| *second == now);
        }
        let entry = map.entry(key).or_insert((now, 0));
        if entry.0 != now {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return None;
        }
        entry.1 += 1;
        Some(entry.1)
    }
}

/// Requests per second and credential; 0 turns limiting off.
#[derive(Debug)]
pub struct RateLimiter {
    limit: AtomicU32,
    windows: PerSecond<[u8; 32]>,
    failures: PerSecond<IpAddr>,
}

impl RateLimiter {
    /// A limiter allowing `limit` requests per second per credential.
    pub fn new(limit: u32) -> RateLimiter {
        RateLimiter {
            limit: AtomicU32::new(limit),
            windows: PerSecond::new(),
            failures: PerSecond::new(),
        }
    }

    /// Changes the limit (settings changed).
    pub fn set_limit(&self, limit: u32) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    /// Whether `ip` has had its share of refused credentials in second `now`.
    fn failing(&self, ip: IpAddr, now: u64) -> bool {
        self.failures.count(&ip, now) >= FAILURES_PER_SECOND
    }

    /// Counts a 401 answered to `ip` in second `now`.
    fn failed(&self, ip: IpAddr, now: u64) {
        let _ = self.failures.add(ip, now, u32::MAX);
    }

    /// Counts a request in second `now`; returns the limit and what remains, or
    /// `None` when the credential is over its limit.
    fn admit(&self, key: [u8; 32], now: u64) -> Option<(u32, u32)> {
        let limit = self.limit.load(Ordering::Relaxed);
        if limit == 0 {
            return Some((0, 0));
        }
        let used = self.windows.add(key, now, limit)?;
        Some((limit, limit - used))
    }
}

/// Reads the organization's limit again: after an administrator changed the
/// settings on this instance (so the change applies to the next request), and
/// from the binary's refresh task.
pub async fn refresh(app: &hearth_app::App, limiter: &RateLimiter) {
    match app.rate_limit().await {
        Ok(limit) => limiter.set_limit(limit),
        Err(e) => tracing::warn!(error = %e.chain(), "reading the rate limit failed"),
    }
}

/// A 429 `rate_limited` with Gladly's headers.
fn refused(limit: u32, detail: String) -> Response {
    let mut response = ApiError {
        attr: None,
        code: crate::error::ErrorCode::RateLimited,
        detail,
        meta: None,
    }
    .into_response();
    response
        .headers_mut()
        .insert("ratelimit-limit-second", HeaderValue::from(limit));
    response
        .headers_mut()
        .insert("ratelimit-remaining-second", HeaderValue::from(0u32));
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(1u32));
    response
}

/// The middleware: requests with an Authorization header are counted per
/// credential, and answers of 401 per client address.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let second = u64::try_from(state.app.now().unix_timestamp()).unwrap_or(0);
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = peer
        && state.limiter.failing(ip, second)
    {
        return refused(
            FAILURES_PER_SECOND,
            format!(
                "more than {FAILURES_PER_SECOND} requests with wrong credentials from this address in one second; retry later"
            ),
        );
    }
    let credential: Option<[u8; 32]> = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| Sha256::digest(v.as_bytes()).into());
    let admitted = match credential {
        Some(credential) => match state.limiter.admit(credential, second) {
            Some(admitted) => Some(admitted),
            None => {
                let limit = state.limiter.limit.load(Ordering::Relaxed);
                return refused(
                    limit,
                    format!("more than {limit} requests in one second; retry with backoff"),
                );
            }
        },
        None => None,
    };
    let mut response = next.run(request).await;
    if response.status() == axum::http::StatusCode::UNAUTHORIZED
        && let Some(ip) = peer
    {
        state.limiter.failed(ip, second);
    }
    if let Some((limit, remaining)) = admitted
        && limit > 0
    {
        response
            .headers_mut()
            .insert("ratelimit-limit-second", HeaderValue::from(limit));
        response
            .headers_mut()
            .insert("ratelimit-remaining-second", HeaderValue::from(remaining));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_credential_gets_its_limit_per_second() {
        let l = RateLimiter::new(2);
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(l.admit(a, 10), Some((2, 1)));
        assert_eq!(l.admit(a, 10), Some((2, 0)));
        assert_eq!(l.admit(a, 10), None);
        assert_eq!(
            l.admit(b, 10),
            Some((2, 1)),
            "another credential has its own window"
        );
        assert_eq!(l.admit(a, 11), Some((2, 1)), "a new second starts afresh");
        l.set_limit(0);
        assert_eq!(l.admit(a, 11), Some((0, 0)), "0 turns limiting off");
    }

    #[test]
    fn an_address_with_too_many_refused_credentials_is_refused_for_the_second() {
        let l = RateLimiter::new(100);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        for _ in 0..FAILURES_PER_SECOND {
            assert!(!l.failing(ip, 5));
            l.failed(ip, 5);
        }
        assert!(l.failing(ip, 5), "the eleventh is refused");
        assert!(!l.failing(other, 5), "another address is not");
        assert!(!l.failing(ip, 6), "the next second starts afresh");
    }
}
