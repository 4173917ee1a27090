//! Finding answers: the composer's search as an agent types, the help center's
//! search and Gladly's public `answers-search`. The store's full-text engine (FTS5
//! on SQLite, a `tsvector` on PostgreSQL) finds the texts; this module folds the
//! words both engines are given, corrects a misspelt word when nothing matches,
//! keeps the index in step with the answers, and counts how often each answer is
//! used so the most used come first.

use std::collections::HashMap;

use super::answer_index::{ANSWER, CONTENT, USAGE, language_matches, reindex_answer};
pub use super::answer_index::{plain_text_of_html, text_of_html, words};
use super::answers::Answer;
use crate::app::{App, read_tx, write_tx};
use crate::codec::{self, AnswerContentDoc, AnswerDoc, AnswerUsageDoc, to_ms};
use crate::error::AppError;
use crate::ports::{AnswerQuery, ResourceRow, StoreTx};

/// The longest question, in characters.
const MAX_QUESTION: usize = 500;
/// The most words a question is read for.
const MAX_TERMS: usize = 12;
/// How many vocabulary words a correction looks through.
const VOCABULARY_LIMIT: i64 = 20_000;

/// A question to the answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerSearch {
    /// What the person typed; empty lists the most used answers.
    pub q: String,
    /// The uses wanted (`email`, `messaging`, ...); empty: any.
    pub kinds: Vec<String>,
    pub language: Option<String>,
    /// Only answers written for this audience.
    pub audience_id: Option<String>,
    pub limit: usize,
}

/// An answer found, with the text that matched best.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundAnswer {
    pub answer: Answer,
    pub text: AnswerContentDoc,
    pub uses: i64,
}

/// The closest word of `vocabulary` to a misspelt `term`, within one edit for
/// words up to seven letters and two beyond (transpositions count once). A prefix
/// term is compared with the words' beginnings. Ties go to the first word
/// alphabetically, so the correction is the same on every backend.
fn closest<'a>(term: &str, prefix: bool, vocabulary: &'a [String]) -> Option<&'a str> {
    let len = term.chars().count();
    if len < 4 {
        return None;
    }
    let allowed = if len <= 7 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for word in vocabulary {
        let distance = if prefix {
            // The word's beginning of the term's length, give or take one letter.
            (len.saturating_sub(1)..=len + 1)
                .map(|n| {
                    let start: String = word.chars().take(n).collect();
                    strsim::damerau_levenshtein(term, &start)
                })
                .min()
                .unwrap_or(usize::MAX)
        } else {
            strsim::damerau_levenshtein(term, word)
        };
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, word));
        }
    }
    best.map(|(_, w)| w)
}

impl App {
    /// Answers that match a question, best first: relevance (a name match above a
    /// body match) lifted by how often the answer has been used. A question that
    /// finds nothing is asked once more with its misspelt words corrected from the
    /// words the answers hold.
    pub async fn search_answers(
        &self,
        search: &AnswerSearch,
    ) -> Result<Vec<FoundAnswer>, AppError> {
        let limit = search.limit.clamp(1, 1000);
        if search.q.chars().count() > MAX_QUESTION {
            return Err(hearth_domain::DomainError::too_long(
                "q",
                format!("must be at most {MAX_QUESTION} characters"),
            )
            .into());
        }
        let language = search
            .language
            .as_deref()
            .map(super::answers::check_language)
            .transpose()?;
        read_tx!(self, |tx| {
            let uses = usage(tx).await?;
            let mut terms = words(&search.q);
            terms.truncate(MAX_TERMS);
            let texts = contents(tx).await?;
            let wanted = |t: &AnswerContentDoc| {
                (search.kinds.is_empty() || search.kinds.contains(&t.kind))
                    && language
                        .as_deref()
                        .is_none_or(|l| language_matches(&t.language, l))
            };
            // The best text of each answer, with its score.
            let mut best: Vec<(String, String, f64)> = Vec::new();
            if terms.is_empty() {
                for t in texts.values().filter(|t| wanted(t)) {
                    if !best.iter().any(|(a, _, _)| *a == t.answer_id) {
                        best.push((t.answer_id.clone(), key_of(t), 0.0));
                    }
                }
            } else {
                let last_is_prefix = !search.q.ends_with(char::is_whitespace);
                let mut query = AnswerQuery {
                    terms: terms.clone(),
                    last_is_prefix,
                    any_term: false,
                    kinds: search.kinds.clone(),
                    // `en` also finds `en-us`: languages are matched here.
                    language: None,
                    limit: i64::try_from(limit * 4).unwrap_or(4000),
                };
                let mut hits = tx.search_answers(&query).await?;
                if hits.is_empty() {
                    let corrected = corrected(tx, &terms, last_is_prefix).await?;
                    if corrected != terms {
                        query.terms = corrected;
                        hits = tx.search_answers(&query).await?;
                    }
                }
                // A question in a sentence ("is my parcel on its way") rarely has
                // every word in one answer: then any word will do, best first.
                if hits.is_empty() && query.terms.len() > 1 {
                    query.any_term = true;
                    hits = tx.search_answers(&query).await?;
                }
                for hit in hits {
                    if language
                        .as_deref()
                        .is_some_and(|l| !language_matches(&hit.language, l))
                    {
                        continue;
                    }
                    let key = format!("{}/{}/{}", hit.answer_id, hit.language, hit.kind);
                    match best.iter_mut().find(|(a, _, _)| *a == hit.answer_id) {
                        Some(seen) if seen.2 >= hit.score => {}
                        Some(seen) => *seen = (hit.answer_id, key, hit.score),
                        None => best.push((hit.answer_id, key, hit.score)),
                    }
                }
            }
            let mut found = Vec::new();
            for (answer_id, key, score) in best {
                let Some(row) = tx.resource(ANSWER, &answer_id).await? else {
                    continue;
                };
                let answer = super::answers::answer_of(&row)?;
                if let Some(audience) = &search.audience_id
                    && !answer.doc.audience_ids.contains(audience)
                {
                    continue;
                }
                let Some(text) = texts.get(&key) else {
                    continue;
                };
                let used = uses.get(&answer_id).copied().unwrap_or(0);
                // Use lifts relevance gently: ten uses add about a quarter.
                #[allow(clippy::cast_precision_loss, reason = "a use count is small")]
                let rank = score * (1.0 + 0.1 * (1.0 + used as f64).ln());
                found.push((
                    rank,
                    FoundAnswer {
                        answer,
                        text: text.clone(),
                        uses: used,
                    },
                ));
            }
            found.sort_by(|(ra, a), (rb, b)| {
                rb.total_cmp(ra).then(b.uses.cmp(&a.uses)).then_with(|| {
                    a.answer
                        .doc
                        .name
                        .to_lowercase()
                        .cmp(&b.answer.doc.name.to_lowercase())
                })
            });
            found.truncate(limit);
            Ok::<_, AppError>(found.into_iter().map(|(_, f)| f).collect())
        })
    }

    /// How often each answer has been put into a reply, by answer id.
    pub async fn answer_uses(&self) -> Result<HashMap<String, i64>, AppError> {
        read_tx!(self, |tx| usage(tx).await)
    }

    /// An agent put an answer into a reply: it counts towards the most used.
    pub async fn record_answer_use(&self, answer_id: &str) -> Result<i64, AppError> {
        let now = to_ms(self.now());
        write_tx!(self, |tx| {
            if tx.resource(ANSWER, answer_id).await?.is_none() {
                return Err(AppError::not_found("answer", answer_id));
            }
            let current = tx.resource(USAGE, answer_id).await?;
            let uses = match &current {
                Some(row) => codec::read::<AnswerUsageDoc>(&row.doc)?.uses,
                None => 0,
            } + 1;
            tx.put_resource(&ResourceRow {
                kind: USAGE.into(),
                id: answer_id.to_owned(),
                unique_key: None,
                doc: codec::write(&AnswerUsageDoc { uses })?,
                created_at: current.as_ref().map_or(now, |r| r.created_at),
                updated_at: now,
                version: 1,
            })
            .await?;
            Ok::<_, AppError>(uses)
        })
    }

    /// Rebuilds the search index when it does not hold every text (a database
    /// whose answers were written before the index existed); a start calls it.
    pub async fn reindex_answers_if_stale(&self) -> Result<bool, AppError> {
        write_tx!(self, |tx| {
            let texts = tx.resources(CONTENT).await?.len();
            let indexed = tx.answer_texts_indexed().await?;
            if usize::try_from(indexed).is_ok_and(|n| n == texts) {
                return Ok::<_, AppError>(false);
            }
            for row in tx.resources(ANSWER).await? {
                let answer: AnswerDoc = codec::read(&row.doc)?;
                reindex_answer(tx, &answer).await?;
            }
            Ok(true)
        })
    }
}

/// An answer offered to an agent writing a reply: its text for the reply's use
/// with the placeholders Hearth knows filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub id: String,
    pub name: String,
    /// An email text's subject.
    pub subject: Option<String>,
    /// Plain text, paragraphs kept as blank lines, ready for the composer.
    pub text: String,
    /// Placeholders left for the agent to fill, as written.
    pub unfilled: Vec<String>,
    pub uses: i64,
    /// A reference answer marked internal (never to be sent as it is).
    pub internal: bool,
}

/// The values answers' placeholders take for a customer and the agent writing.
fn placeholder_values(
    customer: Option<&hearth_domain::customer::Customer>,
    agent: &hearth_domain::config::Agent,
) -> HashMap<String, String> {
    let mut values = HashMap::new();
    let first = |name: &str| {
        name.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let last = |name: &str| {
        let mut words = name.split_whitespace();
        words.next();
        words.collect::<Vec<_>>().join(" ")
    };
    values.insert("agent.name".to_owned(), agent.name.clone());
    values.insert("agent.firstName".to_owned(), first(&agent.name));
    values.insert("agent.email".to_owned(), agent.email.clone());
    if let Some(c) = customer {
        if let Some(name) = &c.name {
            values.insert("customer.name".to_owned(), name.clone());
            values.insert("customer.firstName".to_owned(), first(name));
            values.insert("customer.lastName".to_owned(), last(name));
        }
        let email = c.emails.iter().find(|e| e.primary).or(c.emails.first());
        if let Some(e) = email {
            values.insert("customer.email".to_owned(), e.address.original().to_owned());
        }
        let phone = c.phones.iter().find(|p| p.primary).or(c.phones.first());
        if let Some(p) = phone {
            values.insert("customer.phone".to_owned(), p.number.e164().to_owned());
        }
        for (key, value) in &c.custom_attributes {
            values.insert(format!("customer.customAttributes.{key}"), value.clone());
        }
    }
    values
}

impl App {
    /// Answers for an agent replying in a conversation: those with a text of
    /// `kind` that match `q` (the most used when `q` is empty), filled in for the
    /// conversation's customer and the agent.
    pub async fn answers_for_reply(
        &self,
        caller: &super::credentials::Caller,
        conversation_id: &str,
        q: &str,
        kind: &str,
        limit: usize,
    ) -> Result<Vec<Suggestion>, AppError> {
        super::answers::check_type(kind)?;
        let customer = read_tx!(self, |tx| {
            let conversation = crate::unit_of_work::load_conversation(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            crate::unit_of_work::load_customer(tx, conversation.customer_id.as_str()).await
        })?;
        let values = placeholder_values(customer.as_ref(), &caller.agent);
        let found = self
            .search_answers(&AnswerSearch {
                q: q.to_owned(),
                kinds: vec![kind.to_owned()],
                language: None,
                audience_id: None,
                limit,
            })
            .await?;
        Ok(found
            .into_iter()
            .map(|f| {
                let value = |name: &str| values.get(name).cloned();
                let body = hearth_domain::placeholders::fill(
                    &plain_text_of_html(&f.text.body_html),
                    value,
                );
                let subject = f
                    .text
                    .subject
                    .as_deref()
                    .map(|s| hearth_domain::placeholders::fill(s, value));
                let mut unfilled = body.unfilled;
                if let Some(s) = &subject {
                    for u in &s.unfilled {
                        if !unfilled.contains(u) {
                            unfilled.push(u.clone());
                        }
                    }
                }
                Suggestion {
                    id: f.answer.doc.id.clone(),
                    name: f.answer.doc.name.clone(),
                    subject: subject.map(|s| s.text),
                    text: body.text,
                    unfilled,
                    uses: f.uses,
                    internal: f.text.internal == Some(true),
                }
            })
            .collect())
    }
}

fn key_of(t: &AnswerContentDoc) -> String {
    format!("{}/{}/{}", t.answer_id, t.language, t.kind)
}

async fn contents(tx: &mut dyn StoreTx) -> Result<HashMap<String, AnswerContentDoc>, AppError> {
    let mut all = HashMap::new();
    for row in tx.resources(CONTENT).await? {
        all.insert(row.id.clone(), codec::read(&row.doc)?);
    }
    Ok(all)
}

async fn usage(tx: &mut dyn StoreTx) -> Result<HashMap<String, i64>, AppError> {
    let mut all = HashMap::new();
    for row in tx.resources(USAGE).await? {
        all.insert(
            row.id.clone(),
            codec::read::<AnswerUsageDoc>(&row.doc)?.uses,
        );
    }
    Ok(all)
}

/// The terms with each one the answers do not hold replaced by its closest word.
async fn corrected(
    tx: &mut dyn StoreTx,
    terms: &[String],
    last_is_prefix: bool,
) -> Result<Vec<String>, AppError> {
    let lengths = terms.iter().map(|t| t.chars().count());
    let (Some(min), Some(max)) = (lengths.clone().min(), lengths.max()) else {
        return Ok(terms.to_vec());
    };
    let min = i64::try_from(min.saturating_sub(2)).unwrap_or(0);
    let max = i64::try_from(max + 2).unwrap_or(i64::MAX);
    // A prefix term may begin a much longer word.
    let max = if last_is_prefix { i64::MAX } else { max };
    let vocabulary = tx.answer_words(min, max, VOCABULARY_LIMIT).await?;
    let last = terms.len() - 1;
    Ok(terms
        .iter()
        .enumerate()
        .map(|(i, term)| {
            let prefix = last_is_prefix && i == last;
            let known = if prefix {
                vocabulary.iter().any(|w| w.starts_with(term.as_str()))
            } else {
                vocabulary.binary_search(term).is_ok()
            };
            if known {
                term.clone()
            } else {
                closest(term, prefix, &vocabulary).map_or_else(|| term.clone(), str::to_owned)
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_word_finds_its_closest() {
        let vocabulary: Vec<String> = ["refund", "return", "shipping", "shipment"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(closest("refnud", false, &vocabulary), Some("refund"));
        assert_eq!(closest("shiping", false, &vocabulary), Some("shipping"));
        assert_eq!(closest("rfeu", true, &vocabulary), Some("refund"));
        // Too short to guess, or too far from any word.
        assert_eq!(closest("rfd", false, &vocabulary), None);
        assert_eq!(closest("warranty", false, &vocabulary), None);
    }
}
