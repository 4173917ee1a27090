//! Message-automation sessions as stored (resource kind `automation_session`).

use serde::{Deserialize, Serialize};

/// A bot's session with a customer on a CHAT or SMS contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationSessionDoc {
    pub id: String,
    pub conversation_id: String,
    pub customer_id: String,
    /// `CHAT` or `SMS`.
    pub channel: String,
    /// The entry point's address the customer wrote to.
    pub company_address: String,
    /// Where the customer wrote from (a chat visitor, a phone number).
    pub customer_address: String,
    /// The widget's chat session, for a chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_session_id: Option<String>,
    /// `AUTOMATION` while the bot answers, `AGENT` once it handed over.
    pub target: String,
    /// When the bot closed the session, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
}
