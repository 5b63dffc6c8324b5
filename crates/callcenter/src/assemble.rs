//! From queue_log events to calls: one call per (callid, queue) entry, with its wait (from the
//! request to speak to an operator, ENTERQUEUE, to CONNECT, or to the hang-up or exit), its talk
//! time and how it ended. A transferred call entering another queue with the same callid is a
//! new entry there.

use crate::agents::Agents;
use crate::queue_log::{Event, Record};
use canali_store::calls::CallEnd;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A call entry still open: entered, maybe answered, not yet ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCall {
    pub callid: String,
    pub queue: String,
    /// When it entered the queue, microseconds.
    pub entered: i64,
    #[serde(default)]
    pub caller: Option<String>,
    /// When an agent answered, microseconds, with the wait the queue logged.
    #[serde(default)]
    pub connected: Option<i64>,
    #[serde(default)]
    pub hold: Option<i64>,
    #[serde(default)]
    pub agent: Option<String>,
    /// Agents rung without answer.
    #[serde(default)]
    pub unanswered_rings: u32,
}

/// A finished call entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub callid: String,
    pub queue: String,
    pub entered: i64,
    pub ended: i64,
    pub caller: Option<String>,
    pub agent: Option<String>,
    pub wait_seconds: i64,
    pub talk_seconds: i64,
    pub end: CallEnd,
    pub unanswered_rings: u32,
}

impl Call {
    /// The ledger key: `callid/queue/entry epoch seconds`.
    pub fn external_id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.callid,
            self.queue,
            self.entered.div_euclid(1_000_000)
        )
    }
}

/// What the assembler saw besides calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AssemblyStats {
    /// Agent and system events (login, pause, queue start...).
    pub agent_events: u64,
    /// Ends (or answers) of calls whose ENTERQUEUE was not seen: built from their parameters.
    pub without_entry: u64,
    /// Entries replaced by a new ENTERQUEUE of the same callid and queue before they ended.
    pub replaced: u64,
    /// RINGNOANSWER / RINGCANCELED events.
    pub rings_unanswered: u64,
}

/// Builds calls from events, in file order.
#[derive(Debug, Default)]
pub struct Assembler {
    open: HashMap<(String, String), OpenCall>,
    pub stats: AssemblyStats,
    /// The agents logged in and paused, from the agent events and the answers seen.
    pub agents: Agents,
}

const MICROS: i64 = 1_000_000;

impl Assembler {
    /// An assembler that resumes with calls left open by an earlier run.
    pub fn with_open(calls: Vec<OpenCall>) -> Assembler {
        Assembler {
            open: calls
                .into_iter()
                .map(|c| ((c.callid.clone(), c.queue.clone()), c))
                .collect(),
            stats: AssemblyStats::default(),
            agents: Agents::default(),
        }
    }

    /// The calls still open, in a stable order (for saving).
    pub fn open_calls(&self) -> Vec<OpenCall> {
        let mut v: Vec<OpenCall> = self.open.values().cloned().collect();
        v.sort_by(|a, b| (a.entered, &a.callid, &a.queue).cmp(&(b.entered, &b.callid, &b.queue)));
        v
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Feeds one event; a call that ends is pushed to `out`.
    pub fn feed(&mut self, r: &Record<'_>, out: &mut Vec<Call>) {
        match r.event {
            Event::EnterQueue => {
                let call = OpenCall {
                    callid: r.callid.to_string(),
                    queue: r.queue.to_string(),
                    entered: r.time,
                    caller: r.caller_id().map(str::to_string),
                    connected: None,
                    hold: None,
                    agent: None,
                    unanswered_rings: 0,
                };
                if self
                    .open
                    .insert((call.callid.clone(), call.queue.clone()), call)
                    .is_some()
                {
                    self.stats.replaced += 1;
                }
            }
            Event::Connect => {
                let hold = r.hold_time();
                let entry = self.entry(r, hold.unwrap_or(0));
                entry.connected = Some(r.time);
                entry.hold = hold.or(Some(((r.time - entry.entered) / MICROS).max(0)));
                entry.agent = non_none(r.agent);
                self.agents.feed(r);
            }
            Event::RingNoAnswer | Event::RingCanceled => {
                self.stats.rings_unanswered += 1;
                if let Some(c) = self
                    .open
                    .get_mut(&(r.callid.to_string(), r.queue.to_string()))
                {
                    c.unanswered_rings += 1;
                }
            }
            Event::CompleteCaller
            | Event::CompleteAgent
            | Event::Transfer
            | Event::BlindTransfer
            | Event::AttendedTransfer => {
                let talk = r.call_time();
                let hold = r.hold_time();
                let before = hold.unwrap_or(0) + talk.unwrap_or(0);
                let mut c = self.take(r, before);
                let connected = c.connected.unwrap_or_else(|| {
                    c.entered
                        + hold.map_or(r.time - talk.unwrap_or(0) * MICROS - c.entered, |h| {
                            h * MICROS
                        })
                });
                let wait = c
                    .hold
                    .or(hold)
                    .unwrap_or(((connected - c.entered) / MICROS).max(0));
                let talk = talk.unwrap_or(((r.time - connected) / MICROS).max(0));
                if c.agent.is_none() {
                    c.agent = non_none(r.agent);
                }
                let end = if matches!(r.event, Event::CompleteCaller | Event::CompleteAgent) {
                    CallEnd::Answered
                } else {
                    CallEnd::Transferred
                };
                out.push(finish(c, r.time, wait, talk, end));
            }
            Event::Abandon | Event::ExitWithTimeout | Event::ExitEmpty | Event::ExitWithKey => {
                let logged = r.wait_time();
                let c = self.take(r, logged.unwrap_or(0));
                let wait = logged.unwrap_or(((r.time - c.entered) / MICROS).max(0));
                let end = match r.event {
                    Event::Abandon => CallEnd::Abandoned,
                    Event::ExitWithTimeout => CallEnd::TimedOut,
                    _ => CallEnd::Left,
                };
                out.push(finish(c, r.time, wait, 0, end));
            }
            e if e.is_agent_or_system() => {
                self.stats.agent_events += 1;
                self.agents.feed(r);
            }
            _ => {}
        }
    }

    /// The open entry of the event's call, created from the event when its ENTERQUEUE was not
    /// seen (`before`: seconds between the entry and this event, as the event tells).
    fn entry(&mut self, r: &Record<'_>, before: i64) -> &mut OpenCall {
        let key = (r.callid.to_string(), r.queue.to_string());
        let stats = &mut self.stats;
        self.open.entry(key).or_insert_with(|| {
            stats.without_entry += 1;
            orphan(r, before)
        })
    }

    fn take(&mut self, r: &Record<'_>, before: i64) -> OpenCall {
        match self
            .open
            .remove(&(r.callid.to_string(), r.queue.to_string()))
        {
            Some(c) => c,
            None => {
                self.stats.without_entry += 1;
                orphan(r, before)
            }
        }
    }
}

fn orphan(r: &Record<'_>, before: i64) -> OpenCall {
    OpenCall {
        callid: r.callid.to_string(),
        queue: r.queue.to_string(),
        // Whole seconds, as an ENTERQUEUE line would have logged it.
        entered: (r.time - before * MICROS).div_euclid(MICROS) * MICROS,
        caller: None,
        connected: None,
        hold: None,
        agent: None,
        unanswered_rings: 0,
    }
}

fn non_none(agent: &str) -> Option<String> {
    (!agent.is_empty() && agent != "NONE").then(|| agent.to_string())
}

fn finish(c: OpenCall, ended: i64, wait: i64, talk: i64, end: CallEnd) -> Call {
    Call {
        callid: c.callid,
        queue: c.queue,
        entered: c.entered,
        // A line stamped before the call's entry (lines written out of order, a clock stepped
        // back) ends the call at its entry, never before it (found by the fuzzer).
        ended: ended.max(c.entered),
        caller: c.caller,
        agent: c.agent,
        wait_seconds: wait.max(0),
        talk_seconds: talk.max(0),
        end,
        unanswered_rings: c.unanswered_rings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue_log::parse_line;

    #[test]
    fn absurd_durations_are_not_figures() {
        // Hold and talk times of 19 digits: taken as absent, not multiplied into an overflow.
        let (calls, _) = run(&[
            "1299486520|c2|residenziale|SIP/201|COMPLETECALLER|9223372036854775807|9223372036854775807|1",
        ]);
        assert_eq!(calls.len(), 1);
        assert!(calls[0].wait_seconds >= 0 && calls[0].talk_seconds >= 0);
    }

    #[test]
    fn a_call_never_ends_before_it_entered() {
        let (calls, _) = run(&[
            "1299486500|c1|residenziale|NONE|ENTERQUEUE||3330001111|1",
            "1299486520|c1|residenziale|SIP/201|CONNECT|20|c1.1|3",
            "1299486100|c1|residenziale|SIP/201|ATTENDEDTRANSFER|BRIDGE|x|20|80|1",
        ]);
        assert_eq!(calls.len(), 1);
        assert!(calls[0].ended >= calls[0].entered, "{:?}", calls[0]);
    }

    fn run(lines: &[&str]) -> (Vec<Call>, Assembler) {
        let mut a = Assembler::default();
        let mut out = Vec::new();
        for l in lines {
            a.feed(&parse_line(l.as_bytes()).unwrap(), &mut out);
        }
        (out, a)
    }

    #[test]
    fn answered_abandoned_and_transferred_calls() {
        let (calls, a) = run(&[
            "100|c1|res|NONE|ENTERQUEUE||051|1",
            "110|c2|res|NONE|ENTERQUEUE||052|2",
            "125|c1|res|SIP/7|RINGNOANSWER|15000",
            "130|c1|res|SIP/8|CONNECT|30|b1|2",
            "150|c2|res|NONE|ABANDON|1|2|40",
            "400|c1|res|SIP/8|BLINDTRANSFER|600|ctx|30|270|1",
            "400|c1|business|NONE|ENTERQUEUE||051|1",
            "405|c1|business|SIP/9|CONNECT|5|b2|1",
            "465|c1|business|SIP/9|COMPLETEAGENT|5|60|1",
            "500|NONE|NONE|SIP/9|PAUSE|lunch",
        ]);
        assert_eq!(calls.len(), 3);
        let c2 = &calls[0];
        assert_eq!(
            (c2.end, c2.wait_seconds, c2.talk_seconds),
            (CallEnd::Abandoned, 40, 0)
        );
        let c1 = &calls[1];
        assert_eq!(
            (
                c1.end,
                c1.wait_seconds,
                c1.talk_seconds,
                c1.agent.as_deref(),
                c1.unanswered_rings
            ),
            (CallEnd::Transferred, 30, 270, Some("SIP/8"), 1)
        );
        assert_eq!(c1.external_id(), "c1/res/100");
        let c1b = &calls[2];
        assert_eq!(
            (c1b.end, c1b.wait_seconds, c1b.talk_seconds),
            (CallEnd::Answered, 5, 60)
        );
        assert_eq!(c1b.external_id(), "c1/business/400");
        assert_eq!(a.open_count(), 0);
        assert_eq!(a.stats.agent_events, 1);
        // The agents seen answering, and the pause.
        assert_eq!(
            a.agents.agents.keys().collect::<Vec<_>>(),
            ["SIP/8", "SIP/9"]
        );
        assert!(a.agents.agents["SIP/9"].paused_all);
    }

    #[test]
    fn ends_without_entry_are_rebuilt_from_their_parameters() {
        let (calls, a) = run(&["1000|x|res|SIP/1|COMPLETECALLER|20|100|1"]);
        assert_eq!(calls[0].entered, 880 * MICROS);
        assert_eq!((calls[0].wait_seconds, calls[0].talk_seconds), (20, 100));
        assert_eq!(a.stats.without_entry, 1);
    }
}
