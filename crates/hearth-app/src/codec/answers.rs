//! Answers as stored (resource kinds `answer` and `answer_content`).

use serde::{Deserialize, Serialize};

/// An answer: a name (unique, case aside), a description and its audiences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerDoc {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub audience_ids: Vec<String>,
}

/// One content of an answer: its text for one language and one use (`public`,
/// `email`, `messaging`, `reference`), kept as sanitised HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerContentDoc {
    pub answer_id: String,
    pub language: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub body_html: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    /// The Markdown the text was written in on the admin page, kept to edit it
    /// again (a Hearth addition; `bodyHtml` is what is shown and sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
}

/// An audience answers are written for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudienceDoc {
    pub id: String,
    pub name: String,
}

/// How often agents have put an answer into a reply (resource kind `answer_usage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerUsageDoc {
    pub uses: i64,
}
