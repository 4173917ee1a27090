//! Rules: trigger, conditions, actions (R37, R59, R66-R68). A rule is read and
//! checked here ([`Rule`], [`Condition::new`], [`Action`]) and matched against the
//! facts of one event ([`Facts`], [`Rule::evaluate`]); carrying its actions out is
//! the application's. Nothing here reads the clock or the store.

use crate::DomainError;
use crate::channel::Channel;
use crate::conversation::Status;

/// The longest pattern a `MATCHES` condition may hold, in bytes.
pub const MAX_PATTERN: usize = 500;
/// The compiled size a pattern may take: enough for any honest text filter, far
/// from what a pathological one would need. The regex crate matches in linear time,
/// so a pattern that compiles within this bound is also fast.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;
/// How much of a message's text conditions look at.
pub const MATCHED_TEXT: usize = 64 * 1024;
/// The most conditions (counting those inside `anyOf`) and actions one rule holds.
pub const MAX_PARTS: usize = 50;

macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $wire:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            /// Every value, in wire order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// Wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),* }
            }
            /// Parses the wire name.
            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw)
            }
        }
    };
}

words!(
    /// What a rule waits for.
    TriggerKind {
        CommunicationReceived => "COMMUNICATION_RECEIVED",
        ConversationDue => "CONVERSATION_DUE",
        TaskDue => "TASK_DUE",
        AgentStatusChanged => "AGENT_STATUS_CHANGED",
        TopicsAdded => "TOPICS_ADDED",
    }
);

words!(
    /// What a condition looks at.
    Field {
        InboxId => "inboxId",
        EntryPointId => "entryPointId",
        Channel => "channel",
        Subject => "subject",
        Content => "content",
        From => "from",
        CustomerName => "customerName",
        TopicIds => "topicIds",
        Status => "status",
        AgentId => "agentId",
        HasReply => "hasReply",
        InBusinessHours => "inBusinessHours",
    }
);

words!(
    /// How a condition compares.
    Operator {
        Equals => "EQUALS",
        NotEquals => "NOT_EQUALS",
        Contains => "CONTAINS",
        NotContains => "NOT_CONTAINS",
        StartsWith => "STARTS_WITH",
        Matches => "MATCHES",
        In => "IN",
        IsEmpty => "IS_EMPTY",
    }
);

words!(
    /// What a rule does.
    ActionKind {
        AddTopics => "ADD_TOPICS",
        RemoveTopics => "REMOVE_TOPICS",
        MarkNoReplyNeeded => "MARK_NO_REPLY_NEEDED",
        CloseConversation => "CLOSE_CONVERSATION",
        Transfer => "TRANSFER",
        Unassign => "UNASSIGN",
        SetPriorityBoost => "SET_PRIORITY_BOOST",
        AddNote => "ADD_NOTE",
        SendAutoReply => "SEND_AUTO_REPLY",
    }
);

/// A rule's trigger. For the due-date triggers, `offset_seconds` is negative for
/// "due in" and positive for "overdue by"; the other triggers have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub offset_seconds: Option<i64>,
}

/// The furthest a due-date trigger may look before or after the due date: 90 days.
pub const MAX_OFFSET_SECONDS: i64 = 90 * 86_400;

impl Trigger {
    /// Checks that the offset belongs to the trigger: required (possibly 0) for the
    /// due-date triggers, absent otherwise.
    pub fn new(kind: TriggerKind, offset_seconds: Option<i64>) -> Result<Trigger, DomainError> {
        let due = matches!(kind, TriggerKind::ConversationDue | TriggerKind::TaskDue);
        let offset_seconds = match (due, offset_seconds) {
            (true, None) => Some(0),
            (true, Some(s)) if s.abs() > MAX_OFFSET_SECONDS => {
                return Err(DomainError::invalid(
                    "offsetSeconds",
                    format!("must be between -{MAX_OFFSET_SECONDS} and {MAX_OFFSET_SECONDS}"),
                ));
            }
            (true, Some(s)) => Some(s),
            (false, None) => None,
            (false, Some(_)) => {
                return Err(DomainError::invalid(
                    "offsetSeconds",
                    format!(
                        "only CONVERSATION_DUE and TASK_DUE take an offset, not {}",
                        kind.as_str()
                    ),
                ));
            }
        };
        Ok(Trigger {
            kind,
            offset_seconds,
        })
    }
}

/// A condition's value as the rule gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    None,
    Text(String),
    List(Vec<String>),
    Bool(bool),
}

/// One test, or a group of which any one must hold.
#[derive(Debug, Clone)]
pub enum Condition {
    Test(Test),
    AnyOf(Vec<Condition>),
}

/// `field operator value`, checked: the operator suits the field and the value
/// suits the operator; a `MATCHES` pattern is compiled once.
#[derive(Debug, Clone)]
pub struct Test {
    pub field: Field,
    pub operator: Operator,
    pub value: Value,
    pattern: Option<regex::Regex>,
}

impl PartialEq for Test {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field && self.operator == other.operator && self.value == other.value
    }
}

impl Condition {
    /// A test on `field` (`attr` is where the rule holds it, for errors).
    pub fn new(
        attr: &str,
        field: Field,
        operator: Operator,
        value: Value,
    ) -> Result<Self, DomainError> {
        let bad = |detail: String| DomainError::invalid(format!("{attr}.value"), detail);
        let op = operator.as_str();
        let allowed: &[Operator] = match field {
            Field::HasReply | Field::InBusinessHours => &[Operator::Equals],
            Field::TopicIds => &[
                Operator::Contains,
                Operator::NotContains,
                Operator::In,
                Operator::IsEmpty,
            ],
            _ => Operator::ALL,
        };
        if !allowed.contains(&operator) {
            return Err(DomainError::invalid(
                format!("{attr}.operator"),
                format!(
                    "{} takes {}, not {op}",
                    field.as_str(),
                    allowed
                        .iter()
                        .map(|o| o.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let mut pattern = None;
        let value = match (operator, value) {
            (Operator::IsEmpty, Value::None) => Value::Bool(true),
            (Operator::IsEmpty, Value::Bool(b)) => Value::Bool(b),
            (Operator::IsEmpty, _) => {
                return Err(bad("IS_EMPTY takes true, false or nothing".into()));
            }
            (Operator::Equals, Value::Bool(b))
                if matches!(field, Field::HasReply | Field::InBusinessHours) =>
            {
                Value::Bool(b)
            }
            (_, _) if matches!(field, Field::HasReply | Field::InBusinessHours) => {
                return Err(bad(format!(
                    "{} compares with true or false",
                    field.as_str()
                )));
            }
            (Operator::In, Value::List(list)) => {
                if list.is_empty() {
                    return Err(bad("IN needs at least one value".into()));
                }
                if list.len() > 100 {
                    return Err(bad("IN takes at most 100 values".into()));
                }
                for v in &list {
                    check_word(field, v).map_err(bad)?;
                }
                Value::List(list)
            }
            (Operator::In, _) => return Err(bad("IN takes a list of values".into())),
            (_, Value::Text(text)) => {
                if text.is_empty() {
                    return Err(DomainError::blank(
                        format!("{attr}.value"),
                        format!("{op} needs a value"),
                    ));
                }
                if text.len() > 1000 {
                    return Err(DomainError::too_long(
                        format!("{attr}.value"),
                        "must be at most 1000 bytes",
                    ));
                }
                if operator == Operator::Matches {
                    pattern = Some(compile(&text).map_err(bad)?);
                } else if matches!(operator, Operator::Equals | Operator::NotEquals) {
                    check_word(field, &text).map_err(bad)?;
                }
                Value::Text(text)
            }
            (_, _) => return Err(bad(format!("{op} takes a text value"))),
        };
        Ok(Condition::Test(Test {
            field,
            operator,
            value,
            pattern,
        }))
    }

    /// Every test in the condition, groups opened.
    pub fn tests(&self) -> Vec<&Test> {
        match self {
            Condition::Test(t) => vec![t],
            Condition::AnyOf(list) => list.iter().flat_map(Condition::tests).collect(),
        }
    }

    fn count(&self) -> usize {
        match self {
            Condition::Test(_) => 1,
            Condition::AnyOf(list) => 1 + list.iter().map(Condition::count).sum::<usize>(),
        }
    }

    fn check(&self, facts: &Facts) -> Outcome {
        match self {
            Condition::Test(t) => Outcome {
                matched: t.holds(facts),
                inner: Vec::new(),
            },
            Condition::AnyOf(list) => {
                let inner: Vec<Outcome> = list.iter().map(|c| c.check(facts)).collect();
                Outcome {
                    matched: inner.iter().any(|o| o.matched),
                    inner,
                }
            }
        }
    }
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_PATTERN {
        return Err(format!("a pattern may hold at most {MAX_PATTERN} bytes"));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_SIZE_LIMIT)
        .nest_limit(50)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                "the pattern is too large to run on every message".to_owned()
            }
            other => format!(
                "not a regular expression: {}",
                first_line(&other.to_string())
            ),
        })
}

fn first_line(s: &str) -> &str {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
}

/// Values of closed vocabularies must be words of them.
fn check_word(field: Field, value: &str) -> Result<(), String> {
    match field {
        Field::Channel if Channel::parse(value).is_none() => {
            Err(format!("unknown channel '{value}'"))
        }
        Field::Status if Status::parse(value).is_none() => Err(format!(
            "unknown status '{value}' (OPEN, WAITING or CLOSED)"
        )),
        _ => Ok(()),
    }
}

impl Test {
    /// Ids named by an `EQUALS`, `NOT_EQUALS`, `IN` or `CONTAINS` on an id field:
    /// what must exist when the rule is saved.
    pub fn named_ids(&self) -> Vec<&str> {
        if !matches!(
            self.field,
            Field::InboxId | Field::EntryPointId | Field::AgentId | Field::TopicIds
        ) || matches!(
            self.operator,
            Operator::StartsWith | Operator::Matches | Operator::IsEmpty
        ) || (self.field != Field::TopicIds
            && matches!(self.operator, Operator::Contains | Operator::NotContains))
        {
            return Vec::new();
        }
        match &self.value {
            Value::Text(t) => vec![t.as_str()],
            Value::List(l) => l.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    fn holds(&self, facts: &Facts) -> bool {
        if self.field == Field::HasReply {
            return self.value == Value::Bool(facts.has_reply);
        }
        if self.field == Field::InBusinessHours {
            return self.value == Value::Bool(facts.in_business_hours);
        }
        if self.field == Field::TopicIds {
            let has = |t: &str| facts.topic_ids.iter().any(|x| x == t);
            return match (&self.operator, &self.value) {
                (Operator::Contains, Value::Text(t)) => has(t),
                (Operator::NotContains, Value::Text(t)) => !has(t),
                (Operator::In, Value::List(l)) => l.iter().any(|t| has(t)),
                (Operator::IsEmpty, Value::Bool(b)) => facts.topic_ids.is_empty() == *b,
                _ => false,
            };
        }
        let text = facts.text(self.field);
        // Addresses, names and message text compare without regard to case; ids
        // and the closed vocabularies exactly.
        let folded = matches!(
            self.field,
            Field::Subject | Field::Content | Field::From | Field::CustomerName
        );
        let fold = |s: &str| {
            if folded {
                s.to_lowercase()
            } else {
                s.to_owned()
            }
        };
        match (&self.operator, &self.value) {
            (Operator::IsEmpty, Value::Bool(b)) => text.trim().is_empty() == *b,
            (Operator::Matches, _) => self.pattern.as_ref().is_some_and(|p| p.is_match(text)),
            (Operator::In, Value::List(l)) => l.iter().any(|v| fold(v) == fold(text)),
            (op, Value::Text(v)) => {
                let (text, v) = (fold(text), fold(v));
                match op {
                    Operator::Equals => text == v,
                    Operator::NotEquals => text != v,
                    Operator::Contains => text.contains(&v),
                    Operator::NotContains => !text.contains(&v),
                    Operator::StartsWith => text.starts_with(&v),
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

/// What a rule does, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    AddTopics(Vec<String>),
    RemoveTopics(Vec<String>),
    MarkNoReplyNeeded,
    CloseConversation,
    /// To an inbox, optionally straight to an agent (R20: routing is bypassed).
    Transfer {
        inbox_id: String,
        agent_id: Option<String>,
    },
    Unassign,
    /// A score routing orders by after the tier (higher first).
    SetPriorityBoost(i64),
    AddNote(Template),
    /// An email or SMS to the customer, on the triggering channel unless `channel`
    /// says which.
    SendAutoReply {
        channel: Option<Channel>,
        subject: Option<Template>,
        body: Template,
    },
}

impl Action {
    /// The action's wire type.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::AddTopics(_) => ActionKind::AddTopics,
            Action::RemoveTopics(_) => ActionKind::RemoveTopics,
            Action::MarkNoReplyNeeded => ActionKind::MarkNoReplyNeeded,
            Action::CloseConversation => ActionKind::CloseConversation,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::Unassign => ActionKind::Unassign,
            Action::SetPriorityBoost(_) => ActionKind::SetPriorityBoost,
            Action::AddNote(_) => ActionKind::AddNote,
            Action::SendAutoReply { .. } => ActionKind::SendAutoReply,
        }
    }

    /// Whether the action takes the conversation away from routing's choice: an
    /// assignment (R37 stops routing) or a close.
    pub fn settles_routing(&self) -> bool {
        matches!(
            self,
            Action::CloseConversation
                | Action::Transfer {
                    agent_id: Some(_),
                    ..
                }
        )
    }
}

/// The highest priority boost, either way.
pub const MAX_BOOST: i64 = 1000;

/// Placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "customer.name",
    "customer.firstName",
    "inbox.name",
    "message.subject",
];

/// A text with `{{customer.name}}`-style placeholders, checked to name only known
/// ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(String);

impl Template {
    /// Checks the placeholders of `text` (`attr` for errors).
    pub fn new(attr: &str, text: &str, max: usize) -> Result<Template, DomainError> {
        if text.trim().is_empty() {
            return Err(DomainError::blank(attr, "must not be empty"));
        }
        if text.chars().count() > max {
            return Err(DomainError::too_long(
                attr,
                format!("must be at most {max} characters"),
            ));
        }
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| {
                DomainError::invalid(attr, "a placeholder '{{' is not closed by '}}'")
            })?;
            let name = after[..close].trim();
            if !PLACEHOLDERS.contains(&name) {
                return Err(DomainError::invalid(
                    attr,
                    format!(
                        "unknown placeholder '{{{{{name}}}}}'; known: {}",
                        PLACEHOLDERS.join(", ")
                    ),
                ));
            }
            rest = &after[close + 2..];
        }
        Ok(Template(text.to_owned()))
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text with each placeholder replaced by `value(name)` (empty when unknown).
    pub fn render(&self, value: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::with_capacity(self.0.len());
        let mut rest = self.0.as_str();
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            match after.find("}}") {
                Some(close) => {
                    out.push_str(&value(after[..close].trim()).unwrap_or_default());
                    rest = &after[close + 2..];
                }
                None => {
                    rest = &rest[open..];
                    break;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// A rule, checked.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub position: i64,
    pub trigger: Trigger,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

impl Rule {
    /// Checks the whole: at least one action, a bounded number of parts, no two
    /// actions that contradict each other.
    pub fn check(self) -> Result<Rule, DomainError> {
        if self.actions.is_empty() {
            return Err(DomainError::blank(
                "actions",
                "a rule needs at least one action",
            ));
        }
        let parts: usize =
            self.conditions.iter().map(Condition::count).sum::<usize>() + self.actions.len();
        if parts > MAX_PARTS {
            return Err(DomainError::invalid(
                "conditions",
                format!("a rule holds at most {MAX_PARTS} conditions and actions together"),
            ));
        }
        let has = |k: ActionKind| self.actions.iter().filter(|a| a.kind() == k).count();
        for kind in ActionKind::ALL {
            if has(*kind) > 1 {
                return Err(DomainError::invalid(
                    "actions",
                    format!("{} appears more than once", kind.as_str()),
                ));
            }
        }
        if has(ActionKind::Transfer) == 1 && has(ActionKind::Unassign) == 1 {
            return Err(DomainError::invalid(
                "actions",
                "TRANSFER and UNASSIGN contradict each other",
            ));
        }
        if matches!(self.trigger.kind, TriggerKind::TaskDue)
            && self
                .actions
                .iter()
                .any(|a| !matches!(a, Action::Transfer { .. }))
        {
            return Err(DomainError::invalid(
                "actions",
                "a TASK_DUE rule reassigns the task (TRANSFER to an inbox, optionally an agent); the other actions are for conversations",
            ));
        }
        Ok(self)
    }

    /// Matches the rule's conditions (all must hold) against `facts`.
    pub fn evaluate(&self, facts: &Facts) -> Evaluation {
        let conditions: Vec<Outcome> = self.conditions.iter().map(|c| c.check(facts)).collect();
        Evaluation {
            matched: conditions.iter().all(|o| o.matched),
            conditions,
        }
    }
}

/// Whether one condition held; for an `anyOf` group, each member too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub matched: bool,
    pub inner: Vec<Outcome>,
}

/// A rule matched against facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub matched: bool,
    /// One per top-level condition, in order.
    pub conditions: Vec<Outcome>,
}

/// What conditions look at: the conversation and the message (if any) of the event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub inbox_id: String,
    pub entry_point_id: Option<String>,
    pub channel: Option<Channel>,
    pub subject: Option<String>,
    /// The message's text, cut to [`MATCHED_TEXT`] bytes.
    pub content: Option<String>,
    pub from: Option<String>,
    pub customer_name: Option<String>,
    pub topic_ids: Vec<String>,
    pub status: Option<Status>,
    pub agent_id: Option<String>,
    pub has_reply: bool,
    /// The business hours of the contact's entry point, else of the inbox, are open
    /// (always, without business hours).
    pub in_business_hours: bool,
}

impl Facts {
    fn text(&self, field: Field) -> &str {
        let text = match field {
            Field::InboxId => Some(self.inbox_id.as_str()),
            Field::EntryPointId => self.entry_point_id.as_deref(),
            Field::Channel => self.channel.map(Channel::as_str),
            Field::Subject => self.subject.as_deref(),
            Field::Content => self.content.as_deref(),
            Field::From => self.from.as_deref(),
            Field::CustomerName => self.customer_name.as_deref(),
            Field::Status => self.status.map(Status::as_str),
            Field::AgentId => self.agent_id.as_deref(),
            Field::TopicIds | Field::HasReply | Field::InBusinessHours => None,
        };
        text.unwrap_or("")
    }

    /// Cuts a message text to what conditions look at, on a character boundary.
    pub fn cut(text: &str) -> String {
        if text.len() <= MATCHED_TEXT {
            return text.to_owned();
        }
        let mut end = MATCHED_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text[..end].to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn test(field: Field, operator: Operator, value: Value) -> Condition {
        Condition::new("conditions[0]", field, operator, value).unwrap()
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn facts() -> Facts {
        Facts {
            inbox_id: "billing".into(),
            entry_point_id: Some("ep-mail".into()),
            channel: Some(Channel::Email),
            subject: Some("Please UNSUBSCRIBE me".into()),
            content: Some("Stop sending me offers.\nThanks".into()),
            from: Some("Ann@Example.com".into()),
            customer_name: Some("Ann Lee".into()),
            topic_ids: vec!["t-spam".into()],
            status: Some(Status::Open),
            agent_id: None,
            has_reply: false,
            in_business_hours: false,
        }
    }

    #[test]
    fn each_operator_holds_where_a_person_would_expect() {
        let f = facts();
        let cases: Vec<(Condition, bool)> = vec![
            (
                test(Field::Subject, Operator::Contains, text("unsubscribe")),
                true,
            ),
            (
                test(Field::Subject, Operator::NotContains, text("unsubscribe")),
                false,
            ),
            (
                test(Field::Subject, Operator::StartsWith, text("please")),
                true,
            ),
            (
                test(
                    Field::Subject,
                    Operator::Equals,
                    text("please unsubscribe me"),
                ),
                true,
            ),
            (
                test(Field::Subject, Operator::NotEquals, text("hello")),
                true,
            ),
            (
                test(Field::From, Operator::Matches, text(r"@example\.com$")),
                false,
            ),
            (
                test(Field::From, Operator::Matches, text(r"(?i)@example\.com$")),
                true,
            ),
            (
                test(Field::Content, Operator::Matches, text(r"(?m)^Thanks$")),
                true,
            ),
            (
                test(Field::InboxId, Operator::Equals, text("billing")),
                true,
            ),
            (
                test(Field::InboxId, Operator::Equals, text("BILLING")),
                false,
            ),
            (
                test(
                    Field::Channel,
                    Operator::In,
                    Value::List(vec!["SMS".into(), "EMAIL".into()]),
                ),
                true,
            ),
            (test(Field::AgentId, Operator::IsEmpty, Value::None), true),
            (
                test(Field::AgentId, Operator::IsEmpty, Value::Bool(false)),
                false,
            ),
            (
                test(Field::TopicIds, Operator::Contains, text("t-spam")),
                true,
            ),
            (
                test(Field::TopicIds, Operator::NotContains, text("t-spam")),
                false,
            ),
            (
                test(
                    Field::TopicIds,
                    Operator::In,
                    Value::List(vec!["x".into(), "t-spam".into()]),
                ),
                true,
            ),
            (test(Field::TopicIds, Operator::IsEmpty, Value::None), false),
            (test(Field::Status, Operator::Equals, text("OPEN")), true),
            (
                test(Field::InBusinessHours, Operator::Equals, Value::Bool(true)),
                false,
            ),
            (
                test(Field::HasReply, Operator::Equals, Value::Bool(false)),
                true,
            ),
            (
                test(Field::CustomerName, Operator::StartsWith, text("ann ")),
                true,
            ),
        ];
        for (i, (condition, expected)) in cases.iter().enumerate() {
            assert_eq!(
                condition.check(&f).matched,
                *expected,
                "case {i}: {condition:?}"
            );
        }
    }

    #[test]
    fn conditions_are_anded_and_any_of_gives_or() {
        let rule = Rule {
            id: "r".into(),
            name: "spam".into(),
            enabled: true,
            position: 1,
            trigger: Trigger::new(TriggerKind::CommunicationReceived, None).unwrap(),
            conditions: vec![
                test(Field::Channel, Operator::Equals, text("EMAIL")),
                Condition::AnyOf(vec![
                    test(Field::Subject, Operator::Contains, text("lottery")),
                    test(Field::Subject, Operator::Contains, text("unsubscribe")),
                ]),
            ],
            actions: vec![Action::MarkNoReplyNeeded, Action::CloseConversation],
        }
        .check()
        .unwrap();
        let seen = rule.evaluate(&facts());
        assert!(seen.matched);
        assert_eq!(
            seen.conditions[1]
                .inner
                .iter()
                .map(|o| o.matched)
                .collect::<Vec<_>>(),
            [false, true]
        );
        let sms = Facts {
            channel: Some(Channel::Sms),
            ..facts()
        };
        let seen = rule.evaluate(&sms);
        assert!(!seen.matched);
        assert!(!seen.conditions[0].matched && seen.conditions[1].matched);
    }

    #[test]
    fn bad_conditions_are_refused_with_the_field_named() {
        let refused = |field, op, value| match Condition::new("conditions[2]", field, op, value)
            .unwrap_err()
        {
            DomainError::Invalid { attr, .. } => attr,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            refused(Field::HasReply, Operator::Contains, text("x")),
            "conditions[2].operator"
        );
        assert_eq!(
            refused(Field::HasReply, Operator::Equals, text("yes")),
            "conditions[2].value"
        );
        assert_eq!(
            refused(Field::TopicIds, Operator::StartsWith, text("x")),
            "conditions[2].operator"
        );
        assert_eq!(
            refused(Field::Channel, Operator::Equals, text("PIGEON")),
            "conditions[2].value"
        );
        assert_eq!(
            refused(
                Field::Status,
                Operator::In,
                Value::List(vec!["DONE".into()])
            ),
            "conditions[2].value"
        );
        assert_eq!(
            refused(Field::Subject, Operator::In, text("x")),
            "conditions[2].value"
        );
        assert_eq!(
            refused(Field::Subject, Operator::Matches, text("(unclosed")),
            "conditions[2].value"
        );
        assert_eq!(
            refused(Field::Subject, Operator::Contains, text("")),
            "conditions[2].value"
        );
        // A pattern whose compiled program is huge is refused, not run.
        assert_eq!(
            refused(Field::Content, Operator::Matches, text(r"\w{200}\w{200}")),
            "conditions[2].value"
        );
        assert_eq!(
            refused(
                Field::Content,
                Operator::Matches,
                text(&"a".repeat(MAX_PATTERN + 1))
            ),
            "conditions[2].value"
        );
    }

    #[test]
    fn triggers_take_an_offset_only_when_due_dates_drive_them() {
        assert_eq!(
            Trigger::new(TriggerKind::ConversationDue, None)
                .unwrap()
                .offset_seconds,
            Some(0)
        );
        assert_eq!(
            Trigger::new(TriggerKind::TaskDue, Some(-3600))
                .unwrap()
                .offset_seconds,
            Some(-3600)
        );
        assert!(Trigger::new(TriggerKind::TopicsAdded, Some(60)).is_err());
        assert!(Trigger::new(TriggerKind::ConversationDue, Some(MAX_OFFSET_SECONDS + 1)).is_err());
    }

    #[test]
    fn templates_name_known_placeholders_and_render_them() {
        let t = Template::new(
            "actions[0].body",
            "Hi {{ customer.firstName }}, we open at 9. ({{inbox.name}})",
            2000,
        )
        .unwrap();
        let out = t.render(|name| match name {
            "customer.firstName" => Some("Ann".into()),
            "inbox.name" => Some("Billing".into()),
            _ => None,
        });
        assert_eq!(out, "Hi Ann, we open at 9. (Billing)");
        assert!(Template::new("b", "Hi {{customer.email}}", 100).is_err());
        assert!(Template::new("b", "Hi {{customer.name", 100).is_err());
        assert!(Template::new("b", "  ", 100).is_err());
    }

    #[test]
    fn rules_refuse_no_actions_repeats_and_contradictions() {
        let base = || Rule {
            id: "r".into(),
            name: "n".into(),
            enabled: true,
            position: 1,
            trigger: Trigger::new(TriggerKind::CommunicationReceived, None).unwrap(),
            conditions: Vec::new(),
            actions: Vec::new(),
        };
        assert!(base().check().is_err());
        let twice = Rule {
            actions: vec![Action::CloseConversation, Action::CloseConversation],
            ..base()
        };
        assert!(twice.check().is_err());
        let both = Rule {
            actions: vec![
                Action::Unassign,
                Action::Transfer {
                    inbox_id: "i".into(),
                    agent_id: None,
                },
            ],
            ..base()
        };
        assert!(both.check().is_err());
        let task = Rule {
            trigger: Trigger::new(TriggerKind::TaskDue, Some(0)).unwrap(),
            actions: vec![Action::CloseConversation],
            ..base()
        };
        assert!(task.check().is_err());
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(MATCHED_TEXT);
        let cut = Facts::cut(&long);
        assert!(cut.len() <= MATCHED_TEXT && cut.len() >= MATCHED_TEXT - 1);
    }
}
