//! Instants: RFC 3339 with milliseconds on the wire and in documents (parsed
//! leniently), Unix milliseconds in the databases.

use hearth_domain::{DomainError, Timestamp};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

/// RFC 3339 in UTC with exactly three fraction digits (`2030-01-02T03:04:05.678Z`).
pub fn fmt_ts(t: Timestamp) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses a timestamp leniently: RFC 3339 with any number of fraction digits and any
/// offset, or minute precision (`2030-01-02T03:04Z`). The result is in UTC, truncated
/// to milliseconds.
pub fn parse_ts(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    let parsed = time::OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .or_else(|| {
            // Minute precision: insert ":00" seconds before the offset.
            let idx = raw
                .find(['Z', 'z', '+'])
                .or_else(|| raw.rfind('-').filter(|i| *i > 10))?;
            let (head, tail) = raw.split_at(idx);
            if head.len() == 16 {
                time::OffsetDateTime::parse(&format!("{head}:00{tail}"), &Rfc3339).ok()
            } else {
                None
            }
        })?;
    Some(crate::clock::truncate_ms(
        parsed.to_offset(time::UtcOffset::UTC),
    ))
}

/// Unix milliseconds, the storage form of instants.
pub fn to_ms(t: Timestamp) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Back from Unix milliseconds.
pub fn from_ms(ms: i64) -> Timestamp {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

pub(crate) mod ts {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_ts(*t))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let raw = String::deserialize(d)?;
        parse_ts(&raw).ok_or_else(|| {
            serde::de::Error::custom(format!("'{raw}' is not an RFC 3339 timestamp"))
        })
    }
}

pub(crate) mod ts_opt {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&fmt_ts(*t)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(raw) => parse_ts(&raw).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("'{raw}' is not an RFC 3339 timestamp"))
            }),
        }
    }
}

pub(crate) fn corrupt(what: &str, value: &str) -> DomainError {
    DomainError::invalid(what, format!("unknown value '{value}'"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_written_with_millis_and_parsed_leniently() {
        let t = datetime!(2030-01-02 03:04:05.678901 UTC);
        assert_eq!(
            fmt_ts(crate::clock::truncate_ms(t)),
            "2030-01-02T03:04:05.678Z"
        );
        assert_eq!(
            parse_ts("2030-01-02T03:04:05.07272933Z")
                .map(fmt_ts)
                .as_deref(),
            Some("2030-01-02T03:04:05.072Z")
        );
        assert_eq!(
            parse_ts("2030-01-02T05:04:05+02:00").map(fmt_ts).as_deref(),
            Some("2030-01-02T03:04:05.000Z")
        );
        assert_eq!(
            parse_ts("2030-01-02T03:04Z").map(fmt_ts).as_deref(),
            Some("2030-01-02T03:04:00.000Z")
        );
        assert_eq!(parse_ts("yesterday"), None);
        assert_eq!(
            from_ms(to_ms(crate::clock::truncate_ms(t))),
            crate::clock::truncate_ms(t)
        );
    }
}
