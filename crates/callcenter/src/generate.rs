//! A synthetic Asterisk queue_log, deterministic by seed, with the totals a hand count of it
//! gives: for tests (the indicators must agree with it) and benchmarks (millions of lines).
//!
//! Calls arrive on two queues (`coda-residenziali`, `coda-aziende`), events of concurrent calls
//! interleave as in a real log, and the log carries what real ones do besides calls: agent
//! pauses, ring-no-answers, FreePBX's `DID` lines, transfers into another queue under the same
//! callid, and both `COMPLETECALLER` and `COMPLETEAGENT`.

use crate::Line;
use canali_store::calls::{CallEnd, CallTotals};
use std::collections::{BTreeMap, BinaryHeap};
use std::io::Write;

pub const RESIDENTIAL_QUEUE: &str = "coda-residenziali";
pub const BUSINESS_QUEUE: &str = "coda-aziende";

/// What the generated file holds, counted as it was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expected {
    pub lines: u64,
    pub totals: BTreeMap<Line, CallTotals>,
    /// Abandons that waited less than each threshold given, by line.
    pub short_abandons: BTreeMap<Line, i64>,
    pub unknown_events: u64,
    /// Call entries still open at the end of the file.
    pub open: u64,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    // Min-heap by (time, sequence) through Reverse.
    time: std::cmp::Reverse<(i64, u64)>,
    text: String,
}

/// Writes `calls` calls (plus transfers' second entries) starting at `start` (Unix seconds),
/// about one every `mean_gap` seconds. `short_abandon` is the threshold counted in `Expected`.
pub fn write_queue_log(
    out: &mut impl Write,
    calls: u64,
    start: i64,
    mean_gap: u64,
    seed: u64,
    short_abandon: i64,
) -> std::io::Result<Expected> {
    let mut rng = Rng(seed.max(1) ^ 0x9e37_79b9_7f4a_7c15);
    let mut exp = Expected::default();
    let mut heap: BinaryHeap<Pending> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Pending>, time: i64, text: String| {
        seq += 1;
        heap.push(Pending {
            time: std::cmp::Reverse((time, seq)),
            text,
        });
    };
    let count = |exp: &mut Expected, line: Line, end: CallEnd, wait: i64, talk: i64| {
        let f = canali_store::calls::CallFact {
            channel: line.channel(),
            started_at: 0,
            end,
            wait_seconds: wait,
            talk_seconds: talk,
        };
        exp.totals.entry(line).or_default().add(&CallTotals::of(&f));
        if end == CallEnd::Abandoned && wait < short_abandon {
            *exp.short_abandons.entry(line).or_default() += 1;
        }
    };
    let mut t = start;
    writeln!(out, "{t}|NONE|NONE|NONE|QUEUESTART|")?;
    exp.lines += 1;
    for i in 0..calls {
        t += 1 + rng.below(mean_gap.max(1) * 2 - 1) as i64;
        while heap.peek().is_some_and(|p| p.time.0.0 <= t) {
            let p = heap.pop().expect("peeked");
            out.write_all(p.text.as_bytes())?;
            exp.lines += 1;
        }
        let callid = format!("{}.{}", t, i);
        let (queue, line) = if rng.below(5) == 0 {
            (BUSINESS_QUEUE, Line::Business)
        } else {
            (RESIDENTIAL_QUEUE, Line::Residential)
        };
        let caller = format!("05{:08}", rng.below(100_000_000));
        if rng.below(10) == 0 {
            writeln!(
                out,
                "{t}|{callid}|NONE|NONE|DID|800{:06}",
                rng.below(1_000_000)
            )?;
            exp.lines += 1;
            exp.unknown_events += 1;
        }
        writeln!(out, "{t}|{callid}|{queue}|NONE|ENTERQUEUE||{caller}|1")?;
        exp.lines += 1;
        let agent = format!("SIP/{}", 100 + rng.below(60));
        let wait = match rng.below(10) {
            0..=5 => rng.below(40) as i64,
            6..=8 => 40 + rng.below(100) as i64,
            _ => 140 + rng.below(200) as i64,
        };
        let roll = rng.below(100);
        if roll < 72 {
            // Answered, maybe after an agent who did not pick up; maybe transferred.
            if wait > 15 && rng.below(4) == 0 {
                push(
                    &mut heap,
                    t + wait - 10,
                    format!(
                        "{}|{callid}|{queue}|SIP/199|RINGNOANSWER|15000\n",
                        t + wait - 10
                    ),
                );
            }
            let talk = 20 + rng.below(600) as i64;
            let c = t + wait;
            push(
                &mut heap,
                c,
                format!("{c}|{callid}|{queue}|{agent}|CONNECT|{wait}|{c}.{i}|3\n"),
            );
            let e = c + talk;
            if roll < 67 {
                let who = if rng.below(2) == 0 {
                    "COMPLETECALLER"
                } else {
                    "COMPLETEAGENT"
                };
                push(
                    &mut heap,
                    e,
                    format!("{e}|{callid}|{queue}|{agent}|{who}|{wait}|{talk}|1\n"),
                );
                count(&mut exp, line, CallEnd::Answered, wait, talk);
            } else {
                push(
                    &mut heap,
                    e,
                    format!(
                        "{e}|{callid}|{queue}|{agent}|BLINDTRANSFER|600|from-queue|{wait}|{talk}|1\n"
                    ),
                );
                count(&mut exp, line, CallEnd::Transferred, wait, talk);
                // The same callid enters the other line's queue.
                let (q2, l2) = if line == Line::Business {
                    (RESIDENTIAL_QUEUE, Line::Residential)
                } else {
                    (BUSINESS_QUEUE, Line::Business)
                };
                let w2 = rng.below(30) as i64;
                let t2 = 30 + rng.below(200) as i64;
                push(
                    &mut heap,
                    e,
                    format!("{e}|{callid}|{q2}|NONE|ENTERQUEUE||{caller}|1\n"),
                );
                push(
                    &mut heap,
                    e + w2,
                    format!("{}|{callid}|{q2}|SIP/300|CONNECT|{w2}|x|2\n", e + w2),
                );
                push(
                    &mut heap,
                    e + w2 + t2,
                    format!(
                        "{}|{callid}|{q2}|SIP/300|COMPLETECALLER|{w2}|{t2}|1\n",
                        e + w2 + t2
                    ),
                );
                count(&mut exp, l2, CallEnd::Answered, w2, t2);
            }
        } else {
            let e = t + wait;
            let (text, end) = match roll {
                72..=89 => (
                    format!("{e}|{callid}|{queue}|NONE|ABANDON|1|1|{wait}\n"),
                    CallEnd::Abandoned,
                ),
                90..=95 => (
                    format!("{e}|{callid}|{queue}|NONE|EXITWITHTIMEOUT|1|1|{wait}\n"),
                    CallEnd::TimedOut,
                ),
                96..=97 => (
                    format!("{e}|{callid}|{queue}|NONE|EXITEMPTY|1|1|{wait}\n"),
                    CallEnd::Left,
                ),
                _ => (
                    format!("{e}|{callid}|{queue}|NONE|EXITWITHKEY|1|1|1|{wait}\n"),
                    CallEnd::Left,
                ),
            };
            push(&mut heap, e, text);
            count(&mut exp, line, end, wait, 0);
        }
        if i % 500 == 0 {
            writeln!(out, "{t}|NONE|{queue}|{agent}|PAUSE|pausa pranzo")?;
            writeln!(out, "{t}|NONE|{queue}|{agent}|UNPAUSE|")?;
            exp.lines += 2;
        }
    }
    while let Some(p) = heap.pop() {
        out.write_all(p.text.as_bytes())?;
        exp.lines += 1;
    }
    Ok(exp)
}
