//! The customer's timeline: each item as agents read it, conversations as
//! blocks, and the profile card.

use std::collections::HashMap;

use super::words::{At, Choice, at, channel_icon, label_of};

/// Who is who on a timeline: the customer's name, the agents' names, the caller.
pub(super) struct People<'a> {
    pub(super) customer: &'a str,
    pub(super) agents: &'a [Choice],
    pub(super) me: &'a str,
}

/// A size as people read it.
fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// A span of time as people say it: `12 s`, `2 min 05 s`, `1 h 10 min`.
fn span(d: hearth_domain::Duration) -> String {
    let s = d.whole_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// One timeline entry, ready to show.
pub(super) struct Entry {
    pub(super) kind: &'static str,
    /// What it is, in words: "Email", "Note", "Topics changed".
    pub(super) what: &'static str,
    pub(super) icon: &'static str,
    /// Who wrote or did it, by name.
    pub(super) who: String,
    /// `from-customer`, `from-agent`, `note` or `event`: how it is drawn.
    pub(super) side: &'static str,
    pub(super) at: At,
    /// When it happened, to place entries of other kinds (tasks) among them.
    pub(super) when: hearth_domain::Timestamp,
    /// Where it leads, for entries that have a page of their own (a task).
    pub(super) href: Option<String>,
    /// When a task is due.
    pub(super) due: Option<At>,
    pub(super) subject: Option<String>,
    pub(super) text: Option<String>,
    /// Short facts: addresses, call times, durations, topic changes.
    pub(super) facts: Vec<String>,
    /// Each file as a label and the link that opens it.
    pub(super) attachments: Vec<(String, String)>,
    /// An email's HTML, made safe when it was received; inline images point here.
    pub(super) html: Option<String>,
    /// A recording to play.
    pub(super) recording: Option<String>,
    /// How a message Hearth sent fares, in words, and whether it failed.
    pub(super) delivery: Option<String>,
    pub(super) delivery_failed: bool,
}

impl Entry {
    /// Adds how a message Hearth sent fares. `waiting` says why its channel cannot
    /// send (no provider configured: the message waits in the outbox), if so.
    pub(super) fn with_delivery(
        mut self,
        delivery: Option<&hearth_app::service::DeliveryState>,
        waiting: Option<&str>,
    ) -> Entry {
        let Some(d) = delivery else {
            return self;
        };
        self.delivery_failed = d.status == "FAILED";
        self.delivery = Some(match (d.status.as_str(), &d.detail) {
            ("SENT", _) => "Sent".to_owned(),
            ("FAILED", Some(why)) => format!("Not sent: {why}"),
            ("FAILED", None) => "Not sent".to_owned(),
            (_, _) if waiting.is_some() => {
                format!("Waiting to be sent: {}", waiting.unwrap_or_default())
            }
            (_, Some(why)) => format!("Sending (tried {} times; last: {why})", d.attempts),
            (_, None) => "Sending…".to_owned(),
        });
        self
    }

    pub(super) fn of(
        item: &hearth_domain::item::ConversationItem,
        topics: &HashMap<String, String>,
        people: &People<'_>,
        contact: Option<&hearth_domain::conversation::Contact>,
    ) -> Entry {
        use hearth_domain::item::ItemContent as C;
        let mut facts = Vec::new();
        let mut attachments = Vec::new();
        let mut recording = None;
        let mut subject = None;
        let mut files = |list: &[hearth_domain::item::Attachment]| {
            for a in list {
                attachments.push((
                    format!("{} ({}, {})", a.filename, a.content_type, size(a.file_size)),
                    format!("/ui/files/{}/{}", item.id, a.id),
                ));
            }
        };
        let mut html = None;
        let mut call = |rec: &hearth_domain::item::Recording, facts: &mut Vec<String>| {
            if let Some(d) = rec.duration {
                facts.push(format!("{} min {:02} s", d / 60, d % 60));
            }
            if let Some(status) = &rec.status {
                facts.push(format!("recording {}", status.to_lowercase()));
            }
            if let Some(summary) = rec.summary.as_ref().and_then(|s| s.summary.clone()) {
                facts.push(summary);
            }
            recording = rec.url.clone();
        };
        match &item.content {
            C::Email {
                from,
                to,
                cc,
                subject: s,
                attachments: a,
                html: h,
                ..
            } => {
                html = h.as_ref().map(|h| {
                    h.replace(
                        hearth_app::service::INLINE_FILE,
                        &format!("/ui/files/{}/", item.id),
                    )
                });
                subject = Some(s.clone());
                facts.push(format!("from {from}"));
                facts.push(format!("to {}", to.join(", ")));
                if !cc.is_empty() {
                    facts.push(format!("cc {}", cc.join(", ")));
                }
                files(a);
            }
            C::Sms {
                from,
                to,
                attachments: a,
                ..
            } => {
                facts.push(format!("{from} → {to}"));
                files(a);
            }
            C::ChatMessage { attachments: a, .. }
            | C::FacebookMessage { attachments: a, .. }
            | C::Whatsapp { attachments: a, .. }
            | C::InstagramDirect { attachments: a, .. }
            | C::ConversationNote { attachments: a, .. } => files(a),
            C::PhoneCall {
                from,
                to,
                started_at,
                answered_at,
                completed_at,
                recording: rec,
            } => {
                facts.push(format!("{from} → {to}"));
                // The call's contact knows when it was answered and ended; the item
                // keeps what the provider reported. Times are said as spans from
                // the ring, which the entry's own time anchors.
                let answered = answered_at.or(contact.and_then(|k| k.answered_at));
                let ended = completed_at.or(contact.and_then(|k| k.ended.map(|e| e.at)));
                facts.push(match (answered, ended) {
                    (Some(a), _) => format!("answered after {}", span(a - *started_at)),
                    (None, Some(_)) => "not answered".to_owned(),
                    (None, None) => "ringing".to_owned(),
                });
                match (answered, ended) {
                    (Some(a), Some(e)) => {
                        facts.push(format!("ended, talked {}", span(e - a)));
                    }
                    (None, Some(e)) => facts.push(format!("rang {}", span(e - *started_at))),
                    (Some(_), None) => facts.push("on the call now".to_owned()),
                    (None, None) => {}
                }
                call(rec, &mut facts);
            }
            C::Voicemail { recording: rec, .. } => call(rec, &mut facts),
            C::TopicChange { added, removed } => {
                let name = |id: &hearth_domain::id::TopicId| {
                    topics
                        .get(id.as_str())
                        .cloned()
                        .unwrap_or_else(|| id.to_string())
                };
                for t in added {
                    facts.push(format!("+ {}", name(t)));
                }
                for t in removed {
                    facts.push(format!("− {}", name(t)));
                }
            }
            C::ConversationStatusChange { status } => {
                facts.push(format!(
                    "now {}",
                    super::words::status_words(&format!("{status:?}").to_uppercase())
                ));
            }
            C::CustomerActivity {
                title, source_name, ..
            } => {
                subject = title.clone();
                if let Some(source) = source_name {
                    facts.push(format!("from {source}"));
                }
            }
            _ => {}
        }
        use hearth_domain::item::InitiatorType as I;
        let kind = item.content.type_name();
        let person = |initiator: &hearth_domain::item::Initiator| match initiator.kind {
            I::Customer => people.customer.to_owned(),
            I::Agent if initiator.id.as_deref() == Some(people.me) => "You".to_owned(),
            I::Agent => match initiator.id.as_deref() {
                Some(id) => {
                    let name = label_of(people.agents, id);
                    if name == id {
                        "A former agent".to_owned()
                    } else {
                        name
                    }
                }
                None => "An agent".to_owned(),
            },
            I::Api => "An integration".to_owned(),
            I::Automation => "Automation".to_owned(),
            _ => "Hearth".to_owned(),
        };
        let who = person(&item.initiator);
        // A redacted message says so where its text was.
        let text = match &item.redaction {
            Some(r) => {
                subject = None;
                Some(format!(
                    "Content redacted by {}, {}",
                    person(&r.by),
                    at(r.at).text
                ))
            }
            None => item.content.text().map(str::to_owned),
        };
        let side = match (&item.content, item.initiator.kind) {
            (C::ConversationNote { .. }, _) => "note",
            (C::TopicChange { .. } | C::ConversationStatusChange { .. }, _) => "event",
            (_, I::Customer) => "from-customer",
            _ => "from-agent",
        };
        Entry {
            kind,
            what: what_words(kind),
            icon: channel_icon(kind),
            who,
            side,
            at: at(item.timestamp),
            when: item.timestamp,
            href: None,
            due: None,
            subject,
            text,
            facts,
            attachments,
            recording,
            html,
            delivery: None,
            delivery_failed: false,
        }
    }
}

impl Entry {
    /// A task of the customer, as a timeline entry at the time it was made.
    pub(super) fn of_task(task: &hearth_domain::task::Task, people: &People<'_>) -> Entry {
        use hearth_domain::item::InitiatorType as I;
        let who = match (task.created_by.kind, task.created_by.id.as_deref()) {
            (I::Agent | I::Api, Some(id)) if id == people.me => "You".to_owned(),
            (I::Agent | I::Api, Some(id)) => {
                let name = label_of(people.agents, id);
                if name == id {
                    "An integration".to_owned()
                } else {
                    name
                }
            }
            _ => "Hearth".to_owned(),
        };
        let open = task.status == hearth_domain::task::TaskStatus::Open;
        let facts = vec![if open { "open" } else { "done" }.to_owned()];
        Entry {
            kind: "TASK",
            what: "Task",
            icon: channel_icon("TASK"),
            who,
            side: "event",
            at: at(task.created_at),
            when: task.created_at,
            href: Some(format!("/ui/tasks/{}", task.id)),
            due: open.then(|| at(task.due_at)),
            subject: None,
            text: Some(task.body.clone()),
            facts,
            attachments: Vec::new(),
            html: None,
            recording: None,
            delivery: None,
            delivery_failed: false,
        }
    }
}

/// An item type in words.
fn what_words(kind: &str) -> &'static str {
    match kind {
        "EMAIL" => "Email",
        "SMS" => "SMS",
        "CHAT_MESSAGE" => "Chat",
        "PHONE_CALL" => "Call",
        "VOICEMAIL" => "Voicemail",
        "CONVERSATION_NOTE" => "Internal note",
        "TOPIC_CHANGE" => "Topics changed",
        "CONVERSATION_STATUS_CHANGE" => "Status changed",
        "CUSTOMER_ACTIVITY" => "Activity",
        "FACEBOOK_MESSAGE" => "Messenger",
        "INSTAGRAM_DIRECT" => "Instagram",
        "WHATSAPP" => "WhatsApp",
        "TWITTER" => "Twitter",
        _ => "Message",
    }
}

/// One conversation of the customer's timeline.
pub(super) struct Block {
    pub(super) id: String,
    pub(super) status: &'static str,
    pub(super) started: At,
    /// When the conversation started, to place tasks by.
    pub(super) opened: hearth_domain::Timestamp,
    pub(super) current: bool,
    pub(super) items: Vec<Entry>,
}

/// The customer's profile card.
pub(super) struct Profile {
    pub(super) id: String,
    /// How the desktop names them: their name, else how they reached us.
    pub(super) name: String,
    /// Their name as they gave it (empty when they did not).
    pub(super) plain_name: String,
    pub(super) emails: Vec<String>,
    pub(super) phones: Vec<String>,
    pub(super) attributes: Vec<(String, String)>,
    pub(super) since: At,
}

impl Profile {
    pub(super) fn of(c: &hearth_domain::customer::Customer) -> Profile {
        let contact = c
            .emails
            .first()
            .map(|e| e.address.original().to_owned())
            .or_else(|| c.phones.first().map(|p| p.number.e164().to_owned()))
            .or_else(|| c.identities.first().map(|(_, v)| v.clone()));
        Profile {
            id: c.id.to_string(),
            plain_name: c.name.clone().unwrap_or_default(),
            attributes: c
                .custom_attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            since: at(c.created_at),
            name: c
                .name
                .clone()
                .or(contact)
                .unwrap_or_else(|| "Unnamed customer".into()),
            emails: c
                .emails
                .iter()
                .map(|e| e.address.original().to_owned())
                .collect(),
            phones: c
                .phones
                .iter()
                .map(|p| p.number.e164().to_owned())
                .collect(),
        }
    }
}
