//! The customer's timeline: each item as agents read it, conversations as
//! blocks, and the profile card.

use std::collections::HashMap;

use super::frame::when;

/// A size as people read it.
fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// One timeline entry, ready to show.
pub(super) struct Entry {
    pub(super) kind: &'static str,
    pub(super) who: &'static str,
    pub(super) at: String,
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
    ) -> Entry {
        use hearth_domain::item::ItemContent as C;
        let ts = when;
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
                facts.push(format!("rang {}", ts(*started_at)));
                facts.push(match answered_at {
                    Some(at) => format!("answered {}", ts(*at)),
                    None => "not answered".to_owned(),
                });
                if let Some(at) = completed_at {
                    facts.push(format!("ended {}", ts(*at)));
                }
                call(rec, &mut facts);
            }
            C::Voicemail {
                started_at,
                recording: rec,
            } => {
                facts.push(format!("left {}", ts(*started_at)));
                call(rec, &mut facts);
            }
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
                facts.push(format!("status {status:?}").to_uppercase());
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
        Entry {
            kind: item.content.type_name(),
            who: item.initiator.kind.as_str(),
            at: ts(item.timestamp),
            subject,
            text: item.content.text().map(str::to_owned),
            facts,
            attachments,
            recording,
            html,
            delivery: None,
            delivery_failed: false,
        }
    }
}

/// One conversation of the customer's timeline.
pub(super) struct Block {
    pub(super) id: String,
    pub(super) status: &'static str,
    pub(super) started: String,
    pub(super) current: bool,
    pub(super) items: Vec<Entry>,
}

/// The customer's profile card.
pub(super) struct Profile {
    pub(super) name: String,
    pub(super) emails: Vec<String>,
    pub(super) phones: Vec<String>,
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
