//! The operator's commands: `canali backup --to FILE` and `canali config check`, and the stop
//! rule of long-running commands (a first SIGTERM or Ctrl-C stops cleanly, a second at once).

use crate::redacted;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print the effective settings (file, then CANALI_* variables, then defaults) as TOML,
    /// with passwords and tokens masked, and say which file was read; exit 1 with the reason
    /// when they are not valid.
    Check,
}

/// `canali backup --to FILE`: a consistent copy of a SQLite database, taken while canali
/// serves (SQLite's online backup API), checked before it is kept.
pub async fn backup(db: &str, to: &Path, progress: bool) -> Result<ExitCode> {
    if db.starts_with("postgres:") || db.starts_with("postgresql:") {
        bail!(
            "canali backup copies SQLite databases only; for PostgreSQL use pg_dump -Fc (a \
             logical copy of one database, restored with pg_restore) or pg_basebackup (the whole \
             cluster, for point-in-time recovery): see docs/operations.md"
        );
    }
    let file = db
        .strip_prefix("sqlite:")
        .map(|r| r.trim_start_matches("//"))
        .map(|r| r.split('?').next().unwrap_or(r))
        .unwrap_or(db);
    if !Path::new(file).is_file() {
        bail!("there is no SQLite database at {file} to back up");
    }
    // No migration: a backup taken before an upgrade must be the database as it was.
    let store = canali_store::Store::connect(db)
        .await
        .with_context(|| format!("cannot open the database {}", redacted(db)))?;
    let bar = if progress {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {percent:>3}% {msg} ({eta} left)")
                .expect("a valid template"),
        );
        bar.set_message("pages copied");
        Some(bar)
    } else {
        None
    };
    let on_progress: Option<canali_store::BackupProgress> = bar.clone().map(|bar| {
        Arc::new(move |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        }) as canali_store::BackupProgress
    });
    let started = Instant::now();
    let result = store.ops().backup_to(to, on_progress).await;
    store.close().await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let bytes = result?;
    println!(
        "Backed up {} to {} ({:.1} MB, checked) in {:.1} s.",
        redacted(db),
        to.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--metrics-bind ADDR` of a long-running command: Prometheus `/metrics` of this process.
pub async fn metrics_listener(bind: Option<&str>) -> Result<()> {
    if let Some(bind) = bind {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind} (--metrics-bind)"))?;
        eprintln!("Metrics on http://{}/metrics", listener.local_addr()?);
        canali_web::ops::spawn_metrics_only(listener);
    }
    Ok(())
}

/// Keys whose values are secrets, wherever they appear in the settings.
fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "token", "secret"]
        .iter()
        .any(|s| k.contains(s))
}

/// Masks secrets and drops unset values (TOML has no null).
fn masked(v: Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(map) => Some(Value::Object(
            map.into_iter()
                .filter_map(|(k, v)| {
                    let v = if is_secret(&k) && !v.is_null() {
                        Value::String("***".into())
                    } else {
                        masked(v)?
                    };
                    Some((k, v))
                })
                .collect(),
        )),
        Value::Array(items) => Some(Value::Array(items.into_iter().filter_map(masked).collect())),
        other => Some(other),
    }
}

/// `canali config check`: every settings table canali reads, as it would use it.
pub fn check(db: &str, config: &Path) -> Result<ExitCode> {
    let mut tables = serde_json::Map::new();
    let report = crate::settings(config)?;
    tables.insert("report".into(), serde_json::to_value(report)?);
    let branches: canali_branches::kpi::BranchStandards =
        crate::settings_table(config, "branches")?;
    tables.insert("branches".into(), serde_json::to_value(branches)?);
    let callcenter = crate::callcenter_cmd::settings(config)?;
    tables.insert("callcenter".into(), serde_json::to_value(callcenter)?);
    let web: canali_web::WebConfig = crate::settings_table(config, "web")?;
    web.validate()
        .map_err(|e| anyhow::anyhow!("the [web] settings are not valid: {e}"))?;
    tables.insert("web".into(), serde_json::to_value(web)?);
    let billing: canali_billing::dispatch::DispatchSettings =
        crate::settings_table(config, "billing")?;
    tables.insert("billing".into(), serde_json::to_value(billing)?);
    let shown = masked(Value::Object(tables)).unwrap_or(Value::Null);
    let text = toml::to_string(&shown).context("cannot write the settings as TOML")?;

    println!("# canali's effective settings (passwords and tokens masked).");
    if config.is_file() {
        println!("# Settings file read: {}", config.display());
    } else {
        println!(
            "# No settings file: {} is not there; defaults and CANALI_* variables only.",
            config.display()
        );
    }
    let mut vars: Vec<String> = std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("CANALI_") && k.contains("__"))
        .collect();
    vars.sort();
    if !vars.is_empty() {
        println!("# Overridden by: {}", vars.join(", "));
    }
    println!("# Database (--db or CANALI_DATABASE_URL): {}", redacted(db));
    println!();
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Completes at the first SIGTERM or Ctrl-C, after saying so; a second one ends the process
/// at once (exit 130), for a stop that hangs.
pub async fn stop_signal() {
    canali_web::shutdown_signal().await;
    tracing::info!("stopping: finishing the requests in flight (a second signal stops at once)");
    eprintln!("Stopping: finishing the requests in flight...");
    tokio::spawn(async {
        canali_web::shutdown_signal().await;
        eprintln!("Stopped at once.");
        std::process::exit(130);
    });
}

/// A flag set by the first SIGTERM or Ctrl-C (a second ends the process at once), for the
/// queue_log follower: it commits what it read and stops.
pub fn stop_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    tokio::spawn(async move {
        canali_web::shutdown_signal().await;
        eprintln!("Stopping after the current commit (a second signal stops at once)...");
        set.store(true, Ordering::SeqCst);
        canali_web::shutdown_signal().await;
        std::process::exit(130);
    });
    flag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_unset_values_dropped() {
        let v = serde_json::json!({
            "web": {"metrics_token": "abcdefabcdefabcdef", "metrics_bind": null,
                    "smtp": {"password": "hunter2", "host": "mail"}},
            "billing": {"smtp": {"password": null}}
        });
        let m = masked(v).unwrap();
        assert_eq!(m["web"]["metrics_token"], "***");
        assert_eq!(m["web"]["smtp"]["password"], "***");
        assert_eq!(m["web"]["smtp"]["host"], "mail");
        assert!(m["web"].get("metrics_bind").is_none());
        assert!(m["billing"]["smtp"].get("password").is_none());
    }
}
