//! Rules on the wire (`/admin/rules`): the body read into a [`RuleDoc`], checked as
//! the domain checks a rule; the dry run's sample message and its answer; the
//! template library.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::rules::Outcome;
use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::{Fields, path};
use crate::codec::{ActionDoc, ConditionDoc, RuleDoc, ValueDoc};
use crate::service::rules::{DryRun, Sample};

/// Reads a rule body (the whole resource; a PATCH is merged first). `position` is
/// `None` when the body leaves it out (the rule goes last).
pub fn rule_doc(id: &str, m: &Map<String, Value>) -> Result<(RuleDoc, Option<i64>), DomainError> {
    let name = m.text("", "name", true, 200)?.unwrap_or_default();
    let enabled = m.opt_bool("", "enabled")?.unwrap_or(true);
    let position = m.opt_int("", "position")?;
    if position.is_some_and(|p| !(0..=1_000_000).contains(&p)) {
        return Err(DomainError::invalid(
            "position",
            "must be between 0 and 1000000",
        ));
    }
    let description = m.text("", "description", false, 1000)?;
    let (trigger, nested_offset) = match m.get("trigger") {
        None | Some(Value::Null) => return Err(DomainError::blank("trigger", "is required")),
        Some(Value::String(s)) => (s.clone(), None),
        Some(Value::Object(o)) => (
            o.req_str("trigger", "type")?,
            o.opt_int("trigger", "offsetSeconds")?,
        ),
        Some(_) => {
            return Err(DomainError::invalid(
                "trigger",
                "must be a trigger name or {\"type\", \"offsetSeconds\"}",
            ));
        }
    };
    let offset_seconds = match m.opt_int("", "offsetSeconds")? {
        Some(s) => Some(s),
        None => nested_offset,
    };
    let conditions = match m.get("conditions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, c)| condition(&format!("conditions[{i}]"), c))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(DomainError::invalid("conditions", "must be an array")),
    };
    let actions = match m.get("actions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, a)| action(&format!("actions[{i}]"), a))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(DomainError::invalid("actions", "must be an array")),
    };
    let doc = RuleDoc {
        id: id.to_owned(),
        name,
        enabled,
        position: position.unwrap_or(0),
        trigger,
        offset_seconds,
        conditions,
        actions,
        description,
    };
    // Checked as it will run: fields, operators, values, patterns, placeholders.
    let checked = doc.rule()?;
    let doc = RuleDoc {
        offset_seconds: checked.trigger.offset_seconds,
        ..doc
    };
    Ok((doc, position))
}

fn condition(attr: &str, raw: &Value) -> Result<ConditionDoc, DomainError> {
    let o = raw
        .as_object()
        .ok_or_else(|| DomainError::invalid(attr, "must be an object"))?;
    if let Some(group) = o.get("anyOf") {
        let Value::Array(list) = group else {
            return Err(DomainError::invalid(
                path(attr, "anyOf"),
                "must be an array",
            ));
        };
        return Ok(ConditionDoc::AnyOf {
            any_of: list
                .iter()
                .enumerate()
                .map(|(j, c)| condition(&format!("{attr}.anyOf[{j}]"), c))
                .collect::<Result<_, _>>()?,
        });
    }
    let value = match o.get("value") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(ValueDoc::Bool(*b)),
        Some(Value::String(s)) => Some(ValueDoc::Text(s.clone())),
        Some(Value::Array(list)) => Some(ValueDoc::List(
            list.iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        DomainError::invalid(path(attr, "value"), "a list holds texts only")
                    })
                })
                .collect::<Result<_, _>>()?,
        )),
        Some(_) => {
            return Err(DomainError::invalid(
                path(attr, "value"),
                "must be a text, a list of texts, or true/false",
            ));
        }
    };
    Ok(ConditionDoc::Test {
        field: o.req_str(attr, "field")?,
        operator: o.req_str(attr, "operator")?,
        value,
    })
}

fn action(attr: &str, raw: &Value) -> Result<ActionDoc, DomainError> {
    let o = raw
        .as_object()
        .ok_or_else(|| DomainError::invalid(attr, "must be an object"))?;
    Ok(ActionDoc {
        kind: o.req_str(attr, "type")?,
        topic_ids: o.str_list(attr, "topicIds")?,
        inbox_id: o.text(attr, "inboxId", false, 50)?,
        agent_id: o.text(attr, "agentId", false, 50)?,
        score: o.opt_int(attr, "score")?,
        channel: o.text(attr, "channel", false, 20)?,
        subject: o.text(attr, "subject", false, 200)?,
        body: o.opt_str(attr, "body")?,
    })
}

/// Reads the dry run's sample: `{"channel","subject","content","from","customerName"}`,
/// each optional; `conversationId` takes the rest of the facts from a conversation.
pub fn sample(m: &Map<String, Value>) -> Result<Sample, DomainError> {
    let channel =
        match m.text("", "channel", false, 30)? {
            Some(raw) => Some(Channel::parse(&raw).ok_or_else(|| {
                DomainError::invalid("channel", format!("unknown channel '{raw}'"))
            })?),
            None => None,
        };
    Ok(Sample {
        conversation_id: m.text("", "conversationId", false, 50)?,
        inbox_id: m.text("", "inboxId", false, 50)?,
        entry_point_id: m.text("", "entryPointId", false, 50)?,
        channel,
        subject: m.text("", "subject", false, 1000)?,
        content: m.opt_str("", "content")?,
        from: m.text("", "from", false, 320)?,
        customer_name: m.text("", "customerName", false, 200)?,
        topic_ids: m.str_list("", "topicIds")?,
    })
}

/// `{"matched", "conditions":[{"field","operator","matched"} | {"anyOf":[...],"matched"}],
/// "actions":[{"type","wouldDo"}], "enabled"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRunWire {
    pub matched: bool,
    pub enabled: bool,
    pub conditions: Vec<Value>,
    pub actions: Vec<Value>,
}

impl DryRunWire {
    /// The dry run as the API shows it.
    pub fn of(run: &DryRun, doc: &RuleDoc) -> Self {
        let conditions = doc
            .conditions
            .iter()
            .zip(&run.evaluation.conditions)
            .map(|(c, o)| condition_wire(c, o))
            .collect();
        let actions = run
            .actions
            .iter()
            .map(|(kind, text)| serde_json::json!({"type": kind.as_str(), "wouldDo": text}))
            .collect();
        DryRunWire {
            matched: run.evaluation.matched,
            enabled: doc.enabled,
            conditions,
            actions,
        }
    }
}

fn condition_wire(c: &ConditionDoc, o: &Outcome) -> Value {
    match c {
        ConditionDoc::AnyOf { any_of } => serde_json::json!({
            "anyOf": any_of.iter().zip(&o.inner).map(|(c, o)| condition_wire(c, o)).collect::<Vec<_>>(),
            "matched": o.matched,
        }),
        ConditionDoc::Test {
            field,
            operator,
            value,
        } => serde_json::json!({
            "field": field,
            "operator": operator,
            "value": value,
            "matched": o.matched,
        }),
    }
}

/// The template library: rules most teams want, each to be created disabled and
/// adjusted (`{"key","name","description","rule"}`).
pub fn templates() -> Vec<Value> {
    let spam = r"(?i)\b(unsubscribe|lottery|you have won|casino|crypto giveaway)\b";
    vec![
        serde_json::json!({
            "key": "spam-words",
            "name": "Spam words: No Reply Needed and close",
            "description": "An incoming message whose subject or text holds a typical spam word is marked No Reply Needed and closed, before any agent is offered it.",
            "rule": {
                "name": "Spam words: No Reply Needed and close",
                "enabled": false,
                "trigger": "COMMUNICATION_RECEIVED",
                "conditions": [{"anyOf": [
                    {"field": "subject", "operator": "MATCHES", "value": spam},
                    {"field": "content", "operator": "MATCHES", "value": spam}
                ]}],
                "actions": [{"type": "MARK_NO_REPLY_NEEDED"}, {"type": "CLOSE_CONVERSATION"}]
            }
        }),
        serde_json::json!({
            "key": "waiting-7-days",
            "name": "Waiting longer than 7 days: close",
            "description": "A conversation still overdue seven days after its due date is marked No Reply Needed and closed.",
            "rule": {
                "name": "Waiting longer than 7 days: close",
                "enabled": false,
                "trigger": "CONVERSATION_DUE",
                "offsetSeconds": 7 * 86_400,
                "conditions": [],
                "actions": [{"type": "MARK_NO_REPLY_NEEDED"}, {"type": "CLOSE_CONVERSATION"}]
            }
        }),
        serde_json::json!({
            "key": "vip-domain",
            "name": "VIP domain: priority boost",
            "description": "Messages from a VIP customer's domain are routed before others of the same channel. Change the domain to your customer's.",
            "rule": {
                "name": "VIP domain: priority boost",
                "enabled": false,
                "trigger": "COMMUNICATION_RECEIVED",
                "conditions": [{"field": "from", "operator": "MATCHES", "value": r"(?i)@vip\.example\.com$"}],
                "actions": [{"type": "SET_PRIORITY_BOOST", "score": 100}]
            }
        }),
        serde_json::json!({
            "key": "out-of-hours",
            "name": "Auto-reply out of hours",
            "description": "An email or SMS that arrives while the business hours are closed gets one auto-reply (at most one an hour per customer).",
            "rule": {
                "name": "Auto-reply out of hours",
                "enabled": false,
                "trigger": "COMMUNICATION_RECEIVED",
                "conditions": [
                    {"field": "inBusinessHours", "operator": "EQUALS", "value": false},
                    {"field": "channel", "operator": "IN", "value": ["EMAIL", "SMS"]}
                ],
                "actions": [{
                    "type": "SEND_AUTO_REPLY",
                    "body": "Hi {{customer.firstName}}, thank you for writing to {{inbox.name}}. We are closed right now and will answer as soon as we open."
                }]
            }
        }),
    ]
}
