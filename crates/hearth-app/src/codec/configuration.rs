//! Configuration resources: agents, inboxes, entry points, topics, teams and
//! the organization settings.

use hearth_domain::calendar::{Calendar, Period};
use hearth_domain::channel::Channel;
use hearth_domain::config::{
    Agent, EntryPoint, Inbox, InboxRouting, MessagingCapacity, OrgSettings, Role, Selection, Team,
    Topic,
};
use hearth_domain::id::*;
use hearth_domain::{DomainError, Duration};
use serde::{Deserialize, Serialize};

use super::instants::corrupt;

/// `{standard, maximum}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CapacityDto {
    pub standard: u32,
    pub maximum: u32,
}

/// The stored agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDoc {
    pub id: String,
    pub name: String,
    pub email_address: String,
    pub roles: Vec<String>,
    pub inbox_ids: Vec<String>,
    pub messaging_capacity: CapacityDto,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
}

impl AgentDoc {
    /// To the domain.
    pub fn to_domain(&self) -> Result<Agent, DomainError> {
        Ok(Agent {
            id: AgentId::from_trusted(&self.id),
            name: self.name.clone(),
            email: self.email_address.clone(),
            roles: self
                .roles
                .iter()
                .map(|r| Role::parse(r).ok_or_else(|| corrupt("roles", r)))
                .collect::<Result<_, _>>()?,
            inbox_ids: self.inbox_ids.iter().map(InboxId::from_trusted).collect(),
            messaging_capacity: MessagingCapacity::new(
                self.messaging_capacity.standard,
                self.messaging_capacity.maximum,
            )?,
            disabled: self.disabled,
        })
    }
}

/// Routing settings of an inbox (seconds on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingDto {
    pub selection: String,
    pub accept_decline: bool,
    pub offer_timeout_seconds: i64,
    pub next_message_delay_seconds: i64,
    pub same_agent_limit_seconds: i64,
    pub mail_to_same_agent: bool,
    pub after_call_work_seconds: i64,
}

impl RoutingDto {
    /// From the domain.
    pub fn of(r: &InboxRouting) -> RoutingDto {
        RoutingDto {
            selection: r.selection.as_str().to_owned(),
            accept_decline: r.accept_decline,
            offer_timeout_seconds: r.offer_timeout.whole_seconds(),
            next_message_delay_seconds: r.next_message_delay.whole_seconds(),
            same_agent_limit_seconds: r.same_agent_limit.whole_seconds(),
            mail_to_same_agent: r.mail_to_same_agent,
            after_call_work_seconds: r.after_call_work.whole_seconds(),
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<InboxRouting, DomainError> {
        Ok(InboxRouting {
            selection: Selection::parse(&self.selection)
                .ok_or_else(|| corrupt("routing.selection", &self.selection))?,
            accept_decline: self.accept_decline,
            offer_timeout: Duration::seconds(self.offer_timeout_seconds),
            next_message_delay: Duration::seconds(self.next_message_delay_seconds),
            same_agent_limit: Duration::seconds(self.same_agent_limit_seconds),
            mail_to_same_agent: self.mail_to_same_agent,
            after_call_work: Duration::seconds(self.after_call_work_seconds),
        })
    }
}

/// The stored inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxDoc {
    pub id: String,
    pub name: String,
    pub sla_seconds: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours_id: Option<String>,
    pub routing: RoutingDto,
    #[serde(default)]
    pub disabled: bool,
    /// Seconds before a due date that a conversation is "due soon" (0: never);
    /// absent: 15 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_before_seconds: Option<i64>,
}

impl InboxDoc {
    /// From the domain.
    pub fn of(i: &Inbox) -> InboxDoc {
        InboxDoc {
            id: i.id.to_string(),
            name: i.name.clone(),
            sla_seconds: i.sla.whole_seconds(),
            business_hours_id: i.business_hours_id.clone(),
            routing: RoutingDto::of(&i.routing),
            disabled: i.disabled,
            warn_before_seconds: Some(i.warn_before.whole_seconds()),
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<Inbox, DomainError> {
        Ok(Inbox {
            id: InboxId::from_trusted(&self.id),
            name: self.name.clone(),
            sla: Duration::seconds(self.sla_seconds),
            business_hours_id: self.business_hours_id.clone(),
            routing: self.routing.to_domain()?,
            disabled: self.disabled,
            warn_before: self.warn_before_seconds.map_or(
                hearth_domain::config::DEFAULT_WARN_BEFORE,
                Duration::seconds,
            ),
        })
    }
}

/// The stored entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPointDoc {
    pub id: String,
    pub channel: String,
    pub address: String,
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_seconds: Option<i64>,
    /// The business hours its contacts' SLA counts in, instead of the inbox's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours_id: Option<String>,
    /// An EMAIL entry point's mailbox to poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imap: Option<ImapDoc>,
    /// A CHAT entry point's web origins the widget may connect from; empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
    /// A CHAT entry point's form before the chat starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_chat: Option<PreChatDoc>,
    /// A CHAT or SMS entry point whose new contacts a bot answers first (message
    /// automation, `AUTOMATION/MESSAGE_RECEIVED`) until it hands over.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automation: bool,
}

/// What the widget asks before a chat starts: each field `OFF`, `OPTIONAL` or
/// `REQUIRED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreChatDoc {
    pub name: String,
    pub email: String,
}

/// A mailbox Hearth polls over IMAP. The password is kept to log in with and
/// never shown (the admin API says only whether one is set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImapDoc {
    /// `imap://host[:port]` (plain, port 143) or `imaps://host[:port]` (TLS, 993).
    pub url: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub mailbox: String,
    /// How often to look when the server offers no IDLE.
    pub poll_seconds: i64,
}

impl EntryPointDoc {
    /// From the domain.
    pub fn of(e: &EntryPoint) -> EntryPointDoc {
        EntryPointDoc {
            id: e.id.to_string(),
            channel: e.channel.as_str().to_owned(),
            address: e.address.clone(),
            inbox_id: e.inbox_id.to_string(),
            sla_seconds: e.sla.map(|d| d.whole_seconds()),
            business_hours_id: e.business_hours_id.clone(),
            imap: None,
            allowed_origins: Vec::new(),
            pre_chat: None,
            automation: false,
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<EntryPoint, DomainError> {
        Ok(EntryPoint {
            id: EntryPointId::from_trusted(&self.id),
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| corrupt("channel", &self.channel))?,
            address: self.address.clone(),
            inbox_id: InboxId::from_trusted(&self.inbox_id),
            sla: self.sla_seconds.map(Duration::seconds),
            business_hours_id: self.business_hours_id.clone(),
        })
    }
    /// The unique key of an entry point: its channel and normalised address.
    pub fn key(channel: Channel, address: &str) -> String {
        format!("{}:{}", channel.as_str(), address.trim().to_lowercase())
    }
}

/// A topic in Gladly's shape (also the stored form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicDoc {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

impl TopicDoc {
    /// From the domain.
    pub fn of(t: &Topic) -> TopicDoc {
        TopicDoc {
            id: t.id.to_string(),
            name: t.name.clone(),
            disabled: t.disabled,
            parent_id: t.parent_id.as_ref().map(ToString::to_string),
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Topic {
        Topic {
            id: TopicId::from_trusted(self.id.clone()),
            name: self.name.clone(),
            disabled: self.disabled,
            parent_id: self.parent_id.clone().map(TopicId::from_trusted),
        }
    }
}

/// A team in Gladly's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamDoc {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub agent_ids: Vec<String>,
}

impl TeamDoc {
    /// From the domain.
    pub fn of(t: &Team) -> TeamDoc {
        TeamDoc {
            id: t.id.to_string(),
            name: t.name.clone(),
            description: t.description.clone(),
            agent_ids: t.agent_ids.iter().map(ToString::to_string).collect(),
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Team {
        Team {
            id: TeamId::from_trusted(self.id.clone()),
            name: self.name.clone(),
            description: self.description.clone(),
            agent_ids: self
                .agent_ids
                .iter()
                .cloned()
                .map(AgentId::from_trusted)
                .collect(),
        }
    }
}

/// Organization settings (DESIGN section 5 names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDoc {
    /// Pauses before each webhook retry (Gladly: 30 s, 5 min, 30 min, 1 h).
    #[serde(default = "default_webhook_retries")]
    pub webhook_retry_seconds: Vec<i64>,
    /// How long a webhook receiver has to answer.
    #[serde(default = "default_webhook_timeout")]
    pub webhook_timeout_seconds: i64,
    /// API requests per second per credential (0: no limit).
    #[serde(default = "default_rate_limit")]
    pub rate_limit_per_second: i64,
    pub reopen_window_seconds: i64,
    pub require_topic: bool,
    pub chat_rejoin_seconds: i64,
    pub time_until_away_seconds: i64,
    pub export_interval_seconds: i64,
    pub event_retention_days: u32,
    pub max_message_bytes: u64,
    /// The reasons an agent may give for going Away (a Hearth addition).
    #[serde(default = "default_away_reasons")]
    pub away_reasons: Vec<String>,
}

/// What a new organization offers as reasons for Away.
pub fn default_away_reasons() -> Vec<String> {
    ["Break", "Lunch", "Training", "Meeting"]
        .map(str::to_owned)
        .to_vec()
}

fn default_webhook_retries() -> Vec<i64> {
    vec![30, 300, 1800, 3600]
}

fn default_webhook_timeout() -> i64 {
    15
}

fn default_rate_limit() -> i64 {
    100
}

impl SettingsDoc {
    /// From the domain (webhook delivery settings at their defaults).
    pub fn of(s: &OrgSettings) -> SettingsDoc {
        SettingsDoc {
            webhook_retry_seconds: default_webhook_retries(),
            webhook_timeout_seconds: default_webhook_timeout(),
            rate_limit_per_second: default_rate_limit(),
            reopen_window_seconds: s.reopen_window.whole_seconds(),
            require_topic: s.require_topic,
            chat_rejoin_seconds: s.chat_rejoin.whole_seconds(),
            time_until_away_seconds: s.time_until_away.whole_seconds(),
            export_interval_seconds: s.export_interval.whole_seconds(),
            event_retention_days: s.event_retention_days,
            max_message_bytes: s.max_message_bytes,
            away_reasons: default_away_reasons(),
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> OrgSettings {
        OrgSettings {
            reopen_window: Duration::seconds(self.reopen_window_seconds),
            require_topic: self.require_topic,
            chat_rejoin: Duration::seconds(self.chat_rejoin_seconds),
            time_until_away: Duration::seconds(self.time_until_away_seconds),
            export_interval: Duration::seconds(self.export_interval_seconds),
            event_retention_days: self.event_retention_days,
            max_message_bytes: self.max_message_bytes,
        }
    }
}

/// Business hours: the calendar an SLA counts in (DESIGN section 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessHoursDoc {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    #[serde(default)]
    pub weekly: Vec<WeeklyHours>,
    /// Dates (`YYYY-MM-DD`) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Dates with hours of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ExceptionDoc>,
}

/// One opening range of a weekday, `HH:MM` to `HH:MM`; an end not after the start
/// runs past midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub day: String,
    pub start: String,
    pub end: String,
}

/// A date with hours of its own; no hours: closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionDoc {
    pub date: String,
    #[serde(default)]
    pub hours: Vec<HoursDoc>,
}

/// `HH:MM` to `HH:MM` within one day (`24:00` ends it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursDoc {
    pub start: String,
    pub end: String,
}

/// `HH:MM` (00:00 to 24:00) as minutes after midnight.
fn minutes(attr: &str, text: &str) -> Result<u16, DomainError> {
    let bad = || DomainError::invalid(attr, format!("'{text}' is not a time HH:MM"));
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h * 60 + m > 24 * 60 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// `YYYY-MM-DD` as a date.
fn civil_date(attr: &str, text: &str) -> Result<jiff::civil::Date, DomainError> {
    let ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    ok.then(|| text.parse::<jiff::civil::Date>().ok())
        .flatten()
        .ok_or_else(|| DomainError::invalid(attr, format!("'{text}' is not a YYYY-MM-DD date")))
}

impl BusinessHoursDoc {
    /// The calendar this document describes, or the refusal naming the field.
    pub fn calendar(&self) -> Result<Calendar, DomainError> {
        let mut weekly = Vec::new();
        for w in &self.weekly {
            let day = match w.day.as_str() {
                "MONDAY" => jiff::civil::Weekday::Monday,
                "TUESDAY" => jiff::civil::Weekday::Tuesday,
                "WEDNESDAY" => jiff::civil::Weekday::Wednesday,
                "THURSDAY" => jiff::civil::Weekday::Thursday,
                "FRIDAY" => jiff::civil::Weekday::Friday,
                "SATURDAY" => jiff::civil::Weekday::Saturday,
                "SUNDAY" => jiff::civil::Weekday::Sunday,
                other => {
                    return Err(DomainError::invalid(
                        "weekly.day",
                        format!("'{other}' is not a weekday name such as MONDAY"),
                    ));
                }
            };
            let (start, end) = (
                minutes("weekly.start", &w.start)?,
                minutes("weekly.end", &w.end)?,
            );
            if start == 24 * 60 || start == end {
                return Err(DomainError::invalid(
                    "weekly",
                    format!("{} {}-{} is not an opening period", w.day, w.start, w.end),
                ));
            }
            weekly.push(Period { day, start, end });
        }
        let holidays = self
            .holidays
            .iter()
            .map(|h| civil_date("holidays", h))
            .collect::<Result<Vec<_>, _>>()?;
        let mut exceptions = Vec::new();
        for e in &self.exceptions {
            let date = civil_date("exceptions.date", &e.date)?;
            let hours = e
                .hours
                .iter()
                .map(|h| {
                    Ok((
                        minutes("exceptions.hours.start", &h.start)?,
                        minutes("exceptions.hours.end", &h.end)?,
                    ))
                })
                .collect::<Result<Vec<_>, DomainError>>()?;
            exceptions.push((date, hours));
        }
        Calendar::new(&self.time_zone, &weekly, &holidays, &exceptions)
    }
}
