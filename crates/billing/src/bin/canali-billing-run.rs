//! A billing run as its own process, for the crash-restart test (crates/billing/tests): the
//! test starts it, kills it (or asks it to stop) half-way and starts it again.
//!
//!     canali-billing-run DB_URL YYYY-MM SMTP_PORT PRINT_DIR

use canali_billing::dispatch::{DispatchSettings, dispatch, month_days, stop_on_signals};
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: canali-billing-run DB_URL YYYY-MM SMTP_PORT PRINT_DIR".into());
    }
    let store = canali_store::Store::connect(&args[1]).await?;
    store.migrate().await?;
    let (from, to) = month_days(&args[2])?;
    let mut settings = DispatchSettings::default();
    settings.smtp.port = args[3].parse()?;
    settings.smtp.pool_size = 4;
    settings.print_dir = PathBuf::from(&args[4]);
    settings.print_batch = 20;
    settings.claim = 8;
    settings.concurrency = 4;
    settings.backoff_ms = 100;
    let stop = stop_on_signals()?;
    let summary = dispatch(
        &store,
        from,
        to,
        &settings,
        &|done, total| {
            eprintln!("progress {done}/{total}");
        },
        &stop,
    )
    .await?;
    println!("{}", serde_json::to_string(&summary)?);
    store.close().await;
    Ok(())
}
