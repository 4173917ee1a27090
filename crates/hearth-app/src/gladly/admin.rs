//! The admin API's bodies (`/api/v1/admin/...`, DESIGN section 5): a PATCH is the
//! stored resource with the body's fields laid over it ([`merge`]) and read as a
//! whole; a resource is shown as stored, without its password hash, with its
//! times. What may be stored (inboxes and agents that exist, hashed passwords) is
//! the use case's to check.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::config::{MessagingCapacity, Role, Selection, duration_setting};
use hearth_domain::customer::{EmailAddress, PhoneNumber};
use hearth_domain::id::validate_id;
use serde_json::{Map, Value};

use super::fields::Fields;
use crate::codec::{
    self, AgentDoc, BusinessHoursDoc, CapacityDto, EntryPointDoc, ExceptionDoc, HoursDoc, ImapDoc,
    InboxDoc, PreChatDoc, RoutingDto, SettingsDoc, TeamDoc, WeeklyHours, fmt_ts,
};
use crate::error::AppError;
use crate::service::organization::{AdminDraft, AdminKind, AdminResource};

fn str_field(
    m: &Map<String, Value>,
    key: &str,
    required: bool,
    max: usize,
) -> Result<Option<String>, DomainError> {
    m.text("", key, required, max)
}

fn int_field(m: &Map<String, Value>, key: &str) -> Result<Option<i64>, DomainError> {
    m.opt_int("", key)
}

fn bool_field(m: &Map<String, Value>, key: &str) -> Result<Option<bool>, DomainError> {
    m.opt_bool("", key)
}

fn string_list(m: &Map<String, Value>, key: &str) -> Result<Vec<String>, DomainError> {
    m.str_list("", key)
}

fn object<'a>(
    m: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, DomainError> {
    m.opt_obj("", key)
}

fn not_a_number(key: &str) -> DomainError {
    DomainError::Invalid {
        attr: key.to_owned(),
        code: hearth_domain::error::InvalidCode::NotANumber,
        detail: "must be an integer".into(),
    }
}

/// Lays `patch` over `base`, one level deep for nested objects.
pub fn merge(base: &Map<String, Value>, patch: &Map<String, Value>) -> Map<String, Value> {
    let mut out = base.clone();
    for (k, v) in patch {
        match (out.get_mut(k), v) {
            (Some(Value::Object(inner)), Value::Object(p)) => {
                for (ik, iv) in p {
                    inner.insert(ik.clone(), iv.clone());
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    // Read-only fields a client may send back are ignored.
    for read_only in super::fields::READ_ONLY {
        out.remove(read_only);
        if let Some(v) = base.get(read_only) {
            out.insert(read_only.to_owned(), v.clone());
        }
    }
    out
}

fn prefixed(attr: &str, e: DomainError) -> DomainError {
    match e {
        DomainError::Invalid {
            attr: inner,
            code,
            detail,
        } => DomainError::Invalid {
            attr: format!("{attr}.{inner}"),
            code,
            detail,
        },
        other => other,
    }
}

/// Reads the whole body of a resource of `kind` with id `id` into a draft.
pub fn admin_draft(
    kind: AdminKind,
    id: &str,
    m: &Map<String, Value>,
) -> Result<AdminDraft, DomainError> {
    match kind {
        AdminKind::Agents => {
            let name = str_field(m, "name", true, 200)?.unwrap_or_default();
            let email = EmailAddress::parse(
                "emailAddress",
                &str_field(m, "emailAddress", true, 254)?.unwrap_or_default(),
            )?;
            let raw_roles = string_list(m, "roles")?;
            let mut roles = Vec::new();
            for r in &raw_roles {
                let role = Role::parse(r)
                    .ok_or_else(|| DomainError::invalid("roles", format!("unknown role '{r}'")))?;
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
            if roles.is_empty() {
                return Err(DomainError::blank(
                    "roles",
                    "an agent needs at least one role",
                ));
            }
            let inbox_ids = string_list(m, "inboxIds")?;
            let capacity = match object(m, "messagingCapacity")? {
                Some(c) => {
                    let standard = int_field(c, "standard")
                        .map_err(|e| prefixed("messagingCapacity", e))?
                        .unwrap_or(2);
                    let maximum = int_field(c, "maximum")
                        .map_err(|e| prefixed("messagingCapacity", e))?
                        .unwrap_or(standard.max(3));
                    let bound = |v: i64, f: &str| {
                        u32::try_from(v).ok().filter(|v| *v <= 100).ok_or_else(|| {
                            DomainError::invalid(
                                format!("messagingCapacity.{f}"),
                                "must be between 0 and 100",
                            )
                        })
                    };
                    MessagingCapacity::new(
                        bound(standard, "standard")?,
                        bound(maximum, "maximum")?,
                    )?
                }
                None => MessagingCapacity::new(2, 3)?,
            };
            let password = match str_field(m, "password", false, 200)? {
                Some(p) if p.chars().count() < 8 => {
                    return Err(DomainError::invalid(
                        "password",
                        "must be at least 8 characters",
                    ));
                }
                other => other,
            };
            let doc = AgentDoc {
                id: id.to_owned(),
                name,
                email_address: email.original().to_owned(),
                roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
                inbox_ids,
                messaging_capacity: CapacityDto {
                    standard: capacity.standard,
                    maximum: capacity.maximum,
                },
                disabled: bool_field(m, "disabled")?.unwrap_or(false),
                password_hash: None,
            };
            Ok(AdminDraft::Agent { doc, password })
        }
        AdminKind::Inboxes => {
            let name = str_field(m, "name", true, 200)?.unwrap_or_default();
            let sla = int_field(m, "slaSeconds")?.ok_or_else(|| {
                DomainError::blank("slaSeconds", "every inbox needs an SLA (R48)")
            })?;
            let sla = duration_setting("slaSeconds", sla, 1)?;
            let business_hours_id = str_field(m, "businessHoursId", false, 50)?;
            let defaults = RoutingDto::of(&hearth_domain::config::InboxRouting::default());
            let r = object(m, "routing")?.cloned().unwrap_or_default();
            let attr = |f: &str| format!("routing.{f}");
            let secs = |f: &str, default: i64, min: i64| -> Result<i64, DomainError> {
                let v = int_field(&r, f)
                    .map_err(|e| prefixed("routing", e))?
                    .unwrap_or(default);
                duration_setting(&attr(f), v, min).map(|d| d.whole_seconds())
            };
            let selection = str_field(&r, "selection", false, 40)
                .map_err(|e| prefixed("routing", e))?
                .unwrap_or(defaults.selection.clone());
            if Selection::parse(&selection).is_none() {
                return Err(DomainError::invalid(
                    attr("selection"),
                    "must be LONGEST_IDLE, ROUND_ROBIN, MOST_SPARE_CAPACITY or FEWEST_OPEN",
                ));
            }
            let routing = RoutingDto {
                selection,
                accept_decline: bool_field(&r, "acceptDecline")
                    .map_err(|e| prefixed("routing", e))?
                    .unwrap_or(defaults.accept_decline),
                offer_timeout_seconds: secs(
                    "offerTimeoutSeconds",
                    defaults.offer_timeout_seconds,
                    1,
                )?,
                next_message_delay_seconds: secs(
                    "nextMessageDelaySeconds",
                    defaults.next_message_delay_seconds,
                    0,
                )?,
                same_agent_limit_seconds: secs(
                    "sameAgentLimitSeconds",
                    defaults.same_agent_limit_seconds,
                    1,
                )?,
                mail_to_same_agent: bool_field(&r, "mailToSameAgent")
                    .map_err(|e| prefixed("routing", e))?
                    .unwrap_or(defaults.mail_to_same_agent),
                after_call_work_seconds: secs(
                    "afterCallWorkSeconds",
                    defaults.after_call_work_seconds,
                    0,
                )?,
            };
            let doc = InboxDoc {
                id: id.to_owned(),
                name,
                sla_seconds: sla.whole_seconds(),
                business_hours_id,
                routing,
                disabled: bool_field(m, "disabled")?.unwrap_or(false),
                warn_before_seconds: match int_field(m, "warnBeforeSeconds")? {
                    Some(s) => Some(duration_setting("warnBeforeSeconds", s, 0)?.whole_seconds()),
                    None => None,
                },
            };
            Ok(AdminDraft::Inbox(doc))
        }
        AdminKind::Teams => {
            let agent_ids = string_list(m, "agentIds")?;
            let doc = TeamDoc {
                id: id.to_owned(),
                name: str_field(m, "name", true, 200)?.unwrap_or_default(),
                description: str_field(m, "description", false, 2000)?.unwrap_or_default(),
                agent_ids,
            };
            Ok(AdminDraft::Team(doc))
        }
        AdminKind::EntryPoints => {
            let raw = str_field(m, "channel", true, 40)?.unwrap_or_default();
            let channel = Channel::parse(&raw).ok_or_else(|| {
                DomainError::invalid("channel", format!("unknown channel '{raw}'"))
            })?;
            let address = str_field(m, "address", true, 320)?.unwrap_or_default();
            let address = match channel {
                Channel::Email => EmailAddress::parse("address", &address)?
                    .normalized()
                    .to_owned(),
                c if c.identifies_by_phone() => PhoneNumber::parse("address", &address, None)?
                    .e164()
                    .to_owned(),
                _ => address,
            };
            let inbox_id = str_field(m, "inboxId", true, 50)?.unwrap_or_default();
            let sla_seconds = match int_field(m, "slaSeconds")? {
                Some(s) => Some(duration_setting("slaSeconds", s, 1)?.whole_seconds()),
                None => None,
            };
            let business_hours_id = str_field(m, "businessHoursId", false, 50)?;
            let imap = match m.opt_obj("", "imap")? {
                Some(imap) if channel == Channel::Email => Some(imap_doc(imap)?),
                Some(_) => {
                    return Err(DomainError::invalid(
                        "imap",
                        "only an EMAIL entry point has a mailbox to poll",
                    ));
                }
                None => None,
            };
            let allowed_origins = match m.get("allowedOrigins") {
                None | Some(Value::Null) => Vec::new(),
                Some(_) if channel != Channel::Chat => {
                    return Err(DomainError::invalid(
                        "allowedOrigins",
                        "only a CHAT entry point has web origins",
                    ));
                }
                Some(Value::Array(list)) if list.len() <= 50 => list
                    .iter()
                    .map(|v| v.as_str().ok_or(()).and_then(|o| origin(o).ok_or(())))
                    .collect::<Result<Vec<_>, ()>>()
                    .map_err(|()| {
                        DomainError::invalid(
                            "allowedOrigins",
                            "must list up to 50 origins like https://shop.example.com",
                        )
                    })?,
                Some(_) => {
                    return Err(DomainError::invalid(
                        "allowedOrigins",
                        "must list up to 50 origins like https://shop.example.com",
                    ));
                }
            };
            let pre_chat = match m.opt_obj("", "preChat")? {
                Some(_) if channel != Channel::Chat => {
                    return Err(DomainError::invalid(
                        "preChat",
                        "only a CHAT entry point has a pre-chat form",
                    ));
                }
                Some(form) => {
                    let field = |key: &str| -> Result<String, DomainError> {
                        let value = form
                            .opt_str("preChat", key)?
                            .unwrap_or_else(|| "OFF".to_owned())
                            .to_uppercase();
                        if matches!(value.as_str(), "OFF" | "OPTIONAL" | "REQUIRED") {
                            Ok(value)
                        } else {
                            Err(DomainError::invalid(
                                format!("preChat.{key}"),
                                "must be OFF, OPTIONAL or REQUIRED",
                            ))
                        }
                    };
                    Some(PreChatDoc {
                        name: field("name")?,
                        email: field("email")?,
                    })
                }
                None => None,
            };
            let automation = match m.get("automation") {
                None | Some(Value::Null) | Some(Value::Bool(false)) => false,
                Some(Value::Bool(true)) if matches!(channel, Channel::Chat | Channel::Sms) => true,
                Some(Value::Bool(true)) => {
                    return Err(DomainError::invalid(
                        "automation",
                        "only a CHAT or SMS entry point can be answered by a bot first",
                    ));
                }
                Some(_) => return Err(DomainError::invalid("automation", "must be true or false")),
            };
            let doc = EntryPointDoc {
                id: id.to_owned(),
                automation,
                channel: channel.as_str().to_owned(),
                address: address.clone(),
                inbox_id,
                sla_seconds,
                business_hours_id,
                imap,
                allowed_origins,
                pre_chat,
            };
            Ok(AdminDraft::EntryPoint(doc))
        }
        AdminKind::Audiences => Ok(AdminDraft::Audience(crate::codec::AudienceDoc {
            id: id.to_owned(),
            name: str_field(m, "name", true, 200)?.unwrap_or_default(),
        })),
        AdminKind::Rules => {
            let (doc, position) = super::rules::rule_doc(id, m)?;
            Ok(AdminDraft::Rule { doc, position })
        }
        AdminKind::BusinessHours => {
            let name = str_field(m, "name", true, 200)?.unwrap_or_default();
            let zone = str_field(m, "timeZone", true, 64)?.unwrap_or_default();
            let mut weekly = Vec::new();
            match m.get("weekly") {
                None | Some(Value::Null) => {}
                Some(Value::Array(entries)) => {
                    for e in entries {
                        let o = e.as_object().ok_or_else(|| {
                            DomainError::invalid("weekly", "entries must be objects")
                        })?;
                        let field = |key: &str, max: usize| {
                            str_field(o, key, true, max)
                                .map_err(|e| prefixed("weekly", e))
                                .map(Option::unwrap_or_default)
                        };
                        weekly.push(WeeklyHours {
                            day: field("day", 10)?,
                            start: field("start", 5)?,
                            end: field("end", 5)?,
                        });
                    }
                }
                Some(_) => {
                    return Err(DomainError::invalid("weekly", "must be an array"));
                }
            }
            let holidays = string_list(m, "holidays")?;
            let mut exceptions = Vec::new();
            match m.get("exceptions") {
                None | Some(Value::Null) => {}
                Some(Value::Array(entries)) => {
                    for e in entries {
                        let o = e.as_object().ok_or_else(|| {
                            DomainError::invalid("exceptions", "entries must be objects")
                        })?;
                        let date = str_field(o, "date", true, 10)
                            .map_err(|e| prefixed("exceptions", e))?
                            .unwrap_or_default();
                        let mut hours = Vec::new();
                        match o.get("hours") {
                            None | Some(Value::Null) => {}
                            Some(Value::Array(list)) => {
                                for h in list {
                                    let h = h.as_object().ok_or_else(|| {
                                        DomainError::invalid(
                                            "exceptions.hours",
                                            "entries must be objects",
                                        )
                                    })?;
                                    let field = |key: &str| {
                                        str_field(h, key, true, 5)
                                            .map_err(|e| prefixed("exceptions.hours", e))
                                            .map(Option::unwrap_or_default)
                                    };
                                    hours.push(HoursDoc {
                                        start: field("start")?,
                                        end: field("end")?,
                                    });
                                }
                            }
                            Some(_) => {
                                return Err(DomainError::invalid(
                                    "exceptions.hours",
                                    "must be an array (empty: closed all day)",
                                ));
                            }
                        }
                        exceptions.push(ExceptionDoc { date, hours });
                    }
                }
                Some(_) => {
                    return Err(DomainError::invalid("exceptions", "must be an array"));
                }
            }
            let doc = BusinessHoursDoc {
                id: id.to_owned(),
                name,
                time_zone: zone,
                weekly,
                holidays,
                exceptions,
            };
            // The calendar the document makes, refused as the domain refuses it:
            // unknown zone, overlapping periods, no open hours at all.
            doc.calendar()?;
            Ok(AdminDraft::BusinessHours(doc))
        }
    }
}

/// The client's id of a resource to create (`id`, at most 50 URL-safe characters).
pub fn admin_id(body: &Map<String, Value>) -> Result<Option<String>, DomainError> {
    match str_field(body, "id", false, 50)? {
        Some(id) => {
            validate_id("id", &id)?;
            Ok(Some(id))
        }
        None => Ok(None),
    }
}

/// A resource as the admin API shows it: as stored, without a password hash, with
/// `createdAt` and `updatedAt`.
pub fn admin_body(resource: &AdminResource) -> Result<Value, AppError> {
    let mut body: Value = codec::read(&resource.doc)?;
    if let Some(map) = body.as_object_mut() {
        map.remove("passwordHash");
        // An IMAP password is write-only: the body says whether one is set.
        if let Some(Value::Object(imap)) = map.get_mut("imap") {
            let set = imap.remove("password").is_some();
            imap.insert("passwordSet".into(), Value::Bool(set));
        }
        map.insert(
            "createdAt".into(),
            Value::String(fmt_ts(resource.created_at)),
        );
        map.insert(
            "updatedAt".into(),
            Value::String(fmt_ts(resource.updated_at)),
        );
    }
    Ok(body)
}

/// The state a PATCH asks for: the stored resource (without its password hash)
/// with the patch laid over it.
pub fn patched(
    current: &AdminResource,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, AppError> {
    let mut base: Map<String, Value> = codec::read(&current.doc)?;
    base.remove("passwordHash");
    Ok(merge(&base, patch))
}

/// A web origin as browsers send it (`scheme://host[:port]`, lowercase, no path).
fn origin(raw: &str) -> Option<String> {
    let lower = raw.trim().trim_end_matches('/').to_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    (matches!(scheme, "http" | "https") && host_ok).then_some(lower)
}

/// Longest IMAP poll interval, a day.
const MAX_POLL_SECONDS: i64 = 86_400;

/// `imap: {url, username, password?, mailbox?, pollSeconds?}` of an EMAIL entry
/// point. Without a password, the one stored is kept (it is never shown).
fn imap_doc(m: &Map<String, Value>) -> Result<ImapDoc, DomainError> {
    let url = m.text("imap", "url", true, 500)?.unwrap_or_default();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(DomainError::invalid(
            "imap.url",
            "must be imap://host[:port] or imaps://host[:port]",
        ));
    };
    let host_ok = !rest.is_empty()
        && !rest.contains(['/', '@', ' ', '?', '#'])
        && rest
            .rsplit_once(':')
            .is_none_or(|(_, port)| port.parse::<u16>().is_ok_and(|p| p > 0));
    if !matches!(scheme, "imap" | "imaps") || !host_ok {
        return Err(DomainError::invalid(
            "imap.url",
            "must be imap://host[:port] or imaps://host[:port]",
        ));
    }
    let poll_seconds = m.opt_int("imap", "pollSeconds")?.unwrap_or(60);
    if !(1..=MAX_POLL_SECONDS).contains(&poll_seconds) {
        return Err(DomainError::invalid(
            "imap.pollSeconds",
            format!("must be 1 to {MAX_POLL_SECONDS} seconds"),
        ));
    }
    Ok(ImapDoc {
        url,
        username: m.text("imap", "username", true, 320)?.unwrap_or_default(),
        password: m.text("imap", "password", false, 1000)?,
        mailbox: m
            .text("imap", "mailbox", false, 200)?
            .unwrap_or_else(|| "INBOX".to_owned()),
        poll_seconds,
    })
}

/// Reads the organization settings from a whole body (the stored settings with a
/// PATCH laid over them).
pub fn settings_doc(m: &Map<String, Value>) -> Result<SettingsDoc, DomainError> {
    let int = |k: &str| {
        int_field(m, k).and_then(|v| v.ok_or_else(|| DomainError::blank(k, "is required")))
    };
    let retries = match m.get("webhookRetrySeconds") {
        Some(Value::Array(list)) if (1..=10).contains(&list.len()) => list
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| not_a_number("webhookRetrySeconds"))
                    .and_then(|s| {
                        duration_setting("webhookRetrySeconds", s, 0).map(|d| d.whole_seconds())
                    })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(DomainError::invalid(
                "webhookRetrySeconds",
                "must list 1 to 10 pauses in seconds",
            ));
        }
    };
    let timeout = int("webhookTimeoutSeconds")?;
    if !(1..=300).contains(&timeout) {
        return Err(DomainError::invalid(
            "webhookTimeoutSeconds",
            "must be between 1 and 300",
        ));
    }
    let rate = int("rateLimitPerSecond")?;
    if !(0..=100_000).contains(&rate) {
        return Err(DomainError::invalid(
            "rateLimitPerSecond",
            "must be between 0 (no limit) and 100000",
        ));
    }
    let away_reasons = match m.get("awayReasons") {
        None | Some(Value::Null) => crate::codec::default_away_reasons(),
        Some(Value::Array(list)) if (1..=20).contains(&list.len()) => {
            let mut reasons: Vec<String> = Vec::with_capacity(list.len());
            for v in list {
                let reason = v.as_str().map(str::trim).unwrap_or_default();
                if reason.is_empty() || reason.chars().count() > 40 {
                    return Err(DomainError::invalid(
                        "awayReasons",
                        "each reason must be text of 1 to 40 characters",
                    ));
                }
                if reasons.iter().any(|r| r.eq_ignore_ascii_case(reason)) {
                    return Err(DomainError::invalid(
                        "awayReasons",
                        format!("'{reason}' is listed twice"),
                    ));
                }
                reasons.push(reason.to_owned());
            }
            reasons
        }
        Some(_) => {
            return Err(DomainError::invalid(
                "awayReasons",
                "must list 1 to 20 reasons",
            ));
        }
    };
    Ok(SettingsDoc {
        away_reasons,
        webhook_retry_seconds: retries,
        webhook_timeout_seconds: timeout,
        rate_limit_per_second: rate,
        reopen_window_seconds: duration_setting(
            "reopenWindowSeconds",
            int("reopenWindowSeconds")?,
            0,
        )?
        .whole_seconds(),
        require_topic: bool_field(m, "requireTopic")?.unwrap_or(false),
        chat_rejoin_seconds: duration_setting("chatRejoinSeconds", int("chatRejoinSeconds")?, 0)?
            .whole_seconds(),
        time_until_away_seconds: duration_setting(
            "timeUntilAwaySeconds",
            int("timeUntilAwaySeconds")?,
            0,
        )?
        .whole_seconds(),
        export_interval_seconds: duration_setting(
            "exportIntervalSeconds",
            int("exportIntervalSeconds")?,
            60,
        )?
        .whole_seconds(),
        event_retention_days: u32::try_from(int("eventRetentionDays")?)
            .ok()
            .filter(|d| (1..=365).contains(d))
            .ok_or_else(|| {
                DomainError::invalid("eventRetentionDays", "must be between 1 and 365")
            })?,
        max_message_bytes: u64::try_from(int("maxMessageBytes")?)
            .ok()
            .filter(|b| (1024..=100 * 1024 * 1024).contains(b))
            .ok_or_else(|| {
                DomainError::invalid("maxMessageBytes", "must be between 1 KiB and 100 MiB")
            })?,
    })
}

/// What a create (no current state) or a PATCH (laid over the current state) of
/// `body` asks for, as the use case reads it inside its transaction.
pub fn draft_reader(
    kind: AdminKind,
    body: &Map<String, Value>,
) -> impl Fn(&str, Option<&AdminResource>) -> Result<AdminDraft, AppError> + Send + Sync + '_ {
    move |id, current| {
        only_known(body, Some(kind))?;
        let whole = match current {
            Some(c) => patched(c, body)?,
            None => body.clone(),
        };
        Ok(admin_draft(kind, id, &whole)?)
    }
}

/// What a PATCH of the settings with `body` asks for.
pub fn settings_reader(
    body: &Map<String, Value>,
) -> impl Fn(&AdminResource) -> Result<SettingsDoc, AppError> + Send + Sync + '_ {
    move |current| {
        only_known(body, None)?;
        Ok(settings_doc(&patched(current, body)?)?)
    }
}

/// The fields a body of `kind` (`None`: the settings) may hold, and the nested
/// objects whose fields are checked as well.
fn known_fields(
    kind: Option<AdminKind>,
) -> (
    &'static [&'static str],
    &'static [(&'static str, &'static [&'static str])],
) {
    const ROUTING: &[&str] = &[
        "selection",
        "acceptDecline",
        "offerTimeoutSeconds",
        "nextMessageDelaySeconds",
        "sameAgentLimitSeconds",
        "mailToSameAgent",
        "afterCallWorkSeconds",
    ];
    match kind {
        Some(AdminKind::Agents) => (
            &[
                "name",
                "emailAddress",
                "roles",
                "inboxIds",
                "messagingCapacity",
                "disabled",
                "password",
            ],
            &[("messagingCapacity", &["standard", "maximum"])],
        ),
        Some(AdminKind::Inboxes) => (
            &[
                "name",
                "slaSeconds",
                "businessHoursId",
                "routing",
                "disabled",
                "warnBeforeSeconds",
            ],
            &[("routing", ROUTING)],
        ),
        Some(AdminKind::Teams) => (&["name", "description", "agentIds"], &[]),
        Some(AdminKind::EntryPoints) => (
            &[
                "channel",
                "address",
                "inboxId",
                "slaSeconds",
                "businessHoursId",
                "imap",
                "allowedOrigins",
                "preChat",
                "automation",
            ],
            &[],
        ),
        Some(AdminKind::BusinessHours) => (
            &["name", "timeZone", "weekly", "holidays", "exceptions"],
            &[],
        ),
        Some(AdminKind::Audiences) => (&["name"], &[]),
        Some(AdminKind::Rules) => (
            &[
                "name",
                "enabled",
                "position",
                "trigger",
                "offsetSeconds",
                "conditions",
                "actions",
                "description",
                "lastError",
            ],
            &[],
        ),
        None => (
            &[
                "webhookRetrySeconds",
                "webhookTimeoutSeconds",
                "rateLimitPerSecond",
                "reopenWindowSeconds",
                "requireTopic",
                "chatRejoinSeconds",
                "timeUntilAwaySeconds",
                "exportIntervalSeconds",
                "eventRetentionDays",
                "maxMessageBytes",
                "awayReasons",
            ],
            &[],
        ),
    }
}

/// Refuses a field the resource does not have, so that a misspelt one is not
/// dropped unnoticed.
fn only_known(body: &Map<String, Value>, kind: Option<AdminKind>) -> Result<(), DomainError> {
    let (fields, nested) = known_fields(kind);
    super::fields::only_fields(body, "", fields)?;
    for (key, inner) in nested {
        if let Some(Value::Object(o)) = body.get(*key) {
            super::fields::only_fields(o, key, inner)?;
        }
    }
    Ok(())
}

/// A new API token (`POST /admin/agents/{id}/api-tokens`); the secret is shown
/// only here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenCreated {
    pub id: String,
    pub token: String,
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenWire {
    pub id: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl From<&crate::service::organization::TokenInfo> for TokenWire {
    fn from(t: &crate::service::organization::TokenInfo) -> Self {
        TokenWire {
            id: t.id.clone(),
            label: t.label.clone(),
            created_at: fmt_ts(crate::codec::from_ms(t.created_at)),
            revoked_at: t.revoked_at.map(|r| fmt_ts(crate::codec::from_ms(r))),
        }
    }
}
