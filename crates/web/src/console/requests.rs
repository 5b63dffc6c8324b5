//! The back office's requests queue (open requests, nearest reply deadline first, with the days
//! left), one request with its attachments, and the answer, which says the compensation owed
//! when a complaint is answered late.

use super::{ConsoleCtx as _, PageQuery, QUEUE, audit, id_of};
use crate::auth::Ctx;
use crate::error::{WebError, refusal_text};
use crate::i18n::Lang;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use canali_domain::service::RequestStatus;
use canali_domain::{Channel, Day};
use serde::Deserialize;

const QUEUE_PAGE: i64 = 50;
/// The channels an answer goes out by.
const ANSWER_CHANNELS: &[Channel] = &[Channel::Mail, Channel::Web, Channel::Branch];

/// The answer channel offered first: the request's own when an answer can go out by it (web,
/// branch, mail), the post for a request that came by phone.
fn reply_channel(came_in: Channel) -> Channel {
    if ANSWER_CHANNELS.contains(&came_in) {
        came_in
    } else {
        Channel::Mail
    }
}

pub struct QueueRow {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub customer: String,
    pub code: String,
    pub channel: &'static str,
    pub opened: String,
    pub deadline: String,
    pub days_left: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/requests.html")]
struct QueuePage {
    ctx: Ctx,
    rows: Vec<QueueRow>,
    page: i64,
    more: bool,
}

pub(super) async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(QUEUE)?;
    let page = q.page();
    let mut rows = state
        .store
        .requests()
        .queue(RequestStatus::Open, QUEUE_PAGE + 1, (page - 1) * QUEUE_PAGE)
        .await?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    let today = Day::of_micros(now_micros());
    let lang = ctx.lang;
    let rows = rows
        .into_iter()
        .map(|(r, name, code)| QueueRow {
            id: r.id,
            kind: r.kind.label(lang),
            subject: r.subject,
            customer: name,
            code,
            channel: r.channel.label(lang),
            opened: ctx.datetime(r.opened_at),
            deadline: r.deadline_day.map(|d| ctx.date(d)).unwrap_or_default(),
            days_left: r.deadline_day.map(|d| i64::from(d.0 - today.0)),
        })
        .collect();
    Ok(QueuePage {
        ctx,
        rows,
        page,
        more,
    }
    .into_response())
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/request.html")]
struct RequestPage {
    ctx: Ctx,
    notice: Option<String>,
    error: Option<String>,
    id: i64,
    kind: &'static str,
    status: &'static str,
    open: bool,
    channel: &'static str,
    subject: String,
    body: String,
    opened: String,
    deadline: Option<String>,
    days_left: Option<i64>,
    /// None for a complaint from someone not identified, known by `contact`.
    customer_id: Option<i64>,
    customer: String,
    /// The name and phone of who complained without being identified.
    contact: Option<String>,
    /// Where the answer is mailed: the address the public complaint form gave.
    reply_email: Option<String>,
    files: Vec<FileView>,
    answer: Option<String>,
    answered: String,
    compensation: Option<String>,
    channels: Vec<(&'static str, &'static str)>,
    /// The answer channel preselected: the one the request came in by, when an answer can go
    /// out by it (a web complaint is answered on the web, not by post).
    reply_channel: &'static str,
    /// The supply point the request is about.
    point: Option<String>,
    text: String,
}

#[derive(Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

pub(super) async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("answered") => Some(ctx.t("console.request.answered_notice").to_string()),
        Some("answered_mailed") => Some(ctx.t("console.request.answered_mailed").to_string()),
        Some("answered_mail_failed") => {
            Some(ctx.t("console.request.answered_mail_failed").to_string())
        }
        _ => None,
    };
    request_view(&state, ctx, &id, notice, None, String::new()).await
}

async fn request_view(
    state: &AppState,
    ctx: Ctx,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
    text: String,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(QUEUE)?.clone();
    let id = id_of(id)?;
    let r = state
        .store
        .requests()
        .get(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (files, reply_email) = tokio::try_join!(
        state.store.requests().attachments_of(r.id),
        state.store.requests().reply_email(r.id),
    )?;
    // A complaint from someone the public form could not identify has no customer.
    let (customer, points) = match r.customer_id {
        Some(id) => tokio::try_join!(
            state.store.customers().get(id),
            state.store.customers().supply_points_of(id),
        )?,
        None => (None, Vec::new()),
    };
    let point = r
        .supply_point_id
        .and_then(|p| points.iter().find(|x| x.id == p))
        .map(|p| {
            let v = crate::portal::PointView::of(&ctx, p);
            format!("{} · {} · {}", v.service, v.identifier, v.address)
        });
    audit(
        state,
        op.id,
        "view_request",
        r.customer_id,
        &format!("request {id}"),
    )
    .await?;
    let lang = ctx.lang;
    let today = Day::of_micros(now_micros());
    let compensation = match r.compensation_cents {
        Some(c) if c > 0 => Some(format!(
            "{} {}",
            ctx.t("console.request.compensation"),
            ctx.euros(c)
        )),
        Some(_) => Some(ctx.t("console.request.in_time").to_string()),
        None => None,
    };
    let answered = match (r.answered_at, r.answer_channel) {
        (Some(at), Some(ch)) => format!("{} · {}", ctx.datetime(at), ch.label(lang)),
        (Some(at), None) => ctx.datetime(at),
        _ => String::new(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = RequestPage {
        notice,
        error,
        id,
        kind: r.kind.label(lang),
        status: r.status.label(lang),
        open: r.status == RequestStatus::Open,
        channel: r.channel.label(lang),
        subject: r.subject.clone(),
        body: r.body.clone(),
        opened: ctx.datetime(r.opened_at),
        deadline: r.deadline_day.map(|d| ctx.date(d)),
        days_left: r
            .deadline_day
            .filter(|_| r.status == RequestStatus::Open)
            .map(|d| i64::from(d.0 - today.0)),
        customer_id: r.customer_id,
        customer: customer
            .map(|c| format!("{} ({})", c.name, c.code))
            .unwrap_or_default(),
        contact: r.contact_name.as_ref().map(|name| match &r.contact_phone {
            Some(phone) => format!("{name} · {phone}"),
            None => name.clone(),
        }),
        reply_email,
        files: files
            .into_iter()
            .map(|a| FileView {
                id: a.id,
                name: a.filename,
                size: format!("{} kB", ctx.dec(a.size as f64 / 1024.0, 1)),
            })
            .collect(),
        answer: r.answer.clone(),
        answered,
        compensation,
        channels: ANSWER_CHANNELS
            .iter()
            .map(|c| (c.name(), c.label(lang)))
            .collect(),
        reply_channel: reply_channel(r.channel).name(),
        point,
        text,
        ctx,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub(super) struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    channel: String,
}

/// Answers the request; a complaint answered after its deadline shows the compensation owed.
pub(super) async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(QUEUE)?.clone();
    ctx.check_csrf(&f.csrf)?;
    let rid = id_of(&id)?;
    let Some(channel) = f
        .channel
        .parse::<Channel>()
        .ok()
        .filter(|c| ANSWER_CHANNELS.contains(c))
    else {
        let msg = ctx.t("console.request.bad_channel").to_string();
        return request_view(&state, ctx, &id, None, Some(msg), f.text).await;
    };
    let answered = state
        .store
        .requests()
        .answer(
            rid,
            &f.text,
            channel,
            op.id,
            now_micros(),
            &state.config.reply_standards,
        )
        .await;
    let r = match answered {
        Ok(r) => r,
        Err(e) => {
            let msg = refusal_text(ctx.lang, e)?;
            return request_view(&state, ctx, &id, None, Some(msg), f.text).await;
        }
    };
    let detail = match r.compensation_cents {
        Some(c) => format!(
            "request {rid} by {}, compensation {c} cents",
            channel.name()
        ),
        None => format!("request {rid} by {}", channel.name()),
    };
    audit(&state, op.id, "answer_request", r.customer_id, &detail).await?;
    // The answer is stored: a mail that cannot go out is said on the page, not an error (the
    // request cannot be answered twice, so an error page would leave no way to retry).
    let done = match tell_customer(&state, &r).await {
        Ok(true) => "answered_mailed",
        Ok(false) => "answered",
        Err(e) => {
            tracing::warn!("request {rid} answered, but the mail to the customer failed: {e}");
            "answered_mail_failed"
        }
    };
    Ok(Redirect::to(&format!("/console/requests/{rid}?done={done}")).into_response())
}

/// The subject of the mail about an answer, in Italian and English.
fn answer_subject(id: i64) -> String {
    let args: canali_domain::lang::Args = &[("id", &id)];
    format!(
        "{} / {}",
        crate::i18n::fill(Lang::It, "mail.answer_subject", args),
        crate::i18n::fill(Lang::En, "mail.answer_subject", args)
    )
}

/// The subject and text of the mail that tells a customer their request was answered.
fn answer_mail(id: i64, link: &str) -> (String, String) {
    let args: canali_domain::lang::Args = &[("id", &id), ("link", &link)];
    let subject = answer_subject(id);
    let body = format!(
        "{}\n\n---\n\n{}",
        crate::i18n::fill(Lang::It, "mail.answer_body", args),
        crate::i18n::fill(Lang::En, "mail.answer_body", args)
    );
    (subject, body)
}

/// Tells a customer with an online-branch account (a confirmed address) that the answer to
/// their request arrived, with the link to read it. A request from the public complaint form
/// has no account to read it in: the answer itself goes to the address the form gave. `false`
/// when there is neither. The mail is in Italian with English below: the customer's language is
/// not known here.
async fn tell_customer(
    state: &AppState,
    r: &canali_store::requests::ServiceRequest,
) -> Result<bool, WebError> {
    let login = match r.customer_id {
        Some(customer_id) => state.store.accounts().portal_login(customer_id).await?,
        None => None,
    };
    let Some(login) = login.filter(|l| l.confirmed_at.is_some()) else {
        let Some(to) = state.store.requests().reply_email(r.id).await? else {
            return Ok(false);
        };
        let answer = r.answer.clone().unwrap_or_default();
        state
            .mailer
            .send(&to, &answer_subject(r.id), answer)
            .await?;
        return Ok(true);
    };
    let link = format!(
        "{}/requests/{}",
        state.config.public_url.trim_end_matches('/'),
        r.id
    );
    let (subject, body) = answer_mail(r.id, &link);
    state.mailer.send(&login.email, &subject, body).await?;
    Ok(true)
}

pub(super) async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    ctx.operator_in(QUEUE)?;
    let (id, file) = (id_of(&id)?, id_of(&file)?);
    let (meta, data) = state
        .store
        .requests()
        .attachment(id, file)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(crate::portal::attachment_response(
        &meta.filename,
        &meta.content_type,
        data,
    ))
}
