//! The process's log: `--log-format text` (for a terminal) or `json` (one object a line, for
//! journald, Loki or Elasticsearch), on standard error. The level comes from `CANALI_LOG` (or
//! `RUST_LOG`), e.g. `debug` or `warn,canali=info`; canali's own lines at info by default.

use clap::ValueEnum;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line: timestamp, level, target, message and fields (a request's
    /// lines carry its request_id).
    Json,
}

/// The filter when neither variable is set: canali at info, its libraries at warn.
const DEFAULT_FILTER: &str = "warn,canali=info";

/// Installs the global subscriber; a filter that does not parse falls back to the default and
/// says so, since a typo in a variable should not silence the log.
pub fn init(format: LogFormat) {
    let spec = std::env::var("CANALI_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let (filter, bad) = match spec.as_deref().map(EnvFilter::try_new) {
        Some(Ok(f)) => (f, None),
        Some(Err(e)) => (EnvFilter::new(DEFAULT_FILTER), Some(e.to_string())),
        None => (EnvFilter::new(DEFAULT_FILTER), None),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    if installed.is_ok()
        && let Some(e) = bad
    {
        tracing::warn!("CANALI_LOG is not a valid filter ({e}); logging with {DEFAULT_FILTER}");
    }
}
