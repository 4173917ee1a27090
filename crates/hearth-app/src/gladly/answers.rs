//! Answers on the wire (`GLADLY-API.md` 2.9).

use hearth_domain::DomainError;
use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::Fields;
use crate::codec::fmt_ts;
use crate::service::answers::{Answer, AnswerChange, ContentChange, PublicAnswer};

/// `{id?, name, description, audienceIds}` of a create (`name` required) or a PATCH.
pub fn answer_change(m: &Map<String, Value>, create: bool) -> Result<AnswerChange, DomainError> {
    super::fields::only_fields(m, "", &["name", "description", "audienceIds"])?;
    Ok(AnswerChange {
        id: if create {
            m.text("", "id", false, 50)?
        } else {
            None
        },
        name: m.text("", "name", create, 500)?,
        description: m.opt_str("", "description")?,
        audience_ids: if m.has("audienceIds") {
            Some(m.str_list("", "audienceIds")?)
        } else {
            None
        },
    })
}

/// `{bodyHtml, title, subject, internal}` of a PUT of an answer's text.
pub fn content_change(m: &Map<String, Value>) -> Result<ContentChange, DomainError> {
    Ok(ContentChange {
        body_html: m.req_str("", "bodyHtml")?,
        markdown: None,
        title: m.text("", "title", false, 500)?,
        subject: m.text("", "subject", false, 500)?,
        internal: m.opt_bool("", "internal")?,
    })
}

/// An answer as Gladly shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerWire {
    pub id: String,
    pub name: String,
    pub description: String,
    pub audience_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Answer> for AnswerWire {
    fn from(a: &Answer) -> Self {
        AnswerWire {
            id: a.doc.id.clone(),
            name: a.doc.name.clone(),
            description: a.doc.description.clone(),
            audience_ids: a.doc.audience_ids.clone(),
            created_at: fmt_ts(a.created_at),
            updated_at: fmt_ts(a.updated_at),
        }
    }
}

/// A public answer (`GET /orgs/{orgId}/answers/{answerId}`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicAnswerWire {
    pub id: String,
    pub name: String,
    pub body_html: String,
    pub language: String,
    pub updated_at: String,
}

impl From<&PublicAnswer> for PublicAnswerWire {
    fn from(a: &PublicAnswer) -> Self {
        PublicAnswerWire {
            id: a.id.clone(),
            name: a.title.clone(),
            body_html: a.body_html.clone(),
            language: a.language.clone(),
            updated_at: fmt_ts(a.updated_at),
        }
    }
}

/// An answer's id and title: what the public search and the help center's list give.
#[derive(Debug, Serialize)]
pub struct AnswerTitleWire {
    pub id: String,
    pub name: String,
}
