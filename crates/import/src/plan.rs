//! Everything decided before reading a file: its format, the source its contacts are filed
//! under, and where its rejected lines go.

use crate::{Format, ImportOptions};
use anyhow::{Context, Result, bail};
use canali_domain::text::{TextKind, text_fault};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Everything decided before reading: format, source, where the rejects go.
#[derive(Debug, Clone)]
pub struct Plan {
    pub input: PathBuf,
    pub format: Format,
    pub source: String,
    pub rejects: PathBuf,
    pub rejects_log: PathBuf,
    /// Whether the rejects go to the default place beside the input: only there are stale
    /// rejects of an earlier run removed (a path the user chose may hold anything).
    pub default_rejects: bool,
}

impl Plan {
    pub fn new(path: &Path, opts: &ImportOptions) -> Result<Plan> {
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
        // The source is stored with every contact: the one rule for text applies to it too.
        if let Some(fault) = text_fault(&source, TextKind::Code) {
            bail!(
                "the source name {} {}: name it with --source",
                source.escape_debug(),
                fault.reason()
            );
        }
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
pub fn default_source(file_name: &str) -> String {
    if let Some((stem, ext)) = file_name.rsplit_once('.')
        && let Some(original) = stem.strip_suffix(".rejects")
        && !original.is_empty()
    {
        return format!("{original}.{ext}");
    }
    file_name.to_string()
}

/// `dir/contacts.csv` → `dir/contacts.rejects.csv`; without an extension, the format's.
pub fn default_rejects(path: &Path, format: Format) -> PathBuf {
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
pub fn log_path(rejects: &Path) -> PathBuf {
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
pub fn sniff_format(path: &Path) -> io::Result<Format> {
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
