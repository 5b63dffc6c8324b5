//! The main job as a user runs it, through the real binary: simulate a small utility, print its
//! 2011 report, rebuild the rollups, and get the same report on SQLite and PostgreSQL.

use canali_store::testing::{fresh_postgres, fresh_sqlite};
use canali_testkit::{Sink, pdf_text};
use serde_json::Value;
use std::process::Command;

mod common;

fn canali(db: &str, args: &[&str]) -> std::process::Output {
    common::run(common::canali(), db, args)
}

fn report_json(db: &str) -> Value {
    common::report_json(common::canali(), db)
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
    common::simulate_small(&sqlite.url);
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
    common::simulate_small(&sqlite.url);
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
        common::simulate_small(&pg.url);
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

#[test]
fn a_month_of_bills_goes_out_through_the_cli_and_the_layout_is_edited() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bills.db").display());
    canali(
        &db,
        &[
            "simulate",
            "--from",
            "2011-10-01",
            "--to",
            "2011-11-30",
            "--scale",
            "0.001",
            "--seed",
            "3",
        ],
    );
    let print = dir.path().join("print");
    let sink = Sink::start();
    let port = sink.port.to_string();
    let print_dir = print.to_str().unwrap();
    let dispatch = [
        "bills",
        "dispatch",
        "--issued",
        "2011-11",
        "--smtp-port",
        &port,
        "--print-dir",
        print_dir,
    ];
    let out = canali(&db, &dispatch);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("e-mails sent"), "{said}");
    let status: Value =
        serde_json::from_slice(&canali(&db, &["bills", "status", "--issued", "2011-11"]).stdout)
            .unwrap();
    let (sent, printed, total) = (
        status["sent"].as_u64().unwrap(),
        status["printed"].as_u64().unwrap(),
        status["total"].as_u64().unwrap(),
    );
    assert!(sent > 0 && printed > 0, "{status}");
    assert_eq!(sent + printed, total, "{status}");
    let arrived = || sink.count() as u64;
    assert_eq!(arrived(), sent);
    let manifest = std::fs::read_to_string(print.join("manifest-2011-11.csv")).unwrap();
    assert_eq!(
        manifest.lines().count() as u64,
        printed + 1,
        "a header and a row per paper bill"
    );
    // Run again: nothing is sent twice.
    canali(&db, &dispatch);
    assert_eq!(arrived(), sent);
    drop(sink);

    // The layout, edited by hand, gives the bill's PDF; a mistake is named.
    let header: Vec<&str> = manifest.lines().next().unwrap().split(',').collect();
    let bill_column = header
        .iter()
        .position(|h| *h == "bill_id")
        .expect("a bill_id column");
    let bill = manifest
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(bill_column)
        .unwrap()
        .to_string();
    let layout = dir.path().join("layout.toml");
    canali(&db, &["bills", "template", "-o", layout.to_str().unwrap()]);
    let text = std::fs::read_to_string(&layout).unwrap();
    std::fs::write(
        &layout,
        text.replace("Totale da pagare", "Importo da versare"),
    )
    .unwrap();
    let pdf = dir.path().join("bill.pdf");
    let args = [
        "bills",
        "pdf",
        "--bill",
        &bill,
        "--paper",
        "--template",
        layout.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ];
    canali(&db, &args);
    let extracted = pdf_text(&std::fs::read(&pdf).unwrap());
    assert!(extracted.contains("Importo da versare"), "{extracted}");
    assert!(!extracted.contains("Totale da pagare"), "{extracted}");
    std::fs::write(&layout, text.replace("{customer.name}", "{customer.nome}")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_canali"))
        .args(["--quiet", "--db", &db])
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("{customer.nome}") && err.contains("section"),
        "{err}"
    );
}

/// The branch-network manager pairs a branch's kiosk from the command line: the link printed
/// once carries a key the store knows only by its SHA-256; pairing again replaces it and
/// `--revoke` ends it; an unknown branch is refused in a sentence. On both backends.
#[tokio::test]
async fn a_kiosk_is_paired_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("network.toml");
    std::fs::write(
        &registry,
        "[[sot]]\ncode = 1\nname = \"Bologna\"\n\n[[branch]]\ncode = \"SP-BO-01\"\n\
         name = \"Sportello Bologna Berti Pichat\"\nmunicipality = \"Bologna\"\nsot = 1\n\
         kind = \"priority\"\nhours = \"mo-fr 08:00-16:00\"\nlatitude = 44.5\nlongitude = 11.36\n",
    )
    .unwrap();
    let mut stores = vec![fresh_sqlite().await.unwrap()];
    stores.extend(fresh_postgres().await.unwrap());
    for ts in stores {
        let be = ts.name;
        canali(&ts.url, &["branches", "import", registry.to_str().unwrap()]);
        let pair = || {
            let out = canali(
                &ts.url,
                &[
                    "branches",
                    "kiosk-key",
                    "SP-BO-01",
                    "--base-url",
                    "https://sportelli.example.it/",
                ],
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let link = text
                .lines()
                .find(|l| l.starts_with("https://"))
                .unwrap_or_else(|| panic!("{be}: no link in {text}"));
            let key = link
                .strip_prefix("https://sportelli.example.it/kiosk/SP-BO-01?key=")
                .unwrap_or_else(|| panic!("{be}: {link}"));
            assert_eq!(key.len(), 64, "{be}: 256 random bits in hex");
            key.to_string()
        };
        let opens = |key: String| {
            let store = &ts.store;
            async move {
                store
                    .network()
                    .kiosk_key_opens("SP-BO-01", &canali_web::auth::sha256_hex(&key))
                    .await
                    .unwrap()
            }
        };
        let first = pair();
        assert!(opens(first.clone()).await, "{be}");
        assert!(
            !ts.store
                .network()
                .kiosk_key_opens("SP-BO-01", &first)
                .await
                .unwrap(),
            "{be}: the key itself is not stored"
        );
        let pairing = ts
            .store
            .network()
            .kiosk_pairing("SP-BO-01")
            .await
            .unwrap()
            .unwrap();
        assert!(pairing.created_by.starts_with("command line"), "{be}");

        let second = pair();
        assert!(!opens(first).await && opens(second.clone()).await, "{be}");
        let out = canali(&ts.url, &["branches", "kiosk-key", "SP-BO-01", "--revoke"]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("no longer paired"),
            "{be}"
        );
        assert!(!opens(second).await, "{be}");

        let out = Command::new(env!("CARGO_BIN_EXE_canali"))
            .args(["--quiet", "--db", &ts.url, "branches", "kiosk-key", "BO99"])
            .env_remove("CANALI_DATABASE_URL")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{be}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("there is no branch BO99"), "{be}: {err}");
    }
}
