//! Any bytes as a queue_log file: split into lines, parsed, and fed to the call assembler and
//! the agents' state as `canali import queue-log` does. Nothing may panic, and every call that
//! comes out must be consistent: it ends after it entered, and its waiting and talk times are
//! not negative.
#![no_main]

use canali_callcenter::agents::Agents;
use canali_callcenter::assemble::Assembler;
use canali_callcenter::queue_log::{complete_lines, parse_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (lines, tail) = complete_lines(data);
    assert!(tail <= data.len());
    let mut assembler = Assembler::with_open(Vec::new());
    let mut agents = Agents::default();
    let mut calls = Vec::new();
    for (line, next) in lines {
        assert!(next <= tail);
        if let Ok(record) = parse_line(line) {
            assembler.feed(&record, &mut calls);
            agents.feed(&record);
        }
    }
    for call in &calls {
        assert!(call.ended >= call.entered, "{call:?}");
        assert!(call.wait_seconds >= 0 && call.talk_seconds >= 0, "{call:?}");
    }
    // The state saved by the follower reads back.
    let saved = agents.to_json();
    assert!(Agents::from_json(&saved).is_ok());
    let _ = assembler.open_calls();
});
