//! Reading one email (RFC 5322 / MIME, with mail-parser) into what the ingestion
//! use case takes: who wrote, to which entry point, what they said, which thread it
//! answers, and whether a person wrote it at all (auto-replies, bulk mail and
//! delivery reports are told apart here).

use hearth_app::service::{INLINE_FILE as INLINE_PREFIX, file_id};
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// Longest subject kept; longer ones are cut (on a character boundary).
const MAX_SUBJECT: usize = 998;

/// An email as Hearth reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadEmail {
    /// Where answers go: Reply-To if present, else From; lowercased.
    pub sender: String,
    pub sender_name: Option<String>,
    /// The envelope recipient (Delivered-To) first, then every address in To and Cc,
    /// as written.
    pub recipients: Vec<String>,
    /// Cc as written, to keep on the item and on the reply.
    pub cc: Vec<String>,
    pub to: Vec<String>,
    pub subject: String,
    /// The plain text (the text part; else the HTML part as text).
    pub text: String,
    /// The HTML part, made safe to show ([`sanitise`]); inline images point at
    /// the files they came as.
    pub html: Option<String>,
    /// Attachments and inline images.
    pub files: Vec<Part>,
    /// `<id>` of this message, if it has one.
    pub message_id: Option<String>,
    /// The ids it answers, nearest first: In-Reply-To, then References newest first.
    pub answers: Vec<String>,
    pub kind: Kind,
}

/// A file that came with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The SHA-256 of the bytes, in hex: the file's id.
    pub id: String,
    pub content_type: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Who or what wrote the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A person.
    Person,
    /// An auto-reply or bulk mail; the reason names the header that said so.
    Automated(&'static str),
    /// A delivery status report about a message Hearth sent (`<id>`, if found).
    Bounce {
        original: Option<String>,
        reason: String,
    },
}

/// Why a message cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("not a MIME message")]
    NotMime,
    #[error("the message names no sender (no From or Reply-To address)")]
    NoSender,
    #[error("the MIME parser failed on this message: {0}")]
    ParserFailed(String),
}

/// Reads `raw`. The MIME parser panics on some malformed input (found by
/// `tests/fuzz_mime.rs`; `tests/corpus/18-parser-panic.eml` is one); reading is a
/// pure function of the bytes, so such a panic is caught here and the message is
/// unreadable rather than the reader lost.
pub fn read(raw: &[u8]) -> Result<ReadEmail, Unreadable> {
    match std::panic::catch_unwind(|| read_unguarded(raw)) {
        Ok(result) => result,
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(Unreadable::ParserFailed(why))
        }
    }
}

fn read_unguarded(raw: &[u8]) -> Result<ReadEmail, Unreadable> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(Unreadable::NotMime)?;
    if message.headers().is_empty() {
        return Err(Unreadable::NotMime);
    }
    let author = first_address(message.reply_to()).or_else(|| first_address(message.from()));
    let (sender, sender_name) = author.ok_or(Unreadable::NoSender)?;
    let to = addresses(message.to());
    let cc = addresses(message.cc());
    // As written: a plus tag is case-sensitive (it carries an id).
    let mut recipients: Vec<String> = message
        .header_values("Delivered-To")
        .filter_map(|v| v.as_text().map(|t| t.trim().to_owned()))
        .collect();
    recipients.extend(to.iter().chain(&cc).cloned());
    let lower = |list: Vec<String>| list.iter().map(|a| a.to_lowercase()).collect::<Vec<_>>();
    let (to, cc) = (lower(to), lower(cc));
    let subject = cut(message.subject().unwrap_or_default().trim(), MAX_SUBJECT);
    // Agents read lines: CRLF (and a stray CR) become LF.
    let text = message
        .body_text(0)
        .map(|t| {
            t.replace("\r\n", "\n")
                .replace('\r', "\n")
                .trim_end()
                .to_owned()
        })
        .unwrap_or_default();
    let (files, inline) = files(&message);
    let html = message
        .html_bodies()
        .any(|p| matches!(p.body, PartType::Html(_)))
        .then(|| message.body_html(0))
        .flatten()
        .map(|h| sanitise(&h, &inline));
    let message_id = message.message_id().map(bracketed);
    let mut answers: Vec<String> = ids(message.in_reply_to());
    for id in ids(message.references()).into_iter().rev() {
        if !answers.contains(&id) {
            answers.push(id);
        }
    }
    let kind = kind_of(&message);
    let all = |list: Vec<String>| list.into_iter().map(no_nul).collect();
    Ok(ReadEmail {
        sender: no_nul(sender),
        sender_name: sender_name.map(no_nul),
        recipients: all(recipients),
        cc: all(cc),
        to: all(to),
        subject: no_nul(subject),
        text: no_nul(text),
        html: html.map(no_nul),
        files: files
            .into_iter()
            .map(|f| Part {
                filename: no_nul(f.filename),
                content_type: no_nul(f.content_type),
                ..f
            })
            .collect(),
        message_id: message_id.map(no_nul),
        answers: all(answers),
        kind,
    })
}

/// U+0000 in a message's text becomes U+FFFD: nothing in mail needs it, the
/// PostgreSQL store cannot keep it, and a message is never refused for it.
fn no_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{FFFD}")
    } else {
        text
    }
}

/// The message's attachments and inline images, and the `cid:` of each inline
/// one with its file id.
fn files(message: &Message<'_>) -> (Vec<Part>, Vec<(String, String)>) {
    let mut files: Vec<Part> = Vec::new();
    let mut inline = Vec::new();
    for part in message.attachments() {
        let bytes = match &part.body {
            PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            // A forwarded message travels as the file it is.
            PartType::Message(m) => m.raw_message().to_vec(),
            PartType::Multipart(_) => continue,
        };
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(sub) => format!("{}/{}", c.ctype(), sub),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        let id = file_id(&bytes);
        if let Some(cid) = part.content_id() {
            inline.push((bracketed(cid), id.clone()));
        }
        let filename = part
            .attachment_name()
            .map(|n| cut(n.trim(), 255))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("file-{}", files.len() + 1));
        if files.iter().any(|f| f.id == id) {
            continue;
        }
        files.push(Part {
            id,
            content_type,
            filename,
            bytes,
        });
    }
    (files, inline)
}

/// HTML made safe to show with ammonia: no scripts, styles, forms or event
/// handlers; links open apart and tell nothing; images only from the message
/// itself (`cid:` rewritten to [`INLINE_PREFIX`] and the file id), so opening an
/// email never calls a sender's server.
pub fn sanitise(html: &str, inline: &[(String, String)]) -> String {
    let mut html = html.to_owned();
    for (cid, id) in inline {
        let bare = cid.trim_start_matches('<').trim_end_matches('>');
        html = html.replace(&format!("cid:{bare}"), &format!("{INLINE_PREFIX}{id}"));
    }
    ammonia::Builder::default()
        .add_url_schemes([INLINE_PREFIX.trim_end_matches(':')])
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" && !value.starts_with(INLINE_PREFIX) {
                None
            } else {
                Some(value.into())
            }
        })
        .clean(&html)
        .to_string()
}

fn first_address(address: Option<&Address<'_>>) -> Option<(String, Option<String>)> {
    let addr = address?.iter().find(|a| a.address().is_some())?;
    let email = addr.address()?.trim().to_lowercase();
    if email.is_empty() || !email.contains('@') {
        return None;
    }
    let name = addr
        .name()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    Some((email, name))
}

fn addresses(address: Option<&Address<'_>>) -> Vec<String> {
    address
        .map(|a| {
            a.iter()
                .filter_map(|a| a.address())
                .map(|a| a.trim().to_owned())
                .filter(|a| a.contains('@'))
                .collect()
        })
        .unwrap_or_default()
}

fn bracketed(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    format!("<{id}>")
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![bracketed(t)],
        HeaderValue::TextList(list) => list.iter().map(|t| bracketed(t)).collect(),
        _ => Vec::new(),
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn header_text<'a>(message: &'a Message<'a>, name: &'a str) -> Option<&'a str> {
    message
        .header(name)
        .and_then(HeaderValue::as_text)
        .map(str::trim)
}

/// RFC 3834 `Auto-Submitted`, `Precedence: bulk|list|junk`, `List-Id`, the common
/// auto-responder headers, and RFC 3464 delivery reports.
fn kind_of(message: &Message<'_>) -> Kind {
    let content_type = message.content_type();
    let is_report = content_type.is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case("multipart")
            && c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && c.attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    if is_report {
        return bounce(message);
    }
    if header_text(message, "Auto-Submitted").is_some_and(|v| !v.eq_ignore_ascii_case("no")) {
        return Kind::Automated("Auto-Submitted");
    }
    if header_text(message, "Precedence").is_some_and(|v| {
        ["bulk", "list", "junk"]
            .iter()
            .any(|p| v.eq_ignore_ascii_case(p))
    }) {
        return Kind::Automated("Precedence");
    }
    if message.header("List-Id").is_some() {
        return Kind::Automated("List-Id");
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if message.header(name).is_some() {
            return Kind::Automated(name);
        }
    }
    Kind::Person
}

/// The original message id and the reason of a delivery report: from the returned
/// message (or its headers), and the report's `Diagnostic-Code` or `Status`.
fn bounce(message: &Message<'_>) -> Kind {
    let mut original = None;
    let mut reason = String::from("the message could not be delivered");
    for part in message.parts.iter() {
        let subtype = part
            .content_type()
            .and_then(|c| c.subtype())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let bytes: &[u8] = match &part.body {
            PartType::Message(returned) => {
                original = original.or_else(|| returned.message_id().map(bracketed));
                continue;
            }
            PartType::Text(text) | PartType::Html(text) => text.as_bytes(),
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes.as_ref(),
            PartType::Multipart(_) => continue,
        };
        match subtype.as_str() {
            "delivery-status" => {
                if let Some(r) = diagnostic(&String::from_utf8_lossy(bytes)) {
                    reason = r;
                }
            }
            "rfc822-headers" => {
                original = original.or_else(|| {
                    MessageParser::default()
                        .parse_headers(bytes)
                        .and_then(|m| m.message_id().map(bracketed))
                });
            }
            _ => {}
        }
    }
    Kind::Bounce { original, reason }
}

/// `Diagnostic-Code` (else `Status`) of a delivery-status body.
fn diagnostic(status: &str) -> Option<String> {
    let field = |name: &str| {
        status.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    field("Diagnostic-Code")
        .or_else(|| field("Status").map(|s| format!("status {s}")))
        .map(|r| cut(&r, 500))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(raw: &str) -> ReadEmail {
        read(raw.as_bytes()).expect(raw)
    }

    #[test]
    fn a_plain_message_gives_sender_subject_text_and_thread() {
        let mail = read_ok(
            "From: Jane Doe <Jane@Example.com>\r\nTo: support@example.com\r\nCc: Bob <Bob@example.com>\r\n\
             Subject: Order 1\r\nMessage-ID: <m2@example.com>\r\nIn-Reply-To: <h1@hearth>\r\n\
             References: <m1@example.com> <h1@hearth>\r\n\r\nWhere is it?\r\nSoon?\r\n",
        );
        assert_eq!(mail.sender, "jane@example.com");
        assert_eq!(mail.sender_name.as_deref(), Some("Jane Doe"));
        assert_eq!(mail.recipients, ["support@example.com", "Bob@example.com"]);
        assert_eq!(mail.cc, ["bob@example.com"]);
        assert_eq!(mail.subject, "Order 1");
        assert_eq!(mail.text, "Where is it?\nSoon?");
        assert_eq!(mail.message_id.as_deref(), Some("<m2@example.com>"));
        assert_eq!(mail.answers, ["<h1@hearth>", "<m1@example.com>"]);
        assert_eq!(mail.kind, Kind::Person);
    }

    #[test]
    fn reply_to_wins_over_from_and_delivered_to_comes_first() {
        let mail = read_ok(
            "Delivered-To: help@example.com\r\nFrom: noreply@shop.example\r\nReply-To: Jane <jane@example.com>\r\n\
             To: someone@example.org\r\nSubject: x\r\n\r\nbody",
        );
        assert_eq!(mail.sender, "jane@example.com");
        assert_eq!(mail.recipients[0], "help@example.com");
    }

    #[test]
    fn automated_mail_is_told_apart() {
        for (header, reason) in [
            ("Auto-Submitted: auto-replied", "Auto-Submitted"),
            ("Precedence: bulk", "Precedence"),
            ("List-Id: <news.example.com>", "List-Id"),
            ("X-Autoreply: yes", "X-Autoreply"),
        ] {
            let mail = read_ok(&format!(
                "From: a@example.com\r\nTo: support@example.com\r\n{header}\r\nSubject: Out of office\r\n\r\nAway"
            ));
            assert_eq!(mail.kind, Kind::Automated(reason), "{header}");
        }
        let person = read_ok(
            "From: a@example.com\r\nAuto-Submitted: no\r\nSubject: hi\r\n\r\nA person wrote this",
        );
        assert_eq!(person.kind, Kind::Person);
    }

    #[test]
    fn a_delivery_report_names_the_message_and_the_reason() {
        let report = "From: MAILER-DAEMON@mx.example\r\nTo: support@example.com\r\n\
            Subject: Undelivered\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
            --b1\r\nContent-Type: text/plain\r\n\r\nIt bounced.\r\n\
            --b1\r\nContent-Type: message/delivery-status\r\n\r\n\
            Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; jane@example.com\r\n\
            Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\
            --b1\r\nContent-Type: text/rfc822-headers\r\n\r\n\
            Message-ID: <sent-1@hearth.test>\r\nSubject: Re: Order\r\n\
            --b1--\r\n";
        let mail = read_ok(report);
        assert_eq!(
            mail.kind,
            Kind::Bounce {
                original: Some("<sent-1@hearth.test>".into()),
                reason: "smtp; 550 5.1.1 user unknown".into(),
            }
        );
    }

    /// multipart/mixed around multipart/related around multipart/alternative:
    /// Latin-1 text, HTML with a script, a remote image and an inline one, and a
    /// PDF whose name is encoded.
    const NESTED: &str = "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.com>\r\n\
        To: support@example.com\r\nSubject: =?ISO-8859-1?Q?Caf=E9?= order\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
        --m\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n\
        --r\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n\
        --a\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
        D=E9j=E0 pay=E9.\r\n\
        --a\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n\
        <p onclick=\"x()\">D\u{e9}j\u{e0} <b>pay\u{e9}</b><script>alert(1)</script>\
        <img src=\"https://tracker.example/p.gif\"><img src=\"cid:logo@x\"></p>\r\n\
        --a--\r\n\
        --r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        iVBORw0KGgo=\r\n\
        --r--\r\n\
        --m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''re%C3%A7u.pdf\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n\
        --m--\r\n";

    #[test]
    fn nested_multiparts_give_text_safe_html_and_files() {
        let mail = read_ok(NESTED);
        assert_eq!(mail.sender_name.as_deref(), Some("Ren\u{e9}e"));
        assert_eq!(mail.subject, "Caf\u{e9} order");
        assert_eq!(mail.text, "D\u{e9}j\u{e0} pay\u{e9}.");
        let html = mail.html.expect("the HTML part is kept");
        assert!(html.contains("<b>pay\u{e9}</b>"), "{html}");
        for gone in ["script", "onclick", "tracker.example"] {
            assert!(!html.contains(gone), "{gone} left in {html}");
        }
        let names: Vec<(&str, &str)> = mail
            .files
            .iter()
            .map(|f| (f.filename.as_str(), f.content_type.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("file-1", "image/png"),
                ("re\u{e7}u.pdf", "application/pdf")
            ]
        );
        assert_eq!(mail.files[1].bytes, b"%PDF-1.4");
        assert_eq!(mail.files[1].id, file_id(b"%PDF-1.4"));
        assert!(
            html.contains(&format!("src=\"{INLINE_PREFIX}{}\"", mail.files[0].id)),
            "the inline image points at its file: {html}"
        );
    }

    #[test]
    fn a_nul_in_a_message_becomes_a_replacement_character() {
        let read = read_ok(
            "From: \"Ja\u{0}ne\" <jane@example.com>\r\nTo: support@example.com\r\n\
             Subject: Hi\u{0}there\r\n\r\nline\u{0}one\r\n",
        );
        assert_eq!(read.sender_name.as_deref(), Some("Ja\u{FFFD}ne"));
        assert_eq!(read.subject, "Hi\u{FFFD}there");
        assert_eq!(read.text, "line\u{FFFD}one");
    }

    #[test]
    fn a_message_without_a_sender_or_headers_is_unreadable() {
        assert_eq!(
            read(b"To: support@example.com\r\nSubject: x\r\n\r\nbody"),
            Err(Unreadable::NoSender)
        );
        assert_eq!(read(b""), Err(Unreadable::NotMime));
    }
}
