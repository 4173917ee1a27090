//! Customer profiles: read one, or look up by exactly one of `email` and
//! `phoneNumber` (`GLADLY-API.md` 2.2).

use super::doc::{Api, doc};
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use hearth_app::gladly::customers::ProfileWire;
use hearth_app::service::CustomerQuery;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult};
use hearth_app::gladly::conversations as wire;
use hearth_app::gladly::customers::profile_change;

pub(super) fn router() -> Api {
    const T: &str = "Customers";
    Api::new()
        .get(
            "/customer-profiles",
            find,
            doc(T, "Find customers by email or phone number").query(&[
                "email",
                "phoneNumber",
                "externalCustomerId",
            ]),
        )
        .post(
            "/customer-profiles",
            create,
            doc(T, "Create a customer").body().ok(201).empty(),
        )
        .get(
            "/search",
            search,
            doc(T, "Customers by name, email or phone prefix").query(&["q", "limit"]),
        )
        .get("/customer-profiles/{id}", read, doc(T, "A customer"))
        .patch(
            "/customer-profiles/{id}",
            update,
            doc(T, "Update a customer").body().ok(204).empty(),
        )
        .delete(
            "/customer-profiles/{id}",
            remove,
            doc(T, "Erase a customer").ok(204).empty(),
        )
}

async fn read(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ProfileWire>> {
    Ok(Json(wire::customer(&state.app.customer(&id).await?)))
}

async fn find(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<ProfileWire>>> {
    let keys: Vec<&str> = ["email", "phoneNumber", "externalCustomerId"]
        .into_iter()
        .filter(|k| query.contains_key(*k))
        .collect();
    let q = match keys.as_slice() {
        ["email"] => CustomerQuery::Email(query["email"].clone()),
        ["phoneNumber"] => CustomerQuery::Phone(query["phoneNumber"].clone()),
        ["externalCustomerId"] => CustomerQuery::External(query["externalCustomerId"].clone()),
        [] => {
            return Err(ApiError::blank(
                "email",
                "one of email, phoneNumber, externalCustomerId must be present",
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                None,
                "give exactly one of email, phoneNumber, externalCustomerId",
            ));
        }
    };
    let found = state.app.find_customers(q).await?;
    Ok(Json(found.iter().map(wire::customer).collect()))
}

/// The search box: `q` is a prefix of a name (or a word of it), an email address
/// or a phone number; `limit` is 1 to 50 (default 20).
async fn search(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<ProfileWire>>> {
    let q = query.get("q").map(String::as_str).unwrap_or_default();
    let limit = match query.get("limit") {
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=hearth_app::service::FIND_CAP).contains(l))
            .ok_or_else(|| ApiError::invalid(Some("limit"), "must be between 1 and 50"))?,
        None => 20,
    };
    let found = state.app.search_customers(&caller, q, limit).await?;
    Ok(Json(found.iter().map(wire::customer).collect()))
}

async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    crate::body::JsonObject(body): crate::body::JsonObject,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let change = profile_change(&body, true)?;
    let customer = state.app.create_customer(&caller, change).await?;
    let location = format!("/api/v1/customer-profiles/{}", customer.id);
    Ok((
        axum::http::StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(wire::customer(&customer)),
    )
        .into_response())
}

async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    crate::body::JsonObject(body): crate::body::JsonObject,
) -> ApiResult<axum::http::StatusCode> {
    let change = profile_change(&body, false)?;
    state.app.update_customer(&caller, &id, change).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    state.app.delete_customer(&caller, &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
