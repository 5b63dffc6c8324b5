//! An input opened for reading: for CSV past its header, with each column mapped to a field.

use crate::Format;
use crate::plan::Plan;
use crate::reader::{CsvReader, Lines, SplitError, sniff_delimiter, utf8_error};
use anyhow::{Context, Result, bail};
use canali_store::contact_fields::Field;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};

/// The reader of each format.
pub(crate) enum Kind {
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
pub(crate) struct Source {
    pub(crate) kind: Kind,
    pub(crate) warnings: Vec<String>,
}

impl Source {
    pub(crate) fn open(plan: &Plan) -> Result<Source> {
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
