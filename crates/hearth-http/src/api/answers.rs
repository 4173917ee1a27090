//! Answers and audiences (`GLADLY-API.md` 2.9).

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::codec::{AnswerContentDoc, AudienceDoc};
use hearth_app::gladly::answers::{AnswerWire, answer_change, content_change};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::ApiResult;

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
