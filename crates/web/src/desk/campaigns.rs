//! The branch network's material campaigns (posters and leaflets sent to the branches, with
//! reminders) and each branch's confirmation of the materials it received.

use super::network::{MANAGERS, fresh_network};
use super::today;
use crate::auth::Ctx;
use crate::console::ConsoleCtx as _;
use crate::error::{WebError, refusal_text};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use canali_domain::network::{BranchKind, Operator};
use canali_domain::text::{TextKind, check_text};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
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
    for c in store.network().campaigns().await?.into_iter().rev() {
        let b = store.network().campaign_branches(c.id).await?;
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
    let lang = ctx.lang;
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
    let copies = form.copies.trim().parse::<i64>().ok().filter(|c| *c > 0);
    if form.name.trim().is_empty() || form.material.trim().is_empty() || copies.is_none() {
        let msg = ctx.t("campaign.incomplete");
        return campaigns_list(&state, ctx, Some(msg.into())).await;
    }
    for (field, value) in [("name", &form.name), ("material", &form.material)] {
        if let Err(r) = check_text(field, value.trim(), TextKind::Line) {
            let msg = crate::i18n::refusal(ctx.lang, &r);
            return campaigns_list(&state, ctx, Some(msg)).await;
        }
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
                    let msg =
                        crate::i18n::fill(ctx.lang, "campaign.unknown_branch", &[("code", &code)]);
                    return campaigns_list(&state, ctx, Some(msg)).await;
                }
                out.push(code.to_string());
            }
            out
        }
    };
    if targets.is_empty() {
        let msg = ctx.t("campaign.no_targets");
        return campaigns_list(&state, ctx, Some(msg.into())).await;
    }
    let store = &state.store;
    let id = store
        .network()
        .create_campaign(form.name.trim(), form.material.trim(), now_micros())
        .await?;
    let copies = copies.unwrap_or(1);
    let rows: Vec<(String, i64)> = targets.into_iter().map(|c| (c, copies)).collect();
    store.network().target_campaign(id, &rows).await?;
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
    let c = match store.network().campaign(id).await {
        Ok(c) => c,
        Err(canali_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
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
    for b in store.network().campaign_branches(id).await? {
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
    match state.store.network().send_campaign(id, now_micros()).await {
        Ok(_) => Ok(Redirect::to(&format!("/console/campaigns/{id}?done=sent")).into_response()),
        Err(e) => {
            let msg = refusal_text(ctx.lang, e)?;
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
    let c = match state.store.network().campaign(id).await {
        Ok(c) => c,
        Err(canali_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if c.sent_at.is_none() {
        let msg = ctx.t("campaign.not_sent").to_string();
        return campaign_view(&state, ctx, id, None, Some(msg)).await;
    }
    state
        .store
        .network()
        .remind_campaign(id, now_micros())
        .await?;
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
        .network()
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
    let branch = super::counter::clerk_branch(&ctx, None)?;
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
    let branch = super::counter::clerk_branch(&ctx, None)?;
    ctx.check_csrf(&form.csrf)?;
    // Only a campaign this branch takes part in (another's is not found).
    if !state
        .store
        .network()
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
        .network()
        .confirm_campaign(form.campaign, &branch, displayed, now_micros())
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/branch/materials?done=ok").into_response()),
        Err(e) => {
            let msg = refusal_text(ctx.lang, e)?;
            materials_view(&state, ctx, branch, None, Some(msg)).await
        }
    }
}
