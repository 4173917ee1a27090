//! The admin's answers page: every answer with the texts it has, searched as the
//! composer searches; an answer's name, description and audiences; its texts per
//! language and use, written in Markdown (or HTML) and kept as sanitised HTML; and
//! the audiences answers are written for. Saves go through the same use cases as
//! `/api/v1/answers`, so the refusals are the API's.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hearth_app::AppError;
use hearth_app::codec::AudienceDoc;
use hearth_app::service::answer_search::{AnswerSearch, text_of_html};
use hearth_app::service::answers::{AnswerChange, ContentChange};
use hearth_app::service::organization::AdminKind;

use super::admin::{SECTIONS, admin_caller, admin_form, answer};
use super::flash::Flash;
use super::frame::{Nav, page};
use super::session::check_csrf;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/answers", get(list).post(create))
        .route("/ui/admin/answers/{id}", get(edit).post(update))
        .route("/ui/admin/answers/{id}/text", post(save_text))
        .route("/ui/admin/answers/{id}/text/delete", post(delete_text))
        .route("/ui/admin/answers/{id}/delete", post(delete))
        .route("/ui/admin/audiences", post(add_audience))
}

/// The uses a text can have, in the admin's words.
const KINDS: [(&str, &str); 4] = [
    ("email", "Email reply"),
    ("messaging", "Messaging reply (chat, SMS, social)"),
    ("public", "Help center article"),
    ("reference", "Reference for agents (calls, notes)"),
];

fn kind_words(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Text", |(_, w)| w)
}

/// One answer in the list.
struct AnswerLine {
    id: String,
    name: String,
    description: String,
    /// Its texts in words: "Email reply (en-us), Help center article (en-us)".
    texts: String,
    uses: i64,
}

/// One text of the answer being edited.
struct TextLine {
    language: String,
    kind: String,
    words: &'static str,
    heading: String,
    excerpt: String,
}

/// The answer being edited.
struct Editing {
    id: String,
    name: String,
    description: String,
    audience_ids: Vec<String>,
    texts: Vec<TextLine>,
}

/// The text form, as shown or as typed.
#[derive(Default)]
struct TextForm {
    language: String,
    kind: String,
    title: String,
    subject: String,
    internal: bool,
    /// `markdown` or `html`.
    format: String,
    body: String,
}

#[derive(Template)]
#[template(path = "answers.html")]
struct AnswersPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str)>,
    section: &'static str,
    q: String,
    answers: Vec<AnswerLine>,
    audiences: Vec<AudienceDoc>,
    editing: Option<Editing>,
    text: TextForm,
    kinds: Vec<(&'static str, &'static str)>,
    /// A refusal of the text form, and the field it names.
    text_error: Option<(String, String)>,
}

impl AnswersPage {
    fn audience_chosen(&self, id: &str) -> bool {
        self.editing
            .as_ref()
            .is_some_and(|e| e.audience_ids.iter().any(|a| a == id))
    }

    fn text_error_on(&self, field: &str) -> Option<&str> {
        self.text_error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, e)| e.as_str())
    }
}

fn refusal(e: &AppError) -> Option<(String, String)> {
    match e {
        AppError::Domain(d) => Some((
            match d {
                hearth_domain::DomainError::Invalid { attr, .. } => attr.clone(),
                _ => String::new(),
            },
            super::words::refusal(d),
        )),
        AppError::Taken { attr, .. } => Some((
            attr.clone(),
            "Another answer has this name already.".to_owned(),
        )),
        _ => None,
    }
}

async fn render(
    state: &AppState,
    nav: Nav,
    q: String,
    editing: Option<String>,
    text: TextForm,
    text_error: Option<(String, String)>,
) -> Result<Response, AppError> {
    let audiences = state.app.audiences().await?;
    let mut all = state.app.answers_with_texts().await?;
    let uses = state.app.answer_uses().await?;
    if !q.trim().is_empty() {
        let found: Vec<String> = state
            .app
            .search_answers(&AnswerSearch {
                q: q.clone(),
                limit: 200,
                ..AnswerSearch::default()
            })
            .await?
            .iter()
            .map(|f| f.answer.doc.id.clone())
            .collect();
        // In the search's order.
        all.retain(|(a, _)| found.contains(&a.doc.id));
        all.sort_by_key(|(a, _)| found.iter().position(|id| *id == a.doc.id));
    }
    let answers = all
        .iter()
        .map(|(a, texts)| AnswerLine {
            id: a.doc.id.clone(),
            name: a.doc.name.clone(),
            description: a.doc.description.clone(),
            texts: texts
                .iter()
                .map(|t| format!("{} ({})", kind_words(&t.kind), t.language))
                .collect::<Vec<_>>()
                .join(", "),
            uses: uses.get(&a.doc.id).copied().unwrap_or(0),
        })
        .collect();
    let editing = match editing {
        Some(id) => {
            let a = state.app.answer(&id).await?;
            let texts = state.app.answer_texts(&id).await?;
            Some(Editing {
                id: a.doc.id.clone(),
                name: a.doc.name.clone(),
                description: a.doc.description.clone(),
                audience_ids: a.doc.audience_ids.clone(),
                texts: texts
                    .iter()
                    .map(|t| TextLine {
                        language: t.language.clone(),
                        kind: t.kind.clone(),
                        words: kind_words(&t.kind),
                        heading: t
                            .title
                            .clone()
                            .or_else(|| t.subject.clone())
                            .unwrap_or_default(),
                        excerpt: text_of_html(&t.body_html).chars().take(160).collect(),
                    })
                    .collect(),
            })
        }
        None => None,
    };
    let status = if text_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        page(&AnswersPage {
            nav,
            sections: SECTIONS.to_vec(),
            section: "answers",
            q,
            answers,
            audiences,
            editing,
            text,
            kinds: KINDS.to_vec(),
            text_error,
        }),
    )
        .into_response())
}

fn blank_text() -> TextForm {
    TextForm {
        language: "en-us".into(),
        kind: "email".into(),
        format: "markdown".into(),
        ..TextForm::default()
    }
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (_, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let q = query.get("q").cloned().unwrap_or_default();
    answer(render(&state, nav, q, None, blank_text(), None).await, set)
}

/// An answer's page; `language` and `type` in the query open that text in the form.
async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (_, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if state.app.answer(&id).await.is_err() {
        return super::admin::not_found(nav);
    }
    let mut text = blank_text();
    if let (Some(language), Some(kind)) = (query.get("language"), query.get("type"))
        && let Ok(t) = state.app.answer_content(&id, language, kind).await
    {
        text = TextForm {
            language: t.language,
            kind: t.kind,
            title: t.title.unwrap_or_default(),
            subject: t.subject.unwrap_or_default(),
            internal: t.internal == Some(true),
            format: if t.markdown.is_some() {
                "markdown".into()
            } else {
                "html".into()
            },
            body: t.markdown.unwrap_or(t.body_html),
        };
    }
    answer(
        render(&state, nav, String::new(), Some(id), text, None).await,
        set,
    )
}

fn change_of(form: &[(String, String)]) -> AnswerChange {
    let one = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    AnswerChange {
        id: None,
        name: one("name"),
        description: one("description"),
        audience_ids: Some(
            form.iter()
                .filter(|(k, _)| k == "audienceIds")
                .map(|(_, v)| v.clone())
                .collect(),
        ),
    }
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let fields: HashMap<String, String> = form.iter().cloned().collect();
    let (caller, _, _) = match admin_form(&state, &headers, &fields).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state.app.create_answer(&caller, change_of(&form)).await {
        Ok(a) => Flash::notice("Answer added. Now write its texts.")
            .redirect(&headers, &format!("/ui/admin/answers/{}", a.doc.id)),
        Err(e) => match refusal(&e) {
            Some((field, message)) => {
                Flash::error(message, &field).redirect(&headers, "/ui/admin/answers#new-answer")
            }
            None => crate::error::ApiError::from(e).into_response(),
        },
    }
}

async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let fields: HashMap<String, String> = form.iter().cloned().collect();
    let (caller, _, _) = match admin_form(&state, &headers, &fields).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let here = format!("/ui/admin/answers/{id}");
    match state
        .app
        .update_answer(&caller, &id, change_of(&form))
        .await
    {
        Ok(_) => Flash::notice("Answer saved.").redirect(&headers, &here),
        Err(e) => match refusal(&e) {
            Some((field, message)) => Flash::error(message, &field).redirect(&headers, &here),
            None => crate::error::ApiError::from(e).into_response(),
        },
    }
}

/// Saves one text; a refusal shows the form again as typed.
async fn save_text(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_csrf(&headers, &form) {
        return r.into_response();
    }
    let (caller, nav, set) = match admin_caller(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let typed = TextForm {
        language: get("language").trim().to_owned(),
        kind: get("type"),
        title: get("title"),
        subject: get("subject"),
        internal: form.contains_key("internal"),
        format: if get("format") == "html" {
            "html".into()
        } else {
            "markdown".into()
        },
        body: get("body"),
    };
    let change = ContentChange {
        body_html: if typed.format == "html" {
            typed.body.clone()
        } else {
            String::new()
        },
        markdown: (typed.format == "markdown").then(|| typed.body.clone()),
        title: Some(typed.title.clone()),
        subject: Some(typed.subject.clone()),
        internal: Some(typed.internal),
    };
    match state
        .app
        .put_answer_content(&caller, &id, &typed.language, &typed.kind, change)
        .await
    {
        Ok(_) => Flash::notice(format!(
            "{} ({}) saved.",
            kind_words(&typed.kind),
            typed.language
        ))
        .redirect(&headers, &format!("/ui/admin/answers/{id}")),
        Err(e) => match refusal(&e) {
            Some(error) => answer(
                render(&state, nav, String::new(), Some(id), typed, Some(error)).await,
                set,
            ),
            None => crate::error::ApiError::from(e).into_response(),
        },
    }
}

async fn delete_text(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (caller, _, _) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match state
        .app
        .delete_answer_content(&caller, &id, &get("language"), &get("type"))
        .await
    {
        Ok(()) => {
            Flash::notice("Text deleted.").redirect(&headers, &format!("/ui/admin/answers/{id}"))
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (caller, _, _) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state.app.delete_answer(&caller, &id).await {
        Ok(()) => Flash::notice("Answer deleted.").redirect(&headers, "/ui/admin/answers"),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn add_audience(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (caller, _, _) = match admin_form(&state, &headers, &form).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut body = serde_json::Map::new();
    body.insert(
        "name".into(),
        serde_json::Value::String(form.get("name").cloned().unwrap_or_default()),
    );
    let reader = hearth_app::gladly::admin::draft_reader(AdminKind::Audiences, &body);
    match state
        .app
        .admin_create(&caller, AdminKind::Audiences, None, &reader)
        .await
    {
        Ok(_) => Flash::notice("Audience added.").redirect(&headers, "/ui/admin/answers#audiences"),
        Err(e) => match refusal(&e) {
            Some((_, message)) => {
                Flash::error(message, "audience").redirect(&headers, "/ui/admin/answers#audiences")
            }
            None => crate::error::ApiError::from(e).into_response(),
        },
    }
}
