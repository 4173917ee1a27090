//! Export schedules, jobs and files, Hearth's `POST /export/jobs`, and
//! `POST /reports` (`GLADLY-API.md` 2.11).

use super::doc::{Api, doc};
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_app::service::exports::JobDoc;
use hearth_app::service::reports::ReportRequest;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::body::{Fields, JsonObject};
use crate::error::{ApiError, ApiResult};

pub(super) fn router() -> Api {
    const T: &str = "Export";
    Api::new()
        .get("/export/schedules", schedules, doc(T, "Export schedules"))
        .get(
            "/export/jobs",
            jobs,
            doc(T, "Export jobs").query(&["status", "startAt", "endAt"]),
        )
        .post(
            "/export/jobs",
            start,
            doc(T, "Start an export job now").body().ok(201),
        )
        .get("/export/jobs/{id}", job, doc(T, "An export job"))
        .delete(
            "/export/jobs/{id}",
            remove,
            doc(T, "Delete an export job").ok(204).empty(),
        )
        .get(
            "/export/jobs/{id}/files/{file}",
            file,
            doc(T, "One file of an export job").produces("application/x-ndjson"),
        )
        .post(
            "/reports",
            report,
            doc("Reports", "Generate a report as CSV")
                .body()
                .produces("text/csv"),
        )
        .post(
            "/reports/work-session-events",
            work_session_events,
            doc("Reports", "Work sessions as CSV (WorkSessionsReportV3)")
                .body()
                .produces("text/csv"),
        )
}

fn ts(attr: &str, raw: Option<&String>) -> ApiResult<Option<hearth_domain::Timestamp>> {
    raw.map(|r| {
        hearth_app::codec::parse_ts(r)
            .ok_or_else(|| ApiError::invalid(Some(attr), "must be an ISO 8601 timestamp"))
    })
    .transpose()
}

async fn schedules(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<hearth_app::gladly::exports::ExportSchedule>>> {
    Ok(Json(state.app.export_schedules(&caller).await?))
}

async fn jobs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<JobDoc>>> {
    let list = state
        .app
        .export_jobs(
            &caller,
            q.get("status").map(String::as_str),
            ts("startAt", q.get("startAt"))?,
            ts("endAt", q.get("endAt"))?,
        )
        .await?;
    Ok(Json(list))
}

async fn start(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let start = ts("startAt", body.opt_str("", "startAt")?.as_ref())?;
    let end = ts("endAt", body.opt_str("", "endAt")?.as_ref())?;
    let job = state.app.start_export(&caller, start, end).await?;
    let location = format!("/api/v1/export/jobs/{}", job.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(job),
    )
        .into_response())
}

async fn job(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobDoc>> {
    Ok(Json(state.app.export_job(&caller, &id).await?))
}

async fn remove(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_export_job(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn file(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let content = state.app.export_file(&caller, &id, &name).await?;
    let mut response = content.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

/// `YYYY-MM-DD` (a whole day in the report's time zone) or a full timestamp.
fn day_or_time(attr: &str, raw: &str, end_of_day: bool) -> ApiResult<hearth_domain::Timestamp> {
    if let Some(t) = hearth_app::codec::parse_ts(raw) {
        return Ok(t);
    }
    let date = time::Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| ApiError::invalid(Some(attr), "must be YYYY-MM-DD"))?;
    let day = date.midnight().assume_utc();
    Ok(if end_of_day {
        day + time::Duration::days(1)
    } else {
        day
    })
}

/// `POST /reports/work-session-events`: `WorkSessionsReportV3` between two times.
async fn work_session_events(
    State(state): State<AppState>,
    c: ApiCaller,
    JsonObject(mut body): JsonObject,
) -> ApiResult<Response> {
    for attr in ["startAtTime", "endAtTime"] {
        body.req_str("", attr)?;
    }
    body.insert(
        "metricSet".into(),
        serde_json::Value::String(hearth_app::service::reports::WORK_SESSIONS.into()),
    );
    report(State(state), c, JsonObject(body)).await
}

async fn report(
    State(state): State<AppState>,
    _c: ApiCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let metric_set = body.req_str("", "metricSet")?;
    let start = match body.opt_str("", "startAtTime")? {
        Some(t) => day_or_time("startAtTime", &t, false)?,
        None => day_or_time("startAt", &body.req_str("", "startAt")?, false)?,
    };
    let end = match body.opt_str("", "endAtTime")? {
        Some(t) => day_or_time("endAtTime", &t, false)?,
        None => day_or_time("endAt", &body.req_str("", "endAt")?, true)?,
    };
    let timezone = body
        .opt_str("", "timezone")?
        .unwrap_or_else(|| "UTC".into());
    let (csv, name) = state
        .app
        .report(&ReportRequest {
            metric_set,
            start,
            end,
            timezone,
        })
        .await?;
    let mut response = csv.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
