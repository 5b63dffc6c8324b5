//! Control characters and over-long text in an import, on both backends (SQLite, and
//! PostgreSQL when `CANALI_TEST_POSTGRES` is set): each bad line is rejected with its line
//! number and field, kept in the rejects file, and the good lines around it go in; importing
//! again completes without a store error.

use canali_import::{ImportOptions, Rejection, import_contacts};
use canali_store::Store;
use canali_store::testing::fresh_stores;
use std::path::Path;

const HEADER: &str = "external_id,channel,started_at,customer,branch,line,agent,reason";

fn good(n: usize) -> String {
    format!(
        "g{n},call_center_residential,2011-03-01 09:{n:02}:00,4000000003,,residential,Mario,billing"
    )
}

/// Lines with a hostile value in one field, and the field the rejection must name.
fn hostile() -> Vec<(String, &'static str)> {
    let long = "x".repeat(201);
    let mut out = Vec::new();
    // NUL, other C0 controls (tab included: no field of a contact spans lines), DEL and C1.
    for (i, c) in ['\0', '\u{1}', '\u{1b}', '\t', '\u{7f}', '\u{85}', '\u{9f}']
        .into_iter()
        .enumerate()
    {
        out.push((
            format!(
                "b{i},call_center_residential,2011-03-01 10:00:00,4000000003,,residential,a{c}b,billing"
            ),
            "agent",
        ));
    }
    out.push((
        "c\u{0}1,web,2011-03-01 10:00:00,,,,,".to_string(),
        "external_id",
    ));
    out.push((
        "c2,web,2011-03-01 10:00:00,400\u{0}0000003,,,,".to_string(),
        "customer",
    ));
    out.push((
        "c3,branch,2011-03-01 10:00:00,,BO\u{1b}01,,,".to_string(),
        "branch",
    ));
    out.push((
        "c4,call_center_business,2011-03-01 10:00:00,,,busi\u{7}ness,,".to_string(),
        "line",
    ));
    out.push((
        format!("c5,call_center_business,2011-03-01 10:00:00,,,business,{long},"),
        "agent",
    ));
    out.push((
        format!("{long},web,2011-03-01 10:00:00,,,,,"),
        "external_id",
    ));
    out
}

async fn contacts(store: &Store) -> i64 {
    let counts = store.figures().table_counts().await.unwrap();
    counts
        .into_iter()
        .find(|(t, _)| *t == "contacts")
        .unwrap()
        .1
}

async fn check(store: &Store, name: &str, dir: &Path) {
    // A good line, each hostile line, a good line: the rejections name line and field.
    let bad = hostile();
    let mut text = format!("{HEADER}\n");
    let mut expected: Vec<(u64, &str)> = Vec::new();
    let mut line = 1u64;
    for (i, (b, field)) in bad.iter().enumerate() {
        text.push_str(&good(i));
        text.push('\n');
        text.push_str(b);
        text.push('\n');
        line += 2;
        expected.push((line, field));
    }
    text.push_str(&good(bad.len()));
    text.push('\n');
    let path = dir.join(format!("hostile-{name}.csv"));
    std::fs::write(&path, &text).unwrap();

    for round in 0..2 {
        let summary = import_contacts(store, &path, &ImportOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{name}, round {round}: the import failed: {e:#}"));
        assert_eq!(summary.read, (2 * bad.len() + 1) as u64, "{name}");
        assert_eq!(summary.rejected, bad.len() as u64, "{name}");
        let inserted = if round == 0 { bad.len() as u64 + 1 } else { 0 };
        assert_eq!(summary.inserted, inserted, "{name}, round {round}");
        assert_eq!(
            summary.duplicates,
            bad.len() as u64 + 1 - inserted,
            "{name}"
        );
        let got: Vec<(u64, Option<&str>)> = summary
            .rejections
            .iter()
            .map(|r: &Rejection| (r.line, r.field.as_deref()))
            .collect();
        let want: Vec<(u64, Option<&str>)> = expected.iter().map(|(l, f)| (*l, Some(*f))).collect();
        assert_eq!(got, want, "{name}: {:#?}", summary.rejections);
        for r in &summary.rejections {
            assert!(
                r.reason.contains("control character") || r.reason.contains("at most"),
                "{name}: {r}"
            );
        }
        // The rejects file keeps the header and the bad lines as they were.
        let rejects = std::fs::read_to_string(summary.rejects_file.as_ref().unwrap()).unwrap();
        let mut want = format!("{HEADER}\n");
        for (b, _) in &bad {
            want.push_str(b);
            want.push('\n');
        }
        assert_eq!(rejects, want, "{name}");
    }
    assert_eq!(contacts(store).await, bad.len() as i64 + 1, "{name}");

    // JSON lines: `\u0000` in a string is the same NUL.
    let jpath = dir.join(format!("hostile-{name}.jsonl"));
    std::fs::write(
        &jpath,
        concat!(
            r#"{"external_id": "j1", "channel": "web", "started_at": "2011-03-01 09:00:00"}"#,
            "\n",
            r#"{"external_id": "j2", "channel": "web", "started_at": "2011-03-01 09:00:00", "agent": "a\u0000b"}"#,
            "\n",
            r#"{"external_id": "j3\u001b", "channel": "web", "started_at": "2011-03-01 09:00:00"}"#,
            "\n",
            r#"{"external_id": "j4", "channel": "web", "started_at": "2011-03-01 09:00:00", "customer": "a\u0085b"}"#,
            "\n",
            r#"{"external_id": "j5", "channel": "web", "started_at": "2011-03-01 09:00:00"}"#,
            "\n",
        ),
    )
    .unwrap();
    let summary = import_contacts(store, &jpath, &ImportOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{name}: the JSON import failed: {e:#}"));
    assert_eq!((summary.inserted, summary.rejected), (2, 3), "{name}");
    assert_eq!(contacts(store).await, bad.len() as i64 + 3, "{name}");
    let got: Vec<(u64, Option<&str>)> = summary
        .rejections
        .iter()
        .map(|r| (r.line, r.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (2, Some("agent")),
            (3, Some("external_id")),
            (4, Some("customer"))
        ],
        "{name}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_rejected_by_line_and_field_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    for ts in fresh_stores().await.unwrap() {
        check(&ts.store, ts.name, dir.path()).await;
    }
}
