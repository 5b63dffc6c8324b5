//! The queue_log import against real stores (SQLite, and PostgreSQL when CANALI_TEST_POSTGRES
//! is set): a hand-counted file, a generated one read in pieces with stops and restarts, a file
//! with garbage, a follower that is killed, and a followed file that rotates.

use canali_callcenter::follow::{ImportOptions, ImportSummary, import_queue_log};
use canali_callcenter::generate::{Expected, write_queue_log};
use canali_callcenter::{CallCenterSettings, Line, kpi};
use canali_domain::Channel;
use canali_store::Store;
use canali_store::testing::fresh_stores;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// 2011-03-01 08:00 in Rome.
const MARCH_1_8AM: i64 = 1_298_962_800;

fn write(path: &Path, text: &[u8]) {
    std::fs::write(path, text).unwrap();
}

async fn import(store: &Store, path: &Path, opts: &ImportOptions) -> ImportSummary {
    import_queue_log(store, path, opts, &mut |_| {})
        .await
        .unwrap()
}

async fn count_contacts(store: &Store) -> (i64, i64) {
    let mut res = 0;
    let mut bus = 0;
    for r in store
        .figures()
        .monthly_rollup(190001, 299912)
        .await
        .unwrap()
    {
        match r.channel {
            Channel::CallCenterResidential => res += r.contacts,
            Channel::CallCenterBusiness => bus += r.contacts,
            _ => {}
        }
    }
    (res, bus)
}

/// A small log counted by hand: residential queue `600`, business queue `coda-aziende`.
const HAND: &str = "\
1298962800|NONE|NONE|NONE|QUEUESTART|
1298962800|NONE|600|SIP/101|ADDMEMBER|
1298962810|c1|600|NONE|ENTERQUEUE||0511111111|1
1298962812|c2|600|NONE|ENTERQUEUE||0512222222|2
1298962815|c3|coda-aziende|NONE|ENTERQUEUE||0513333333|1
1298962815|c3|NONE|NONE|DID|800123456
1298962830|c1|600|SIP/101|CONNECT|20|1298962830.1|5
1298962817|c2|600|NONE|ABANDON|2|2|5
1298962950|c3|coda-aziende|NONE|ABANDON|1|1|135
1298963130|c1|600|SIP/101|COMPLETECALLER|20|300|1
1298963200|c4|600|NONE|ENTERQUEUE||0514444444|1
1298963240|c4|600|SIP/102|CONNECT|40|x|3
1298963300|c4|600|SIP/102|BLINDTRANSFER|700|from-queue|40|60|1
1298963300|c4|coda-aziende|NONE|ENTERQUEUE||0514444444|1
1298963310|c4|coda-aziende|SIP/201|CONNECT|10|y|2
1298963400|c4|coda-aziende|SIP/201|COMPLETEAGENT|10|90|1
1298963500|c5|600|NONE|ENTERQUEUE||0515555555|1
1298963800|c5|600|NONE|EXITWITHTIMEOUT|1|1|300
1298963900|c6|600|NONE|ENTERQUEUE||0516666666|1
1298963905|c6|600|NONE|EXITWITHKEY|1|1|1|5
1298964000|c7|600|NONE|ENTERQUEUE||0517777777|1
1298964000|NONE|600|SIP/101|PAUSE|lunch
";

#[tokio::test]
async fn a_hand_counted_log_gives_the_hand_counted_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue_log");
    for ts in fresh_stores().await.unwrap() {
        write(&path, HAND.as_bytes());
        let store = &ts.store;
        let opts = ImportOptions::new("asterisk");
        let s = import(store, &path, &opts).await;
        assert_eq!(s.lines, 22, "{}", ts.name);
        assert_eq!(s.calls, 7);
        assert_eq!(s.inserted, 7);
        assert_eq!(s.malformed, 0);
        assert_eq!(s.open_calls, 1, "c7 is still waiting");
        assert_eq!(s.unknown_events.get("DID"), Some(&1));
        assert_eq!(s.agent_events, 3);
        assert_eq!(count_contacts(store).await, (5, 2));

        // By hand, residential (queue 600): c1 answered (wait 20, talk 300), c2 abandoned after
        // 5 s, c4 transferred (wait 40, talk 60), c5 timed out after 300 s, c6 left by key after
        // 5 s. Offered 5, answered 2, abandoned 1 (short: 1 under 10 s), TMA (20+5+40+300+5)/5
        // = 74 s, LS 40%, over 2 minutes 1 (c5), talk (300+60)/2 = 180 s.
        let settings = CallCenterSettings::default();
        let m = kpi::month(store, 2011, 3, None, &settings).await.unwrap();
        let res = &m[0];
        assert_eq!(res.line, Line::Residential);
        assert_eq!(
            (
                res.offered,
                res.answered,
                res.abandoned,
                res.short_abandons,
                res.timed_out,
                res.left_queue,
                res.transferred
            ),
            (5, 2, 1, 1, 1, 1, 1)
        );
        assert_eq!(res.tma_seconds, Some(74.0));
        assert_eq!(res.ls_pct, Some(40.0));
        assert_eq!(res.waited_over_2m, 1);
        assert_eq!(res.over_2m_pct, Some(20.0));
        assert_eq!(res.avg_talk_seconds, Some(180.0));
        assert_eq!(res.as_pct, None);
        assert!(res.as_note.is_some());
        // The 2011 standards: ARERA energy (TMA <= 200 met, LS >= 80 not met, AS unknown) and
        // the utility's residential objective (TMA <= 40 not met, over 2 min <= 9% not met).
        let met: Vec<_> = res
            .checks
            .iter()
            .map(|c| (c.standard.as_str(), c.indicator, c.met))
            .collect();
        assert_eq!(
            met,
            [
                ("ARERA energy sales", "TMA", Some(true)),
                ("ARERA energy sales", "LS", Some(false)),
                ("ARERA energy sales", "AS", None),
                ("Utility objective 2011", "TMA", Some(false)),
                ("Utility objective 2011", "over 2 min", Some(false)),
            ]
        );
        // Business: c3 abandoned after 135 s, c4's second entry answered (wait 10, talk 90).
        let bus = &m[1];
        assert_eq!(
            (bus.offered, bus.answered, bus.abandoned, bus.short_abandons),
            (2, 1, 1, 0)
        );
        assert_eq!(bus.tma_seconds, Some(72.5));
        assert_eq!(bus.waited_over_2m, 1);

        // Daily view: everything on 1 March.
        let days = kpi::days(store, 2011, 3, Some(Line::Business), &settings)
            .await
            .unwrap();
        assert_eq!(days.len(), 31);
        assert_eq!(days[0].offered, 2);
        assert_eq!(days[1].offered, 0);

        // Reading the same file again changes nothing; once c7 ends, it is counted.
        let again = import(store, &path, &opts).await;
        assert_eq!((again.lines, again.calls), (0, 0));
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"1298964060|c7|600|NONE|ABANDON|1|1|60\n")
            .unwrap();
        let more = import(store, &path, &opts).await;
        assert_eq!(
            (more.lines, more.calls, more.inserted, more.open_calls),
            (1, 1, 1, 0)
        );
        assert_eq!(more.resumed_after_line, Some(22));
        let m = kpi::month(store, 2011, 3, Some(Line::Residential), &settings)
            .await
            .unwrap();
        assert_eq!((m[0].offered, m[0].abandoned), (6, 2));
    }
}

fn generated(dir: &Path, calls: u64, seed: u64) -> (std::path::PathBuf, Expected) {
    let path = dir.join(format!("gen-{seed}.log"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let exp = write_queue_log(&mut out, calls, MARCH_1_8AM, 20, seed, 10).unwrap();
    out.flush().unwrap();
    (path, exp)
}

async fn assert_matches(store: &Store, exp: &Expected) {
    let settings = CallCenterSettings::default();
    let m = kpi::month(store, 2011, 3, None, &settings).await.unwrap();
    for ind in &m {
        let t = exp.totals.get(&ind.line).copied().unwrap_or_default();
        assert_eq!(
            (
                ind.offered,
                ind.answered,
                ind.abandoned,
                ind.timed_out,
                ind.left_queue,
                ind.transferred,
                ind.waited_over_2m
            ),
            (
                t.offered,
                t.answered,
                t.abandoned,
                t.timed_out,
                t.left_queue,
                t.transferred,
                t.waited_over_2m
            ),
            "{:?}",
            ind.line
        );
        assert_eq!(
            ind.tma_seconds,
            Some(t.wait_seconds as f64 / t.offered as f64)
        );
        assert_eq!(
            ind.avg_talk_seconds,
            Some(t.talk_seconds as f64 / t.answered as f64)
        );
        assert_eq!(
            ind.short_abandons,
            exp.short_abandons.get(&ind.line).copied().unwrap_or(0)
        );
    }
    let offered = |l| exp.totals.get(&l).map_or(0, |t| t.offered);
    assert_eq!(
        count_contacts(store).await,
        (offered(Line::Residential), offered(Line::Business))
    );
}

#[tokio::test]
async fn stopping_and_restarting_counts_every_call_once() {
    let dir = tempfile::tempdir().unwrap();
    let (path, exp) = generated(dir.path(), 3_000, 7);
    for ts in fresh_stores().await.unwrap() {
        let store = &ts.store;
        let mut opts = ImportOptions::new("asterisk");
        opts.chunk_bytes = 16 << 10; // many commits
        let mut lines = 0;
        let mut runs = 0;
        // Stop every ~2000 lines, then start again, until the file is read.
        loop {
            opts.stop_after_lines = Some(lines + 2_000);
            let s = import(store, &path, &opts).await;
            lines += s.lines;
            runs += 1;
            if s.lines == 0 {
                break;
            }
            assert!(runs < 100);
        }
        assert_eq!(lines, exp.lines, "{}", ts.name);
        assert!(runs > 3);
        assert_matches(store, &exp).await;
    }
}

#[tokio::test]
async fn a_follower_killed_mid_file_resumes_without_double_counting() {
    let dir = tempfile::tempdir().unwrap();
    let (path, exp) = generated(dir.path(), 6_000, 11);
    for ts in fresh_stores().await.unwrap() {
        let url = ts.url.clone();
        let mut kills = 0;
        // Kill the follower task at arbitrary points (an abort drops it wherever it awaits,
        // between or inside transactions), then start another, until one reaches the end.
        for round in 0..40u64 {
            let store = Store::connect(&url).await.unwrap();
            let mut opts = ImportOptions::new("asterisk");
            opts.chunk_bytes = 8 << 10;
            opts.follow = true;
            opts.idle_exit = Some(Duration::from_millis(300));
            opts.settings.poll_millis = 20;
            let p = path.clone();
            let task = tokio::spawn(async move {
                import_queue_log(&store, &p, &opts, &mut |_| {})
                    .await
                    .map(|_| ())
            });
            tokio::time::sleep(Duration::from_millis(15 + round * 7 % 40)).await;
            if task.is_finished() {
                task.await.unwrap().unwrap();
                break;
            }
            task.abort();
            let _ = task.await;
            kills += 1;
        }
        assert!(kills > 0, "the follower was never killed");
        let store = Store::connect(&url).await.unwrap();
        // A last, complete run.
        let opts = ImportOptions::new("asterisk");
        import(&store, &path, &opts).await;
        assert_matches(&store, &exp).await;
    }
}

#[tokio::test]
async fn garbage_truncated_lines_and_bad_bytes_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dirty.log");
    let mut text = Vec::new();
    text.extend_from_slice(b"1298962810|c1|600|NONE|ENTERQUEUE||051|1\n");
    text.extend_from_slice(b"this is not a queue_log line\n");
    text.extend_from_slice(b"\x00\x01\xff\xfe binary \xc3\x28\n");
    text.extend_from_slice(b"1298962820|c1|600|SIP/1|CONNECT|10|x|1\r\n");
    text.extend_from_slice(b"1298962|c9|6\n"); // cut short
    text.extend_from_slice(b"12989abc|c2|600|NONE|ENTERQUEUE||052|1\n");
    text.extend_from_slice(b"1298962830|c2|6\xe900|NONE|ENTERQUEUE||052|1\n");
    text.extend_from_slice(b"\n");
    text.extend_from_slice(b"1298962900|c1|600|SIP/1|COMPLETEAGENT|10|80|1\n");
    text.extend_from_slice(b"1298962901|c3|600|NONE|SOMETHINGNEW|a|b|c|d|e|f|g|h|i|j\n");
    text.extend_from_slice(b"1298962910|c4|600|NONE|ABANDON|1|1|9\n");
    text.extend_from_slice(b"1298962999|c5|600|NONE|ENTERQUE"); // no line end
    write(&path, &text);
    for ts in fresh_stores().await.unwrap() {
        let s = import(&ts.store, &path, &ImportOptions::new("dirty")).await;
        let reported: Vec<u64> = s.malformed_lines.iter().map(|m| m.0).collect();
        assert_eq!(reported, [2, 3, 5, 6, 7, 12], "{s}");
        assert_eq!(s.malformed, 6);
        assert!(s.malformed_lines[1].1.contains("UTF-8"));
        assert!(s.malformed_lines[5].1.contains("truncated"));
        assert_eq!(s.unknown_events.get("SOMETHINGNEW"), Some(&1));
        // c1 answered; c4 abandoned without its ENTERQUEUE (rebuilt from its parameters).
        assert_eq!((s.calls, s.inserted, s.without_entry), (2, 2, 1));
        assert_eq!(count_contacts(&ts.store).await, (2, 0));
        let text = s.to_string();
        assert!(text.contains("line 3: not valid UTF-8"), "{text}");
    }
}

#[tokio::test]
async fn a_followed_file_that_rotates_is_read_to_the_end_of_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let (full, exp) = generated(dir.path(), 2_000, 5);
    let bytes = std::fs::read(&full).unwrap();
    // Cut the log at a line end near the middle: the first half is rotated away.
    let cut = bytes[..bytes.len() / 2]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let live = dir.path().join("queue_log");
    for ts in fresh_stores().await.unwrap() {
        let _ = std::fs::remove_file(&live);
        write(&live, &bytes[..cut / 2]);
        let url = ts.url.clone();
        let p = live.clone();
        let follower = tokio::spawn(async move {
            let store = Store::connect(&url).await.unwrap();
            let mut opts = ImportOptions::new("live");
            opts.follow = true;
            opts.idle_exit = Some(Duration::from_millis(1500));
            opts.settings.poll_millis = 20;
            opts.chunk_bytes = 32 << 10;
            import_queue_log(&store, &p, &opts, &mut |_| {})
                .await
                .unwrap()
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Asterisk appends...
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&live)
            .unwrap();
        f.write_all(&bytes[cut / 2..cut]).unwrap();
        drop(f);
        tokio::time::sleep(Duration::from_millis(200)).await;
        // ...logrotate renames the file and Asterisk opens a new one.
        std::fs::rename(&live, dir.path().join("queue_log.1")).unwrap();
        write(&live, &bytes[cut..]);
        let s = follower.await.unwrap();
        assert_eq!(s.rotations, 1, "{s}");
        assert_eq!(s.lines, exp.lines);
        assert_eq!(s.open_calls as u64, exp.open);
        assert_matches(&ts.store, &exp).await;
    }
}

#[tokio::test]
async fn a_rotation_while_stopped_finishes_the_old_file_first() {
    let dir = tempfile::tempdir().unwrap();
    let (full, exp) = generated(dir.path(), 1_500, 3);
    let bytes = std::fs::read(&full).unwrap();
    let cut = bytes[..bytes.len() / 2]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let live = dir.path().join("queue_log");
    for ts in fresh_stores().await.unwrap() {
        let _ = std::fs::remove_file(&live);
        write(&live, &bytes[..cut]);
        let mut opts = ImportOptions::new("stopped");
        opts.stop_after_lines = Some(1_000);
        opts.chunk_bytes = 4 << 10;
        let first = import(&ts.store, &live, &opts).await;
        assert!(first.lines >= 1_000 && first.lines < exp.lines);
        // While no follower runs, the file is rotated and a new one started.
        std::fs::rename(&live, dir.path().join("queue_log.1")).unwrap();
        write(&live, &bytes[cut..]);
        opts.stop_after_lines = None;
        let second = import(&ts.store, &live, &opts).await;
        assert_eq!(second.rotations, 1);
        assert!(!second.lost_rotated_rest);
        assert_eq!(first.lines + second.lines, exp.lines);
        assert_matches(&ts.store, &exp).await;
    }
}

#[tokio::test]
async fn the_calls_rollup_rebuilt_from_the_ledger_agrees_with_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let (path, exp) = generated(dir.path(), 2_500, 21);
    for ts in fresh_stores().await.unwrap() {
        import(&ts.store, &path, &ImportOptions::new("pbx")).await;
        let settings = CallCenterSettings::default();
        let before = kpi::month(&ts.store, 2011, 3, None, &settings)
            .await
            .unwrap();
        let counted = ts.store.calls().rebuild_rollups().await.unwrap();
        assert_eq!(
            counted,
            exp.totals.values().map(|t| t.offered).sum::<i64>(),
            "{}",
            ts.name
        );
        let after = kpi::month(&ts.store, 2011, 3, None, &settings)
            .await
            .unwrap();
        for (b, a) in before.iter().zip(&after) {
            // The ledger stores "left the queue" as timed out; everything else is the same.
            assert_eq!(a.left_queue, 0);
            assert_eq!(a.timed_out, b.timed_out + b.left_queue);
            assert_eq!(
                (
                    a.offered,
                    a.answered,
                    a.abandoned,
                    a.short_abandons,
                    a.transferred,
                    a.waited_over_2m
                ),
                (
                    b.offered,
                    b.answered,
                    b.abandoned,
                    b.short_abandons,
                    b.transferred,
                    b.waited_over_2m
                )
            );
            assert_eq!(
                (a.tma_seconds, a.ls_pct, a.avg_talk_seconds),
                (b.tma_seconds, b.ls_pct, b.avg_talk_seconds)
            );
        }
        let daily_before = kpi::days(&ts.store, 2011, 3, None, &settings)
            .await
            .unwrap();
        assert_eq!(daily_before.iter().map(|d| d.offered).sum::<i64>(), counted);
    }
}

#[tokio::test]
async fn the_same_calls_read_again_from_another_file_are_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (path, exp) = generated(dir.path(), 500, 11);
    // The same calls in a file the follower does not know (one more line in front): it is read
    // from the start, and every call is already in the ledger.
    let copy = dir.path().join("copy.log");
    let mut text = b"1298962700|NONE|NONE|NONE|QUEUESTART|\n".to_vec();
    text.extend(std::fs::read(&path).unwrap());
    write(&copy, &text);
    for ts in fresh_stores().await.unwrap() {
        let store = &ts.store;
        let opts = ImportOptions::new("asterisk");
        import(store, &path, &opts).await;
        let again = import(store, &copy, &opts).await;
        assert_eq!(again.inserted, 0, "{}", ts.name);
        assert_matches(store, &exp).await;
    }
}

#[tokio::test]
async fn the_follower_saves_the_agents_and_resumes_them() {
    use canali_callcenter::agents::Agents;
    let settings = CallCenterSettings::default();
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue_log");
        let first = "\
1298962800|NONE|NONE|NONE|QUEUESTART|
1298962801|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001
1298962802|NONE|600|SIP/101|ADDMEMBER|
1298962803|NONE|coda-aziende|SIP/201|ADDMEMBER|
1298962804|NONE|600|SIP/101|PAUSE|pranzo
1298962810|c1|600|NONE|ENTERQUEUE||0511111111|1
1298962830|c1|600|Agent/1001|CONNECT|20|1298962830.1|5
";
        write(&path, first.as_bytes());
        let opts = ImportOptions::new("pbx");
        import(s, &path, &opts).await;
        let saved = s.calls().follow_state("pbx").await.unwrap().unwrap();
        let agents = Agents::from_json(&saved.agents).unwrap();
        let res = agents.of_line(Line::Residential, &settings);
        assert_eq!(
            res.logged_in.iter().collect::<Vec<_>>(),
            ["Agent/1001", "SIP/101"],
            "{}",
            t.name
        );
        assert_eq!(res.paused.iter().collect::<Vec<_>>(), ["SIP/101"]);
        let bus = agents.of_line(Line::Business, &settings);
        assert_eq!(bus.logged_in.iter().collect::<Vec<_>>(), ["SIP/201"]);
        assert!(bus.paused.is_empty());

        // A later run resumes the agents from the saved state and goes on from there.
        let more = "\
1298962900|NONE|600|SIP/101|UNPAUSE|
1298962901|NONE|NONE|SIP/201|PAUSEALL|
1298962902|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001|100
";
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(more.as_bytes()).unwrap();
        drop(f);
        let summary = import(s, &path, &opts).await;
        assert_eq!(summary.resumed_after_line, Some(7));
        let saved = s.calls().follow_state("pbx").await.unwrap().unwrap();
        let agents = Agents::from_json(&saved.agents).unwrap();
        let res = agents.of_line(Line::Residential, &settings);
        assert_eq!(res.logged_in.iter().collect::<Vec<_>>(), ["SIP/101"]);
        assert!(res.paused.is_empty(), "{}", t.name);
        let bus = agents.of_line(Line::Business, &settings);
        assert_eq!(bus.paused.iter().collect::<Vec<_>>(), ["SIP/201"]);
        // The wallboard's read of every follower carries them too.
        let snaps = s.calls().follower_snapshots().await.unwrap();
        assert_eq!(snaps.len(), 1);
        assert_eq!(Agents::from_json(&snaps[0].agents).unwrap(), agents);
    }
}
