//! The call-center and branch indicators of a month and the timeliness of a year's requests,
//! the same JSON as `canali kpi call-center|branches|requests --format json` (docs/callcenter.md,
//! docs/branches.md, docs/web.md), for a data warehouse or a wall screen.

use super::ApiClient;
use super::problem::Problem;
use super::{ApiPath as Path, ApiQuery as Query};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use canali_callcenter::Line;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// A month `YYYY-MM` from 1900-01 to 2200-12, as the document's pattern declares.
fn month_of(raw: &str) -> Result<(i16, i8), Problem> {
    let bad = || {
        Problem::field(
            "month",
            format!("'{raw}' is not a month YYYY-MM from 1900-01 to 2200-12"),
        )
    };
    let (y, m) = raw.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (year, month): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1900..=2200).contains(&year) || !(1..=12).contains(&month) {
        return Err(bad());
    }
    Ok((year, month))
}

/// The lines, as the document lists them.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum LineName {
    Residential,
    Business,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineQuery {
    /// residential or business (default: both).
    #[param(value_type = Option<LineName>)]
    line: Option<String>,
}

/// A month's call-center indicators per line against the standards in force on its first day.
#[utoipa::path(get, path = "/api/v1/indicators/call-center/{month}", tag = "indicators",
    params(
        ("month" = String, Path, pattern = r"^(19[0-9]{2}|21[0-9]{2}|20[0-9]{2}|2200)-(0[1-9]|1[0-2])$", description = "The month, e.g. 2026-03"),
        LineQuery,
    ),
    responses(
        (status = 200, description = "`indicators`: one object per line (offered, answered, TMA, LS, AS, the checks against each standard)", body = Object),
        (status = 400, description = "The month or the line is not valid (problem type `/api/problems/validation`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn call_center(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(month): Path<String>,
    Query(q): Query<LineQuery>,
) -> Result<Response, Problem> {
    let (year, mon) = month_of(&month)?;
    let line = match q.line.as_deref() {
        None => None,
        Some(raw) => Some(raw.parse::<Line>().map_err(|e| Problem::field("line", e))?),
    };
    let indicators =
        canali_callcenter::kpi::month(&state.store, year, mon, line, &state.callcenter)
            .await
            .map_err(|e| match e {
                canali_callcenter::Error::Store(s) => Problem::from(s),
                other => {
                    Problem::internal_logged(format!("call-center indicators of {month}: {other}"))
                }
            })?;
    Ok(Json(serde_json::json!({ "indicators": indicators })).into_response())
}

/// A month's branch waiting times for the network, each territory and each branch, against the
/// regulator's standards and the utility's targets.
#[utoipa::path(get, path = "/api/v1/indicators/branches/{month}", tag = "indicators",
    params(
        ("month" = String, Path, pattern = r"^(19[0-9]{2}|21[0-9]{2}|20[0-9]{2}|2200)-(0[1-9]|1[0-2])$", description = "The month, e.g. 2026-03"),
    ),
    responses(
        (status = 200, description = "`network`, `territories` and `branches`: visits, average and 95th-percentile wait, shares over 40 and within 60 minutes, verdicts", body = Object),
        (status = 400, description = "The month is not valid (problem type `/api/problems/validation`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn branches(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(month): Path<String>,
) -> Result<Response, Problem> {
    let (year, mon) = month_of(&month)?;
    let month = format!("{year:04}-{mon:02}");
    let standards = canali_branches::kpi::BranchStandards::default();
    let kpis = canali_branches::kpi::branch_kpis(&state.store, &month, &standards)
        .await
        .map_err(|e| match e {
            canali_branches::BranchError::Store(s) => Problem::from(s),
            other => Problem::internal_logged(format!("branch indicators of {month}: {other}")),
        })?;
    Ok(Json(kpis).into_response())
}

/// A year's written requests per kind against the regulator's reply standards, judged today:
/// the same JSON as `canali kpi requests --year Y --format json`.
#[utoipa::path(get, path = "/api/v1/indicators/requests/{year}", tag = "indicators",
    params(("year" = i16, Path, minimum = 1900, maximum = 2200, description = "The year of receipt, e.g. 2026")),
    responses(
        (status = 200, description = "`kinds`: per kind of request a standard timed, the requests answered on time, late, open past the deadline and open in time, the share on time against the yearly standard, and the compensation owed", body = Object),
        (status = 400, description = "The year is not a whole number from 1900 to 2200 (problem type `/api/problems/validation`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn requests(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> Result<Response, Problem> {
    let year = super::path_year(&year)?;
    let today = canali_domain::Day::of_micros(crate::now_micros());
    let kinds = state
        .store
        .requests()
        .year_on_time(year, today, &state.config.reply_standards)
        .await?;
    Ok(Json(serde_json::json!({
        "year": year,
        "judged_on": today.date().to_string(),
        "kinds": kinds,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_read_as_the_document_declares() {
        for ok in ["1900-01", "2011-03", "2026-12", "2199-07", "2200-12"] {
            assert!(month_of(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1899-12", "2201-01", "2011-13", "2011-00", "2011-3", "11-03", "2011/03", "", "+201-03",
        ] {
            assert!(month_of(bad).is_err(), "{bad}");
        }
    }
}
