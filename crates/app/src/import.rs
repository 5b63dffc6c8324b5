//! `canali import contacts FILE`: loads contacts of any channel from a CSV or JSON-lines file
//! into the ledger.
//!
//! The file is streamed: a reader thread parses and validates it line by line and hands batches
//! of [`NewContact`] to the async side, which writes each batch with
//! [`Ledger::ingest`](canali_store::Ledger::ingest) while the next one is being parsed. Memory stays bounded by a few
//! batches whatever the size of the file.
//!
//! A bad line never stops the import: it is counted, reported with its physical line number, the
//! field and the reason, and copied as is to a rejects file beside the input (for CSV after the
//! header row, so the rejects file can be fixed and imported again as is). The reasons go to a
//! `.log` file next to it. Ingest is idempotent on `(source, external_id)`, so importing a file
//! again only reports what is already in the ledger. See `docs/import.md`.

use anyhow::{Context, Result, bail};
use canali_store::contact_fields::{FIELD_COUNT, Field, FieldErrors, Values, validate};
use canali_store::{NewContact, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The rows per [`Ledger::ingest`](canali_store::Ledger::ingest) call when the caller does not choose.
pub const DEFAULT_BATCH_SIZE: usize = 20_000;
/// How many rejections an [`ImportSummary`] keeps for printing (the log file has them all).
pub const KEPT_REJECTIONS: usize = 1000;
/// A quoted CSV field may span lines, but a record longer than this is taken for an unclosed
/// quote: its first line is rejected and reading resumes on the next line.
const MAX_RECORD_LINES: usize = 50;
const MAX_RECORD_BYTES: usize = 64 * 1024;

/// The layout of the input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-, semicolon- or tab-separated values with a header row.
    #[value(name = "csv")]
    Csv,
    /// One JSON object per line.
    #[value(name = "jsonl", alias = "ndjson", alias = "json-lines")]
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

    fn extension(self) -> &'static str {
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
    /// Shows a progress bar on stderr (bytes read, rows per second).
    pub progress: bool,
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
            progress: false,
            rejects: None,
        }
    }
}

/// One reason a line was rejected. A line can have several (one per bad field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The physical line number in the file (1-based; the CSV header is line 1). For a CSV record
    /// whose quoted field spans lines, the line it starts on.
    pub line: u64,
    /// The column or key at fault; `None` when the line as a whole is bad.
    pub field: Option<String>,
    /// A sentence, e.g. `'web site' is not a valid channel; expected one of: ...`.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}, field {field}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub input: PathBuf,
    /// The source the contacts were filed under.
    pub source: String,
    pub format: Format,
    /// Data lines read (CSV records after the header; JSON objects), blank lines not counted.
    /// `read == inserted + duplicates + rejected`.
    pub read: u64,
    /// Contacts newly written to the ledger.
    pub inserted: u64,
    /// Contacts already in the ledger under the same `(source, external_id)` (also a repeat
    /// within the file): skipped.
    pub duplicates: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// The raw rejected lines, when there are any.
    pub rejects_file: Option<PathBuf>,
    /// One line per [`Rejection`], when there are any.
    pub rejects_log: Option<PathBuf>,
    /// The first [`KEPT_REJECTIONS`] rejections, in file order.
    pub rejections: Vec<Rejection>,
    /// All rejections, including those not kept in `rejections`.
    pub rejection_count: u64,
    /// Things ignored on purpose, e.g. a column that is not a contact field.
    pub warnings: Vec<String>,
    pub elapsed: Duration,
}

impl ImportSummary {
    /// The CLI's exit status: 0 when every line was imported (or already there), 3 when some
    /// lines were rejected.
    pub fn exit_code(&self) -> i32 {
        if self.rejected == 0 { 0 } else { 3 }
    }

    /// Records per second over the whole import.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.read as f64 / secs
        } else {
            0.0
        }
    }

    /// The human summary, in sentences: Italian for `lang == "it"`, English otherwise. The
    /// rejection reasons themselves are in English.
    pub fn render(&self, lang: &str) -> String {
        let it = lang == "it";
        let n = |v: u64| group_digits(v, if it { '.' } else { ',' });
        let name = self.input.file_name().map_or_else(
            || self.input.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let secs = format!("{:.1}", self.elapsed.as_secs_f64());
        let secs = if it { secs.replace('.', ",") } else { secs };
        let rate = n(self.rate().round() as u64);
        // "1 line was", "2 lines were".
        let pl =
            |v: u64, one: &str, many: &str| format!("{} {}", n(v), if v == 1 { one } else { many });
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        let format = match (it, self.format) {
            (true, Format::JsonLines) => "JSON lines".to_string(),
            (_, f) => f.to_string(),
        };
        if it {
            line(format!(
                "Importato {name} come sorgente '{}' ({format}): {} in {secs} s ({rate} righe/s).",
                self.source,
                pl(self.read, "riga letta", "righe lette")
            ));
        } else {
            line(format!(
                "Imported {name} as source '{}' ({format}): {} in {secs} s ({rate} lines/s).",
                self.source,
                pl(self.read, "line read", "lines read")
            ));
        }
        if self.read == 0 {
            line(if it {
                "Il file non contiene contatti.".into()
            } else {
                "The file holds no contacts.".into()
            });
        } else if self.inserted == 0 && self.duplicates > 0 {
            line(match (it, self.duplicates) {
                (true, 1) => "L'unico contatto valido era già nel registro: nulla di nuovo è stato aggiunto (il file era già stato importato).".into(),
                (true, d) => format!(
                    "Tutti i {} contatti validi erano già nel registro: nulla di nuovo è stato aggiunto (il file era già stato importato).",
                    n(d)
                ),
                (false, 1) => "The one valid contact was already in the ledger: nothing new was added (this file was imported before).".into(),
                (false, d) => format!(
                    "All {} valid contacts were already in the ledger: nothing new was added (this file was imported before).",
                    n(d)
                ),
            });
        } else if self.inserted == 0 {
            line(if it {
                "Nessun contatto aggiunto al registro.".into()
            } else {
                "No contact was added to the ledger.".into()
            });
        } else {
            line(if it {
                pl(
                    self.inserted,
                    "nuovo contatto aggiunto al registro.",
                    "nuovi contatti aggiunti al registro.",
                )
            } else {
                pl(
                    self.inserted,
                    "new contact was added to the ledger.",
                    "new contacts were added to the ledger.",
                )
            });
            if self.duplicates > 0 {
                line(if it {
                    pl(
                        self.duplicates,
                        "era già nel registro (stessa sorgente e external_id) ed è stato saltato.",
                        "erano già nel registro (stessa sorgente e external_id) e sono stati saltati.",
                    )
                } else {
                    pl(
                        self.duplicates,
                        "was already in the ledger (same source and external_id) and was skipped.",
                        "were already in the ledger (same source and external_id) and were skipped.",
                    )
                });
            }
        }
        for w in &self.warnings {
            line(if it {
                format!("Avviso: {w}")
            } else {
                format!("Warning: {w}")
            });
        }
        if self.rejected == 0 {
            if self.read > 0 {
                line(if it {
                    "Nessuna riga scartata.".into()
                } else {
                    "No line was rejected.".into()
                });
            }
            return out;
        }
        line(if it {
            pl(
                self.rejected,
                "riga scartata (nulla di essa è stato importato):",
                "righe scartate (nulla di esse è stato importato):",
            )
        } else {
            pl(
                self.rejected,
                "line was rejected (nothing from it was imported):",
                "lines were rejected (nothing from them was imported):",
            )
        });
        for r in &self.rejections {
            line(format!("  {r}"));
        }
        let hidden = self
            .rejection_count
            .saturating_sub(self.rejections.len() as u64);
        let log = self
            .rejects_log
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if hidden > 0 {
            line(if it {
                format!(
                    "  ... e {} in {log}.",
                    pl(hidden, "altro motivo", "altri motivi")
                )
            } else {
                format!(
                    "  ... and {} in {log}.",
                    pl(hidden, "more reason", "more reasons")
                )
            });
        }
        if let Some(rejects) = &self.rejects_file {
            line(if it {
                format!(
                    "Le righe scartate sono in {} e i motivi in {log}: correggile e importa di nuovo quel file (i contatti già presenti vengono saltati).",
                    rejects.display()
                )
            } else {
                format!(
                    "The rejected lines are in {} and the reasons in {log}: fix them and import that file again (contacts already in the ledger are skipped).",
                    rejects.display()
                )
            });
        }
        out
    }
}

/// The English summary (see [`ImportSummary::render`]).
impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("en"))
    }
}

/// Imports the contacts of `path` into the ledger. Bad lines are rejected, not fatal; the error
/// cases are an unreadable file, a CSV header without the required columns, a rejects file that
/// cannot be written and a store failure (batches written before it stay: importing again is
/// safe).
pub async fn import_contacts(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary> {
    let started = Instant::now();
    let plan = Plan::new(path, opts)?;
    let open_plan = plan.clone();
    let source = tokio::task::spawn_blocking(move || Source::open(&open_plan))
        .await
        .context("the file reader stopped unexpectedly")??;

    let progress = if opts.progress {
        progress_bar(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
    } else {
        ProgressBar::hidden()
    };
    let batch_size = opts.batch_size.max(1);
    // One batch in the channel, one being filled, one being written: parsing overlaps writing.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewContact>>(1);
    let reader_plan = plan.clone();
    let reader_progress = progress.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read_contacts(
            source,
            &reader_plan,
            batch_size,
            &reader_progress,
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
    progress.finish_and_clear();
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

fn progress_bar(size: u64) -> ProgressBar {
    let bar = ProgressBar::new(size);
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} (eta {eta}) {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// Everything decided before reading: format, source, where the rejects go.
#[derive(Debug, Clone)]
struct Plan {
    input: PathBuf,
    format: Format,
    source: String,
    rejects: PathBuf,
    rejects_log: PathBuf,
    /// Whether the rejects go to the default place beside the input: only there are stale
    /// rejects of an earlier run removed (a path the user chose may hold anything).
    default_rejects: bool,
}

impl Plan {
    fn new(path: &Path, opts: &ImportOptions) -> Result<Plan> {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            bail!("{} is a directory, not a file of contacts", path.display());
        }
        let format = match opts.format.or_else(|| Format::from_extension(path)) {
            Some(f) => f,
            None => {
                sniff_format(path).with_context(|| format!("cannot read {}", path.display()))?
            }
        };
        let file_name = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .with_context(|| format!("{} does not name a file", path.display()))?;
        let source = match &opts.source {
            Some(s) if s.trim().is_empty() => bail!("the source name must not be empty"),
            Some(s) => s.trim().to_string(),
            None => default_source(&file_name),
        };
        let rejects = opts
            .rejects
            .clone()
            .unwrap_or_else(|| default_rejects(path, format));
        let rejects_log = log_path(&rejects);
        if same_file(&rejects, path) || same_file(&rejects_log, path) {
            bail!(
                "the rejects would overwrite the input {}: choose another rejects path",
                path.display()
            );
        }
        Ok(Plan {
            input: path.to_path_buf(),
            format,
            source,
            rejects,
            rejects_log,
            default_rejects: opts.rejects.is_none(),
        })
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `contacts.csv` → `contacts.csv`; `contacts.rejects.csv` → `contacts.csv`.
fn default_source(file_name: &str) -> String {
    if let Some((stem, ext)) = file_name.rsplit_once('.')
        && let Some(original) = stem.strip_suffix(".rejects")
        && !original.is_empty()
    {
        return format!("{original}.{ext}");
    }
    file_name.to_string()
}

/// `dir/contacts.csv` → `dir/contacts.rejects.csv`; without an extension, the format's.
fn default_rejects(path: &Path, format: Format) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| format.extension().to_string());
    path.with_file_name(format!("{stem}.rejects.{ext}"))
}

/// `contacts.rejects.csv` → `contacts.rejects.log`.
fn log_path(rejects: &Path) -> PathBuf {
    let log = rejects.with_extension("log");
    if log == rejects {
        let mut s = rejects.as_os_str().to_owned();
        s.push(".reasons.log");
        PathBuf::from(s)
    } else {
        log
    }
}

/// JSON lines when the first non-blank character is `{`, else CSV.
fn sniff_format(path: &Path) -> io::Result<Format> {
    let mut file = File::open(path)?;
    let mut buf = [0u8; 8192];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(Format::Csv);
        }
        let chunk = buf[..n].strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf[..n]);
        if let Some(&b) = chunk.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(if b == b'{' {
                Format::JsonLines
            } else {
                Format::Csv
            });
        }
    }
}

fn utf8_error(bytes: &[u8], e: std::str::Utf8Error) -> String {
    let at = e.valid_up_to();
    format!(
        "is not valid UTF-8 (byte 0x{:02X} at position {}); save the file as UTF-8 (it may be Latin-1 or Windows-1252)",
        bytes[at],
        at + 1
    )
}

// ---------------------------------------------------------------------------------------------
// Reading: physical lines, CSV records, JSON objects.

/// Physical lines with their numbers; lines can be pushed back to be read again.
struct Lines<R> {
    inner: R,
    next_number: u64,
    pending: VecDeque<(u64, Vec<u8>)>,
    bytes: u64,
}

impl<R: BufRead> Lines<R> {
    fn new(inner: R) -> Self {
        Lines {
            inner,
            next_number: 1,
            pending: VecDeque::new(),
            bytes: 0,
        }
    }

    /// The next line with its terminator (the last one may lack it).
    fn next_line(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        if let Some(line) = self.pending.pop_front() {
            return Ok(Some(line));
        }
        let mut buf = Vec::new();
        let n = self.inner.read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes += n as u64;
        let number = self.next_number;
        self.next_number += 1;
        Ok(Some((number, buf)))
    }

    fn push_back(&mut self, lines: Vec<(u64, Vec<u8>)>) {
        for line in lines.into_iter().rev() {
            self.pending.push_front(line);
        }
    }
}

fn strip_terminator(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SplitError {
    /// A quoted field is still open at the end of the text.
    Unclosed,
    /// Text after the closing quote of the field with this 0-based index.
    AfterQuote(usize),
}

/// Splits one CSV record (without its final line terminator) into fields (RFC 4180: a field
/// that starts with `"` runs to the next lone `"`, `""` inside it is a quote; spaces around a
/// quoted field are ignored; a quote inside an unquoted field is kept as text). The unescaped
/// bytes go to `buf`, the end of each field in `ends`.
fn split_record(
    rec: &[u8],
    delim: u8,
    buf: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> std::result::Result<(), SplitError> {
    buf.clear();
    ends.clear();
    let blank = |b: u8| b == b' ' || (b == b'\t' && delim != b'\t');
    let n = rec.len();
    let mut i = 0;
    loop {
        let mut j = i;
        while j < n && blank(rec[j]) {
            j += 1;
        }
        if j < n && rec[j] == b'"' {
            j += 1;
            loop {
                let Some(p) = rec[j..].iter().position(|&b| b == b'"') else {
                    return Err(SplitError::Unclosed);
                };
                buf.extend_from_slice(&rec[j..j + p]);
                j += p + 1;
                if j < n && rec[j] == b'"' {
                    buf.push(b'"');
                    j += 1;
                } else {
                    break;
                }
            }
            while j < n && blank(rec[j]) {
                j += 1;
            }
            ends.push(buf.len());
            if j == n {
                return Ok(());
            }
            if rec[j] != delim {
                return Err(SplitError::AfterQuote(ends.len() - 1));
            }
            i = j + 1;
        } else {
            match rec[i..].iter().position(|&b| b == delim) {
                Some(p) => {
                    buf.extend_from_slice(&rec[i..i + p]);
                    ends.push(buf.len());
                    i += p + 1;
                }
                None => {
                    buf.extend_from_slice(&rec[i..]);
                    ends.push(buf.len());
                    return Ok(());
                }
            }
        }
    }
}

/// One CSV record: its first line, its raw bytes (all its lines) and how it split.
struct CsvRecord {
    line: u64,
    raw: Vec<u8>,
    split: std::result::Result<(), SplitError>,
}

/// CSV records over physical lines. A record whose quoted field is not closed within
/// [`MAX_RECORD_LINES`] lines (or at the end of the file) is returned as one bad line, and the
/// lines after it are read again as records of their own.
struct CsvReader<R> {
    lines: Lines<R>,
    delim: u8,
    /// The number of columns of the header, once read.
    expected: Option<usize>,
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: BufRead> CsvReader<R> {
    fn next_record(&mut self) -> io::Result<Option<CsvRecord>> {
        let Some((line, mut raw)) = self.lines.next_line()? else {
            return Ok(None);
        };
        let first_len = raw.len();
        let mut extra: Vec<(u64, usize)> = Vec::new();
        loop {
            let body = strip_terminator(&raw);
            let body = if line == 1 {
                body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
            } else {
                body
            };
            match split_record(body, self.delim, &mut self.buf, &mut self.ends) {
                Err(SplitError::Unclosed)
                    if extra.len() + 1 < MAX_RECORD_LINES && raw.len() < MAX_RECORD_BYTES =>
                {
                    match self.lines.next_line()? {
                        Some((number, more)) => {
                            extra.push((number, more.len()));
                            raw.extend_from_slice(&more);
                        }
                        None => return Ok(Some(self.unclosed(line, raw, first_len, extra))),
                    }
                }
                Err(SplitError::Unclosed) => {
                    return Ok(Some(self.unclosed(line, raw, first_len, extra)));
                }
                // A record over several lines that then fails (text after a quote, the wrong
                // number of fields) is a stray quote, not a field with line breaks.
                Err(SplitError::AfterQuote(_)) if !extra.is_empty() => {
                    return Ok(Some(self.unclosed(line, raw, first_len, extra)));
                }
                Ok(())
                    if !extra.is_empty() && self.expected.is_some_and(|n| n != self.ends.len()) =>
                {
                    return Ok(Some(self.unclosed(line, raw, first_len, extra)));
                }
                split => return Ok(Some(CsvRecord { line, raw, split })),
            }
        }
    }

    fn unclosed(
        &mut self,
        line: u64,
        mut raw: Vec<u8>,
        first_len: usize,
        extra: Vec<(u64, usize)>,
    ) -> CsvRecord {
        let mut rest = raw.split_off(first_len);
        let mut lines = Vec::with_capacity(extra.len());
        for (number, len) in extra {
            let tail = rest.split_off(len);
            lines.push((number, rest));
            rest = tail;
        }
        self.lines.push_back(lines);
        CsvRecord {
            line,
            raw,
            split: Err(SplitError::Unclosed),
        }
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    fn is_blank(&self) -> bool {
        (0..self.ends.len()).all(|i| self.field(i).iter().all(u8::is_ascii_whitespace))
    }
}

/// The separator of a CSV file: whichever of `,` `;` and tab the header line has most of
/// (outside quotes); a comma when none.
fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

enum Kind {
    Csv {
        reader: CsvReader<BufReader<File>>,
        /// The field of each column, `None` for an ignored one.
        columns: Vec<Option<Field>>,
        /// The header record as in the file, for the rejects file.
        header_raw: Vec<u8>,
    },
    Json {
        lines: Lines<BufReader<File>>,
        /// Unknown keys with the line they were first seen on.
        unknown_keys: BTreeMap<String, u64>,
    },
}

/// An open input, past the CSV header.
struct Source {
    kind: Kind,
    warnings: Vec<String>,
}

impl Source {
    fn open(plan: &Plan) -> Result<Source> {
        let path = &plan.input;
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut lines = Lines::new(BufReader::with_capacity(256 * 1024, file));
        match plan.format {
            Format::JsonLines => Ok(Source {
                kind: Kind::Json {
                    lines,
                    unknown_keys: BTreeMap::new(),
                },
                warnings: Vec::new(),
            }),
            Format::Csv => {
                // The header is the first non-blank line; its separators decide the delimiter.
                let first = loop {
                    match lines.next_line()? {
                        None => bail!("{} is empty: a CSV file needs a header row", path.display()),
                        Some((number, raw)) => {
                            let body = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&raw);
                            if !body.iter().all(u8::is_ascii_whitespace) {
                                break (number, raw);
                            }
                        }
                    }
                };
                let delim = sniff_delimiter(&first.1);
                lines.push_back(vec![first]);
                let mut reader = CsvReader {
                    lines,
                    delim,
                    expected: None,
                    buf: Vec::new(),
                    ends: Vec::new(),
                };
                let header = reader
                    .next_record()?
                    .expect("the header line was pushed back");
                let header_line = header.line;
                if let Err(e) = header.split {
                    bail!(
                        "the header (line {header_line}) of {} is not valid CSV: {}",
                        path.display(),
                        match e {
                            SplitError::Unclosed => "a quote is never closed".to_string(),
                            SplitError::AfterQuote(i) =>
                                format!("column {} has text after its closing quote", i + 1),
                        }
                    );
                }
                let (columns, warnings) = parse_header(&reader, header_line)
                    .with_context(|| format!("cannot import {}", path.display()))?;
                reader.expected = Some(columns.len());
                Ok(Source {
                    kind: Kind::Csv {
                        reader,
                        columns,
                        header_raw: header.raw,
                    },
                    warnings,
                })
            }
        }
    }
}

/// Maps the header's columns to fields. Unknown columns are ignored with a warning; a missing
/// required column or a repeated one is an error.
fn parse_header<R: BufRead>(
    reader: &CsvReader<R>,
    line: u64,
) -> Result<(Vec<Option<Field>>, Vec<String>)> {
    let mut columns = Vec::new();
    let mut warnings = Vec::new();
    let mut names = Vec::new();
    let mut seen: BTreeMap<Field, usize> = BTreeMap::new();
    for i in 0..reader.ends.len() {
        let raw = reader.field(i);
        let name = std::str::from_utf8(raw)
            .map_err(|e| {
                anyhow::anyhow!(
                    "the header (line {line}), column {}, {}",
                    i + 1,
                    utf8_error(raw, e)
                )
            })?
            .trim();
        names.push(name.to_string());
        let field = Field::from_name(name);
        match field {
            Some(f) => {
                if let Some(first) = seen.insert(f, i) {
                    bail!(
                        "the header (line {line}) has the column {} twice (columns {} and {})",
                        f.name(),
                        first + 1,
                        i + 1
                    );
                }
            }
            None if name.is_empty() => warnings.push(format!(
                "column {} of the header has no name; it was ignored.",
                i + 1
            )),
            None => warnings.push(format!(
                "column '{name}' (column {} of the header) is not a contact field; it was ignored.",
                i + 1
            )),
        }
        columns.push(field);
    }
    let missing: Vec<&str> = Field::ALL
        .into_iter()
        .filter(|f| f.required() && !seen.contains_key(f))
        .map(Field::name)
        .collect();
    if !missing.is_empty() {
        let delim = match reader.delim {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", d as char),
        };
        bail!(
            "the header (line {line}) lacks the required column{} {}; it has: {} (separated by {delim}). \
             Required: external_id, channel, started_at; optional: {}",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            names.join(", "),
            Field::ALL
                .into_iter()
                .filter(|f| !f.required())
                .map(Field::name)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    Ok((columns, warnings))
}

/// What the reader side counted.
#[derive(Debug, Default)]
struct ReadStats {
    read: u64,
    rejected: u64,
    rejections: Vec<Rejection>,
    rejection_count: u64,
    warnings: Vec<String>,
}

/// Writes rejected lines and their reasons; creates the files on the first rejection and, when
/// there is none, removes the ones an earlier import of the same file left.
struct Rejects<'a> {
    plan: &'a Plan,
    /// For CSV: the header record, written first.
    header: Option<Vec<u8>>,
    files: Option<(BufWriter<File>, BufWriter<File>)>,
    stats: ReadStats,
}

impl Rejects<'_> {
    fn reject(
        &mut self,
        line: u64,
        raw: &[u8],
        reasons: Vec<(Option<String>, String)>,
    ) -> Result<()> {
        if self.files.is_none() {
            let open = |p: &Path| {
                File::create(p)
                    .map(BufWriter::new)
                    .with_context(|| format!("cannot write the rejects file {}", p.display()))
            };
            let mut rejects = open(&self.plan.rejects)?;
            let log = open(&self.plan.rejects_log)?;
            if let Some(header) = &self.header {
                rejects.write_all(header)?;
                if !header.ends_with(b"\n") {
                    rejects.write_all(b"\n")?;
                }
            }
            self.files = Some((rejects, log));
        }
        let (rejects, log) = self.files.as_mut().expect("opened above");
        rejects.write_all(raw)?;
        if !raw.ends_with(b"\n") {
            let crlf = self.header.as_ref().is_some_and(|h| h.ends_with(b"\r\n"));
            rejects.write_all(if crlf { b"\r\n" } else { b"\n" })?;
        }
        self.stats.rejected += 1;
        for (field, reason) in reasons {
            let rejection = Rejection {
                line,
                field,
                reason,
            };
            writeln!(log, "{rejection}")?;
            self.stats.rejection_count += 1;
            if self.stats.rejections.len() < KEPT_REJECTIONS {
                self.stats.rejections.push(rejection);
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<ReadStats> {
        match self.files.take() {
            Some((mut rejects, mut log)) => {
                rejects
                    .flush()
                    .with_context(|| format!("cannot write {}", self.plan.rejects.display()))?;
                log.flush()
                    .with_context(|| format!("cannot write {}", self.plan.rejects_log.display()))?;
            }
            None if self.plan.default_rejects => {
                for stale in [&self.plan.rejects, &self.plan.rejects_log] {
                    match std::fs::remove_file(stale) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => {
                            return Err(e).with_context(|| {
                                format!("cannot remove the stale rejects file {}", stale.display())
                            });
                        }
                        _ => {}
                    }
                }
            }
            None => {}
        }
        Ok(self.stats)
    }
}

fn field_reasons(errors: FieldErrors) -> Vec<(Option<String>, String)> {
    errors
        .into_iter()
        .map(|(f, r)| (Some(f.name().to_string()), r))
        .collect()
}

/// Reads the whole source, validates every line and hands full batches to `deliver`.
fn read_contacts(
    source: Source,
    plan: &Plan,
    batch_size: usize,
    progress: &ProgressBar,
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
            progress.set_position(bytes);
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            progress.set_message(format!(
                "{} rows, {} rows/s",
                group_digits(read, ','),
                group_digits((read as f64 / secs) as u64, ',')
            ));
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
                let mut values: Values<'_> = [None; FIELD_COUNT];
                let mut errors = FieldErrors::new();
                for (i, column) in columns.iter().enumerate() {
                    let Some(field) = column else { continue };
                    let raw = reader.field(i);
                    match std::str::from_utf8(raw) {
                        Ok(v) => values[*field as usize] = Some(v),
                        Err(e) => errors.push((*field, utf8_error(raw, e))),
                    }
                }
                match validate(&values, errors) {
                    Ok(contact) => batch.push(contact),
                    Err(errors) => {
                        rejects.reject(record.line, &record.raw, field_reasons(errors))?
                    }
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
    progress.set_position(progress.length().unwrap_or(0));
    Ok(stats)
}

fn column_name(columns: &[Option<Field>], i: usize) -> String {
    match columns.get(i).copied().flatten() {
        Some(f) => format!(" ({})", f.name()),
        None => String::new(),
    }
}

/// Most unknown JSON keys reported (the first line of each).
const MAX_UNKNOWN_KEYS: usize = 20;

fn json_contact(
    body: &[u8],
    line: u64,
    unknown_keys: &mut BTreeMap<String, u64>,
) -> std::result::Result<NewContact, Vec<(Option<String>, String)>> {
    let text = std::str::from_utf8(body)
        .map_err(|e| vec![(None, format!("the line {}", utf8_error(body, e)))])?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        let msg = msg
            .rsplit_once(" at line ")
            .map_or(msg.as_str(), |(m, _)| m);
        vec![(
            None,
            format!(
                "the line is not valid JSON: {msg} (at column {})",
                e.column()
            ),
        )]
    })?;
    let serde_json::Value::Object(map) = value else {
        let kind = match value {
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(vec![(
            None,
            format!("the line is {kind}, not a JSON object with the contact's fields"),
        )]);
    };
    let mut owned: [Option<String>; FIELD_COUNT] = Default::default();
    let mut errors = FieldErrors::new();
    for (key, value) in map {
        let Some(field) = Field::from_name(&key) else {
            if unknown_keys.len() < MAX_UNKNOWN_KEYS {
                unknown_keys.entry(key).or_insert(line);
            }
            continue;
        };
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => owned[field as usize] = Some(s),
            serde_json::Value::Number(n) => owned[field as usize] = Some(n.to_string()),
            serde_json::Value::Bool(b) => {
                errors.push((field, format!("is {b}; expected a string or a number")))
            }
            serde_json::Value::Array(_) => {
                errors.push((field, "is an array; expected a string or a number".into()))
            }
            serde_json::Value::Object(_) => {
                errors.push((field, "is an object; expected a string or a number".into()))
            }
        }
    }
    let values: Values<'_> = owned.each_ref().map(|v| v.as_deref());
    validate(&values, errors).map_err(field_reasons)
}

/// `1234567` → `1,234,567` (or with `.` for Italian).
fn group_digits(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use canali_domain::{Channel, Outcome, Reason, Segment};
    use canali_store::contact_fields::parse_time;
    use std::fs;

    fn micros(rfc3339: &str) -> i64 {
        rfc3339.parse::<jiff::Timestamp>().unwrap().as_microsecond()
    }

    /// Reads a file as the import does, collecting the batches instead of ingesting them.
    fn read(
        path: &Path,
        opts: &ImportOptions,
    ) -> Result<(Vec<NewContact>, ReadStats, Plan, usize)> {
        let plan = Plan::new(path, opts)?;
        let source = Source::open(&plan)?;
        let mut got = Vec::new();
        let mut batches = 0;
        let stats = read_contacts(
            source,
            &plan,
            opts.batch_size,
            &ProgressBar::hidden(),
            |b| {
                assert!(b.len() <= opts.batch_size);
                batches += 1;
                got.extend(b);
                Ok(())
            },
        )?;
        assert_eq!(
            stats.read,
            got.len() as u64 + stats.rejected,
            "read = accepted + rejected"
        );
        Ok((got, stats, plan, batches))
    }

    fn lines_of(stats: &ReadStats) -> Vec<(u64, Option<&str>)> {
        stats
            .rejections
            .iter()
            .map(|r| (r.line, r.field.as_deref()))
            .collect()
    }

    #[test]
    fn times_with_offset_or_local_in_rome() {
        let winter = micros("2011-03-01T08:15:00Z");
        for s in [
            "2011-03-01T09:15:00+01:00",
            "2011-03-01T08:15:00Z",
            "2011-03-01t08:15:00z",
            "2011-03-01 09:15:00+01:00",
            "2011-03-01 09:15:00",
            "2011-03-01T09:15:00",
            " 2011-03-01 09:15 ",
        ] {
            assert_eq!(parse_time(s), Ok(winter), "{s}");
        }
        // Summer time: Rome is two hours ahead of UTC.
        assert_eq!(
            parse_time("2011-07-01 09:15:00"),
            Ok(micros("2011-07-01T07:15:00Z"))
        );
        assert_eq!(parse_time("2011-03-01T08:15:00.25Z"), Ok(winter + 250_000));
        // The hour repeated on 30 October 2011 takes its first (summer time) occurrence; the
        // hour skipped on 27 March 2011 moves forward.
        assert_eq!(
            parse_time("2011-10-30 02:30:00"),
            Ok(micros("2011-10-30T00:30:00Z"))
        );
        assert_eq!(
            parse_time("2011-03-27 02:30:00"),
            Ok(micros("2011-03-27T01:30:00Z"))
        );

        assert_eq!(
            parse_time("2011-13-01 10:00").unwrap_err(),
            "'2011-13-01 10:00' is not a date and time (expected RFC 3339 like \
             2011-03-01T09:15:00+01:00 or local 2011-03-01 09:15:00)"
        );
        for bad in [
            "2011-03-01",
            "01/03/2011 09:15",
            "yesterday",
            "",
            "2011-03-01T25:00:00",
            "2011-02-30 10:00:00",
            "2011-03-01T09:15:00 CET",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    fn values<'a>(pairs: &[(&str, &'a str)]) -> Values<'a> {
        let mut v: Values<'a> = [None; FIELD_COUNT];
        for (k, val) in pairs {
            v[Field::from_name(k).unwrap() as usize] = Some(val);
        }
        v
    }

    #[test]
    fn a_complete_contact_validates() {
        let v = values(&[
            ("external_id", " CC-1 "),
            ("channel", "call_center_business"),
            ("started_at", "2011-03-01 09:15:00"),
            ("ended_at", "2011-03-01T09:21:30+01:00"),
            ("segment", "Business"),
            ("customer", "C0001"),
            ("wait_seconds", "95"),
            ("handle_seconds", "300.0"),
            ("reason", "meter_reading"),
            ("outcome", "request_opened"),
            ("branch", ""),
            ("line", "800-123"),
            ("agent", "op17"),
            ("territory", "4"),
        ]);
        let c = validate(&v, Vec::new()).unwrap();
        assert_eq!(
            c,
            NewContact {
                external_id: "CC-1".into(),
                channel: Channel::CallCenterBusiness,
                started_at: micros("2011-03-01T08:15:00Z"),
                ended_at: Some(micros("2011-03-01T08:21:30Z")),
                segment: Some(Segment::Business),
                customer: Some("C0001".into()),
                territory: Some(4),
                wait_seconds: Some(95),
                handle_seconds: Some(300),
                reason: Some(Reason::MeterReading),
                outcome: Some(Outcome::RequestOpened),
                branch: None,
                line: Some("800-123".into()),
                agent: Some("op17".into()),
            }
        );
        // Only the required fields.
        let v = values(&[
            ("external_id", "7"),
            ("channel", "web"),
            ("started_at", "2011-03-01T09:15:00Z"),
        ]);
        let c = validate(&v, Vec::new()).unwrap();
        assert_eq!(
            (c.channel, c.segment, c.wait_seconds),
            (Channel::Web, None, None)
        );
    }

    #[test]
    fn every_bad_field_is_reported_with_a_sentence() {
        let long = "x".repeat(201);
        let v = values(&[
            ("external_id", &long),
            ("channel", "fax"),
            ("started_at", "2011-03-01 10:00:00"),
            ("ended_at", "2011-03-01 09:00:00"),
            ("wait_seconds", "-5"),
            ("handle_seconds", "700000"),
            ("segment", "vip"),
            ("territory", "0"),
            ("reason", "bills"),
            ("outcome", "ok"),
        ]);
        let errors = validate(&v, Vec::new()).unwrap_err();
        let by: BTreeMap<&str, &str> = errors.iter().map(|(f, r)| (f.name(), r.as_str())).collect();
        assert_eq!(
            by["external_id"],
            "is 201 characters long; at most 200 are allowed"
        );
        assert!(
            by["channel"].starts_with(
                "'fax' is not a valid channel; expected one of: call_center_residential"
            ),
            "{}",
            by["channel"]
        );
        assert!(by["segment"].contains("'vip' is not a valid segment"));
        assert!(by["reason"].contains("'bills' is not a valid reason"));
        assert!(by["outcome"].contains("'ok' is not a valid outcome"));
        assert_eq!(
            by["ended_at"],
            "'2011-03-01 09:00:00' is before started_at '2011-03-01 10:00:00'"
        );
        assert_eq!(
            by["wait_seconds"],
            "'-5' is negative: a number of seconds is 0 or more"
        );
        assert!(by["handle_seconds"].starts_with("'700000' is more than a week (604800 seconds)"));
        assert!(by["territory"].contains("codes start at 1"));
        assert_eq!(errors.len(), 9);

        let errors = validate(
            &values(&[
                ("channel", " "),
                ("wait_seconds", "1.5"),
                ("territory", "north"),
            ]),
            Vec::new(),
        )
        .unwrap_err();
        let by: BTreeMap<&str, &str> = errors.iter().map(|(f, r)| (f.name(), r.as_str())).collect();
        assert_eq!(by["external_id"], "is missing; it is required");
        assert_eq!(by["channel"], "is missing; it is required");
        assert_eq!(by["started_at"], "is missing; it is required");
        assert!(by["wait_seconds"].starts_with("'1.5' is not a number of seconds"));
        assert!(by["territory"].starts_with("'north' is not a territory (SOT) code"));
        // The limits themselves are fine.
        let v = values(&[
            ("external_id", &long[..200]),
            ("channel", "mail"),
            ("started_at", "2011-03-01 10:00:00"),
            ("ended_at", "2011-03-01 10:00:00"),
            ("wait_seconds", "604800"),
            ("handle_seconds", "0"),
        ]);
        assert!(validate(&v, Vec::new()).is_ok());
    }

    #[test]
    fn csv_fields_split_like_rfc_4180() {
        let split = |s: &str, d: u8| {
            let (mut buf, mut ends) = (Vec::new(), Vec::new());
            split_record(s.as_bytes(), d, &mut buf, &mut ends).map(|()| {
                let mut start = 0;
                ends.iter()
                    .map(|&e| {
                        let f = String::from_utf8(buf[start..e].to_vec()).unwrap();
                        start = e;
                        f
                    })
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            split("a,b,c", b','),
            Ok(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(
            split("a,,", b','),
            Ok(vec!["a".into(), "".into(), "".into()])
        );
        assert_eq!(split("", b','), Ok(vec!["".into()]));
        assert_eq!(
            split(r#""a,b", "say ""hi""" ,c"#, b','),
            Ok(vec!["a,b".into(), "say \"hi\"".into(), "c".into()])
        );
        assert_eq!(
            split("\"two\nlines\";x", b';'),
            Ok(vec!["two\nlines".into(), "x".into()])
        );
        assert_eq!(
            split("5\" pipe,x", b','),
            Ok(vec!["5\" pipe".into(), "x".into()])
        );
        assert_eq!(split("a\tb c", b'\t'), Ok(vec!["a".into(), "b c".into()]));
        assert_eq!(split("a,\"open", b','), Err(SplitError::Unclosed));
        assert_eq!(split("a,\"b\"c,d", b','), Err(SplitError::AfterQuote(1)));
        assert_eq!(sniff_delimiter(b"external_id;channel;started_at,x"), b';');
        assert_eq!(sniff_delimiter(b"external_id\tchannel\tstarted_at"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",channel,started_at"), b',');
        assert_eq!(sniff_delimiter(b"external_id"), b',');
    }

    const HEADER: &str = "external_id,channel,started_at,ended_at,wait_seconds,note,agent\n";

    #[test]
    fn csv_good_and_bad_lines_with_rejects_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contacts.csv");
        let mut text = String::from(HEADER); // line 1
        text += "A1,web,2011-03-01T09:15:00Z,,,free text,\n"; // 2
        text += "A2,branch,2011-03-01 09:15:00,2011-03-01 09:40:00,120,,\"Rossi, Mario\"\n"; // 3
        text += "A3,fax,2011-03-01 09:15:00,,,,\n"; // 4: bad channel
        text += "\n"; // 5: blank
        text += "A4,web,2011-13-01 10:00,,,,\n"; // 6: bad date
        text += "A5,mail,2011-03-02 08:00:00,,,\"a note\nover two lines\",op1\n"; // 7-8: one record
        text += "A6,web,2011-03-02 08:00:00\n"; // 9: too few fields
        text += ",,,,,,\n"; // 10: an empty row, skipped
        text += "A7,web,2011-03-02 08:00:00,2011-03-02 07:00:00,-3,,\n"; // 11: two bad fields
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"A8,web,2011-03-02 08:00:00,,,,Nicol\xF2\n"); // 12: Latin-1 agent
        bytes.extend_from_slice(b"A9,web,\"2011-03-02 08:00:00,,,,\n"); // 13: quote never closed
        bytes.extend_from_slice(b"A10,web,2011-03-02 08:00:00,,,,\n"); // 14
        bytes.extend_from_slice(b"A11,web,\"2011-03-02 08:00:00\"x,,,,\n"); // 15
        bytes.extend_from_slice(b"A12,web,2011-03-02 08:00:00,,5,,last"); // 16, no final newline
        fs::write(&path, &bytes).unwrap();

        let opts = ImportOptions {
            batch_size: 2,
            ..ImportOptions::default()
        };
        let (got, stats, plan, batches) = read(&path, &opts).unwrap();
        let ids: Vec<&str> = got.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["A1", "A2", "A5", "A10", "A12"]);
        assert_eq!(batches, 3);
        assert_eq!(got[1].agent.as_deref(), Some("Rossi, Mario"));
        assert_eq!(got[1].ended_at, Some(micros("2011-03-01T08:40:00Z")));
        assert_eq!(got[1].wait_seconds, Some(120));
        assert_eq!(got[2].agent.as_deref(), Some("op1"));
        assert_eq!(got[0].agent, None);
        assert_eq!(stats.read, 12);
        assert_eq!(stats.rejected, 7);
        assert_eq!(
            lines_of(&stats),
            [
                (4, Some("channel")),
                (6, Some("started_at")),
                (9, None),
                (11, Some("ended_at")),
                (11, Some("wait_seconds")),
                (12, Some("agent")),
                (13, None),
                (15, None),
            ]
        );
        assert_eq!(
            stats.rejections[1].to_string(),
            "line 6, field started_at: '2011-13-01 10:00' is not a date and time (expected RFC 3339 \
             like 2011-03-01T09:15:00+01:00 or local 2011-03-01 09:15:00)"
        );
        assert_eq!(
            stats.rejections[2].reason,
            "has 3 fields but the header has 7 (check the separator ',' and the quotes)"
        );
        assert!(
            stats.rejections[5]
                .reason
                .contains("byte 0xF2 at position 6"),
            "{}",
            stats.rejections[5].reason
        );
        assert!(
            stats.rejections[6]
                .reason
                .starts_with("a quote opened on this line is not closed on it")
        );
        assert!(stats.rejections[7].reason.contains("column 3 (started_at)"));
        assert_eq!(
            stats.warnings,
            ["column 'note' (column 6 of the header) is not a contact field; it was ignored."]
        );

        // The rejects file: the header, then the raw bad lines, ready to be fixed and imported.
        assert_eq!(plan.rejects, dir.path().join("contacts.rejects.csv"));
        let rejects = fs::read(&plan.rejects).unwrap();
        let mut expected = HEADER.as_bytes().to_vec();
        expected.extend_from_slice(b"A3,fax,2011-03-01 09:15:00,,,,\n");
        expected.extend_from_slice(b"A4,web,2011-13-01 10:00,,,,\n");
        expected.extend_from_slice(b"A6,web,2011-03-02 08:00:00\n");
        expected.extend_from_slice(b"A7,web,2011-03-02 08:00:00,2011-03-02 07:00:00,-3,,\n");
        expected.extend_from_slice(b"A8,web,2011-03-02 08:00:00,,,,Nicol\xF2\n");
        expected.extend_from_slice(b"A9,web,\"2011-03-02 08:00:00,,,,\n");
        expected.extend_from_slice(b"A11,web,\"2011-03-02 08:00:00\"x,,,,\n");
        assert_eq!(
            String::from_utf8_lossy(&rejects),
            String::from_utf8_lossy(&expected)
        );
        let log = fs::read_to_string(&plan.rejects_log).unwrap();
        assert_eq!(plan.rejects_log, dir.path().join("contacts.rejects.log"));
        assert_eq!(log.lines().count(), 8);
        assert!(
            log.starts_with("line 4, field channel: 'fax' is not a valid channel"),
            "{log}"
        );

        // Fixed and imported again: the source is the original file's, nothing is rejected and
        // the rejects of that import are not created.
        let fixed = String::from_utf8_lossy(&rejects)
            .replace("fax", "web")
            .replace("2011-13-01 10:00", "2011-01-13 10:00")
            .replace(
                "A6,web,2011-03-02 08:00:00\n",
                "A6,web,2011-03-02 08:00:00,,,,\n",
            )
            .replace(",2011-03-02 07:00:00,-3,", ",,3,")
            .replace("Nicol\u{FFFD}", "Nicolò")
            .replace("\"2011-03-02 08:00:00,", "2011-03-02 08:00:00,")
            .replace("\"2011-03-02 08:00:00\"x", "2011-03-02 08:00:00");
        fs::write(&plan.rejects, fixed).unwrap();
        let (got2, stats2, plan2, _) = read(&plan.rejects, &ImportOptions::default()).unwrap();
        assert_eq!(plan2.source, "contacts.csv");
        assert_eq!(
            (got2.len(), stats2.rejected),
            (7, 0),
            "{:?}",
            stats2.rejections
        );
        assert_eq!(got2[4].agent.as_deref(), Some("Nicolò"));
        assert!(!dir.path().join("contacts.rejects.rejects.csv").exists());

        // The original without its bad lines: the stale rejects of the first run disappear.
        fs::write(&path, format!("{HEADER}A1,web,2011-03-01T09:15:00Z,,,,\n")).unwrap();
        let (got3, stats3, _, _) = read(&path, &ImportOptions::default()).unwrap();
        assert_eq!((got3.len(), stats3.rejected), (1, 0));
        assert!(!plan.rejects.exists() && !plan.rejects_log.exists());
    }

    #[test]
    fn csv_with_semicolons_crlf_bom_and_any_column_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export");
        fs::write(
            &path,
            "\u{FEFF}\"Started_At\";CHANNEL;external_id;territory\r\n\
             01/03/2011;web;X1;3\r\n\
             2011-03-01 09:15:00;web;X2;3\r\n",
        )
        .unwrap();
        let (got, stats, plan, _) = read(&path, &ImportOptions::default()).unwrap();
        assert_eq!(plan.format, Format::Csv);
        assert_eq!(plan.source, "export");
        assert_eq!(plan.rejects, dir.path().join("export.rejects.csv"));
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].external_id.as_str(), got[0].territory),
            ("X2", Some(3))
        );
        assert_eq!(lines_of(&stats), [(2, Some("started_at"))]);
        let rejects = fs::read_to_string(&plan.rejects).unwrap();
        assert_eq!(
            rejects,
            "\u{FEFF}\"Started_At\";CHANNEL;external_id;territory\r\n01/03/2011;web;X1;3\r\n"
        );
    }

    #[test]
    fn csv_header_errors_come_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        fs::write(
            &path,
            "external_id,start,channel\nA,web,2011-03-01 09:15:00\n",
        )
        .unwrap();
        let err = format!(
            "{:#}",
            read(&path, &ImportOptions::default()).err().unwrap()
        );
        assert!(
            err.contains(
                "lacks the required column started_at; it has: external_id, start, channel"
            ),
            "{err}"
        );
        fs::write(&path, "external_id,channel,started_at,channel\n").unwrap();
        let err = format!(
            "{:#}",
            read(&path, &ImportOptions::default()).err().unwrap()
        );
        assert!(
            err.contains("has the column channel twice (columns 2 and 4)"),
            "{err}"
        );
        fs::write(&path, "\n\n").unwrap();
        let err = format!(
            "{:#}",
            read(&path, &ImportOptions::default()).err().unwrap()
        );
        assert!(
            err.contains("is empty: a CSV file needs a header row"),
            "{err}"
        );
        // A header alone is a file without contacts.
        fs::write(&path, "external_id,channel,started_at\n").unwrap();
        let (got, stats, _, batches) = read(&path, &ImportOptions::default()).unwrap();
        assert_eq!((got.len(), stats.read, batches), (0, 0, 0));
    }

    #[test]
    fn json_lines_good_and_bad() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.ndjson");
        let mut bytes = Vec::new();
        bytes.extend_from_slice(br#"{"external_id": 1001, "channel": "web", "started_at": "2011-03-01T09:15:00+01:00", "wait_seconds": "12", "handle_seconds": 30.0, "territory": 2, "session": "x"}"#); // 1
        bytes.extend_from_slice(b"\n\n"); // 2 blank
        bytes.extend_from_slice(br#"{"external_id": "1002", "channel": "web", "started_at": "2011-03-01 09:15:00", "segment": null, "customer": ""}"#); // 3
        bytes.extend_from_slice(b"\n");
        bytes.extend_from_slice(
            br#"{"external_id": "1003", "channel": "web", "started_at": "2011-03-01 09:15:00""#,
        ); // 4: truncated
        bytes.extend_from_slice(b"\n[1, 2]\n"); // 5
        bytes.extend_from_slice(br#"{"external_id": "1006", "channel": true, "started_at": "2011-03-01 09:15:00", "wait_seconds": -1}"#); // 6
        bytes.extend_from_slice(b"\n{\"external_id\": \"Nicol\xF2\"}\n"); // 7
        bytes.extend_from_slice(
            br#"{"external_id": "1008", "channel": "mail", "started_at": "2011-03-01 09:15:00"}"#,
        ); // 8, no newline
        fs::write(&path, &bytes).unwrap();

        let (got, stats, plan, _) = read(&path, &ImportOptions::default()).unwrap();
        assert_eq!(plan.format, Format::JsonLines);
        assert_eq!(plan.rejects, dir.path().join("web.rejects.ndjson"));
        let ids: Vec<&str> = got.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["1001", "1002", "1008"]);
        assert_eq!(
            (got[0].wait_seconds, got[0].handle_seconds, got[0].territory),
            (Some(12), Some(30), Some(2))
        );
        assert_eq!(got[0].started_at, got[1].started_at);
        assert_eq!((got[1].segment, got[1].customer.as_deref()), (None, None));
        assert_eq!(stats.read, 7);
        assert_eq!(
            lines_of(&stats),
            [
                (4, None),
                (5, None),
                (6, Some("channel")),
                (6, Some("wait_seconds")),
                (7, None)
            ]
        );
        assert!(
            stats.rejections[0]
                .reason
                .starts_with("the line is not valid JSON: EOF while parsing an object (at column"),
            "{}",
            stats.rejections[0].reason
        );
        assert_eq!(
            stats.rejections[1].reason,
            "the line is an array, not a JSON object with the contact's fields"
        );
        assert_eq!(
            stats.rejections[2].reason,
            "is true; expected a string or a number"
        );
        assert!(
            stats.rejections[4]
                .reason
                .starts_with("the line is not valid UTF-8")
        );
        assert_eq!(
            stats.warnings,
            ["key 'session' (first on line 1) is not a contact field; it was ignored."]
        );
        let rejects = fs::read(&plan.rejects).unwrap();
        let raw: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        let mut expected = Vec::new();
        for i in [3, 4, 5, 6] {
            expected.extend_from_slice(raw[i]);
            expected.push(b'\n');
        }
        assert_eq!(rejects, expected);
    }

    #[test]
    fn format_source_and_rejects_paths() {
        let dir = tempfile::tempdir().unwrap();
        let sniffed = dir.path().join("dump.txt");
        fs::write(&sniffed, "\u{FEFF}\n  {\"external_id\":\"1\"}\n").unwrap();
        assert_eq!(sniff_format(&sniffed).unwrap(), Format::JsonLines);
        fs::write(&sniffed, "external_id,channel\n").unwrap();
        assert_eq!(sniff_format(&sniffed).unwrap(), Format::Csv);
        assert_eq!(
            Format::from_extension(Path::new("a/B.JSONL")),
            Some(Format::JsonLines)
        );
        assert_eq!(Format::from_extension(Path::new("a.json")), None);

        assert_eq!(default_source("contacts.csv"), "contacts.csv");
        assert_eq!(default_source("contacts.rejects.csv"), "contacts.csv");
        assert_eq!(default_source(".rejects.csv"), ".rejects.csv");
        assert_eq!(default_source("contacts"), "contacts");
        assert_eq!(
            default_rejects(Path::new("d/2011.web.jsonl"), Format::JsonLines),
            Path::new("d/2011.web.rejects.jsonl")
        );
        assert_eq!(
            default_rejects(Path::new("d/dump"), Format::JsonLines),
            Path::new("d/dump.rejects.jsonl")
        );
        assert_eq!(
            log_path(Path::new("d/c.rejects.csv")),
            Path::new("d/c.rejects.log")
        );
        assert_eq!(log_path(Path::new("d/bad")), Path::new("d/bad.log"));
        assert_eq!(
            log_path(Path::new("d/bad.log")),
            Path::new("d/bad.log.reasons.log")
        );

        let input = dir.path().join("c.csv");
        fs::write(&input, "external_id,channel,started_at\n").unwrap();
        let opts = ImportOptions {
            rejects: Some(input.clone()),
            ..ImportOptions::default()
        };
        assert!(
            Plan::new(&input, &opts)
                .unwrap_err()
                .to_string()
                .contains("would overwrite the input")
        );
        let opts = ImportOptions {
            source: Some(" billing-2011 ".into()),
            format: Some(Format::Csv),
            ..ImportOptions::default()
        };
        let plan = Plan::new(&input, &opts).unwrap();
        assert_eq!(plan.source, "billing-2011");
        assert!(
            Plan::new(&dir.path().join("missing.csv"), &opts)
                .unwrap_err()
                .to_string()
                .contains("cannot read")
        );
    }

    #[test]
    fn summary_sentences_and_exit_codes() {
        let mut s = ImportSummary {
            input: PathBuf::from("/data/contacts.csv"),
            source: "contacts.csv".into(),
            format: Format::Csv,
            read: 1_234_567,
            inserted: 1_234_560,
            duplicates: 5,
            rejected: 2,
            rejects_file: Some(PathBuf::from("/data/contacts.rejects.csv")),
            rejects_log: Some(PathBuf::from("/data/contacts.rejects.log")),
            rejections: vec![Rejection {
                line: 17,
                field: Some("channel".into()),
                reason: "'fax' is not a valid channel".into(),
            }],
            rejection_count: 3,
            warnings: vec![
                "column 'note' (column 6 of the header) is not a contact field; it was ignored."
                    .into(),
            ],
            elapsed: Duration::from_millis(2500),
        };
        assert_eq!(s.exit_code(), 3);
        let en = s.render("en");
        assert!(en.starts_with("Imported contacts.csv as source 'contacts.csv' (CSV): 1,234,567 lines read in 2.5 s (493,827 lines/s).\n"), "{en}");
        assert!(en.contains("1,234,560 new contacts were added to the ledger.\n"));
        assert!(en.contains(
            "5 were already in the ledger (same source and external_id) and were skipped.\n"
        ));
        assert!(en.contains("Warning: column 'note'"));
        assert!(en.contains("2 lines were rejected (nothing from them was imported):\n  line 17, field channel: 'fax' is not a valid channel\n"));
        assert!(en.contains("  ... and 2 more reasons in /data/contacts.rejects.log.\n"));
        assert!(en.contains("The rejected lines are in /data/contacts.rejects.csv"));
        let it = s.render("it");
        assert!(it.contains("1.234.567 righe lette in 2,5 s"), "{it}");

        // Imported again: everything is already there.
        s.inserted = 0;
        s.duplicates = 1_234_565;
        s.rejected = 0;
        s.rejection_count = 0;
        s.rejections.clear();
        s.rejects_file = None;
        s.rejects_log = None;
        s.warnings.clear();
        assert_eq!(s.exit_code(), 0);
        let en = s.render("en");
        assert!(en.contains("All 1,234,565 valid contacts were already in the ledger: nothing new was added (this file was imported before).\nNo line was rejected.\n"), "{en}");
        assert!(!en.contains("new contacts were added"));
        s.duplicates = 1;
        s.rejected = 1;
        s.rejection_count = 1;
        s.rejections = vec![Rejection {
            line: 2,
            field: None,
            reason: "the line is not valid JSON".into(),
        }];
        let en = s.render("en");
        assert!(
            en.contains("The one valid contact was already in the ledger"),
            "{en}"
        );
        assert!(en.contains("1 line was rejected (nothing from it was imported):\n  line 2: the line is not valid JSON\n"), "{en}");
        assert!(s.render("it").contains("1 riga scartata"));
        assert_eq!(s.exit_code(), 3);
        assert_eq!(group_digits(0, ','), "0");
        assert_eq!(group_digits(999, ','), "999");
        assert_eq!(group_digits(1000, '.'), "1.000");
    }

    /// The whole path on a real store: SQLite always, PostgreSQL when CANALI_TEST_POSTGRES is set.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn end_to_end_on_every_backend() {
        // Without CANALI_TEST_POSTGRES, fresh_stores says the PostgreSQL half is skipped.
        let stores = canali_store::testing::fresh_stores().await.unwrap();
        for t in &stores {
            end_to_end(&t.store)
                .await
                .unwrap_or_else(|e| panic!("{}: {e:#}", t.name));
        }
    }

    async fn contacts_in(store: &Store) -> i64 {
        let counts = store.figures().table_counts().await.unwrap();
        counts
            .into_iter()
            .find(|(t, _)| *t == "contacts")
            .unwrap()
            .1
    }

    async fn end_to_end(store: &Store) -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("contacts.csv");
        let channels = [
            "call_center_residential",
            "call_center_business",
            "branch",
            "web",
            "mail",
        ];
        let mut text = String::from(
            "external_id;channel;started_at;ended_at;wait_seconds;handle_seconds;segment;territory;reason;outcome;agent\n",
        );
        let mut line = 1;
        let mut bad = Vec::new();
        for i in 0..25 {
            line += 1;
            text += &format!(
                "E{i};{};2011-03-{:02} 09:{:02}:00;;{};{};residential;{};billing;resolved;op{}\n",
                channels[i % 5],
                1 + i % 28,
                i % 60,
                i * 10,
                60 + i,
                1 + i % 3,
                i % 4
            );
            if i % 10 == 4 {
                line += 1;
                bad.push(line);
                text += &format!("B{i};telegram;2011-03-01 09:00:00;;;;;;;;\n");
            }
        }
        line += 1;
        bad.push(line);
        text += "B99;web;2011-03-01T10:00:00+01:00;2011-03-01T09:00:00+01:00;;;;;;;\n";
        text += "E3;web;2011-03-05 10:00:00;;;;;;;;\n"; // the same external_id again: a duplicate
        fs::write(&path, &text)?;
        let opts = ImportOptions {
            batch_size: 4,
            ..ImportOptions::default()
        };

        let first = import_contacts(store, &path, &opts).await?;
        assert_eq!(
            (first.read, first.inserted, first.duplicates, first.rejected),
            (30, 25, 1, 4),
            "{first}"
        );
        assert_eq!(first.exit_code(), 3);
        let lines: Vec<u64> = first.rejections.iter().map(|r| r.line).collect();
        assert_eq!(lines, bad);
        assert_eq!(first.rejections[0].field.as_deref(), Some("channel"));
        assert_eq!(first.rejections[3].field.as_deref(), Some("ended_at"));
        let rejects = first.rejects_file.clone().expect("rejects file");
        let rejected = fs::read_to_string(&rejects)?;
        assert_eq!(rejected.lines().count(), 5, "{rejected}");
        assert!(rejected.starts_with("external_id;channel;started_at;"));
        assert!(
            rejected.contains("B4;telegram;")
                && rejected.contains("B14;telegram;")
                && rejected.contains("B24;telegram;")
                && rejected.contains("B99;web;")
        );
        assert_eq!(contacts_in(store).await, 25);
        let rollup = store.figures().monthly_rollup(201103, 201103).await?;
        assert_eq!(rollup.iter().map(|r| r.contacts).sum::<i64>(), 25);
        assert_eq!(
            rollup.iter().map(|r| r.wait_seconds).sum::<i64>(),
            (0..25).map(|i| i * 10).sum::<i64>()
        );

        // Again: nothing new; the same lines are rejected.
        let second = import_contacts(store, &path, &opts).await?;
        assert_eq!(
            (
                second.read,
                second.inserted,
                second.duplicates,
                second.rejected
            ),
            (30, 0, 26, 4)
        );
        assert!(
            second
                .to_string()
                .contains("were already in the ledger: nothing new was added"),
            "{second}"
        );
        assert_eq!(contacts_in(store).await, 25);

        // The rejects fixed and imported as is: filed under the original source.
        fs::write(
            &rejects,
            rejected
                .replace("telegram", "web")
                .replace("T09:00:00+01:00", "T11:00:00+01:00"),
        )?;
        let fixed = import_contacts(store, &rejects, &ImportOptions::default()).await?;
        assert_eq!(
            (fixed.source.as_str(), fixed.inserted, fixed.rejected),
            ("contacts.csv", 4, 0),
            "{fixed}"
        );
        assert_eq!(fixed.exit_code(), 0);
        assert!(fixed.rejects_file.is_none());
        assert_eq!(contacts_in(store).await, 29);

        // The fixed original: everything is already there, and the stale rejects are removed.
        let fixed_text = text
            .replace("telegram", "web")
            .replace("T09:00:00+01:00", "T11:00:00+01:00");
        fs::write(&path, fixed_text)?;
        let again = import_contacts(store, &path, &opts).await?;
        assert_eq!(
            (again.inserted, again.duplicates, again.rejected),
            (0, 30, 0)
        );
        assert!(!rejects.exists() && !dir.path().join("contacts.rejects.log").exists());

        // JSON lines under another source are other contacts.
        let json = dir.path().join("portal.jsonl");
        fs::write(
            &json,
            "{\"external_id\":\"E1\",\"channel\":\"web\",\"started_at\":\"2011-03-02T10:00:00Z\",\"wait_seconds\":0}\n\
             {\"external_id\":\"E2\",\"channel\":\"web\",\"started_at\":\"2011-03-02T10:00:00Z\",\"territory\":\"2\"}\n",
        )?;
        let portal = import_contacts(
            store,
            &json,
            &ImportOptions {
                progress: true,
                ..ImportOptions::default()
            },
        )
        .await?;
        assert_eq!(
            (portal.format, portal.inserted, portal.duplicates),
            (Format::JsonLines, 2, 0)
        );
        assert_eq!(contacts_in(store).await, 31);
        Ok(())
    }

    /// A store failure stops the import with an error that says re-running is safe, and the
    /// reader thread stops too.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_failure_is_an_error() {
        let t = canali_store::testing::fresh_sqlite().await.unwrap();
        t.store.close().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        let mut text = String::from("external_id,channel,started_at\n");
        for i in 0..100 {
            text += &format!("{i},web,2011-03-01 09:15:00\n");
        }
        fs::write(&path, text).unwrap();
        let opts = ImportOptions {
            batch_size: 3,
            ..ImportOptions::default()
        };
        let err = import_contacts(&t.store, &path, &opts).await.unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.starts_with("writing contacts to the ledger failed after 0 had been written"),
            "{msg}"
        );
        assert!(
            msg.contains("importing") && msg.contains("again completes the import"),
            "{msg}"
        );
    }
}
