//! The process as an operator runs it, through the real binary: SIGTERM lets the requests in
//! flight finish and exits 0, with JSON logs that carry each request's id; `canali backup`
//! copies a SQLite database consistently, also while it is written; `canali config check`
//! shows the settings with the secrets masked and refuses invalid ones.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::canali_in;

fn run(dir: &Path, db: &str, args: &[&str]) -> Output {
    common::run(canali_in(dir), db, args)
}

fn report_json(dir: &Path, db: &str) -> Value {
    common::report_json(canali_in(dir), db)
}

async fn scalar(db: &str, sql: &str) -> String {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(db).await.expect("open");
    let v: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut c)
        .await
        .expect("query");
    c.close().await.ok();
    v
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("canali serve did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads an HTTP/1.1 answer to its end (the server closes the connection when it stops).
fn read_answer(s: &mut TcpStream) -> (u16, String) {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
                // The contact's answer is small JSON: stop at its closing brace.
                if text.contains("\r\n\r\n") && text.trim_end().ends_with('}') {
                    break;
                }
            }
            Err(e) => panic!("reading the answer: {e} (so far: {text})"),
        }
    }
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_requests_in_flight_finish_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("canali.db").display());
    run(dir.path(), &db, &["migrate"]);
    let out = run(dir.path(), &db, &["token", "create", "--name", "ops test"]);
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();

    let log = dir.path().join("serve.log");
    let mut child = canali_in(dir.path())
        .args([
            "--db",
            &db,
            "--log-format",
            "json",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("canali serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut address = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(at) = line.find("on http://")
            && line.starts_with("canali is serving")
        {
            address = Some(line[at + "on http://".len()..].trim().to_string());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let address = address.expect("the banner names the address");
    // Keep reading the banner's pipe so that the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});

    // A request that completes before the signal, with an id of the caller's.
    let mut s = TcpStream::connect(&address).unwrap();
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: before-stop-1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let (status, text) = read_answer(&mut s);
    assert_eq!(status, 200, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("x-request-id: before-stop-1"),
        "{text}"
    );

    // A request in flight: the headers and half of the body sent, the rest after SIGTERM.
    let body = serde_json::json!({
        "source": "ops", "external_id": "in-flight-1", "channel": "call_center_residential",
        "started_at": "2011-03-01T09:15:00+01:00", "wait_seconds": 5
    })
    .to_string();
    let mut slow = TcpStream::connect(&address).unwrap();
    write!(
        slow,
        "POST /api/v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..body.len() / 2]
    )
    .unwrap();
    slow.flush().unwrap();
    std::thread::sleep(Duration::from_millis(500));

    // SAFETY: signalling our own child by its id.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "canali stopped before the request in flight finished"
    );
    slow.write_all(&body.as_bytes()[body.len() / 2..]).unwrap();
    let (status, text) = read_answer(&mut slow);
    assert_eq!(
        status, 201,
        "the request in flight was not completed: {text}"
    );

    let status = wait_exit(&mut child, Duration::from_secs(20));
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "exit status {status:?}; log:\n{log_text}");

    // The contact was committed before the pool closed.
    let n = scalar(
        &db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM contacts WHERE source = 'ops'",
    )
    .await;
    assert_eq!(n, "1");

    // One JSON log line per request, with its route template, status and id.
    let requests: Vec<Value> = log_text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "canali::http")
        .collect();
    let healthz = requests
        .iter()
        .find(|v| v["route"] == "/healthz")
        .unwrap_or_else(|| panic!("no log line of /healthz in:\n{log_text}"));
    assert_eq!(healthz["request_id"], "before-stop-1");
    assert_eq!(healthz["status"], 200);
    assert_eq!(healthz["method"], "GET");
    assert!(healthz["duration_ms"].as_f64().is_some());
    let posted = requests
        .iter()
        .find(|v| v["route"] == "/api/v1/contacts")
        .unwrap_or_else(|| panic!("no log line of the contact in:\n{log_text}"));
    assert_eq!(posted["status"], 201);
    assert_eq!(posted["request_id"].as_str().map(str::len), Some(24));
}

/// A 500 is logged with default settings (no `CANALI_LOG`, text format): one line at ERROR
/// level with the request's id, the route and the error itself, which the answer only says
/// was logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_logged_at_error_level_with_its_request_id_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("canali.db").display());
    run(dir.path(), &db, &["migrate"]);
    let out = run(dir.path(), &db, &["token", "create", "--name", "ops test"]);
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();
    let log = dir.path().join("serve.log");
    let mut child = canali_in(dir.path())
        .args(["--db", &db, "serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("canali serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut address = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(at) = line.find("on http://")
            && line.starts_with("canali is serving")
        {
            address = Some(line[at + "on http://".len()..].trim().to_string());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let address = address.expect("the banner names the address");
    std::thread::spawn(move || for _ in lines {});

    // The mail registry's table disappears under the running server: its list fails.
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db).await.expect("open");
        sqlx::query("DROP TABLE mail_items")
            .execute(&mut c)
            .await
            .expect("drop");
        c.close().await.ok();
    }
    let mut s = TcpStream::connect(&address).unwrap();
    write!(
        s,
        "GET /api/v1/mail HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         X-Request-Id: broken-mail-1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let (status, text) = read_answer(&mut s);
    assert_eq!(status, 500, "{text}");
    assert!(text.contains("was logged"), "{text}");
    assert!(
        !text.contains("mail_items"),
        "the answer shows the error: {text}"
    );

    // SAFETY: signalling our own child by its id.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    wait_exit(&mut child, Duration::from_secs(20));
    let log_text = std::fs::read_to_string(&log).unwrap();
    let line = log_text
        .lines()
        .find(|l| l.contains("broken-mail-1") && l.contains("ERROR"))
        .unwrap_or_else(|| panic!("no ERROR line with the request id in:\n{log_text}"));
    assert!(line.contains("status=500"), "{line}");
    assert!(line.contains("/api/v1/mail"), "{line}");
    assert!(line.contains("no such table: mail_items"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_the_same_report_and_one_taken_during_writes_is_sound() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("canali.db");
    let db = format!("sqlite://{}", file.display());
    run(
        dir.path(),
        &db,
        &[
            "simulate",
            "--from",
            "2011-01-01",
            "--to",
            "2011-12-31",
            "--scale",
            "0.002",
        ],
    );

    // Quiet database: the restored copy gives the same report.
    let backup = dir.path().join("backup.db");
    let out = run(
        dir.path(),
        &db,
        &["backup", "--to", backup.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Backed up"));
    let restored = dir.path().join("restored.db");
    std::fs::copy(&backup, &restored).unwrap();
    let restored_db = format!("sqlite://{}", restored.display());
    let original = report_json(dir.path(), &db);
    assert!(original.is_object());
    assert_eq!(report_json(dir.path(), &restored_db), original);

    // An existing file is never overwritten.
    let again = canali_in(dir.path())
        .args(["--db", &db, "backup", "--to", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    // A backup while another process writes contacts: it opens and passes integrity_check.
    let csv = dir.path().join("more.csv");
    let mut text = String::from("external_id,channel,started_at,wait_seconds\n");
    for i in 0..200_000 {
        text.push_str(&format!(
            "m{i},call_center_residential,2011-06-{:02}T10:00:00+02:00,{}\n",
            i % 28 + 1,
            i % 300
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let mut writer = canali_in(dir.path())
        .args([
            "--db",
            &db,
            "import",
            "contacts",
            "more.csv",
            "--batch-size",
            "2000",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Backups one after another for as long as the writer runs: each is checked.
    let mut taken = 0;
    while writer.try_wait().unwrap().is_none() || taken == 0 {
        let during = dir.path().join(format!("during-{taken}.db"));
        let started_while_writing = writer.try_wait().unwrap().is_none();
        run(
            dir.path(),
            &db,
            &["backup", "--to", during.to_str().unwrap()],
        );
        let during_db = format!("sqlite://{}", during.display());
        assert_eq!(scalar(&during_db, "PRAGMA integrity_check").await, "ok");
        let copied: i64 = scalar(
            &during_db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM contacts WHERE source = 'more.csv'",
        )
        .await
        .parse()
        .unwrap();
        assert!(copied <= 200_000, "{copied}");
        // Its rollups match its ledger: the copy is one moment of the database.
        let rolled: i64 = scalar(
            &during_db,
            "SELECT CAST(COALESCE(SUM(contacts), 0) AS TEXT) FROM contact_daily",
        )
        .await
        .parse()
        .unwrap();
        let ledger: i64 = scalar(&during_db, "SELECT CAST(COUNT(*) AS TEXT) FROM contacts")
            .await
            .parse()
            .unwrap();
        assert_eq!(rolled, ledger, "backup {taken}");
        if started_while_writing {
            taken += 1;
        } else if taken == 0 {
            panic!("the writer ended before a backup could start: make it write longer");
        }
    }
    assert!(writer.wait().unwrap().success());
}

#[test]
fn backup_of_postgres_points_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let out = canali_in(dir.path())
        .args([
            "--db",
            "postgres://u:pw@127.0.0.1:1/none",
            "backup",
            "--to",
            "x.db",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pg_dump") && err.contains("docs/operations.md"),
        "{err}"
    );
}

#[test]
fn config_check_masks_the_secrets_and_refuses_invalid_settings() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("canali.toml");
    std::fs::write(
        &toml,
        "[web]\nmetrics_token = \"s3cret-metrics-token-0123\"\n\
         [web.smtp]\nhost = \"mail.example\"\nport = 587\nusername = \"canali\"\n\
         password = \"hunter2-smtp-password\"\n\
         [report]\nco2_grams_per_bill = 70.0\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        "postgres://canali:db-password@db.example/canali",
        &["config", "check"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("s3cret"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("db-password"), "{text}");
    assert!(text.contains("canali.toml"), "{text}");
    assert!(
        text.contains("postgres://canali:***@db.example/canali"),
        "{text}"
    );
    assert!(text.contains("metrics_token = \"***\""), "{text}");
    assert!(text.contains("co2_grams_per_bill = 70.0"), "{text}");
    for table in [
        "[report]",
        "[branches]",
        "[callcenter]",
        "[web]",
        "[billing]",
    ] {
        assert!(text.contains(table), "{table} missing in {text}");
    }
    // The output is TOML that parses.
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(body.parse::<toml::Table>().is_ok(), "{body}");

    std::fs::write(&toml, "[web]\nmetrics_bind = \"everywhere\"\n").unwrap();
    let out = canali_in(dir.path())
        .args(["config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("metrics_bind") && err.contains("everywhere"),
        "{err}"
    );
}
