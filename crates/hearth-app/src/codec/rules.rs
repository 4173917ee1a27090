//! Rules as stored (resource kind `rule`). The stored document is also what the
//! admin API shows (`/admin/rules`), like the other admin resources.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::rules::{
    Action, ActionKind, Condition, Field, MAX_BOOST, Operator, Rule, Template, Trigger,
    TriggerKind, Value,
};
use serde::{Deserialize, Serialize};

/// The longest note or auto-reply body.
pub const MAX_TEMPLATE: usize = 5000;

/// A rule (`{"id","name","enabled","position","trigger","conditions","actions"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleDoc {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub position: i64,
    pub trigger: String,
    /// CONVERSATION_DUE and TASK_DUE: negative is "due in", positive "overdue by".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_seconds: Option<i64>,
    #[serde(default)]
    pub conditions: Vec<ConditionDoc>,
    pub actions: Vec<ActionDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A condition, or a group of which any one must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConditionDoc {
    AnyOf {
        #[serde(rename = "anyOf")]
        any_of: Vec<ConditionDoc>,
    },
    Test {
        field: String,
        operator: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<ValueDoc>,
    },
}

/// A condition's value: text, a list of texts, or true/false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ValueDoc {
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

/// An action: its type and the parameters that type takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionDoc {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topic_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl RuleDoc {
    /// The rule the document describes, checked; errors name the field as the API
    /// spells it (`conditions[1].anyOf[0].value`, `actions[0].inboxId`).
    pub fn rule(&self) -> Result<Rule, DomainError> {
        let kind = TriggerKind::parse(&self.trigger).ok_or_else(|| {
            DomainError::invalid(
                "trigger",
                format!(
                    "unknown trigger '{}'; one of {}",
                    self.trigger,
                    words(TriggerKind::ALL.iter().map(|t| t.as_str()))
                ),
            )
        })?;
        let trigger = Trigger::new(kind, self.offset_seconds)?;
        let conditions = self
            .conditions
            .iter()
            .enumerate()
            .map(|(i, c)| c.condition(&format!("conditions[{i}]"), 0))
            .collect::<Result<Vec<_>, _>>()?;
        let actions = self
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| a.action(&format!("actions[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Rule {
            id: self.id.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
            position: self.position,
            trigger,
            conditions,
            actions,
        }
        .check()
    }
}

fn words<'a>(all: impl Iterator<Item = &'a str>) -> String {
    all.collect::<Vec<_>>().join(", ")
}

impl ConditionDoc {
    fn condition(&self, attr: &str, depth: usize) -> Result<Condition, DomainError> {
        match self {
            ConditionDoc::AnyOf { any_of } => {
                if depth > 0 {
                    return Err(DomainError::invalid(
                        format!("{attr}.anyOf"),
                        "anyOf groups do not nest",
                    ));
                }
                if any_of.len() < 2 {
                    return Err(DomainError::invalid(
                        format!("{attr}.anyOf"),
                        "a group needs at least two conditions",
                    ));
                }
                Ok(Condition::AnyOf(
                    any_of
                        .iter()
                        .enumerate()
                        .map(|(j, c)| c.condition(&format!("{attr}.anyOf[{j}]"), depth + 1))
                        .collect::<Result<_, _>>()?,
                ))
            }
            ConditionDoc::Test {
                field,
                operator,
                value,
            } => {
                let f = Field::parse(field).ok_or_else(|| {
                    DomainError::invalid(
                        format!("{attr}.field"),
                        format!(
                            "unknown field '{field}'; one of {}",
                            words(Field::ALL.iter().map(|f| f.as_str()))
                        ),
                    )
                })?;
                let op = Operator::parse(operator).ok_or_else(|| {
                    DomainError::invalid(
                        format!("{attr}.operator"),
                        format!(
                            "unknown operator '{operator}'; one of {}",
                            words(Operator::ALL.iter().map(|o| o.as_str()))
                        ),
                    )
                })?;
                let value = match value {
                    None => Value::None,
                    Some(ValueDoc::Bool(b)) => Value::Bool(*b),
                    Some(ValueDoc::Text(t)) => Value::Text(t.clone()),
                    Some(ValueDoc::List(l)) => Value::List(l.clone()),
                };
                Condition::new(attr, f, op, value)
            }
        }
    }
}

impl ActionDoc {
    fn action(&self, attr: &str) -> Result<Action, DomainError> {
        let kind = ActionKind::parse(&self.kind).ok_or_else(|| {
            DomainError::invalid(
                format!("{attr}.type"),
                format!(
                    "unknown action '{}'; one of {}",
                    self.kind,
                    words(ActionKind::ALL.iter().map(|a| a.as_str()))
                ),
            )
        })?;
        let at = |field: &str| format!("{attr}.{field}");
        let required = |field: &str, v: &Option<String>| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| DomainError::blank(at(field), format!("{} needs it", kind.as_str())))
        };
        let topics = || {
            if self.topic_ids.is_empty() {
                return Err(DomainError::blank(
                    at("topicIds"),
                    format!("{} needs at least one topic", kind.as_str()),
                ));
            }
            Ok(self.topic_ids.clone())
        };
        Ok(match kind {
            ActionKind::AddTopics => Action::AddTopics(topics()?),
            ActionKind::RemoveTopics => Action::RemoveTopics(topics()?),
            ActionKind::MarkNoReplyNeeded => Action::MarkNoReplyNeeded,
            ActionKind::CloseConversation => Action::CloseConversation,
            ActionKind::Unassign => Action::Unassign,
            ActionKind::Transfer => Action::Transfer {
                inbox_id: required("inboxId", &self.inbox_id)?,
                agent_id: self.agent_id.clone().filter(|a| !a.is_empty()),
            },
            ActionKind::SetPriorityBoost => {
                let score = self.score.ok_or_else(|| {
                    DomainError::blank(at("score"), "SET_PRIORITY_BOOST needs a score")
                })?;
                if score.abs() > MAX_BOOST {
                    return Err(DomainError::invalid(
                        at("score"),
                        format!("must be between -{MAX_BOOST} and {MAX_BOOST}"),
                    ));
                }
                Action::SetPriorityBoost(score)
            }
            ActionKind::AddNote => Action::AddNote(Template::new(
                &at("body"),
                &required("body", &self.body)?,
                MAX_TEMPLATE,
            )?),
            ActionKind::SendAutoReply => {
                let channel = match self.channel.as_deref() {
                    None | Some("") => None,
                    Some(raw) => match Channel::parse(raw) {
                        Some(c @ (Channel::Email | Channel::Sms)) => Some(c),
                        _ => {
                            return Err(DomainError::invalid(
                                at("channel"),
                                "an auto-reply goes by EMAIL or SMS",
                            ));
                        }
                    },
                };
                Action::SendAutoReply {
                    channel,
                    subject: match self.subject.as_deref() {
                        None | Some("") => None,
                        Some(s) => Some(Template::new(&at("subject"), s, 200)?),
                    },
                    body: Template::new(&at("body"), &required("body", &self.body)?, MAX_TEMPLATE)?,
                }
            }
        })
    }
}

/// Why a rule last stopped at run time (`lastError` in the admin API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleErrorDoc {
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    pub detail: String,
}

/// A stored rule document with its last run-time error laid in as `lastError`.
pub fn with_last_error(doc: &str, error: Option<&str>) -> Result<String, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(doc)?;
    if let (Some(map), Some(error)) = (value.as_object_mut(), error) {
        map.insert("lastError".into(), serde_json::from_str(error)?);
    }
    serde_json::to_string(&value)
}

/// When a customer was last sent an auto-reply (Unix milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoReplyDoc {
    pub at: i64,
}
