//! The answers' search index kept in step with the answers: the words both
//! engines are given (folded alike: lower case, accents and markup gone), the text
//! of an answer's HTML, and re-indexing an answer after any change to it. Below
//! both `answers` (which writes) and `answer_search` (which reads).

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::codec::{self, AnswerContentDoc, AnswerDoc};
use crate::error::AppError;
use crate::ports::{AnswerTextRow, StoreTx};

/// Resource kinds: answers, their texts, and their use counts.
pub(crate) const ANSWER: &str = "answer";
pub(crate) const CONTENT: &str = "answer_content";
pub(crate) const USAGE: &str = "answer_usage";

/// Lower case, accents and compatibility forms folded away (`Ré­sumé` → `resume`),
/// split into words of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The text of HTML already made safe by ammonia, on one line: block ends and
/// line breaks part words, inline markup does not (`re<b>fund</b>` is one word).
pub fn text_of_html(html: &str) -> String {
    plain_text_of_html(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Plain text of an answer's safe HTML for a composer: paragraphs and line breaks
/// kept, list items bulleted, the rest of the markup dropped.
pub fn plain_text_of_html(html: &str) -> String {
    let marked = html
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</p>", "\n\n")
        .replace("</div>", "\n")
        .replace("</li>", "\n")
        .replace("<li>", "• ")
        .replace("</h1>", "\n\n")
        .replace("</h2>", "\n\n")
        .replace("</h3>", "\n\n")
        .replace("</h4>", "\n\n")
        .replace("</blockquote>", "\n\n")
        .replace("</pre>", "\n\n")
        .replace("</tr>", "\n")
        .replace("</td>", " ")
        .replace("</th>", " ");
    let text = ammonia::Builder::empty().clean(&marked).to_string();
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = String::new();
    let mut blank = 0;
    for line in lines {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        out.push_str(line.trim_start());
        blank = 0;
    }
    out
}

/// Whether a text in `language` is one in `wanted`: the same tag, or `wanted` is
/// its primary language (`en` for `en-us`).
pub(crate) fn language_matches(language: &str, wanted: &str) -> bool {
    language == wanted || language.split('-').next() == Some(wanted)
}

/// The key of one text of an answer: `{answer}/{language}/{type}`.
pub(crate) fn content_id(answer: &str, language: &str, kind: &str) -> String {
    format!("{answer}/{language}/{kind}")
}

/// Every text of one answer, by use and language.
pub(crate) async fn texts_of(
    tx: &mut dyn StoreTx,
    answer_id: &str,
) -> Result<Vec<AnswerContentDoc>, AppError> {
    let prefix = format!("{answer_id}/");
    let mut texts = Vec::new();
    for row in tx.resources(CONTENT).await? {
        if row.id.starts_with(&prefix) {
            texts.push(codec::read::<AnswerContentDoc>(&row.doc)?);
        }
    }
    texts.sort_by(|a, b| (&a.kind, &a.language).cmp(&(&b.kind, &b.language)));
    Ok(texts)
}

/// Every text, grouped by answer, read in one pass.
pub(crate) async fn texts_by_answer(
    tx: &mut dyn StoreTx,
) -> Result<HashMap<String, Vec<AnswerContentDoc>>, AppError> {
    let mut all: HashMap<String, Vec<AnswerContentDoc>> = HashMap::new();
    for row in tx.resources(CONTENT).await? {
        let doc: AnswerContentDoc = codec::read(&row.doc)?;
        all.entry(doc.answer_id.clone()).or_default().push(doc);
    }
    for texts in all.values_mut() {
        texts.sort_by(|a, b| (&a.kind, &a.language).cmp(&(&b.kind, &b.language)));
    }
    Ok(all)
}

/// Indexes every text of an answer again (its name is in each) and its words.
pub(crate) async fn reindex_answer(
    tx: &mut dyn StoreTx,
    answer: &AnswerDoc,
) -> Result<(), AppError> {
    tx.unindex_answer(&answer.id, None).await?;
    let mut vocabulary = words(&answer.name);
    for text in texts_of(tx, &answer.id).await? {
        let indexed = index_row(answer, &text);
        vocabulary.extend(indexed.name.split(' ').map(str::to_owned));
        vocabulary.extend(indexed.body.split(' ').map(str::to_owned));
        tx.index_answer_text(&indexed).await?;
    }
    vocabulary.retain(|w| !w.is_empty());
    vocabulary.sort();
    vocabulary.dedup();
    tx.set_answer_words(&answer.id, &vocabulary).await?;
    Ok(())
}

/// Forgets an answer in the index.
pub(crate) async fn unindex_answer(tx: &mut dyn StoreTx, answer_id: &str) -> Result<(), AppError> {
    tx.unindex_answer(answer_id, None).await?;
    tx.set_answer_words(answer_id, &[]).await?;
    Ok(())
}

fn index_row(answer: &AnswerDoc, text: &AnswerContentDoc) -> AnswerTextRow {
    let mut name = words(&answer.name);
    if let Some(title) = &text.title {
        name.extend(words(title));
    }
    let mut body = Vec::new();
    if let Some(subject) = &text.subject {
        body.extend(words(subject));
    }
    body.extend(words(&answer.description));
    body.extend(words(&text_of_html(&text.body_html)));
    AnswerTextRow {
        answer_id: answer.id.clone(),
        language: text.language.clone(),
        kind: text.kind.clone(),
        name: name.join(" "),
        body: body.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split() {
        assert_eq!(
            words("Résumé: ÉTÉ-2024, naïve ﬁle"),
            ["resume", "ete", "2024", "naive", "file"]
        );
        assert!(words(" ,.; ").is_empty());
    }

    #[test]
    fn html_reads_as_its_text() {
        assert_eq!(
            text_of_html("<p>Refunds&nbsp;take</p><p>5 &amp; more <b>days</b></p>"),
            "Refunds take 5 & more days"
        );
    }

    #[test]
    fn an_answer_reads_as_plain_text_with_its_paragraphs() {
        assert_eq!(
            plain_text_of_html(
                "<p>Hi {{customer.firstName}},</p><p>Send it <b>back</b>:<br>today.</p><ul><li>one</li><li>two &amp; three</li></ul>"
            ),
            "Hi {{customer.firstName}},\n\nSend it back:\ntoday.\n\n• one\n• two & three"
        );
    }
}
