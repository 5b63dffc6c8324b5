//! What an import did, and the sentences that say it (Italian or English).

use crate::Format;
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
