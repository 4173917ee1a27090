//! The chat protocol's frames (pinned by the chat issue so other clients can be
//! written): JSON text frames, each with `type`.
//!
//! Client to server: `hello {customer?: {name?, emailAddress?}, resume?}`,
//! `message {clientId, content}`, `typing`, `end`. Server to client:
//! `welcome {resume, sessionId, history}`, `message {id, from, agentName?, content,
//! at, clientId?}`, `typing {from}`, `ended {by}`, `error {code, detail}`.

use serde::{Deserialize, Serialize};

/// A frame from the customer's side.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientFrame {
    Hello {
        #[serde(default)]
        customer: Option<Customer>,
        #[serde(default)]
        resume: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Message {
        client_id: String,
        content: String,
    },
    Typing {},
    End {},
}

/// What the customer says of themselves in `hello`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Customer {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
}

/// A frame to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerFrame {
    #[serde(rename_all = "camelCase")]
    Welcome {
        resume: String,
        session_id: String,
        history: Vec<Line>,
    },
    Message(Line),
    Typing {
        from: &'static str,
    },
    Ended {
        by: &'static str,
    },
    Error {
        code: &'static str,
        detail: String,
    },
}

/// One message line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub id: String,
    /// `customer`, `agent` or `system`.
    pub from: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    pub content: String,
    /// RFC 3339 with milliseconds.
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Why a frame was not understood: the `error` frame's code and detail.
pub fn read(text: &str) -> Result<ClientFrame, (&'static str, String)> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ("invalid_frame", format!("not JSON: {e}")))?;
    let kind = value
        .get("type")
        .and_then(serde_json::Value::as_str)
        .ok_or(("invalid_frame", "a frame needs a string type".to_owned()))?;
    if !matches!(kind, "hello" | "message" | "typing" | "end") {
        return Err(("unknown_type", format!("unknown frame type '{kind}'")));
    }
    // No text of a frame holds U+0000 (the PostgreSQL store cannot keep it).
    fn has_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(list) => list.iter().any(has_nul),
            serde_json::Value::Object(map) => {
                map.iter().any(|(k, v)| k.contains('\0') || has_nul(v))
            }
            _ => false,
        }
    }
    if has_nul(&value) {
        return Err((
            "invalid_frame",
            "a frame's text must not contain the character U+0000".to_owned(),
        ));
    }
    serde_json::from_value(value).map_err(|e| ("invalid_frame", e.to_string()))
}

impl ServerFrame {
    /// The frame as JSON text.
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","detail":"the frame could not be written"}"#
                .to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_are_read_strictly() {
        assert_eq!(
            read(r#"{"type":"hello","customer":{"name":"Ann","emailAddress":"ann@example.com"}}"#),
            Ok(ClientFrame::Hello {
                customer: Some(Customer {
                    name: Some("Ann".into()),
                    email_address: Some("ann@example.com".into())
                }),
                resume: None
            })
        );
        assert_eq!(
            read(r#"{"type":"message","clientId":"c1","content":"hi"}"#),
            Ok(ClientFrame::Message {
                client_id: "c1".into(),
                content: "hi".into()
            })
        );
        assert_eq!(read(r#"{"type":"typing"}"#), Ok(ClientFrame::Typing {}));
        assert_eq!(read(r#"{"type":"end"}"#), Ok(ClientFrame::End {}));
        assert_eq!(read("nope").unwrap_err().0, "invalid_frame");
        assert_eq!(
            read(r#"{"type":"message","clientId":"c1","content":"a\u0000b"}"#)
                .unwrap_err()
                .0,
            "invalid_frame"
        );
        assert_eq!(read(r#"{"type":"dance"}"#).unwrap_err().0, "unknown_type");
        assert_eq!(
            read(r#"{"type":"message","content":"x"}"#).unwrap_err().0,
            "invalid_frame"
        );
        assert_eq!(
            read(r#"{"type":"message","clientId":"c","content":"x","extra":1}"#)
                .unwrap_err()
                .0,
            "invalid_frame"
        );
    }

    #[test]
    fn server_frames_have_the_pinned_shape() {
        let line = Line {
            id: "i1".into(),
            from: "agent",
            agent_name: Some("Alice".into()),
            content: "Hello".into(),
            at: "2026-12-07T10:00:00.000Z".into(),
            client_id: None,
        };
        assert_eq!(
            ServerFrame::Message(line.clone()).text(),
            r#"{"type":"message","id":"i1","from":"agent","agentName":"Alice","content":"Hello","at":"2026-12-07T10:00:00.000Z"}"#
        );
        assert_eq!(
            ServerFrame::Welcome {
                resume: "t".into(),
                session_id: "s".into(),
                history: vec![]
            }
            .text(),
            r#"{"type":"welcome","resume":"t","sessionId":"s","history":[]}"#
        );
        assert_eq!(
            ServerFrame::Ended { by: "agent" }.text(),
            r#"{"type":"ended","by":"agent"}"#
        );
        assert_eq!(
            ServerFrame::Error {
                code: "rate_limited",
                detail: "slow down".into()
            }
            .text(),
            r#"{"type":"error","code":"rate_limited","detail":"slow down"}"#
        );
    }
}
