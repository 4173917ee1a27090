//! Answers (`GLADLY-API.md` 2.9): reply templates and help-center articles. An
//! answer has a name unique without regard to case, a description and audiences;
//! its texts are kept per language and use (`public`, `email`, `messaging`,
//! `reference`) as HTML made safe when saved, so no script or event handler is
//! ever stored or shown.

use hearth_domain::{DomainError, Timestamp};

use super::answer_index::{
    ANSWER, CONTENT, USAGE, content_id, language_matches, reindex_answer, texts_by_answer,
    texts_of, unindex_answer,
};
use super::credentials::Caller;
use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::codec::{self, AnswerContentDoc, AnswerDoc, AudienceDoc, from_ms, to_ms};
use crate::error::AppError;
use crate::ports::{ResourceRow, StoreError, StoreTx};

pub(crate) const AUDIENCE: &str = "audience";

/// The uses an answer's text can have.
pub const CONTENT_TYPES: [&str; 4] = ["public", "email", "messaging", "reference"];
/// The longest name and description (Gladly's limits).
const MAX_NAME: usize = 500;
const MAX_DESCRIPTION: usize = 10_000;
/// The largest text, in bytes of HTML.
const MAX_BODY: usize = 100 * 1024;

/// An answer with its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub doc: AnswerDoc,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a create or a PATCH says; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerChange {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub audience_ids: Option<Vec<String>>,
}

/// One text of an answer, as a PUT gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentChange {
    pub body_html: String,
    /// Written in Markdown instead (the admin page): `body_html` is made from it.
    pub markdown: Option<String>,
    pub title: Option<String>,
    pub subject: Option<String>,
    pub internal: Option<bool>,
}

pub(crate) fn answer_of(row: &ResourceRow) -> Result<Answer, AppError> {
    Ok(Answer {
        doc: codec::read(&row.doc)?,
        created_at: from_ms(row.created_at),
        updated_at: from_ms(row.updated_at),
    })
}

/// HTML of Markdown (CommonMark with tables and strikethrough); the caller cleans it.
fn html_of_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    out
}

/// A language tag like `en-us`: letters, then parts of letters and digits.
pub(crate) fn check_language(language: &str) -> Result<String, DomainError> {
    let lower = language.to_ascii_lowercase();
    let mut parts = lower.split('-');
    let ok = lower.len() <= 35
        && parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase())
        })
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok {
        Ok(lower)
    } else {
        Err(DomainError::invalid(
            "language",
            format!("'{language}' is not a language tag like en-us"),
        ))
    }
}

pub(crate) fn check_type(kind: &str) -> Result<(), DomainError> {
    if CONTENT_TYPES.contains(&kind) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "type",
            format!("'{kind}' is not one of {}", CONTENT_TYPES.join(", ")),
        ))
    }
}

impl App {
    /// `POST /answers`: a new answer; a name already used is 409 naming the answer
    /// that has it.
    pub async fn create_answer(
        &self,
        _caller: &Caller,
        change: AnswerChange,
    ) -> Result<Answer, AppError> {
        let id = match &change.id {
            Some(id) => {
                hearth_domain::id::validate_id("id", id)?;
                id.clone()
            }
            None => new_id(),
        };
        write_tx!(self, |tx| {
            if tx.resource(ANSWER, &id).await?.is_some() {
                return Err(AppError::Taken {
                    attr: "id".into(),
                    holder_kind: "answer",
                    holder_id: id.clone(),
                });
            }
            let doc = self.checked_answer(tx, &id, None, &change).await?;
            self.put_answer(tx, &doc, None).await?;
            reindex_answer(tx, &doc).await?;
            self.read_answer(tx, &id).await
        })
    }

    /// One answer.
    pub async fn answer(&self, id: &str) -> Result<Answer, AppError> {
        read_tx!(self, |tx| self.read_answer(tx, id).await)
    }

    /// Every answer, by name.
    pub async fn answers(&self) -> Result<Vec<Answer>, AppError> {
        read_tx!(self, |tx| {
            let mut all = tx
                .resources(ANSWER)
                .await?
                .iter()
                .map(answer_of)
                .collect::<Result<Vec<_>, _>>()?;
            all.sort_by_key(|a| a.doc.name.to_lowercase());
            Ok::<_, AppError>(all)
        })
    }

    /// `PATCH /answers/{id}`: the fields given change.
    pub async fn update_answer(
        &self,
        _caller: &Caller,
        id: &str,
        change: AnswerChange,
    ) -> Result<Answer, AppError> {
        write_tx!(self, |tx| {
            let current = self.read_answer(tx, id).await?;
            let doc = self
                .checked_answer(tx, id, Some(&current.doc), &change)
                .await?;
            self.put_answer(tx, &doc, Some(&current)).await?;
            reindex_answer(tx, &doc).await?;
            self.read_answer(tx, id).await
        })
    }

    /// `DELETE /answers/{id}`, with its texts.
    pub async fn delete_answer(&self, _caller: &Caller, id: &str) -> Result<(), AppError> {
        write_tx!(self, |tx| {
            self.read_answer(tx, id).await?;
            for text in texts_of(tx, id).await? {
                tx.delete_resource(CONTENT, &content_id(id, &text.language, &text.kind))
                    .await?;
            }
            tx.delete_resource(ANSWER, id).await?;
            tx.delete_resource(USAGE, id).await?;
            unindex_answer(tx, id).await?;
            Ok::<_, AppError>(())
        })
    }

    /// One text of an answer.
    pub async fn answer_content(
        &self,
        id: &str,
        language: &str,
        kind: &str,
    ) -> Result<AnswerContentDoc, AppError> {
        let language = check_language(language)?;
        check_type(kind)?;
        read_tx!(self, |tx| {
            self.read_answer(tx, id).await?;
            let row = tx
                .resource(CONTENT, &content_id(id, &language, kind))
                .await?
                .ok_or_else(|| {
                    AppError::not_found("answer content", format!("{id} {language} {kind}"))
                })?;
            Ok::<_, AppError>(codec::read(&row.doc)?)
        })
    }

    /// `PUT /answers/{id}/languages/{language}/type/{type}`: the text, its HTML
    /// made safe (scripts, styles and event handlers dropped).
    pub async fn put_answer_content(
        &self,
        _caller: &Caller,
        id: &str,
        language: &str,
        kind: &str,
        change: ContentChange,
    ) -> Result<AnswerContentDoc, AppError> {
        let language = check_language(language)?;
        check_type(kind)?;
        let markdown = change.markdown.filter(|m| !m.trim().is_empty());
        let (attr, source) = match &markdown {
            Some(m) => ("markdown", m.as_str()),
            None => ("bodyHtml", change.body_html.as_str()),
        };
        if source.len() > MAX_BODY {
            return Err(DomainError::too_long(attr, "must be at most 100 KiB").into());
        }
        let body_html = ammonia::clean(&match &markdown {
            Some(m) => html_of_markdown(m),
            None => change.body_html.clone(),
        });
        if body_html.trim().is_empty() {
            return Err(DomainError::blank(attr, "an answer needs a text").into());
        }
        hearth_domain::placeholders::check(attr, source)?;
        if let Some(subject) = &change.subject {
            hearth_domain::placeholders::check("subject", subject)?;
        }
        let title = change
            .title
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if kind == "public" && title.is_none() {
            return Err(DomainError::blank("title", "a public answer needs a title").into());
        }
        let doc = AnswerContentDoc {
            answer_id: id.to_owned(),
            language: language.clone(),
            kind: kind.to_owned(),
            body_html,
            title: if kind == "public" { title } else { None },
            subject: if kind == "email" {
                change
                    .subject
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
            } else {
                None
            },
            internal: if kind == "reference" {
                change.internal
            } else {
                None
            },
            markdown,
        };
        let now = to_ms(self.now());
        write_tx!(self, |tx| {
            let current = self.read_answer(tx, id).await?;
            let key = content_id(id, &language, kind);
            let created = tx
                .resource(CONTENT, &key)
                .await?
                .map_or(now, |r| r.created_at);
            tx.put_resource(&ResourceRow {
                kind: CONTENT.into(),
                id: key,
                unique_key: None,
                doc: codec::write(&doc)?,
                created_at: created,
                updated_at: now,
                version: 1,
            })
            .await?;
            // The answer changed with its text.
            self.put_answer(tx, &current.doc, Some(&current)).await?;
            reindex_answer(tx, &current.doc).await?;
            Ok::<_, AppError>(doc.clone())
        })
    }

    /// `DELETE /answers/{id}/languages/{language}/type/{type}`.
    pub async fn delete_answer_content(
        &self,
        _caller: &Caller,
        id: &str,
        language: &str,
        kind: &str,
    ) -> Result<(), AppError> {
        let language = check_language(language)?;
        check_type(kind)?;
        write_tx!(self, |tx| {
            self.read_answer(tx, id).await?;
            let key = content_id(id, &language, kind);
            if tx.resource(CONTENT, &key).await?.is_none() {
                return Err(AppError::not_found(
                    "answer content",
                    format!("{id} {language} {kind}"),
                ));
            }
            tx.delete_resource(CONTENT, &key).await?;
            let current = self.read_answer(tx, id).await?;
            self.put_answer(tx, &current.doc, Some(&current)).await?;
            reindex_answer(tx, &current.doc).await?;
            Ok::<_, AppError>(())
        })
    }

    /// Every answer, by name, with its texts (one pass over the texts).
    pub async fn answers_with_texts(
        &self,
    ) -> Result<Vec<(Answer, Vec<AnswerContentDoc>)>, AppError> {
        let answers = self.answers().await?;
        let mut texts = read_tx!(self, |tx| texts_by_answer(tx).await)?;
        Ok(answers
            .into_iter()
            .map(|a| {
                let t = texts.remove(&a.doc.id).unwrap_or_default();
                (a, t)
            })
            .collect())
    }

    /// Every text of an answer, by use and language.
    pub async fn answer_texts(&self, id: &str) -> Result<Vec<AnswerContentDoc>, AppError> {
        read_tx!(self, |tx| {
            self.read_answer(tx, id).await?;
            texts_of(tx, id).await
        })
    }

    /// `GET /audiences`.
    pub async fn audiences(&self) -> Result<Vec<AudienceDoc>, AppError> {
        read_tx!(self, |tx| {
            tx.resources(AUDIENCE)
                .await?
                .iter()
                .map(|r| Ok(codec::read(&r.doc)?))
                .collect::<Result<Vec<AudienceDoc>, AppError>>()
        })
    }

    async fn read_answer(&self, tx: &mut dyn StoreTx, id: &str) -> Result<Answer, AppError> {
        let row = tx
            .resource(ANSWER, id)
            .await?
            .ok_or_else(|| AppError::not_found("answer", id))?;
        answer_of(&row)
    }

    /// The answer a change makes of `current` (none: a new one), checked.
    async fn checked_answer(
        &self,
        tx: &mut dyn StoreTx,
        id: &str,
        current: Option<&AnswerDoc>,
        change: &AnswerChange,
    ) -> Result<AnswerDoc, AppError> {
        let name = change
            .name
            .clone()
            .or_else(|| current.map(|c| c.name.clone()))
            .unwrap_or_default();
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(DomainError::blank("name", "an answer needs a name").into());
        }
        if name.chars().count() > MAX_NAME {
            return Err(DomainError::too_long(
                "name",
                format!("must be at most {MAX_NAME} characters"),
            )
            .into());
        }
        let description = change
            .description
            .clone()
            .or_else(|| current.map(|c| c.description.clone()))
            .unwrap_or_default();
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(DomainError::too_long(
                "description",
                format!("must be at most {MAX_DESCRIPTION} characters"),
            )
            .into());
        }
        let audience_ids = change
            .audience_ids
            .clone()
            .or_else(|| current.map(|c| c.audience_ids.clone()))
            .unwrap_or_default();
        for audience in &audience_ids {
            if tx.resource(AUDIENCE, audience).await?.is_none() {
                return Err(DomainError::invalid(
                    "audienceIds",
                    format!("audience {audience} does not exist"),
                )
                .into());
            }
        }
        Ok(AnswerDoc {
            id: id.to_owned(),
            name,
            description,
            audience_ids,
        })
    }

    /// Writes an answer; its lowercased name is its unique key, so a name in use is
    /// refused naming the answer that holds it.
    async fn put_answer(
        &self,
        tx: &mut dyn StoreTx,
        doc: &AnswerDoc,
        current: Option<&Answer>,
    ) -> Result<(), AppError> {
        let now = to_ms(self.now());
        let row = ResourceRow {
            kind: ANSWER.into(),
            id: doc.id.clone(),
            unique_key: Some(doc.name.to_lowercase()),
            doc: codec::write(doc)?,
            created_at: current.map_or(now, |c| to_ms(c.created_at)),
            updated_at: now,
            version: 1,
        };
        match tx.put_resource(&row).await {
            Err(StoreError::Conflict { holder, .. }) => Err(AppError::Taken {
                attr: "name".into(),
                holder_kind: "answer",
                holder_id: holder,
            }),
            other => other.map_err(AppError::from),
        }
    }
}

/// A public answer as the help center and Gladly's public endpoints show it: its
/// title (the answer's name when it has none), its safe HTML and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicAnswer {
    pub id: String,
    pub title: String,
    pub body_html: String,
    pub language: String,
    pub audience_ids: Vec<String>,
    pub updated_at: Timestamp,
}

/// Which public text of an answer a reader gets: the language asked for (`en`
/// also takes `en-us`), or without one the first language alphabetically.
fn public_text<'a>(
    texts: &'a [AnswerContentDoc],
    language: Option<&str>,
) -> Option<&'a AnswerContentDoc> {
    let public = || texts.iter().filter(|t| t.kind == "public");
    match language {
        Some(l) => public()
            .find(|t| t.language == l)
            .or_else(|| public().find(|t| language_matches(&t.language, l))),
        None => public().min_by(|a, b| a.language.cmp(&b.language)),
    }
}

impl App {
    /// Public answers, by title: for one language (`en` also takes `en-us`) and one
    /// audience when given, at most `limit`. Nobody needs to sign in to read them.
    pub async fn public_answers(
        &self,
        language: Option<&str>,
        audience_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<PublicAnswer>, AppError> {
        let language = language.map(check_language).transpose()?;
        read_tx!(self, |tx| {
            let texts = texts_by_answer(tx).await?;
            let mut all = Vec::new();
            for row in tx.resources(ANSWER).await? {
                let answer = answer_of(&row)?;
                if audience_id.is_some_and(|a| !answer.doc.audience_ids.iter().any(|x| x == a)) {
                    continue;
                }
                let Some(text) = texts
                    .get(&answer.doc.id)
                    .and_then(|t| public_text(t, language.as_deref()))
                else {
                    continue;
                };
                all.push(public_of(&answer, text));
            }
            all.sort_by_key(|a| (a.title.to_lowercase(), a.id.clone()));
            all.truncate(limit);
            Ok::<_, AppError>(all)
        })
    }

    /// One public answer; 404 when it has no public text (in that language).
    pub async fn public_answer(
        &self,
        id: &str,
        language: Option<&str>,
    ) -> Result<PublicAnswer, AppError> {
        let language = language.map(check_language).transpose()?;
        read_tx!(self, |tx| {
            let answer = self.read_answer(tx, id).await?;
            let texts = texts_of(tx, id).await?;
            let text = public_text(&texts, language.as_deref())
                .ok_or_else(|| AppError::not_found("public answer", id))?;
            Ok::<_, AppError>(public_of(&answer, text))
        })
    }

    /// One audience, or 404.
    pub async fn audience(&self, id: &str) -> Result<AudienceDoc, AppError> {
        read_tx!(self, |tx| {
            let row = tx
                .resource(AUDIENCE, id)
                .await?
                .ok_or_else(|| AppError::not_found("audience", id))?;
            Ok::<_, AppError>(codec::read(&row.doc)?)
        })
    }
}

fn public_of(answer: &Answer, text: &AnswerContentDoc) -> PublicAnswer {
    PublicAnswer {
        id: answer.doc.id.clone(),
        title: text
            .title
            .clone()
            .unwrap_or_else(|| answer.doc.name.clone()),
        body_html: text.body_html.clone(),
        language: text.language.clone(),
        audience_ids: answer.doc.audience_ids.clone(),
        updated_at: answer.updated_at,
    }
}
