//! What an import did, and the sentences that say it (Italian or English).

use crate::Format;
use crate::texts::TEXTS;
use canali_domain::lang::Lang;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

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
    /// The first [`crate::KEPT_REJECTIONS`] rejections, in file order.
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

    /// The human summary, in sentences, in `lang` (the texts are in crates/import/src/texts.rs).
    /// The rejection reasons themselves are in English.
    pub fn render(&self, lang: Lang) -> String {
        let it = lang == Lang::It;
        let n = |v: u64| group_digits(v, if it { '.' } else { ',' });
        let name = self.input.file_name().map_or_else(
            || self.input.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let secs = format!("{:.1}", self.elapsed.as_secs_f64());
        let secs = if it { secs.replace('.', ",") } else { secs };
        let rate = n(self.rate().round() as u64);
        // A count with its noun: "1 line read", "2 lines read" (`KEY_one`, `KEY_many`).
        let count = |v: u64, one: &'static str, many: &'static str| {
            TEXTS.fill(lang, if v == 1 { one } else { many }, &[("n", &n(v))])
        };
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        let format = match (it, self.format) {
            (true, Format::JsonLines) => "JSON lines".to_string(),
            (_, f) => f.to_string(),
        };
        let read = count(self.read, "import.lines_read_one", "import.lines_read_many");
        line(TEXTS.fill(
            lang,
            "import.imported",
            &[
                ("name", &name),
                ("source", &self.source),
                ("format", &format),
                ("read", &read),
                ("secs", &secs),
                ("rate", &rate),
            ],
        ));
        if self.read == 0 {
            line(TEXTS.text(lang, "import.empty").into());
        } else if self.inserted == 0 && self.duplicates > 0 {
            line(count(
                self.duplicates,
                "import.all_known_one",
                "import.all_known_many",
            ));
        } else if self.inserted == 0 {
            line(TEXTS.text(lang, "import.none_added").into());
        } else {
            line(count(
                self.inserted,
                "import.added_one",
                "import.added_many",
            ));
            if self.duplicates > 0 {
                line(count(
                    self.duplicates,
                    "import.skipped_one",
                    "import.skipped_many",
                ));
            }
        }
        for w in &self.warnings {
            line(TEXTS.fill(lang, "import.warning", &[("warning", w)]));
        }
        if self.rejected == 0 {
            if self.read > 0 {
                line(TEXTS.text(lang, "import.none_rejected").into());
            }
            return out;
        }
        line(count(
            self.rejected,
            "import.rejected_one",
            "import.rejected_many",
        ));
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
            let more = count(
                hidden,
                "import.more_reasons_one",
                "import.more_reasons_many",
            );
            line(TEXTS.fill(
                lang,
                "import.more_in_log",
                &[("more", &more), ("log", &log)],
            ));
        }
        if let Some(rejects) = &self.rejects_file {
            line(TEXTS.fill(
                lang,
                "import.fix_and_retry",
                &[("rejects", &rejects.display()), ("log", &log)],
            ));
        }
        out
    }
}

/// The English summary (see [`ImportSummary::render`]).
impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// `1234567` → `1,234,567` (or with `.` for Italian).
pub fn group_digits(n: u64, sep: char) -> String {
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
