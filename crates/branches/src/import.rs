//! The registry import file, TOML or CSV (see docs/branches.md): territories, named schedule
//! templates, branches (upserted by code), their dated events and opening-hour exceptions.

use crate::{BranchError, Result};
use canali_domain::network::{BranchEventKind, BranchFacts, BranchKind, check_branch};
use canali_domain::schedule::{WeeklyHours, parse_intervals};
use canali_domain::text::{TextKind, text_fault};
use canali_domain::{Day, Service};
use canali_store::branches_store::{BranchException, RegistryUpdate, ScheduleTemplate};
use canali_store::{Branch, BranchEvent, Sot};
use jiff::civil::Date;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Toml,
    Csv,
}

impl ImportFormat {
    /// By the file's extension: `.csv` is CSV, anything else TOML.
    pub fn of_path(path: &std::path::Path) -> ImportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => ImportFormat::Csv,
            _ => ImportFormat::Toml,
        }
    }
}

/// A date written as a TOML date (`2011-03-01`) or a string (`"2011-03-01"`).
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum DateIn {
    Text(String),
    Toml(toml::value::Datetime),
}

impl DateIn {
    fn date(&self, what: &str) -> Result<Date> {
        let s = match self {
            DateIn::Text(s) => s.clone(),
            DateIn::Toml(d) => d.to_string(),
        };
        s.trim()
            .parse()
            .map_err(|_| BranchError::Invalid(format!("{what}: '{s}' is not a date YYYY-MM-DD")))
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(default)]
    sot: Vec<SotIn>,
    #[serde(default)]
    template: Vec<TemplateIn>,
    #[serde(default)]
    branch: Vec<BranchIn>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SotIn {
    code: i64,
    name: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateIn {
    name: String,
    hours: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BranchIn {
    code: String,
    name: String,
    municipality: String,
    #[serde(default)]
    address: String,
    sot: i64,
    kind: String,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    contractor: Option<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    host_name: Option<String>,
    #[serde(default)]
    counters: Option<i64>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    hours: Option<String>,
    #[serde(default)]
    template: Option<String>,
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    events: Vec<EventIn>,
    #[serde(default)]
    exceptions: Vec<ExceptionIn>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EventIn {
    date: DateIn,
    kind: String,
    #[serde(default)]
    note: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionIn {
    date: DateIn,
    /// Absent or `closed`: closed all day.
    #[serde(default)]
    hours: Option<String>,
    #[serde(default)]
    note: String,
}

/// Parses an import file into one registry update. `known_templates` are the templates already
/// stored (a branch may name one without the file defining it).
pub fn parse_registry(
    text: &str,
    format: ImportFormat,
    known_templates: &HashMap<String, String>,
) -> Result<RegistryUpdate> {
    let file = match format {
        ImportFormat::Toml => toml::from_str::<FileIn>(text)
            .map_err(|e| BranchError::Invalid(format!("the TOML file is not valid: {e}")))?,
        ImportFormat::Csv => parse_csv(text)?,
    };
    let mut templates = known_templates.clone();
    let mut update = RegistryUpdate::default();
    // The one rule for text (canali_domain::text): no control characters, a length by kind.
    let text =
        |what: String, field: &str, value: &str, kind: TextKind| match text_fault(value, kind) {
            None => Ok(()),
            Some(f) => Err(BranchError::Invalid(format!(
                "{what}: {field} {}",
                f.reason()
            ))),
        };
    for s in file.sot {
        text(
            format!("territory {}", s.code),
            "name",
            &s.name,
            TextKind::Name,
        )?;
        update.sots.push(Sot {
            code: s.code,
            name: s.name,
        });
    }
    for t in file.template {
        text("a template".into(), "name", &t.name, TextKind::Name)?;
        let hours = WeeklyHours::parse(&t.hours)
            .map_err(|e| BranchError::Invalid(format!("template {}: {e}", t.name)))?;
        templates.insert(t.name.clone(), hours.to_string());
        update.templates.push(ScheduleTemplate {
            name: t.name,
            hours: hours.to_string(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for b in file.branch {
        let code = b.code.trim().to_string();
        let err = |m: String| BranchError::Invalid(format!("branch {code}: {m}"));
        if code.is_empty() {
            return Err(BranchError::Invalid("a branch has an empty code".into()));
        }
        let at = || format!("branch {}", code.escape_debug());
        text(at(), "code", &code, TextKind::Code)?;
        for (field, value, kind) in [
            ("name", Some(b.name.as_str()), TextKind::Name),
            (
                "municipality",
                Some(b.municipality.as_str()),
                TextKind::Name,
            ),
            ("address", Some(b.address.as_str()), TextKind::Line),
            ("contractor", b.contractor.as_deref(), TextKind::Name),
            ("host_name", b.host_name.as_deref(), TextKind::Name),
            ("template", b.template.as_deref(), TextKind::Name),
        ] {
            if let Some(v) = value {
                text(at(), field, v, kind)?;
            }
        }
        for note in b
            .events
            .iter()
            .map(|e| &e.note)
            .chain(b.exceptions.iter().map(|x| &x.note))
        {
            text(at(), "note", note, TextKind::Line)?;
        }
        if !seen.insert(code.clone()) {
            return Err(err("appears twice in the file".into()));
        }
        let kind: BranchKind = b.kind.trim().parse().map_err(|_| {
            err(format!(
                "'{}' is not a branch kind (priority, standard, presence_point, temporary_presence_point)",
                b.kind
            ))
        })?;
        // The rule every way a branch comes in shares (the console's form too).
        let checked = check_branch(&BranchFacts {
            operator: b.operator.as_deref(),
            contractor: b.contractor.as_deref(),
            host: b.host.as_deref(),
            host_name: b.host_name.as_deref(),
            counters: b.counters.unwrap_or(1),
            latitude: b.latitude,
            longitude: b.longitude,
        })
        .map_err(|refusals| err(refusals[0].to_string()))?;
        for s in &b.services {
            s.trim().parse::<Service>().map_err(|_| {
                err(format!(
                    "'{s}' is not a service (gas, electricity, water, waste, district_heating)"
                ))
            })?;
        }
        let hours = match (&b.template, &b.hours) {
            (Some(t), None) => templates
                .get(t)
                .cloned()
                .ok_or_else(|| err(format!("unknown schedule template '{t}'")))?,
            (None, Some(h)) => WeeklyHours::parse(h)
                .map_err(|e| err(e.to_string()))?
                .to_string(),
            (Some(_), Some(_)) => {
                return Err(err("give either hours or template, not both".into()));
            }
            (None, None) => return Err(err("no hours and no template".into())),
        };
        for e in &b.events {
            let kind: BranchEventKind = e.kind.trim().parse().map_err(|_| {
                err(format!(
                    "'{}' is not an event (opened, renovated, converted, moved, closed)",
                    e.kind
                ))
            })?;
            update.events.push(BranchEvent {
                branch: code.clone(),
                day: Day::from_date(e.date.date(&format!("branch {code} event"))?),
                kind,
                note: e.note.clone(),
            });
        }
        for x in &b.exceptions {
            let date = x.date.date(&format!("branch {code} exception"))?;
            let hours = match x.hours.as_deref().map(str::trim) {
                None | Some("closed") | Some("") => None,
                Some(h) => {
                    let iv = parse_intervals(h).map_err(|e| err(e.to_string()))?;
                    Some(
                        iv.iter()
                            .map(|&(a, e)| {
                                let f = |t: jiff::civil::Time| {
                                    if t == jiff::civil::Time::MAX {
                                        "24:00".to_string()
                                    } else {
                                        format!("{:02}:{:02}", t.hour(), t.minute())
                                    }
                                };
                                format!("{}-{}", f(a), f(e))
                            })
                            .collect::<Vec<_>>()
                            .join(","),
                    )
                }
            };
            update.exceptions.push(BranchException {
                branch: code.clone(),
                day: Day::from_date(date),
                hours,
                note: x.note.clone(),
            });
        }
        let services = b
            .services
            .iter()
            .map(|s| s.trim().to_string())
            .collect::<Vec<_>>()
            .join(",");
        update.branches.push((
            Branch {
                code: code.clone(),
                name: b.name,
                municipality: b.municipality,
                address: b.address,
                sot: b.sot,
                kind,
                operator: checked.operator,
                contractor: checked.contractor,
                host: checked.host,
                host_name: checked.host_name,
                counters: checked.counters,
                hours,
                schedule_template: b.template,
                latitude: b.latitude,
                longitude: b.longitude,
            },
            services,
        ));
    }
    Ok(update)
}

/// CSV: one branch a row, with a header; `services` is `|`-separated, `events` is
/// `KIND DATE [NOTE]` items separated by `|`, `exceptions` is `DATE=closed` or
/// `DATE=HH:MM-HH:MM,...` items separated by `|`.
fn parse_csv(text: &str) -> Result<FileIn> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| BranchError::Invalid(format!("CSV header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    for required in [
        "code",
        "name",
        "municipality",
        "sot",
        "kind",
        "latitude",
        "longitude",
    ] {
        if col(required).is_none() {
            return Err(BranchError::Invalid(format!(
                "the CSV has no '{required}' column"
            )));
        }
    }
    let mut branches = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| BranchError::Invalid(format!("CSV line {line}: {e}")))?;
        let get = |name: &str| {
            col(name)
                .and_then(|c| rec.get(c))
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        let req = |name: &str| {
            get(name).ok_or_else(|| BranchError::Invalid(format!("CSV line {line}: empty {name}")))
        };
        let num = |name: &str| -> Result<f64> {
            req(name)?.parse().map_err(|_| {
                BranchError::Invalid(format!("CSV line {line}: {name} is not a number"))
            })
        };
        let int = |name: &str| -> Result<Option<i64>> {
            get(name)
                .map(|v| {
                    v.parse().map_err(|_| {
                        BranchError::Invalid(format!(
                            "CSV line {line}: {name} is not a whole number"
                        ))
                    })
                })
                .transpose()
        };
        let list = |name: &str| -> Vec<String> {
            get(name)
                .map(|v| {
                    v.split('|')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut events = Vec::new();
        for item in list("events") {
            let mut parts = item.splitn(3, ' ');
            let kind = parts.next().unwrap_or_default().to_string();
            let date = parts.next().ok_or_else(|| {
                BranchError::Invalid(format!(
                    "CSV line {line}: event '{item}' is not 'KIND DATE [NOTE]'"
                ))
            })?;
            events.push(EventIn {
                date: DateIn::Text(date.to_string()),
                kind,
                note: parts.next().unwrap_or_default().to_string(),
            });
        }
        let mut exceptions = Vec::new();
        for item in list("exceptions") {
            let (date, hours) = item.split_once('=').ok_or_else(|| {
                BranchError::Invalid(format!(
                    "CSV line {line}: exception '{item}' is not 'DATE=closed' or 'DATE=HH:MM-HH:MM'"
                ))
            })?;
            exceptions.push(ExceptionIn {
                date: DateIn::Text(date.trim().to_string()),
                hours: Some(hours.trim().to_string()),
                note: String::new(),
            });
        }
        branches.push(BranchIn {
            code: req("code")?,
            name: req("name")?,
            municipality: req("municipality")?,
            address: get("address").unwrap_or_default(),
            sot: int("sot")?.unwrap_or_default(),
            kind: req("kind")?,
            operator: get("operator"),
            contractor: get("contractor"),
            host: get("host"),
            host_name: get("host_name"),
            counters: int("counters")?,
            services: list("services"),
            hours: get("hours"),
            template: get("template"),
            latitude: num("latitude")?,
            longitude: num("longitude")?,
            events,
            exceptions,
        });
    }
    Ok(FileIn {
        sot: Vec::new(),
        template: Vec::new(),
        branch: branches,
    })
}
