//! What administrators configure: agents, inboxes, teams, entry points, topics and
//! the organization settings, with the defaults of `GLADLY-BEHAVIOUR.md` section 8.

use crate::channel::Channel;
use crate::id::{AgentId, EntryPointId, InboxId, TeamId, TopicId};
use crate::{DomainError, Duration};

/// Longest accepted duration setting: 30 days.
pub const MAX_DURATION_SECONDS: i64 = 30 * 24 * 3600;

/// Validates a duration setting given in seconds (0 s to 30 days, or from `min`).
pub fn duration_setting(attr: &str, seconds: i64, min: i64) -> Result<Duration, DomainError> {
    if seconds < min || seconds > MAX_DURATION_SECONDS {
        return Err(DomainError::invalid(
            attr,
            format!("must be between {min} and {MAX_DURATION_SECONDS} seconds"),
        ));
    }
    Ok(Duration::seconds(seconds))
}

/// Roles an agent can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
    ApiUser,
}

impl Role {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "AGENT",
            Role::Supervisor => "SUPERVISOR",
            Role::Admin => "ADMIN",
            Role::ApiUser => "API_USER",
        }
    }
    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Role::Agent, Role::Supervisor, Role::Admin, Role::ApiUser]
            .into_iter()
            .find(|r| r.as_str() == raw)
    }
}

/// Standard (pushed) and maximum (reachable with Next) messaging capacity (R28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessagingCapacity {
    pub standard: u32,
    pub maximum: u32,
}

impl MessagingCapacity {
    /// Refuses a maximum below the standard capacity.
    pub fn new(standard: u32, maximum: u32) -> Result<Self, DomainError> {
        if maximum < standard {
            return Err(DomainError::invalid(
                "messagingCapacity.maximum",
                "maximum must not be below standard",
            ));
        }
        Ok(MessagingCapacity { standard, maximum })
    }
}

/// A user of Hearth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub inbox_ids: Vec<InboxId>,
    pub messaging_capacity: MessagingCapacity,
    pub disabled: bool,
}

impl Agent {
    /// Whether the agent holds a role.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    /// R21: membership decides eligibility.
    pub fn is_member_of(&self, inbox: &InboxId) -> bool {
        self.inbox_ids.contains(inbox)
    }
}

/// Push agent selection (DESIGN section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    LongestIdle,
    RoundRobin,
    MostSpareCapacity,
    FewestOpen,
}

impl Selection {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Selection::LongestIdle => "LONGEST_IDLE",
            Selection::RoundRobin => "ROUND_ROBIN",
            Selection::MostSpareCapacity => "MOST_SPARE_CAPACITY",
            Selection::FewestOpen => "FEWEST_OPEN",
        }
    }
    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::LongestIdle,
            Self::RoundRobin,
            Self::MostSpareCapacity,
            Self::FewestOpen,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// Routing settings of an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxRouting {
    pub selection: Selection,
    pub accept_decline: bool,
    pub offer_timeout: Duration,
    pub next_message_delay: Duration,
    pub same_agent_limit: Duration,
    pub mail_to_same_agent: bool,
    pub after_call_work: Duration,
}

impl Default for InboxRouting {
    /// Gladly's defaults: offers for 45 s, 15 s next-message delay, 15 min same-agent
    /// limit, mail to the same agent, 30 s after-call work.
    fn default() -> Self {
        InboxRouting {
            selection: Selection::LongestIdle,
            accept_decline: false,
            offer_timeout: Duration::seconds(45),
            next_message_delay: Duration::seconds(15),
            same_agent_limit: Duration::minutes(15),
            mail_to_same_agent: true,
            after_call_work: Duration::seconds(30),
        }
    }
}

/// A queue of work (R1: every conversation is in exactly one inbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbox {
    pub id: InboxId,
    pub name: String,
    /// R48: required on every inbox.
    pub sla: Duration,
    pub business_hours_id: Option<String>,
    pub routing: InboxRouting,
    pub disabled: bool,
    /// How long before a due date its conversation is "due soon" (zero: never).
    pub warn_before: Duration,
}

/// The warning time of an inbox that does not set one.
pub const DEFAULT_WARN_BEFORE: Duration = Duration::minutes(15);

/// From when work due at `due` is "due soon" in an inbox warning `warn_before`
/// ahead; never when it warns never (zero).
pub fn due_soon_at(due: crate::Timestamp, warn_before: Duration) -> Option<crate::Timestamp> {
    (warn_before > Duration::ZERO).then(|| due - warn_before)
}

/// A named group of agents (reporting only; routing uses inbox membership).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub description: String,
    pub agent_ids: Vec<AgentId>,
}

/// An inbound address mapped to a default inbox, optionally with its own SLA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    pub id: EntryPointId,
    pub channel: Channel,
    pub address: String,
    pub inbox_id: InboxId,
    pub sla: Option<Duration>,
    /// Business hours its contacts' SLA counts in, instead of the inbox's.
    pub business_hours_id: Option<String>,
}

impl EntryPoint {
    /// R48: the entry point's SLA overrides the inbox's when set.
    pub fn sla_for(&self, inbox: &Inbox) -> Duration {
        self.sla.unwrap_or(inbox.sla)
    }
}

/// A hierarchical conversation label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub id: TopicId,
    pub name: String,
    pub disabled: bool,
    pub parent_id: Option<TopicId>,
}

/// Organization-wide settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgSettings {
    /// R53: inbound before `closed_at + window` reopens (24 h).
    pub reopen_window: Duration,
    /// R64/Q9: off by default.
    pub require_topic: bool,
    /// R45: chat rejoin window (default 2 min).
    pub chat_rejoin: Duration,
    /// R40: 0 = off (default).
    pub time_until_away: Duration,
    pub export_interval: Duration,
    pub event_retention_days: u32,
    pub max_message_bytes: u64,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            reopen_window: Duration::hours(24),
            require_topic: false,
            chat_rejoin: Duration::minutes(2),
            time_until_away: Duration::ZERO,
            export_interval: Duration::seconds(86_400),
            event_retention_days: 14,
            max_message_bytes: 25 * 1024 * 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_maximum_must_not_be_below_standard() {
        assert!(MessagingCapacity::new(2, 3).is_ok());
        assert!(MessagingCapacity::new(3, 3).is_ok());
        assert!(MessagingCapacity::new(3, 2).is_err());
    }

    #[test]
    fn durations_are_bounded() {
        assert!(duration_setting("x", 0, 0).is_ok());
        assert!(duration_setting("x", MAX_DURATION_SECONDS, 0).is_ok());
        assert!(duration_setting("x", MAX_DURATION_SECONDS + 1, 0).is_err());
        assert!(duration_setting("x", -1, 0).is_err());
        assert!(duration_setting("offerTimeoutSeconds", 0, 1).is_err());
    }
}
