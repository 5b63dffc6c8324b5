//! The rejects file (the rejected lines as they were, to be fixed and imported again) and its log
//! (one reason a line), with the counts of the reader side.

use crate::plan::Plan;
use crate::{KEPT_REJECTIONS, Rejection};
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What the reader side counted.
#[derive(Debug, Default)]
pub(crate) struct ReadStats {
    pub(crate) read: u64,
    pub(crate) rejected: u64,
    pub(crate) rejections: Vec<Rejection>,
    pub(crate) rejection_count: u64,
    pub(crate) warnings: Vec<String>,
}

/// Writes rejected lines and their reasons; creates the files on the first rejection and, when
/// there is none, removes the ones an earlier import of the same file left.
pub(crate) struct Rejects<'a> {
    pub(crate) plan: &'a Plan,
    /// For CSV: the header record, written first.
    pub(crate) header: Option<Vec<u8>>,
    pub(crate) files: Option<(BufWriter<File>, BufWriter<File>)>,
    pub(crate) stats: ReadStats,
}

impl Rejects<'_> {
    pub(crate) fn reject(
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

    pub(crate) fn finish(mut self) -> Result<ReadStats> {
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
