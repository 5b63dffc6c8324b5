//! The branch network for its manager: the branches at a date (kind, operator, host, hours a
//! week, open now), the branch form (validated, written through the registry's upsert) and
//! its dated events; material campaigns (create, target, send, follow up, remind) and, on the
//! branch side, the clerk's delivery and display confirmations.

use super::{refusal, today};
use crate::auth::Ctx;
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use canali_branches::network::Network;
use canali_domain::network::{BranchEventKind, BranchKind, Host, Operator};
use canali_domain::schedule::WeeklyHours;
use canali_domain::service::Role;
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
        .route(
            "/console/campaigns",
            get(campaigns_page).post(campaign_create),
        )
        .route("/console/campaigns/{id}", get(campaign_page))
        .route("/console/campaigns/{id}/send", post(campaign_send))
        .route("/console/campaigns/{id}/remind", post(campaign_remind))
        .route(
            "/console/branch/materials",
            get(materials_page).post(materials_confirm),
        )
}

const MANAGERS: &[Role] = &[Role::NetworkManager];

fn parse_day(s: &str) -> Option<Day> {
    s.trim()
        .parse::<jiff::civil::Date>()
        .ok()
        .map(Day::from_date)
}

async fn fresh_network(state: &AppState) -> Result<Network, WebError> {
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
    date: String,
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
    let lang = ctx.lang_code();
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
            hours: b.hours.clone(),
            per_week: super::dec(&ctx, b.hours_per_week, 1),
            open: open.get(&b.code).copied().unwrap_or(false),
        })
        .collect();
    Ok(NetworkPage {
        date: day.date().to_string(),
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
                    e.date.clone(),
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
        let it = ctx.lang_code() == "it";
        let say = |i: &str, e: &str| if it { i.to_string() } else { e.to_string() };
        let mut errors = Vec::new();
        let code = self.code.trim().to_string();
        if code.is_empty()
            || code.len() > 20
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errors.push(say(
                "Il codice è obbligatorio: lettere, cifre e trattini, al massimo 20.",
                "The code is required: letters, digits and dashes, at most 20.",
            ));
        }
        if self.name.trim().is_empty() {
            errors.push(say("Il nome è obbligatorio.", "The name is required."));
        }
        if self.municipality.trim().is_empty() {
            errors.push(say(
                "Il comune è obbligatorio.",
                "The municipality is required.",
            ));
        }
        let sot = self
            .sot
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| sots.contains(s));
        if sot.is_none() {
            errors.push(say(
                "Scegli una struttura territoriale (SOT) esistente.",
                "Choose an existing territorial structure (SOT).",
            ));
        }
        let kind = BranchKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == self.kind);
        if kind.is_none() {
            errors.push(say(
                "Scegli il tipo di sportello.",
                "Choose the kind of branch.",
            ));
        }
        let operator = if self.operator == "outsourced" {
            Operator::Outsourced
        } else {
            Operator::Own
        };
        let contractor = Some(self.contractor.trim().to_string()).filter(|c| !c.is_empty());
        if operator == Operator::Outsourced && contractor.is_none() {
            errors.push(say(
                "Uno sportello in outsourcing richiede il nome dell'appaltatore.",
                "An outsourced branch needs its contractor's name.",
            ));
        }
        let host = if self.host == "third_party" {
            Host::ThirdParty
        } else {
            Host::Own
        };
        let host_name = Some(self.host_name.trim().to_string()).filter(|c| !c.is_empty());
        if host == Host::ThirdParty && host_name.is_none() {
            errors.push(say(
                "Uno sportello presso terzi richiede il nome di chi lo ospita.",
                "A branch hosted at a third party needs the host's name.",
            ));
        }
        let counters = self
            .counters
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|c| (1..=99).contains(c));
        if counters.is_none() {
            errors.push(say(
                "Il numero di sportelli deve essere un intero da 1 a 99.",
                "The number of counters must be a whole number from 1 to 99.",
            ));
        }
        let hours = match WeeklyHours::parse(self.hours.trim()) {
            Ok(h) => Some(h.to_string()),
            Err(e) => {
                errors.push(format!(
                    "{} {e}",
                    say("Orari non validi:", "The opening hours are not valid:")
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
                None => errors.push(format!(
                    "{} '{s}' ({})",
                    say("Servizio sconosciuto", "Unknown service"),
                    Service::ALL
                        .iter()
                        .map(|x| x.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        let coord = |s: &str, max: f64| s.trim().parse::<f64>().ok().filter(|v| v.abs() <= max);
        let (lat, lon) = (coord(&self.latitude, 90.0), coord(&self.longitude, 180.0));
        if lat.is_none() || lon.is_none() {
            errors.push(say(
                "Latitudine e longitudine devono essere numeri in gradi (es. 44.49 e 11.34).",
                "Latitude and longitude must be numbers in degrees (e.g. 44.49 and 11.34).",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Branch {
                code,
                name: self.name.trim().to_string(),
                municipality: self.municipality.trim().to_string(),
                address: self.address.trim().to_string(),
                sot: sot.unwrap_or_default(),
                kind: kind.unwrap_or(BranchKind::Standard),
                operator,
                contractor: contractor.filter(|_| operator == Operator::Outsourced),
                host,
                host_name: host_name.filter(|_| host == Host::ThirdParty),
                counters: counters.unwrap_or(1),
                hours: hours.unwrap_or_default(),
                schedule_template: None,
                latitude: lat.unwrap_or_default(),
                longitude: lon.unwrap_or_default(),
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
    let services = store.branch_services().await?;
    let templates: HashMap<String, String> = store
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
    let lang = ctx.lang_code();
    let events = store
        .figures()
        .branch_events()
        .await?
        .into_iter()
        .filter(|e| e.branch == code)
        .map(|e| (e.day.date().to_string(), e.kind.label(lang), e.note))
        .collect();
    let pairing = match &existing {
        Some(_) => store.kiosk_pairing(code).await?,
        None => None,
    };
    let kiosk_in_force = pairing.as_ref().is_some_and(|p| p.revoked_at.is_none());
    let kiosk_status = match pairing {
        None => ctx.t("network.kiosk_never").to_string(),
        Some(p) => match (p.revoked_at, p.revoked_by) {
            (None, _) => format!(
                "{} {} {} {}.",
                ctx.t("network.kiosk_paired_on"),
                ctx.datetime(p.created_at),
                ctx.t("network.kiosk_by"),
                p.created_by
            ),
            (Some(at), by) => format!(
                "{} {} {} {}.",
                ctx.t("network.kiosk_revoked_on"),
                ctx.datetime(at),
                ctx.t("network.kiosk_by"),
                by.unwrap_or_default()
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
        let msg = if ctx.lang_code() == "it" {
            "Indica la data (AAAA-MM-GG) e il tipo dell'evento."
        } else {
            "Give the event's date (YYYY-MM-DD) and kind."
        };
        let mut page = form_page(&state, ctx, &code, None, vec![msg.to_string()], None).await?;
        *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(page);
    };
    state
        .store
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
    let outcome = if state.store.revoke_kiosk(&code, &op.email, now).await? {
        state
            .store
            .audit(op.id, "revoke_kiosk", None, &format!("branch {code}"), now)
            .await?;
        "revoked"
    } else {
        "not_paired"
    };
    Ok(Redirect::to(&format!("/console/network/{code}?kiosk={outcome}#kiosk")).into_response())
}

// ---- campaigns -----------------------------------------------------------------------------

struct CampaignLine {
    id: i64,
    name: String,
    material: String,
    created: String,
    sent: String,
    branches: usize,
    pending: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/campaigns.html")]
struct CampaignsPage {
    ctx: Ctx,
    rows: Vec<CampaignLine>,
    sots: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn campaigns_list(
    state: &AppState,
    ctx: Ctx,
    error: Option<String>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let mut rows = Vec::new();
    for c in store.campaigns().await?.into_iter().rev() {
        let b = store.campaign_branches(c.id).await?;
        rows.push(CampaignLine {
            id: c.id,
            name: c.name,
            material: c.material,
            created: ctx.datetime(c.created_at),
            sent: c.sent_at.map(|s| ctx.datetime(s)).unwrap_or_default(),
            pending: b.iter().filter(|x| x.displayed_at.is_none()).count(),
            branches: b.len(),
        });
    }
    let lang = ctx.lang_code();
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let mut r = CampaignsPage {
        rows,
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
        error,
        ctx,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

async fn campaigns_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    campaigns_list(&state, ctx, None).await
}

#[derive(Deserialize)]
struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    material: String,
    #[serde(default)]
    copies: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    sot: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    list: String,
}

async fn campaign_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CampaignForm>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    ctx.check_csrf(&form.csrf)?;
    let it = ctx.lang_code() == "it";
    let copies = form.copies.trim().parse::<i64>().ok().filter(|c| *c > 0);
    if form.name.trim().is_empty() || form.material.trim().is_empty() || copies.is_none() {
        let msg = if it {
            "Indica nome, materiale e un numero di copie per sportello maggiore di zero."
        } else {
            "Give a name, the material and a number of copies per branch above zero."
        };
        return campaigns_list(&state, ctx, Some(msg.into())).await;
    }
    let net = fresh_network(&state).await?;
    let at = net.at(today().date());
    let branches = at.branches.iter();
    let targets: Vec<String> = match form.target.as_str() {
        "all" => branches.map(|b| b.code.clone()).collect(),
        "territory" => {
            let sot = form.sot.trim().parse::<i64>().unwrap_or(-1);
            branches
                .filter(|b| b.sot == sot)
                .map(|b| b.code.clone())
                .collect()
        }
        "kind" => branches
            .filter(|b| b.kind.name() == form.kind)
            .map(|b| b.code.clone())
            .collect(),
        "outsourced" => branches
            .filter(|b| b.operator == Operator::Outsourced)
            .map(|b| b.code.clone())
            .collect(),
        _ => {
            let mut out = Vec::new();
            for code in form
                .list
                .split([',', ' ', '\n', '\r', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                if !net.branches.iter().any(|b| b.branch.code == code) {
                    let msg = if it {
                        format!("Lo sportello {code} non esiste.")
                    } else {
                        format!("There is no branch {code}.")
                    };
                    return campaigns_list(&state, ctx, Some(msg)).await;
                }
                out.push(code.to_string());
            }
            out
        }
    };
    if targets.is_empty() {
        let msg = if it {
            "Nessuno sportello corrisponde ai destinatari scelti."
        } else {
            "No branch matches the chosen targets."
        };
        return campaigns_list(&state, ctx, Some(msg.into())).await;
    }
    let store = &state.store;
    let id = store
        .create_campaign(form.name.trim(), form.material.trim(), now_micros())
        .await?;
    let copies = copies.unwrap_or(1);
    let rows: Vec<(String, i64)> = targets.into_iter().map(|c| (c, copies)).collect();
    store.target_campaign(id, &rows).await?;
    Ok(Redirect::to(&format!("/console/campaigns/{id}")).into_response())
}

struct TargetLine {
    branch: String,
    name: String,
    copies: i64,
    delivered: String,
    displayed: String,
    reminded: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/campaign.html")]
struct CampaignPage {
    ctx: Ctx,
    id: i64,
    name: String,
    material: String,
    sent: String,
    pending: Vec<TargetLine>,
    confirmed: Vec<TargetLine>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    #[serde(default)]
    done: String,
}

async fn campaign_view(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let c = match store.campaign(id).await {
        Ok(c) => c,
        Err(canali_store::StoreError::Invalid(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let names: HashMap<String, String> = store
        .figures()
        .branches()
        .await?
        .into_iter()
        .map(|b| (b.code, b.name))
        .collect();
    let (mut pending, mut confirmed) = (Vec::new(), Vec::new());
    for b in store.campaign_branches(id).await? {
        let line = TargetLine {
            name: names.get(&b.branch).cloned().unwrap_or_default(),
            copies: b.copies,
            delivered: b.delivered_at.map(|t| ctx.datetime(t)).unwrap_or_default(),
            displayed: b.displayed_at.map(|t| ctx.datetime(t)).unwrap_or_default(),
            reminded: b.reminded_at.map(|t| ctx.datetime(t)).unwrap_or_default(),
            branch: b.branch,
        };
        if b.displayed_at.is_none() {
            pending.push(line);
        } else {
            confirmed.push(line);
        }
    }
    Ok(CampaignPage {
        id,
        name: c.name,
        material: c.material,
        sent: c.sent_at.map(|s| ctx.datetime(s)).unwrap_or_default(),
        pending,
        confirmed,
        notice,
        error,
        ctx,
    }
    .into_response())
}

async fn campaign_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    let notice = match q.done.as_str() {
        "sent" => Some(ctx.t("campaign.done_sent").to_string()),
        "reminded" => Some(ctx.t("campaign.done_reminded").to_string()),
        _ => None,
    };
    campaign_view(&state, ctx, id, notice, None).await
}

async fn campaign_send(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    ctx.check_csrf(&form.csrf)?;
    match state.store.send_campaign(id, now_micros()).await {
        Ok(_) => Ok(Redirect::to(&format!("/console/campaigns/{id}?done=sent")).into_response()),
        Err(e) => {
            let msg = refusal(e)?;
            campaign_view(&state, ctx, id, None, Some(msg)).await
        }
    }
}

async fn campaign_remind(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, WebError> {
    ctx.operator_in(MANAGERS)?;
    ctx.check_csrf(&form.csrf)?;
    let c = match state.store.campaign(id).await {
        Ok(c) => c,
        Err(canali_store::StoreError::Invalid(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if c.sent_at.is_none() {
        let msg = ctx.t("campaign.not_sent").to_string();
        return campaign_view(&state, ctx, id, None, Some(msg)).await;
    }
    state.store.remind_campaign(id, now_micros()).await?;
    Ok(Redirect::to(&format!("/console/campaigns/{id}?done=reminded")).into_response())
}

// ---- branch materials ----------------------------------------------------------------------

struct MaterialLine {
    id: i64,
    name: String,
    material: String,
    copies: i64,
    sent: String,
    delivered: String,
    displayed: String,
    reminded: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/materials.html")]
struct MaterialsPage {
    ctx: Ctx,
    branch: String,
    rows: Vec<MaterialLine>,
    notice: Option<String>,
    error: Option<String>,
}

async fn materials_view(
    state: &AppState,
    ctx: Ctx,
    branch: String,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let rows = state
        .store
        .campaigns_of_branch(&branch)
        .await?
        .into_iter()
        .map(|(c, b)| MaterialLine {
            id: c.id,
            name: c.name,
            material: c.material,
            copies: b.copies,
            sent: c.sent_at.map(|s| ctx.datetime(s)).unwrap_or_default(),
            delivered: b.delivered_at.map(|t| ctx.datetime(t)).unwrap_or_default(),
            displayed: b.displayed_at.map(|t| ctx.datetime(t)).unwrap_or_default(),
            reminded: b.reminded_at.is_some() && b.displayed_at.is_none(),
        })
        .collect();
    Ok(MaterialsPage {
        ctx,
        branch,
        rows,
        notice,
        error,
    }
    .into_response())
}

async fn materials_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let branch = super::queue::clerk_branch(&ctx, None)?;
    let notice = (q.done == "ok").then(|| ctx.t("materials.done").to_string());
    materials_view(&state, ctx, branch, notice, None).await
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: i64,
    #[serde(default)]
    what: String,
}

async fn materials_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    let branch = super::queue::clerk_branch(&ctx, None)?;
    ctx.check_csrf(&form.csrf)?;
    // Only a campaign this branch takes part in (another's is not found).
    if !state
        .store
        .campaigns_of_branch(&branch)
        .await?
        .iter()
        .any(|(c, _)| c.id == form.campaign)
    {
        return Err(WebError::NotFound);
    }
    let displayed = form.what == "displayed";
    match state
        .store
        .confirm_campaign(form.campaign, &branch, displayed, now_micros())
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/branch/materials?done=ok").into_response()),
        Err(e) => {
            let msg = refusal(e)?;
            materials_view(&state, ctx, branch, None, Some(msg)).await
        }
    }
}
