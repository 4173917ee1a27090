//! How the desktop says things in agents' words: channels and statuses by name,
//! moments for `<time>` elements, choices by name instead of id, and refusals as
//! plain sentences without field paths.

/// A channel (or `TASK`) as agents call it; an unknown code shows as itself.
pub(crate) fn channel_label(code: &str) -> &'static str {
    match code {
        "PHONE_CALL" => "Call",
        "VOICEMAIL" => "Voicemail",
        "CHAT" | "CHAT_MESSAGE" => "Chat",
        "SMS" => "SMS",
        "EMAIL" => "Email",
        "FACEBOOK_MESSAGE" | "FB_MESSENGER" => "Messenger",
        "INSTAGRAM_DIRECT" => "Instagram",
        "WHATSAPP" => "WhatsApp",
        "TASK" => "Task",
        "VOICE" => "Voice",
        "MESSAGING" => "Messaging",
        "MAIL" => "Mail",
        _ => "Other",
    }
}

/// A moment, for a `<time>` element: its RFC 3339 form (which the page's script
/// shows in the agent's time zone, or relative to now) and the same in UTC words
/// for a browser without script.
pub(crate) struct At {
    pub(crate) iso: String,
    pub(crate) text: String,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl At {
    /// A moment given as RFC 3339 text (as the routing log keeps it).
    pub(crate) fn from_iso(text: &str) -> At {
        match time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
            Ok(t) => at(t),
            Err(_) => At {
                iso: text.to_owned(),
                text: text.to_owned(),
            },
        }
    }
}

/// `t` as an [`At`].
pub(crate) fn at(t: hearth_domain::Timestamp) -> At {
    let t = t.to_offset(time::UtcOffset::UTC);
    At {
        iso: t
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        text: when(t),
    }
}

/// A status code in words: `OPEN` is "Open".
pub(crate) fn status_words(code: &str) -> &'static str {
    match code {
        "OPEN" => "Open",
        "WAITING" => "Waiting",
        "CLOSED" => "Closed",
        "NEW" => "New",
        "CANCELED" | "CANCELLED" => "Cancelled",
        _ => "Unknown",
    }
}

/// A channel's picture, shown next to its name.
pub(crate) fn channel_icon(code: &str) -> &'static str {
    match code {
        "PHONE_CALL" | "VOICE" => "📞",
        "VOICEMAIL" => "📼",
        "CHAT" | "CHAT_MESSAGE" | "MESSAGING" => "💬",
        "SMS" => "📱",
        "EMAIL" | "MAIL" => "✉️",
        "FACEBOOK_MESSAGE" | "FB_MESSENGER" | "INSTAGRAM_DIRECT" | "WHATSAPP" => "💬",
        "TASK" => "☑️",
        _ => "•",
    }
}

/// A moment as agents read it: `2026-11-25 13:21 UTC`.
pub(crate) fn when(t: hearth_domain::Timestamp) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A choice of a `<select>`.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
}

/// `(id, name)` pairs as `<select>` choices, by name.
pub(crate) fn choices(values: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    let mut out: Vec<Choice> = values
        .into_iter()
        .map(|(value, label)| Choice { value, label })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

/// The label of the choice with this value, or the value itself when none has it
/// (a deleted agent or inbox is still shown, by id).
pub(crate) fn label_of(choices: &[Choice], value: &str) -> String {
    choices
        .iter()
        .find(|c| c.value == value)
        .map_or_else(|| value.to_owned(), |c| c.label.clone())
}

/// Agents as `(id, name)` for [`choices`].
pub(crate) fn agent_names(agents: &[hearth_domain::config::Agent]) -> Vec<(String, String)> {
    agents
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect()
}

/// Inboxes as `(id, name)` for [`choices`].
pub(crate) fn inbox_names(inboxes: &[hearth_domain::config::Inbox]) -> Vec<(String, String)> {
    inboxes
        .iter()
        .map(|i| (i.id.to_string(), i.name.clone()))
        .collect()
}

/// A domain refusal in words an agent reads: no field paths, a full sentence.
pub(crate) fn refusal(e: &hearth_domain::DomainError) -> String {
    use hearth_domain::DomainError as D;
    let text = match e {
        D::Invalid { detail, .. } => detail.clone(),
        D::NotAssignee => "This conversation is assigned to someone else.".into(),
        D::FocusMode => "You are in Focus: only Close is open to you.".into(),
        D::TopicsRequired => "Add a topic before closing.".into(),
        D::NotAvailable => "Switch on at least one channel first.".into(),
        D::AgentNotInInbox => "That agent is not a member of that inbox.".into(),
        D::ConversationClosed(_) => "The conversation is closed: reopen it first.".into(),
        D::CallInProgress => "End the call before you close the conversation.".into(),
        D::ContactEnded => "That chat or call has already ended.".into(),
        D::CustomerHasOpenConversation => "This customer already has an open conversation.".into(),
        other => other.to_string(),
    };
    sentence(&text)
}

/// A refusal's text as a sentence: a capital first letter and a full stop.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A code of the routing log as words: `AVAILABILITY_CHANGED` is "Availability
/// changed".
pub(crate) fn humane(code: &str) -> String {
    let lower = code.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How a due time stands, as a badge's class and words: "Overdue" once it passed,
/// "Due soon" from `soon_at` (the due time less the inbox's warning time).
pub(crate) fn due_badge(
    due: Option<hearth_domain::Timestamp>,
    soon_at: Option<hearth_domain::Timestamp>,
    now: hearth_domain::Timestamp,
) -> Option<(&'static str, &'static str)> {
    let due = due?;
    if due <= now {
        Some(("overdue", "Overdue"))
    } else if soon_at.is_some_and(|s| s <= now) {
        Some(("due-soon", "Due soon"))
    } else {
        None
    }
}
