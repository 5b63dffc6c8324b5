//! canali's web server: the online branch where customers serve themselves, the console where
//! operators work, and the REST API for integrators, all in one axum router over the store.
//!
//! Pages are server-rendered (askama) and work without JavaScript; htmx, served from our own
//! static files, refreshes parts of them where it helps. Every form is CSRF-checked, sign-in
//! and registration are rate-limited, and customers reach only their own data.

pub mod api;
pub mod auth;
pub mod config;
pub mod console;
pub mod desk;
pub mod error;
pub mod i18n;
pub mod limits;
pub mod mail;
pub mod ops;
mod portal;
mod security;
mod signin;
mod statics;
mod upload;

use axum::Router;
use canali_branches::network::Network;
use canali_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use config::WebConfig;
pub use error::WebError;
pub use mail::Mailer;

/// The branch network and when it was loaded.
type CachedNetwork = (std::time::Instant, Arc<Network>);

/// What every handler shares: the store, the settings, the mailer and the rate limiters.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub config: Arc<WebConfig>,
    pub mailer: Arc<Mailer>,
    pub limits: Arc<limits::Limits>,
    /// The `[callcenter]` settings: which queue is which line (pushed call events, the
    /// wallboard), the standards of the indicators.
    pub callcenter: Arc<canali_callcenter::CallCenterSettings>,
    /// False while the customer search's indexes are being built (e.g. by the demo after a
    /// bulk load): `/readyz` answers 503 until it is true again.
    pub search_ready: Arc<AtomicBool>,
    /// The process's Prometheus recorder, rendered by `/metrics`.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    network: Arc<tokio::sync::RwLock<Option<CachedNetwork>>>,
}

impl AppState {
    pub fn new(store: Arc<Store>, config: WebConfig) -> Result<AppState, WebError> {
        let mailer = Mailer::from_config(&config)?;
        let limits = limits::Limits::new(&config.limits);
        Ok(AppState {
            store,
            config: Arc::new(config),
            mailer: Arc::new(mailer),
            limits: Arc::new(limits),
            callcenter: Arc::default(),
            search_ready: Arc::new(AtomicBool::new(true)),
            metrics: ops::prometheus(),
            network: Arc::default(),
        })
    }

    /// The same state with these call-center settings (the defaults otherwise).
    pub fn with_callcenter(mut self, settings: canali_callcenter::CallCenterSettings) -> AppState {
        self.callcenter = Arc::new(settings);
        self
    }
}

/// The whole site: online branch, console, API and static files.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(portal::routes())
        .merge(console::routes())
        .merge(desk::routes())
        .merge(api::routes())
        .merge(statics::routes())
        .merge(ops::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            state.config.max_upload_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            upload::over_the_limit,
        ))
        // Outermost: it sees every answer, the guard's refusals and the 404s included.
        .layer(axum::middleware::from_fn(ops::observe))
        .with_state(state)
}

/// Serves the router on `listener` until the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_until(state, listener, None, shutdown_signal()).await
}

/// Serves the site on `listener`, and `/metrics` with the health checks on `metrics` when
/// given, until `stop` completes; then stops accepting, lets the requests in flight finish
/// on both, and returns.
pub async fn serve_until(
    state: AppState,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop.await;
        let _ = tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let upkeep = ops::spawn_upkeep(state.metrics.clone());
    let side = metrics.map(|l| {
        let app = ops::metrics_router(state.clone());
        tokio::spawn(
            axum::serve(l, app)
                .with_graceful_shutdown(stopped(rx.clone()))
                .into_future(),
        )
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let main = axum::serve(listener, app)
        .with_graceful_shutdown(stopped(rx))
        .await;
    if let Some(side) = side {
        match side.await {
            Ok(r) => r?,
            Err(e) => return Err(std::io::Error::other(e)),
        }
    }
    upkeep.abort();
    main
}

/// Completes at the first SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Now, in microseconds since the epoch (the store's instants).
pub fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// How long the branch network (registry, hours, events) is cached between reloads.
const NETWORK_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The branch network, loaded from the store at most once a minute.
pub async fn network(state: &AppState) -> Result<Arc<Network>, WebError> {
    if let Some((at, n)) = state.network.read().await.as_ref()
        && at.elapsed() < NETWORK_TTL
    {
        return Ok(n.clone());
    }
    let mut slot = state.network.write().await;
    if let Some((at, n)) = slot.as_ref()
        && at.elapsed() < NETWORK_TTL
    {
        return Ok(n.clone());
    }
    let loaded = Arc::new(
        Network::load(&state.store)
            .await
            .map_err(|e| WebError::Internal(format!("cannot load the branch network: {e}")))?,
    );
    *slot = Some((std::time::Instant::now(), loaded.clone()));
    Ok(loaded)
}
