//! Requests and complaints: the list, a new one with attachments, one request and its files.

use super::{DoneQuery, PointView, RequestView, refused};
use crate::auth::Ctx;
use crate::error::WebError;
use crate::upload::{UploadFault, UploadForm, served_type};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use canali_domain::Channel;
use canali_domain::service::RequestKind;
use canali_store::requests::NewRequest;

#[derive(Template, WebTemplate)]
#[template(path = "portal/requests.html")]
pub(super) struct RequestsPage {
    ctx: Ctx,
    requests: Vec<RequestView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/request_new.html")]
pub(super) struct NewRequestPage {
    ctx: Ctx,
    error: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    points: Vec<PointView>,
    subject: String,
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/request.html")]
pub(super) struct RequestPage {
    ctx: Ctx,
    notice: Option<String>,
    r: RequestView,
    body: String,
    deadline: Option<String>,
    files: Vec<(i64, String)>,
    answer: Option<String>,
    /// When and by which channel the answer went out.
    answered: Option<String>,
    /// The supply point the request is about.
    point: Option<PointView>,
    compensation: Option<String>,
}

pub(super) async fn requests(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let rows = state.store.requests().of(customer.id).await?;
    Ok(RequestsPage {
        requests: rows.iter().map(|r| RequestView::of(&ctx, r)).collect(),
        ctx,
    }
    .into_response())
}

fn request_kinds(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    RequestKind::ALL
        .iter()
        .map(|k| (k.name(), k.label(ctx.lang)))
        .collect()
}

pub(super) async fn new_request_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let points = state
        .store
        .customers()
        .supply_points_of(customer.id)
        .await?;
    Ok(NewRequestPage {
        error: None,
        kinds: request_kinds(&ctx),
        kind: RequestKind::Information.name().to_string(),
        points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
        subject: String::new(),
        body: String::new(),
        ctx,
    }
    .into_response())
}

/// Opens a request from the multipart form (attachments included).
pub(super) async fn new_request(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let mut form = UploadForm::read(multipart, "files").await?;
    let csrf = form.take("csrf");
    let (kind, point) = (form.take("kind"), form.take("point"));
    let (subject, body) = (form.take("subject"), form.take("body"));
    ctx.check_csrf(&csrf)?;
    let points = state
        .store
        .customers()
        .supply_points_of(customer.id)
        .await?;
    let retry = |ctx: Ctx, error: String| NewRequestPage {
        error: Some(error),
        kinds: request_kinds(&ctx),
        kind: kind.clone(),
        points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
        subject: subject.clone(),
        body: body.clone(),
        ctx,
    };
    let Ok(request_kind) = kind.parse::<RequestKind>() else {
        let msg = ctx.t("requests.bad_kind").to_string();
        return Ok((axum::http::StatusCode::BAD_REQUEST, retry(ctx, msg)).into_response());
    };
    if let Some(msg) = form.fault_message(ctx.lang, state.config.max_upload_bytes) {
        let status = match form.fault {
            Some(UploadFault::FormTooLarge) => axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            _ => axum::http::StatusCode::BAD_REQUEST,
        };
        return Ok((status, retry(ctx, msg)).into_response());
    }
    let supply_point_id = match point.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| {
            WebError::BadRequest(format!("the supply point '{p}' is not a number"))
        })?),
    };
    let opened = state
        .store
        .requests()
        .open(
            &NewRequest {
                customer_id: customer.id,
                supply_point_id,
                kind: request_kind,
                channel: Channel::Web,
                subject: subject.trim().to_string(),
                body: body.trim().to_string(),
                opened_at: now_micros(),
                attachments: form.files,
                agent: None,
            },
            &state.config.reply_standards,
        )
        .await;
    match refused(&ctx, opened)? {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}?done=opened", r.id)).into_response()),
        Err(msg) => Ok((axum::http::StatusCode::BAD_REQUEST, retry(ctx, msg)).into_response()),
    }
}

pub(super) async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let r = state
        .store
        .requests()
        .one_of(customer.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (files, points) = tokio::try_join!(
        state.store.requests().attachments_of(r.id),
        state.store.customers().supply_points_of(customer.id),
    )?;
    let files = files.into_iter().map(|a| (a.id, a.filename)).collect();
    let point = r
        .supply_point_id
        .and_then(|p| points.iter().find(|x| x.id == p))
        .map(|p| PointView::of(&ctx, p));
    let answered = r.answered_at.map(|at| {
        crate::i18n::fill(
            ctx.lang,
            "requests.answered_on",
            &[
                ("date", &ctx.datetime(at)),
                (
                    "channel",
                    &r.answer_channel.map_or("", |c| c.label(ctx.lang)),
                ),
            ],
        )
    });
    let notice = (q.done.as_deref() == Some("opened")).then(|| {
        if r.kind == RequestKind::Complaint {
            ctx.t("requests.opened_complaint").to_string()
        } else {
            ctx.t("requests.opened_notice").to_string()
        }
    });
    let compensation = r
        .compensation_cents
        .filter(|c| *c > 0)
        .map(|c| format!("{} {}", ctx.t("requests.compensation"), ctx.euros(c)));
    Ok(RequestPage {
        notice,
        r: RequestView::of(&ctx, &r),
        body: r.body.clone(),
        deadline: r.deadline_day.map(|d| ctx.date(d)),
        files,
        answer: r.answer.clone(),
        answered,
        point,
        compensation,
        ctx,
    }
    .into_response())
}

pub(super) async fn request_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let file: i64 = file.parse().map_err(|_| WebError::NotFound)?;
    // The request must be this customer's before its files are looked at.
    state
        .store
        .requests()
        .one_of(customer.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (meta, data) = state
        .store
        .requests()
        .attachment(id, file)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(attachment_response(
        &meta.filename,
        &meta.content_type,
        data,
    ))
}

/// A stored file sent as a download (never rendered in the site's origin).
pub fn attachment_response(filename: &str, content_type: &str, data: Vec<u8>) -> Response {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{safe}\"");
    let content_type = served_type(content_type, &data).to_string();
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response()
}
