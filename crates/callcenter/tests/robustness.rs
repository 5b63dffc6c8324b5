//! The parser and the call assembly never panic, whatever the bytes (a proptest stand-in for
//! the cargo-fuzz harness), and reading a file in any chunks gives the same lines.

use canali_callcenter::assemble::Assembler;
use canali_callcenter::queue_log::{complete_lines, parse_line};
use proptest::prelude::*;

const EVENTS: &[&str] = &[
    "ENTERQUEUE",
    "CONNECT",
    "COMPLETECALLER",
    "COMPLETEAGENT",
    "ABANDON",
    "EXITWITHTIMEOUT",
    "EXITEMPTY",
    "EXITWITHKEY",
    "RINGNOANSWER",
    "RINGCANCELED",
    "TRANSFER",
    "BLINDTRANSFER",
    "ATTENDEDTRANSFER",
    "AGENTLOGIN",
    "PAUSE",
    "DID",
    "CONFIGRELOAD",
    "INFO",
];

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100_000).prop_map(|n| n.to_string()),
        "[a-zA-Z0-9/.,-]{0,12}",
        Just(String::new()),
        Just("LINK".to_string()),
        Just("999999999999999999999".to_string()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    (
        0u64..2_000_000_000,
        0u8..6,
        0u8..3,
        proptest::sample::select(EVENTS),
        proptest::collection::vec(field(), 0..10),
    )
        .prop_map(|(t, call, queue, event, params)| {
            let mut s = format!("{t}|c{call}|q{queue}|SIP/1|{event}");
            for p in params {
                s.push('|');
                s.push_str(&p);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_parse_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(r) = parse_line(&bytes) {
            prop_assert!(r.time >= 0);
            prop_assert!(!r.callid.contains('|') && !r.event_name.is_empty());
            for i in 0..r.n_params() {
                let _ = (r.int(i), r.param(i));
            }
            let _ = (r.hold_time(), r.call_time(), r.wait_time(), r.position(), r.caller_id());
        }
    }

    #[test]
    fn any_event_sequence_assembles_sane_calls(lines in proptest::collection::vec(line(), 0..60)) {
        let mut a = Assembler::default();
        let mut out = Vec::new();
        let mut ends = 0;
        for l in &lines {
            let r = parse_line(l.as_bytes()).expect("generated lines are well formed");
            if matches!(
                r.event_name,
                "COMPLETECALLER" | "COMPLETEAGENT" | "ABANDON" | "EXITWITHTIMEOUT" | "EXITEMPTY"
                    | "EXITWITHKEY" | "TRANSFER" | "BLINDTRANSFER" | "ATTENDEDTRANSFER"
            ) {
                ends += 1;
            }
            a.feed(&r, &mut out);
        }
        prop_assert_eq!(out.len(), ends);
        for c in &out {
            prop_assert!(c.wait_seconds >= 0 && c.talk_seconds >= 0);
        }
        // What stays open survives a save and a restore.
        let open = a.open_calls();
        let json = serde_json::to_string(&open).unwrap();
        let back: Vec<canali_callcenter::assemble::OpenCall> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(Assembler::with_open(back).open_calls(), open);
    }

    #[test]
    fn chunks_give_the_same_lines(lines in proptest::collection::vec(line(), 1..30), cuts in proptest::collection::vec(any::<u16>(), 0..6)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let bytes = text.as_bytes();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| usize::from(c) % (bytes.len() + 1)).collect();
        cuts.push(bytes.len());
        cuts.sort_unstable();
        // Read as a follower does: pending bytes grow to each cut, whole lines are consumed.
        let mut pending: Vec<u8> = Vec::new();
        let mut got: Vec<Vec<u8>> = Vec::new();
        let mut read = 0;
        for cut in cuts {
            pending.extend_from_slice(&bytes[read..cut.max(read)]);
            read = cut.max(read);
            let (ls, end) = complete_lines(&pending);
            got.extend(ls.map(|(l, _)| l.to_vec()));
            pending.drain(..end);
        }
        prop_assert!(pending.is_empty());
        let want: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
        prop_assert_eq!(got, want);
    }
}
