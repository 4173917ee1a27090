//! A small world for driving the state machine: a clock, settings, an id counter,
//! and helpers that decide and fold in one step.

use hearth_domain::channel::Channel;
use hearth_domain::config::{InboxRouting, OrgSettings};
use hearth_domain::conversation::{
    Command, Context, Conversation, Event, IdSource, Inbound, InboundTarget, Sla, decide,
    decide_inbound, inbound_target,
};
use hearth_domain::id::{AgentId, ContactId, ConversationId, CustomerId, InboxId, ItemId};
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType, ItemContent};
use hearth_domain::{DomainError, Duration, Timestamp};
use time::macros::datetime;

#[derive(Debug, Default)]
pub struct Counter(pub u64);

impl IdSource for Counter {
    fn next_id(&mut self) -> String {
        self.0 += 1;
        format!("id{}", self.0)
    }
}

pub struct World {
    pub now: Timestamp,
    pub settings: OrgSettings,
    pub routing: InboxRouting,
    pub ids: Counter,
    pub require_topic: bool,
    pub customer: CustomerId,
    /// Every conversation of the customer, oldest first.
    pub conversations: Vec<Conversation>,
    /// Every event decided, in order, per conversation index.
    pub log: Vec<Vec<Event>>,
}

pub const INBOX: &str = "support";
pub const SLA_MINUTES: i64 = 60;

impl World {
    pub fn new() -> World {
        World {
            now: datetime!(2030-01-01 09:00 UTC),
            settings: OrgSettings::default(),
            routing: InboxRouting::default(),
            ids: Counter::default(),
            require_topic: false,
            customer: CustomerId::from_trusted("cust"),
            conversations: Vec::new(),
            log: Vec::new(),
        }
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    pub fn fresh(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.ids.next_id())
    }

    pub fn latest(&self) -> &Conversation {
        self.conversations.last().expect("no conversation yet")
    }

    pub fn message(&mut self, channel: Channel) -> ItemContent {
        let text = format!("message {}", self.ids.0);
        match channel {
            Channel::Email => ItemContent::Email {
                from: "jane@example.com".into(),
                to: vec!["support@example.com".into()],
                cc: vec![],
                bcc: vec![],
                subject: "Help".into(),
                content: text,
                html: None,
                attachments: vec![],
            },
            Channel::Sms => ItemContent::Sms {
                from: "+12065550111".into(),
                to: "+12065550100".into(),
                content: text,
                attachments: vec![],
            },
            Channel::Chat => ItemContent::ChatMessage {
                session_id: Some("s1".into()),
                message_type: "TEXT".into(),
                content: text,
                attachments: vec![],
                message_data: None,
            },
            Channel::PhoneCall => ItemContent::PhoneCall {
                from: "+12065550111".into(),
                to: "+12065550100".into(),
                started_at: self.now,
                answered_at: None,
                completed_at: None,
                recording: Default::default(),
            },
            Channel::Voicemail => ItemContent::Voicemail {
                started_at: self.now,
                recording: Default::default(),
            },
            Channel::FacebookMessage => ItemContent::FacebookMessage {
                page_id: None,
                user_id: None,
                content: text,
                attachments: vec![],
            },
            Channel::InstagramDirect => ItemContent::InstagramDirect {
                content: text,
                attachments: vec![],
            },
            Channel::Whatsapp => ItemContent::Whatsapp {
                content: text,
                attachments: vec![],
            },
        }
    }

    /// A customer contact on `channel` (chat in session `s1`), routed as T1-T4 say.
    pub fn inbound(&mut self, channel: Channel) -> Result<Vec<Event>, DomainError> {
        self.inbound_in_session(channel, (channel == Channel::Chat).then(|| "s1".to_owned()))
    }

    pub fn inbound_in_session(
        &mut self,
        channel: Channel,
        session: Option<String>,
    ) -> Result<Vec<Event>, DomainError> {
        let content = self.message(channel);
        let item = ConversationItem {
            id: ItemId::from_trusted(self.fresh("item")),
            customer_id: self.customer.clone(),
            conversation_id: None,
            contact_id: None,
            session_id: session.clone(),
            timestamp: self.now,
            initiator: Initiator::new(InitiatorType::Customer, self.customer.as_str()),
            responder: None,
            content,
            redaction: None,
        };
        let inbound = Inbound {
            new_conversation_id: ConversationId::from_trusted(self.fresh("conv")),
            new_contact_id: ContactId::from_trusted(self.fresh("contact")),
            customer_id: self.customer.clone(),
            channel,
            session_id: session,
            entry_point: Some("support@example.com".into()),
            inbox_id: InboxId::from_trusted(INBOX),
            sla: Sla::around_the_clock(Duration::minutes(SLA_MINUTES)),
            item,
        };
        let target = inbound_target(self.conversations.last(), self.now, &self.settings);
        let existing = match target {
            InboundTarget::New => None,
            _ => self.conversations.last().cloned(),
        };
        let mut ctx = Context {
            now: self.now,
            settings: &self.settings,
            routing: &self.routing,
            ids: &mut self.ids,
        };
        let events = decide_inbound(existing.as_ref(), inbound, &mut ctx)?;
        self.record(existing.is_none(), &events);
        Ok(events)
    }

    /// Runs a command on the latest conversation.
    pub fn run(&mut self, command: Command) -> Result<Vec<Event>, DomainError> {
        let state = self.latest().clone();
        let mut ctx = Context {
            now: self.now,
            settings: &self.settings,
            routing: &self.routing,
            ids: &mut self.ids,
        };
        let events = decide(&state, command, self.require_topic, &mut ctx)?;
        self.record(false, &events);
        Ok(events)
    }

    fn record(&mut self, new: bool, events: &[Event]) {
        if new {
            self.conversations.push(
                hearth_domain::conversation::fold(events)
                    .expect("a new conversation starts with CREATED"),
            );
            self.log.push(events.to_vec());
        } else {
            let last = self.conversations.last_mut().expect("conversation");
            for e in events {
                last.apply(e);
            }
            self.log
                .last_mut()
                .expect("log")
                .extend(events.iter().cloned());
        }
    }

    pub fn agent(&self, id: &str) -> Initiator {
        Initiator::new(InitiatorType::Agent, id)
    }

    pub fn assign(&mut self, agent: Option<&str>) -> Result<Vec<Event>, DomainError> {
        self.run(Command::Assign {
            initiator: self.agent("sup"),
            inbox_id: InboxId::from_trusted(INBOX),
            agent_id: agent.map(AgentId::from_trusted),
            reason: hearth_domain::conversation::AssignReason::Manual,
            inbox_sla: Sla::around_the_clock(Duration::minutes(SLA_MINUTES)),
        })
    }

    /// The agent replies to the customer's latest message on `channel`.
    pub fn reply(&mut self, agent: &str, channel: Channel) -> Result<Vec<Event>, DomainError> {
        let replied = self
            .log
            .last()
            .expect("log")
            .iter()
            .rev()
            .filter_map(|e| match &e.kind {
                hearth_domain::conversation::EventKind::MessageReceived { item } => {
                    Some(item.clone())
                }
                _ => None,
            })
            .find(|i| hearth_domain::conversation::message_channel(&i.content) == Some(channel))
            .expect("a customer message on that channel");
        let mut content = self.message(channel);
        if let ItemContent::Voicemail { .. } = content {
            content = self.message(Channel::Sms);
        }
        let item = ConversationItem {
            id: ItemId::from_trusted(self.fresh("reply")),
            customer_id: self.customer.clone(),
            conversation_id: None,
            contact_id: None,
            session_id: replied.session_id.clone(),
            timestamp: self.now,
            initiator: self.agent(agent),
            responder: None,
            content,
            redaction: None,
        };
        self.run(Command::Reply {
            item: Box::new(item),
            replied_to: Box::new(replied),
            agent_id: Some(AgentId::from_trusted(agent)),
        })
    }
}

/// The type names of events, for compact assertions.
pub fn types(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.type_name()).collect()
}
