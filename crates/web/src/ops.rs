//! What operators expect of a service: `/healthz` (the process answers), `/readyz` (the
//! database answers, its schema is current, the search is ready), Prometheus `/metrics`, and
//! one log line per request with its id, echoed in `X-Request-Id`.
//!
//! None of these routes opens a session or checks a form token; `/metrics` is kept to the
//! settings' rule (see [`metrics_allowed`] and docs/operations.md).

use crate::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// How long `/readyz` waits for the database.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Request latencies' buckets, in seconds: from a cached page to a slow report.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's Prometheus recorder, installed once as the global `metrics` recorder: the
/// store, the follower and the dispatch count through the facade wherever they run.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("canali_http_request_duration_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .expect("latency buckets are not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                // Someone installed another recorder first: this handle then renders only the
                // gauges sampled at scrape time.
                tracing::warn!("a metrics recorder was installed already; /metrics is partial");
            }
            describe();
            handle
        })
        .clone()
}

/// The HELP lines of every metric canali exports.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "canali_http_requests_total",
        "HTTP requests answered, by route template, method and status."
    );
    describe_histogram!(
        "canali_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by route template."
    );
    describe_counter!(
        "canali_contacts_ingested_total",
        "Contacts newly written to the ledger, by source."
    );
    describe_gauge!(
        "canali_queue_log_lag_seconds",
        Unit::Seconds,
        "Now minus the time of the newest queue_log line the follower committed, by source."
    );
    describe_counter!(
        "canali_bills_dispatched_total",
        "Bills delivered by the dispatch run, by channel (email, print)."
    );
    describe_counter!(
        "canali_bills_dispatch_failed_total",
        "Bill e-mails that failed, by kind (temporary: retried; permanent: printed instead)."
    );
}

/// `/healthz`, `/readyz` and `/metrics` on the main address.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_main))
}

/// The separate metrics listener (`web.metrics_bind`): `/metrics` and the health checks.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_own))
        .layer(axum::middleware::from_fn(observe))
        .with_state(state)
}

/// Serves only `/metrics` (this process's recorder) on `listener`, in the background, for the
/// long-running commands that are not the web server: the queue_log follower and the dispatch
/// run (`--metrics-bind`). It ends with the process.
pub fn spawn_metrics_only(listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
    let handle = prometheus();
    let upkeep = spawn_upkeep(handle.clone());
    let app = Router::new()
        .route(
            "/metrics",
            get(move || {
                let handle = handle.clone();
                async move {
                    let mut r = handle.render().into_response();
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    );
                    no_store(r)
                }
            }),
        )
        .route("/healthz", get(healthz));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("the metrics listener stopped: {e}");
        }
        upkeep.abort();
    })
}

async fn healthz() -> Response {
    no_store(Json(json!({ "status": "ok" })).into_response())
}

/// Ready when the database answers a trivial query in time, its schema is the one this binary
/// knows, and the customer search is ready. 503 names the checks that failed.
async fn readyz(State(state): State<AppState>) -> Response {
    let started = Instant::now();
    let (database, schema) = match state.store.ops().ping(DB_TIMEOUT).await {
        Ok(()) => {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let expected = canali_store::Store::known_schema_version();
            let schema = match state.store.ops().schema_version().await {
                Ok(v) if v == expected => json!({ "ok": true, "version": v }),
                Ok(v) => json!({
                    "ok": false, "version": v, "expected": expected,
                    "error": format!("the database has schema version {v}, this canali needs {expected}: run `canali migrate`"),
                }),
                Err(e) => json!({ "ok": false, "expected": expected, "error": e.to_string() }),
            };
            (
                json!({ "ok": true, "ms": (ms * 10.0).round() / 10.0 }),
                schema,
            )
        }
        Err(e) => (
            json!({ "ok": false, "error": e.to_string() }),
            json!({ "ok": false, "error": "not checked: the database did not answer" }),
        ),
    };
    let search_ready = state.search_ready.load(Ordering::Relaxed);
    let search = if search_ready {
        json!({ "ok": true })
    } else {
        json!({ "ok": false, "error": "the search indexes are being built" })
    };
    let checks = json!({ "database": database, "schema": schema, "search": search });
    let failed: Vec<&str> = ["database", "schema", "search"]
        .into_iter()
        .filter(|k| checks[*k]["ok"] != true)
        .collect();
    let status = if failed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if failed.is_empty() { "ready" } else { "not ready" },
        "failed": failed,
        "checks": checks,
    });
    no_store((status, Json(body)).into_response())
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Who may read `/metrics` (None: allowed; otherwise the refusal to send). On the main address:
/// - with `metrics_bind` set, nobody (it is served there instead): 404;
/// - with `metrics_token` set, whoever sends it as a bearer token: 401 otherwise;
/// - with neither, loopback clients whose request came through no proxy (a reverse proxy on
///   the same host connects from loopback too, but adds forwarding headers): 403 otherwise.
pub(crate) fn metrics_allowed(
    config: &crate::WebConfig,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    own_listener: bool,
) -> Option<Response> {
    if config.metrics_bind.is_some() && !own_listener {
        return Some(crate::error::WebError::NotFound.into_response());
    }
    if let Some(token) = &config.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let ok = sent.is_some_and(|s| crate::auth::same_secret(s, token));
        if ok {
            return None;
        }
        let mut r = (
            StatusCode::UNAUTHORIZED,
            "/metrics needs the token of web.metrics_token: Authorization: Bearer TOKEN\n",
        )
            .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"canali metrics\""),
        );
        return Some(r);
    }
    if own_listener {
        return None;
    }
    let proxied = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    if peer.is_some_and(|p| p.ip().is_loopback()) && !proxied {
        return None;
    }
    Some(
        (
            StatusCode::FORBIDDEN,
            "/metrics answers loopback clients only; set web.metrics_token or web.metrics_bind to \
         scrape it from elsewhere (docs/operations.md)\n",
        )
            .into_response(),
    )
}

async fn metrics_main(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = metrics_allowed(&state.config, Some(peer), &headers, false) {
        return r;
    }
    scrape(&state).await
}

async fn metrics_own(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(r) = metrics_allowed(&state.config, None, &headers, true) {
        return r;
    }
    scrape(&state).await
}

async fn scrape(state: &AppState) -> Response {
    let mut text = state.metrics.render();
    text.push_str(&sampled(state).await);
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    no_store(r)
}

/// One gauge family in the text format: HELP, TYPE, then a sample per label set.
fn gauge_family(out: &mut String, name: &str, help: &str, samples: &[(Vec<(&str, &str)>, f64)]) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (labels, value) in samples {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| {
                let v = v
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n");
                format!("{k}=\"{v}\"")
            })
            .collect();
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
        }
    }
    out.push('\n');
}

/// The gauges read at scrape time from this server's own store and flags (not from the
/// process's recorder, so that each server reports its own database). A query that fails
/// leaves its family out and is logged: the scrape itself still answers.
async fn sampled(state: &AppState) -> String {
    let mut out = String::new();
    let pool = state.store.ops().pool_stats();
    gauge_family(
        &mut out,
        "canali_db_connections_in_use",
        "Database pool connections lent to a query now.",
        &[(vec![], f64::from(pool.in_use()))],
    );
    gauge_family(
        &mut out,
        "canali_db_connections_idle",
        "Database pool connections open and idle now.",
        &[(vec![], f64::from(pool.idle))],
    );
    gauge_family(
        &mut out,
        "canali_db_connections_max",
        "The most connections the database pool opens.",
        &[(vec![], f64::from(pool.max))],
    );
    let ready = state.search_ready.load(Ordering::Relaxed);
    gauge_family(
        &mut out,
        "canali_search_ready",
        "1 when the customer search's indexes are ready, 0 while they are built.",
        &[(vec![], if ready { 1.0 } else { 0.0 })],
    );
    match crate::desk::callcenter::live_now(state, crate::now_micros()).await {
        Ok(live) => {
            let samples: Vec<(Vec<(&str, &str)>, f64)> = canali_callcenter::Line::ALL
                .iter()
                .map(|line| {
                    let n = live.open.iter().filter(|(l, _)| l == line).count();
                    (vec![("line", line.name())], n as f64)
                })
                .collect();
            gauge_family(
                &mut out,
                "canali_calls_waiting",
                "Calls waiting for an agent now, by line (as the wallboard shows them).",
                &samples,
            );
        }
        Err(e) => tracing::warn!("metrics: cannot count the calls waiting: {e}"),
    }
    match state
        .store
        .ops()
        .tickets_waiting(crate::desk::today())
        .await
    {
        Ok(rows) => {
            let samples: Vec<(Vec<(&str, &str)>, f64)> = rows
                .iter()
                .map(|(branch, n)| (vec![("branch", branch.as_str())], *n as f64))
                .collect();
            gauge_family(
                &mut out,
                "canali_tickets_waiting",
                "Tickets waiting to be called now, by branch (as the branch display shows them).",
                &samples,
            );
        }
        Err(e) => tracing::warn!("metrics: cannot count the tickets waiting: {e}"),
    }
    out
}

/// Clears the histograms' samples now and then, so that a server nobody scrapes does not
/// keep them all (the exporter leaves this to its user).
pub(crate) fn spawn_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    })
}

/// A request's id, in its extensions for handlers that want it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The error behind a 500, put in the response's extensions where the error is turned into a
/// page, so that the request's log line carries it.
#[derive(Clone, Debug)]
pub(crate) struct ErrorDetail(pub String);

/// An incoming id is kept when it is short and plain (a proxy's or a caller's trace id);
/// anything else is replaced, so that logs never carry a client's arbitrary text.
fn sane_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'=')
        });
    ok.then(|| s.to_string())
}

fn new_request_id() -> String {
    crate::auth::random_token()[..24].to_string()
}

/// The methods counted by name; any other is counted as `other`, so that a client cannot grow
/// the label set.
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Every request: its id (kept from `X-Request-Id` when sane, else new) in a tracing span
/// around the handler and in the answer's `X-Request-Id`; its count and latency by route
/// template (never the raw path: `/bills/{id}`, not `/bills/42`); one log line, at error
/// level for a 5xx, with the error when the handler recorded one.
pub(crate) async fn observe(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(new_request_id);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = method_label(req.method());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let mut resp = next.run(req).instrument(span).await;
    let elapsed = started.elapsed();
    let status = resp.status();
    metrics::counter!(
        "canali_http_requests_total",
        "route" => route.clone(),
        "method" => method,
        "status" => status.as_str().to_string()
    )
    .increment(1);
    metrics::histogram!("canali_http_request_duration_seconds", "route" => route.clone())
        .record(elapsed.as_secs_f64());
    let duration_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    if status.is_server_error() {
        let error = resp
            .extensions()
            .get::<ErrorDetail>()
            .map_or("(the handler recorded no detail)", |e| e.0.as_str());
        tracing::error!(
            target: "canali::http",
            request_id = %id, method, route, status = status.as_u16(), duration_ms, error,
            "request failed"
        );
    } else {
        tracing::info!(
            target: "canali::http",
            request_id = %id, method, route, status = status.as_u16(), duration_ms,
            "request"
        );
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_clients_are_kept_only_when_plain() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(
            sane_request_id(&v("abc-123_x.y")),
            Some("abc-123_x.y".into())
        );
        assert_eq!(sane_request_id(&v("")), None);
        assert_eq!(sane_request_id(&v("a b")), None);
        assert_eq!(sane_request_id(&v("<script>")), None);
        assert_eq!(sane_request_id(&v(&"a".repeat(129))), None);
        assert_eq!(new_request_id().len(), 24);
    }
}
