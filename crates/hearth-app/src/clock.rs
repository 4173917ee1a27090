//! The clock and the id/secret generators: the only places Hearth reads time or
//! draws random bytes. Tests swap [`Clock`] for a fixed one.

use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hearth_domain::Timestamp;
use sha2::{Digest, Sha256};

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, truncated to milliseconds.
    fn now(&self) -> Timestamp;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place Hearth reads the wall clock
    fn now(&self) -> Timestamp {
        truncate_ms(time::OffsetDateTime::now_utc())
    }
}

/// A clock tests set by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: Timestamp) -> Self {
        ManualClock(Mutex::new(truncate_ms(at)))
    }
    /// The instant the clock shows.
    pub fn now_for_tests(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: hearth_domain::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Millisecond precision, as stored and as written on the wire.
pub fn truncate_ms(t: Timestamp) -> Timestamp {
    let ms = t.millisecond();
    t.replace_nanosecond(u32::from(ms) * 1_000_000).unwrap_or(t)
}

/// A new 22-character base64url id from the 16 bytes of a UUIDv7 (time-ordered, so
/// B-tree inserts stay local).
#[allow(clippy::disallowed_methods)] // ids are generated here and only here
pub fn new_id() -> String {
    URL_SAFE_NO_PAD.encode(uuid::Uuid::now_v7().as_bytes())
}

/// A new API token: 32 random bytes as 43 characters of base64url without padding.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new password for a generated account: 18 random bytes as 24 characters.
pub fn new_password() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// How a token is stored: hex SHA-256. Tokens carry 256 bits of entropy, so a fast
/// hash is enough; the database never holds a usable token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An id generator for domain decisions.
#[derive(Debug, Default)]
pub struct FreshIds;

impl hearth_domain::conversation::IdSource for FreshIds {
    fn next_id(&mut self) -> String {
        new_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_tokens_have_their_documented_lengths() -> Result<(), getrandom::Error> {
        let id = new_id();
        assert_eq!(id.len(), 22);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(new_token()?.len(), 43);
        assert_ne!(new_token()?, new_token()?);
        assert_eq!(token_hash("abc").len(), 64);
        Ok(())
    }
}
