//! The postal mail registry: letters registered with the year's next protocol number, linked to
//! a customer, an open request or a new request by mail, with the scanned letter.

use super::{ConsoleCtx as _, MAIL, PageQuery, audit, id_of, invalid_message};
use crate::auth::Ctx;
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use canali_domain::Day;
use canali_domain::service::RequestKind;
use canali_store::requests::{MailLink, NewAttachment, NewMailItem};

const MAIL_PAGE: i64 = 50;

pub struct MailRow {
    pub id: i64,
    pub protocol: String,
    pub received: String,
    pub sender: String,
    pub subject: String,
    pub customer_id: Option<i64>,
    pub request_id: Option<i64>,
    pub file: Option<String>,
}

/// What the register form holds, kept when it must be filled again.
#[derive(Default)]
pub struct MailForm {
    pub received: String,
    pub sender: String,
    pub subject: String,
    pub customer: String,
    pub link: String,
    pub request: String,
    pub kind: String,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/mail.html")]
struct MailPage {
    ctx: Ctx,
    notice: Option<String>,
    error: Option<String>,
    form: MailForm,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Vec<MailRow>,
    page: i64,
    more: bool,
}

pub(super) async fn registry(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(MAIL)?;
    let notice = match q.done.as_deref().and_then(|d| d.parse::<i64>().ok()) {
        Some(id) => state
            .store
            .mail_item(id)
            .await?
            .map(|m| format!("{} {}", ctx.t("console.mail.registered"), m.protocol())),
        None => None,
    };
    let form = MailForm {
        received: Day::of_micros(now_micros()).date().to_string(),
        link: "none".into(),
        kind: RequestKind::Complaint.name().into(),
        ..MailForm::default()
    };
    mail_view(&state, ctx, q.page(), notice, None, form).await
}

async fn mail_view(
    state: &AppState,
    ctx: Ctx,
    page: i64,
    notice: Option<String>,
    error: Option<String>,
    form: MailForm,
) -> Result<Response, WebError> {
    let mut items = state
        .store
        .mail_items(MAIL_PAGE + 1, (page - 1) * MAIL_PAGE)
        .await?;
    let more = items.len() as i64 > MAIL_PAGE;
    items.truncate(MAIL_PAGE as usize);
    let rows = items
        .into_iter()
        .map(|m| MailRow {
            id: m.id,
            protocol: m.protocol(),
            received: ctx.date(m.received_day),
            sender: m.sender,
            subject: m.subject,
            customer_id: m.customer_id,
            request_id: m.request_id,
            file: m.filename,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = MailPage {
        notice,
        error,
        form,
        kinds: RequestKind::ALL
            .iter()
            .map(|k| (k.name(), k.label(ctx.lang_code())))
            .collect(),
        rows,
        page,
        more,
        ctx,
    };
    Ok((status, page).into_response())
}

/// Registers a letter from the multipart form (the scan is optional).
pub(super) async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(MAIL)?.clone();
    let mut csrf = String::new();
    let mut form = MailForm::default();
    let mut file = None;
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        WebError::BadRequest(format!("the form could not be read: {e}"))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = field.file_name().unwrap_or_default().to_string();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let data: Bytes = field.bytes().await.map_err(bad_form)?;
            if !(filename.is_empty() && data.is_empty()) {
                file = Some(NewAttachment {
                    filename,
                    content_type,
                    data: data.to_vec(),
                });
            }
            continue;
        }
        let text = field.text().await.map_err(bad_form)?;
        match name.as_str() {
            "csrf" => csrf = text,
            "received" => form.received = text,
            "sender" => form.sender = text,
            "subject" => form.subject = text,
            "customer" => form.customer = text,
            "link" => form.link = text,
            "request" => form.request = text,
            "kind" => form.kind = text,
            "body" => form.body = text,
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let problem = |key: &'static str| Some(ctx.t(key).to_string());
    let mut error = None;
    let received = form.received.trim().parse::<jiff::civil::Date>().ok();
    if received.is_none() {
        error = problem("console.mail.bad_date");
    }
    let mut customer_id = None;
    let code = form.customer.trim();
    if error.is_none() && !code.is_empty() {
        match state.store.customers().by_code(code).await? {
            Some(c) => customer_id = Some(c.id),
            None => error = Some(format!("{} {code}", ctx.t("console.mail.no_customer"))),
        }
    }
    let link = match form.link.as_str() {
        "existing" => match form.request.trim().parse::<i64>() {
            Ok(rid) => Some(MailLink::Existing(rid)),
            Err(_) => {
                error = error.or_else(|| problem("console.mail.bad_request_id"));
                None
            }
        },
        "new" => match form.kind.parse::<RequestKind>() {
            Ok(kind) if customer_id.is_some() => Some(MailLink::NewRequest {
                kind,
                body: form.body.clone(),
            }),
            Ok(_) => {
                error = error.or_else(|| problem("console.mail.new_needs_customer"));
                None
            }
            Err(_) => {
                error = error.or_else(|| problem("console.mail.bad_kind"));
                None
            }
        },
        _ => Some(MailLink::None),
    };
    let page = 1;
    let (Some(received), Some(link), None) = (received, link, error.clone()) else {
        return mail_view(&state, ctx, page, None, error, form).await;
    };
    let item = NewMailItem {
        received_day: Day::from_date(received),
        sender: form.sender.clone(),
        subject: form.subject.clone(),
        customer_id,
        link,
        registered_by: op.id,
        registered_at: now_micros(),
        file,
    };
    match state
        .store
        .register_mail(&item, &state.config.reply_standards)
        .await
    {
        Ok(m) => {
            let detail = match m.request_id {
                Some(r) => format!("protocol {} request {r}", m.protocol()),
                None => format!("protocol {}", m.protocol()),
            };
            audit(&state, op.id, "register_mail", m.customer_id, &detail).await?;
            Ok(Redirect::to(&format!("/console/mail?done={}", m.id)).into_response())
        }
        Err(e) => {
            let msg = invalid_message(e)?;
            mail_view(&state, ctx, page, None, Some(msg), form).await
        }
    }
}

pub(super) async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    ctx.operator_in(MAIL)?;
    let (name, content_type, data) = state
        .store
        .mail_file(id_of(&id)?)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(crate::portal::attachment_response(
        &name,
        &content_type,
        data,
    ))
}
