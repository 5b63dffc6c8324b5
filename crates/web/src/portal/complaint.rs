//! A written complaint without an online-branch account (TIQV 2026: the seller's site offers a
//! complaint form to everyone). The customer says who they are with the customer code or a
//! supply point's identifier (POD, PDR, meter), always with the tax id, or, without any code, by
//! name with a phone or an address to answer to; the complaint joins the
//! back office's queue like any other, its reply clock starts at once, and the receipt (case
//! number, date, deadline) is shown and, when an address is given, mailed; the answer is mailed
//! to that address too.

use super::refused;
use crate::auth::{self, Ctx};
use crate::error::WebError;
use crate::limits::Action;
use crate::upload::{UploadFault, UploadForm};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use canali_domain::Channel;
use canali_domain::service::RequestKind;
use canali_domain::text::{TextKind, check_text};
use canali_store::StoreError;
use canali_store::requests::{NewRequest, ServiceRequest, UnidentifiedComplaint};
use std::net::SocketAddr;

/// What the form sends back when it is shown again.
#[derive(Default, Clone)]
pub(super) struct ComplaintFields {
    code: String,
    point: String,
    tax_id: String,
    name: String,
    phone: String,
    email: String,
    subject: String,
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/complaint.html")]
pub(super) struct ComplaintPage {
    ctx: Ctx,
    error: Option<String>,
    form: ComplaintFields,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/complaint_done.html")]
pub(super) struct ComplaintDone {
    ctx: Ctx,
    case: i64,
    received: String,
    deadline: Option<String>,
    /// The address the receipt went to; none when none was given or the mail failed.
    mailed_to: Option<String>,
    mail_failed: bool,
}

pub(super) async fn complaint_page(ctx: Ctx) -> ComplaintPage {
    ComplaintPage {
        ctx,
        error: None,
        form: ComplaintFields::default(),
    }
}

pub(super) async fn complaint(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let mut upload = UploadForm::read(multipart, "files").await?;
    let csrf = upload.take("csrf");
    let privacy = upload.take("privacy");
    let form = ComplaintFields {
        code: upload.take("code").trim().to_string(),
        point: upload.take("point").trim().to_string(),
        tax_id: upload.take("tax_id").trim().to_string(),
        name: upload.take("name").trim().to_string(),
        phone: upload.take("phone").trim().to_string(),
        email: upload.take("email").trim().to_string(),
        subject: upload.take("subject").trim().to_string(),
        body: upload.take("body").trim().to_string(),
    };
    ctx.check_csrf(&csrf)?;
    state.limits.check(
        Action::Complaint,
        &auth::client_ip(&state, &headers, Some(peer)),
    )?;
    let fail = |ctx: Ctx, status: StatusCode, msg: String, form: ComplaintFields| {
        Ok((
            status,
            ComplaintPage {
                ctx,
                error: Some(msg),
                form,
            },
        )
            .into_response())
    };
    let bad = StatusCode::BAD_REQUEST;
    if privacy.is_empty() {
        return fail(
            ctx.clone(),
            bad,
            ctx.t("register.privacy_needed").into(),
            form,
        );
    }
    let bad_text = [
        ("code", &form.code, TextKind::Code),
        ("point", &form.point, TextKind::Code),
        ("tax_id", &form.tax_id, TextKind::Code),
        ("name", &form.name, TextKind::Name),
        ("phone", &form.phone, TextKind::Name),
        ("email", &form.email, TextKind::Name),
    ]
    .into_iter()
    .find_map(|(field, value, kind)| check_text(field, value, kind).err());
    if let Some(r) = bad_text {
        let msg = crate::i18n::refusal(ctx.lang, &r);
        return fail(ctx, bad, msg, form);
    }
    if !form.email.is_empty() && (!form.email.contains('@') || form.email.len() < 3) {
        return fail(ctx.clone(), bad, ctx.t("register.bad_email").into(), form);
    }
    // Identified by one of the codes with the tax id, or, without any code, known by name with
    // a phone or an address to answer to.
    let unidentified = form.code.is_empty() && form.point.is_empty() && form.tax_id.is_empty();
    if unidentified && (form.name.is_empty() || (form.phone.is_empty() && form.email.is_empty())) {
        return fail(ctx.clone(), bad, ctx.t("complaint.identify").into(), form);
    }
    if !unidentified && (form.tax_id.is_empty() || form.code.is_empty() == form.point.is_empty()) {
        return fail(ctx.clone(), bad, ctx.t("complaint.identify").into(), form);
    }
    if let Some(msg) = upload.fault_message(ctx.lang, state.config.max_upload_bytes) {
        let status = match upload.fault {
            Some(UploadFault::FormTooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => bad,
        };
        return fail(ctx, status, msg, form);
    }
    let opened = if unidentified {
        let complaint = UnidentifiedComplaint {
            name: form.name.clone(),
            phone: (!form.phone.is_empty()).then(|| form.phone.clone()),
            email: (!form.email.is_empty()).then(|| form.email.clone()),
            subject: form.subject.clone(),
            body: form.body.clone(),
            opened_at: now_micros(),
            attachments: std::mem::take(&mut upload.files),
        };
        Some(
            state
                .store
                .requests()
                .open_unidentified(&complaint, &state.config.reply_standards)
                .await,
        )
    } else {
        open_identified(&state, &form, &mut upload).await?
    };
    let Some(opened) = opened else {
        return fail(ctx.clone(), bad, ctx.t("complaint.no_match").into(), form);
    };
    let r = match refused(&ctx, opened)? {
        Ok(r) => r,
        Err(msg) => return fail(ctx, bad, msg, form),
    };
    let received = ctx.datetime(r.opened_at);
    let deadline = r.deadline_day.map(|d| ctx.date(d));
    let (mut mailed_to, mut mail_failed) = (None, false);
    if !form.email.is_empty() {
        let body = receipt_text(&ctx, r.id, &received, deadline.as_deref(), &form.subject);
        match state
            .mailer
            .send(&form.email, ctx.t("complaint.mail_subject"), body)
            .await
        {
            Ok(()) => mailed_to = Some(form.email.clone()),
            // The complaint is stored and its clock runs: the page says the copy did not go.
            Err(e) => {
                tracing::warn!(case = r.id, error = %e, "the complaint's receipt was not mailed");
                mail_failed = true;
            }
        }
    }
    Ok(ComplaintDone {
        case: r.id,
        received,
        deadline,
        mailed_to,
        mail_failed,
        ctx,
    }
    .into_response())
}

/// A request the store opened or refused; none when the codes identified nobody.
type Opened = Option<Result<ServiceRequest, StoreError>>;

/// Opens the complaint of the customer the codes identify; none when they identify nobody.
async fn open_identified(
    state: &AppState,
    form: &ComplaintFields,
    upload: &mut UploadForm,
) -> Result<Opened, WebError> {
    let accounts = state.store.accounts();
    let found = if form.code.is_empty() {
        accounts
            .supply_point_match(&form.point, &form.tax_id)
            .await?
            .map(|(who, point)| (who, Some(point)))
    } else {
        accounts
            .registration_match(&form.code, &form.tax_id)
            .await?
            .map(|who| (who, None))
    };
    let Some((customer, supply_point_id)) = found else {
        return Ok(None);
    };
    let reply_email = (!form.email.is_empty()).then_some(form.email.as_str());
    Ok(Some(
        state
            .store
            .requests()
            .open_replying_to(
                &NewRequest {
                    customer_id: customer.id,
                    supply_point_id,
                    kind: RequestKind::Complaint,
                    channel: Channel::Web,
                    subject: form.subject.clone(),
                    body: form.body.clone(),
                    opened_at: now_micros(),
                    attachments: std::mem::take(&mut upload.files),
                    agent: None,
                },
                &state.config.reply_standards,
                reply_email,
            )
            .await,
    ))
}

/// The receipt mailed to the address the form gave.
fn receipt_text(
    ctx: &Ctx,
    case: i64,
    received: &str,
    deadline: Option<&str>,
    subject: &str,
) -> String {
    let mut text = crate::i18n::fill(
        ctx.lang,
        "complaint.mail_body",
        &[
            ("case", &case),
            ("received", &received),
            ("subject", &subject),
        ],
    );
    if let Some(d) = deadline {
        text.push_str("\n\n");
        text.push_str(&crate::i18n::fill(
            ctx.lang,
            "complaint.deadline",
            &[("date", &d)],
        ));
    }
    text
}
