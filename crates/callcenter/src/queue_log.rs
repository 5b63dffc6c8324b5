//! The Asterisk queue_log: `epoch|callid|queue|agent|event|param1|param2|...`, one event a line.
//!
//! The parser is zero-copy: a [`Record`] borrows its fields from the line, which borrows from the
//! buffer read from the file. It accepts the variants of the format seen across Asterisk
//! versions: parameters missing (older versions log fewer) or extra (newer ones log more), the
//! realtime export whose parameters sit in one `data` field separated by commas, fractional
//! epochs, CRLF line ends. Unknown events (FreePBX's `DID`, `INFO`, ...) parse as
//! [`Event::Other`] and are counted by the caller, not refused.

use canali_domain::text::{TextFault, TextKind, text_fault};
use std::fmt;

/// The most parameters kept from one line; later ones are ignored.
pub const MAX_PARAMS: usize = 8;

/// The queue_log events canali knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The caller entered the queue: `url|callerid|position` (position since 1.8).
    EnterQueue,
    /// An agent answered: `holdtime|bridged channel uniqueid|ringtime`.
    Connect,
    /// The caller hung up after talking: `holdtime|calltime|origposition`.
    CompleteCaller,
    /// The agent hung up after talking: `holdtime|calltime|origposition`.
    CompleteAgent,
    /// The caller hung up while waiting: `position|origposition|waittime`.
    Abandon,
    /// The queue's timeout expired: `position|origposition|waittime` (older: `position`).
    ExitWithTimeout,
    /// No agents could take the call: `position|origposition|waittime`.
    ExitEmpty,
    /// The caller pressed a key to leave: `key|position|origposition|waittime`.
    ExitWithKey,
    /// An agent's phone rang without answer: `ringtime (ms)|...`.
    RingNoAnswer,
    /// The ringing was cancelled (the call went elsewhere): `ringtime (ms)`.
    RingCanceled,
    /// `extension|context|holdtime|calltime|origposition`.
    Transfer,
    /// `extension|context|holdtime|calltime|origposition`.
    BlindTransfer,
    /// `method|data|holdtime|calltime|origposition`; method `LINK` has two data fields.
    AttendedTransfer,
    AgentLogin,
    AgentLogoff,
    AgentCallbackLogin,
    AgentCallbackLogoff,
    AddMember,
    RemoveMember,
    Pause,
    Unpause,
    PauseAll,
    UnpauseAll,
    QueueStart,
    ConfigReload,
    /// Any other event name: kept, counted, otherwise ignored.
    Other,
}

impl Event {
    pub fn from_name(name: &[u8]) -> Event {
        match name {
            b"ENTERQUEUE" => Event::EnterQueue,
            b"CONNECT" => Event::Connect,
            b"COMPLETECALLER" => Event::CompleteCaller,
            b"COMPLETEAGENT" => Event::CompleteAgent,
            b"ABANDON" => Event::Abandon,
            b"EXITWITHTIMEOUT" => Event::ExitWithTimeout,
            b"EXITEMPTY" => Event::ExitEmpty,
            b"EXITWITHKEY" => Event::ExitWithKey,
            b"RINGNOANSWER" => Event::RingNoAnswer,
            b"RINGCANCELED" => Event::RingCanceled,
            b"TRANSFER" => Event::Transfer,
            b"BLINDTRANSFER" => Event::BlindTransfer,
            b"ATTENDEDTRANSFER" => Event::AttendedTransfer,
            b"AGENTLOGIN" => Event::AgentLogin,
            b"AGENTLOGOFF" => Event::AgentLogoff,
            b"AGENTCALLBACKLOGIN" => Event::AgentCallbackLogin,
            b"AGENTCALLBACKLOGOFF" => Event::AgentCallbackLogoff,
            b"ADDMEMBER" => Event::AddMember,
            b"REMOVEMEMBER" => Event::RemoveMember,
            b"PAUSE" => Event::Pause,
            b"UNPAUSE" => Event::Unpause,
            b"PAUSEALL" => Event::PauseAll,
            b"UNPAUSEALL" => Event::UnpauseAll,
            b"QUEUESTART" => Event::QueueStart,
            b"CONFIGRELOAD" => Event::ConfigReload,
            _ => Event::Other,
        }
    }

    /// Agent and system events: they say nothing about a call.
    pub fn is_agent_or_system(self) -> bool {
        matches!(
            self,
            Event::AgentLogin
                | Event::AgentLogoff
                | Event::AgentCallbackLogin
                | Event::AgentCallbackLogoff
                | Event::AddMember
                | Event::RemoveMember
                | Event::Pause
                | Event::Unpause
                | Event::PauseAll
                | Event::UnpauseAll
                | Event::QueueStart
                | Event::ConfigReload
        )
    }
}

/// Why a line was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    NotUtf8,
    /// Fewer than the five fixed fields.
    TooFewFields,
    BadEpoch,
    NoEvent,
    /// The last line of a file that ends without a line end (a write in progress, or a crash).
    Truncated,
    /// A field with a control character (canali_domain::text), at `position` (from 1).
    Control {
        field: &'static str,
        code: u32,
        position: usize,
    },
    /// A field longer than its kind of text allows (canali_domain::text).
    TooLong {
        field: &'static str,
        chars: usize,
        max: usize,
    },
}

impl Malformed {
    fn text(field: &'static str, value: &str, kind: TextKind) -> Result<(), Malformed> {
        match text_fault(value, kind) {
            None => Ok(()),
            Some(TextFault::Control { code, position }) => Err(Malformed::Control {
                field,
                code,
                position,
            }),
            Some(TextFault::TooLong { chars, max }) => {
                Err(Malformed::TooLong { field, chars, max })
            }
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fault = match *self {
            Malformed::Control {
                field,
                code,
                position,
            } => (field, TextFault::Control { code, position }),
            Malformed::TooLong { field, chars, max } => (field, TextFault::TooLong { chars, max }),
            Malformed::NotUtf8 => return f.write_str("not valid UTF-8"),
            Malformed::TooFewFields => {
                return f.write_str("fewer than 5 fields (epoch|callid|queue|agent|event)");
            }
            Malformed::BadEpoch => return f.write_str("the time is not a Unix epoch"),
            Malformed::NoEvent => return f.write_str("no event name"),
            Malformed::Truncated => return f.write_str("truncated: no end of line"),
        };
        write!(f, "the {} {}", fault.0, fault.1.reason())
    }
}

/// One parsed line, borrowing from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Microseconds since the epoch.
    pub time: i64,
    pub callid: &'a str,
    pub queue: &'a str,
    pub agent: &'a str,
    pub event: Event,
    pub event_name: &'a str,
    params: [&'a str; MAX_PARAMS],
    n_params: u8,
}

impl<'a> Record<'a> {
    /// The `i`-th parameter (0-based), `None` when absent or empty.
    pub fn param(&self, i: usize) -> Option<&'a str> {
        (i < usize::from(self.n_params))
            .then(|| self.params[i])
            .filter(|s| !s.is_empty())
    }

    pub fn n_params(&self) -> usize {
        usize::from(self.n_params)
    }

    /// The `i`-th parameter as a non-negative integer, `None` when absent, not a number, or
    /// beyond any real duration, position or count (over a billion: seconds of 31 years), so
    /// that arithmetic on waits and talk times cannot overflow (found by the fuzzer).
    pub fn int(&self, i: usize) -> Option<i64> {
        self.param(i)
            .and_then(|s| parse_uint(s.as_bytes()))
            .filter(|&v| v <= MAX_PARAM)
    }

    /// Seconds waited in the queue before an agent answered (CONNECT, COMPLETE*, transfers).
    pub fn hold_time(&self) -> Option<i64> {
        match self.event {
            Event::Connect | Event::CompleteCaller | Event::CompleteAgent => self.int(0),
            Event::Transfer | Event::BlindTransfer => self.int(2),
            Event::AttendedTransfer => self.int(self.transfer_base()),
            _ => None,
        }
    }

    /// Seconds of conversation (COMPLETE*, transfers).
    pub fn call_time(&self) -> Option<i64> {
        match self.event {
            Event::CompleteCaller | Event::CompleteAgent => self.int(1),
            Event::Transfer | Event::BlindTransfer => self.int(3),
            Event::AttendedTransfer => self.int(self.transfer_base() + 1),
            _ => None,
        }
    }

    /// Seconds waited before leaving the queue without an agent.
    pub fn wait_time(&self) -> Option<i64> {
        match self.event {
            Event::Abandon | Event::ExitWithTimeout | Event::ExitEmpty => self.int(2),
            Event::ExitWithKey => self.int(3),
            _ => None,
        }
    }

    /// The caller's position in the queue (ENTERQUEUE: where it entered; exits: where it left).
    pub fn position(&self) -> Option<i64> {
        match self.event {
            Event::EnterQueue => self.int(2),
            Event::Abandon | Event::ExitWithTimeout | Event::ExitEmpty => self.int(0),
            Event::ExitWithKey => self.int(1),
            _ => None,
        }
    }

    /// The caller id given at ENTERQUEUE.
    pub fn caller_id(&self) -> Option<&'a str> {
        (self.event == Event::EnterQueue)
            .then(|| self.param(1))
            .flatten()
    }

    /// ATTENDEDTRANSFER: `LINK` carries two channels before the times, the others one datum.
    fn transfer_base(&self) -> usize {
        if self.param(0) == Some("LINK") { 3 } else { 2 }
    }
}

/// Parses digits only: no sign, at most 18 digits.
fn parse_uint(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(b - b'0');
    }
    Some(v)
}

/// `1300000000` or `1300000000.123456` as microseconds.
fn parse_epoch(s: &[u8]) -> Option<i64> {
    let (whole, frac) = match s.iter().position(|&b| b == b'.') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &[][..]),
    };
    let secs = parse_uint(whole)?;
    if secs > 32_503_680_000 {
        return None; // after the year 3000: not an epoch in seconds
    }
    let mut micros = 0;
    let mut scale = 100_000;
    for &b in frac.iter().take(6) {
        if !b.is_ascii_digit() {
            return None;
        }
        micros += i64::from(b - b'0') * scale;
        scale /= 10;
    }
    if frac.iter().skip(6).any(|b| !b.is_ascii_digit()) {
        return None;
    }
    Some(secs * 1_000_000 + micros)
}

/// The largest integer parameter taken as a figure (see [`Record::int`]).
const MAX_PARAM: i64 = 1_000_000_000;

/// Parses one line (without its line end; a trailing `\r` is dropped).
pub fn parse_line(line: &[u8]) -> Result<Record<'_>, Malformed> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| Malformed::NotUtf8)?;
    let mut fields = text.split('|');
    let epoch = fields.next().ok_or(Malformed::TooFewFields)?;
    let (Some(callid), Some(queue), Some(agent), Some(event_name)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(Malformed::TooFewFields);
    };
    let time = parse_epoch(epoch.trim().as_bytes()).ok_or(Malformed::BadEpoch)?;
    let event_name = event_name.trim();
    if event_name.is_empty() {
        return Err(Malformed::NoEvent);
    }
    // The one rule for text: no control characters, a length by kind.
    Malformed::text("callid", callid, TextKind::Code)?;
    Malformed::text("queue", queue, TextKind::Code)?;
    Malformed::text("agent", agent, TextKind::Name)?;
    Malformed::text("event", event_name, TextKind::Code)?;
    let event = Event::from_name(event_name.as_bytes());
    let mut params = [""; MAX_PARAMS];
    let mut n = 0;
    for f in fields {
        if n < MAX_PARAMS {
            params[n] = f;
            n += 1;
        }
    }
    // The realtime `data` column exported as one field: `a,b,c`.
    if n == 1
        && params[0].contains(',')
        && !matches!(event, Event::EnterQueue | Event::Pause | Event::Other)
    {
        let joined = params[0];
        n = 0;
        for f in joined.split(',') {
            if n < MAX_PARAMS {
                params[n] = f;
                n += 1;
            }
        }
    }
    for p in &params[..n] {
        Malformed::text("data", p, TextKind::Line)?;
    }
    Ok(Record {
        time,
        callid,
        queue,
        agent,
        event,
        event_name,
        params,
        n_params: n as u8,
    })
}

/// The complete lines of `buf` (those ending in `\n`) with the offset just after each, and the
/// offset where the unfinished tail starts.
pub fn complete_lines(buf: &[u8]) -> (impl Iterator<Item = (&[u8], usize)>, usize) {
    let end = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut pos = 0;
    let body = &buf[..end];
    let iter = std::iter::from_fn(move || {
        if pos >= body.len() {
            return None;
        }
        let rest = &body[pos..];
        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = &rest[..len];
        pos += len + 1;
        Some((line, pos))
    });
    (iter, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_real_format() {
        let r =
            parse_line(b"1300000000|1299999990.12|coda-residenziali|NONE|ENTERQUEUE||0512345678|1")
                .unwrap();
        assert_eq!(r.time, 1_300_000_000_000_000);
        assert_eq!(r.callid, "1299999990.12");
        assert_eq!(r.event, Event::EnterQueue);
        assert_eq!(r.caller_id(), Some("0512345678"));
        assert_eq!(r.position(), Some(1));
        let r = parse_line(b"1300000030|1.2|q|SIP/101|CONNECT|30|1300000030.5|4\r").unwrap();
        assert_eq!((r.hold_time(), r.param(2)), (Some(30), Some("4")));
        let r = parse_line(b"1300000330|1.2|q|SIP/101|COMPLETECALLER|30|300|1").unwrap();
        assert_eq!((r.hold_time(), r.call_time()), (Some(30), Some(300)));
        let r = parse_line(b"1|1.2|q|NONE|ABANDON|2|3|45").unwrap();
        assert_eq!((r.wait_time(), r.position()), (Some(45), Some(2)));
        let r = parse_line(b"1|1.2|q|NONE|EXITWITHKEY|5|2|3|50").unwrap();
        assert_eq!(r.wait_time(), Some(50));
        let r = parse_line(b"1|1.2|q|A|ATTENDEDTRANSFER|LINK|c1|c2|12|60|1").unwrap();
        assert_eq!((r.hold_time(), r.call_time()), (Some(12), Some(60)));
        let r = parse_line(b"1|1.2|q|A|ATTENDEDTRANSFER|BRIDGE|b1|12|60|1").unwrap();
        assert_eq!((r.hold_time(), r.call_time()), (Some(12), Some(60)));
        // Realtime export: one data field.
        let r = parse_line(b"1|1.2|q|A|COMPLETEAGENT|7,80,1").unwrap();
        assert_eq!((r.hold_time(), r.call_time()), (Some(7), Some(80)));
        // Older: fewer parameters.
        let r = parse_line(b"1|1.2|q|NONE|EXITWITHTIMEOUT|3").unwrap();
        assert_eq!((r.position(), r.wait_time()), (Some(3), None));
        let r = parse_line(b"1|1.2|NONE|NONE|DID|800123").unwrap();
        assert_eq!((r.event, r.event_name), (Event::Other, "DID"));
        let r = parse_line(b"1|NONE|NONE|NONE|QUEUESTART").unwrap();
        assert!(r.event.is_agent_or_system());
    }

    #[test]
    fn refuses_what_is_not_a_queue_log_line() {
        assert_eq!(parse_line(b"garbage"), Err(Malformed::TooFewFields));
        assert_eq!(parse_line(b"x|1|q|a|CONNECT"), Err(Malformed::BadEpoch));
        assert_eq!(parse_line(b"1|1|q|a|"), Err(Malformed::NoEvent));
        assert_eq!(parse_line(b"1|1|q|\xff|CONNECT"), Err(Malformed::NotUtf8));
        // The one rule for text (canali_domain::text): no control characters, a length.
        let nul = parse_line(b"1|1|q|a\0b|CONNECT").unwrap_err();
        assert_eq!(
            nul,
            Malformed::Control {
                field: "agent",
                code: 0,
                position: 2
            }
        );
        assert_eq!(
            nul.to_string(),
            "the agent holds the control character U+0000 at character 2; control characters are not allowed"
        );
        assert!(matches!(
            parse_line(b"1|1\x1b|q|a|CONNECT"),
            Err(Malformed::Control {
                field: "callid",
                ..
            })
        ));
        assert!(matches!(
            parse_line(b"1|1|q|a|ENTERQUEUE|x\x7fy|0512345678|1"),
            Err(Malformed::Control { field: "data", .. })
        ));
        let long = format!("1|1|{}|a|CONNECT", "q".repeat(201));
        assert_eq!(
            parse_line(long.as_bytes()),
            Err(Malformed::TooLong {
                field: "queue",
                chars: 201,
                max: 200
            })
        );
        assert_eq!(parse_line(b"-1|1|q|a|CONNECT"), Err(Malformed::BadEpoch));
    }

    #[test]
    fn splits_complete_lines_only() {
        let (lines, end) = complete_lines(b"a\nbb\ncc");
        let v: Vec<_> = lines.collect();
        assert_eq!(v, vec![(&b"a"[..], 2), (&b"bb"[..], 5)]);
        assert_eq!(end, 5);
    }
}
