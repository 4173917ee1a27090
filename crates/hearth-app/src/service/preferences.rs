//! An agent's own preferences: the time zone the desktop shows times in (empty:
//! the browser's own).

use serde::{Deserialize, Serialize};

use hearth_domain::DomainError;

use super::credentials::Caller;
use crate::app::{App, read_tx, write_tx};
use crate::codec;
use crate::error::AppError;
use crate::ports::ResourceRow;

/// Where each agent's preferences are kept.
const PREFERENCES: &str = "agent_preferences";

/// What an agent chose for themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    /// An IANA time zone name (`Europe/Oslo`), or none for the browser's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Every IANA time zone name Hearth knows, sorted.
pub fn time_zones() -> Vec<String> {
    let mut zones: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.to_string())
        .filter(|name| name.contains('/') || name == "UTC")
        .collect();
    zones.sort();
    zones.dedup();
    zones
}

/// `name` as a known IANA time zone, or a refusal naming `attr`.
pub fn check_time_zone(attr: &str, name: &str) -> Result<String, DomainError> {
    let name = name.trim();
    if name.len() > 64 || jiff::tz::db().get(name).is_err() {
        return Err(DomainError::invalid(
            attr,
            format!("'{name}' is not a time zone name like Europe/Oslo or America/New_York"),
        ));
    }
    Ok(name.to_owned())
}

impl App {
    /// The caller's preferences (the defaults until they chose). Preferences are
    /// anyone's who signs in, not only agents'.
    pub async fn preferences(&self, caller: &Caller) -> Result<Preferences, AppError> {
        let agent = caller.agent.id.clone();
        read_tx!(self, |tx| {
            match tx.resource(PREFERENCES, agent.as_str()).await? {
                Some(row) => Ok::<_, AppError>(codec::read(&row.doc)?),
                None => Ok(Preferences::default()),
            }
        })
    }

    /// Replaces the calling agent's preferences, checked.
    pub async fn set_preferences(
        &self,
        caller: &Caller,
        wanted: Preferences,
    ) -> Result<Preferences, AppError> {
        let agent = caller.agent.id.clone();
        let checked = Preferences {
            time_zone: match wanted.time_zone.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(name) => Some(check_time_zone("timeZone", name)?),
            },
        };
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            tx.put_resource(&ResourceRow {
                kind: PREFERENCES.to_owned(),
                id: agent.to_string(),
                unique_key: None,
                doc: codec::write(&checked)?,
                created_at: now,
                updated_at: now,
                version: 1,
            })
            .await?;
            Ok::<_, AppError>(checked.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_checked_against_the_bundled_database() {
        assert_eq!(
            check_time_zone("timeZone", " Europe/Oslo ").unwrap(),
            "Europe/Oslo"
        );
        assert!(check_time_zone("timeZone", "Europe/Atlantis").is_err());
        assert!(check_time_zone("timeZone", "").is_err());
        assert!(check_time_zone("timeZone", &"A/".repeat(40)).is_err());
        let zones = time_zones();
        assert!(zones.iter().any(|z| z == "America/New_York"));
        assert!(zones.len() > 300, "{}", zones.len());
    }
}
