//! The public help center: `/help` (every public answer), `/help/{audience}` (the
//! answers written for one audience) and `/help/answer/{id}` (one answer). Server
//! rendered, searchable with typos forgiven, readable without signing in, and
//! private by construction: no cookies, no scripts, nothing fetched from anywhere
//! else, no referrer sent on.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::AppError;
use hearth_app::codec::AudienceDoc;
use hearth_app::service::answer_search::{AnswerSearch, text_of_html};

use super::frame::page;
use crate::AppState;

/// One answer in a list: its title, a line of its text, and where it is read.
pub(super) struct Listed {
    pub(super) href: String,
    pub(super) title: String,
    pub(super) excerpt: String,
}

#[derive(Template)]
#[template(path = "help.html")]
pub(super) struct HelpPage {
    /// The audience shown, if one.
    pub(super) audience: Option<AudienceDoc>,
    pub(super) audiences: Vec<AudienceDoc>,
    pub(super) q: String,
    pub(super) lng: String,
    pub(super) answers: Vec<Listed>,
    /// One answer, read in full.
    pub(super) answer: Option<Reading>,
    /// Why the search was refused, in words.
    pub(super) error: Option<String>,
    /// Where the search box sends its question.
    pub(super) action: String,
}

/// An answer read in full.
pub(super) struct Reading {
    pub(super) title: String,
    /// Safe HTML: cleaned by ammonia when it was saved.
    pub(super) body_html: String,
    pub(super) updated: String,
}

const EXCERPT: usize = 180;

fn excerpt(html: &str) -> String {
    let text = text_of_html(html);
    if text.chars().count() <= EXCERPT {
        return text;
    }
    let cut: String = text.chars().take(EXCERPT).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}

/// The help center's answer: the page, with headers that keep it private.
fn private(status: StatusCode, page_body: &HelpPage) -> Response {
    let mut response = (status, page(page_body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn failed(e: AppError) -> Response {
    match e {
        AppError::NotFound { .. } => missing(),
        other => crate::error::ApiError::from(other).into_response(),
    }
}

/// A help-center page for an address that leads nowhere.
fn missing() -> Response {
    private(
        StatusCode::NOT_FOUND,
        &HelpPage {
            audience: None,
            audiences: Vec::new(),
            q: String::new(),
            lng: String::new(),
            answers: Vec::new(),
            answer: None,
            error: Some("There is no public answer at this address.".to_owned()),
            action: "/help".to_owned(),
        },
    )
}

/// A date as readers write it: "7 December 2026".
fn date(t: hearth_domain::Timestamp) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {} {}", t.day(), t.month(), t.year())
}

/// `/help`: every public answer.
pub(super) async fn index(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    list(&state, None, &query).await
}

/// `/help/{audience}`: the answers written for one audience.
pub(super) async fn audience(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    list(&state, Some(&id), &query).await
}

async fn list(
    state: &AppState,
    audience_id: Option<&str>,
    query: &HashMap<String, String>,
) -> Response {
    let audiences = match state.app.audiences().await {
        Ok(a) => a,
        Err(e) => return failed(e),
    };
    let audience = match audience_id {
        Some(id) => match audiences.iter().find(|a| a.id == id) {
            Some(a) => Some(a.clone()),
            None => return missing(),
        },
        None => None,
    };
    let q = query
        .get("q")
        .map(|q| q.trim().to_owned())
        .unwrap_or_default();
    let lng = query.get("lng").cloned().unwrap_or_default();
    let language = Some(lng.as_str()).filter(|l| !l.is_empty());
    let suffix = if lng.is_empty() {
        String::new()
    } else {
        format!("?lng={}", super::urlencode(&lng))
    };
    let (answers, error) = if q.is_empty() {
        match state.app.public_answers(language, audience_id, 1000).await {
            Ok(all) => (
                all.iter()
                    .map(|a| Listed {
                        href: format!("/help/answer/{}{suffix}", super::urlencode(&a.id)),
                        title: a.title.clone(),
                        excerpt: excerpt(&a.body_html),
                    })
                    .collect(),
                None,
            ),
            Err(AppError::Domain(e)) => (Vec::new(), Some(super::words::refusal(&e))),
            Err(e) => return failed(e),
        }
    } else {
        let search = AnswerSearch {
            q: q.clone(),
            kinds: vec!["public".into()],
            language: language.map(str::to_owned),
            audience_id: audience_id.map(str::to_owned),
            limit: 50,
        };
        match state.app.search_answers(&search).await {
            Ok(found) => (
                found
                    .iter()
                    .map(|f| Listed {
                        href: format!(
                            "/help/answer/{}{suffix}",
                            super::urlencode(&f.answer.doc.id)
                        ),
                        title: f
                            .text
                            .title
                            .clone()
                            .unwrap_or_else(|| f.answer.doc.name.clone()),
                        excerpt: excerpt(&f.text.body_html),
                    })
                    .collect(),
                None,
            ),
            Err(AppError::Domain(e)) => (Vec::new(), Some(super::words::refusal(&e))),
            Err(e) => return failed(e),
        }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let action = match &audience {
        Some(a) => format!("/help/{}", super::urlencode(&a.id)),
        None => "/help".to_owned(),
    };
    private(
        status,
        &HelpPage {
            audience,
            audiences,
            q,
            lng,
            answers,
            answer: None,
            error,
            action,
        },
    )
}

/// `/help/answer/{id}`: one public answer in full.
pub(super) async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let lng = query.get("lng").cloned().unwrap_or_default();
    let language = Some(lng.as_str()).filter(|l| !l.is_empty());
    let found = match state.app.public_answer(&id, language).await {
        Ok(a) => a,
        Err(AppError::Domain(_)) => return missing(),
        Err(e) => return failed(e),
    };
    let audiences = match state.app.audiences().await {
        Ok(a) => a,
        Err(e) => return failed(e),
    };
    private(
        StatusCode::OK,
        &HelpPage {
            audience: None,
            audiences,
            q: String::new(),
            lng,
            answers: Vec::new(),
            answer: Some(Reading {
                title: found.title,
                body_html: found.body_html,
                updated: date(found.updated_at),
            }),
            error: None,
            action: "/help".to_owned(),
        },
    )
}
