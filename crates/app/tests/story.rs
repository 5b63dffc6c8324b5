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

/// A supervisor judges 2026's written requests from the command line: the complaints missed the
/// yearly 95% on time, the information requests met it, and the compensation is summed.
#[tokio::test]
async fn the_year_of_requests_is_judged_against_the_2026_standards() {
    use canali_domain::service::{RequestKind, default_reply_standards};
    use canali_domain::{Channel, Day, Segment};
    use canali_store::requests::NewRequest;
    use canali_store::{Customer, Sot};
    let db = fresh_sqlite().await.expect("a SQLite store");
    let s = &db.store;
    s.network()
        .insert_sots(&[Sot {
            code: 1,
            name: "Bologna".into(),
        }])
        .await
        .unwrap();
    s.insert_customers(&[Customer {
        id: 1,
        code: "4000000003".into(),
        segment: Segment::Residential,
        tax_id: "RSSMRA80A01A944I".into(),
        name: "Mario Rossi".into(),
        sot: 1,
        email: None,
        phone: None,
        since: Day::from_date(jiff::civil::date(2005, 1, 1)),
    }])
    .await
    .unwrap();
    let standards = default_reply_standards();
    let opened = Day::from_date(jiff::civil::date(2026, 3, 2));
    let at = |d: Day| canali_domain::day::local_micros(d.date(), 10, 0, 0);
    // Two complaints, one answered in time and one 31 days on; one information request in time.
    for (kind, answer_after) in [
        (RequestKind::Complaint, 10),
        (RequestKind::Complaint, 31),
        (RequestKind::Information, 5),
    ] {
        let r = s
            .requests()
            .open(
                &NewRequest {
                    customer_id: 1,
                    supply_point_id: None,
                    kind,
                    channel: Channel::Web,
                    subject: "Bolletta".into(),
                    body: "Una domanda sulla bolletta.".into(),
                    opened_at: at(opened),
                    attachments: Vec::new(),
                    agent: None,
                },
                &standards,
            )
            .await
            .unwrap();
        s.requests()
            .answer(
                r.id,
                "Risposta motivata.",
                Channel::Mail,
                1,
                at(Day(opened.0 + answer_after)),
                &standards,
            )
            .await
            .unwrap();
    }
    let out = canali(
        &db.url,
        &["kpi", "requests", "--year", "2026", "--format", "json"],
    );
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kind = |name: &str| {
        v["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == name)
            .unwrap_or_else(|| panic!("{name} in {v}"))
            .clone()
    };
    let complaints = kind("complaint");
    assert_eq!(complaints["answered_on_time"], 1, "{v}");
    assert_eq!(complaints["answered_late"], 1, "{v}");
    assert_eq!(complaints["on_time_pct"], 50.0, "{v}");
    assert_eq!(complaints["min_on_time_pct"], 95.0, "{v}");
    assert_eq!(complaints["met"], false, "{v}");
    assert_eq!(complaints["compensation_cents"], 3000, "{v}");
    assert_eq!(kind("information")["met"], true, "{v}");
    let table = canali(&db.url, &["kpi", "requests", "--year", "2026"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("Written complaint") && text.contains("NO") && text.contains("EUR 30.00"),
        "{text}"
    );
}
