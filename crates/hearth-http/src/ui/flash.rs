//! Post, redirect, get: every form of the desktop answers with a redirect to a
//! page, so every page can be reloaded. What the form's answer has to say (a
//! notice, a refusal and the field it is about, the confirmation it asks for, and
//! the text the agent typed, so a refusal never throws it away) rides along in a
//! short-lived cookie that the next page shows once and clears.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::session::{SetCookie, cookie, set_cookie};

const FLASH_COOKIE: &str = "hearth_flash";
/// The fields of the customer pane's forms (profile and new task).
pub(crate) const PANE_FIELDS: &[&str] = &[
    "name",
    "emails",
    "phones",
    "customAttributes",
    "dueAt",
    "taskBody",
    "task",
];
/// Browsers keep cookies up to about 4 kB: a longer draft is left to the page's
/// own copy in the browser's storage.
const DRAFT_BYTES: usize = 2500;

/// What the composer held when its form was refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Draft {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) body: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) subject: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) cc: String,
    /// `reply` or `note`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) mode: String,
    /// The reply channel chosen in the composer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) channel: String,
}

/// A message for the next page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Flash {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) notice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The form field the error is about (`body`, `inboxId`), or empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) field: String,
    /// The action waiting for the close-without-reply confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) confirm: Option<String>,
    /// The page was stale: someone else changed what it showed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) conflict: bool,
    #[serde(default)]
    pub(crate) draft: Draft,
}

impl Flash {
    pub(crate) fn notice(text: impl Into<String>) -> Flash {
        Flash {
            notice: Some(text.into()),
            ..Flash::default()
        }
    }

    pub(crate) fn error(text: impl Into<String>, field: &str) -> Flash {
        Flash {
            error: Some(text.into()),
            field: field.to_owned(),
            ..Flash::default()
        }
    }

    pub(crate) fn with_draft(mut self, draft: Draft) -> Flash {
        self.draft = draft;
        self
    }

    /// The request's flash, and the cookie that clears it once shown. A flash that
    /// cannot be read (altered, or from an older version) is no flash.
    pub(super) fn take(headers: &HeaderMap) -> (Flash, Option<SetCookie>) {
        let Some(raw) = cookie(headers, FLASH_COOKIE).filter(|v| !v.is_empty()) else {
            return (Flash::default(), None);
        };
        let flash = URL_SAFE_NO_PAD
            .decode(raw.as_bytes())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        (flash, Some(set_cookie(headers, FLASH_COOKIE, "", Some(0))))
    }

    /// A redirect to `to` carrying this flash.
    pub(crate) fn redirect(mut self, headers: &HeaderMap, to: &str) -> Response {
        if self.draft.body.len() + self.draft.subject.len() + self.draft.cc.len() > DRAFT_BYTES {
            self.draft = Draft {
                mode: self.draft.mode,
                channel: self.draft.channel,
                ..Draft::default()
            };
        }
        let value = serde_json::to_vec(&self)
            .map(|json| URL_SAFE_NO_PAD.encode(json))
            .unwrap_or_default();
        let mut response = Redirect::to(to).into_response();
        let (k, v) = set_cookie(headers, FLASH_COOKIE, &value, Some(60));
        response.headers_mut().append(k, v);
        response
    }

    /// Whether the error is about `field`.
    pub(crate) fn on(&self, field: &str) -> bool {
        self.error.is_some() && self.field == field
    }

    /// The error text when it is about `field`, else nothing.
    pub(crate) fn error_on(&self, field: &str) -> &str {
        if self.on(field) {
            self.error.as_deref().unwrap_or_default()
        } else {
            ""
        }
    }

    /// The error that belongs to no field (the availability bar shows its own).
    pub(crate) fn general_error(&self) -> Option<&str> {
        self.page_error(&["availability"])
    }

    /// The error that belongs to none of the customer pane's fields.
    pub(crate) fn outside_pane(&self) -> Option<&str> {
        self.page_error(PANE_FIELDS)
    }

    /// The error that belongs to no field shown on the page.
    pub(crate) fn page_error(&self, fields: &[&str]) -> Option<&str> {
        match &self.error {
            Some(e) if !fields.contains(&self.field.as_str()) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_survives_its_cookie_and_is_cleared_once_read() {
        let flash = Flash::error("Write something first.", "body").with_draft(Draft {
            body: "Dear Jane, ü".into(),
            mode: "note".into(),
            ..Draft::default()
        });
        let response = flash
            .clone()
            .redirect(&HeaderMap::new(), "/ui/conversations/c1");
        assert_eq!(response.status(), axum::http::StatusCode::SEE_OTHER);
        let set = response
            .headers()
            .get(axum::http::header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let pair = set.split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, pair.parse().unwrap());
        let (read, clear) = Flash::take(&headers);
        assert_eq!(read, flash);
        assert!(clear.unwrap().1.to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn a_long_draft_is_left_to_the_browser_and_a_bad_cookie_is_no_flash() {
        let flash = Flash::error("x", "body").with_draft(Draft {
            body: "a".repeat(DRAFT_BYTES + 1),
            mode: "reply".into(),
            ..Draft::default()
        });
        let response = flash.redirect(&HeaderMap::new(), "/");
        let set = response.headers()[axum::http::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(set.len() < 400, "{set}");
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "hearth_flash=%%%not-base64".parse().unwrap(),
        );
        assert_eq!(Flash::take(&headers).0, Flash::default());
    }
}
