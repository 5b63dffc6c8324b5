//! The branch and call-center desks: the branch day from kiosk to counter to display (and the
//! virtual ticket online), the branch network's registry and material campaigns, the branch
//! and call-center indicators, the call centers' live wallboard and staffing plans.
//!
//! Pages for devices in the branch: the kiosk `/kiosk/{branch}` needs no sign-in but issues
//! tickets only on a device paired with the branch (`kiosk_key`); the display
//! `/display/{branch}` is public. Neither shows personal data. The virtual ticket
//! `/branches/{code}/ticket` is open to anyone, signed in or not; its status page shows what the display shows, and its check-in needs the
//! key in the link handed out when the ticket was taken. Everything under `/console` needs an
//! operator of the right role; every form is CSRF-checked.

pub(crate) mod callcenter;
mod campaigns;
mod charts;
mod counter;
pub mod kiosk_key;
mod kpi;
mod network;
mod queue;
mod texts;

use crate::AppState;
use crate::auth::Ctx;
use crate::i18n::Texts;
use axum::Router;
use canali_domain::Day;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(queue::routes())
        .merge(counter::routes())
        .merge(campaigns::routes())
        .merge(network::routes())
        .merge(kpi::routes())
        .merge(callcenter::routes())
}

pub const TEXTS: Texts = texts::TEXTS;

pub(crate) use kpi::data_day;

/// Today in Europe/Rome.
pub(crate) fn today() -> Day {
    Day::of_micros(crate::now_micros())
}

/// Seconds as whole minutes for people (`~ 12 min`).
pub(crate) fn minutes(ctx: &Ctx, seconds: i64) -> String {
    let m = (seconds.max(0) + 59) / 60;
    if m == 0 {
        ctx.t("desk.no_wait").to_string()
    } else {
        format!("{m} min")
    }
}

/// A number with `digits` decimals in the page's language (`44,0`, `1.234,5`).
pub(crate) fn dec(ctx: &Ctx, v: f64, digits: usize) -> String {
    ctx.dec(v, digits)
}

/// An optional number, or a dash.
pub(crate) fn opt(ctx: &Ctx, v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".to_string(), |v| dec(ctx, v, digits))
}

/// A verdict: met, missed, no data.
pub(crate) fn verdict(ctx: &Ctx, met: Option<bool>) -> (&'static str, &'static str) {
    match met {
        Some(true) => (ctx.t("kpi.met"), "ok"),
        Some(false) => (ctx.t("kpi.missed"), "late"),
        None => (ctx.t("kpi.no_data"), ""),
    }
}
