//! The contact import: loads contacts of any channel from a CSV or JSON-lines file into the
//! ledger. `canali import contacts FILE` is its command line; the API's contact endpoints
//! validate each contact with the same [`validation`] of one record.
//!
//! The file is streamed: a reader thread parses and validates it line by line and hands batches
//! of [`NewContact`](canali_store::NewContact) to the async side, which writes each batch with
//! [`Store::ingest_contacts`](canali_store::Store::ingest_contacts) while the next one is being
//! parsed. Memory stays bounded by a few
//! batches whatever the size of the file.
//!
//! A bad line never stops the import: it is counted, reported with its physical line number, the
//! field and the reason, and copied as is to a rejects file beside the input (for CSV after the
//! header row, so the rejects file can be fixed and imported again as is). The reasons go to a
//! `.log` file next to it. Ingest is idempotent on `(source, external_id)`, so importing a file
//! again only reports what is already in the ledger. See `docs/import.md`.
//!
//! The modules, in the order a line goes through them: `plan` (format, source, rejects
//! paths), `reader` (physical lines, CSV records), `source` (the open input past its header),
//! [`validation`] (one record into a contact), `rejects` (the rejects file and its log),
//! `pipeline` (batches to the store while the next is read) and [`summary`] (what an import did).
//! The library prints nothing: progress goes to a [`Progress`] the caller gives.

mod pipeline;
mod plan;
mod reader;
mod rejects;
mod source;
pub mod summary;
pub mod texts;
pub mod validation;

#[cfg(test)]
mod tests;

pub use pipeline::{import_contacts, import_contacts_with};
pub use summary::{ImportSummary, Rejection, group_digits};

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The rows per [`Store::ingest_contacts`](canali_store::Store::ingest_contacts) call when the
/// caller does not choose.
pub const DEFAULT_BATCH_SIZE: usize = 20_000;
/// How many rejections an [`ImportSummary`] keeps for printing (the log file has them all).
pub const KEPT_REJECTIONS: usize = 1000;

/// The layout of the input file.
// With the `clap` feature the command line takes it as an option value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Comma-, semicolon- or tab-separated values with a header row.
    #[cfg_attr(feature = "clap", value(name = "csv"))]
    Csv,
    /// One JSON object per line.
    #[cfg_attr(
        feature = "clap",
        value(name = "jsonl", alias = "ndjson", alias = "json-lines")
    )]
    JsonLines,
}

impl Format {
    /// The format an extension names: `.csv`, `.jsonl` or `.ndjson` (any case).
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::JsonLines => "JSON lines",
        })
    }
}

/// How to import a file. `ImportOptions::default()` is what the CLI does without flags.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The name the contacts are filed under; `(source, external_id)` identifies a contact.
    /// Default: the file name (`contacts.csv`), and for a rejects file written by an earlier
    /// import (`contacts.rejects.csv`) the name of the file it came from, so that a fixed rejects
    /// file joins the contacts of its original.
    pub source: Option<String>,
    /// Default: by extension (`.csv`, `.jsonl`, `.ndjson`), else JSON lines when the first
    /// non-blank character is `{`, else CSV.
    pub format: Option<Format>,
    /// Contacts per ingest call (and per transaction).
    pub batch_size: usize,
    /// Where the rejected lines go. Default: beside the input, `<name>.rejects.<ext>`. The
    /// reasons go to the same path with the extension `.log`.
    pub rejects: Option<PathBuf>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            source: None,
            format: None,
            batch_size: DEFAULT_BATCH_SIZE,
            rejects: None,
        }
    }
}

/// How far a running import has got, for a progress bar or a log: the library prints nothing.
/// The calls come from the reader thread.
pub trait Progress: Send + Sync {
    /// Once, before reading: the size of the input in bytes (0 when unknown).
    fn start(&self, _total_bytes: u64) {}
    /// Every few thousand lines: the bytes and the data lines read so far, and the time since
    /// reading started.
    fn advance(&self, _bytes: u64, _lines: u64, _elapsed: Duration) {}
    /// The whole input was read (the last batch may still be being written).
    fn read_all(&self) {}
}

/// No progress reports.
pub struct NoProgress;

impl Progress for NoProgress {}
