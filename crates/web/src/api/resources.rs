//! The API's reads and writes over customers, requests, the mail registry and the yearly
//! report. Records are the store's, serialized as they are (instants in microseconds since the
//! epoch, days as `YYYY-MM-DD`, enums by their snake_case names).

use super::auth::ApiClient;
use super::contacts::json_problem;
use super::problem::Problem;
use super::{ApiPath as Path, ApiQuery as Query, int_param, path_id};
use super::{ChannelName, RequestKindName};
use crate::{AppState, now_micros};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canali_domain::refusal::Refusal;
use canali_domain::service::{RequestKind, RequestStatus};
use canali_domain::text::{TextKind, text_fault};
use canali_domain::{Channel, Day};
use canali_store::StoreError;
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

/// One of an enum's names, written exactly as the document lists it.
fn parse_name<T: std::str::FromStr + std::fmt::Display>(
    field: &str,
    value: &str,
) -> Result<T, Problem>
where
    T::Err: std::fmt::Display,
{
    let v: T = value
        .parse()
        .map_err(|e: T::Err| Problem::field(field, e.to_string()))?;
    let name = v.to_string();
    if name != value {
        return Err(Problem::field(
            field,
            format!("'{value}' is not written as the API names it: write '{name}'"),
        ));
    }
    Ok(v)
}

/// The `offset` of a page: from 0 (the default).
fn offset_param(raw: Option<&str>) -> Result<i64, Problem> {
    int_param("offset", raw, 0, 0, i64::MAX)
}

/// The ids a body refers to are whole numbers from 1, as the document declares.
fn check_ids(ids: &[(&str, Option<i64>)]) -> Result<(), Problem> {
    match ids.iter().find(|(_, id)| id.is_some_and(|id| id < 1)) {
        Some((field, Some(id))) => Err(Problem::field(
            field,
            format!("is {id}: an id is a whole number from 1"),
        )),
        _ => Ok(()),
    }
}

/// A record the body refers to that does not exist: 404 naming the field.
fn missing(field: &str, message: impl Into<String>) -> Problem {
    let mut p = Problem::field(field, message);
    p.kind = "about:blank";
    p.title = "Not Found".into();
    p.status = StatusCode::NOT_FOUND.as_u16();
    p
}

/// A store error, with the refusals about a record the body refers to as 404 (it does not
/// exist, or not for that customer) or 409 (it is another customer's), naming the field.
fn reference_problem(e: StoreError) -> Problem {
    match e {
        StoreError::Refused(r @ Refusal::SupplyPointNotCustomers { .. }) => {
            missing("supply_point_id", r.to_string())
        }
        StoreError::Refused(r @ Refusal::NoRequestToLink { .. }) => {
            missing("request_id", r.to_string())
        }
        StoreError::Refused(r @ Refusal::LetterOtherCustomer { .. }) => {
            let mut p = Problem::field("request_id", r.to_string());
            p.kind = "about:blank";
            p.title = "Conflict".into();
            p.status = StatusCode::CONFLICT.as_u16();
            p
        }
        e @ StoreError::NotFound {
            what: "customer", ..
        } => missing("customer_id", e.to_string()),
        other => other.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Customers.

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What an operator would type: customer code, codice fiscale or partita IVA, POD/PDR,
    /// e-mail, phone, or the start of the name. Required, and not blank.
    #[param(required = true, min_length = 1, pattern = "\\S")]
    q: Option<String>,
    /// At most this many hits (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    #[schema(value_type = Vec<Object>)]
    pub customers: Vec<CustomerHit>,
}

/// Searches customers by any identifier.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(SearchQuery),
    responses(
        (status = 200, description = "The customers found, best match first (possibly none)", body = CustomerList),
        (status = 400, description = "`q` missing or blank, or `limit` out of its range (problem type `/api/problems/validation`; `errors` names the parameter)", body = Problem, content_type = "application/problem+json"),
    ),
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
        .search(&query, int_param("limit", q.limit.as_deref(), 20, 1, 200)?)
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
    params(("id" = i64, Path, minimum = 1, description = "The customer id")),
    responses(
        (status = 200, description = "The customer's record and supply points", body = CustomerView),
        (status = 400, description = "The id is not a whole number from 1 (problem type `/api/problems/validation`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this id (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn customer(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CustomerView>, Problem> {
    let id = path_id("id", &id)?;
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
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// The `next` cursor of the previous page.
    #[param(pattern = "^(0|-?[1-9][0-9]{0,17})\\.(0|-?[1-9][0-9]{0,17})$")]
    before: Option<String>,
    /// Contacts per page (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
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
    params(("id" = i64, Path, minimum = 1, description = "The customer id"), TimelineQuery),
    responses(
        (status = 200, description = "A page of the customer's contacts, newest first", body = TimelinePage),
        (status = 400, description = "The id, `limit` or `before` is not valid (problem type `/api/problems/validation`; `errors` names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this id (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn timeline(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<TimelinePage>, Problem> {
    let id = path_id("id", &id)?;
    let before = match q.before.as_deref() {
        None => None,
        Some(cursor) => Some(
            cursor
                .split_once('.')
                .and_then(|(a, b)| Some((super::plain_int(a)?, super::plain_int(b)?)))
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
    let limit = int_param("limit", q.limit.as_deref(), 50, 1, 500)?;
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
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Items to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BillList {
    #[schema(value_type = Vec<Object>)]
    pub bills: Vec<BillRow>,
}

/// A customer's bills, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/bills", tag = "customers",
    params(("id" = i64, Path, minimum = 1, description = "The customer id"), PageQuery),
    responses(
        (status = 200, description = "A page of the customer's bills, newest first", body = BillList),
        (status = 400, description = "The id, `limit` or `offset` is not valid (problem type `/api/problems/validation`; `errors` names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this id (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn bills(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<BillList>, Problem> {
    let id = path_id("id", &id)?;
    let limit = int_param("limit", q.limit.as_deref(), 50, 1, 500)?;
    let offset = offset_param(q.offset.as_deref())?;
    if state.store.customers().get(id).await?.is_none() {
        return Err(Problem::not_found(format!("there is no customer {id}")));
    }
    let bills = state.store.customers().bills_of(id, limit, offset).await?;
    Ok(Json(BillList { bills }))
}

// ---------------------------------------------------------------------------------------------
// Requests.

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// open (default), answered or closed.
    #[param(value_type = Option<QueueStatus>)]
    status: Option<String>,
    /// Requests per page (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Requests to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

/// The statuses of a request.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum QueueStatus {
    Open,
    Answered,
    Closed,
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
    responses(
        (status = 200, description = "A page of the queue", body = RequestQueue),
        (status = 400, description = "`status`, `limit` or `offset` is not valid (problem type `/api/problems/validation`; `errors` names the parameter)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn request_queue(
    _client: ApiClient,
    State(state): State<AppState>,
    Query(q): Query<QueueQuery>,
) -> Result<Json<RequestQueue>, Problem> {
    let status = match q.status.as_deref() {
        None => RequestStatus::Open,
        Some(s) => parse_name::<RequestStatus>("status", s)?,
    };
    let limit = int_param("limit", q.limit.as_deref(), 50, 1, 500)?;
    let offset = offset_param(q.offset.as_deref())?;
    let rows = state.store.requests().queue(status, limit, offset).await?;
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
    params(("id" = i64, Path, minimum = 1, description = "The request id")),
    responses(
        (status = 200, description = "The request", body = Object),
        (status = 400, description = "The id is not a whole number from 1 (problem type `/api/problems/validation`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No request has this id (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn request(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ServiceRequest>, Problem> {
    let id = path_id("id", &id)?;
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
    /// The customer's id.
    #[schema(minimum = 1)]
    #[serde(deserialize_with = "super::whole_id")]
    pub customer_id: i64,
    /// One of the customer's supply points, when the request is about one.
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole_id_opt")]
    pub supply_point_id: Option<i64>,
    /// information, complaint, bill_correction, contract_change, technical or double_billing.
    #[schema(value_type = RequestKindName, example = "complaint")]
    pub kind: String,
    /// Where it came in (default web).
    #[schema(value_type = Option<ChannelName>, example = "call_center_residential")]
    pub channel: Option<String>,
    /// Not blank.
    #[schema(pattern = "\\S")]
    pub subject: String,
    /// Not blank.
    #[schema(pattern = "\\S")]
    pub body: String,
    /// The operator who took it.
    pub agent: Option<String>,
}

/// Opens a request (a complaint gets its reply deadline) and writes its ledger contact.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = RequestInput,
    responses(
        (status = 201, description = "The request was opened", body = Object),
        (status = 400, description = "A field missing or invalid, or a body that is not a JSON object (problem type `/api/problems/validation`; `errors` names the field)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this `customer_id`, or the customer has no supply point `supply_point_id` (problem type `about:blank`; `errors` names the field)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn open_request(
    _client: ApiClient,
    State(state): State<AppState>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: RequestInput = body(&bytes)?;
    check_ids(&[
        ("customer_id", Some(input.customer_id)),
        ("supply_point_id", input.supply_point_id),
    ])?;
    let kind = parse_name::<RequestKind>("kind", &input.kind)?;
    let channel = match input.channel.as_deref() {
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
        return Err(missing(
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
        .await
        .map_err(reference_problem)?;
    Ok((StatusCode::CREATED, Json(opened)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// The reply to the customer; not blank.
    #[schema(pattern = "\\S")]
    pub answer: String,
    /// The channel the reply went out by (default mail).
    #[schema(value_type = Option<ChannelName>, example = "mail")]
    pub channel: Option<String>,
}

/// Answers an open request (a late complaint gets its compensation).
#[utoipa::path(post, path = "/api/v1/requests/{id}/answer", tag = "requests",
    params(("id" = i64, Path, minimum = 1, description = "The request id")), request_body = AnswerInput,
    responses(
        (status = 200, description = "The request, answered", body = Object),
        (status = 400, description = "The id is not a whole number from 1, a field is missing or invalid, or the body is not a JSON object (problem type `/api/problems/validation`; `errors` names the field)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No request has this id (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is not open: it was answered or closed already (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn answer_request(
    client: ApiClient,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<ServiceRequest>, Problem> {
    let id = path_id("id", &id)?;
    let input: AnswerInput = body(&bytes)?;
    let channel = match input.channel.as_deref() {
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
    responses(
        (status = 200, description = "A page of the registry, newest protocol first", body = MailList),
        (status = 400, description = "`limit` or `offset` out of its range (problem type `/api/problems/validation`; `errors` names the parameter)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn mail_list(
    _client: ApiClient,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<MailList>, Problem> {
    let limit = int_param("limit", q.limit.as_deref(), 50, 1, 500)?;
    let offset = offset_param(q.offset.as_deref())?;
    let mail = state.store.mail().items(limit, offset).await?;
    Ok(Json(MailList { mail }))
}

/// A letter to register (the scanned file is uploaded through the console).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailInput {
    /// The day the letter was received, `YYYY-MM-DD` (default today).
    #[schema(value_type = Option<String>, format = Date, example = "2011-03-01")]
    pub received_day: Option<String>,
    /// Who sent it; not blank.
    #[schema(pattern = "\\S")]
    pub sender: String,
    /// Not blank.
    #[schema(pattern = "\\S")]
    pub subject: String,
    /// The customer the letter is from.
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole_id_opt")]
    pub customer_id: Option<i64>,
    /// A request the letter is about (e.g. a reminder); not with `new_request_kind`.
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole_id_opt")]
    pub request_id: Option<i64>,
    /// Opens a request of the customer by mail: its kind (complaint, information...); needs
    /// `customer_id` and `new_request_body`.
    #[schema(value_type = Option<RequestKindName>)]
    pub new_request_kind: Option<String>,
    /// The text of the new request; not blank.
    #[schema(pattern = "\\S")]
    pub new_request_body: Option<String>,
}

/// Registers a letter: the next protocol number of its year and its ledger contact.
#[utoipa::path(post, path = "/api/v1/mail", tag = "mail", request_body = MailInput,
    responses(
        (status = 201, description = "The letter was registered", body = Object),
        (status = 400, description = "A field missing or invalid, or a body that is not a JSON object (problem type `/api/problems/validation`; `errors` names the field)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this `customer_id`, or no request this `request_id` (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request `request_id` is another customer's (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn register_mail(
    client: ApiClient,
    State(state): State<AppState>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: MailInput = body(&bytes)?;
    check_ids(&[
        ("customer_id", input.customer_id),
        ("request_id", input.request_id),
    ])?;
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
        .await
        .map_err(reference_problem)?;
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The yearly report.

/// The yearly channel report (docs/report.md) as JSON, with the default settings.
#[utoipa::path(get, path = "/api/v1/report/{year}", tag = "report",
    params(("year" = i16, Path, minimum = 1900, maximum = 2200, description = "The year, e.g. 2011")),
    responses(
        (status = 200, description = "The report of the year and the year before", body = Object),
        (status = 400, description = "The year is not a whole number from 1900 to 2200 (problem type `/api/problems/validation`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn report(
    _client: ApiClient,
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> Result<Response, Problem> {
    let year = super::path_year(&year)?;
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
