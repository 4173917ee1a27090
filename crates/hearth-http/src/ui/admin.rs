//! The admin pages: agents, inboxes with their routing settings, entry points,
//! topics and the organization settings. Every form goes through the same
//! validation as the admin API; a refusal is shown next to the field it names,
//! with what was typed kept. A form that edits a resource someone else changed
//! since it was opened is refused with the fresh state, never saved over it.
//! Only agents with the ADMIN role may open these pages.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hearth_app::AppError;
use hearth_app::gladly::admin::{admin_body, admin_id, draft_reader, settings_reader};
use hearth_app::gladly::directory::{TopicEntry, topic_change};
use hearth_app::service::Caller;
use hearth_app::service::organization::AdminKind;
use hearth_domain::config::Role;
use serde_json::{Map, Value};

use super::frame::{Nav, message_page, page, signed_in, with_cookie};
use super::session::check_csrf;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/admin", get(index))
        .route("/ui/admin/{section}", get(list).post(create))
        .route("/ui/admin/{section}/{id}", get(edit).post(update))
        .route(
            "/ui/admin/agents/{id}/tokens",
            axum::routing::post(create_token),
        )
        .route(
            "/ui/admin/agents/{id}/tokens/{token}/revoke",
            axum::routing::post(revoke_token),
        )
        .route("/ui/admin/agents/{id}/invite", axum::routing::post(invite))
}

/// One credential of an agent, as the admin sees it (never its secret).
struct TokenLine {
    id: String,
    kind: &'static str,
    created: String,
    revoked: Option<String>,
}

/// How a field is typed in.
#[derive(Clone, Copy)]
enum Input {
    Text,
    Email,
    Password,
    Number,
    /// A duration kept in seconds, typed and shown in minutes.
    Minutes,
    Check,
    /// One of a list of `(value, words)`.
    Select(&'static [(&'static str, &'static str)]),
    /// One inbox (an optional one when the field is not required).
    Inbox,
    /// Several of a list.
    Inboxes,
    /// A list of short texts, typed one per line.
    Lines,
    Roles,
    /// Business hours, or none (around the clock).
    Hours,
    /// A week of opening hours: one line of ranges per day.
    Week,
    /// Dates with hours of their own, one per line: `2030-12-24 09:00-12:00`.
    Exceptions,
}

/// The days of the week grid, as the API names them and as people read them.
const DAYS: [(&str, &str); 7] = [
    ("MONDAY", "Monday"),
    ("TUESDAY", "Tuesday"),
    ("WEDNESDAY", "Wednesday"),
    ("THURSDAY", "Thursday"),
    ("FRIDAY", "Friday"),
    ("SATURDAY", "Saturday"),
    ("SUNDAY", "Sunday"),
];

/// One field of a form: its JSON path (dotted, as the API's error `attr`), label
/// and input.
struct Field {
    path: &'static str,
    label: &'static str,
    input: Input,
    help: &'static str,
}

const fn field(path: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        path,
        label,
        input,
        help: "",
    }
}

/// An administered page: a collection of the admin API, the topics, or the
/// settings singleton.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Collection(AdminKind),
    Topics,
    Settings,
}

impl Section {
    fn parse(segment: &str) -> Option<Section> {
        match segment {
            "topics" => Some(Section::Topics),
            "settings" => Some(Section::Settings),
            "agents" | "inboxes" | "entry-points" | "business-hours" => {
                AdminKind::parse(segment).map(Section::Collection)
            }
            _ => None,
        }
    }

    fn segment(self) -> &'static str {
        match self {
            Section::Collection(k) => k.segment(),
            Section::Topics => "topics",
            Section::Settings => "settings",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Section::Collection(AdminKind::Agents) => "Agents",
            Section::Collection(AdminKind::Inboxes) => "Inboxes and routing",
            Section::Collection(AdminKind::EntryPoints) => "Entry points",
            Section::Collection(AdminKind::BusinessHours) => "Business hours",
            Section::Collection(_) => "Resources",
            Section::Topics => "Topics",
            Section::Settings => "Organization settings",
        }
    }

    fn fields(self) -> Vec<Field> {
        use Input::*;
        match self {
            Section::Collection(AdminKind::Agents) => vec![
                field("name", "Name", Text),
                field("emailAddress", "Email address", Email),
                Field {
                    help: "Leave empty to keep the current password.",
                    ..field("password", "Password", Password)
                },
                field("roles", "Roles", Roles),
                field("inboxIds", "Inboxes", Inboxes),
                field("messagingCapacity.standard", "Messaging capacity", Number),
                field("messagingCapacity.maximum", "Messaging maximum", Number),
                Field {
                    help: "Revokes the agent's tokens and re-routes their open work.",
                    ..field("disabled", "Disabled", Check)
                },
            ],
            Section::Collection(AdminKind::Inboxes) => vec![
                field("name", "Name", Text),
                Field {
                    help: "How long a customer may wait for a first answer.",
                    ..field("slaSeconds", "Answer within (minutes)", Minutes)
                },
                Field {
                    help: "The answer time counts only while these hours are open. None: around the clock.",
                    ..field("businessHoursId", "Business hours", Hours)
                },
                Field {
                    help: "How long before the due time a conversation shows as due soon. 0: never.",
                    ..field(
                        "warnBeforeSeconds",
                        "Due soon from (minutes before)",
                        Minutes,
                    )
                },
                field(
                    "routing.selection",
                    "Push selection",
                    Select(&[
                        ("LONGEST_IDLE", "The agent idle longest"),
                        ("ROUND_ROBIN", "Each agent in turn"),
                        ("MOST_SPARE_CAPACITY", "The agent with the most room"),
                        (
                            "FEWEST_OPEN",
                            "The agent with the fewest open conversations",
                        ),
                    ]),
                ),
                field(
                    "routing.acceptDecline",
                    "Offer chats and messages with Accept and Decline",
                    Check,
                ),
                field(
                    "routing.offerTimeoutSeconds",
                    "An offer rings for (seconds)",
                    Number,
                ),
                Field {
                    help: "A pause before the next chat or message is pushed to an agent.",
                    ..field(
                        "routing.nextMessageDelaySeconds",
                        "Pause between messages (seconds)",
                        Number,
                    )
                },
                Field {
                    help: "How long a customer who writes again goes back to the same agent.",
                    ..field(
                        "routing.sameAgentLimitSeconds",
                        "Same agent for (minutes)",
                        Minutes,
                    )
                },
                field(
                    "routing.mailToSameAgent",
                    "Mail goes back to the same agent",
                    Check,
                ),
                Field {
                    help: "Time to wrap up after a call before the next one rings.",
                    ..field(
                        "routing.afterCallWorkSeconds",
                        "After-call work (seconds)",
                        Number,
                    )
                },
            ],
            Section::Collection(AdminKind::BusinessHours) => vec![
                field("name", "Name", Text),
                Field {
                    help: "Where the team works, as an IANA zone: Europe/Berlin, America/New_York. Daylight saving follows it.",
                    ..field("timeZone", "Time zone", Text)
                },
                Field {
                    help: "Per day, the open hours like 09:00-17:00, several with commas; 22:00-06:00 runs past midnight. Empty: closed.",
                    ..field("weekly", "Opening hours", Week)
                },
                Field {
                    help: "Dates closed all day, one per line: 2030-12-25.",
                    ..field("holidays", "Holidays", Lines)
                },
                Field {
                    help: "Dates with hours of their own, one per line: 2030-12-24 09:00-12:00. A date with no hours is closed.",
                    ..field("exceptions", "Special days", Exceptions)
                },
            ],
            Section::Collection(_) => vec![
                field(
                    "channel",
                    "Channel",
                    Select(&[
                        ("EMAIL", "Email"),
                        ("SMS", "SMS"),
                        ("CHAT", "Chat"),
                        ("PHONE_CALL", "Phone call"),
                        ("VOICEMAIL", "Voicemail"),
                        ("FACEBOOK_MESSAGE", "Messenger"),
                        ("INSTAGRAM_DIRECT", "Instagram"),
                        ("WHATSAPP", "WhatsApp"),
                    ]),
                ),
                field("address", "Address", Text),
                field("inboxId", "Inbox", Inbox),
                Field {
                    help: "Empty: the inbox's.",
                    ..field("slaSeconds", "Answer within (minutes)", Minutes)
                },
                Field {
                    help: "Empty: the inbox's.",
                    ..field("businessHoursId", "Business hours", Hours)
                },
                Field {
                    help: "Chat and SMS only: new customers are answered by your bot first (message automation) until it hands them over.",
                    ..field("automation", "A bot answers first", Check)
                },
            ],
            Section::Topics => vec![
                field("name", "Name", Text),
                field("disabled", "Disabled", Check),
            ],
            Section::Settings => vec![
                Field {
                    help: "A customer who writes within this time after a close reopens the conversation.",
                    ..field("reopenWindowSeconds", "Reopen window (minutes)", Minutes)
                },
                field("requireTopic", "Require a topic before closing", Check),
                field("chatRejoinSeconds", "Chat rejoin window (minutes)", Minutes),
                Field {
                    help: "0 turns automatic Away off.",
                    ..field("timeUntilAwaySeconds", "Away after idle (minutes)", Minutes)
                },
                field("exportIntervalSeconds", "Export every (minutes)", Minutes),
                field("eventRetentionDays", "Event retention (days)", Number),
                field("maxMessageBytes", "Largest message (bytes)", Number),
                Field {
                    help: "What agents may give as their reason for Away, one per line.",
                    ..field("awayReasons", "Reasons for Away", Lines)
                },
                field(
                    "rateLimitPerSecond",
                    "API requests per second per token",
                    Number,
                ),
            ],
        }
    }

    /// A line's title and summary in the list.
    fn describe(self, v: &Value, lists: &Lists) -> (String, String) {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        match self {
            Section::Collection(AdminKind::Agents) => (
                s("name"),
                format!(
                    "{} · {}{}",
                    s("emailAddress"),
                    roles_in_words(&v["roles"]),
                    if v["disabled"] == Value::Bool(true) {
                        " · disabled"
                    } else {
                        ""
                    }
                ),
            ),
            Section::Collection(AdminKind::Inboxes) => (
                s("name"),
                format!(
                    "answer within {} min · offered to {}",
                    v["slaSeconds"].as_i64().map_or_else(String::new, minutes),
                    match v["routing"]["selection"].as_str().unwrap_or_default() {
                        "ROUND_ROBIN" => "each agent in turn",
                        "MOST_SPARE_CAPACITY" => "the agent with the most room",
                        "FEWEST_OPEN" => "the agent with the fewest open conversations",
                        _ => "the agent idle longest",
                    }
                ),
            ),
            Section::Collection(AdminKind::BusinessHours) => (
                s("name"),
                format!("{} · {}", s("timeZone"), week_in_words(&v["weekly"])),
            ),
            Section::Collection(_) => (
                s("address"),
                format!(
                    "{} → {}",
                    super::words::channel_label(&s("channel")),
                    lists.inbox_name(&s("inboxId"))
                ),
            ),
            Section::Topics => (
                s("name"),
                if v["disabled"] == Value::Bool(true) {
                    "disabled".into()
                } else {
                    String::new()
                },
            ),
            Section::Settings => (String::new(), String::new()),
        }
    }
}

/// A week's opening hours in a line: "Monday 09:00-17:00, Tuesday ...".
fn week_in_words(weekly: &Value) -> String {
    let days: Vec<String> = DAYS
        .iter()
        .filter_map(|(day, words)| {
            let ranges = day_ranges(weekly, day);
            (!ranges.is_empty()).then(|| format!("{words} {ranges}"))
        })
        .collect();
    if days.is_empty() {
        "never open".into()
    } else {
        days.join(" · ")
    }
}

/// One day's ranges as typed in the grid: "09:00-12:00, 13:00-17:00".
fn day_ranges(weekly: &Value, day: &str) -> String {
    weekly
        .as_array()
        .map(|list| {
            list.iter()
                .filter(|p| p["day"] == day)
                .map(|p| {
                    format!(
                        "{}-{}",
                        p["start"].as_str().unwrap_or_default(),
                        p["end"].as_str().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Ranges typed like "09:00-12:00, 13:00-17:00" as `{start, end}` objects; `None`
/// when one is not a range.
fn ranges(text: &str) -> Option<Vec<Value>> {
    text.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            let (start, end) = r.split_once('-')?;
            Some(serde_json::json!({"start": start.trim(), "end": end.trim()}))
        })
        .collect()
}

/// Seconds as minutes: whole when they are, else with up to two decimals.
fn minutes(seconds: i64) -> String {
    if seconds % 60 == 0 {
        (seconds / 60).to_string()
    } else {
        let text = format!("{:.2}", seconds as f64 / 60.0);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// An agent's roles in words: "Agent, Supervisor".
fn roles_in_words(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|r| match r {
                    "AGENT" => "Agent",
                    "SUPERVISOR" => "Supervisor",
                    "ADMIN" => "Administrator",
                    "API_USER" => "API user",
                    _ => "Other role",
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// A choice of a select or a checkbox list.
struct Opt {
    value: String,
    label: String,
    selected: bool,
}

/// A field as the template shows it.
struct FieldView {
    name: &'static str,
    label: &'static str,
    help: &'static str,
    /// `text`, `email`, `password`, `number`, `checkbox`, `select` or `multi`.
    kind: &'static str,
    value: String,
    options: Vec<Opt>,
    /// The week grid: `(day, day in words, its ranges as typed)`.
    days: Vec<(&'static str, &'static str, String)>,
    error: Option<String>,
}

/// The value at a dotted path.
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

/// Sets a dotted path, creating the objects on the way.
fn put(m: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        Some((head, rest)) => {
            let entry = m
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                put(inner, rest, value);
            }
        }
        None => {
            m.insert(path.to_owned(), value);
        }
    }
}

/// What the form's choices are drawn from.
struct Lists {
    inboxes: Vec<super::words::Choice>,
    /// The business hours, by name.
    hours: Vec<super::words::Choice>,
}

impl Lists {
    fn inbox_name(&self, id: &str) -> String {
        super::words::label_of(&self.inboxes, id)
    }
}

fn views(
    section: Section,
    values: &Value,
    errors: &BTreeMap<String, String>,
    lists: &Lists,
) -> Vec<FieldView> {
    section
        .fields()
        .into_iter()
        .map(|f| {
            let v = at(values, f.path);
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            let picked = |value: &str| match v {
                Value::Array(a) => a.iter().any(|x| x.as_str() == Some(value)),
                other => other.as_str() == Some(value),
            };
            let (kind, options) = match f.input {
                Input::Text => ("text", Vec::new()),
                Input::Email => ("email", Vec::new()),
                Input::Password => ("password", Vec::new()),
                Input::Number => ("number", Vec::new()),
                Input::Minutes => ("minutes", Vec::new()),
                Input::Lines | Input::Exceptions => ("lines", Vec::new()),
                Input::Week => ("week", Vec::new()),
                Input::Hours => (
                    "select",
                    lists
                        .hours
                        .iter()
                        .map(|c| Opt {
                            value: c.value.clone(),
                            label: c.label.clone(),
                            selected: picked(&c.value),
                        })
                        .collect(),
                ),
                Input::Check => ("checkbox", Vec::new()),
                Input::Select(list) => (
                    "select",
                    list.iter()
                        .map(|(value, label)| Opt {
                            value: (*value).to_owned(),
                            label: (*label).to_owned(),
                            selected: picked(value),
                        })
                        .collect(),
                ),
                Input::Inbox | Input::Inboxes => (
                    if matches!(f.input, Input::Inbox) {
                        "select"
                    } else {
                        "multi"
                    },
                    lists
                        .inboxes
                        .iter()
                        .map(|c| Opt {
                            value: c.value.clone(),
                            label: c.label.clone(),
                            selected: picked(&c.value),
                        })
                        .collect(),
                ),
                Input::Roles => (
                    "multi",
                    [
                        ("AGENT", "Agent"),
                        ("SUPERVISOR", "Supervisor"),
                        ("ADMIN", "Administrator"),
                        ("API_USER", "API user"),
                    ]
                    .iter()
                    .map(|(r, words)| Opt {
                        value: (*r).to_owned(),
                        label: (*words).to_owned(),
                        selected: picked(r),
                    })
                    .collect(),
                ),
            };
            FieldView {
                name: f.path,
                label: f.label,
                help: f.help,
                kind,
                value: match f.input {
                    Input::Password => String::new(),
                    Input::Minutes => v.as_i64().map_or(text, minutes),
                    Input::Lines => v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default(),
                    Input::Exceptions => v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|e| {
                                    let hours = e["hours"]
                                        .as_array()
                                        .map(|h| {
                                            h.iter()
                                                .map(|r| {
                                                    format!(
                                                        "{}-{}",
                                                        r["start"].as_str().unwrap_or_default(),
                                                        r["end"].as_str().unwrap_or_default()
                                                    )
                                                })
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        })
                                        .unwrap_or_default();
                                    format!("{} {hours}", e["date"].as_str().unwrap_or_default())
                                        .trim()
                                        .to_owned()
                                })
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default(),
                    _ => text,
                },
                options,
                days: if matches!(f.input, Input::Week) {
                    DAYS.iter()
                        .map(|(day, words)| (*day, *words, day_ranges(v, day)))
                        .collect()
                } else {
                    Vec::new()
                },
                error: errors.get(f.path).cloned(),
            }
        })
        .collect()
}

/// The form's fields as the JSON the admin API takes; a number that is not one is
/// an error next to its field.
fn body_of(
    section: Section,
    form: &[(String, String)],
    errors: &mut BTreeMap<String, String>,
) -> Map<String, Value> {
    let mut m = Map::new();
    fn values<'a>(form: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
        form.iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }
    for f in section.fields() {
        let first = values(form, f.path).next().unwrap_or_default().to_owned();
        let value = match f.input {
            Input::Text | Input::Email | Input::Select(_) => Value::String(first),
            Input::Inbox | Input::Hours => {
                if first.is_empty() {
                    Value::Null
                } else {
                    Value::String(first)
                }
            }
            Input::Password => {
                if first.is_empty() {
                    continue;
                }
                Value::String(first)
            }
            Input::Check => Value::Bool(values(form, f.path).any(|v| v == "on")),
            // A form without the field leaves the saved list as it is.
            Input::Lines if !form.iter().any(|(k, _)| k == f.path) => continue,
            Input::Lines => Value::Array(
                first_raw(form, f.path)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.to_owned()))
                    .collect(),
            ),
            Input::Week => {
                let mut weekly = Vec::new();
                for (day, words) in DAYS {
                    let typed = values(form, &format!("{}.{day}", f.path))
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    match ranges(&typed) {
                        Some(list) => weekly.extend(list.into_iter().map(|mut r| {
                            r["day"] = Value::String(day.to_owned());
                            r
                        })),
                        None => {
                            errors.insert(
                                f.path.to_owned(),
                                format!(
                                    "{words}: write hours like 09:00-17:00, separated by commas"
                                ),
                            );
                        }
                    }
                }
                Value::Array(weekly)
            }
            Input::Exceptions => {
                let mut list = Vec::new();
                for line in first_raw(form, f.path).lines().map(str::trim) {
                    if line.is_empty() {
                        continue;
                    }
                    let (date, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                    let rest = rest.trim();
                    let hours = if rest.is_empty() || rest.eq_ignore_ascii_case("closed") {
                        Some(Vec::new())
                    } else {
                        ranges(rest)
                    };
                    match hours {
                        Some(hours) => list.push(serde_json::json!({"date": date, "hours": hours})),
                        None => {
                            errors.insert(
                                f.path.to_owned(),
                                format!(
                                    "'{line}': write a date and hours, like 2030-12-24 09:00-12:00"
                                ),
                            );
                        }
                    }
                }
                Value::Array(list)
            }
            Input::Inboxes | Input::Roles => Value::Array(
                values(form, f.path)
                    .map(|v| Value::String(v.to_owned()))
                    .collect(),
            ),
            Input::Number | Input::Minutes if first.is_empty() => Value::Null,
            Input::Minutes => match first.replace(',', ".").parse::<f64>() {
                Ok(m) if m.is_finite() && (0.0..=60.0 * 24.0 * 366.0).contains(&m) =>
                {
                    #[allow(clippy::cast_possible_truncation, reason = "bounded above")]
                    Value::from((m * 60.0).round() as i64)
                }
                _ => {
                    errors.insert(
                        f.path.to_owned(),
                        "must be a number of minutes, like 30 or 1.5".into(),
                    );
                    continue;
                }
            },
            Input::Number => match first.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    errors.insert(f.path.to_owned(), "must be a whole number".into());
                    continue;
                }
            },
        };
        put(&mut m, f.path, value);
    }
    m
}

/// A field's value as typed, lines and all.
fn first_raw<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A refusal of the admin service as field errors (the whole form's under "").
fn field_errors(e: &AppError) -> BTreeMap<String, String> {
    let mut errors = BTreeMap::new();
    match e {
        AppError::Domain(hearth_domain::DomainError::Invalid { attr, detail, .. }) => {
            errors.insert(attr.clone(), detail.clone());
        }
        AppError::Taken {
            attr, holder_kind, ..
        } => {
            errors.insert(
                attr.clone(),
                format!("already used by another {holder_kind}"),
            );
        }
        AppError::VersionOutdated => {
            errors.insert(
                String::new(),
                "Someone else saved this after you opened it. The form now shows the saved \
                 state; make your change again."
                    .into(),
            );
        }
        other => {
            errors.insert(String::new(), other.to_string());
        }
    }
    errors
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str)>,
    section: &'static str,
    title: &'static str,
    /// `(id, title, summary)` of every resource; empty on an edit page.
    rows: Vec<(String, String, String)>,
    /// The form: a new resource, or the one being edited.
    action: String,
    heading: String,
    version: String,
    fields: Vec<FieldView>,
    error: Option<String>,
    /// On an agent's page: its credentials, and a token just made (shown once).
    tokens: Option<Vec<TokenLine>>,
    agent_id: String,
    new_token: Option<String>,
    invite: Option<String>,
    /// The form makes a new agent: it may invite instead of setting a password.
    invite_option: bool,
}

pub(super) const SECTIONS: [(&str, &str); 8] = [
    ("agents", "Agents"),
    ("inboxes", "Inboxes and routing"),
    ("entry-points", "Entry points"),
    ("business-hours", "Business hours"),
    ("rules", "Rules"),
    ("answers", "Answers and help center"),
    ("topics", "Topics"),
    ("settings", "Organization settings"),
];

/// The signed-in admin, or the page that turns anyone else away.
pub(super) async fn admin_caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Caller, Nav, Vec<super::session::SetCookie>), Response> {
    let (caller, nav, set) = signed_in(state, headers, "").await?;
    if !caller.agent.has_role(Role::Admin) {
        let body = message_page(
            nav,
            StatusCode::FORBIDDEN,
            "Administrators only",
            "These pages need the ADMIN role. Ask an administrator if you need a change.",
        );
        return Err(with_cookie(body, set));
    }
    Ok((caller, nav, set))
}

async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match admin_caller(&state, &headers).await {
        Ok(_) => Redirect::to("/ui/admin/agents").into_response(),
        Err(r) => r,
    }
}

/// Every resource of a section, as `(id, version, body)`.
async fn resources(
    state: &AppState,
    caller: &Caller,
    section: Section,
) -> Result<Vec<(String, i64, Value)>, AppError> {
    Ok(match section {
        Section::Collection(kind) => state
            .app
            .admin_list(caller, kind)
            .await?
            .into_iter()
            .map(|r| Ok((r.id.clone(), r.version, admin_body(&r)?)))
            .collect::<Result<_, AppError>>()?,
        Section::Topics => state
            .app
            .topics()
            .await?
            .into_iter()
            .map(|t| {
                (
                    t.id.to_string(),
                    0,
                    serde_json::to_value(TopicEntry::from(&t)).unwrap_or(Value::Null),
                )
            })
            .collect(),
        Section::Settings => {
            let r = state.app.admin_settings(caller).await?;
            vec![(String::new(), r.version, admin_body(&r)?)]
        }
    })
}

struct Shown {
    id: Option<String>,
    version: String,
    values: Value,
    errors: BTreeMap<String, String>,
    new_token: Option<String>,
    /// An invitation link just made (shown once).
    invite: Option<String>,
}

/// Renders a section with `status`: its list and a form (new, or `shown.id` being
/// edited).
async fn render(
    state: &AppState,
    caller: &Caller,
    nav: Nav,
    section: Section,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, AppError> {
    let all = resources(state, caller, section).await?;
    let inboxes = super::words::choices(super::words::inbox_names(
        &state.app.directory_inboxes().await?,
    ));
    let hours = state
        .app
        .admin_list(caller, AdminKind::BusinessHours)
        .await?
        .iter()
        .map(|r| {
            let v = admin_body(r)?;
            Ok(super::words::Choice {
                value: r.id.clone(),
                label: v["name"].as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let lists = Lists { inboxes, hours };
    let rows = if section == Section::Settings {
        Vec::new()
    } else {
        let mut rows: Vec<(String, String, String)> = all
            .iter()
            .map(|(id, _, v)| {
                let (title, summary) = section.describe(v, &lists);
                (id.clone(), title, summary)
            })
            .collect();
        rows.sort_by_key(|a| a.1.to_lowercase());
        rows
    };
    let (action, heading) = match (&shown.id, section) {
        (_, Section::Settings) => ("/ui/admin/settings".to_owned(), "Settings".to_owned()),
        (Some(id), _) => (
            format!("/ui/admin/{}/{id}", section.segment()),
            format!("Edit {}", section.describe(&shown.values, &lists).0),
        ),
        (None, _) => (format!("/ui/admin/{}", section.segment()), "Add".to_owned()),
    };
    let tokens = match (&shown.id, section) {
        (Some(id), Section::Collection(AdminKind::Agents)) => Some(
            state
                .app
                .admin_tokens(caller, id)
                .await?
                .into_iter()
                .map(|t| TokenLine {
                    kind: if t
                        .label
                        .starts_with(hearth_app::service::credentials::SESSION_LABEL)
                    {
                        "Desktop session"
                    } else if t.label == "startup" {
                        "Start-up API token"
                    } else {
                        "API token"
                    },
                    id: t.id,
                    created: super::words::when(hearth_app::codec::from_ms(t.created_at)),
                    revoked: t
                        .revoked_at
                        .map(|at| super::words::when(hearth_app::codec::from_ms(at))),
                })
                .collect(),
        ),
        _ => None,
    };
    let body = page(&AdminPage {
        nav,
        sections: SECTIONS.to_vec(),
        section: section.segment(),
        title: section.title(),
        rows,
        action,
        heading,
        version: shown.version,
        fields: views(section, &shown.values, &shown.errors, &lists),
        error: shown.errors.get("").cloned(),
        tokens,
        agent_id: shown.id.clone().unwrap_or_default(),
        new_token: shown.new_token,
        invite: shown.invite,
        invite_option: section == Section::Collection(AdminKind::Agents) && shown.id.is_none(),
    });
    Ok((status, body).into_response())
}

pub(super) fn answer(
    result: Result<Response, AppError>,
    set: Vec<super::session::SetCookie>,
) -> Response {
    match result {
        Ok(r) => with_cookie(r, set),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

pub(super) fn not_found(nav: Nav) -> Response {
    message_page(
        nav,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such admin page.",
    )
}

/// The defaults of a new resource's form.
fn blank(section: Section) -> Value {
    match section {
        Section::Collection(AdminKind::Agents) => serde_json::json!({
            "roles": ["AGENT"], "messagingCapacity": {"standard": 2, "maximum": 3}
        }),
        Section::Collection(AdminKind::Inboxes) => serde_json::json!({
            "slaSeconds": 3600,
            "routing": {"selection": "LONGEST_IDLE", "acceptDecline": false, "offerTimeoutSeconds": 30,
                        "nextMessageDelaySeconds": 0, "sameAgentLimitSeconds": 0,
                        "mailToSameAgent": true, "afterCallWorkSeconds": 0}
        }),
        Section::Collection(AdminKind::BusinessHours) => {
            let weekdays: Vec<Value> = DAYS[..5]
                .iter()
                .map(|(d, _)| serde_json::json!({"day": d, "start": "09:00", "end": "17:00"}))
                .collect();
            serde_json::json!({"timeZone": "UTC", "weekly": weekdays})
        }
        _ => serde_json::json!({}),
    }
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(segment): Path<String>,
) -> Response {
    let (caller, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(section) = Section::parse(&segment) else {
        return with_cookie(not_found(nav), set);
    };
    let shown = if section == Section::Settings {
        match state
            .app
            .admin_settings(&caller)
            .await
            .and_then(|r| Ok((r.version, admin_body(&r)?)))
        {
            Ok((version, values)) => Shown {
                id: None,
                version: version.to_string(),
                values,
                errors: BTreeMap::new(),
                new_token: None,
                invite: None,
            },
            Err(e) => return crate::error::ApiError::from(e).into_response(),
        }
    } else {
        let mut values = blank(section);
        // A new agent works every inbox until the admin says otherwise: in a small
        // team that is right, and in a large one it is one click to narrow.
        if section == Section::Collection(AdminKind::Agents) {
            let all: Vec<Value> = match state.app.directory_inboxes().await {
                Ok(inboxes) => inboxes
                    .iter()
                    .map(|i| Value::String(i.id.to_string()))
                    .collect(),
                Err(e) => return crate::error::ApiError::from(e).into_response(),
            };
            values["inboxIds"] = Value::Array(all);
        }
        Shown {
            id: None,
            version: String::new(),
            values,
            errors: BTreeMap::new(),
            new_token: None,
            invite: None,
        }
    };
    answer(
        render(&state, &caller, nav, section, shown, StatusCode::OK).await,
        set,
    )
}

async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((segment, id)): Path<(String, String)>,
) -> Response {
    let (caller, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(section) = Section::parse(&segment).filter(|s| *s != Section::Settings) else {
        return with_cookie(not_found(nav), set);
    };
    let found = match resources(&state, &caller, section).await {
        Ok(all) => all.into_iter().find(|(i, _, _)| *i == id),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let Some((_, version, values)) = found else {
        return with_cookie(not_found(nav), set);
    };
    let shown = Shown {
        id: Some(id),
        version: version.to_string(),
        values,
        errors: BTreeMap::new(),
        new_token: None,
        invite: None,
    };
    answer(
        render(&state, &caller, nav, section, shown, StatusCode::OK).await,
        set,
    )
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(segment): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    save(state, headers, segment, None, form).await
}

async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((segment, id)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    save(state, headers, segment, Some(id), form).await
}

/// Creates or updates from a form; a refusal shows the form again with what was
/// typed and the errors by field, a stale version shows the saved state.
async fn save(
    state: AppState,
    headers: HeaderMap,
    segment: String,
    id: Option<String>,
    form: Vec<(String, String)>,
) -> Response {
    let fields: std::collections::HashMap<String, String> = form.iter().cloned().collect();
    if let Err(r) = check_csrf(&headers, &fields) {
        return r.into_response();
    }
    let (caller, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(section) = Section::parse(&segment) else {
        return with_cookie(not_found(nav), set);
    };
    let mut errors = BTreeMap::new();
    let body = body_of(section, &form, &mut errors);
    // A new agent gets a password from the admin, or an invitation to choose one.
    let agents = Section::Collection(AdminKind::Agents);
    let invite =
        section == agents && id.is_none() && fields.get("invite").is_some_and(|v| v == "on");
    if section == agents && id.is_none() && !invite && !body.contains_key("password") {
        errors.insert(
            "password".to_owned(),
            "Give a password, or invite the agent with a one-time link.".to_owned(),
        );
    }
    let version = fields.get("version").and_then(|v| v.parse::<i64>().ok());
    // The form again, as typed, with errors by field.
    let typed = |errors| Shown {
        id: id.clone(),
        version: version.map(|v| v.to_string()).unwrap_or_default(),
        values: Value::Object(body.clone()),
        errors,
        new_token: None,
        invite: None,
    };
    if !errors.is_empty() {
        let result = render(
            &state,
            &caller,
            nav,
            section,
            typed(errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        return answer(result, set);
    }
    let saved = match (section, &id) {
        (Section::Settings, _) => {
            let saved = state
                .app
                .admin_update_settings(&caller, &settings_reader(&body), version)
                .await
                .map(|_| ());
            if saved.is_ok() {
                crate::ratelimit::refresh(&state.app, &state.limiter).await;
            }
            saved
        }
        (Section::Collection(kind), None) => match admin_id(&body) {
            Ok(id) => {
                match state
                    .app
                    .admin_create(&caller, kind, id, &draft_reader(kind, &body))
                    .await
                {
                    Ok(created) if invite => {
                        let result = match state.app.invite_agent(&caller, &created.id).await {
                            Ok(token) => {
                                let link = invite_link(&headers, &token);
                                agent_page(&state, &caller, nav, &created.id, None, Some(link))
                                    .await
                            }
                            Err(e) => Err(e),
                        };
                        return answer(result, set);
                    }
                    Ok(_) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e.into()),
        },
        (Section::Collection(kind), Some(id)) => state
            .app
            .admin_update(&caller, kind, id, &draft_reader(kind, &body), version)
            .await
            .map(|_| ()),
        (Section::Topics, existing) => match topic_change(&body, existing.is_none()) {
            Ok(change) => state
                .app
                .save_topic(existing.as_deref(), change)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        },
    };
    let (shown, status) = match saved {
        Ok(()) => {
            let to = match section {
                Section::Settings => "/ui/admin/settings".to_owned(),
                _ => format!("/ui/admin/{}", section.segment()),
            };
            let what = body
                .get("name")
                .or_else(|| body.get("address"))
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map_or_else(|| "Settings".to_owned(), str::to_owned);
            return super::flash::Flash::notice(format!("{what} saved.")).redirect(&headers, &to);
        }
        Err(AppError::VersionOutdated) => {
            // Show what is saved now, not what this stale form held.
            let fresh = match resources(&state, &caller, section).await {
                Ok(all) => all
                    .into_iter()
                    .find(|(i, _, _)| id.as_ref().is_none_or(|id| i == id)),
                Err(e) => return crate::error::ApiError::from(e).into_response(),
            };
            let Some((_, version, values)) = fresh else {
                return with_cookie(not_found(nav), set);
            };
            let shown = Shown {
                id,
                version: version.to_string(),
                values,
                errors: field_errors(&AppError::VersionOutdated),
                new_token: None,
                invite: None,
            };
            (shown, StatusCode::CONFLICT)
        }
        Err(e @ (AppError::Domain(_) | AppError::Taken { .. })) => {
            (typed(field_errors(&e)), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    answer(
        render(&state, &caller, nav, section, shown, status).await,
        set,
    )
}

/// The one-time link of an invitation, on the address the admin used.
fn invite_link(headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        });
    let scheme = if super::session::over_tls(headers) {
        "https"
    } else {
        "http"
    };
    match host {
        Some(host) => format!("{scheme}://{host}/invite/{token}"),
        None => format!("/invite/{token}"),
    }
}

/// Shows an agent's page after a change to its credentials.
async fn agent_page(
    state: &AppState,
    caller: &Caller,
    nav: Nav,
    id: &str,
    new_token: Option<String>,
    invite: Option<String>,
) -> Result<Response, AppError> {
    let r = state.app.admin_get(caller, AdminKind::Agents, id).await?;
    let shown = Shown {
        id: Some(id.to_owned()),
        version: r.version.to_string(),
        values: admin_body(&r)?,
        errors: BTreeMap::new(),
        new_token,
        invite,
    };
    let agents = Section::Collection(AdminKind::Agents);
    render(state, caller, nav, agents, shown, StatusCode::OK).await
}

/// The admin behind a form of the admin pages: its CSRF value checked first.
pub(super) async fn admin_form(
    state: &AppState,
    headers: &HeaderMap,
    form: &std::collections::HashMap<String, String>,
) -> Result<(Caller, Nav, Vec<super::session::SetCookie>), Response> {
    check_csrf(headers, form).map_err(IntoResponse::into_response)?;
    admin_caller(state, headers).await
}

/// Makes an API token for the agent and shows it, once.
async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let (caller, nav, set) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = match state.app.admin_create_token(&caller, &id).await {
        Ok((_, token)) => agent_page(&state, &caller, nav, &id, Some(token), None).await,
        Err(e) => Err(e),
    };
    answer(result, set)
}

/// A new one-time link for the agent to choose their password with.
async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let (caller, nav, set) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = match state.app.invite_agent(&caller, &id).await {
        Ok(token) => {
            let link = invite_link(&headers, &token);
            agent_page(&state, &caller, nav, &id, None, Some(link)).await
        }
        Err(e) => Err(e),
    };
    answer(result, set)
}

/// Revokes one of the agent's credentials (an API token or a desktop session).
async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, token)): Path<(String, String)>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let (caller, _, _) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state.app.admin_revoke_token(&caller, &id, &token).await {
        Ok(()) => super::flash::Flash::notice("Revoked.")
            .redirect(&headers, &format!("/ui/admin/agents/{id}")),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}
