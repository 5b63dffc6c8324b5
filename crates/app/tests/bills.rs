//! The billing run through the real binary, stopped half-way (SIGTERM, as a service manager or
//! Ctrl-C does) or killed (SIGKILL, a crash) and started again: every e-mail bill arrives, none
//! twice except those in flight at a crash, and every paper bill is printed once. On SQLite and
//! (with CANALI_TEST_POSTGRES) PostgreSQL, with the in-process SMTP sink of canali-testkit.

use canali_billing::dispatch::month_days;
use canali_store::testing::fresh_stores;
use canali_testkit::Sink;
use canali_testkit::bills::{bill_of, utility};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How the first run is ended half-way.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Ending {
    /// SIGKILL: a crash, no chance to tidy up.
    Crash,
    /// SIGTERM: the run is asked to stop.
    Stop,
}

#[tokio::test]
async fn a_run_killed_half_way_and_restarted_delivers_every_bill() {
    run_ended_half_way_then_resumed(Ending::Crash).await;
}

#[tokio::test]
async fn a_run_stopped_half_way_and_restarted_delivers_every_bill_exactly_once() {
    run_ended_half_way_then_resumed(Ending::Stop).await;
}

/// `canali bills dispatch` for November 2011, with small batches and short back-offs so the
/// run is long enough to be stopped in the middle.
fn dispatch_command(db: &str, config: &Path, print: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canali"));
    cmd.args(["--quiet", "--db", db, "--config"])
        .arg(config)
        .args(["bills", "dispatch", "--issued", "2011-11", "--print-dir"])
        .arg(print)
        .env_remove("CANALI_DATABASE_URL")
        .env_remove("CANALI_CONFIG");
    cmd
}

/// The number just before `what` in the run's summary line.
fn number_before(text: &str, what: &str) -> u64 {
    let head = &text[..text
        .find(what)
        .unwrap_or_else(|| panic!("'{what}' not in: {text}"))];
    head.rsplit(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before '{what}' in: {text}"))
}

async fn run_ended_half_way_then_resumed(ending: Ending) {
    for ts in fresh_stores().await.unwrap() {
        let sink = Sink::start();
        let store = &ts.store;
        let (email, paper) = utility(store, 450).await;
        let dir = tempfile::tempdir().unwrap();
        let print = dir.path().join("print");
        let config = dir.path().join("canali.toml");
        std::fs::write(
            &config,
            format!(
                "[billing]\nprint_batch = 20\nclaim = 8\nconcurrency = 4\nbackoff_ms = 100\n\n\
                 [billing.smtp]\nhost = \"127.0.0.1\"\nport = {}\npool_size = 4\n",
                sink.port
            ),
        )
        .unwrap();
        let before = sink.count();
        let mut child = dispatch_command(&ts.url, &config, &print)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // End it once a third of the mails arrived.
        let t0 = Instant::now();
        while sink.count() - before < email.len() / 3 {
            assert!(t0.elapsed().as_secs() < 120, "the run is too slow");
            assert!(
                child.try_wait().unwrap().is_none(),
                "the run ended before it was stopped"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        match ending {
            Ending::Crash => {
                child.kill().unwrap();
                child.wait().unwrap();
            }
            Ending::Stop => {
                // SAFETY: a plain kill(2) on our own child's pid.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
                let out = child.wait_with_output().unwrap();
                let err = String::from_utf8_lossy(&out.stderr);
                // A stopped run is no error, but says so: exit code 3 and how to resume.
                assert_eq!(out.status.code(), Some(3), "{}: {err}", ts.name);
                assert!(err.contains("stopped before the end"), "{}: {err}", ts.name);
            }
        }
        let at_kill = sink.count() - before;
        assert!(at_kill < email.len(), "{ending:?} half-way");
        // Started again, it finishes the run.
        let out = dispatch_command(&ts.url, &config, &print).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        let in_doubt = number_before(&said, " in flight at a previous stop");
        let possible = if said.contains(" possible duplicates") {
            number_before(&said, " possible duplicates")
        } else {
            0
        };
        let mut seen: HashMap<i64, usize> = HashMap::new();
        for m in sink.messages().iter() {
            if let Some(id) = bill_of(m) {
                *seen.entry(id).or_default() += 1;
            }
        }
        let mut missing = 0;
        let mut twice = 0;
        for id in &email {
            match seen.get(id).copied().unwrap_or(0) {
                0 => missing += 1,
                1 => {}
                _ => twice += 1,
            }
        }
        eprintln!(
            "{} ({ending:?}): {at_kill} mails before the end, {in_doubt} in flight at it, \
             {possible} possible duplicates, {twice} sent twice",
            ts.name
        );
        assert_eq!(missing, 0, "{}: every e-mail bill arrived", ts.name);
        // The only mails that can arrive twice are those in flight at the kill (accepted by
        // the server, not yet recorded), resent with the same Message-ID: the run reports them
        // as possible duplicates, at most one per SMTP connection (pool_size = 4).
        assert!(
            twice as u64 <= possible,
            "{twice} duplicates > {possible} possible duplicates reported: {said}"
        );
        assert!(possible <= in_doubt.min(4), "{possible} possible: {said}");
        if ending == Ending::Stop {
            // A stopped run settled its mails in flight: nothing was in doubt, nothing twice.
            assert_eq!((in_doubt, possible, twice), (0, 0, 0), "{}", ts.name);
        }
        // Paper: every paper bill printed exactly once.
        let (from, to) = month_days("2011-11").unwrap();
        let mut printed: Vec<i64> = store
            .billing()
            .print_manifest(from, to)
            .await
            .unwrap()
            .iter()
            .map(|r| r.bill_id)
            .collect();
        printed.sort();
        let mut want = paper.clone();
        want.sort();
        assert_eq!(printed, want, "{}", ts.name);
        let counts = store.billing().delivery_counts(from, to).await.unwrap();
        assert_eq!(counts.sent as usize, email.len(), "{}", ts.name);
        assert_eq!(counts.printed as usize, paper.len(), "{}", ts.name);
    }
}

/// A `.typ` template in a binary built without the typst feature: refused with a sentence
/// that says how to build with it.
#[cfg(not(feature = "typst"))]
#[test]
fn a_typst_template_without_the_typst_feature_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("bill.typ");
    let out = Command::new(env!("CARGO_BIN_EXE_canali"))
        .args(["--quiet", "bills", "template", "--typst", "-o"])
        .arg(&template)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("built without typst"),
        "the written template comes with a note"
    );
    let db = format!("sqlite://{}", dir.path().join("b.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_canali"))
        .args([
            "--quiet", "--db", &db, "bills", "dispatch", "--issued", "2011-11",
        ])
        .arg("--template")
        .arg(&template)
        .arg("--print-dir")
        .arg(dir.path().join("print"))
        .env_remove("CANALI_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("built without typst") && err.contains("--features typst"),
        "{err}"
    );
}
