//! Meter self-reading for gas and water supply points.

use super::{PointView, posting_customer};
use crate::auth::Ctx;
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use canali_domain::{Channel, Day, Service};
use canali_store::customers::SupplyPointRow;
use canali_store::requests::{NewReading, ReadingOutcome};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "portal/readings.html")]
pub(super) struct ReadingsPage {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    points: Vec<PointView>,
    selected: i64,
    reading: String,
    meter_changed: bool,
    ask_confirm: bool,
    history: Vec<(String, i64, String)>,
}

fn readable_points(points: Vec<SupplyPointRow>) -> Vec<SupplyPointRow> {
    points
        .into_iter()
        .filter(|p| matches!(p.service, Service::Gas | Service::Water))
        .collect()
}

#[derive(Deserialize)]
pub(super) struct PointQuery {
    point: Option<i64>,
}

pub(super) async fn readings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PointQuery>,
) -> Result<Response, WebError> {
    readings_view(
        &state,
        ctx,
        q.point,
        None,
        None,
        String::new(),
        false,
        false,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn readings_view(
    state: &AppState,
    ctx: Ctx,
    point: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
    reading: String,
    meter_changed: bool,
    ask_confirm: bool,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let points = readable_points(
        state
            .store
            .customers()
            .supply_points_of(customer.id)
            .await?,
    );
    let selected = point
        .filter(|p| points.iter().any(|x| x.id == *p))
        .or_else(|| points.first().map(|p| p.id))
        .unwrap_or(0);
    let history = if selected > 0 {
        state
            .store
            .readings()
            .of(selected, 10)
            .await?
            .into_iter()
            .map(|r| (ctx.date(r.read_day), r.reading, ctx.datetime(r.sent_at)))
            .collect()
    } else {
        Vec::new()
    };
    let status = if error.is_some() || ask_confirm {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        ReadingsPage {
            error,
            notice,
            points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
            selected,
            reading,
            meter_changed,
            ask_confirm,
            history,
            ctx,
        },
    )
        .into_response())
}

#[derive(Deserialize)]
pub(super) struct ReadingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    point: i64,
    #[serde(default)]
    reading: String,
    meter_changed: Option<String>,
    confirm_high: Option<String>,
}

pub(super) async fn send_reading(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ReadingForm>,
) -> Result<Response, WebError> {
    let customer = posting_customer(&ctx, &f.csrf)?;
    let meter_changed = f.meter_changed.is_some();
    let Ok(value) = f.reading.trim().parse::<i64>() else {
        let msg = ctx.t("readings.not_a_number").to_string();
        return readings_view(
            &state,
            ctx,
            Some(f.point),
            Some(msg),
            None,
            f.reading,
            meter_changed,
            false,
        )
        .await;
    };
    if value < 0 {
        let msg = ctx.t("readings.not_a_number").to_string();
        return readings_view(
            &state,
            ctx,
            Some(f.point),
            Some(msg),
            None,
            f.reading,
            meter_changed,
            false,
        )
        .await;
    }
    let now = now_micros();
    let outcome = state
        .store
        .readings()
        .record(&NewReading {
            customer_id: customer.id,
            supply_point_id: f.point,
            reading: value,
            read_day: Day::of_micros(now),
            sent_at: now,
            meter_changed,
            confirmed_high: f.confirm_high.is_some(),
            channel: Channel::Web,
        })
        .await?;
    // A high reading is asked again with a confirmation box; a refused one is not.
    let confirm = matches!(outcome, ReadingOutcome::NeedsConfirmation(_));
    match outcome {
        ReadingOutcome::Recorded(_) => {
            let msg = format!("{} {value}", ctx.t("readings.recorded"));
            readings_view(
                &state,
                ctx,
                Some(f.point),
                None,
                Some(msg),
                String::new(),
                false,
                false,
            )
            .await
        }
        ReadingOutcome::NeedsConfirmation(why) | ReadingOutcome::Refused(why) => {
            let why = crate::i18n::refusal(ctx.lang, &why);
            readings_view(
                &state,
                ctx,
                Some(f.point),
                Some(why),
                None,
                f.reading,
                meter_changed,
                confirm,
            )
            .await
        }
    }
}
