//! Opaque, URL-safe identifiers. Hearth generates 22-character base64url ids;
//! clients may bring their own where Gladly allows it (1-50 characters of
//! `[A-Za-z0-9_-]`).

use crate::DomainError;

/// The longest id a client may supply ("URL safe and under 50 characters").
pub const MAX_ID_LEN: usize = 50;

/// Checks an id supplied from outside.
pub fn validate_id(attr: &str, raw: &str) -> Result<(), DomainError> {
    if raw.is_empty() {
        return Err(DomainError::blank(attr, "id must not be empty"));
    }
    if raw.len() > MAX_ID_LEN {
        return Err(DomainError::too_long(
            attr,
            "id must be at most 50 characters",
        ));
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(DomainError::invalid(
            attr,
            "id may contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates an id that came from outside (a path, a body).
            pub fn parse(attr: &str, raw: &str) -> Result<Self, DomainError> {
                validate_id(attr, raw)?;
                Ok(Self(raw.to_owned()))
            }
            /// Wraps an id that Hearth generated or read back from its own store.
            pub fn from_trusted(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type! {
    /// A customer profile.
    CustomerId,
    /// A conversation.
    ConversationId,
    /// A contact inside a conversation.
    ContactId,
    /// A conversation item (timeline entry).
    ItemId,
    /// An agent (a user of Hearth).
    AgentId,
    /// An inbox (a queue of work).
    InboxId,
    /// A team.
    TeamId,
    /// A topic.
    TopicId,
    /// An entry point (an inbound address).
    EntryPointId,
    /// A task.
    TaskId,
    /// A task comment.
    CommentId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_url_safe_and_short() {
        assert!(validate_id("id", "OOrlNMXeS72gs_WEX2TtMg").is_ok());
        assert!(validate_id("id", "id1").is_ok());
        assert!(validate_id("id", "").is_err());
        assert!(validate_id("id", "a/b").is_err());
        assert!(validate_id("id", &"x".repeat(51)).is_err());
        assert!(validate_id("id", &"x".repeat(50)).is_ok());
    }
}
