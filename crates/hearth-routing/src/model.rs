//! The routing state, inputs and decisions.

use std::collections::{BTreeMap, BTreeSet};

use hearth_domain::config::{MessagingCapacity, Selection};
use hearth_domain::id::{AgentId, ConversationId, InboxId, TaskId};
use hearth_domain::{Duration, Timestamp};

use crate::Group;

/// Something routing hands out: a conversation (its pending contact) or a task.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitId {
    Conversation(ConversationId),
    Task(TaskId),
}

impl std::fmt::Display for UnitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnitId::Conversation(id) => write!(f, "conversation:{id}"),
            UnitId::Task(id) => write!(f, "task:{id}"),
        }
    }
}

/// A routable unit (R17): an unassigned conversation with a pending contact, or an
/// unassigned open task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub inbox_id: InboxId,
    pub group: Group,
    /// Priority boost (R24); 0 until rules exist.
    pub score: i64,
    pub due_at: Option<Timestamp>,
    pub arrived_at: Timestamp,
    /// R33/R34 and re-open stickiness: offered to this agent first when eligible.
    pub preferred_agent: Option<AgentId>,
}

/// R22: Voice > Messaging > Mail, Voicemail and Tasks.
pub fn tier(group: Group) -> u8 {
    match group {
        Group::Voice => 0,
        Group::Messaging => 1,
        Group::Mail | Group::Task => 2,
    }
}

/// The total order of routable work: tier, then higher score, then earlier due date
/// (none last), then earlier arrival, then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderKey {
    pub tier: u8,
    pub neg_score: i64,
    /// `true` sorts after `false`: work without a due date comes after work with one.
    pub no_due: bool,
    pub due: Option<Timestamp>,
    pub arrived: Timestamp,
    pub id: UnitId,
}

impl OrderKey {
    /// The key of a unit.
    pub fn of(unit: &Unit) -> OrderKey {
        OrderKey {
            tier: tier(unit.group),
            neg_score: unit.score.saturating_neg(),
            no_due: unit.due_at.is_none(),
            due: unit.due_at,
            arrived: unit.arrived_at,
            id: unit.id.clone(),
        }
    }
}

/// Routing settings of an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxPolicy {
    pub selection: Selection,
    pub accept_decline: bool,
    pub offer_timeout: Duration,
    pub next_message_delay: Duration,
    pub after_call_work: Duration,
}

impl Default for InboxPolicy {
    fn default() -> Self {
        let r = hearth_domain::config::InboxRouting::default();
        InboxPolicy {
            selection: r.selection,
            accept_decline: r.accept_decline,
            offer_timeout: r.offer_timeout,
            next_message_delay: r.next_message_delay,
            after_call_work: r.after_call_work,
        }
    }
}

/// An agent's assigned work, for Next's "own unseen work first" (R25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnWork {
    /// When the oldest update the agent has not seen arrived; `None` when seen.
    pub unseen_since: Option<Timestamp>,
    /// The group whose capacity this work holds while its contact is live (a call,
    /// a messaging session); `None` once it ended or for mail and tasks.
    pub live: Option<Group>,
}

/// What routing knows about an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentState {
    pub id: AgentId,
    pub inbox_ids: BTreeSet<InboxId>,
    pub capacity: MessagingCapacity,
    pub available: BTreeSet<Group>,
    pub focus: bool,
    pub away: bool,
    pub disabled: bool,
    /// The one pending offer (R19).
    pub offer: Option<OfferId>,
    /// Next-message delay (messaging) or after-call work and decline pause (voice).
    pub blocked_until: BTreeMap<Group, Timestamp>,
    /// Since when the agent has had no live contact (LONGEST_IDLE).
    pub idle_since: Timestamp,
    /// Last assignment or accepted offer (ROUND_ROBIN).
    pub last_assigned_at: Option<Timestamp>,
    /// Assigned conversations and tasks.
    pub own: BTreeMap<UnitId, OwnWork>,
    /// The one mail or task item of turning Mail & Tasks on (R29) waits: the agent
    /// held or was offered a call or a message then (R22). It is pushed once that
    /// work ends, unless Next came first.
    pub mail_owed: bool,
}

impl AgentState {
    /// A new agent: unavailable everywhere (a fresh server routes nothing).
    pub fn new(
        id: AgentId,
        inbox_ids: BTreeSet<InboxId>,
        capacity: MessagingCapacity,
        now: Timestamp,
    ) -> Self {
        AgentState {
            id,
            inbox_ids,
            capacity,
            available: BTreeSet::new(),
            focus: false,
            away: false,
            disabled: false,
            offer: None,
            blocked_until: BTreeMap::new(),
            idle_since: now,
            last_assigned_at: None,
            own: BTreeMap::new(),
            mail_owed: false,
        }
    }

    /// Live work in a group: what counts against capacity.
    pub fn load(&self, group: Group) -> u32 {
        self.own.values().filter(|w| w.live == Some(group)).count() as u32
    }

    /// No live work at all.
    pub fn is_idle(&self) -> bool {
        self.own.values().all(|w| w.live.is_none())
    }
}

/// An offer id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OfferId(pub String);

/// A proposal of a unit to one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub id: OfferId,
    pub unit: UnitId,
    pub agent: AgentId,
    pub group: Group,
    pub offered_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Where a Next request came from (R14, R15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextSource {
    AvailabilityBar,
    Profile,
}

/// Agent configuration that routing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    pub id: AgentId,
    pub inbox_ids: BTreeSet<InboxId>,
    pub capacity: MessagingCapacity,
    pub disabled: bool,
}

/// Everything that can happen to routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// An agent was created or its configuration changed.
    AgentConfigured(AgentConfig),
    /// An inbox's routing settings.
    InboxConfigured {
        inbox: InboxId,
        policy: InboxPolicy,
    },
    /// A unit became routable (new contact, unassigned, transferred, declined...).
    UnitRoutable(Unit),
    /// A unit stopped being routable (answered elsewhere, closed, manually assigned).
    UnitWithdrawn(UnitId),
    /// The agent's availability bar.
    AvailabilityChanged {
        agent: AgentId,
        available: BTreeSet<Group>,
        focus: bool,
        away: bool,
    },
    /// Next from the availability bar or the profile; `override_after_call_work` for
    /// Next and Close & Next (R46).
    NextRequested {
        agent: AgentId,
        source: NextSource,
        override_after_call_work: bool,
    },
    OfferAccepted {
        offer: OfferId,
    },
    OfferDeclined {
        offer: OfferId,
    },
    /// The offer timed out.
    OfferMissed {
        offer: OfferId,
    },
    /// The live contact of the agent's `unit` ended (a call, a messaging session) in
    /// `inbox`: its capacity frees, and the group pauses for that inbox's delay.
    ContactEnded {
        agent: AgentId,
        unit: UnitId,
        group: Group,
        inbox: InboxId,
    },
    /// A delay timer of the agent ran out.
    TimerFired {
        agent: AgentId,
        group: Group,
    },
    /// Work was given to an agent outside routing (manual assignment, R20); a live
    /// contact counts against capacity even beyond it.
    AssignedOutsideRouting {
        agent: AgentId,
        unit: UnitId,
        group: Group,
        live: bool,
        at: Timestamp,
    },
    /// The agent's work got an update they have not seen, or was seen (`None`).
    WorkUpdated {
        agent: AgentId,
        unit: UnitId,
        unseen_since: Option<Timestamp>,
    },
    /// The work left the agent (closed, unassigned, transferred).
    WorkReleased {
        agent: AgentId,
        unit: UnitId,
    },
}

impl Input {
    /// The input's name in decision records.
    pub fn name(&self) -> &'static str {
        match self {
            Input::AgentConfigured(_) => "AGENT_CONFIGURED",
            Input::InboxConfigured { .. } => "INBOX_CONFIGURED",
            Input::UnitRoutable(_) => "UNIT_ROUTABLE",
            Input::UnitWithdrawn(_) => "UNIT_WITHDRAWN",
            Input::AvailabilityChanged { .. } => "AVAILABILITY_CHANGED",
            Input::NextRequested { .. } => "NEXT_REQUESTED",
            Input::OfferAccepted { .. } => "OFFER_ACCEPTED",
            Input::OfferDeclined { .. } => "OFFER_DECLINED",
            Input::OfferMissed { .. } => "OFFER_MISSED",
            Input::ContactEnded { .. } => "CONTACT_ENDED",
            Input::TimerFired { .. } => "TIMER_FIRED",
            Input::AssignedOutsideRouting { .. } => "ASSIGNED_OUTSIDE_ROUTING",
            Input::WorkUpdated { .. } => "WORK_UPDATED",
            Input::WorkReleased { .. } => "WORK_RELEASED",
        }
    }
}

/// Why an agent could not take a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    NotMember,
    Disabled,
    Away,
    Focus,
    NotAvailable,
    OfferPending,
    Delayed,
    AtCapacity,
}

impl Reason {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotMember => "NOT_MEMBER",
            Reason::Disabled => "DISABLED",
            Reason::Away => "AWAY",
            Reason::Focus => "FOCUS",
            Reason::NotAvailable => "NOT_AVAILABLE",
            Reason::OfferPending => "OFFER_PENDING",
            Reason::Delayed => "DELAYED",
            Reason::AtCapacity => "AT_CAPACITY",
        }
    }
}

/// One agent considered by a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent: AgentId,
    pub eligible: bool,
    pub reasons: Vec<Reason>,
    /// The selection score (higher wins); 0 when not eligible.
    pub score: i64,
}

/// What a decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Offered,
    Assigned,
    OfferAccepted,
    OfferDeclined,
    OfferMissed,
    Skipped,
    Nothing,
}

impl Outcome {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Offered => "OFFERED",
            Outcome::Assigned => "ASSIGNED",
            Outcome::OfferAccepted => "OFFER_ACCEPTED",
            Outcome::OfferDeclined => "OFFER_DECLINED",
            Outcome::OfferMissed => "OFFER_MISSED",
            Outcome::Skipped => "SKIPPED",
            Outcome::Nothing => "NOTHING",
        }
    }
}

/// What the application must carry out for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Assign the unit to the agent.
    Assign { unit: UnitId, agent: AgentId },
    /// Show the offer to the agent; it expires at `offer.expires_at`.
    Offer(Offer),
    /// Next handed the agent their own work with an unseen update; nothing changes.
    Handed { unit: UnitId, agent: AgentId },
    /// Fire [`Input::TimerFired`] for the agent and group at `at`.
    Timer {
        agent: AgentId,
        group: Group,
        at: Timestamp,
    },
    /// Fire [`Input::OfferMissed`] at `at`.
    OfferTimer { offer: OfferId, at: Timestamp },
    /// The offer is void (its unit was answered, closed or assigned elsewhere).
    OfferWithdrawn { offer: OfferId, agent: AgentId },
}

/// One recorded routing decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub input: &'static str,
    pub outcome: Outcome,
    pub unit: Option<UnitId>,
    /// The rule that chose, e.g. `PUSH_LONGEST_IDLE` or `NEXT_OWN_UNSEEN`.
    pub rule: &'static str,
    pub winner: Option<AgentId>,
    pub candidates: Vec<Candidate>,
    pub effects: Vec<Effect>,
}

/// Why a Next request was refused (nothing changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NextRefusal {
    /// R14: the availability-bar Next needs at least one group on.
    #[error("the agent is not available in any channel")]
    NotAvailable,
    /// R39.
    #[error("the agent is in focus mode")]
    FocusMode,
    /// The agent is not known to routing.
    #[error("unknown agent")]
    UnknownAgent,
}
