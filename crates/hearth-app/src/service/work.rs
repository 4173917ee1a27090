//! An agent's work on conversations: My Customers, what they have seen, the
//! finishing actions (Close & Next, Next, Close, End & Close, End, No Reply Needed)
//! with the menu that offers them, Reopen / Create New, and Transfer.

use hearth_domain::DomainError;
use hearth_domain::Timestamp;
use hearth_domain::actions::{Action, ActionMenu, Viewer, commands_for, menu};
use hearth_domain::config::Role;
use hearth_domain::conversation::{Conversation, Status};
use hearth_domain::id::ConversationId;
use hearth_domain::item::{Initiator, InitiatorType};
use hearth_routing::{Input, NextSource, UnitId};

use super::availability::NextWork;
use super::credentials::{Caller, agent_only};
use super::permissions::{Touch, may_touch};
use crate::app::{App, read_tx, write_tx};
use crate::error::AppError;
use crate::pipeline::Change;
use crate::ports::StoreTx;
use crate::route::DecisionDoc;
use crate::unit_of_work::{
    load_agents, load_inboxes, load_items, load_routing_decisions, load_topics, resolve_assignee,
};
use crate::unit_of_work::{load_conversation, load_conversation_for_update, load_settings};

/// One line of My Customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyCustomer {
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub channel: Option<&'static str>,
    pub status: &'static str,
    pub due_at: Option<Timestamp>,
    /// From when it is "due soon": the due date less the inbox's warning time.
    pub due_soon_at: Option<Timestamp>,
    pub unseen: bool,
    pub last_activity_at: Timestamp,
    /// Since when the customer has waited for an answer (their oldest contact
    /// still waiting), if they wait.
    pub waiting_since: Option<Timestamp>,
}

/// Everything the customer page shows about a conversation, read in one snapshot:
/// the conversation, its customer, the caller's action menu, the customer's
/// conversations (oldest first; the latest ones and this one with their items,
/// older ones without), topics and the directory for names, and, for supervisors,
/// why routing chose whom.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationView {
    pub conversation: Conversation,
    pub customer: hearth_domain::customer::Customer,
    pub menu: ActionMenu,
    pub history: Vec<(
        Conversation,
        Option<Vec<hearth_domain::item::ConversationItem>>,
    )>,
    pub topics: Vec<hearth_domain::config::Topic>,
    pub agents: Vec<hearth_domain::config::Agent>,
    pub inboxes: Vec<hearth_domain::config::Inbox>,
    pub routing: Option<Vec<DecisionDoc>>,
    /// The delivery state of the items shown that Hearth sent, by item id.
    pub deliveries: std::collections::BTreeMap<String, super::outbox::DeliveryState>,
    /// When the caller's after-call work ends (R46), while it runs.
    pub after_call_until: Option<Timestamp>,
}

/// How many of a customer's latest conversations the view reads in full.
pub const VIEW_FULL_CONVERSATIONS: usize = 10;

/// The result of a finishing action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    pub conversation: Conversation,
    pub next: Option<NextWork>,
}

/// Refuses to act on a conversation that changed since the caller saw `seen`.
pub(super) fn unchanged_since(conv: &Conversation, seen: Option<u64>) -> Result<(), AppError> {
    match seen {
        Some(v) if v != conv.version => Err(AppError::VersionOutdated),
        _ => Ok(()),
    }
}

/// The last moment something happened on a conversation.
fn last_activity(c: &Conversation) -> Timestamp {
    c.contacts
        .iter()
        .flat_map(|k| {
            [
                Some(k.started_at),
                k.last_agent_message_at,
                k.ended.map(|e| e.at),
            ]
        })
        .flatten()
        .chain([c.created_at])
        .chain(c.closed_at)
        .max()
        .unwrap_or(c.created_at)
}

impl App {
    /// My Customers: the agent's non-closed conversations, oldest activity first.
    pub async fn my_customers(&self, caller: &Caller) -> Result<Vec<MyCustomer>, AppError> {
        let agent = agent_only(caller)?;
        read_tx!(self, |tx| {
            let own: Vec<(UnitId, bool)> = self
                .engine_agent(tx, &agent, |a| {
                    a.map(|a| {
                        a.own
                            .iter()
                            .map(|(u, w)| (u.clone(), w.unseen_since.is_some()))
                            .collect()
                    })
                    .unwrap_or_default()
                })
                .await?;
            let mut lines = Vec::new();
            let mut warn = std::collections::BTreeMap::new();
            for (unit, unseen) in own {
                match unit {
                    UnitId::Conversation(id) => {
                        if let Some(conv) = load_conversation(tx, id.as_str()).await?
                            && conv.status != Status::Closed
                            && conv.agent_id.as_ref() == Some(&agent)
                        {
                            lines.push(MyCustomer {
                                kind: "CONVERSATION",
                                id: conv.id.to_string(),
                                customer_id: conv.customer_id.to_string(),
                                inbox_id: conv.inbox_id.to_string(),
                                channel: conv.current_contact().map(|k| k.channel.as_str()),
                                status: conv.status.as_str(),
                                due_at: conv.due_at(),
                                due_soon_at: due_soon_at(
                                    tx,
                                    &mut warn,
                                    conv.inbox_id.as_str(),
                                    conv.due_at(),
                                )
                                .await?,
                                unseen,
                                last_activity_at: last_activity(&conv),
                                waiting_since: conv
                                    .contacts
                                    .iter()
                                    .filter(|k| k.sla_pending())
                                    .map(|k| k.started_at)
                                    .min(),
                            });
                        }
                    }
                    UnitId::Task(id) => {
                        if let Some(row) = tx.task(id.as_str()).await?
                            && let Ok(task) = crate::unit_of_work::task_of_row(&row)
                            && task.status == hearth_domain::task::TaskStatus::Open
                            && task.assignee.agent_id.as_ref() == Some(&agent)
                        {
                            let last = task
                                .comments
                                .iter()
                                .map(|c| c.created_at)
                                .max()
                                .unwrap_or(task.created_at);
                            lines.push(MyCustomer {
                                kind: "TASK",
                                id: task.id.to_string(),
                                customer_id: task.customer_id.to_string(),
                                inbox_id: task.assignee.inbox_id.to_string(),
                                channel: None,
                                status: task.status.as_str(),
                                due_at: Some(task.due_at),
                                due_soon_at: due_soon_at(
                                    tx,
                                    &mut warn,
                                    task.assignee.inbox_id.as_str(),
                                    Some(task.due_at),
                                )
                                .await?,
                                unseen,
                                last_activity_at: last,
                                waiting_since: None,
                            });
                        }
                    }
                }
            }
            lines.sort_by(|a, b| (a.last_activity_at, &a.id).cmp(&(b.last_activity_at, &b.id)));
            Ok(lines)
        })
    }

    /// Viewing a conversation clears its unseen mark for its assignee.
    pub async fn mark_seen(&self, caller: &Caller, conversation_id: &str) -> Result<(), AppError> {
        self.mark_unit_seen(
            caller,
            UnitId::Conversation(ConversationId::from_trusted(conversation_id)),
        )
        .await
    }

    /// Clears the unseen mark of a conversation or task of the caller.
    pub(crate) async fn mark_unit_seen(
        &self,
        caller: &Caller,
        unit: UnitId,
    ) -> Result<(), AppError> {
        let agent = caller.agent.id.clone();
        let unseen = read_tx!(self, |tx| self
            .engine_agent(tx, &agent, |a| a
                .and_then(|a| a.own.get(&unit))
                .is_some_and(|w| w.unseen_since.is_some()))
            .await)?;
        if !unseen {
            return Ok(());
        }
        write_tx!(self, |tx| self
            .route(
                tx,
                vec![Input::WorkUpdated {
                    agent: agent.clone(),
                    unit: unit.clone(),
                    unseen_since: None
                }]
            )
            .await
            .map(|_| ()))
    }

    async fn viewer(
        &self,
        tx: &mut dyn StoreTx,
        caller: &Caller,
        conv: &Conversation,
    ) -> Result<Viewer, AppError> {
        let focus = self
            .engine_agent(tx, &caller.agent.id, |a| a.is_some_and(|a| a.focus))
            .await?;
        let settings = load_settings(tx).await?;
        Ok(Viewer {
            focus,
            require_topic: settings.require_topic,
            is_assignee: conv.agent_id.as_ref() == Some(&caller.agent.id),
        })
    }

    /// The customer page of a conversation for the calling agent, in one read
    /// transaction (one snapshot: no part of it can be older than another).
    pub async fn conversation_view(
        &self,
        caller: &Caller,
        conversation_id: &str,
    ) -> Result<ConversationView, AppError> {
        agent_only(caller)?;
        read_tx!(self, |tx| {
            let conversation = load_conversation(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            let viewer = self.viewer(tx, caller, &conversation).await?;
            let customer_id = conversation.customer_id.as_str();
            let customer = crate::unit_of_work::load_customer(tx, customer_id)
                .await?
                .ok_or_else(|| AppError::not_found("customer", customer_id))?;
            let mut all = tx
                .customer_conversations(customer_id, super::conversations::CONVERSATIONS_CAP)
                .await?
                .iter()
                .map(crate::unit_of_work::conversation_of_row)
                .collect::<Result<Vec<_>, _>>()?;
            all.sort_by_key(|c| c.created_at);
            let cut = all.len().saturating_sub(VIEW_FULL_CONVERSATIONS);
            let mut history = Vec::with_capacity(all.len());
            let mut deliveries = std::collections::BTreeMap::new();
            for (i, c) in all.into_iter().enumerate() {
                let items = if i >= cut || c.id == conversation.id {
                    deliveries.extend(super::outbox::deliveries_of(tx, c.id.as_str()).await?);
                    Some(load_items(tx, c.id.as_str(), super::conversations::ITEMS_CAP).await?)
                } else {
                    None
                };
                history.push((c, items));
            }
            let topics = load_topics(tx).await?;
            let agents = load_agents(tx).await?;
            let inboxes = load_inboxes(tx).await?;
            let routing = if caller.agent.has_role(Role::Supervisor) {
                Some(load_routing_decisions(tx, conversation_id).await?)
            } else {
                None
            };
            let now = self.now();
            let after_call_until = self
                .engine_agent(tx, &caller.agent.id, |a| {
                    a.and_then(|a| {
                        a.blocked_until
                            .get(&hearth_domain::channel::Group::Voice)
                            .copied()
                    })
                })
                .await?
                .filter(|until| *until > now);
            Ok(ConversationView {
                after_call_until,
                menu: menu(&conversation, viewer),
                conversation,
                customer,
                history,
                topics,
                agents,
                inboxes,
                routing,
                deliveries,
            })
        })
    }

    /// The action menu of a conversation for the calling agent.
    pub async fn actions(
        &self,
        caller: &Caller,
        conversation_id: &str,
    ) -> Result<ActionMenu, AppError> {
        agent_only(caller)?;
        read_tx!(self, |tx| {
            let conv = load_conversation(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            let viewer = self.viewer(tx, caller, &conv).await?;
            Ok(menu(&conv, viewer))
        })
    }

    /// Takes a finishing action (Close & Next, Next, Close, End & Close, End, No
    /// Reply Needed); every refusal leaves everything unchanged. With `seen`, the
    /// version the caller looked at, a conversation changed since is refused with
    /// `VersionOutdated`.
    pub async fn act(
        &self,
        caller: &Caller,
        conversation_id: &str,
        action: Action,
        confirm_no_reply: bool,
        seen: Option<u64>,
    ) -> Result<ActionResult, AppError> {
        let agent = agent_only(caller)?;
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            unchanged_since(&conv, seen)?;
            let viewer = self.viewer(tx, caller, &conv).await?;
            let initiator = Initiator::new(InitiatorType::Agent, agent.as_str());
            let commands = commands_for(&conv, viewer, action, confirm_no_reply, initiator)?;
            // After the domain's own refusals (not the assignee, ...), which keep
            // their codes: this adds the inbox membership.
            may_touch(caller, &conv, Touch::Handle)?;
            let after = if commands.is_empty() {
                conv.clone()
            } else {
                self.run(tx, &conv, commands).await?
            };
            let next = if action.requests_next() {
                let decisions = self
                    .route(
                        tx,
                        vec![Input::NextRequested {
                            agent: agent.clone(),
                            source: NextSource::Profile,
                            override_after_call_work: true,
                        }],
                    )
                    .await?;
                self.next_work(tx, &decisions, &agent).await?
            } else {
                None
            };
            Ok::<_, AppError>(ActionResult {
                conversation: after,
                next,
            })
        })
    }

    /// R54: an agent reopens a closed conversation for an outbound (REOPEN) or
    /// starts a new one for the customer (CREATE_NEW); either way it is the agent's,
    /// OPEN, and not routable until something is sent.
    pub async fn reopen(
        &self,
        caller: &Caller,
        conversation_id: &str,
        create_new: bool,
        seen: Option<u64>,
    ) -> Result<Conversation, AppError> {
        let agent = agent_only(caller)?;
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            unchanged_since(&conv, seen)?;
            // A closed conversation is nobody's work any more: any member of its
            // inbox may reopen it.
            may_touch(caller, &conv, Touch::Annotate)?;
            let latest = match tx.latest_conversation(conv.customer_id.as_str()).await? {
                Some(row) => Some(crate::unit_of_work::conversation_of_row(&row)?),
                None => None,
            };
            hearth_domain::conversation::check_reopen(&conv, latest.as_ref())?;
            let initiator = Initiator::new(InitiatorType::Agent, agent.as_str());
            if !create_new {
                return self
                    .run(
                        tx,
                        &conv,
                        vec![hearth_domain::conversation::Command::Reopen {
                            initiator,
                            agent_id: Some(agent.clone()),
                        }],
                    )
                    .await;
            }
            let (created, _) = self
                .decide_and_commit(tx, None, &conv.inbox_id, Change::Internal, |ctx| {
                    hearth_domain::conversation::decide_create_for_outbound(
                        ConversationId::from_trusted(crate::clock::new_id()),
                        conv.customer_id.clone(),
                        conv.inbox_id.clone(),
                        agent.clone(),
                        latest.as_ref(),
                        ctx,
                    )
                })
                .await?;
            Ok(created)
        })
    }

    /// T18: moves a non-closed conversation to another inbox, to one of its agents
    /// or to its queue; the due date follows the new inbox's SLA (R50).
    pub async fn transfer(
        &self,
        caller: &Caller,
        conversation_id: &str,
        inbox_id: &str,
        agent_id: Option<&str>,
        seen: Option<u64>,
    ) -> Result<Conversation, AppError> {
        agent_only(caller)?;
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            unchanged_since(&conv, seen)?;
            let is_assignee = conv.agent_id.as_ref() == Some(&caller.agent.id);
            if !is_assignee && !caller.agent.has_role(Role::Supervisor) {
                return Err(DomainError::NotAssignee.into());
            }
            may_touch(caller, &conv, Touch::Handle)?;
            let (inbox, agent) = resolve_assignee(tx, "", inbox_id, agent_id).await?;
            let inbox_sla = crate::unit_of_work::sla_in(tx, &inbox, inbox.sla).await?;
            let command = hearth_domain::conversation::Command::Assign {
                initiator: Initiator::new(InitiatorType::Agent, caller.agent.id.as_str()),
                inbox_id: inbox.id.clone(),
                agent_id: agent.map(|a| a.id),
                reason: hearth_domain::conversation::AssignReason::Manual,
                inbox_sla,
            };
            self.run(tx, &conv, vec![command]).await
        })
    }
}

/// When work due at `due` in `inbox` becomes "due soon" (never, when the inbox
/// warns never); the inboxes' warning times are read once per call.
async fn due_soon_at(
    tx: &mut dyn crate::ports::StoreTx,
    warn: &mut std::collections::BTreeMap<String, hearth_domain::Duration>,
    inbox: &str,
    due: Option<Timestamp>,
) -> Result<Option<Timestamp>, AppError> {
    let Some(due) = due else {
        return Ok(None);
    };
    let before = match warn.get(inbox) {
        Some(w) => *w,
        None => {
            let w = crate::unit_of_work::load_inbox(tx, inbox)
                .await?
                .map_or(hearth_domain::config::DEFAULT_WARN_BEFORE, |i| {
                    i.warn_before
                });
            warn.insert(inbox.to_owned(), w);
            w
        }
    };
    Ok(hearth_domain::config::due_soon_at(due, before))
}
