//! Call events pushed by a telephone system (`POST /api/v1/calls/events`), modelled on Zammad's
//! generic CTI API: `newCall`, `answer`, `hangup` for a `callId`.
//!
//! There is one call assembly: each event is written as the queue_log line it stands for
//! (`newCall` → `ENTERQUEUE`, `answer` → `CONNECT`, `hangup` → `COMPLETECALLER` when answered,
//! `BLINDTRANSFER` when answered and forwarded, otherwise `ABANDON`, `EXITWITHTIMEOUT` or
//! `EXITEMPTY` by its cause) and fed to the same [`Assembler`] the queue_log import uses, resumed
//! with the call's open entry. The call in flight lives in the store (`cti_calls`, see
//! `canali_store::cti`): it survives a restart, every server process sees it, and an event is
//! written only if the entry is still as it was read, so two servers never count a call twice.
//! A repeated event (same callId, queue and event) changes nothing.

use crate::assemble::{Assembler, Call, OpenCall};
use crate::follow::to_contact;
use crate::queue_log::parse_line;
use crate::settings::{CallCenterSettings, Line};
use crate::{Error, Result};
use canali_store::calls::{CallEnd, CallFact};
use canali_store::cti::{CtiCall, KEEP_MICROS};
use canali_store::{Store, contact_id};
use std::collections::BTreeSet;

/// The ledger source of pushed calls.
pub const SOURCE: &str = "cti";
/// A pushed call not ended this long after it entered is no longer shown as in flight (its
/// hang-up was lost).
pub const IN_FLIGHT_MICROS: i64 = 4 * 3600 * 1_000_000;
/// An agent who answered a pushed call counts as logged in for this long after the answer (and
/// while on the call): the CTI events carry no logins.
pub const AGENT_SEEN_MICROS: i64 = 3600 * 1_000_000;
/// The most characters of `callId` (Zammad's limit) and of the other text fields.
pub const MAX_CALL_ID: usize = 250;
pub const MAX_TEXT: usize = 200;
/// How often an event is tried again when another writer changed its call meanwhile.
const ATTEMPTS: usize = 8;

/// The three events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NewCall,
    Answer,
    Hangup,
}

impl Kind {
    pub const NAMES: &'static str = "newCall, answer, hangup";

    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim() {
            "newCall" => Some(Kind::NewCall),
            "answer" => Some(Kind::Answer),
            "hangup" => Some(Kind::Hangup),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::NewCall => "newCall",
            Kind::Answer => "answer",
            Kind::Hangup => "hangup",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim() {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

/// Why a call was hung up (Zammad's causes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    NormalClearing,
    Busy,
    Cancel,
    NoAnswer,
    Congestion,
    NotFound,
    Forwarded,
}

impl Cause {
    pub const NAMES: &'static str =
        "normalClearing, busy, cancel, noAnswer, congestion, notFound, forwarded";

    pub fn parse(s: &str) -> Option<Cause> {
        Some(match s.trim() {
            "normalClearing" => Cause::NormalClearing,
            "busy" => Cause::Busy,
            "cancel" => Cause::Cancel,
            "noAnswer" => Cause::NoAnswer,
            "congestion" => Cause::Congestion,
            "notFound" => Cause::NotFound,
            "forwarded" => Cause::Forwarded,
            _ => return None,
        })
    }
}

/// One pushed event, its fields checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtiEvent {
    pub kind: Kind,
    pub call_id: String,
    pub direction: Direction,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The queue; a `newCall` without one takes the number called (`to`).
    pub queue: Option<String>,
    /// The agent (`user`, or Zammad's `answeringNumber`).
    pub user: Option<String>,
    pub cause: Option<Cause>,
    /// When it happened, microseconds (the event's `time`, or when it arrived).
    pub time: i64,
}

/// What is wrong with a text field, if anything: the one rule for text (canali_domain::text:
/// no control characters) with this field's own length, and since it becomes part of a
/// queue_log line, no `|`.
pub fn text_fault(value: &str, max: usize) -> Option<String> {
    use canali_domain::text::{TextFault, TextKind};
    let chars = value.chars().count();
    if chars > max {
        return Some(TextFault::TooLong { chars, max }.reason());
    }
    // At most `max` (below a line's length): only a control character can be wrong here.
    if let Some(fault) = canali_domain::text::text_fault(value, TextKind::Line) {
        return Some(fault.reason());
    }
    if value.contains('|') {
        return Some("contains '|', which separates the fields of a queue_log line".into());
    }
    None
}

/// Where a pushed call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Answered,
    Ended,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Answered => "answered",
            Status::Ended => "ended",
        }
    }

    fn of(row: &CtiCall) -> Status {
        if row.ended_at.is_some() {
            Status::Ended
        } else if row.answered_at.is_some() {
            Status::Answered
        } else {
            Status::Waiting
        }
    }
}

/// The ledger contact a call became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedCall {
    pub contact_id: i64,
    pub external_id: String,
    pub end: CallEnd,
    pub wait_seconds: i64,
    pub talk_seconds: i64,
    pub agent: Option<String>,
}

/// What an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The event had been taken already: nothing changed.
    pub duplicate: bool,
    /// An outbound call: not a queue call, nothing recorded.
    pub ignored: bool,
    pub queue: Option<String>,
    pub line: Option<Line>,
    pub status: Option<Status>,
    /// Set by the `hangup` that ended the call.
    pub ended: Option<EndedCall>,
}

fn refused(field: &'static str, message: String) -> Error {
    Error::CallState { field, message }
}

/// `secs.micros`, as a queue_log line's time.
fn epoch(micros: i64) -> String {
    format!(
        "{}.{:06}",
        micros.div_euclid(1_000_000),
        micros.rem_euclid(1_000_000)
    )
}

/// Feeds one queue_log line to an assembler resumed with `open`; the calls that ended.
fn feed(asm: &mut Assembler, line: &str) -> Result<Vec<Call>> {
    let record = parse_line(line.as_bytes())
        .map_err(|why| Error::Invalid(format!("the event makes no queue_log line: {why}")))?;
    let mut out = Vec::new();
    asm.feed(&record, &mut out);
    Ok(out)
}

fn open_of(row: &CtiCall) -> Result<OpenCall> {
    serde_json::from_str(&row.open_call)
        .map_err(|e| Error::State(format!("the pushed call's saved entry: {e}")))
}

/// The entry an `answer` or `hangup` is about: the one of its queue, or without a queue the
/// latest still in flight (else the latest).
fn pick<'a>(rows: &'a [CtiCall], ev: &CtiEvent) -> Result<&'a CtiCall> {
    if rows.is_empty() {
        return Err(refused(
            "callId",
            format!(
                "'{}' is not a call in progress: no newCall was received for it",
                ev.call_id
            ),
        ));
    }
    if let Some(q) = &ev.queue {
        return rows.iter().find(|r| &r.queue == q).ok_or_else(|| {
            refused(
                "queue",
                format!("call '{}' did not enter queue '{q}'", ev.call_id),
            )
        });
    }
    Ok(rows
        .iter()
        .rev()
        .find(|r| r.ended_at.is_none())
        .unwrap_or_else(|| rows.last().expect("not empty")))
}

fn duplicate(row: &CtiCall, settings: &CallCenterSettings) -> Applied {
    Applied {
        duplicate: true,
        ignored: false,
        queue: Some(row.queue.clone()),
        line: Some(settings.line_of(&row.queue)),
        status: Some(Status::of(row)),
        ended: None,
    }
}

/// Takes one event: the call's entry is read, the event assembled as its queue_log line, and
/// the entry written back (with the ledger contact and the calls rollup when the call ended)
/// only if no other writer changed it meanwhile; otherwise it is read again and retried.
pub async fn apply(
    store: &Store,
    settings: &CallCenterSettings,
    ev: &CtiEvent,
    now: i64,
) -> Result<Applied> {
    if ev.direction == Direction::Out {
        return Ok(Applied {
            duplicate: false,
            ignored: true,
            queue: None,
            line: None,
            status: None,
            ended: None,
        });
    }
    for _ in 0..ATTEMPTS {
        let rows = store.calls().cti(SOURCE, &ev.call_id).await?;
        let (row, contacts, facts, ended) = match ev.kind {
            Kind::NewCall => {
                let queue = ev.queue.clone().or_else(|| ev.to.clone()).ok_or_else(|| {
                    Error::Invalid("a newCall needs its queue (or the number called, to)".into())
                })?;
                if let Some(row) = rows.iter().find(|r| r.queue == queue) {
                    return Ok(duplicate(row, settings));
                }
                store.calls().prune_cti(now - KEEP_MICROS).await?;
                let mut asm = Assembler::default();
                feed(
                    &mut asm,
                    &format!(
                        "{}|{}|{queue}|NONE|ENTERQUEUE||{}|",
                        epoch(ev.time),
                        ev.call_id,
                        ev.from.as_deref().unwrap_or("")
                    ),
                )?;
                let open = asm
                    .open_calls()
                    .pop()
                    .ok_or_else(|| Error::State("the newCall opened no call".into()))?;
                let row = CtiCall {
                    source: SOURCE.into(),
                    call_id: ev.call_id.clone(),
                    queue,
                    events: Kind::NewCall.name().into(),
                    open_call: serde_json::to_string(&open)
                        .map_err(|e| Error::State(e.to_string()))?,
                    agent: None,
                    entered_at: open.entered,
                    answered_at: None,
                    ended_at: None,
                    version: 1,
                    updated_at: now,
                };
                (row, Vec::new(), Vec::new(), None)
            }
            Kind::Answer | Kind::Hangup => {
                let row = pick(&rows, ev)?;
                if row.has(ev.kind.name()) {
                    return Ok(duplicate(row, settings));
                }
                if row.ended_at.is_some() {
                    return Err(refused(
                        "event",
                        format!(
                            "call '{}' already hung up without being answered",
                            ev.call_id
                        ),
                    ));
                }
                if ev.time < row.entered_at {
                    return Err(refused(
                        "time",
                        format!("is before the call's newCall ({})", epoch(row.entered_at)),
                    ));
                }
                let open = open_of(row)?;
                let answered = open.connected.is_some();
                let mut asm = Assembler::with_open(vec![open]);
                let (event, agent) = match ev.kind {
                    Kind::Answer => ("CONNECT", ev.user.as_deref().unwrap_or("NONE")),
                    _ => (
                        match (answered, ev.cause) {
                            (true, Some(Cause::Forwarded)) => "BLINDTRANSFER",
                            (true, _) => "COMPLETECALLER",
                            (false, Some(Cause::NoAnswer)) => "EXITWITHTIMEOUT",
                            (
                                false,
                                Some(
                                    Cause::Busy
                                    | Cause::Congestion
                                    | Cause::NotFound
                                    | Cause::Forwarded,
                                ),
                            ) => "EXITEMPTY",
                            (false, _) => "ABANDON",
                        },
                        "NONE",
                    ),
                };
                let calls = feed(
                    &mut asm,
                    &format!(
                        "{}|{}|{}|{agent}|{event}",
                        epoch(ev.time),
                        ev.call_id,
                        row.queue
                    ),
                )?;
                let mut next = row.clone();
                next.events = format!("{} {}", row.events, ev.kind.name());
                next.version = row.version + 1;
                next.updated_at = now;
                match calls.into_iter().next() {
                    None => {
                        let open = asm
                            .open_calls()
                            .pop()
                            .ok_or_else(|| Error::State("the answer lost its call".into()))?;
                        next.open_call = serde_json::to_string(&open)
                            .map_err(|e| Error::State(e.to_string()))?;
                        next.agent.clone_from(&open.agent);
                        next.answered_at = open.connected;
                        (next, Vec::new(), Vec::new(), None)
                    }
                    Some(call) => {
                        let line = settings.line_of(&call.queue);
                        let contact = to_contact(&call, line);
                        let fact = CallFact {
                            channel: line.channel(),
                            started_at: call.entered,
                            end: call.end,
                            wait_seconds: call.wait_seconds,
                            talk_seconds: call.talk_seconds,
                        };
                        next.open_call.clear();
                        next.agent.clone_from(&call.agent);
                        next.ended_at = Some(call.ended);
                        let ended = EndedCall {
                            contact_id: contact_id(SOURCE, &contact.external_id),
                            external_id: contact.external_id.clone(),
                            end: call.end,
                            wait_seconds: call.wait_seconds,
                            talk_seconds: call.talk_seconds,
                            agent: call.agent,
                        };
                        (next, vec![contact], vec![fact], Some(ended))
                    }
                }
            }
        };
        if store
            .calls()
            .save_cti(&row, &contacts, facts)
            .await?
            .is_some()
        {
            return Ok(Applied {
                duplicate: false,
                ignored: false,
                line: Some(settings.line_of(&row.queue)),
                status: Some(Status::of(&row)),
                queue: Some(row.queue),
                ended,
            });
        }
    }
    Err(Error::State(format!(
        "call '{}' kept changing under concurrent events; send the event again",
        ev.call_id
    )))
}

/// The pushed calls now, for the wallboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Live {
    /// Calls waiting for an agent: (line, entered at).
    pub waiting: Vec<(Line, i64)>,
    /// Agents who answered a pushed call lately or are on one: (line, name).
    pub agents: BTreeSet<(Line, String)>,
    /// The last event written, microseconds.
    pub latest: Option<i64>,
}

/// The pushed calls in flight and the agents seen answering, at `now`.
pub async fn live(store: &Store, settings: &CallCenterSettings, now: i64) -> Result<Live> {
    let since = now - IN_FLIGHT_MICROS.max(AGENT_SEEN_MICROS);
    let mut out = Live::default();
    for row in store.calls().cti_live(since).await? {
        out.latest = out.latest.max(Some(row.updated_at));
        let in_flight = row.ended_at.is_none() && row.entered_at >= now - IN_FLIGHT_MICROS;
        let line = settings.line_of(&row.queue);
        if in_flight && row.answered_at.is_none() {
            out.waiting.push((line, row.entered_at));
        }
        if let (Some(agent), Some(answered)) = (&row.agent, row.answered_at)
            && (in_flight || answered >= now - AGENT_SEEN_MICROS)
        {
            out.agents.insert((line, agent.clone()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canali_store::testing::fresh_stores;

    const T0: i64 = 1_299_000_000_000_000;

    fn ev(kind: Kind, call_id: &str, secs: i64) -> CtiEvent {
        CtiEvent {
            kind,
            call_id: call_id.into(),
            direction: Direction::In,
            from: Some("0512345678".into()),
            to: Some("800999500".into()),
            queue: (kind == Kind::NewCall).then(|| "coda-business".into()),
            user: None,
            cause: None,
            time: T0 + secs * 1_000_000,
        }
    }

    #[tokio::test]
    async fn pushed_events_become_calls_like_queue_log_lines() {
        let settings = CallCenterSettings::default();
        for ts in fresh_stores().await.unwrap() {
            let s = &ts.store;
            let now = T0 + 3_600_000_000;
            let a = apply(s, &settings, &ev(Kind::NewCall, "k1", 0), now)
                .await
                .unwrap();
            assert_eq!(
                (a.line, a.status, a.duplicate),
                (Some(Line::Business), Some(Status::Waiting), false)
            );
            let again = apply(s, &settings, &ev(Kind::NewCall, "k1", 5), now)
                .await
                .unwrap();
            assert!(again.duplicate);
            let live = live(s, &settings, T0 + 60_000_000).await.unwrap();
            assert_eq!(live.waiting, [(Line::Business, T0)]);
            let mut answer = ev(Kind::Answer, "k1", 25);
            answer.user = Some("anna".into());
            let a = apply(s, &settings, &answer, now).await.unwrap();
            assert_eq!(a.status, Some(Status::Answered));
            let live = super::live(s, &settings, T0 + 60_000_000).await.unwrap();
            assert!(live.waiting.is_empty());
            assert!(live.agents.contains(&(Line::Business, "anna".to_string())));
            let a = apply(s, &settings, &ev(Kind::Hangup, "k1", 145), now)
                .await
                .unwrap();
            let ended = a.ended.unwrap();
            assert_eq!(
                (ended.end, ended.wait_seconds, ended.talk_seconds),
                (CallEnd::Answered, 25, 120),
                "{}",
                ts.name
            );
            assert_eq!(ended.external_id, "k1/coda-business/1299000000");
            let again = apply(s, &settings, &ev(Kind::Hangup, "k1", 150), now)
                .await
                .unwrap();
            assert!(again.duplicate && again.ended.is_none());

            // Not answered: the cause says how it left the queue.
            for (id, cause, end) in [
                ("k2", None, CallEnd::Abandoned),
                ("k3", Some(Cause::NoAnswer), CallEnd::TimedOut),
                ("k4", Some(Cause::Busy), CallEnd::Left),
            ] {
                apply(s, &settings, &ev(Kind::NewCall, id, 0), now)
                    .await
                    .unwrap();
                let mut h = ev(Kind::Hangup, id, 30);
                h.cause = cause;
                let ended = apply(s, &settings, &h, now).await.unwrap().ended.unwrap();
                assert_eq!((ended.end, ended.wait_seconds), (end, 30));
            }
            let day = canali_domain::Day::of_micros(T0);
            let rows = s.calls().daily(None, day, day).await.unwrap();
            let t = rows[0].totals;
            assert_eq!(
                (
                    t.offered,
                    t.answered,
                    t.abandoned,
                    t.timed_out,
                    t.left_queue
                ),
                (4, 1, 1, 1, 1),
                "{}",
                ts.name
            );

            // Refused: an answer or hang-up of a call never entered, an answer after the end.
            let e = apply(s, &settings, &ev(Kind::Hangup, "nope", 1), now)
                .await
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::CallState {
                        field: "callId",
                        ..
                    }
                ),
                "{e}"
            );
            let e = apply(s, &settings, &ev(Kind::Answer, "k2", 40), now)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::CallState { field: "event", .. }), "{e}");
            apply(s, &settings, &ev(Kind::NewCall, "k5", 100), now)
                .await
                .unwrap();
            let e = apply(s, &settings, &ev(Kind::Answer, "k5", 50), now)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::CallState { field: "time", .. }), "{e}");
            // Outbound calls are not queue calls.
            let mut out = ev(Kind::NewCall, "o1", 0);
            out.direction = Direction::Out;
            assert!(apply(s, &settings, &out, now).await.unwrap().ignored);
            assert!(s.calls().cti(SOURCE, "o1").await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn concurrent_copies_of_an_event_count_the_call_once() {
        let settings = CallCenterSettings::default();
        for ts in fresh_stores().await.unwrap() {
            let s = &ts.store;
            let now = T0 + 3_600_000_000;
            apply(s, &settings, &ev(Kind::NewCall, "r1", 0), now)
                .await
                .unwrap();
            let hang = ev(Kind::Hangup, "r1", 20);
            let runs = (0..6).map(|_| apply(s, &settings, &hang, now));
            let results = futures_join(runs).await;
            let ended = results
                .iter()
                .filter(|r| r.as_ref().unwrap().ended.is_some())
                .count();
            assert_eq!(ended, 1, "{}", ts.name);
            let day = canali_domain::Day::of_micros(T0);
            let rows = s.calls().daily(None, day, day).await.unwrap();
            assert_eq!(rows[0].totals.offered, 1, "{}", ts.name);
        }
    }

    /// Runs futures concurrently on this task (no extra dependency).
    async fn futures_join<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
        let mut set: Vec<std::pin::Pin<Box<F>>> = futs.map(Box::pin).collect();
        let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (i, f) in set.iter_mut().enumerate() {
                if out[i].is_none() {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => out[i] = Some(v),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        out.into_iter().map(|o| o.expect("ready")).collect()
    }
}
