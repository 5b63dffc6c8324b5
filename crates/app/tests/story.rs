//! The main job as a user runs it, through the real binary: simulate a small utility, print its
//! 2011 report, rebuild the rollups, and get the same report on SQLite and PostgreSQL.

use canali_store::testing::{fresh_postgres, fresh_sqlite};
use serde_json::Value;
use std::process::Command;

const SCALE: &str = "0.01";

fn canali(db: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_canali"))
        .args(["--quiet", "--db", db])
        .args(args)
        .env_remove("CANALI_DATABASE_URL")
        .output()
        .expect("the canali binary runs");
    assert!(
        out.status.success(),
        "canali {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn report_json(db: &str) -> Value {
    let out = canali(db, &["report", "--year", "2011", "--format", "json"]);
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

fn simulate(db: &str) {
    canali(
        db,
        &[
            "simulate",
            "--from",
            "2010-01-01",
            "--to",
            "2011-12-31",
            "--scale",
            SCALE,
            "--seed",
            "42",
        ],
    );
}

fn share(report: &Value, channel: &str) -> f64 {
    report["contacts"]["by_channel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["channel"] == channel)
        .unwrap_or_else(|| panic!("channel {channel} in the report"))["share_pct"]
        .as_f64()
        .unwrap()
}

#[tokio::test]
async fn the_simulated_utility_reproduces_the_seed_page_on_both_backends() {
    let sqlite = fresh_sqlite().await.unwrap();
    simulate(&sqlite.url);
    let report = report_json(&sqlite.url);

    // The seed's channel mix (56/29/10/6) within one percentage point.
    let call_center = report["contacts"]["call_center"]["share_pct"]
        .as_f64()
        .unwrap();
    assert!(
        (call_center - 56.0).abs() <= 1.0,
        "call center {call_center}"
    );
    assert!((share(&report, "branch") - 29.0).abs() <= 1.0);
    assert!((share(&report, "web") - 10.0).abs() <= 1.0);
    assert!((share(&report, "mail") - 6.0).abs() <= 1.0);
    // The branch network is not scaled: 84 branches at the end of 2011.
    assert_eq!(report["network"]["total"], 84, "{}", report["network"]);

    // Re-running the simulation writes nothing new.
    simulate(&sqlite.url);
    assert_eq!(
        report_json(&sqlite.url),
        report,
        "a second run must not duplicate anything"
    );

    // The rollups rebuilt from the raw ledger give the same report.
    canali(&sqlite.url, &["rollup", "rebuild"]);
    assert_eq!(
        report_json(&sqlite.url),
        report,
        "rebuilt rollups must give the same figures"
    );

    // Markdown in both languages names the channels.
    let it = canali(&sqlite.url, &["report", "--year", "2011", "--lang", "it"]);
    assert!(String::from_utf8_lossy(&it.stdout).contains("Sportello on-line"));
    let en = canali(&sqlite.url, &["report", "--year", "2011", "--lang", "en"]);
    assert!(String::from_utf8_lossy(&en.stdout).contains("Online branch"));

    if let Some(pg) = fresh_postgres().await.unwrap() {
        simulate(&pg.url);
        assert_eq!(
            report_json(&pg.url),
            report,
            "PostgreSQL and SQLite must agree"
        );
    }
}

#[test]
fn bad_arguments_are_explained() {
    let out = Command::new(env!("CARGO_BIN_EXE_canali"))
        .args(["--db", "mysql://nowhere", "report", "--year", "2011"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL"), "{err}");
}
