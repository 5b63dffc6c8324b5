//! The API's reads and writes over customers, requests, the mail registry and the yearly
//! report. Records are the store's, serialized as they are (instants in microseconds since the
//! epoch, days as `YYYY-MM-DD`, enums by their snake_case names).

use super::auth::ApiClient;
use super::contacts::json_problem;
use super::problem::Problem;
use super::{ApiPath as Path, ApiQuery as Query};
use crate::{AppState, now_micros};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canali_domain::service::{RequestKind, RequestStatus};
use canali_domain::text::{TextKind, text_fault};
use canali_domain::{Channel, Day};
use canali_store::customers::{
    BillRow, CustomerHit, CustomerRecord, SupplyPointRow, TimelineEntry,
};
use canali_store::requests::{MailItem, MailLink, NewMailItem, NewRequest, ServiceRequest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Parses a JSON body into `T`, or a problem naming what is wrong.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        // serde names the missing or mistyped field: put it in `errors` too.
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("missing field") || msg.starts_with("unknown variant"))
            .map(str::to_string);
        let mut p = json_problem(&e, "a valid JSON object for this resource");
        if let Some(f) = field.filter(|_| msg.starts_with("missing field")) {
            p.errors.push(super::problem::FieldError {
                field: f,
                message: "is missing; it is required".into(),
                index: None,
            });
        }
        p
    })
}

fn parse_name<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, Problem>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| Problem::field(field, e.to_string()))
}

fn clamp_limit(limit: Option<i64>, default: i64, max: i64) -> i64 {
    limit.unwrap_or(default).clamp(1, max)
}

// ---------------------------------------------------------------------------------------------
// Customers.

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// What an operator would type: customer code, codice fiscale or partita IVA, POD/PDR,
    /// e-mail, phone, or the start of the name.
    q: Option<String>,
    /// At most this many hits (default 20, at most 200).
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    #[schema(value_type = Vec<Object>)]
    pub customers: Vec<CustomerHit>,
}

/// Searches customers by any identifier.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(SearchQuery),
    responses((status = 200, body = CustomerList), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn search_customers(
    _client: ApiClient,
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<CustomerList>, Problem> {
    let query = q.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(Problem::field(
            "q",
            "is missing: give a customer code, tax id, POD/PDR, e-mail, phone or name",
        ));
    }
    // A search is text like any other: a control character or an overlong query is a 400
    // naming `q` (canali_domain::text), never a 500 on PostgreSQL.
    if let Some(fault) = text_fault(query.trim(), TextKind::Line) {
        return Err(Problem::field("q", fault.reason()));
    }
    let customers = state
        .store
        .customers()
        .search(&query, clamp_limit(q.limit, 20, 200))
        .await?;
    Ok(Json(CustomerList { customers }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    #[schema(value_type = Object)]
    pub customer: CustomerRecord,
    #[schema(value_type = Vec<Object>)]
    pub supply_points: Vec<SupplyPointRow>,
}

/// A customer's record with their supply points.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path, description = "The customer id")),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn customer(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CustomerView>, Problem> {
    let customer = state
        .store
        .customers()
        .get(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("there is no customer {id}")))?;
    let supply_points = state.store.customers().supply_points_of(id).await?;
    Ok(Json(CustomerView {
        customer,
        supply_points,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TimelineQuery {
    /// The `next` cursor of the previous page.
    before: Option<String>,
    /// Contacts per page (default 50, at most 500).
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinePage {
    #[schema(value_type = Vec<Object>)]
    pub contacts: Vec<TimelineEntry>,
    /// Pass as `before` to get the next (older) page; null on the last page.
    pub next: Option<String>,
}

/// A customer's contacts across every channel, newest first, paged by keyset.
#[utoipa::path(get, path = "/api/v1/customers/{id}/contacts", tag = "customers",
    params(("id" = i64, Path, description = "The customer id"), TimelineQuery),
    responses((status = 200, body = TimelinePage), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn timeline(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<TimelinePage>, Problem> {
    let before = match q.before.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(cursor) => Some(
            cursor
                .split_once('.')
                .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)))
                .ok_or_else(|| {
                    Problem::field(
                        "before",
                        format!(
                            "'{cursor}' is not a page cursor: pass the `next` of the previous page"
                        ),
                    )
                })?,
        ),
    };
    let limit = clamp_limit(q.limit, 50, 500);
    let customer = state
        .store
        .customers()
        .get(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("there is no customer {id}")))?;
    let contacts = state
        .store
        .customers()
        .timeline(&customer.code, before, limit)
        .await?;
    let next = (contacts.len() as i64 == limit)
        .then(|| {
            contacts
                .last()
                .map(|c| format!("{}.{}", c.started_at, c.id))
        })
        .flatten();
    Ok(Json(TimelinePage { contacts, next }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Items per page (default 50, at most 500).
    limit: Option<i64>,
    /// Items to skip.
    offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BillList {
    #[schema(value_type = Vec<Object>)]
    pub bills: Vec<BillRow>,
}

/// A customer's bills, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/bills", tag = "customers",
    params(("id" = i64, Path, description = "The customer id"), PageQuery),
    responses((status = 200, body = BillList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn bills(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Json<BillList>, Problem> {
    if state.store.customers().get(id).await?.is_none() {
        return Err(Problem::not_found(format!("there is no customer {id}")));
    }
    let bills = state
        .store
        .customers()
        .bills_of(
            id,
            clamp_limit(q.limit, 50, 500),
            q.offset.unwrap_or(0).max(0),
        )
        .await?;
    Ok(Json(BillList { bills }))
}

// ---------------------------------------------------------------------------------------------
// Requests.

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// open (default), answered or closed.
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    #[schema(value_type = Object)]
    pub request: ServiceRequest,
    pub customer_name: String,
    pub customer_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestQueue {
    pub requests: Vec<QueueItem>,
}

/// The back office's queue: nearest reply deadline first.
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(QueueQuery),
    responses((status = 200, body = RequestQueue), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn request_queue(
    _client: ApiClient,
    State(state): State<AppState>,
    Query(q): Query<QueueQuery>,
) -> Result<Json<RequestQueue>, Problem> {
    let status = match q.status.as_deref().filter(|s| !s.trim().is_empty()) {
        None => RequestStatus::Open,
        Some(s) => parse_name::<RequestStatus>("status", s)?,
    };
    let rows = state
        .store
        .requests()
        .queue(
            status,
            clamp_limit(q.limit, 50, 500),
            q.offset.unwrap_or(0).max(0),
        )
        .await?;
    Ok(Json(RequestQueue {
        requests: rows
            .into_iter()
            .map(|(request, customer_name, customer_code)| QueueItem {
                request,
                customer_name,
                customer_code,
            })
            .collect(),
    }))
}

/// One request.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests",
    params(("id" = i64, Path, description = "The request id")),
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn request(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ServiceRequest>, Problem> {
    state
        .store
        .requests()
        .get(id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("there is no request {id}")))
}

/// A request to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub customer_id: i64,
    /// One of the customer's supply points, when the request is about one.
    pub supply_point_id: Option<i64>,
    /// information, complaint, bill_correction, contract_change or technical.
    #[schema(example = "complaint")]
    pub kind: String,
    /// Where it came in (default web).
    #[schema(example = "call_center_residential")]
    pub channel: Option<String>,
    pub subject: String,
    pub body: String,
    /// The operator who took it.
    pub agent: Option<String>,
}

/// Opens a request (a complaint gets its reply deadline) and writes its ledger contact.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = RequestInput,
    responses((status = 201, body = Object), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn open_request(
    _client: ApiClient,
    State(state): State<AppState>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: RequestInput = body(&bytes)?;
    let kind = parse_name::<RequestKind>("kind", &input.kind)?;
    let channel = match input.channel.as_deref().filter(|s| !s.trim().is_empty()) {
        None => Channel::Web,
        Some(c) => parse_name::<Channel>("channel", c)?,
    };
    if state
        .store
        .customers()
        .get(input.customer_id)
        .await?
        .is_none()
    {
        return Err(Problem::field(
            "customer_id",
            format!("{} is not a customer", input.customer_id),
        ));
    }
    let opened = state
        .store
        .requests()
        .open(
            &NewRequest {
                customer_id: input.customer_id,
                supply_point_id: input.supply_point_id,
                kind,
                channel,
                subject: input.subject,
                body: input.body,
                opened_at: now_micros(),
                attachments: Vec::new(),
                agent: input.agent,
            },
            &state.config.reply_standards,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(opened)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// The reply to the customer.
    pub answer: String,
    /// The channel the reply went out by (default mail).
    #[schema(example = "mail")]
    pub channel: Option<String>,
}

/// Answers an open request (a late complaint gets its compensation).
#[utoipa::path(post, path = "/api/v1/requests/{id}/answer", tag = "requests",
    params(("id" = i64, Path, description = "The request id")), request_body = AnswerInput,
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn answer_request(
    client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<ServiceRequest>, Problem> {
    let input: AnswerInput = body(&bytes)?;
    let channel = match input.channel.as_deref().filter(|s| !s.trim().is_empty()) {
        None => Channel::Mail,
        Some(c) => parse_name::<Channel>("channel", c)?,
    };
    if input.answer.trim().is_empty() {
        return Err(Problem::field(
            "answer",
            "is empty: write the reply to the customer",
        ));
    }
    let Some(req) = state.store.requests().get(id).await? else {
        return Err(Problem::not_found(format!("there is no request {id}")));
    };
    if req.status != RequestStatus::Open {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!(
                "request {id} is {}, not open: it cannot be answered",
                req.status
            ),
        ));
    }
    let answered = state
        .store
        .requests()
        .answer(
            id,
            &input.answer,
            channel,
            client.operator_id(),
            now_micros().max(req.opened_at),
            &state.config.reply_standards,
        )
        .await?;
    Ok(Json(answered))
}

// ---------------------------------------------------------------------------------------------
// Postal mail.

#[derive(Debug, Serialize, ToSchema)]
pub struct MailList {
    #[schema(value_type = Vec<Object>)]
    pub mail: Vec<MailItem>,
}

/// Registered letters, newest protocol first.
#[utoipa::path(get, path = "/api/v1/mail", tag = "mail", params(PageQuery),
    responses((status = 200, body = MailList)), security(("bearer" = [])))]
pub async fn mail_list(
    _client: ApiClient,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<MailList>, Problem> {
    let mail = state
        .store
        .mail()
        .items(clamp_limit(q.limit, 50, 500), q.offset.unwrap_or(0).max(0))
        .await?;
    Ok(Json(MailList { mail }))
}

/// A letter to register (the scanned file is uploaded through the console).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailInput {
    /// The day the letter was received, `YYYY-MM-DD` (default today).
    #[schema(example = "2011-03-01")]
    pub received_day: Option<String>,
    pub sender: String,
    pub subject: String,
    pub customer_id: Option<i64>,
    /// A request the letter is about (e.g. a reminder).
    pub request_id: Option<i64>,
    /// Opens a request of the customer by mail: its kind (complaint, information...).
    pub new_request_kind: Option<String>,
    /// The text of the new request.
    pub new_request_body: Option<String>,
}

/// Registers a letter: the next protocol number of its year and its ledger contact.
#[utoipa::path(post, path = "/api/v1/mail", tag = "mail", request_body = MailInput,
    responses((status = 201, body = Object), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn register_mail(
    client: ApiClient,
    State(state): State<AppState>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: MailInput = body(&bytes)?;
    let now = now_micros();
    let received_day = match input
        .received_day
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        None => Day::of_micros(now),
        Some(d) => Day::from_date(d.trim().parse::<jiff::civil::Date>().map_err(|_| {
            Problem::field(
                "received_day",
                format!("'{d}' is not a date (expected YYYY-MM-DD)"),
            )
        })?),
    };
    let link = match (input.request_id, input.new_request_kind.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(Problem::field(
                "new_request_kind",
                "cannot be given with request_id: a letter is about one request",
            ));
        }
        (Some(id), None) => MailLink::Existing(id),
        (None, Some(kind)) => {
            if input.customer_id.is_none() {
                return Err(Problem::field(
                    "customer_id",
                    "is required to open a request from a letter",
                ));
            }
            MailLink::NewRequest {
                kind: parse_name("new_request_kind", kind)?,
                body: input.new_request_body.unwrap_or_default(),
            }
        }
        (None, None) => MailLink::None,
    };
    let item = state
        .store
        .mail()
        .register(
            &NewMailItem {
                received_day,
                sender: input.sender,
                subject: input.subject,
                customer_id: input.customer_id,
                link,
                registered_by: client.operator_id(),
                registered_at: now,
                file: None,
            },
            &state.config.reply_standards,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The yearly report.

/// The yearly channel report (docs/report.md) as JSON, with the default settings.
#[utoipa::path(get, path = "/api/v1/report/{year}", tag = "report",
    params(("year" = i16, Path, description = "The year, e.g. 2011")),
    responses((status = 200, body = Object), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn report(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> Result<Response, Problem> {
    let year: i16 = year
        .parse()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
        .ok_or_else(|| {
            Problem::field(
                "year",
                format!("'{year}' is not a year the report can cover (1900 to 2200)"),
            )
        })?;
    let report = canali_report::build(
        &state.store,
        year,
        &canali_report::ReportSettings::default(),
    )
    .await
    .map_err(|e| match e {
        canali_report::ReportError::Store(s) => Problem::from(s),
        canali_report::ReportError::InvalidYear(y) => {
            Problem::field("year", format!("{y} is not a year the report can cover"))
        }
        other => Problem::internal_logged(format!("report for {year} failed: {other}")),
    })?;
    Ok(Json(report).into_response())
}
