//! The branch network for its manager: the branches at a date (kind, operator, host, hours a
//! week, open now), the branch form (validated, written through the registry's upsert) and
//! its dated events, and the kiosks' pairing. Material campaigns are in campaigns.rs.

use super::today;
use crate::auth::Ctx;
use crate::console::ConsoleCtx as _;
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use canali_branches::network::Network;
use canali_domain::locale;
use canali_domain::network::{
    BranchEventKind, BranchFacts, BranchKind, Host, Operator, check_branch,
};
use canali_domain::schedule::WeeklyHours;
use canali_domain::service::Role;
use canali_domain::text::{TextKind, check_text};
use canali_domain::{Day, Service};
use canali_store::branches_store::RegistryUpdate;
use canali_store::{Branch, BranchEvent};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/network", get(network_page))
        .route(
            "/console/network/{code}",
            get(branch_form).post(branch_save),
        )
        .route("/console/network/{code}/event", post(branch_event))
        .route("/console/network/{code}/kiosk", post(kiosk_pair))
        .route("/console/network/{code}/kiosk/revoke", post(kiosk_revoke))
}

pub(super) const MANAGERS: &[Role] = &[Role::NetworkManager];

pub(super) fn parse_day(s: &str) -> Option<Day> {
    s.trim()
        .parse::<jiff::civil::Date>()
        .ok()
        .map(Day::from_date)
}

pub(super) async fn fresh_network(state: &AppState) -> Result<Network, WebError> {
    Network::load(&state.store)
        .await
        .map_err(|e| WebError::Internal(format!("cannot load the branch network: {e}")))
}

// ---- network list --------------------------------------------------------------------------

struct BranchLine {
    code: String,
    name: String,
    municipality: String,
    sot: String,
    kind: &'static str,
    operator: String,
    host: String,
    counters: i64,
    hours: String,
    per_week: String,
    open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/network.html")]
struct NetworkPage {
    ctx: Ctx,
    /// `YYYY-MM-DD` for the date field, and the date for people for the heading.
    date: String,
    date_shown: String,
    total: usize,
    outsourced: usize,
    hosted: usize,
    by_kind: Vec<(&'static str, usize)>,
    events: Vec<(String, String, &'static str, String)>,
    rows: Vec<BranchLine>,
}

#[derive(Deserialize, Default)]
struct AtQuery {
    #[serde(default)]
    date: String,
}

async fn network_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AtQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    let day = if q.date.trim().is_empty() {
        today()
    } else {
        parse_day(&q.date).ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{}' non è una data AAAA-MM-GG / is not a date YYYY-MM-DD",
                q.date
            ))
        })?
    };
    let net = fresh_network(&state).await?;
    let at = net.at(day.date());
    let open: HashMap<String, bool> = net
        .open_now(jiff::Timestamp::now(), None)
        .into_iter()
        .map(|o| (o.code, o.open))
        .collect();
    let lang = ctx.lang;
    let sot_name = |code: i64| {
        net.sots
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_string(), |s| s.name.clone())
    };
    let rows = at
        .branches
        .iter()
        .map(|b| BranchLine {
            code: b.code.clone(),
            name: b.name.clone(),
            municipality: b.municipality.clone(),
            sot: sot_name(b.sot),
            kind: b.kind.label(lang),
            operator: match &b.contractor {
                Some(c) if b.operator == Operator::Outsourced => {
                    format!("{} ({c})", b.operator.label(lang))
                }
                _ => b.operator.label(lang).to_string(),
            },
            host: match &b.host_name {
                Some(h) if b.host == Host::ThirdParty => format!("{} ({h})", b.host.label(lang)),
                _ => b.host.label(lang).to_string(),
            },
            counters: b.counters,
            hours: locale::weekly_hours_text(&b.hours, lang),
            per_week: ctx.dec(b.hours_per_week, 1),
            open: open.get(&b.code).copied().unwrap_or(false),
        })
        .collect();
    Ok(NetworkPage {
        date: day.date().to_string(),
        date_shown: ctx.date(day),
        total: at.total,
        outsourced: at.outsourced,
        hosted: at.hosted_at_third_parties,
        by_kind: at
            .by_kind
            .iter()
            .map(|(k, n)| (k.label(lang), *n))
            .collect(),
        events: at
            .events_of_year
            .iter()
            .map(|e| {
                (
                    parse_day(&e.date).map_or_else(|| e.date.clone(), |d| ctx.date(d)),
                    e.name.clone(),
                    e.kind.label(lang),
                    e.note.clone(),
                )
            })
            .collect(),
        rows,
        ctx,
    }
    .into_response())
}

// ---- branch form ---------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
struct BranchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    sot: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    contractor: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    host_name: String,
    #[serde(default)]
    counters: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    services: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
}

impl BranchForm {
    fn of(b: &Branch, services: &str, hours: &str) -> BranchForm {
        BranchForm {
            csrf: String::new(),
            code: b.code.clone(),
            name: b.name.clone(),
            municipality: b.municipality.clone(),
            address: b.address.clone(),
            sot: b.sot.to_string(),
            kind: b.kind.name().to_string(),
            operator: b.operator.name().to_string(),
            contractor: b.contractor.clone().unwrap_or_default(),
            host: b.host.name().to_string(),
            host_name: b.host_name.clone().unwrap_or_default(),
            counters: b.counters.to_string(),
            hours: hours.to_string(),
            services: services.to_string(),
            latitude: b.latitude.to_string(),
            longitude: b.longitude.to_string(),
        }
    }

    /// The branch, or every problem as a sentence.
    fn validate(&self, ctx: &Ctx, sots: &[i64]) -> Result<(Branch, String), Vec<String>> {
        let mut errors = Vec::new();
        let code = self.code.trim().to_string();
        if code.is_empty()
            || code.len() > 20
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errors.push(ctx.t("network.code_invalid").to_string());
        }
        if self.name.trim().is_empty() {
            errors.push(ctx.t("network.name_required").to_string());
        }
        if self.municipality.trim().is_empty() {
            errors.push(ctx.t("network.municipality_required").to_string());
        }
        // The one rule for text (canali_domain::text), as the registry import applies it.
        for (field, value, kind) in [
            ("name", &self.name, TextKind::Name),
            ("municipality", &self.municipality, TextKind::Name),
            ("address", &self.address, TextKind::Line),
            ("contractor", &self.contractor, TextKind::Name),
            ("host_name", &self.host_name, TextKind::Name),
        ] {
            if let Err(r) = check_text(field, value.trim(), kind) {
                errors.push(crate::i18n::refusal(ctx.lang, &r));
            }
        }
        let sot = self
            .sot
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| sots.contains(s));
        if sot.is_none() {
            errors.push(ctx.t("network.sot_unknown").to_string());
        }
        let kind = BranchKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == self.kind);
        if kind.is_none() {
            errors.push(ctx.t("network.kind_missing").to_string());
        }
        // The rule every way a branch comes in shares (the registry import too). Counters
        // that are not a number count as 0, refused like it; so are coordinates as NaN.
        let coord = |s: &str| s.trim().parse::<f64>().unwrap_or(f64::NAN);
        let checked = check_branch(&BranchFacts {
            operator: Some(self.operator.as_str()),
            contractor: Some(self.contractor.as_str()),
            host: Some(self.host.as_str()),
            host_name: Some(self.host_name.as_str()),
            counters: self.counters.trim().parse().unwrap_or(0),
            latitude: coord(&self.latitude),
            longitude: coord(&self.longitude),
        })
        .map_err(|refusals| {
            for r in refusals {
                errors.push(crate::i18n::refusal(ctx.lang, &r));
            }
        })
        .ok();
        let hours = match WeeklyHours::parse(self.hours.trim()) {
            Ok(h) => Some(h.to_string()),
            Err(e) => {
                errors.push(crate::i18n::fill(
                    ctx.lang,
                    "network.hours_invalid",
                    &[("why", &e)],
                ));
                None
            }
        };
        let mut services = Vec::new();
        for s in self
            .services
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match Service::ALL.iter().find(|x| x.name() == s) {
                Some(x) => services.push(x.name()),
                None => errors.push(crate::i18n::fill(
                    ctx.lang,
                    "network.service_unknown",
                    &[
                        ("service", &s),
                        (
                            "known",
                            &Service::ALL
                                .iter()
                                .map(|x| x.name())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ],
                )),
            }
        }
        let Some(checked) = checked.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        Ok((
            Branch {
                code,
                name: self.name.trim().to_string(),
                municipality: self.municipality.trim().to_string(),
                address: self.address.trim().to_string(),
                sot: sot.unwrap_or_default(),
                kind: kind.unwrap_or(BranchKind::Standard),
                operator: checked.operator,
                contractor: checked.contractor,
                host: checked.host,
                host_name: checked.host_name,
                counters: checked.counters,
                hours: hours.unwrap_or_default(),
                schedule_template: None,
                latitude: coord(&self.latitude),
                longitude: coord(&self.longitude),
            },
            services.join(","),
        ))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/branch_form.html")]
struct BranchFormPage {
    ctx: Ctx,
    is_new: bool,
    f: BranchForm,
    sots: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    event_kinds: Vec<(&'static str, &'static str)>,
    events: Vec<(String, &'static str, String)>,
    template: Option<String>,
    /// The kiosk's pairing in a sentence, and whether a key is in force.
    kiosk_status: String,
    kiosk_in_force: bool,
    errors: Vec<String>,
    notice: Option<String>,
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    code: &str,
    f: Option<BranchForm>,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let existing = store
        .figures()
        .branches()
        .await?
        .into_iter()
        .find(|b| b.code == code);
    if existing.is_none() && code != "new" && f.is_none() {
        return Err(WebError::NotFound);
    }
    let services = store.network().branch_services().await?;
    let templates: HashMap<String, String> = store
        .network()
        .schedule_templates()
        .await?
        .into_iter()
        .map(|t| (t.name, t.hours))
        .collect();
    let f = f.unwrap_or_else(|| match &existing {
        Some(b) => {
            let hours = b
                .schedule_template
                .as_ref()
                .and_then(|t| templates.get(t))
                .unwrap_or(&b.hours);
            BranchForm::of(b, services.get(&b.code).map_or("", |s| s.as_str()), hours)
        }
        None => BranchForm {
            counters: "1".into(),
            kind: "standard".into(),
            ..BranchForm::default()
        },
    });
    let lang = ctx.lang;
    let events = store
        .figures()
        .branch_events()
        .await?
        .into_iter()
        .filter(|e| e.branch == code)
        .map(|e| (ctx.date(e.day), e.kind.label(lang), e.note))
        .collect();
    let pairing = match &existing {
        Some(_) => store.network().kiosk_pairing(code).await?,
        None => None,
    };
    let kiosk_in_force = pairing.as_ref().is_some_and(|p| p.revoked_at.is_none());
    let kiosk_status = match pairing {
        None => ctx.t("network.kiosk_never").to_string(),
        Some(p) => match (p.revoked_at, p.revoked_by) {
            (None, _) => format!(
                "{} {} {}.",
                ctx.t("network.kiosk_paired_on"),
                ctx.datetime(p.created_at),
                who(&ctx, &p.created_by)
            ),
            (Some(at), by) => format!(
                "{} {} {}.",
                ctx.t("network.kiosk_revoked_on"),
                ctx.datetime(at),
                who(&ctx, &by.unwrap_or_default())
            ),
        },
    };
    Ok(BranchFormPage {
        is_new: existing.is_none(),
        kiosk_status,
        kiosk_in_force,
        template: existing.and_then(|b| b.schedule_template),
        f,
        sots: store
            .figures()
            .sots()
            .await?
            .into_iter()
            .map(|s| (s.code, s.name))
            .collect(),
        kinds: BranchKind::ALL
            .iter()
            .map(|k| (k.name(), k.label(lang)))
            .collect(),
        event_kinds: BranchEventKind::ALL
            .iter()
            .map(|k| (k.name(), k.label(lang)))
            .collect(),
        events,
        errors,
        notice,
        ctx,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
    /// `revoked` or `not_paired` after a kiosk revocation.
    #[serde(default)]
    kiosk: String,
}

async fn branch_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    let notice = match q.kiosk.as_str() {
        "revoked" => Some(ctx.t("network.kiosk_revoked").to_string()),
        "not_paired" => Some(ctx.t("network.kiosk_was_not_paired").to_string()),
        _ => (!q.saved.is_empty()).then(|| ctx.t("network.saved").to_string()),
    };
    form_page(&state, ctx, &code, None, Vec::new(), notice).await
}

async fn branch_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(mut form): Form<BranchForm>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    ctx.check_csrf(&form.csrf)?;
    if code != "new" {
        form.code = code.clone();
    }
    let sots: Vec<i64> = state
        .store
        .figures()
        .sots()
        .await?
        .iter()
        .map(|s| s.code)
        .collect();
    match form.validate(&ctx, &sots) {
        Err(errors) => {
            let key = if code == "new" { "new" } else { code.as_str() };
            let mut page = form_page(&state, ctx, key, Some(form), errors, None).await?;
            *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(page)
        }
        Ok((branch, services)) => {
            let code = branch.code.clone();
            state
                .store
                .network()
                .upsert_registry(&RegistryUpdate {
                    branches: vec![(branch, services)],
                    ..RegistryUpdate::default()
                })
                .await?;
            Ok(Redirect::to(&format!("/console/network/{code}?saved=1")).into_response())
        }
    }
}

#[derive(Deserialize)]
struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

async fn branch_event(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<EventForm>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    ctx.check_csrf(&form.csrf)?;
    if !state
        .store
        .figures()
        .branches()
        .await?
        .iter()
        .any(|b| b.code == code)
    {
        return Err(WebError::NotFound);
    }
    let kind = BranchEventKind::ALL
        .iter()
        .copied()
        .find(|k| k.name() == form.kind);
    let day = parse_day(&form.date);
    let (Some(kind), Some(day)) = (kind, day) else {
        let msg = ctx.t("network.event_incomplete");
        let mut page = form_page(&state, ctx, &code, None, vec![msg.to_string()], None).await?;
        *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(page);
    };
    if let Err(r) = check_text("note", form.note.trim(), TextKind::Line) {
        let msg = crate::i18n::refusal(ctx.lang, &r);
        let mut page = form_page(&state, ctx, &code, None, vec![msg], None).await?;
        *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(page);
    }
    state
        .store
        .network()
        .upsert_registry(&RegistryUpdate {
            events: vec![BranchEvent {
                branch: code.clone(),
                day,
                kind,
                note: form.note.trim().to_string(),
            }],
            ..RegistryUpdate::default()
        })
        .await?;
    Ok(Redirect::to(&format!("/console/network/{code}?saved=1")).into_response())
}

/// `by` who paired or revoked a kiosk: an operator's address, or the command line (recorded as
/// `command line` or `command line (user NAME)`), in the page's language.
fn who(ctx: &Ctx, recorded: &str) -> String {
    match recorded.strip_prefix("command line") {
        Some(rest) => {
            let user = rest
                .trim()
                .strip_prefix("(user ")
                .and_then(|u| u.strip_suffix(')'))
                .map(str::trim)
                .filter(|u| !u.is_empty());
            match user {
                Some(user) => {
                    crate::i18n::fill(ctx.lang, "network.kiosk_cli_user", &[("user", &user)])
                }
                None => ctx.t("network.kiosk_cli").to_string(),
            }
        }
        None => crate::i18n::fill(ctx.lang, "network.kiosk_by", &[("who", &recorded)]),
    }
}

// ---- kiosk pairing --------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "desk/kiosk_paired.html")]
struct KioskPairedPage {
    ctx: Ctx,
    code: String,
    name: String,
    link: String,
}

/// Pairs the branch's kiosk and shows the pairing link once; the key in force before stops
/// working. The store keeps only the key's SHA-256, so the link cannot be shown again.
async fn kiosk_pair(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(MANAGERS)?.clone();
    ctx.check_csrf(&form.csrf)?;
    let branch = super::queue::branch_of(&state.store, &code).await?;
    let now = now_micros();
    let key = super::kiosk_key::pair(&state.store, &code, &op.email, now).await?;
    state
        .store
        .accounts()
        .audit(op.id, "pair_kiosk", None, &format!("branch {code}"), now)
        .await?;
    let link = super::kiosk_key::pairing_link(&state.config.public_url, &code, &key);
    let mut page = KioskPairedPage {
        ctx,
        code,
        name: branch.name,
        link,
    }
    .into_response();
    // The page holds a secret: no cache may keep it.
    page.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(page)
}

async fn kiosk_revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(MANAGERS)?.clone();
    ctx.check_csrf(&form.csrf)?;
    super::queue::branch_of(&state.store, &code).await?;
    let now = now_micros();
    let outcome = if state
        .store
        .network()
        .revoke_kiosk(&code, &op.email, now)
        .await?
    {
        state
            .store
            .accounts()
            .audit(op.id, "revoke_kiosk", None, &format!("branch {code}"), now)
            .await?;
        "revoked"
    } else {
        "not_paired"
    };
    Ok(Redirect::to(&format!("/console/network/{code}?kiosk={outcome}#kiosk")).into_response())
}
