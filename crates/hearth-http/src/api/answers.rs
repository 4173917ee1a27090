//! Answers and audiences (`GLADLY-API.md` 2.9).

use super::doc::{Api, doc};
use axum::Json;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::codec::{AnswerContentDoc, AudienceDoc};
use hearth_app::gladly::answers::{
    AnswerTitleWire, AnswerWire, PublicAnswerWire, answer_change, content_change,
};
use hearth_app::service::answer_search::AnswerSearch;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Answers";
    const CONTENT: &str = "/answers/{id}/languages/{language}/type/{kind}";
    Api::new()
        .get("/answers", list, doc(T, "Every answer, by name"))
        .post(
            "/answers",
            create,
            doc(
                T,
                "Create an answer (a name in use: 409 with meta.existingAnswerId)",
            )
            .body(),
        )
        .get("/answers/{id}", read, doc(T, "An answer"))
        .patch(
            "/answers/{id}",
            update,
            doc(T, "Change an answer").body().ok(204).empty(),
        )
        .delete(
            "/answers/{id}",
            remove,
            doc(T, "Delete an answer and its texts").ok(204).empty(),
        )
        .get(
            CONTENT,
            content,
            doc(
                T,
                "An answer's text for a language and use (public, email, messaging, reference)",
            ),
        )
        .put(
            CONTENT,
            put_content,
            doc(T, "Set an answer's text; its HTML is made safe").body(),
        )
        .delete(
            CONTENT,
            remove_content,
            doc(T, "Delete an answer's text").ok(204).empty(),
        )
        .get("/audiences", audiences, doc(T, "Audiences"))
        .merge(public_router())
}

/// Gladly's public answers: no credentials, readable from any web page (CORS).
/// Hearth serves one organization, so `{orgId}` may be any id; a help center is
/// `default` (every public answer) or an audience's id (its answers).
fn public_router() -> Api {
    const T: &str = "Answers (public)";
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET])
        .max_age(std::time::Duration::from_secs(3600));
    Api::new()
        .get_from_anywhere(
            "/orgs/{org_id}/answers-search",
            public_search,
            doc(T, "Search public answers (q; lng, audienceId)")
                .query(&["q", "lng", "audienceId"])
                .public(),
        )
        .get_from_anywhere(
            "/orgs/{org_id}/answers",
            public_list,
            doc(T, "The first 1000 public answers, by title")
                .query(&["lng", "audienceId"])
                .public(),
        )
        .get_from_anywhere(
            "/orgs/{org_id}/answers/{id}",
            public_read,
            doc(T, "One public answer").query(&["lng"]).public(),
        )
        .get_from_anywhere(
            "/orgs/{org_id}/help-center/{help_center_id}/answer-titles",
            help_center_titles,
            doc(T, "The titles of a help center's answers")
                .query(&["lng"])
                .public(),
        )
        .layer(cors)
}

/// The query of a public read: what `lng`, `audienceId` and `q` say, each at most
/// once. Other parameters are let be, as pages add cache-busters to their reads.
fn public_query(
    query: &[(String, String)],
    allowed: &[&str],
) -> Result<HashMap<String, String>, ApiError> {
    let mut seen = HashMap::new();
    for (name, value) in query {
        if !allowed.contains(&name.as_str()) {
            continue;
        }
        if seen.insert(name.clone(), value.clone()).is_some() {
            return Err(ApiError::invalid(Some(name), "is given more than once"));
        }
    }
    Ok(seen)
}

/// The audience a help center shows, `None` for `default`.
async fn help_center(state: &AppState, id: &str) -> ApiResult<Option<String>> {
    if id == "default" {
        return Ok(None);
    }
    Ok(Some(state.app.audience(id).await?.id))
}

async fn public_search(
    State(state): State<AppState>,
    Path(_org): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<AnswerTitleWire>>> {
    let q = public_query(&query, &["q", "lng", "audienceId"])?;
    let found = state
        .app
        .search_answers(&AnswerSearch {
            q: q.get("q").cloned().unwrap_or_default(),
            kinds: vec!["public".into()],
            language: q.get("lng").cloned(),
            audience_id: q.get("audienceId").cloned(),
            limit: 50,
        })
        .await?;
    Ok(Json(
        found
            .iter()
            .map(|f| AnswerTitleWire {
                id: f.answer.doc.id.clone(),
                name: f
                    .text
                    .title
                    .clone()
                    .unwrap_or_else(|| f.answer.doc.name.clone()),
            })
            .collect(),
    ))
}

async fn public_list(
    State(state): State<AppState>,
    Path(_org): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<PublicAnswerWire>>> {
    let q = public_query(&query, &["lng", "audienceId"])?;
    let all = state
        .app
        .public_answers(
            q.get("lng").map(String::as_str),
            q.get("audienceId").map(String::as_str),
            1000,
        )
        .await?;
    Ok(Json(all.iter().map(PublicAnswerWire::from).collect()))
}

async fn public_read(
    State(state): State<AppState>,
    Path((_org, id)): Path<(String, String)>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<PublicAnswerWire>> {
    let q = public_query(&query, &["lng"])?;
    let answer = state
        .app
        .public_answer(&id, q.get("lng").map(String::as_str))
        .await?;
    Ok(Json(PublicAnswerWire::from(&answer)))
}

async fn help_center_titles(
    State(state): State<AppState>,
    Path((_org, center)): Path<(String, String)>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<AnswerTitleWire>>> {
    let q = public_query(&query, &["lng"])?;
    let audience = help_center(&state, &center).await?;
    let all = state
        .app
        .public_answers(q.get("lng").map(String::as_str), audience.as_deref(), 1000)
        .await?;
    Ok(Json(
        all.into_iter()
            .map(|a| AnswerTitleWire {
                id: a.id,
                name: a.title,
            })
            .collect(),
    ))
}

async fn list(State(state): State<AppState>, _c: ApiCaller) -> ApiResult<Json<Vec<AnswerWire>>> {
    Ok(Json(
        state
            .app
            .answers()
            .await?
            .iter()
            .map(AnswerWire::from)
            .collect(),
    ))
}

async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let change = answer_change(&body, true)?;
    let answer = state.app.create_answer(&caller, change).await?;
    let wire = AnswerWire::from(&answer);
    let location = format!("/api/v1/answers/{}", wire.id);
    Ok((StatusCode::OK, [(header::LOCATION, location)], Json(wire)).into_response())
}

async fn read(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AnswerWire>> {
    Ok(Json(AnswerWire::from(&state.app.answer(&id).await?)))
}

async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let change = answer_change(&body, false)?;
    state.app.update_answer(&caller, &id, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_answer(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn content(
    State(state): State<AppState>,
    _c: ApiCaller,
    Path((id, language, kind)): Path<(String, String, String)>,
) -> ApiResult<Json<AnswerContentDoc>> {
    Ok(Json(state.app.answer_content(&id, &language, &kind).await?))
}

async fn put_content(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, language, kind)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<AnswerContentDoc>> {
    let change = content_change(&body)?;
    Ok(Json(
        state
            .app
            .put_answer_content(&caller, &id, &language, &kind, change)
            .await?,
    ))
}

async fn remove_content(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, language, kind)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_answer_content(&caller, &id, &language, &kind)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audiences(
    State(state): State<AppState>,
    _c: ApiCaller,
) -> ApiResult<Json<Vec<AudienceDoc>>> {
    Ok(Json(state.app.audiences().await?))
}
