//! The admin's rules page: the rules in the order they run, with their last
//! failure, moved up and down, enabled and disabled; a rule's form in rows of
//! conditions and actions, in names rather than ids; a try-out with a sample
//! message (the API's dry run); and the template library. Every form is read into
//! the admin API's body and saved through it, so the refusals are the API's, shown
//! next to the row they name.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hearth_app::AppError;
use hearth_app::gladly::admin::{admin_body, draft_reader};
use hearth_app::gladly::rules::templates;
use hearth_app::service::Caller;
use hearth_app::service::organization::AdminKind;
use hearth_app::service::rules::Sample;
use hearth_domain::rules::{ActionKind, Field, Operator, TriggerKind};
use serde_json::{Map, Value, json};

use super::admin::{SECTIONS, admin_caller, admin_form, answer, not_found};
use super::frame::{Nav, page};
use super::session::check_csrf;
use super::words::Choice;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/rules", get(list).post(create))
        .route("/ui/admin/rules/from-template", post(from_template))
        .route("/ui/admin/rules/{id}", get(edit).post(update))
        .route("/ui/admin/rules/{id}/move", post(move_rule))
        .route("/ui/admin/rules/{id}/toggle", post(toggle))
        .route("/ui/admin/rules/{id}/delete", post(delete))
}

fn trigger_words(t: TriggerKind) -> &'static str {
    match t {
        TriggerKind::CommunicationReceived => "A customer writes or calls",
        TriggerKind::ConversationDue => "A conversation's due time comes or passes",
        TriggerKind::TaskDue => "A task's due time comes or passes",
        TriggerKind::AgentStatusChanged => "An agent goes Away or Offline",
        TriggerKind::TopicsAdded => "Topics are added",
    }
}

fn field_words(f: Field) -> &'static str {
    match f {
        Field::InboxId => "Inbox",
        Field::EntryPointId => "Entry point",
        Field::Channel => "Channel",
        Field::Subject => "Subject",
        Field::Content => "Message text",
        Field::From => "From (address)",
        Field::CustomerName => "Customer name",
        Field::TopicIds => "Topics",
        Field::Status => "Status",
        Field::AgentId => "Agent",
        Field::HasReply => "An agent has replied",
        Field::InBusinessHours => "Within business hours",
    }
}

fn operator_words(o: Operator) -> &'static str {
    match o {
        Operator::Equals => "is",
        Operator::NotEquals => "is not",
        Operator::Contains => "contains",
        Operator::NotContains => "does not contain",
        Operator::StartsWith => "starts with",
        Operator::Matches => "matches the pattern",
        Operator::In => "is one of",
        Operator::IsEmpty => "is empty",
    }
}

fn action_words(a: ActionKind) -> &'static str {
    match a {
        ActionKind::AddTopics => "Add topics",
        ActionKind::RemoveTopics => "Remove topics",
        ActionKind::MarkNoReplyNeeded => "Mark No Reply Needed",
        ActionKind::CloseConversation => "Close the conversation",
        ActionKind::Transfer => "Transfer",
        ActionKind::Unassign => "Unassign",
        ActionKind::SetPriorityBoost => "Priority boost",
        ActionKind::AddNote => "Add a note",
        ActionKind::SendAutoReply => "Send an auto-reply",
    }
}

/// The names behind the ids a rule holds.
struct Names {
    inboxes: Vec<Choice>,
    agents: Vec<Choice>,
    topics: Vec<Choice>,
    entry_points: Vec<Choice>,
}

impl Names {
    async fn load(state: &AppState, caller: &Caller) -> Result<Names, AppError> {
        let inboxes = super::words::choices(super::words::inbox_names(
            &state.app.directory_inboxes().await?,
        ));
        let agents = super::words::choices(
            state
                .app
                .directory_agents()
                .await?
                .iter()
                .map(|a| (a.id.to_string(), a.name.clone())),
        );
        let topics = super::words::choices(
            state
                .app
                .topics()
                .await?
                .iter()
                .map(|t| (t.id.to_string(), t.name.clone())),
        );
        let entry_points = super::words::choices(
            state
                .app
                .admin_list(caller, AdminKind::EntryPoints)
                .await?
                .iter()
                .map(|r| {
                    let v = admin_body(r)?;
                    Ok((
                        r.id.clone(),
                        v["address"].as_str().unwrap_or_default().to_owned(),
                    ))
                })
                .collect::<Result<Vec<_>, AppError>>()?,
        );
        Ok(Names {
            inboxes,
            agents,
            topics,
            entry_points,
        })
    }

    fn of_field(&self, f: Field) -> Option<&[Choice]> {
        match f {
            Field::InboxId => Some(&self.inboxes),
            Field::AgentId => Some(&self.agents),
            Field::TopicIds => Some(&self.topics),
            Field::EntryPointId => Some(&self.entry_points),
            _ => None,
        }
    }

    /// A value as a person reads it: a name for an id, words for a channel.
    fn shown(&self, f: Field, raw: &str) -> String {
        match (self.of_field(f), f) {
            (Some(list), _) => super::words::label_of(list, raw),
            (None, Field::Channel) => super::words::channel_label(raw).to_owned(),
            (None, Field::Status) => title_case(raw),
            _ => raw.to_owned(),
        }
    }

    /// A condition's value as a person reads and types it: names for ids, a list
    /// with commas, yes or no.
    fn value_words(&self, f: Option<Field>, value: &Value) -> String {
        let one = |s: &str| f.map_or_else(|| s.to_owned(), |f| self.shown(f, s));
        match value {
            Value::String(s) => one(s),
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_str)
                .map(one)
                .collect::<Vec<_>>()
                .join(", "),
            Value::Bool(true) => "yes".into(),
            Value::Bool(false) => "no".into(),
            _ => String::new(),
        }
    }

    /// A typed value as the API takes it: a name becomes its id, words a channel.
    fn stored(&self, f: Field, typed: &str) -> String {
        let t = typed.trim();
        match self.of_field(f) {
            Some(list) => list
                .iter()
                .find(|c| c.label.eq_ignore_ascii_case(t) || c.value == t)
                .map_or_else(|| t.to_owned(), |c| c.value.clone()),
            None if f == Field::Channel => hearth_domain::channel::Channel::ALL
                .iter()
                .find(|c| {
                    super::words::channel_label(c.as_str()).eq_ignore_ascii_case(t)
                        || c.as_str().eq_ignore_ascii_case(t)
                })
                .map_or_else(|| t.to_owned(), |c| c.as_str().to_owned()),
            None if f == Field::Status => t.to_uppercase(),
            None => t.to_owned(),
        }
    }
}

fn title_case(raw: &str) -> String {
    let lower = raw.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// One condition row of the form.
#[derive(Default, Clone)]
struct CondRow {
    field: String,
    operator: String,
    value: String,
    any: bool,
    error: Option<String>,
}

/// One action row of the form.
#[derive(Default, Clone)]
struct ActRow {
    kind: String,
    topics: Vec<String>,
    inbox: String,
    agent: String,
    score: String,
    channel: String,
    subject: String,
    body: String,
    error: Option<String>,
}

/// A rule as the form shows it.
#[derive(Default, Clone)]
struct RuleForm {
    name: String,
    enabled: bool,
    trigger: String,
    /// Minutes after the due date (negative: before).
    offset: String,
    conditions: Vec<CondRow>,
    actions: Vec<ActRow>,
    /// Errors of the whole form or its top fields, by field.
    errors: BTreeMap<String, String>,
}

/// Blank rows offered below the filled ones.
const SPARE_ROWS: usize = 2;

impl RuleForm {
    fn of(v: &Value, names: &Names) -> RuleForm {
        let mut conditions = Vec::new();
        let row = |c: &Value, any: bool| {
            let field = c["field"].as_str().unwrap_or_default().to_owned();
            let f = Field::parse(&field);
            let value = names.value_words(f, &c["value"]);
            CondRow {
                field,
                operator: c["operator"].as_str().unwrap_or_default().to_owned(),
                value,
                any,
                error: None,
            }
        };
        for c in v["conditions"].as_array().into_iter().flatten() {
            match c["anyOf"].as_array() {
                Some(group) => conditions.extend(group.iter().map(|m| row(m, true))),
                None => conditions.push(row(c, false)),
            }
        }
        let s = |a: &Value, k: &str| a[k].as_str().unwrap_or_default().to_owned();
        let actions = v["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| ActRow {
                kind: s(a, "type"),
                topics: a["topicIds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                inbox: s(a, "inboxId"),
                agent: s(a, "agentId"),
                score: a["score"]
                    .as_i64()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                channel: s(a, "channel"),
                subject: s(a, "subject"),
                body: s(a, "body"),
                error: None,
            })
            .collect();
        RuleForm {
            name: s(v, "name"),
            enabled: v["enabled"].as_bool().unwrap_or(true),
            trigger: v["trigger"]
                .as_str()
                .unwrap_or(TriggerKind::CommunicationReceived.as_str())
                .to_owned(),
            offset: v["offsetSeconds"]
                .as_i64()
                .map(|s| (s / 60).to_string())
                .unwrap_or_default(),
            conditions,
            actions,
            errors: BTreeMap::new(),
        }
    }

    /// Reads the submitted form; returns it (to show again) with the API body and
    /// which rows each of the body's conditions came from.
    fn read(
        form: &[(String, String)],
        names: &Names,
    ) -> (RuleForm, Map<String, Value>, Vec<Vec<usize>>) {
        let get = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map_or(String::new(), |(_, v)| v.clone())
        };
        let all = |k: &str| -> Vec<String> {
            form.iter()
                .filter(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
                .collect()
        };
        let mut out = RuleForm {
            name: get("name"),
            enabled: get("enabled") == "on",
            trigger: get("trigger"),
            offset: get("offset"),
            ..RuleForm::default()
        };
        let mut body = Map::new();
        body.insert("name".into(), json!(out.name.trim()));
        body.insert("enabled".into(), json!(out.enabled));
        body.insert("trigger".into(), json!(out.trigger));
        if matches!(
            TriggerKind::parse(&out.trigger),
            Some(TriggerKind::ConversationDue | TriggerKind::TaskDue)
        ) {
            match out.offset.trim().parse::<i64>() {
                Ok(m) => {
                    body.insert("offsetSeconds".into(), json!(m.saturating_mul(60)));
                }
                Err(_) if out.offset.trim().is_empty() => {}
                Err(_) => {
                    out.errors.insert(
                        "offsetSeconds".into(),
                        "must be a whole number of minutes".into(),
                    );
                }
            }
        }
        let mut conditions: Vec<Value> = Vec::new();
        let mut rows_of: Vec<Vec<usize>> = Vec::new();
        let mut group: Option<usize> = None;
        for i in 0.. {
            let prefix = format!("c{i}.");
            if !form.iter().any(|(k, _)| k.starts_with(&prefix)) {
                break;
            }
            let row = CondRow {
                field: get(&format!("{prefix}field")),
                operator: get(&format!("{prefix}operator")),
                value: get(&format!("{prefix}value")),
                any: get(&format!("{prefix}any")) == "on",
                error: None,
            };
            out.conditions.push(row.clone());
            if row.field.is_empty() {
                continue;
            }
            let f = Field::parse(&row.field);
            let value = match (Operator::parse(&row.operator), f) {
                (Some(Operator::IsEmpty), _) => Value::Null,
                (Some(Operator::In), Some(f)) => Value::Array(
                    row.value
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| json!(names.stored(f, v)))
                        .collect(),
                ),
                (_, Some(Field::HasReply | Field::InBusinessHours)) => {
                    match row.value.trim().to_lowercase().as_str() {
                        "yes" | "true" => json!(true),
                        "no" | "false" => json!(false),
                        other => json!(other),
                    }
                }
                (_, Some(f)) => json!(names.stored(f, &row.value)),
                (_, None) => json!(row.value),
            };
            let test = json!({"field": row.field, "operator": row.operator, "value": value});
            let index = out.conditions.len() - 1;
            if row.any {
                match group {
                    Some(g) => {
                        if let Some(Value::Array(members)) = conditions[g].get_mut("anyOf") {
                            members.push(test);
                        }
                        rows_of[g].push(index);
                    }
                    None => {
                        group = Some(conditions.len());
                        conditions.push(json!({"anyOf": [test]}));
                        rows_of.push(vec![index]);
                    }
                }
            } else {
                conditions.push(test);
                rows_of.push(vec![index]);
            }
        }
        body.insert("conditions".into(), Value::Array(conditions));
        let mut actions = Vec::new();
        for j in 0.. {
            let prefix = format!("a{j}.");
            if !form.iter().any(|(k, _)| k.starts_with(&prefix)) {
                break;
            }
            let row = ActRow {
                kind: get(&format!("{prefix}type")),
                topics: all(&format!("{prefix}topics")),
                inbox: get(&format!("{prefix}inbox")),
                agent: get(&format!("{prefix}agent")),
                score: get(&format!("{prefix}score")),
                channel: get(&format!("{prefix}channel")),
                subject: get(&format!("{prefix}subject")),
                body: get(&format!("{prefix}body")),
                error: None,
            };
            out.actions.push(row.clone());
            if row.kind.is_empty() {
                continue;
            }
            let mut a = Map::new();
            a.insert("type".into(), json!(row.kind));
            match ActionKind::parse(&row.kind) {
                Some(ActionKind::AddTopics | ActionKind::RemoveTopics) => {
                    a.insert("topicIds".into(), json!(row.topics));
                }
                Some(ActionKind::Transfer) => {
                    a.insert("inboxId".into(), json!(row.inbox));
                    if !row.agent.is_empty() {
                        a.insert("agentId".into(), json!(row.agent));
                    }
                }
                Some(ActionKind::SetPriorityBoost) => {
                    a.insert(
                        "score".into(),
                        row.score
                            .trim()
                            .parse::<i64>()
                            .map_or(Value::Null, Value::from),
                    );
                }
                Some(ActionKind::AddNote) => {
                    a.insert("body".into(), json!(row.body));
                }
                Some(ActionKind::SendAutoReply) => {
                    a.insert("body".into(), json!(row.body));
                    if !row.subject.trim().is_empty() {
                        a.insert("subject".into(), json!(row.subject.trim()));
                    }
                    if !row.channel.is_empty() {
                        a.insert("channel".into(), json!(row.channel));
                    }
                }
                _ => {}
            }
            actions.push(Value::Object(a));
        }
        // Rows left empty are not actions; the API numbers the ones sent.
        body.insert("actions".into(), Value::Array(actions));
        (out, body, rows_of)
    }

    /// Places a refusal of the API on the row or field it names.
    fn place(&mut self, attr: &str, detail: &str, rows_of: &[Vec<usize>]) {
        let index = |s: &str| -> Option<(usize, String)> {
            let open = s.find('[')?;
            let close = s.find(']')?;
            Some((s[open + 1..close].parse().ok()?, s[close + 1..].to_owned()))
        };
        if let Some(rest) = attr.strip_prefix("conditions")
            && let Some((k, tail)) = index(rest)
        {
            let rows = rows_of.get(k).cloned().unwrap_or_default();
            let row = match tail.strip_prefix(".anyOf").and_then(index) {
                Some((j, _)) => rows.get(j).copied(),
                None => rows.first().copied(),
            };
            if let Some(r) = row.and_then(|r| self.conditions.get_mut(r)) {
                r.error = Some(detail.to_owned());
                return;
            }
        }
        if let Some(rest) = attr.strip_prefix("actions")
            && let Some((k, _)) = index(rest)
        {
            let filled: Vec<usize> = self
                .actions
                .iter()
                .enumerate()
                .filter(|(_, a)| !a.kind.is_empty())
                .map(|(i, _)| i)
                .collect();
            if let Some(a) = filled.get(k).and_then(|i| self.actions.get_mut(*i)) {
                a.error = Some(detail.to_owned());
                return;
            }
        }
        let key = if ["name", "trigger", "offsetSeconds", "actions", "conditions"].contains(&attr) {
            attr.to_owned()
        } else {
            String::new()
        };
        self.errors.insert(key, detail.to_owned());
    }

    /// Adds blank rows to fill in.
    fn with_spare_rows(mut self) -> RuleForm {
        self.conditions
            .extend(std::iter::repeat_n(CondRow::default(), SPARE_ROWS));
        let spare = if self.actions.is_empty() {
            1
        } else {
            SPARE_ROWS - 1
        };
        self.actions
            .extend(std::iter::repeat_n(ActRow::default(), spare.max(1)));
        self
    }
}

/// A line of the rules list.
struct RuleLine {
    id: String,
    name: String,
    trigger: &'static str,
    enabled: bool,
    summary: String,
    last_error: Option<String>,
}

/// The try-out's answer, in words.
struct TryOut {
    matched: bool,
    conditions: Vec<(String, bool)>,
    actions: Vec<String>,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str)>,
    section: &'static str,
    rules: Vec<RuleLine>,
    templates: Vec<(String, String, String)>,
    /// The form: a new rule, or the one being edited.
    editing: Option<String>,
    version: String,
    form: RuleForm,
    triggers: Vec<(&'static str, &'static str)>,
    fields: Vec<(&'static str, &'static str)>,
    operators: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    inboxes: Vec<Choice>,
    agents: Vec<Choice>,
    topics: Vec<Choice>,
    sample: BTreeMap<String, String>,
    tried: Option<TryOut>,
}

impl RulesPage {
    fn error(&self, key: &str) -> Option<&String> {
        self.form.errors.get(key)
    }
}

async fn rule_lines(state: &AppState, caller: &Caller) -> Result<Vec<RuleLine>, AppError> {
    let mut all: Vec<(i64, RuleLine)> = Vec::new();
    for r in state.app.admin_list(caller, AdminKind::Rules).await? {
        let v = admin_body(&r)?;
        let trigger =
            TriggerKind::parse(v["trigger"].as_str().unwrap_or_default()).map_or("", trigger_words);
        let actions: Vec<&str> = v["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| ActionKind::parse(a["type"].as_str().unwrap_or_default()))
            .map(action_words)
            .collect();
        let conditions = v["conditions"].as_array().map_or(0, Vec::len);
        all.push((
            v["position"].as_i64().unwrap_or_default(),
            RuleLine {
                id: r.id.clone(),
                name: v["name"].as_str().unwrap_or_default().to_owned(),
                trigger,
                enabled: v["enabled"].as_bool().unwrap_or(false),
                summary: format!(
                    "{} · {}",
                    match conditions {
                        0 => "always".to_owned(),
                        1 => "1 condition".to_owned(),
                        n => format!("{n} conditions"),
                    },
                    actions.join(", ")
                ),
                last_error: v["lastError"]["detail"].as_str().map(str::to_owned),
            },
        ));
    }
    all.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    Ok(all.into_iter().map(|(_, l)| l).collect())
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    caller: &Caller,
    nav: Nav,
    editing: Option<String>,
    version: String,
    form: RuleForm,
    sample: BTreeMap<String, String>,
    tried: Option<TryOut>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let names = Names::load(state, caller).await?;
    let body = page(&RulesPage {
        nav,
        sections: SECTIONS.to_vec(),
        section: "rules",
        rules: rule_lines(state, caller).await?,
        templates: templates()
            .iter()
            .map(|t| {
                let s = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                (s("key"), s("name"), s("description"))
            })
            .collect(),
        editing,
        version,
        form: form.with_spare_rows(),
        triggers: TriggerKind::ALL
            .iter()
            .map(|t| (t.as_str(), trigger_words(*t)))
            .collect(),
        fields: Field::ALL
            .iter()
            .map(|f| (f.as_str(), field_words(*f)))
            .collect(),
        operators: Operator::ALL
            .iter()
            .map(|o| (o.as_str(), operator_words(*o)))
            .collect(),
        kinds: ActionKind::ALL
            .iter()
            .map(|a| (a.as_str(), action_words(*a)))
            .collect(),
        inboxes: names.inboxes,
        agents: names.agents,
        topics: names.topics,
        sample,
        tried,
    });
    Ok((status, body).into_response())
}

fn blank() -> RuleForm {
    RuleForm {
        enabled: true,
        trigger: TriggerKind::CommunicationReceived.as_str().to_owned(),
        ..RuleForm::default()
    }
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (caller, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = render(
        &state,
        &caller,
        nav,
        None,
        String::new(),
        blank(),
        BTreeMap::new(),
        None,
        StatusCode::OK,
    )
    .await;
    answer(result, set)
}

/// A rule's page; with `try=1` in the query, also what the rule would do with the
/// sample message the query holds.
async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let (caller, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let Ok(r) = state.app.admin_get(&caller, AdminKind::Rules, &id).await else {
            return Ok(not_found(nav));
        };
        let names = Names::load(&state, &caller).await?;
        let mut form = RuleForm::of(&admin_body(&r)?, &names);
        let mut sample = query.clone();
        sample.remove("try");
        let tried = if query.contains_key("try") {
            let channel = query
                .get("channel")
                .and_then(|c| hearth_domain::channel::Channel::parse(c));
            let text = |k: &str| query.get(k).filter(|v| !v.trim().is_empty()).cloned();
            let run = state
                .app
                .rule_dry_run(
                    &caller,
                    &id,
                    Sample {
                        channel,
                        subject: text("subject"),
                        content: text("content"),
                        from: text("from"),
                        customer_name: text("customerName"),
                        // The first inbox unless the form names one.
                        inbox_id: text("inboxId")
                            .or_else(|| names.inboxes.first().map(|c| c.value.clone())),
                        ..Sample::default()
                    },
                )
                .await;
            match run {
                Ok((run, doc)) => {
                    let v =
                        serde_json::to_value(hearth_app::gladly::rules::DryRunWire::of(&run, &doc))
                            .unwrap_or(Value::Null);
                    let mut conditions = Vec::new();
                    let mut line = |c: &Value| {
                        let f = Field::parse(c["field"].as_str().unwrap_or_default());
                        let o = Operator::parse(c["operator"].as_str().unwrap_or_default());
                        let value = names.value_words(f, &c["value"]);
                        conditions.push((
                            format!(
                                "{} {} {}",
                                f.map_or("", field_words),
                                o.map_or("", operator_words),
                                value
                            )
                            .trim()
                            .to_owned(),
                            c["matched"].as_bool().unwrap_or(false),
                        ));
                    };
                    for c in v["conditions"].as_array().into_iter().flatten() {
                        match c["anyOf"].as_array() {
                            Some(group) => group.iter().for_each(&mut line),
                            None => line(c),
                        }
                    }
                    Some(TryOut {
                        matched: v["matched"].as_bool().unwrap_or(false),
                        conditions,
                        actions: v["actions"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|a| a["wouldDo"].as_str().map(str::to_owned))
                            .collect(),
                    })
                }
                Err(AppError::Domain(hearth_domain::DomainError::Invalid {
                    attr, detail, ..
                })) => {
                    form.errors
                        .insert(String::new(), format!("{attr}: {detail}"));
                    None
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        render(
            &state,
            &caller,
            nav,
            Some(id.clone()),
            r.version.to_string(),
            form,
            sample,
            tried,
            StatusCode::OK,
        )
        .await
    }
    .await;
    answer(result, set)
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    save(state, headers, None, form).await
}

async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    save(state, headers, Some(id), form).await
}

/// Saves the form through the admin API's reader; a refusal shows the form again as
/// typed, the error on its row.
async fn save(
    state: AppState,
    headers: HeaderMap,
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
    let names = match Names::load(&state, &caller).await {
        Ok(n) => n,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let (mut typed, mut body, rows_of) = RuleForm::read(&form, &names);
    let version = fields.get("version").and_then(|v| v.parse::<i64>().ok());
    let saved = if typed.errors.is_empty() {
        match &id {
            None => {
                state
                    .app
                    .admin_create(
                        &caller,
                        AdminKind::Rules,
                        None,
                        &draft_reader(AdminKind::Rules, &body),
                    )
                    .await
            }
            Some(id) => {
                // The form holds the whole rule: what it leaves out is gone.
                body.entry("offsetSeconds").or_insert(Value::Null);
                state
                    .app
                    .admin_update(
                        &caller,
                        AdminKind::Rules,
                        id,
                        &draft_reader(AdminKind::Rules, &body),
                        version,
                    )
                    .await
            }
        }
        .map(|r| Some(r.id))
    } else {
        Ok(None)
    };
    let status = match saved {
        Ok(Some(saved)) => {
            return super::flash::Flash::notice(format!("{} saved.", typed.name.trim()))
                .redirect(&headers, &format!("/ui/admin/rules/{saved}"));
        }
        Ok(None) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(AppError::Domain(hearth_domain::DomainError::Invalid { attr, detail, .. })) => {
            typed.place(&attr, &detail, &rows_of);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AppError::VersionOutdated) => {
            typed.errors.insert(
                String::new(),
                "Someone else saved this rule after you opened it. Reload the page to see their version."
                    .into(),
            );
            StatusCode::CONFLICT
        }
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let result = render(
        &state,
        &caller,
        nav,
        id,
        version.map(|v| v.to_string()).unwrap_or_default(),
        typed,
        BTreeMap::new(),
        None,
        status,
    )
    .await;
    answer(result, set)
}

/// Moves a rule one place up or down: the rules are numbered afresh in their new
/// order.
async fn move_rule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let (caller, _, _) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let mut order: Vec<String> = rule_lines(&state, &caller)
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect();
        if let Some(at) = order.iter().position(|r| *r == id) {
            let to = if form.get("dir").is_some_and(|d| d == "up") {
                at.saturating_sub(1)
            } else {
                (at + 1).min(order.len() - 1)
            };
            order.swap(at, to);
        }
        for (i, rule) in order.iter().enumerate() {
            let position = json!({"position": i + 1})
                .as_object()
                .cloned()
                .unwrap_or_default();
            state
                .app
                .admin_update(
                    &caller,
                    AdminKind::Rules,
                    rule,
                    &draft_reader(AdminKind::Rules, &position),
                    None,
                )
                .await?;
        }
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => super::flash::Flash::notice("Order saved.").redirect(&headers, "/ui/admin/rules"),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// Enables or disables a rule.
async fn toggle(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let (caller, _, _) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let enable = form.get("enabled").is_some_and(|v| v == "true");
    let patch = json!({"enabled": enable})
        .as_object()
        .cloned()
        .unwrap_or_default();
    match state
        .app
        .admin_update(
            &caller,
            AdminKind::Rules,
            &id,
            &draft_reader(AdminKind::Rules, &patch),
            None,
        )
        .await
    {
        Ok(r) => {
            let name = admin_body(&r)
                .ok()
                .and_then(|v| v["name"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let what = if enable { "enabled" } else { "disabled" };
            super::flash::Flash::notice(format!("{name} {what}."))
                .redirect(&headers, "/ui/admin/rules")
        }
        Err(e) => {
            super::flash::Flash::error(e.to_string(), "").redirect(&headers, "/ui/admin/rules")
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let (caller, _, _) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .app
        .admin_delete(&caller, AdminKind::Rules, &id, None)
        .await
    {
        Ok(()) => {
            super::flash::Flash::notice("Rule deleted.").redirect(&headers, "/ui/admin/rules")
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// Adds a rule from the library, disabled, and opens it.
async fn from_template(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let (caller, nav, set) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let key = form.get("key").cloned().unwrap_or_default();
    let Some(body) = templates()
        .into_iter()
        .find(|t| t["key"] == key.as_str())
        .and_then(|t| t["rule"].as_object().cloned())
    else {
        return answer(Ok(not_found(nav)), set);
    };
    match state
        .app
        .admin_create(
            &caller,
            AdminKind::Rules,
            None,
            &draft_reader(AdminKind::Rules, &body),
        )
        .await
    {
        Ok(r) => super::flash::Flash::notice(
            "Added from the template, disabled: adjust it, try it, then enable it.",
        )
        .redirect(&headers, &format!("/ui/admin/rules/{}", r.id)),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}
