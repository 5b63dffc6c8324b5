//! The customer's home page, bills and bill PDFs.

use super::{BillView, DoneQuery, PointView, RequestView, attachment_response};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::WebError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use canali_domain::Day;
use canali_domain::service::RequestStatus;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "portal/home.html")]
pub(super) struct HomePage {
    ctx: Ctx,
    notice: Option<String>,
    greeting: &'static str,
    name: String,
    code: String,
    points: Vec<PointView>,
    bills: Vec<BillView>,
    requests: Vec<RequestView>,
    ebill: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/bills.html")]
pub(super) struct BillsPage {
    ctx: Ctx,
    bills: Vec<BillView>,
    page: i64,
    more: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/bill.html")]
pub(super) struct BillPage {
    ctx: Ctx,
    bill: BillView,
}

pub(super) fn ebill_status(ctx: &Ctx, enrolled: bool, since: Option<Day>) -> String {
    match (enrolled, since) {
        (true, Some(d)) => format!("{} {}", ctx.t("ebill.active_since"), ctx.date(d)),
        (true, None) => ctx.t("ebill.active").to_string(),
        (false, _) => ctx.t("ebill.paper").to_string(),
    }
}

pub(super) async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let home = state
        .store
        .customers()
        .home(customer.id, 5)
        .await?
        .ok_or(WebError::NotFound)?;
    let (record, points, bills, requests) =
        (home.record, home.supply_points, home.bills, home.requests);
    let notice = match q.done.as_deref() {
        Some("password") => Some(ctx.t("account.password_changed").to_string()),
        _ => None,
    };
    Ok(HomePage {
        notice,
        greeting: ctx.t(greeting_key(
            jiff::Timestamp::now()
                .to_zoned(canali_domain::ROME.clone())
                .hour(),
        )),
        name: record.name.clone(),
        code: record.code.clone(),
        points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
        bills: bills.iter().map(|b| BillView::of(&ctx, b)).collect(),
        requests: requests
            .iter()
            .filter(|r| r.status == RequestStatus::Open)
            .map(|r| RequestView::of(&ctx, r))
            .collect(),
        ebill: ebill_status(&ctx, record.ebill_enrolled, record.ebill_since),
        ctx,
    }
    .into_response())
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<i64>,
}

const BILLS_PER_PAGE: i64 = 20;

pub(super) async fn bills(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let page = q.page.unwrap_or(1).max(1);
    let mut rows = state
        .store
        .customers()
        .bills_of(customer.id, BILLS_PER_PAGE + 1, (page - 1) * BILLS_PER_PAGE)
        .await?;
    let more = rows.len() as i64 > BILLS_PER_PAGE;
    rows.truncate(BILLS_PER_PAGE as usize);
    Ok(BillsPage {
        bills: rows.iter().map(|b| BillView::of(&ctx, b)).collect(),
        page,
        more,
        ctx,
    }
    .into_response())
}

pub(super) async fn bill(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let bill = state
        .store
        .customers()
        .bill_of(customer.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(BillPage {
        bill: BillView::of(&ctx, &bill),
        ctx,
    }
    .into_response())
}

/// The bill's PDF, as the e-mail delivery sends it; only for the customer it belongs to.
pub(super) async fn bill_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    // Another customer's bill is 404, like a bill that does not exist.
    let found = state.store.billing().bill_documents(&[id]).await?;
    let bill = found
        .first()
        .filter(|b| b.customer_id == customer.id)
        .ok_or(WebError::NotFound)?;
    let document = canali_billing::document::BillDocument::new(bill, false)
        .map_err(|e| WebError::Internal(format!("bill {id}: {e}")))?;
    let pdf = tokio::task::spawn_blocking(move || canali_billing::render_bill_pdf(&document))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(|e| WebError::Internal(format!("bill {id}: {e}")))?;
    Ok(attachment_response(
        &format!("bolletta-{id}.pdf"),
        "application/pdf",
        pdf,
    ))
}

/// The greeting for the local hour in Rome: good morning until 13, good afternoon until 18,
/// good evening after (and in the small hours).
pub(super) fn greeting_key(hour: i8) -> &'static str {
    match hour {
        5..=12 => "home.morning",
        13..=17 => "home.afternoon",
        _ => "home.evening",
    }
}

#[cfg(test)]
mod tests {
    use super::greeting_key;

    #[test]
    fn the_greeting_follows_the_hour() {
        assert_eq!(greeting_key(8), "home.morning");
        assert_eq!(greeting_key(12), "home.morning");
        assert_eq!(greeting_key(13), "home.afternoon");
        assert_eq!(greeting_key(19), "home.evening");
        assert_eq!(greeting_key(23), "home.evening");
        assert_eq!(greeting_key(2), "home.evening");
    }
}
