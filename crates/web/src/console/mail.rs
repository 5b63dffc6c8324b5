//! The postal mail registry: letters registered with the year's next protocol number, linked to
//! a customer, an open request or a new request by mail, with the scanned letter.

use super::{ConsoleCtx as _, MAIL, PageQuery, audit, id_of};
use crate::auth::Ctx;
use crate::error::{WebError, refusal_text};
use crate::upload::UploadForm;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use canali_domain::Day;
use canali_domain::service::RequestKind;
use canali_store::requests::{MailLink, NewMailItem};

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
            .mail()
            .item(id)
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
        .mail()
        .items(MAIL_PAGE + 1, (page - 1) * MAIL_PAGE)
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
            .map(|k| (k.name(), k.label(ctx.lang)))
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
    multipart: Multipart,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(MAIL)?.clone();
    let mut upload = UploadForm::read(multipart, "file").await?;
    let csrf = upload.take("csrf");
    let form = MailForm {
        received: upload.take("received"),
        sender: upload.take("sender"),
        subject: upload.take("subject"),
        customer: upload.take("customer"),
        link: upload.take("link"),
        request: upload.take("request"),
        kind: upload.take("kind"),
        body: upload.take("body"),
    };
    let file = upload.files.pop();
    ctx.check_csrf(&csrf)?;
    let problem = |key: &'static str| Some(ctx.t(key).to_string());
    // A scan that is too large or not a PDF or image: the form again, saying so.
    let mut error = upload.fault_message(ctx.lang, state.config.max_upload_bytes);
    let received = form.received.trim().parse::<jiff::civil::Date>().ok();
    if received.is_none() {
        error = error.or_else(|| problem("console.mail.bad_date"));
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
        .mail()
        .register(&item, &state.config.reply_standards)
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
            let msg = refusal_text(ctx.lang, e)?;
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
        .mail()
        .file(id_of(&id)?)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(crate::portal::attachment_response(
        &name,
        &content_type,
        data,
    ))
}
