//! `canali import queue-log`: reads a queue_log once or follows it as Asterisk writes it, puts
//! each call into the ledger and the calls rollup, and saves where it stopped.
//!
//! Every chunk read ends in one commit: the chunk's calls go into the ledger
//! ([`Ledger::ingest`](canali_store::Ledger::ingest), idempotent on `callid/queue/entry-epoch`), then the calls rollup
//! and the follower's state (file identity, byte offset after the last whole line, the calls
//! still open, the agents logged in and paused) in one transaction. Killed anywhere, a restart
//! resumes from the last state: the ledger skips the contacts it already holds and the rollup
//! counts each call once.
//!
//! Rotation: the file's identity is a hash of its first line (plus device and inode). When the
//! path starts naming another file (logrotate's rename and create) the follower finishes the old
//! file through its open handle, then starts the new one from the top; a file cut short in place
//! (copytruncate) starts again from the top. After a restart it looks for the file it was
//! reading under `FILE.1` and `FILE.0` when `FILE` is already a new one.

use crate::agents::Agents;
use crate::assemble::{Assembler, Call, OpenCall};
use crate::queue_log::{Malformed, complete_lines, parse_line};
use crate::settings::{CallCenterSettings, Line};
use crate::{Error, Result};
use canali_domain::{Channel, Outcome};
use canali_store::calls::{CallEnd, CallFact, FollowState};
use canali_store::{NewContact, Store};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How much is read (and committed) at a time.
pub const DEFAULT_CHUNK_BYTES: usize = 8 << 20;
/// Malformed lines reported one by one; the rest are counted.
const MALFORMED_SAMPLE: usize = 100;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The source the calls' external ids belong to, and the follower's name.
    pub source: String,
    /// Keep reading as the file grows (and rotates) instead of stopping at its end.
    pub follow: bool,
    /// When following: stop after this long without new data (none: never).
    pub idle_exit: Option<Duration>,
    /// Stop (after a commit) once this many lines of the file have been read: for tests and
    /// partial loads.
    pub stop_after_lines: Option<u64>,
    pub chunk_bytes: usize,
    pub settings: CallCenterSettings,
    /// Set (by a signal handler) to stop at the next commit: what was read is committed with
    /// the follower's state, so the next run resumes there.
    pub stop: Option<Arc<AtomicBool>>,
}

impl ImportOptions {
    pub fn new(source: impl Into<String>) -> ImportOptions {
        ImportOptions {
            source: source.into(),
            follow: false,
            idle_exit: None,
            stop_after_lines: None,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            settings: CallCenterSettings::default(),
            stop: None,
        }
    }
}

/// What an import did (also its progress while it runs).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportSummary {
    pub source: String,
    pub file: String,
    /// The line it resumed after, when an earlier run had stopped there.
    pub resumed_after_line: Option<u64>,
    pub lines: u64,
    pub bytes: u64,
    /// Calls ended in the lines read, by line.
    pub calls: u64,
    pub calls_by_line: BTreeMap<String, u64>,
    /// Contacts new to the ledger, and those it already held (a re-read after a crash).
    pub inserted: u64,
    pub duplicates: u64,
    pub malformed: u64,
    /// The first malformed lines: (line number, reason, the line's start).
    pub malformed_lines: Vec<(u64, String, String)>,
    /// Unknown events by name (kept and counted, otherwise ignored).
    pub unknown_events: BTreeMap<String, u64>,
    pub agent_events: u64,
    pub without_entry: u64,
    /// Calls entered and not yet ended where the reading stopped (saved for the next run).
    pub open_calls: usize,
    pub rotations: u32,
    /// The file had been rotated while no follower ran and its rest was not found.
    pub lost_rotated_rest: bool,
    pub seconds: f64,
}

impl ImportSummary {
    fn malformed(&mut self, line_no: u64, why: Malformed, line: &[u8]) {
        self.malformed += 1;
        if self.malformed_lines.len() < MALFORMED_SAMPLE {
            let shown: String = String::from_utf8_lossy(&line[..line.len().min(80)]).into_owned();
            self.malformed_lines.push((line_no, why.to_string(), shown));
        }
    }
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = self.resumed_after_line {
            writeln!(f, "Resumed {} after line {l}.", self.file)?;
        }
        writeln!(
            f,
            "Read {} lines ({:.1} MB) in {:.2} s: {} calls ({}), {} new in the ledger, {} already there.",
            self.lines,
            self.bytes as f64 / 1e6,
            self.seconds,
            self.calls,
            self.calls_by_line
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.inserted,
            self.duplicates
        )?;
        writeln!(
            f,
            "Agent and system events: {}; call ends without their ENTERQUEUE: {}; calls still open: {}; rotations: {}.",
            self.agent_events, self.without_entry, self.open_calls, self.rotations
        )?;
        if !self.unknown_events.is_empty() {
            let list: Vec<String> = self
                .unknown_events
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            writeln!(f, "Unknown events kept and ignored: {}.", list.join(", "))?;
        }
        if self.lost_rotated_rest {
            writeln!(
                f,
                "warning: the file was rotated while no follower ran; the rest of the old file was not found."
            )?;
        }
        if self.malformed > 0 {
            writeln!(f, "{} malformed lines skipped:", self.malformed)?;
            for (n, why, text) in &self.malformed_lines {
                writeln!(f, "  line {n}: {why}: {text:?}")?;
            }
            if self.malformed as usize > self.malformed_lines.len() {
                writeln!(
                    f,
                    "  ... and {} more",
                    self.malformed as usize - self.malformed_lines.len()
                )?;
            }
        }
        Ok(())
    }
}

/// The file being read.
struct Reader {
    file: File,
    path: PathBuf,
    identity: Option<String>,
    device: i64,
    inode: i64,
    /// Offset after the last whole line processed.
    offset: u64,
    line_no: u64,
    /// Bytes read past `offset` that do not yet end in a line end.
    pending: Vec<u8>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::Io(path.display().to_string(), e)
}

/// A hash (FNV-1a, 64 bits) of the file's first line, none while it has no whole line.
fn identity_of(file: &File) -> std::io::Result<Option<String>> {
    let mut buf = vec![0u8; 4096];
    let n = file.read_at(&mut buf, 0)?;
    let Some(end) = buf[..n].iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in &buf[..end] {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Ok(Some(format!("{h:016x}")))
}

impl Reader {
    fn open(path: &Path, offset: u64, line_no: u64) -> Result<Reader> {
        let file = File::open(path).map_err(io_err(path))?;
        let meta = file.metadata().map_err(io_err(path))?;
        let identity = identity_of(&file).map_err(io_err(path))?;
        Ok(Reader {
            file,
            path: path.to_path_buf(),
            identity,
            device: meta.dev() as i64,
            inode: meta.ino() as i64,
            offset,
            line_no,
            pending: Vec::new(),
        })
    }

    fn state_at(&mut self, source: &str, b: &Batch) -> Result<FollowState> {
        if self.identity.is_none() {
            self.identity = identity_of(&self.file).map_err(io_err(&self.path))?;
        }
        Ok(FollowState {
            source: source.to_string(),
            path: self.path.display().to_string(),
            identity: self.identity.clone().unwrap_or_default(),
            device: self.device,
            inode: self.inode,
            offset: b.offset as i64,
            line_no: b.line_no as i64,
            open_calls: b.prepared.open.clone(),
            agents: b.prepared.agents.clone(),
        })
    }
}

/// The CPU side of an import, parsing and assembling calls and turning them into ledger
/// contacts: it moves to a blocking thread for each chunk, so that the next chunk is prepared
/// while the last one is written, and the writer only writes.
struct Parser {
    assembler: Assembler,
    /// The parse-side figures: lines, bytes, malformed lines, unknown events, calls by line.
    seen: ImportSummary,
    settings: CallCenterSettings,
    /// Queue name -> line, as the settings map them (looked up once per queue).
    lines_of: HashMap<String, Line>,
    /// The time of the newest line parsed (microseconds), for the follower's lag.
    newest_line_at: Option<i64>,
}

/// A prepared chunk and where the file stands after it.
struct Batch {
    prepared: Prepared,
    offset: u64,
    line_no: u64,
}

impl Parser {
    fn parse(&mut self, bytes: &[u8], mut line_no: u64) -> Vec<Call> {
        let mut calls = Vec::new();
        let (lines, end) = complete_lines(bytes);
        let first = line_no;
        for (line, _) in lines {
            line_no += 1;
            if line.is_empty() || line == b"\r" {
                continue;
            }
            match parse_line(line) {
                Ok(rec) => {
                    self.newest_line_at = self.newest_line_at.max(Some(rec.time));
                    if rec.event == crate::queue_log::Event::Other {
                        *self
                            .seen
                            .unknown_events
                            .entry(rec.event_name.to_string())
                            .or_default() += 1;
                    }
                    self.assembler.feed(&rec, &mut calls);
                }
                Err(why) => self.seen.malformed(line_no, why, line),
            }
        }
        self.seen.lines += line_no - first;
        self.seen.bytes += end as u64;
        calls
    }

    /// The chunk's calls as the ledger's contacts and the calls rollup's facts, counted by line.
    fn ledger_rows(&mut self, calls: &[Call]) -> (Vec<NewContact>, Vec<CallFact>) {
        let mut contacts = Vec::with_capacity(calls.len());
        let mut facts = Vec::with_capacity(calls.len());
        for c in calls {
            let line = match self.lines_of.get(&c.queue) {
                Some(l) => *l,
                None => {
                    let l = self.settings.line_of(&c.queue);
                    self.lines_of.insert(c.queue.clone(), l);
                    l
                }
            };
            *self
                .seen
                .calls_by_line
                .entry(line.name().to_string())
                .or_default() += 1;
            contacts.push(to_contact(c, line));
            facts.push(CallFact {
                channel: line.channel(),
                started_at: c.entered,
                end: c.end,
                wait_seconds: c.wait_seconds,
                talk_seconds: c.talk_seconds,
            });
        }
        self.seen.calls += calls.len() as u64;
        (contacts, facts)
    }
}

/// The importer: the parser, the line mapping, the running summary.
struct Importer<'a> {
    store: &'a Store,
    opts: &'a ImportOptions,
    /// None while a chunk is being parsed.
    parser: Option<Parser>,
    summary: ImportSummary,
    /// The time of the newest line committed (microseconds).
    newest_line_at: Option<i64>,
}

impl Importer<'_> {
    fn parser_mut(&mut self) -> Result<&mut Parser> {
        self.parser
            .as_mut()
            .ok_or_else(|| Error::State("the parser was lost".into()))
    }

    /// The summary so far: the commit side and the parse side.
    fn snapshot(&mut self) -> &ImportSummary {
        if let Some(p) = &self.parser {
            let s = &mut self.summary;
            s.lines = p.seen.lines;
            s.bytes = p.seen.bytes;
            s.malformed = p.seen.malformed;
            s.calls = p.seen.calls;
            s.calls_by_line.clone_from(&p.seen.calls_by_line);
            s.malformed_lines.clone_from(&p.seen.malformed_lines);
            s.unknown_events.clone_from(&p.seen.unknown_events);
            s.open_calls = p.assembler.open_count();
            s.agent_events = p.assembler.stats.agent_events;
            s.without_entry = p.assembler.stats.without_entry;
        }
        &self.summary
    }

    fn stopping(&self) -> bool {
        self.opts
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::SeqCst))
    }

    /// The follower's lag for monitoring: now minus the time of the newest line committed.
    /// It grows while Asterisk writes nothing, so it is watched during business hours.
    fn report_lag(&self) {
        if let Some(at) = self.newest_line_at {
            let lag = (jiff::Timestamp::now().as_microsecond() - at) as f64 / 1e6;
            metrics::gauge!("canali_queue_log_lag_seconds", "source" => self.opts.source.clone())
                .set(lag.max(0.0));
        }
    }

    /// Writes a prepared chunk: its calls to the ledger, then the calls rollup with the state.
    async fn commit(&mut self, r: &mut Reader, batch: Batch) -> Result<()> {
        // Ledger, calls rollup and the follower's state in one transaction: the rollup counts
        // what the ledger took, once, whether a file is read again or the follower dies.
        let state = r.state_at(&self.opts.source, &batch)?;
        let Prepared {
            contacts,
            facts,
            newest_line_at,
            ..
        } = batch.prepared;
        let outcome = self
            .store
            .calls()
            .ingest(&self.opts.source, &contacts, facts, Some(&state))
            .await?;
        self.summary.inserted += outcome.inserted;
        self.summary.duplicates += outcome.duplicates;
        self.newest_line_at = self.newest_line_at.max(newest_line_at);
        self.report_lag();
        // Freeing a chunk's strings is the parser's work too: off the writer's thread.
        tokio::task::spawn_blocking(move || drop(contacts));
        Ok(())
    }

    /// Reads `r` to its current end, committing chunk by chunk while the next chunk is read and
    /// prepared on a blocking thread. Returns false when asked to stop.
    async fn drain(
        &mut self,
        r: &mut Reader,
        on_progress: &mut (dyn FnMut(&ImportSummary) + Send),
    ) -> Result<bool> {
        let file = Arc::new(r.file.try_clone().map_err(io_err(&r.path))?);
        let mut written: Option<Batch> = None;
        loop {
            let parser = self
                .parser
                .take()
                .ok_or_else(|| Error::State("the parser was lost".into()))?;
            let pending = std::mem::take(&mut r.pending);
            let at = r.offset + pending.len() as u64;
            let work = tokio::task::spawn_blocking({
                let (file, chunk, first) = (file.clone(), self.opts.chunk_bytes, r.line_no);
                move || read_and_prepare(parser, &file, pending, at, chunk, first)
            });
            let done = match written.take() {
                Some(b) => {
                    let at = b.line_no;
                    self.commit(r, b).await.map(|()| Some(at))
                }
                None => Ok(None),
            };
            let (parser, rest, step) = work
                .await
                .map_err(|e| Error::State(format!("the parser failed: {e}")))?;
            self.parser = Some(parser);
            r.pending = rest;
            let step = step.map_err(io_err(&r.path))?;
            let committed_at = done?;
            // The chunk just prepared is the parser's state now: it is written even when the
            // run stops here.
            if let Some(prepared) = step.prepared {
                r.offset += step.end as u64;
                r.line_no += step.lines;
                written = Some(Batch {
                    prepared,
                    offset: r.offset,
                    line_no: r.line_no,
                });
            }
            if let Some(at) = committed_at {
                on_progress(self.snapshot());
                if self.opts.stop_after_lines.is_some_and(|max| at >= max) || self.stopping() {
                    break;
                }
            }
            if written.is_none() && step.read == 0 {
                break;
            }
        }
        match written {
            Some(b) => {
                let at = b.line_no;
                self.commit(r, b).await?;
                on_progress(self.snapshot());
                Ok(self.opts.stop_after_lines.is_none_or(|max| at < max) && !self.stopping())
            }
            None => Ok(
                self.opts.stop_after_lines.is_none_or(|max| r.line_no < max) && !self.stopping()
            ),
        }
    }
}

/// What the blocking side made of one read.
struct Step {
    /// Bytes read (0: the end of the file for now).
    read: usize,
    /// Bytes of whole lines taken, and how many lines they are.
    end: usize,
    lines: u64,
    /// None when the bytes hold no whole line yet.
    prepared: Option<Prepared>,
}

/// A chunk's calls ready for the ledger, with the parser's state after it.
struct Prepared {
    contacts: Vec<NewContact>,
    facts: Vec<CallFact>,
    /// The calls open after the chunk, as JSON.
    open: String,
    /// The agents after the chunk, as JSON.
    agents: String,
    /// The time of the newest line parsed so far (microseconds).
    newest_line_at: Option<i64>,
}

/// Reads up to `chunk` bytes at `at` after the `pending` ones, and prepares the whole lines:
/// parsed, assembled into calls, turned into contacts; the parser's state as JSON. Returns the
/// parser and the bytes after the last whole line. Runs on a blocking thread, so that the
/// writer only writes.
fn read_and_prepare(
    mut parser: Parser,
    file: &File,
    mut pending: Vec<u8>,
    at: u64,
    chunk: usize,
    first_line: u64,
) -> (Parser, Vec<u8>, std::io::Result<Step>) {
    let start = pending.len();
    pending.resize(start + chunk, 0);
    let read = match file.read_at(&mut pending[start..], at) {
        Ok(n) => n,
        Err(e) => {
            pending.truncate(start);
            return (parser, pending, Err(e));
        }
    };
    pending.truncate(start + read);
    let end = pending
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    if end == 0 {
        let step = Step {
            read,
            end,
            lines: 0,
            prepared: None,
        };
        return (parser, pending, Ok(step));
    }
    let rest = pending[end..].to_vec();
    pending.truncate(end);
    let lines = pending.iter().filter(|&&b| b == b'\n').count() as u64;
    let calls = parser.parse(&pending, first_line);
    drop(pending);
    let (contacts, facts) = parser.ledger_rows(&calls);
    drop(calls);
    let open = match serde_json::to_string(&parser.assembler.open_calls()) {
        Ok(open) => open,
        Err(e) => return (parser, rest, Err(std::io::Error::other(e))),
    };
    let agents = parser.assembler.agents.to_json();
    let prepared = Prepared {
        contacts,
        facts,
        open,
        agents,
        newest_line_at: parser.newest_line_at,
    };
    let step = Step {
        read,
        end,
        lines,
        prepared: Some(prepared),
    };
    (parser, rest, Ok(step))
}

/// A contact of the ledger from a call.
pub fn to_contact(c: &Call, line: Line) -> NewContact {
    let answered = matches!(c.end, CallEnd::Answered | CallEnd::Transferred);
    NewContact {
        external_id: c.external_id(),
        channel: line.channel(),
        started_at: c.entered,
        ended_at: Some(c.ended),
        segment: None,
        customer: None,
        territory: None,
        wait_seconds: Some(c.wait_seconds),
        handle_seconds: answered.then_some(c.talk_seconds),
        reason: None,
        outcome: Some(match c.end {
            CallEnd::Answered => Outcome::Resolved,
            CallEnd::Transferred => Outcome::Transferred,
            CallEnd::Abandoned => Outcome::Abandoned,
            // The ledger's outcomes have no "left the queue": it is an exit like a timeout.
            CallEnd::TimedOut | CallEnd::Left => Outcome::TimedOut,
        }),
        branch: None,
        line: Some(line.name().to_string()),
        agent: c.agent.clone(),
    }
}

/// The channel of a line (re-exported for callers that only know the store's types).
pub fn channel_of(line: Line) -> Channel {
    line.channel()
}

/// Imports (or follows) a queue_log. `on_progress` is called after every commit.
pub async fn import_queue_log(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    on_progress: &mut (dyn FnMut(&ImportSummary) + Send),
) -> Result<ImportSummary> {
    let started = Instant::now();
    let saved = store.calls().follow_state(&opts.source).await?;
    let open: Vec<OpenCall> = match &saved {
        Some(s) if !s.open_calls.is_empty() => serde_json::from_str(&s.open_calls)
            .map_err(|e| Error::State(format!("the saved open calls are not readable: {e}")))?,
        _ => Vec::new(),
    };
    let mut assembler = Assembler::with_open(open);
    if let Some(s) = &saved {
        assembler.agents = Agents::from_json(&s.agents)
            .map_err(|e| Error::State(format!("the saved agents are not readable: {e}")))?;
    }
    let mut imp = Importer {
        store,
        opts,
        parser: Some(Parser {
            assembler,
            seen: ImportSummary::default(),
            settings: opts.settings.clone(),
            lines_of: HashMap::new(),
            newest_line_at: None,
        }),
        summary: ImportSummary {
            source: opts.source.clone(),
            file: path.display().to_string(),
            ..ImportSummary::default()
        },
        newest_line_at: None,
    };
    let mut reader = wait_for_file(path, opts).await?;
    if let Some(s) = &saved {
        let same =
            reader.identity.as_deref() == Some(s.identity.as_str()) && !s.identity.is_empty();
        if same && reader.file.metadata().map_err(io_err(path))?.len() >= s.offset as u64 {
            reader.offset = s.offset as u64;
            reader.line_no = s.line_no as u64;
            imp.summary.resumed_after_line = Some(reader.line_no);
        } else if s.offset > 0 {
            // Rotated while no follower ran: finish the old file if it is still around.
            match find_rotated(path, &s.identity) {
                Some(old) => {
                    let mut r = Reader::open(&old, s.offset as u64, s.line_no as u64)?;
                    imp.summary.resumed_after_line = Some(r.line_no);
                    if !imp.drain(&mut r, on_progress).await? {
                        return Ok(finish(imp, started));
                    }
                    imp.summary.rotations += 1;
                }
                None => imp.summary.lost_rotated_rest = true,
            }
        }
    }
    let mut idle_since = Instant::now();
    loop {
        let before = reader.offset + reader.pending.len() as u64;
        if !imp.drain(&mut reader, on_progress).await? {
            break;
        }
        if reader.offset + reader.pending.len() as u64 > before {
            idle_since = Instant::now();
        }
        if !opts.follow {
            if !reader.pending.is_empty() {
                let tail = reader.pending.clone();
                imp.parser_mut()?
                    .seen
                    .malformed(reader.line_no + 1, Malformed::Truncated, &tail);
            }
            break;
        }
        // At the end: rotated, cut short, or just quiet?
        match std::fs::metadata(path) {
            Ok(meta) if meta.dev() as i64 != reader.device || meta.ino() as i64 != reader.inode => {
                // One more read of the old file: lines written before the rename.
                if !imp.drain(&mut reader, on_progress).await? {
                    break;
                }
                if !reader.pending.is_empty() {
                    let tail = std::mem::take(&mut reader.pending);
                    imp.parser_mut()?.seen.malformed(
                        reader.line_no + 1,
                        Malformed::Truncated,
                        &tail,
                    );
                }
                reader = Reader::open(path, 0, 0)?;
                imp.summary.rotations += 1;
                idle_since = Instant::now();
                continue;
            }
            Ok(meta) if meta.len() < reader.offset => {
                reader = Reader::open(path, 0, 0)?;
                imp.summary.rotations += 1;
                idle_since = Instant::now();
                continue;
            }
            _ => {}
        }
        if opts.idle_exit.is_some_and(|d| idle_since.elapsed() >= d) || imp.stopping() {
            break;
        }
        imp.report_lag();
        tokio::time::sleep(Duration::from_millis(opts.settings.poll_millis.max(1))).await;
    }
    Ok(finish(imp, started))
}

fn finish(mut imp: Importer<'_>, started: Instant) -> ImportSummary {
    imp.snapshot();
    imp.summary.seconds = started.elapsed().as_secs_f64();
    imp.summary
}

/// Opens the file; when following, waits for it to appear.
async fn wait_for_file(path: &Path, opts: &ImportOptions) -> Result<Reader> {
    let started = Instant::now();
    loop {
        match Reader::open(path, 0, 0) {
            Ok(r) => return Ok(r),
            Err(Error::Io(_, e)) if opts.follow && e.kind() == std::io::ErrorKind::NotFound => {
                if opts.idle_exit.is_some_and(|d| started.elapsed() >= d) {
                    return Err(Error::Io(path.display().to_string(), e));
                }
                tokio::time::sleep(Duration::from_millis(opts.settings.poll_millis.max(1))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// `FILE.1` or `FILE.0` when its first line hashes to `identity`.
fn find_rotated(path: &Path, identity: &str) -> Option<PathBuf> {
    [".1", ".0"].iter().find_map(|suffix| {
        let candidate = PathBuf::from(format!("{}{suffix}", path.display()));
        let file = File::open(&candidate).ok()?;
        (identity_of(&file).ok()??.as_str() == identity).then_some(candidate)
    })
}
