//! Rate limiting per API credential (Gladly: a per-second limit with
//! `Ratelimit-Limit-Second` / `Ratelimit-Remaining-Second` headers and 429). The
//! window is the current second; counts are per instance. The limit is the
//! organization setting `rateLimitPerSecond`, refreshed by the binary.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// Requests per second and credential; 0 turns limiting off.
#[derive(Debug)]
pub struct RateLimiter {
    limit: AtomicU32,
    windows: Mutex<HashMap<[u8; 32], (u64, u32)>>,
}

impl RateLimiter {
    /// A limiter allowing `limit` requests per second per credential.
    pub fn new(limit: u32) -> RateLimiter {
        RateLimiter {
            limit: AtomicU32::new(limit),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Changes the limit (settings changed).
    pub fn set_limit(&self, limit: u32) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    /// Counts a request in second `now`; returns the limit and what remains, or
    /// `None` when the credential is over its limit.
    fn admit(&self, key: [u8; 32], now: u64) -> Option<(u32, u32)> {
        let limit = self.limit.load(Ordering::Relaxed);
        if limit == 0 {
            return Some((0, 0));
        }
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (second, _)| *second == now);
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if entry.0 != now {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return None;
        }
        entry.1 += 1;
        Some((limit, limit - entry.1))
    }
}

/// The middleware: requests with an Authorization header are counted per credential.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(credential) = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| Sha256::digest(v.as_bytes()).into())
    else {
        return next.run(request).await;
    };
    let second = u64::try_from(state.app.now().unix_timestamp()).unwrap_or(0);
    let Some((limit, remaining)) = state.limiter.admit(credential, second) else {
        let limit = state.limiter.limit.load(Ordering::Relaxed);
        let mut response = ApiError {
            attr: None,
            code: crate::error::ErrorCode::RateLimited,
            detail: format!("more than {limit} requests in one second; retry with backoff"),
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
        return response;
    };
    let mut response = next.run(request).await;
    if limit > 0 {
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
}
