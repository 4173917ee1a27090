//! Administration (`/admin/...`, role ADMIN): collections with GET (bare array), POST
//! (201, full resource, `Location`), item GET and PATCH (full resource), DELETE
//! (204); the settings singleton; agents' API tokens. Item responses carry an
//! `ETag`, and PATCH/DELETE honour `If-Match` (412 `version_outdated`).

use super::doc::{Api, doc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::gladly::admin::{
    TokenCreated, TokenWire, admin_body, admin_id, draft_reader, settings_reader,
};
use hearth_app::gladly::rules::{self, DryRunWire};
use hearth_app::service::organization::{AdminKind, AdminResource};
use serde_json::Value;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Administration";
    Api::new()
        .get("/admin/settings", settings, doc(T, "Organization settings"))
        .patch(
            "/admin/settings",
            update_settings,
            doc(T, "Change organization settings").body(),
        )
        .get(
            "/admin/agents/{id}/api-tokens",
            tokens,
            doc(T, "An agent's API tokens"),
        )
        .post(
            "/admin/agents/{id}/api-tokens",
            create_token,
            doc(T, "Create an API token for an agent").body().ok(201),
        )
        .delete(
            "/admin/agents/{id}/api-tokens/{token_id}",
            revoke_token,
            doc(T, "Revoke an API token").ok(204).empty(),
        )
        .post(
            "/admin/rules/{id}/test",
            test_rule,
            doc(
                T,
                "Dry-run a rule on a sample message, without doing anything",
            )
            .body(),
        )
        .get(
            "/admin/rule-templates",
            rule_templates,
            doc(
                T,
                "The library of rule templates (each creates a disabled rule)",
            ),
        )
        .get(
            "/admin/{collection}",
            list,
            doc(
                T,
                "List agents, inboxes, teams, entry-points, business-hours or rules",
            ),
        )
        .post(
            "/admin/{collection}",
            create,
            doc(
                T,
                "Create an agent, inbox, team, entry point, business hours or rule",
            )
            .body()
            .ok(201),
        )
        .get(
            "/admin/{collection}/{id}",
            read,
            doc(T, "One administered resource, with its ETag"),
        )
        .patch(
            "/admin/{collection}/{id}",
            update,
            doc(T, "Change an administered resource (If-Match)").body(),
        )
        .delete(
            "/admin/{collection}/{id}",
            remove,
            doc(T, "Delete an administered resource").ok(204).empty(),
        )
}

fn collection(segment: &str) -> ApiResult<AdminKind> {
    AdminKind::parse(segment)
        .ok_or_else(|| ApiError::not_found(format!("no administration collection '{segment}'")))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// `If-Match: "3"` (also `W/"3"` or a bare 3); `*` or none means unconditional.
fn if_match(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = raw
        .to_str()
        .map_err(|_| ApiError::invalid(Some("If-Match"), "must be an ETag"))?
        .trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| ApiError::invalid(Some("If-Match"), "must be an ETag this API returned"))
}

fn item(resource: AdminResource) -> ApiResult<Response> {
    Ok((
        [(header::ETAG, etag(resource.version))],
        Json(admin_body(&resource)?),
    )
        .into_response())
}

async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(segment): Path<String>,
) -> ApiResult<Json<Vec<Value>>> {
    let kind = collection(&segment)?;
    let all = state.app.admin_list(&caller, kind).await?;
    Ok(Json(all.iter().map(admin_body).collect::<Result<_, _>>()?))
}

async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(segment): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let kind = collection(&segment)?;
    let id = admin_id(&body)?;
    let created = state
        .app
        .admin_create(&caller, kind, id, &draft_reader(kind, &body))
        .await?;
    let location = format!("/api/v1/admin/{}/{}", kind.segment(), created.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        item(created)?,
    )
        .into_response())
}

async fn read(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((segment, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let kind = collection(&segment)?;
    item(state.app.admin_get(&caller, kind, &id).await?)
}

async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((segment, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let kind = collection(&segment)?;
    item(
        state
            .app
            .admin_update(
                &caller,
                kind,
                &id,
                &draft_reader(kind, &body),
                if_match(&headers)?,
            )
            .await?,
    )
}

async fn remove(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((segment, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let kind = collection(&segment)?;
    state
        .app
        .admin_delete(&caller, kind, &id, if_match(&headers)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn test_rule(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<DryRunWire>> {
    let sample = rules::sample(&body)?;
    let (run, doc) = state.app.rule_dry_run(&caller, &id, sample).await?;
    Ok(Json(DryRunWire::of(&run, &doc)))
}

async fn rule_templates(
    State(_state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<Value>>> {
    caller.require(hearth_domain::config::Role::Admin)?;
    Ok(Json(rules::templates()))
}

async fn settings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Response> {
    item(state.app.admin_settings(&caller).await?)
}

async fn update_settings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let saved = state
        .app
        .admin_update_settings(&caller, &settings_reader(&body), if_match(&headers)?)
        .await?;
    crate::ratelimit::refresh(&state.app, &state.limiter).await;
    item(saved)
}

async fn create_token(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (token_id, token) = state.app.admin_create_token(&caller, &id).await?;
    let location = format!("/api/v1/admin/agents/{id}/api-tokens/{token_id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(TokenCreated {
            id: token_id,
            token,
        }),
    )
        .into_response())
}

async fn tokens(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TokenWire>>> {
    let list = state.app.admin_tokens(&caller, &id).await?;
    Ok(Json(
        list.into_iter().map(|t| TokenWire::from(&t)).collect(),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, token_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .app
        .admin_revoke_token(&caller, &id, &token_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
