//! The use cases, one module per domain noun. Each is an `impl App` block: a read
//! runs in `read_tx!`, a write in `write_tx!` and goes through the write pipeline
//! ([`crate::pipeline`]). Loading and storing aggregates is
//! [`crate::unit_of_work`]'s.

mod answer_index;
pub mod answer_search;
pub mod answers;
pub mod automation;
mod availability;
mod chat_sessions;
pub mod communications;
pub(crate) mod conversations;
pub mod credentials;
mod customers;
pub mod events;
pub mod exports;
mod inbound;
mod invitations;
mod offers;
pub mod organization;
mod outbox;
mod permissions;
pub mod preferences;
mod queue;
pub mod redaction;
pub mod reports;
pub mod rules;
pub mod tasks;
mod timers;
mod topics;
pub mod webhooks;
mod work;

pub use crate::app::App;
pub use crate::unit_of_work::{SETTINGS_ID, kind};
pub use availability::{Availability, NextWork};
pub use chat_sessions::{
    ChatEndedBy, ChatEntryPoint, ChatFrom, ChatLine, ChatSession, ChatTranscript, PreChat,
    TYPING_FOR,
};
pub use conversations::{ItemsPage, PatchConversation, ReplyRequest};
pub use credentials::Caller;
pub use customers::{CustomerQuery, CustomerRef, FIND_CAP, ProfileChange};
pub use inbound::{
    File, INLINE_FILE, ImapMailbox, InboundRequest, InboundResponse, ItemFile, KeptMessage,
    RawMessage, Received, Thread, file_id,
};
pub use invitations::{INVITATION_LIFETIME, Invitation, MIN_PASSWORD_CHARS};
pub use outbox::{Delivery, DeliveryState, Outgoing};
pub use queue::{AgentBoardLine, DueCount, QueueLine};
pub use topics::TopicChange;
pub use work::{ActionResult, ConversationView, MyCustomer, VIEW_FULL_CONVERSATIONS};
