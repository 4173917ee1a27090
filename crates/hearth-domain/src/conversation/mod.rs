//! The conversation aggregate and its state machine.
//!
//! `decide(state, command, ctx) -> events` refuses or accepts a command; `apply`
//! folds one event into the state. Status is never stored on its own: after every
//! event it is re-derived from the contacts (R9-R12), so "status equals its
//! derivation" holds by construction and is checked by the property tests.
//!
//! Contacts follow DESIGN section 3: a CHAT contact per session, one per call, and
//! EMAIL, SMS, social and voicemail messages join their channel's active (unended,
//! unfulfilled) contact or start a new one. Every ended contact has its SLA settled
//! (RESPONDED or CANCELED), so "something still expects an agent" is exactly "some
//! contact has not ended".

use std::collections::BTreeSet;

pub use crate::calendar::Sla;
use crate::channel::{Channel, Group};
use crate::config::{InboxRouting, OrgSettings};
use crate::id::{AgentId, ContactId, ConversationId, CustomerId, InboxId, ItemId, TopicId};
use crate::item::{ConversationItem, Initiator, ItemContent};
use crate::{Duration, Timestamp};

mod decide;
mod decision;
mod inbound;

pub use decide::{check_reopen, decide, decide_create_for_outbound};
pub use inbound::{decide_inbound, inbound_target};

/// Longest body of a messaging reply (Q17).
pub const MAX_MESSAGING_BODY: usize = 2048;

/// The API-visible status (R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Open,
    Waiting,
    Closed,
}

impl Status {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "OPEN",
            Status::Waiting => "WAITING",
            Status::Closed => "CLOSED",
        }
    }
    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Status::Open, Status::Waiting, Status::Closed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// Whether the customer or the team started a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

/// How a contact's SLA was settled (`CONTACT/FULFILLED.fulfilledType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fulfilment {
    Responded,
    Canceled,
}

/// `CONTACT/ENDED.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    AgentEnded,
    ConversationClosed,
    CustomerAbandoned,
    CustomerDeleted,
    CustomerNoReply,
    Merged,
    NoReplyNeeded,
    StartedNew,
}

/// `CONTACT/ENDED.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndStatus {
    Abandoned,
    Answered,
    Unanswered,
    Unknown,
}

/// `CONVERSATION_ASSIGNEE/UPDATED.reason` (the values Hearth produces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignReason {
    AutomatedAssignment,
    ContactDeclined,
    ContactInbound,
    ContactMissed,
    ContactOffered,
    ContactOfferConflict,
    Manual,
    MessageOutbound,
    ReroutedUnassign,
    UserDeactivation,
}

/// `CONTACT/TRANSFERRED.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferReason {
    Automation,
    Manual,
}

macro_rules! wire_enum {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// Wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }
            /// Parses the wire name.
            pub fn parse(raw: &str) -> Option<Self> {
                match raw { $($name => Some($ty::$variant),)* _ => None }
            }
        }
    };
}

wire_enum!(Direction { Inbound => "INBOUND", Outbound => "OUTBOUND" });
wire_enum!(Fulfilment { Responded => "RESPONDED", Canceled => "CANCELED" });
wire_enum!(EndReason {
    AgentEnded => "AGENT_ENDED",
    ConversationClosed => "CONVERSATION_CLOSED",
    CustomerAbandoned => "CUSTOMER_ABANDONED",
    CustomerDeleted => "CUSTOMER_DELETED",
    CustomerNoReply => "CUSTOMER_NO_REPLY",
    Merged => "MERGED",
    NoReplyNeeded => "NO_REPLY_NEEDED",
    StartedNew => "STARTED_NEW",
});
wire_enum!(EndStatus { Abandoned => "ABANDONED", Answered => "ANSWERED", Unanswered => "UNANSWERED", Unknown => "UNKNOWN" });
wire_enum!(AssignReason {
    AutomatedAssignment => "AUTOMATED_ASSIGNMENT",
    ContactDeclined => "CONTACT_DECLINED",
    ContactInbound => "CONTACT_INBOUND",
    ContactMissed => "CONTACT_MISSED",
    ContactOffered => "CONTACT_OFFERED",
    ContactOfferConflict => "CONTACT_OFFER_CONFLICT",
    Manual => "MANUAL",
    MessageOutbound => "MESSAGE_OUTBOUND",
    ReroutedUnassign => "REROUTED_UNASSIGN",
    UserDeactivation => "USER_DEACTIVATION",
});
wire_enum!(TransferReason { Automation => "AUTOMATION", Manual => "MANUAL" });

/// How a contact ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactEnd {
    pub at: Timestamp,
    pub reason: Option<EndReason>,
    pub status: EndStatus,
}

/// One exchange on one channel inside a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub channel: Channel,
    pub direction: Direction,
    pub session_id: Option<String>,
    /// The address the customer wrote to.
    pub entry_point: Option<String>,
    pub started_at: Timestamp,
    /// SLA due date; `None` for outbound contacts.
    pub due_at: Option<Timestamp>,
    pub fulfilled: Option<(Fulfilment, Timestamp)>,
    pub ended: Option<ContactEnd>,
    /// An agent replied on it, or answered the call.
    pub answered: bool,
    /// When an agent answered the call.
    pub answered_at: Option<Timestamp>,
    pub last_agent_message_at: Option<Timestamp>,
    /// The customer's latest message on it (a chat session auto-ends after the
    /// customer is silent for the same-agent limit, T9).
    pub last_customer_message_at: Option<Timestamp>,
}

impl Contact {
    /// When the same-agent time limit ends this contact (T8, T9), if it can: a live
    /// chat once the customer has been silent that long after the agent's last
    /// message (at most 24 h, R42), an answered or outbound message exchange after the
    /// agent's last message. Calls and unanswered messages do not expire.
    pub fn same_agent_limit_due(&self, limit: Duration) -> Option<Timestamp> {
        if !self.is_active() {
            return None;
        }
        match self.channel {
            Channel::PhoneCall => None,
            // Silence counts only once the agent spoke last: a customer waiting for an
            // answer is not silent.
            Channel::Chat => {
                let agent_spoke = self.last_agent_message_at?;
                if self
                    .last_customer_message_at
                    .is_some_and(|c| c > agent_spoke)
                {
                    return None;
                }
                Some(agent_spoke + limit.min(Duration::hours(24)))
            }
            _ if self.fulfilled.is_some() || self.direction == Direction::Outbound => {
                Some(self.last_agent_message_at.unwrap_or(self.started_at) + limit)
            }
            _ => None,
        }
    }

    /// The customer waits for the team (an unfulfilled SLA).
    pub fn sla_pending(&self) -> bool {
        self.due_at.is_some() && self.fulfilled.is_none()
    }
    /// Not ended yet.
    pub fn is_active(&self) -> bool {
        self.ended.is_none()
    }
    fn end_status(&self) -> EndStatus {
        if self.answered {
            EndStatus::Answered
        } else {
            EndStatus::Unanswered
        }
    }
}

/// The conversation aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub customer_id: CustomerId,
    pub inbox_id: InboxId,
    pub agent_id: Option<AgentId>,
    /// Q10: kept for history and reopen stickiness.
    pub last_agent_id: Option<AgentId>,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub status: Status,
    pub topic_ids: BTreeSet<TopicId>,
    pub contacts: Vec<Contact>,
    /// T19/R54: an agent reopened (or created) it for an outbound that is not sent yet;
    /// it stays OPEN, owned by that agent, and is not routable.
    pub awaiting_outbound: bool,
    /// A rule's priority boost: routing orders by it after the tier (higher first).
    pub priority_boost: i64,
    /// The message-automation session (a bot) answering the customer first: while
    /// set, the conversation is not routed to agents.
    pub automation: Option<String>,
    /// Number of events folded; the resource version behind `ETag`.
    pub version: u64,
}

/// Where a conversation stands for routing (DESIGN section 5 `queueState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueState {
    /// Unassigned and routable.
    New,
    Assigned,
    None,
}

impl QueueState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueState::New => "NEW",
            QueueState::Assigned => "ASSIGNED",
            QueueState::None => "NONE",
        }
    }
}

/// R9-R11: the status a conversation must have, given its contacts.
pub fn derive_status(closed: bool, contacts: &[Contact], awaiting_outbound: bool) -> Status {
    if closed {
        Status::Closed
    } else if awaiting_outbound || contacts.iter().any(Contact::is_active) {
        Status::Open
    } else {
        Status::Waiting
    }
}

impl Conversation {
    /// The earliest due date among contacts whose SLA is pending (R49); `None` when
    /// nothing is pending.
    pub fn due_at(&self) -> Option<Timestamp> {
        self.contacts
            .iter()
            .filter(|c| c.sla_pending())
            .filter_map(|c| c.due_at)
            .min()
    }

    /// R17: a non-closed conversation with an unfulfilled contact and no agent.
    pub fn is_routable(&self) -> bool {
        self.status != Status::Closed
            && self.agent_id.is_none()
            && self.automation.is_none()
            && self.contacts.iter().any(Contact::sla_pending)
    }

    /// NEW, ASSIGNED or NONE.
    pub fn queue_state(&self) -> QueueState {
        if self.status == Status::Closed {
            QueueState::None
        } else if self.agent_id.is_some() {
            QueueState::Assigned
        } else if self.is_routable() {
            QueueState::New
        } else {
            QueueState::None
        }
    }

    /// The contact that decides the action buttons: a live chat first, else the
    /// latest contact.
    pub fn current_contact(&self) -> Option<&Contact> {
        self.contacts
            .iter()
            .rev()
            .find(|c| c.channel == Channel::Chat && c.is_active())
            .or_else(|| self.contacts.last())
    }

    /// A contact by id.
    pub fn contact(&self, id: &ContactId) -> Option<&Contact> {
        self.contacts.iter().find(|c| &c.id == id)
    }

    /// The routing group of the routable work, by tier (R22): the best group among
    /// pending contacts.
    pub fn routing_group(&self) -> Option<Group> {
        self.contacts
            .iter()
            .filter(|c| c.sla_pending())
            .map(|c| c.channel.group())
            .min()
    }

    fn last_agent_message_at(&self) -> Option<Timestamp> {
        self.contacts
            .iter()
            .filter_map(|c| c.last_agent_message_at)
            .max()
    }

    fn contact_mut(&mut self, id: &ContactId) -> Option<&mut Contact> {
        self.contacts.iter_mut().find(|c| &c.id == id)
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: &Event) {
        match &event.kind {
            EventKind::Created { .. } => {}
            EventKind::Reopened { awaiting_outbound } => {
                self.closed_at = None;
                self.awaiting_outbound = *awaiting_outbound;
            }
            EventKind::Closed => {
                self.closed_at = Some(event.at);
                self.awaiting_outbound = false;
                // A bot's hold ends with the conversation.
                self.automation = None;
            }
            EventKind::HoldReleased => self.awaiting_outbound = false,
            EventKind::ContactStarted {
                contact_id,
                channel,
                direction,
                session_id,
                entry_point,
                due_at,
            } => {
                self.contacts.push(Contact {
                    id: contact_id.clone(),
                    channel: *channel,
                    direction: *direction,
                    session_id: session_id.clone(),
                    entry_point: entry_point.clone(),
                    started_at: event.at,
                    due_at: *due_at,
                    fulfilled: None,
                    ended: None,
                    answered: false,
                    answered_at: None,
                    last_agent_message_at: None,
                    last_customer_message_at: None,
                });
                if *direction == Direction::Outbound {
                    self.awaiting_outbound = false;
                }
            }
            EventKind::MessageReceived { item } => {
                if let Some(contact) = item.contact_id.as_ref().and_then(|id| self.contact_mut(id))
                {
                    contact.last_customer_message_at = Some(event.at);
                }
            }
            EventKind::ItemAdded { .. } | EventKind::NoteCreated { .. } => {}
            EventKind::MessageSent { item } => {
                self.awaiting_outbound = false;
                if let Some(contact) = item.contact_id.as_ref().and_then(|id| self.contact_mut(id))
                {
                    contact.answered = true;
                    contact.last_agent_message_at = Some(event.at);
                }
            }
            EventKind::CallAnswered { contact_id, .. } => {
                if let Some(contact) = self.contact_mut(contact_id) {
                    contact.answered = true;
                    contact.answered_at = Some(event.at);
                }
            }
            EventKind::ContactFulfilled {
                contact_id,
                fulfilment,
            } => {
                if let Some(contact) = self.contact_mut(contact_id) {
                    contact.fulfilled = Some((*fulfilment, event.at));
                }
            }
            EventKind::ContactEnded {
                contact_id,
                reason,
                status,
            } => {
                if let Some(contact) = self.contact_mut(contact_id) {
                    contact.ended = Some(ContactEnd {
                        at: event.at,
                        reason: *reason,
                        status: *status,
                    });
                }
            }
            EventKind::AssigneeUpdated {
                inbox_id, agent_id, ..
            } => {
                self.inbox_id = inbox_id.clone();
                self.agent_id = agent_id.clone();
                if agent_id.is_some() {
                    self.last_agent_id = agent_id.clone();
                    // An agent given the conversation takes it from the bot.
                    self.automation = None;
                }
            }
            EventKind::ContactTransferred { .. } | EventKind::StatusUpdated { .. } => {}
            EventKind::DueDateUpdated { contact_id, due_at } => {
                if let Some(contact) = self.contact_mut(contact_id) {
                    contact.due_at = Some(*due_at);
                }
            }
            EventKind::TopicAdded { topic_id } => {
                self.topic_ids.insert(topic_id.clone());
            }
            EventKind::PriorityBoostSet { score } => self.priority_boost = *score,
            EventKind::AutomationStarted { session_id } => {
                self.automation = Some(session_id.clone());
            }
            EventKind::AutomationEnded { .. } => self.automation = None,
            EventKind::TopicRemoved { topic_id } => {
                self.topic_ids.remove(topic_id);
            }
        }
        self.version += 1;
        self.status = derive_status(
            self.closed_at.is_some(),
            &self.contacts,
            self.awaiting_outbound,
        );
    }

    /// The state a `Created` event starts.
    fn created(event: &Event) -> Option<Conversation> {
        match &event.kind {
            EventKind::Created {
                conversation_id,
                customer_id,
                inbox_id,
                awaiting_outbound,
            } => Some(Conversation {
                id: conversation_id.clone(),
                customer_id: customer_id.clone(),
                inbox_id: inbox_id.clone(),
                agent_id: None,
                last_agent_id: None,
                created_at: event.at,
                closed_at: None,
                status: if *awaiting_outbound {
                    Status::Open
                } else {
                    Status::Waiting
                },
                topic_ids: BTreeSet::new(),
                contacts: Vec::new(),
                awaiting_outbound: *awaiting_outbound,
                priority_boost: 0,
                automation: None,
                version: 1,
            }),
            _ => None,
        }
    }
}

/// Folds one event into an optional state: `Created` starts a conversation, every
/// other event needs one. An event for a missing conversation is ignored.
pub fn evolve(state: Option<Conversation>, event: &Event) -> Option<Conversation> {
    match state {
        None => Conversation::created(event),
        Some(mut conversation) => {
            conversation.apply(event);
            Some(conversation)
        }
    }
}

/// Folds a whole event history.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Conversation> {
    events.into_iter().fold(None, evolve)
}

/// Something that happened to a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: Timestamp,
    pub initiator: Initiator,
    pub kind: EventKind,
}

/// The event vocabulary. Names follow Gladly's `ENTITY/ACTION` where one exists
/// (see [`EventKind::type_name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Created {
        conversation_id: ConversationId,
        customer_id: CustomerId,
        inbox_id: InboxId,
        awaiting_outbound: bool,
    },
    Reopened {
        awaiting_outbound: bool,
    },
    Closed,
    /// An outbound hold ended without an outbound (No Reply Needed on a reopened conversation).
    HoldReleased,
    StatusUpdated {
        status: Status,
    },
    ContactStarted {
        contact_id: ContactId,
        channel: Channel,
        direction: Direction,
        session_id: Option<String>,
        entry_point: Option<String>,
        due_at: Option<Timestamp>,
    },
    MessageReceived {
        item: ConversationItem,
    },
    MessageSent {
        item: ConversationItem,
    },
    CallAnswered {
        contact_id: ContactId,
        agent_id: AgentId,
    },
    ContactFulfilled {
        contact_id: ContactId,
        fulfilment: Fulfilment,
    },
    ContactEnded {
        contact_id: ContactId,
        reason: Option<EndReason>,
        status: EndStatus,
    },
    AssigneeUpdated {
        inbox_id: InboxId,
        agent_id: Option<AgentId>,
        reason: AssignReason,
    },
    ContactTransferred {
        contact_id: ContactId,
        inbox_id: InboxId,
        agent_id: Option<AgentId>,
        reason: TransferReason,
    },
    DueDateUpdated {
        contact_id: ContactId,
        due_at: Timestamp,
    },
    TopicAdded {
        topic_id: TopicId,
    },
    TopicRemoved {
        topic_id: TopicId,
    },
    /// A rule set the conversation's priority boost.
    PriorityBoostSet {
        score: i64,
    },
    /// A message-automation session (a bot) took the conversation before routing.
    AutomationStarted {
        session_id: String,
    },
    /// The bot handed the conversation to agents (`handoff`) or closed its session.
    AutomationEnded {
        session_id: String,
        handoff: bool,
    },
    /// A system timeline item: a status change or a topic change.
    ItemAdded {
        item: ConversationItem,
    },
    NoteCreated {
        item: ConversationItem,
    },
}

impl EventKind {
    /// The event type in Gladly's vocabulary (Hearth-only types are prefixed `HEARTH_`).
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "CONVERSATION/CREATED",
            EventKind::Reopened { .. } => "CONVERSATION/REOPENED",
            EventKind::Closed => "CONVERSATION/CLOSED",
            EventKind::HoldReleased => "HEARTH_CONVERSATION/HOLD_RELEASED",
            EventKind::StatusUpdated { .. } => "CONVERSATION_STATUS/UPDATED",
            EventKind::ContactStarted { .. } => "CONTACT/STARTED",
            EventKind::MessageReceived { .. } => "CONTACT/MESSAGE_RECEIVED",
            EventKind::MessageSent { .. } => "CONTACT/MESSAGE_SENT",
            EventKind::CallAnswered { .. } => "CONTACT/OFFER_ACCEPTED",
            EventKind::ContactFulfilled { .. } => "CONTACT/FULFILLED",
            EventKind::ContactEnded { .. } => "CONTACT/ENDED",
            EventKind::AssigneeUpdated { .. } => "CONVERSATION_ASSIGNEE/UPDATED",
            EventKind::ContactTransferred { .. } => "CONTACT/TRANSFERRED",
            EventKind::DueDateUpdated { .. } => "HEARTH_CONTACT/DUE_DATE_UPDATED",
            EventKind::TopicAdded { .. } => "CONVERSATION/TOPIC_ADDED",
            EventKind::TopicRemoved { .. } => "CONVERSATION/TOPIC_REMOVED",
            EventKind::PriorityBoostSet { .. } => "HEARTH_CONVERSATION/PRIORITY_BOOST_SET",
            EventKind::AutomationStarted { .. } => "HEARTH_AUTOMATION/STARTED",
            EventKind::AutomationEnded { .. } => "HEARTH_AUTOMATION/ENDED",
            EventKind::ItemAdded { .. } => "HEARTH_CONVERSATION/ITEM_ADDED",
            EventKind::NoteCreated { .. } => "CONVERSATION/NOTE_CREATED",
        }
    }

    /// The timeline item the event carries, if any.
    pub fn item(&self) -> Option<&ConversationItem> {
        match self {
            EventKind::MessageReceived { item }
            | EventKind::MessageSent { item }
            | EventKind::ItemAdded { item }
            | EventKind::NoteCreated { item } => Some(item),
            _ => None,
        }
    }
}

/// Supplies fresh ids for what a decision creates (system items, outbound contacts).
pub trait IdSource: Send {
    /// A new unique id.
    fn next_id(&mut self) -> String;
}

/// What a decision may read besides the state: the clock, the settings of the
/// organization and of the conversation's inbox, and an id supply.
pub struct Context<'a> {
    pub now: Timestamp,
    pub settings: &'a OrgSettings,
    pub routing: &'a InboxRouting,
    pub ids: &'a mut dyn IdSource,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// An inbound customer message or call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Used when the inbound starts a new conversation.
    pub new_conversation_id: ConversationId,
    /// Used when the inbound starts a new contact.
    pub new_contact_id: ContactId,
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub session_id: Option<String>,
    pub entry_point: Option<String>,
    /// The entry point's inbox: where a new conversation lands.
    pub inbox_id: InboxId,
    /// Entry point SLA, else inbox SLA (R48), in the inbox's business hours.
    pub sla: Sla,
    /// The customer's message; its conversation and contact ids are filled in.
    pub item: ConversationItem,
}

/// A command to a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// T1-T4: a customer message or call.
    Inbound(Box<Inbound>),
    /// T7: an agent or API reply to a customer message.
    Reply {
        item: Box<ConversationItem>,
        replied_to: Box<ConversationItem>,
        agent_id: Option<AgentId>,
    },
    /// R54: an agent's own email or SMS to the customer, answering nothing (after
    /// Reopen or Create New, or to follow up); it opens an outbound contact.
    Send {
        item: Box<ConversationItem>,
        agent_id: Option<AgentId>,
    },
    /// T13-T15, T21: close (R30 unless `force`, R32 when `require_topic`).
    Close { initiator: Initiator, force: bool },
    /// T19 and `PATCH status OPEN`: reopen to `agent_id`, or the last agent.
    Reopen {
        initiator: Initiator,
        agent_id: Option<AgentId>,
    },
    /// T5, T6, T17, T18: assign, unassign or transfer. `inbox_sla` is the SLA of
    /// `inbox_id` in its business hours, used when the inbox changes (R50).
    Assign {
        initiator: Initiator,
        inbox_id: InboxId,
        agent_id: Option<AgentId>,
        reason: AssignReason,
        inbox_sla: Sla,
    },
    /// T27.
    AddTopics {
        initiator: Initiator,
        topic_ids: Vec<TopicId>,
        item_id: ItemId,
    },
    /// T27.
    RemoveTopic {
        initiator: Initiator,
        topic_id: TopicId,
        item_id: ItemId,
    },
    /// T26.
    AddNote { item: Box<ConversationItem> },
    /// T12.
    NoReplyNeeded { initiator: Initiator },
    /// T11 (and End for a live call).
    AgentEnd { initiator: Initiator },
    /// The customer hung up or closed the chat; T22-T25 when abandoned.
    CustomerEnd {
        contact_id: ContactId,
        abandoned: bool,
    },
    /// A rule's SET_PRIORITY_BOOST.
    SetPriorityBoost { initiator: Initiator, score: i64 },
    /// A bot answers first: the conversation is held from routing while nobody
    /// works it (refused once an agent has it).
    HoldForAutomation {
        initiator: Initiator,
        session_id: String,
    },
    /// The bot's message to the customer, while it holds the conversation.
    AutomationMessage { item: Box<ConversationItem> },
    /// The bot hands over to agents (`handoff`) or lets go with its session closed.
    ReleaseFromAutomation {
        initiator: Initiator,
        session_id: String,
        handoff: bool,
    },
    /// T8/T9: the same-agent time limit of a contact ran out.
    SameAgentLimitElapsed { contact_id: ContactId },
    /// A call was answered by an agent (fulfils it and any pending voicemail).
    AnswerCall {
        contact_id: ContactId,
        agent_id: AgentId,
    },
}

/// Where an inbound contact goes (T1-T3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundTarget {
    /// T1, T3: a new conversation.
    New,
    /// T4 and joining an open conversation.
    Join,
    /// T2: reopen the closed conversation.
    Reopen,
}

/// The channel of a message item's content.
pub fn message_channel(content: &ItemContent) -> Option<Channel> {
    Some(match content {
        ItemContent::ChatMessage { .. } => Channel::Chat,
        ItemContent::Email { .. } => Channel::Email,
        ItemContent::Sms { .. } => Channel::Sms,
        ItemContent::FacebookMessage { .. } => Channel::FacebookMessage,
        ItemContent::InstagramDirect { .. } => Channel::InstagramDirect,
        ItemContent::Whatsapp { .. } => Channel::Whatsapp,
        ItemContent::PhoneCall { .. } => Channel::PhoneCall,
        ItemContent::Voicemail { .. } => Channel::Voicemail,
        _ => return None,
    })
}
