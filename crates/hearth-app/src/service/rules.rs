//! Rules at work (R37, R66-R68): the enabled rules of a trigger run on a
//! conversation in `position` order, each at most once per event (and once per
//! chain of events one rule's actions set off), never on a CLOSED conversation, and
//! on an inbound contact **before** routing: the pipeline calls
//! `App::automate` between persisting a change and telling routing of it. Their
//! actions go through the domain like anyone's, with `initiator: AUTOMATION` and the
//! rule's id. An action that fails stops its rule; the failure is kept as the rule's
//! `lastError` for the admin, and the event goes on.
//!
//! The administration of rules is the generic admin resource (`organization`); the
//! dry run and the template library are here.

use std::collections::BTreeSet;

use hearth_domain::Duration;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{AssignReason, Command, Conversation, EventKind, Status};
use hearth_domain::id::{AgentId, ItemId, TopicId};
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType, ItemContent};
use hearth_domain::rules::{Action, ActionKind, Evaluation, Facts, Rule, TriggerKind};

use super::credentials::Caller;
use crate::app::{App, read_tx};
use crate::clock::new_id;
use crate::codec::{self, AutoReplyDoc, DecisionDoc, RuleDoc, RuleErrorDoc, fmt_ts, to_ms};
use crate::error::AppError;
use crate::ports::{ResourceRow, RoutingDecisionRow, StoreTx};
use crate::unit_of_work::{
    load_agent, load_customer, load_entry_point, load_inbox, load_topics, sla_in, sla_in_hours,
};

/// Where rules are kept.
pub(crate) const RULE: &str = crate::unit_of_work::kind::RULE;
/// A rule's last failure at run time, kept under the rule's id.
pub(crate) const RULE_ERROR: &str = "rule_error";
/// When a customer was last sent an auto-reply, kept under the customer's id.
pub(crate) const AUTO_REPLY: &str = "auto_reply";
/// A customer gets at most one auto-reply in this long.
const AUTO_REPLY_QUIET: Duration = Duration::hours(1);

/// The dry run's sample message and where it is pretended to arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    /// Takes the other facts (inbox, topics, status, agent, replies) from a real
    /// conversation.
    pub conversation_id: Option<String>,
    pub inbox_id: Option<String>,
    pub entry_point_id: Option<String>,
    pub channel: Option<Channel>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub from: Option<String>,
    pub customer_name: Option<String>,
    pub topic_ids: Vec<String>,
}

/// What a rule would do with a sample: which conditions held, and each action in
/// words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    pub evaluation: Evaluation,
    pub actions: Vec<(ActionKind, String)>,
}

/// The enabled rules of a trigger, in the order they run.
async fn rules_of(tx: &mut dyn StoreTx, trigger: TriggerKind) -> Result<Vec<Rule>, AppError> {
    let mut rules = Vec::new();
    for row in tx.resources(RULE).await? {
        let doc: RuleDoc = codec::read(&row.doc)?;
        if !doc.enabled || doc.trigger != trigger.as_str() {
            continue;
        }
        // Saved rules were checked; one that no longer reads is an error to see.
        rules.push(doc.rule().map_err(|e| {
            AppError::internal(format!("stored rule {} does not read: {e}", doc.id))
        })?);
    }
    rules.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    Ok(rules)
}

/// The facts of `conv` and, when an event carries one, its message.
async fn facts_of(
    tx: &mut dyn StoreTx,
    conv: &Conversation,
    message: Option<&ConversationItem>,
    now: hearth_domain::Timestamp,
) -> Result<Facts, AppError> {
    let contact = message
        .and_then(|m| m.contact_id.as_ref())
        .and_then(|id| conv.contact(id))
        .or_else(|| conv.contacts.iter().rev().find(|c| c.is_active()))
        .or_else(|| conv.contacts.last());
    let channel = contact.map(|c| c.channel);
    let entry_point = match (channel, contact.and_then(|c| c.entry_point.as_deref())) {
        (Some(channel), Some(address)) => load_entry_point(tx, channel, address).await?,
        _ => None,
    };
    let inbox = load_inbox(tx, conv.inbox_id.as_str()).await?;
    // R48: the entry point's hours, where it has them, else the inbox's.
    let hours = entry_point
        .as_ref()
        .and_then(|e| e.business_hours_id.clone())
        .or_else(|| inbox.and_then(|i| i.business_hours_id));
    let in_business_hours = sla_in_hours(tx, hours.as_deref(), Duration::ZERO)
        .await?
        .hours
        .is_none_or(|calendar| calendar.is_open(now));
    let entry_point_id = entry_point.map(|e| e.id.to_string());
    let (subject, from) = match message.map(|m| &m.content) {
        Some(ItemContent::Email { subject, from, .. }) => {
            (Some(subject.clone()), Some(from.clone()))
        }
        Some(ItemContent::Sms { from, .. } | ItemContent::PhoneCall { from, .. }) => {
            (None, Some(from.clone()))
        }
        _ => (None, None),
    };
    let customer = load_customer(tx, conv.customer_id.as_str()).await?;
    Ok(Facts {
        inbox_id: conv.inbox_id.to_string(),
        entry_point_id,
        channel,
        subject,
        content: message.and_then(|m| m.content.text()).map(Facts::cut),
        from,
        customer_name: customer.and_then(|c| c.name),
        topic_ids: conv.topic_ids.iter().map(ToString::to_string).collect(),
        status: Some(conv.status),
        agent_id: conv.agent_id.as_ref().map(ToString::to_string),
        has_reply: conv
            .contacts
            .iter()
            .any(|c| c.answered || c.last_agent_message_at.is_some()),
        in_business_hours,
    })
}

/// Why an action could not be carried out (kept as the rule's `lastError`).
#[derive(Debug)]
struct Refused(String);

impl App {
    /// Runs the rules of `trigger` on `conv` (the event's message, if any, in
    /// `message`) and of every trigger their actions set off, each rule at most once
    /// (`fired`). Routing is not told: the caller tells it once, of the whole
    /// change. Returns the conversation as the rules left it.
    pub(crate) async fn automate(
        &self,
        tx: &mut dyn StoreTx,
        trigger: TriggerKind,
        conv: Conversation,
        message: Option<&ConversationItem>,
    ) -> Result<Conversation, AppError> {
        let rules = rules_of(tx, trigger).await?;
        self.run_rules(tx, trigger, rules, conv, message).await
    }

    /// One due-date rule whose moment came (R59, R67), and the rules its actions
    /// set off; then routing learns of the whole change.
    pub(crate) async fn automate_due(
        &self,
        tx: &mut dyn StoreTx,
        rule_id: &str,
        conv: Conversation,
    ) -> Result<Conversation, AppError> {
        let rules: Vec<Rule> = rules_of(tx, TriggerKind::ConversationDue)
            .await?
            .into_iter()
            .filter(|r| r.id == rule_id)
            .collect();
        if rules.is_empty() {
            return Ok(conv);
        }
        let before = conv.clone();
        let after = self
            .run_rules(tx, TriggerKind::ConversationDue, rules, conv, None)
            .await?;
        if after != before {
            let inputs = crate::route::translate::inputs_for_change(
                Some(&before),
                &after,
                self.now(),
                false,
            );
            self.route(tx, inputs).await?;
        }
        Ok(after)
    }

    /// A task's TASK_DUE moments that came: each rule once per due date, on an
    /// open task; its TRANSFER reassigns the task (routing learns of it). Then the
    /// timer counts to the next moment.
    pub(crate) async fn task_due_moments(
        &self,
        tx: &mut dyn StoreTx,
        timer: &crate::ports::TimerRow,
        now: hearth_domain::Timestamp,
    ) -> Result<(), AppError> {
        use crate::schedule::{rule_offsets, schedule_task_due_timer, task_moments};
        use crate::unit_of_work::task_of_row;
        use hearth_domain::task::TaskStatus;
        let task_id = timer.id.trim_start_matches("task-due:");
        let offsets = rule_offsets(tx, TriggerKind::TaskDue).await?;
        let Some(row) = tx.task_for_update(task_id).await? else {
            return Ok(());
        };
        let task = task_of_row(&row)?;
        let doc: codec::DueTimerDoc = codec::read(&timer.payload)?;
        if task.status != TaskStatus::Open || to_ms(task.due_at) != doc.due {
            return schedule_task_due_timer(tx, &task, &offsets, None).await;
        }
        let rules = rules_of(tx, TriggerKind::TaskDue).await?;
        let mut passed = doc.passed;
        let mut current = (task, row.version);
        for (key, at) in task_moments(current.0.due_at, &offsets) {
            if at > now {
                break;
            }
            if passed.contains(&key) {
                continue;
            }
            passed.push(key.clone());
            let Some(rule) = rules.iter().find(|r| key == format!("rule:{}", r.id)) else {
                continue;
            };
            let (task, version) = &current;
            let customer = load_customer(tx, task.customer_id.as_str()).await?;
            let facts = Facts {
                inbox_id: task.assignee.inbox_id.to_string(),
                agent_id: task.assignee.agent_id.as_ref().map(ToString::to_string),
                content: Some(Facts::cut(&task.body)),
                customer_name: customer.and_then(|c| c.name),
                in_business_hours: true,
                ..Facts::default()
            };
            if !rule.evaluate(&facts).matched {
                continue;
            }
            for action in &rule.actions {
                let Action::Transfer { inbox_id, agent_id } = action else {
                    continue;
                };
                match crate::unit_of_work::resolve_assignee(tx, "", inbox_id, agent_id.as_deref())
                    .await
                {
                    Ok((inbox, agent)) => {
                        let mut after = task.clone();
                        after.assignee = hearth_domain::task::TaskAssignee {
                            inbox_id: inbox.id,
                            agent_id: agent.map(|a| a.id),
                        };
                        if after.assignee == task.assignee {
                            continue;
                        }
                        let content =
                            codec::TaskContent::of(&after, Some(task)).with_assignee(&after);
                        let initiator = Initiator::new(InitiatorType::Automation, rule.id.as_str());
                        self.save_task(
                            tx,
                            Some((task, *version)),
                            &after,
                            vec![("TASK/ASSIGNEE_UPDATED", content)],
                            &initiator,
                            true,
                        )
                        .await?;
                        current = (after, version + 1);
                    }
                    Err(AppError::Domain(e)) => {
                        self.rule_failed(tx, rule, None, Some(task_id), &format!("TRANSFER: {e}"))
                            .await?;
                    }
                    Err(other) => return Err(other),
                }
                break;
            }
        }
        let (task, _) = current;
        let passed = (to_ms(task.due_at) == doc.due).then_some(passed);
        schedule_task_due_timer(tx, &task, &offsets, passed).await
    }

    /// AGENT_STATUS_CHANGED: the agent went Away or Offline; its rules run on each
    /// of the agent's assigned conversations, and routing learns of what they did.
    pub(crate) async fn automate_agent_status(
        &self,
        tx: &mut dyn StoreTx,
        agent: &AgentId,
    ) -> Result<(), AppError> {
        let rules = rules_of(tx, TriggerKind::AgentStatusChanged).await?;
        if rules.is_empty() {
            return Ok(());
        }
        for row in tx.open_conversations_of_agent(agent.as_str()).await? {
            let before = crate::unit_of_work::conversation_of_row(&row)?;
            let after = self
                .run_rules(
                    tx,
                    TriggerKind::AgentStatusChanged,
                    rules.clone(),
                    before.clone(),
                    None,
                )
                .await?;
            if after != before {
                let inputs = crate::route::translate::inputs_for_change(
                    Some(&before),
                    &after,
                    self.now(),
                    false,
                );
                self.route(tx, inputs).await?;
            }
        }
        Ok(())
    }

    /// Runs `first` (the rules of `trigger`) and then the rules of every trigger
    /// their actions set off.
    async fn run_rules(
        &self,
        tx: &mut dyn StoreTx,
        trigger: TriggerKind,
        first: Vec<Rule>,
        mut conv: Conversation,
        message: Option<&ConversationItem>,
    ) -> Result<Conversation, AppError> {
        let mut fired = BTreeSet::new();
        let mut known: Option<(u64, Facts)> = None;
        let mut pending = vec![(trigger, Some(first))];
        while let Some((trigger, given)) = pending.pop() {
            let rules = match given {
                Some(rules) => rules,
                None => rules_of(tx, trigger).await?,
            };
            for rule in rules {
                // R67: rules never act on closed conversations.
                if conv.status == Status::Closed {
                    return Ok(conv);
                }
                if fired.contains(&rule.id) {
                    continue;
                }
                // The facts are read again only when a rule changed the conversation.
                let facts = match &known {
                    Some((version, facts)) if *version == conv.version => facts.clone(),
                    _ => {
                        let facts = facts_of(tx, &conv, message, self.now()).await?;
                        known = Some((conv.version, facts.clone()));
                        facts
                    }
                };
                if !rule.evaluate(&facts).matched {
                    continue;
                }
                fired.insert(rule.id.clone());
                let topics_before = conv.topic_ids.len();
                match self.carry_out_rule(tx, &rule, &conv, message).await? {
                    Ok(after) => conv = after,
                    Err((after, Refused(why))) => {
                        conv = after;
                        self.rule_failed(tx, &rule, Some(conv.id.as_str()), None, &why)
                            .await?;
                    }
                }
                if conv.topic_ids.len() > topics_before
                    && trigger != TriggerKind::TopicsAdded
                    && !pending.iter().any(|(t, _)| *t == TriggerKind::TopicsAdded)
                {
                    pending.push((TriggerKind::TopicsAdded, None));
                }
            }
        }
        Ok(conv)
    }

    /// The actions of one rule, in order. An action that cannot be done stops the
    /// rule (what was done stays done, like an agent's earlier clicks).
    async fn carry_out_rule(
        &self,
        tx: &mut dyn StoreTx,
        rule: &Rule,
        conv: &Conversation,
        message: Option<&ConversationItem>,
    ) -> Result<Result<Conversation, (Conversation, Refused)>, AppError> {
        let initiator = Initiator::new(InitiatorType::Automation, rule.id.as_str());
        let mut conv = conv.clone();
        for action in &rule.actions {
            if conv.status == Status::Closed {
                break;
            }
            let commands = match self
                .commands_for(tx, &initiator, &conv, action, message)
                .await?
            {
                Ok(commands) => commands,
                Err(refused) => return Ok(Err((conv, refused))),
            };
            if !commands.is_empty() {
                match self.apply_automation(tx, &conv, commands).await {
                    Ok(after) => conv = after,
                    Err(AppError::Domain(e)) => {
                        return Ok(Err((
                            conv,
                            Refused(format!("{}: {e}", action.kind().as_str())),
                        )));
                    }
                    Err(other) => return Err(other),
                }
            }
            if let Some(outcome) = routing_outcome(action) {
                self.explain_rule(tx, rule, &conv, outcome).await?;
            }
        }
        Ok(Ok(conv))
    }

    /// The domain commands an action means on `conv` (an auto-reply is queued here
    /// and means none).
    async fn commands_for(
        &self,
        tx: &mut dyn StoreTx,
        initiator: &Initiator,
        conv: &Conversation,
        action: &Action,
        message: Option<&ConversationItem>,
    ) -> Result<Result<Vec<Command>, Refused>, AppError> {
        let now = self.now();
        let commands = match action {
            Action::AddTopics(ids) => {
                let known = load_topics(tx).await?;
                let mut add = Vec::new();
                for id in ids {
                    if !known.iter().any(|t| t.id.as_str() == id) {
                        return Ok(Err(Refused(format!(
                            "ADD_TOPICS: topic {id} no longer exists"
                        ))));
                    }
                    if !conv.topic_ids.iter().any(|t| t.as_str() == id) {
                        add.push(TopicId::from_trusted(id.as_str()));
                    }
                }
                if add.is_empty() {
                    Vec::new()
                } else {
                    vec![Command::AddTopics {
                        initiator: initiator.clone(),
                        topic_ids: add,
                        item_id: ItemId::from_trusted(new_id()),
                    }]
                }
            }
            Action::RemoveTopics(ids) => conv
                .topic_ids
                .iter()
                .filter(|t| ids.iter().any(|id| id == t.as_str()))
                .map(|t| Command::RemoveTopic {
                    initiator: initiator.clone(),
                    topic_id: t.clone(),
                    item_id: ItemId::from_trusted(new_id()),
                })
                .collect(),
            Action::MarkNoReplyNeeded => {
                if conv.contacts.iter().any(|c| c.is_active()) || conv.awaiting_outbound {
                    vec![Command::NoReplyNeeded {
                        initiator: initiator.clone(),
                    }]
                } else {
                    Vec::new()
                }
            }
            Action::CloseConversation => vec![Command::Close {
                initiator: initiator.clone(),
                force: true,
            }],
            Action::Transfer { inbox_id, agent_id } => {
                let Some(inbox) = load_inbox(tx, inbox_id).await? else {
                    return Ok(Err(Refused(format!(
                        "TRANSFER: inbox {inbox_id} no longer exists"
                    ))));
                };
                if let Some(agent) = agent_id {
                    match load_agent(tx, agent).await? {
                        Some(a) if !a.disabled => {}
                        _ => {
                            return Ok(Err(Refused(format!(
                                "TRANSFER: agent {agent} no longer exists or is disabled"
                            ))));
                        }
                    }
                }
                if inbox.id == conv.inbox_id
                    && agent_id.as_deref() == conv.agent_id.as_ref().map(AgentId::as_str)
                {
                    Vec::new()
                } else {
                    vec![Command::Assign {
                        initiator: initiator.clone(),
                        inbox_id: inbox.id.clone(),
                        agent_id: agent_id.as_deref().map(AgentId::from_trusted),
                        reason: AssignReason::Manual,
                        inbox_sla: sla_in(tx, &inbox, inbox.sla).await?,
                    }]
                }
            }
            Action::Unassign => match &conv.agent_id {
                Some(_) => vec![Command::Assign {
                    initiator: initiator.clone(),
                    inbox_id: conv.inbox_id.clone(),
                    agent_id: None,
                    reason: AssignReason::Manual,
                    inbox_sla: hearth_domain::calendar::Sla::around_the_clock(Duration::ZERO),
                }],
                None => Vec::new(),
            },
            Action::SetPriorityBoost(score) => vec![Command::SetPriorityBoost {
                initiator: initiator.clone(),
                score: *score,
            }],
            Action::AddNote(template) => {
                let values = self.placeholders(tx, conv, message).await?;
                let body = template.render(|name| values.get(name).cloned());
                vec![Command::AddNote {
                    item: Box::new(ConversationItem {
                        id: ItemId::from_trusted(new_id()),
                        customer_id: conv.customer_id.clone(),
                        conversation_id: Some(conv.id.clone()),
                        contact_id: None,
                        session_id: None,
                        timestamp: now,
                        initiator: initiator.clone(),
                        responder: None,
                        content: ItemContent::ConversationNote {
                            body,
                            attachments: Vec::new(),
                        },
                        redaction: None,
                    }),
                }]
            }
            Action::SendAutoReply {
                channel,
                subject,
                body,
            } => {
                if let Err(refused) = self
                    .auto_reply(
                        tx,
                        initiator,
                        conv,
                        message,
                        *channel,
                        subject.as_ref(),
                        body,
                    )
                    .await?
                {
                    return Ok(Err(refused));
                }
                Vec::new()
            }
        };
        Ok(Ok(commands))
    }

    /// `{{customer.name}}` and the others, for one conversation and message.
    async fn placeholders(
        &self,
        tx: &mut dyn StoreTx,
        conv: &Conversation,
        message: Option<&ConversationItem>,
    ) -> Result<std::collections::BTreeMap<&'static str, String>, AppError> {
        let mut values = std::collections::BTreeMap::new();
        if let Some(name) = load_customer(tx, conv.customer_id.as_str())
            .await?
            .and_then(|c| c.name)
        {
            let first = name
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            values.insert("customer.name", name);
            values.insert("customer.firstName", first);
        }
        if let Some(inbox) = load_inbox(tx, conv.inbox_id.as_str()).await? {
            values.insert("inbox.name", inbox.name);
        }
        if let Some(ItemContent::Email { subject, .. }) = message.map(|m| &m.content) {
            values.insert("message.subject", subject.clone());
        }
        Ok(values)
    }

    /// Queues an auto-reply to the customer: on `channel`, else the message's own
    /// (EMAIL or SMS), from the address the customer wrote to; never twice to one
    /// customer within an hour. The reply is an item on the customer's timeline
    /// outside the conversation: it answers nobody, so it fulfils no SLA.
    #[allow(clippy::too_many_arguments)]
    async fn auto_reply(
        &self,
        tx: &mut dyn StoreTx,
        initiator: &Initiator,
        conv: &Conversation,
        message: Option<&ConversationItem>,
        channel: Option<Channel>,
        subject: Option<&hearth_domain::rules::Template>,
        body: &hearth_domain::rules::Template,
    ) -> Result<Result<(), Refused>, AppError> {
        let now = self.now();
        let contact = message
            .and_then(|m| m.contact_id.as_ref())
            .and_then(|id| conv.contact(id));
        let channel = match channel.or(contact.map(|c| c.channel)) {
            Some(c @ (Channel::Email | Channel::Sms)) => c,
            other => {
                return Ok(Err(Refused(format!(
                    "SEND_AUTO_REPLY: an auto-reply goes by email or SMS, and the message came by {}",
                    other.map_or("no channel", Channel::as_str)
                ))));
            }
        };
        if let Some(row) = tx.resource(AUTO_REPLY, conv.customer_id.as_str()).await? {
            let last: AutoReplyDoc = codec::read(&row.doc)?;
            if codec::from_ms(last.at) + AUTO_REPLY_QUIET > now {
                return Ok(Ok(()));
            }
        }
        // From the address the customer wrote to, else the inbox's first of the channel.
        let mut sender = None;
        if let Some(address) = contact
            .filter(|c| c.channel == channel)
            .and_then(|c| c.entry_point.as_deref())
        {
            sender = load_entry_point(tx, channel, address).await?;
        }
        if sender.is_none() {
            for row in tx.resources(crate::unit_of_work::kind::ENTRY_POINT).await? {
                let doc: codec::EntryPointDoc = codec::read(&row.doc)?;
                if doc.channel == channel.as_str() && doc.inbox_id == conv.inbox_id.as_str() {
                    sender = Some(doc.to_domain()?);
                    break;
                }
            }
        }
        let Some(sender) = sender else {
            return Ok(Err(Refused(format!(
                "SEND_AUTO_REPLY: the inbox has no {} address to send from",
                channel.as_str()
            ))));
        };
        let to = match (message.map(|m| &m.content), channel) {
            (Some(ItemContent::Email { from, .. }), Channel::Email) => Some(from.clone()),
            (Some(ItemContent::Sms { from, .. }), Channel::Sms) => Some(from.clone()),
            _ => {
                let customer = load_customer(tx, conv.customer_id.as_str()).await?;
                customer.and_then(|c| match channel {
                    Channel::Email => c.emails.first().map(|e| e.address.original().to_owned()),
                    _ => c.phones.first().map(|p| p.number.e164().to_owned()),
                })
            }
        };
        let Some(to) = to else {
            return Ok(Err(Refused(format!(
                "SEND_AUTO_REPLY: the customer has no {} address",
                channel.as_str()
            ))));
        };
        let values = self.placeholders(tx, conv, message).await?;
        let text = body.render(|name| values.get(name).cloned());
        let content = match channel {
            Channel::Sms => ItemContent::Sms {
                from: sender.address.clone(),
                to,
                content: text,
                attachments: Vec::new(),
            },
            _ => ItemContent::Email {
                from: sender.address.clone(),
                to: vec![to],
                cc: Vec::new(),
                bcc: Vec::new(),
                subject: match subject {
                    Some(s) => s.render(|name| values.get(name).cloned()),
                    None => hearth_domain::outbound::reply_subject(
                        values.get("message.subject").map_or("", String::as_str),
                    ),
                },
                content: text,
                html: None,
                attachments: Vec::new(),
            },
        };
        let item = ConversationItem {
            id: ItemId::from_trusted(new_id()),
            customer_id: conv.customer_id.clone(),
            conversation_id: None,
            contact_id: None,
            session_id: None,
            timestamp: now,
            initiator: initiator.clone(),
            responder: None,
            content,
            redaction: None,
        };
        self.send_loose(tx, &item, channel, "HEARTH_AUTO_REPLY/SENT")
            .await?;
        let stamp = ResourceRow {
            kind: AUTO_REPLY.into(),
            id: conv.customer_id.to_string(),
            unique_key: None,
            doc: codec::write(&AutoReplyDoc { at: to_ms(now) })?,
            created_at: to_ms(now),
            updated_at: to_ms(now),
            version: 1,
        };
        tx.put_resource(&stamp).await?;
        Ok(Ok(()))
    }

    /// Keeps why a rule stopped, for the admin (the rule's `lastError`).
    async fn rule_failed(
        &self,
        tx: &mut dyn StoreTx,
        rule: &Rule,
        conversation: Option<&str>,
        task: Option<&str>,
        why: &str,
    ) -> Result<(), AppError> {
        tracing::warn!(rule = %rule.id, ?conversation, ?task, "rule stopped: {why}");
        let now = to_ms(self.now());
        tx.put_resource(&ResourceRow {
            kind: RULE_ERROR.into(),
            id: rule.id.clone(),
            unique_key: None,
            doc: codec::write(&RuleErrorDoc {
                at: fmt_ts(self.now()),
                conversation_id: conversation.map(str::to_owned),
                task_id: task.map(str::to_owned),
                detail: why.to_owned(),
            })?,
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .await?;
        Ok(())
    }

    /// Records in the conversation's routing explanation that a rule decided its
    /// routing (assigned it, closed it, moved it or sent it back to the queue).
    async fn explain_rule(
        &self,
        tx: &mut dyn StoreTx,
        rule: &Rule,
        conv: &Conversation,
        outcome: &'static str,
    ) -> Result<(), AppError> {
        self.routing_catch_up(tx).await?;
        let seq = self.routing_position();
        let now = self.now();
        let doc = DecisionDoc {
            // After the decisions of the input before it, before those of the next.
            id: format!("r{seq}z{}", new_id()),
            at: fmt_ts(now),
            input: "RULE".into(),
            outcome: outcome.into(),
            rule: format!("RULE:{}", rule.id),
            winner_agent_id: if outcome == "ASSIGNED" {
                conv.agent_id.as_ref().map(ToString::to_string)
            } else {
                None
            },
            candidates: Vec::new(),
        };
        tx.insert_routing_decision(&RoutingDecisionRow {
            id: doc.id.clone(),
            seq,
            at: to_ms(now),
            unit_id: Some(conv.id.to_string()),
            agent_id: doc.winner_agent_id.clone(),
            doc: codec::write(&doc)?,
        })
        .await?;
        Ok(())
    }

    /// `POST /admin/rules/{id}/test`: what the rule would do with a sample message,
    /// without doing it.
    pub async fn rule_dry_run(
        &self,
        caller: &Caller,
        id: &str,
        sample: Sample,
    ) -> Result<(DryRun, RuleDoc), AppError> {
        caller.require(hearth_domain::config::Role::Admin)?;
        read_tx!(self, |tx| {
            let row = tx
                .resource(RULE, id)
                .await?
                .ok_or_else(|| AppError::not_found("rule", id))?;
            let doc: RuleDoc = codec::read(&row.doc)?;
            let rule = doc.rule()?;
            let mut facts = match &sample.conversation_id {
                Some(cid) => {
                    let conv = crate::unit_of_work::load_conversation(tx, cid)
                        .await?
                        .ok_or_else(|| {
                            hearth_domain::DomainError::invalid(
                                "conversationId",
                                format!("conversation {cid} does not exist"),
                            )
                        })?;
                    facts_of(tx, &conv, None, self.now()).await?
                }
                None => Facts {
                    status: Some(Status::Open),
                    in_business_hours: true,
                    ..Facts::default()
                },
            };
            let or = |a: Option<String>, b: Option<String>| a.or(b);
            facts.inbox_id = sample.inbox_id.clone().unwrap_or(facts.inbox_id);
            facts.entry_point_id = or(sample.entry_point_id.clone(), facts.entry_point_id);
            facts.channel = sample.channel.or(facts.channel);
            facts.subject = or(sample.subject.clone(), facts.subject);
            facts.content = or(sample.content.as_deref().map(Facts::cut), facts.content);
            facts.from = or(sample.from.clone(), facts.from);
            facts.customer_name = or(sample.customer_name.clone(), facts.customer_name);
            if !sample.topic_ids.is_empty() {
                facts.topic_ids = sample.topic_ids.clone();
            }
            let evaluation = rule.evaluate(&facts);
            let mut actions = Vec::new();
            for a in &rule.actions {
                actions.push((a.kind(), describe(tx, a).await?));
            }
            Ok::<_, AppError>((
                DryRun {
                    evaluation,
                    actions,
                },
                doc,
            ))
        })
    }
}

/// What routing's explanation says a rule's action did to the conversation's
/// routing, for the actions that decide it.
fn routing_outcome(action: &Action) -> Option<&'static str> {
    match action {
        Action::Transfer {
            agent_id: Some(_), ..
        } => Some("ASSIGNED"),
        Action::CloseConversation | Action::MarkNoReplyNeeded => Some("SKIPPED"),
        Action::Transfer { agent_id: None, .. } | Action::Unassign => Some("NOTHING"),
        _ => None,
    }
}

/// An action in an admin's words, with names rather than ids.
async fn describe(tx: &mut dyn StoreTx, action: &Action) -> Result<String, AppError> {
    let topics = load_topics(tx).await?;
    let topic_names = |ids: &[String]| {
        ids.iter()
            .map(|id| {
                topics
                    .iter()
                    .find(|t| t.id.as_str() == id)
                    .map_or_else(|| format!("{id} (missing)"), |t| format!("\"{}\"", t.name))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(match action {
        Action::AddTopics(ids) => format!("add the topics {}", topic_names(ids)),
        Action::RemoveTopics(ids) => format!("remove the topics {}", topic_names(ids)),
        Action::MarkNoReplyNeeded => "mark the conversation No Reply Needed".into(),
        Action::CloseConversation => "close the conversation".into(),
        Action::Transfer { inbox_id, agent_id } => {
            let inbox = load_inbox(tx, inbox_id)
                .await?
                .map_or_else(|| format!("{inbox_id} (missing)"), |i| i.name);
            match agent_id {
                Some(a) => {
                    let agent = load_agent(tx, a)
                        .await?
                        .map_or_else(|| format!("{a} (missing)"), |a| a.name);
                    format!("transfer to {inbox} and assign {agent}, without routing")
                }
                None => format!("transfer to {inbox} for routing"),
            }
        }
        Action::Unassign => "take the conversation from its agent and route it again".into(),
        Action::SetPriorityBoost(score) => {
            format!("give the conversation a priority boost of {score}")
        }
        Action::AddNote(t) => format!("add the note \"{}\"", t.as_str()),
        Action::SendAutoReply { channel, body, .. } => format!(
            "send the auto-reply \"{}\" by {} (at most one an hour to a customer)",
            body.as_str(),
            channel.map_or("the message's own channel", |c| match c {
                Channel::Sms => "SMS",
                _ => "email",
            })
        ),
    })
}

/// The ids a rule names (inboxes, agents, topics, entry points), with the field that
/// names each, for the check that they exist.
pub(crate) fn named_references(rule: &Rule) -> Vec<(&'static str, String, String)> {
    use hearth_domain::rules::Field;
    let mut out = Vec::new();
    for (i, c) in rule.conditions.iter().enumerate() {
        for t in c.tests() {
            let kind = match t.field {
                Field::InboxId => crate::unit_of_work::kind::INBOX,
                Field::AgentId => crate::unit_of_work::kind::AGENT,
                Field::TopicIds => crate::unit_of_work::kind::TOPIC,
                Field::EntryPointId => crate::unit_of_work::kind::ENTRY_POINT,
                _ => continue,
            };
            for id in t.named_ids() {
                out.push((kind, format!("conditions[{i}].value"), id.to_owned()));
            }
        }
    }
    for (i, a) in rule.actions.iter().enumerate() {
        match a {
            Action::AddTopics(ids) | Action::RemoveTopics(ids) => {
                for id in ids {
                    out.push((
                        crate::unit_of_work::kind::TOPIC,
                        format!("actions[{i}].topicIds"),
                        id.clone(),
                    ));
                }
            }
            Action::Transfer { inbox_id, agent_id } => {
                out.push((
                    crate::unit_of_work::kind::INBOX,
                    format!("actions[{i}].inboxId"),
                    inbox_id.clone(),
                ));
                if let Some(agent) = agent_id {
                    out.push((
                        crate::unit_of_work::kind::AGENT,
                        format!("actions[{i}].agentId"),
                        agent.clone(),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a rule names the resource (`store_kind`, `id`): it may not be deleted.
pub(crate) async fn named_by_a_rule(
    tx: &mut dyn StoreTx,
    store_kind: &str,
    id: &str,
) -> Result<bool, AppError> {
    for row in tx.resources(RULE).await? {
        let rule = codec::read::<RuleDoc>(&row.doc)?.rule()?;
        if named_references(&rule)
            .iter()
            .any(|(k, _, named)| *k == store_kind && named == id)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the events of one change hold what rules wait for: a customer's
/// message (COMMUNICATION_RECEIVED), topics someone other than a rule added
/// (TOPICS_ADDED).
pub(crate) fn triggers_in(
    events: &[hearth_domain::conversation::Event],
) -> (Option<&ConversationItem>, bool) {
    let message = events.iter().find_map(|e| match &e.kind {
        EventKind::MessageReceived { item } if item.initiator.kind == InitiatorType::Customer => {
            Some(item)
        }
        _ => None,
    });
    let topics = events.iter().any(|e| {
        matches!(e.kind, EventKind::TopicAdded { .. })
            && e.initiator.kind != InitiatorType::Automation
    });
    (message, topics)
}
