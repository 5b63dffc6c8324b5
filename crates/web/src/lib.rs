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
mod portal;
mod security;
mod statics;

use axum::Router;
use canali_branches::network::Network;
use canali_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

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
    /// False while the search indexes are being built (the demo builds them while it serves).
    pub search_ready: Arc<std::sync::atomic::AtomicBool>,
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
            search_ready: Arc::new(std::sync::atomic::AtomicBool::new(true)),
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
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            state.config.max_upload_bytes,
        ))
        .with_state(state)
}

/// Serves the router on `listener` until the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
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
