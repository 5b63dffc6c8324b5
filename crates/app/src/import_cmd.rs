//! `canali import contacts FILE`: the import library (crates/import) with a progress bar.

use anyhow::Result;
use canali_import::{ImportOptions, ImportSummary, Progress, group_digits};
use canali_store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Imports `file`, with a progress bar on stderr (bytes read, rows per second) unless `progress`
/// is false.
pub async fn import_contacts(
    store: &Store,
    file: &Path,
    opts: &ImportOptions,
    progress: bool,
) -> Result<ImportSummary> {
    if !progress {
        return canali_import::import_contacts(store, file, opts).await;
    }
    let bar = Arc::new(Bar(ProgressBar::hidden()));
    let summary = canali_import::import_contacts_with(store, file, opts, bar.clone()).await;
    bar.0.finish_and_clear();
    summary
}

/// The import's progress as an indicatif bar over the bytes of the file.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total_bytes: u64) {
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} (eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        self.0.set_style(style);
        self.0.set_length(total_bytes);
        self.0
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn advance(&self, bytes: u64, lines: u64, elapsed: Duration) {
        self.0.set_position(bytes);
        let secs = elapsed.as_secs_f64().max(1e-3);
        self.0.set_message(format!(
            "{} rows, {} rows/s",
            group_digits(lines, ','),
            group_digits((lines as f64 / secs) as u64, ',')
        ));
    }

    fn read_all(&self) {
        self.0.set_position(self.0.length().unwrap_or(0));
    }
}
