//! The business refusals of the domain. Each variant is a fact an agent or client
//! can act on; the HTTP edge maps them to Gladly's error codes.

use crate::channel::Channel;

/// Why a command was refused. Nothing changes when a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field failed validation; `attr` names it as the API spells it.
    #[error("{attr}: {detail}")]
    Invalid {
        attr: String,
        code: InvalidCode,
        detail: String,
    },
    /// R8, T29, R62: closed conversations are read-only.
    #[error("{0}")]
    ConversationClosed(&'static str),
    /// R30: the customer still waits for a reply.
    #[error(
        "cannot close conversation, customer waiting for response, set 'status.force' to true to override"
    )]
    ReplyMissing,
    /// R32: the organization requires a topic before closing.
    #[error("topics are required before closing of conversation")]
    TopicsRequired,
    /// The action does not exist for the conversation's current channel state.
    #[error("action {action} is not available on this conversation")]
    ActionNotAvailable { action: &'static str },
    /// R14: the availability-bar Next needs at least one channel group on.
    #[error("the agent is not available in any channel")]
    NotAvailable,
    /// A conversation with a call going on is not closed under the caller.
    #[error("end the call before closing the conversation")]
    CallInProgress,
    /// R39: in Focus only Close is allowed.
    #[error("the agent is in focus mode")]
    FocusMode,
    /// Only the assignee may act on the conversation.
    #[error("the agent is not the assignee of this conversation")]
    NotAssignee,
    /// R21.
    #[error("agent does not belong to inbox")]
    AgentNotInInbox,
    /// A reply can only answer a customer message on a channel that takes replies.
    #[error("{0}")]
    NotReplyable(&'static str),
    /// The reply's type does not fit the channel of the message it answers.
    #[error("reply type {reply} cannot answer a {channel} message")]
    ReplyChannelMismatch {
        reply: &'static str,
        channel: Channel,
    },
    /// A contact that already ended cannot end again.
    #[error("contact has already ended")]
    ContactEnded,
    /// The command names a contact the conversation does not have.
    #[error("contact does not exist")]
    UnknownContact,
    /// Only a closed conversation can be reopened.
    #[error("the conversation is not closed")]
    NotClosed,
    /// R2: a customer has at most one conversation that is not closed.
    #[error("the customer already has an open conversation")]
    CustomerHasOpenConversation,
    /// The resource is still in use and cannot be removed or changed that way.
    #[error("{0}")]
    InUse(String),
    /// A task rule was broken (closed tasks take no comments, due dates in the future).
    #[error("{0}")]
    TaskState(&'static str),
    /// A message still waiting in the outbox cannot be redacted: it would go out.
    #[error("the message is still being sent; redact it once it is sent or has failed")]
    StillSending,
}

/// The validation codes of Gladly's error body that the domain can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidCode {
    Invalid,
    Blank,
    TooLong,
    NotANumber,
}

impl InvalidCode {
    /// The stable wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            InvalidCode::Invalid => "invalid",
            InvalidCode::Blank => "blank",
            InvalidCode::TooLong => "too_long",
            InvalidCode::NotANumber => "not_a_number",
        }
    }
}

impl DomainError {
    /// A field-level validation failure.
    pub fn invalid(attr: impl Into<String>, detail: impl Into<String>) -> Self {
        DomainError::Invalid {
            attr: attr.into(),
            code: InvalidCode::Invalid,
            detail: detail.into(),
        }
    }
    /// A required field is missing or empty.
    pub fn blank(attr: impl Into<String>, detail: impl Into<String>) -> Self {
        DomainError::Invalid {
            attr: attr.into(),
            code: InvalidCode::Blank,
            detail: detail.into(),
        }
    }
    /// A field is longer than its limit.
    pub fn too_long(attr: impl Into<String>, detail: impl Into<String>) -> Self {
        DomainError::Invalid {
            attr: attr.into(),
            code: InvalidCode::TooLong,
            detail: detail.into(),
        }
    }
}
