//! Batching and writing: a reader thread parses and validates the file and hands full batches
//! to the async side, which writes each one while the next is being read.

use crate::plan::Plan;
use crate::reader::{SplitError, strip_terminator};
use crate::rejects::{ReadStats, Rejects};
use crate::source::{Kind, Source};
use crate::validation::{column_name, csv_contact, json_contact};
use crate::{ImportOptions, ImportSummary, NoProgress, Progress};
use anyhow::{Context, Result};
use canali_store::{NewContact, Store};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Imports the contacts of `path` into the ledger. Bad lines are rejected, not fatal; the error
/// cases are an unreadable file, a CSV header without the required columns, a rejects file that
/// cannot be written and a store failure (batches written before it stay: importing again is
/// safe).
pub async fn import_contacts(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary> {
    import_contacts_with(store, path, opts, Arc::new(NoProgress)).await
}

/// [`import_contacts`], telling `progress` how far it has got.
pub async fn import_contacts_with(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    progress: Arc<dyn Progress>,
) -> Result<ImportSummary> {
    let started = Instant::now();
    let plan = Plan::new(path, opts)?;
    let open_plan = plan.clone();
    let source = tokio::task::spawn_blocking(move || Source::open(&open_plan))
        .await
        .context("the file reader stopped unexpectedly")??;

    progress.start(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let batch_size = opts.batch_size.max(1);
    // One batch in the channel, one being filled, one being written: parsing overlaps writing.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewContact>>(1);
    let reader_plan = plan.clone();
    let reader_progress = progress;
    let reader = tokio::task::spawn_blocking(move || {
        read_contacts(
            source,
            &reader_plan,
            batch_size,
            reader_progress.as_ref(),
            |batch| {
                tx.blocking_send(batch)
                    .map_err(|_| anyhow::anyhow!("the import was stopped"))
            },
        )
    });

    let source_name = plan.source.as_str();
    let written = async move {
        let (mut inserted, mut duplicates) = (0u64, 0u64);
        while let Some(batch) = rx.recv().await {
            let outcome = store.ledger().ingest(source_name, &batch).await.with_context(|| {
                format!(
                    "writing contacts to the ledger failed after {} had been written or found already there; \
                     those stay, and importing {} again completes the import",
                    inserted + duplicates,
                    path.display()
                )
            })?;
            inserted += outcome.inserted;
            duplicates += outcome.duplicates;
        }
        anyhow::Ok((inserted, duplicates))
    }
    .await;
    // The receiver is gone: after a store error the reader stops at its next batch.
    let read = reader.await.context("the file reader stopped unexpectedly");
    let (inserted, duplicates) = written?;
    let read = read??;

    Ok(ImportSummary {
        input: path.to_path_buf(),
        source: plan.source,
        format: plan.format,
        read: read.read,
        inserted,
        duplicates,
        rejected: read.rejected,
        rejects_file: (read.rejected > 0).then_some(plan.rejects),
        rejects_log: (read.rejected > 0).then_some(plan.rejects_log),
        rejections: read.rejections,
        rejection_count: read.rejection_count,
        warnings: read.warnings,
        elapsed: started.elapsed(),
    })
}

/// Reads the whole source, validates every line and hands full batches to `deliver`.
pub(crate) fn read_contacts(
    source: Source,
    plan: &Plan,
    batch_size: usize,
    progress: &dyn Progress,
    mut deliver: impl FnMut(Vec<NewContact>) -> Result<()>,
) -> Result<ReadStats> {
    let started = Instant::now();
    let capacity = batch_size.min(100_000);
    let mut batch = Vec::with_capacity(capacity);
    let Source { kind, warnings } = source;
    let header = match &kind {
        Kind::Csv { header_raw, .. } => Some(header_raw.clone()),
        Kind::Json { .. } => None,
    };
    let mut rejects = Rejects {
        plan,
        header,
        files: None,
        stats: ReadStats {
            warnings,
            ..ReadStats::default()
        },
    };
    let tick = |read: u64, bytes: u64| {
        if read.is_multiple_of(4096) {
            progress.advance(bytes, read, started.elapsed());
        }
    };

    match kind {
        Kind::Csv {
            mut reader,
            columns,
            header_raw: _,
        } => {
            while let Some(record) = reader.next_record()? {
                if let Err(e) = record.split {
                    rejects.stats.read += 1;
                    let reason = match e {
                        SplitError::Unclosed => "a quote opened on this line is not closed on it, and the lines after it do not \
                             complete the record; those lines were read on their own"
                            .to_string(),
                        SplitError::AfterQuote(i) => format!(
                            "the quoted value of column {}{} is followed by other text before the next separator",
                            i + 1,
                            column_name(&columns, i)
                        ),
                    };
                    rejects.reject(record.line, &record.raw, vec![(None, reason)])?;
                    continue;
                }
                if reader.is_blank() {
                    continue;
                }
                rejects.stats.read += 1;
                tick(rejects.stats.read, reader.lines.bytes);
                if reader.ends.len() != columns.len() {
                    let reason = format!(
                        "has {} fields but the header has {} (check the separator '{}' and the quotes)",
                        reader.ends.len(),
                        columns.len(),
                        if reader.delim == b'\t' {
                            "\\t".to_string()
                        } else {
                            (reader.delim as char).to_string()
                        }
                    );
                    rejects.reject(record.line, &record.raw, vec![(None, reason)])?;
                    continue;
                }
                match csv_contact(&columns, &reader) {
                    Ok(contact) => batch.push(contact),
                    Err(reasons) => rejects.reject(record.line, &record.raw, reasons)?,
                }
                if batch.len() >= batch_size {
                    deliver(std::mem::replace(&mut batch, Vec::with_capacity(capacity)))?;
                }
            }
        }
        Kind::Json {
            mut lines,
            mut unknown_keys,
        } => {
            while let Some((line, raw)) = lines.next_line()? {
                let body = strip_terminator(&raw);
                let body = if line == 1 {
                    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
                } else {
                    body
                };
                if body.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                rejects.stats.read += 1;
                tick(rejects.stats.read, lines.bytes);
                match json_contact(body, line, &mut unknown_keys) {
                    Ok(contact) => batch.push(contact),
                    Err(reasons) => rejects.reject(line, &raw, reasons)?,
                }
                if batch.len() >= batch_size {
                    deliver(std::mem::replace(&mut batch, Vec::with_capacity(capacity)))?;
                }
            }
            for (key, line) in unknown_keys {
                rejects.stats.warnings.push(format!(
                    "key '{key}' (first on line {line}) is not a contact field; it was ignored."
                ));
            }
        }
    }
    if !batch.is_empty() {
        deliver(batch)?;
    }
    let stats = rejects.finish()?;
    progress.read_all();
    Ok(stats)
}
