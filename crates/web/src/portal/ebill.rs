//! The switch to the e-bill and back to paper.

use super::bills::ebill_status;
use super::{posting_customer, record_web_contact};
use crate::auth::Ctx;
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use canali_domain::network::EbillPath;
use canali_domain::{Day, Reason};
use canali_store::EbillEvent;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "portal/ebill.html")]
pub(super) struct EbillPage {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    status: String,
    enrolled: bool,
}

pub(super) async fn ebill_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    ebill_view(&state, ctx, None, None).await
}

async fn ebill_view(
    state: &AppState,
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let record = state
        .store
        .customers()
        .get(customer.id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(EbillPage {
        error,
        notice,
        status: ebill_status(&ctx, record.ebill_enrolled, record.ebill_since),
        enrolled: record.ebill_enrolled,
        ctx,
    }
    .into_response())
}

#[derive(Deserialize)]
pub(super) struct EbillForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// Switches to the e-bill or back to paper from today: the bills issued from today go the new
/// way (the dispatch of a day's bills runs after the day). One switch a day (the registry keeps
/// one per day and direction).
pub(super) async fn ebill_switch(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<EbillForm>,
) -> Result<Response, WebError> {
    let customer = posting_customer(&ctx, &f.csrf)?;
    let enrolled = match f.action.as_str() {
        "enroll" => true,
        "withdraw" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "unknown e-bill action '{other}': use enroll or withdraw"
            )));
        }
    };
    let record = state
        .store
        .customers()
        .get(customer.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let today = Day::of_micros(now_micros());
    if record.ebill_enrolled == enrolled {
        let msg = ctx.t("ebill.already").to_string();
        return ebill_view(&state, ctx, None, Some(msg)).await;
    }
    if record.ebill_since == Some(today) {
        let msg = ctx.t("ebill.once_a_day").to_string();
        return ebill_view(&state, ctx, Some(msg), None).await;
    }
    state
        .store
        .insert_ebill_events(&[EbillEvent {
            customer_id: customer.id,
            day: today,
            path: EbillPath::OnlineBranch,
            enrolled,
        }])
        .await?;
    record_web_contact(
        &state,
        &customer.code,
        format!("ebill-{}-{}-{}", customer.id, today.0, u8::from(enrolled)),
        Reason::Ebill,
    )
    .await?;
    let key = if enrolled {
        "ebill.enrolled_from"
    } else {
        "ebill.withdrawn_from"
    };
    // The switch applies to the bills issued from the next day (docs/web.md).
    let msg = crate::i18n::fill(ctx.lang, key, &[("date", &ctx.date(Day(today.0 + 1)))]);
    ebill_view(&state, ctx, None, Some(msg)).await
}
