//! What operators expect of the server, on every backend: `/healthz`, `/readyz` (and its 503
//! while the search is not ready), Prometheus `/metrics` whose counters move under load and
//! whose gauges show what waits now, the rules that keep `/metrics` private, the separate
//! metrics listener, and the request id echoed in `X-Request-Id`.

use crate::common::{self, TestApp, spawn, spawn_apps};
use canali_callcenter::follow::{ImportOptions, import_queue_log};
use canali_domain::Channel;
use canali_store::NewContact;
use canali_store::testing::{fresh_sqlite, sample_branch};
use canali_store::tickets::ServiceCategory;
use serde_json::Value;
use std::sync::atomic::Ordering;

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The value of the sample of `name` whose labels include all of `labels` (0 when absent).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            let (head, _) = l.rsplit_once(' ').unwrap_or((l, ""));
            let metric = head.split('{').next().unwrap_or("");
            metric == name
                && labels
                    .iter()
                    .all(|(k, v)| head.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let (status, text) = get(&format!("{}/metrics", app.base)).await;
    assert_eq!(status, 200, "{}: {text}", app.backend);
    text
}

#[tokio::test]
async fn health_and_readiness() {
    for app in spawn_apps().await {
        let b = app.backend;
        let r = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
        // A probe gets no cookie: no session, no form token.
        assert!(r.headers().get("set-cookie").is_none(), "{b}");
        let (status, body) = (r.status().as_u16(), r.text().await.unwrap());
        assert_eq!(status, 200, "{b}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "ok");

        let (status, body) = get(&format!("{}/readyz", app.base)).await;
        assert_eq!(status, 200, "{b}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "ready");
        for check in ["database", "schema", "search"] {
            assert_eq!(v["checks"][check]["ok"], true, "{b}: {check} in {body}");
        }
        assert_eq!(
            v["checks"]["schema"]["version"],
            canali_store::Store::known_schema_version()
        );

        // While the search indexes are built, the server is alive but not ready.
        app.search_ready.store(false, Ordering::SeqCst);
        let (status, body) = get(&format!("{}/readyz", app.base)).await;
        assert_eq!(status, 503, "{b}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["failed"], serde_json::json!(["search"]), "{b}: {body}");
        assert_eq!(v["checks"]["database"]["ok"], true);
        let (status, _) = get(&format!("{}/healthz", app.base)).await;
        assert_eq!(status, 200);
        let text = scrape(&app).await;
        assert_eq!(sample(&text, "canali_search_ready", &[]), 0.0, "{b}");
        app.search_ready.store(true, Ordering::SeqCst);
        let (status, _) = get(&format!("{}/readyz", app.base)).await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn metrics_name_every_figure_and_move_under_load() {
    for app in spawn_apps().await {
        let b = app.backend;
        let source = format!("ops-metrics-{b}");
        let before = scrape(&app).await;
        for name in [
            "canali_db_connections_in_use",
            "canali_db_connections_idle",
            "canali_db_connections_max",
            "canali_calls_waiting",
            "canali_tickets_waiting",
            "canali_search_ready",
        ] {
            assert!(
                before.contains(&format!("# TYPE {name} gauge")),
                "{b}: {name} in {before}"
            );
        }
        let healthz = [("route", "/healthz"), ("method", "GET"), ("status", "200")];
        let n0 = sample(&before, "canali_http_requests_total", &healthz);

        // Load: requests, contacts, a call waiting, a ticket waiting.
        for _ in 0..5 {
            get(&format!("{}/healthz", app.base)).await;
        }
        get(&format!("{}/display/NOWHERE-42", app.base)).await;
        get(&format!("{}/no/such/page/77", app.base)).await;
        let contact = |id: &str| NewContact::new(id, Channel::Web, canali_web::now_micros());
        app.store
            .ledger()
            .ingest(&source, &[contact("a"), contact("b"), contact("c")])
            .await
            .unwrap();
        let now = jiff::Timestamp::now().as_second();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("queue_log");
        std::fs::write(
            &log,
            format!("{}|call-1|600|NONE|ENTERQUEUE||3331234567|1\n", now - 20),
        )
        .unwrap();
        let follower = format!("pbx-{b}");
        import_queue_log(
            &app.store,
            &log,
            &ImportOptions::new(&follower),
            &mut |_| {},
        )
        .await
        .unwrap();
        app.store
            .network()
            .insert_branches(&[sample_branch("OPS1")])
            .await
            .unwrap();
        app.store
            .tickets()
            .set_service_categories(&[ServiceCategory {
                branch: "OPS1".into(),
                code: "A".into(),
                name: "Bollette".into(),
                priority: 1,
            }])
            .await
            .unwrap();
        app.store
            .tickets()
            .take("OPS1", "A", false, canali_web::now_micros(), 0)
            .await
            .unwrap();

        let after = scrape(&app).await;
        let n1 = sample(&after, "canali_http_requests_total", &healthz);
        assert!(n1 >= n0 + 5.0, "{b}: {n0} -> {n1}");
        assert!(
            sample(
                &after,
                "canali_http_request_duration_seconds_count",
                &[("route", "/healthz")]
            ) >= 5.0
        );
        assert!(after.contains("canali_http_request_duration_seconds_bucket{"));
        // Routes by template, never the raw path.
        assert!(
            sample(
                &after,
                "canali_http_requests_total",
                &[("route", "/display/{branch}")]
            ) >= 1.0,
            "{b}: {after}"
        );
        assert!(
            sample(
                &after,
                "canali_http_requests_total",
                &[("route", "unmatched")]
            ) >= 1.0
        );
        assert!(!after.contains("NOWHERE-42") && !after.contains("/no/such/page"));
        assert_eq!(
            sample(
                &after,
                "canali_contacts_ingested_total",
                &[("source", &source)]
            ),
            3.0,
            "{b}"
        );
        let lag = sample(
            &after,
            "canali_queue_log_lag_seconds",
            &[("source", &follower)],
        );
        assert!((15.0..300.0).contains(&lag), "{b}: lag {lag}");
        assert_eq!(
            sample(&after, "canali_calls_waiting", &[("line", "residential")]),
            1.0,
            "{b}: {after}"
        );
        assert_eq!(
            sample(&after, "canali_tickets_waiting", &[("branch", "OPS1")]),
            1.0,
            "{b}"
        );
        assert!(sample(&after, "canali_db_connections_max", &[]) >= 1.0);
    }
}

#[tokio::test]
async fn metrics_stay_private() {
    let token = "0123456789abcdef-metrics";
    for ts in canali_store::testing::fresh_stores().await.unwrap() {
        let b = ts.name;
        // Default: loopback clients only, and not through a proxy.
        let app = spawn(ts, |_| {}).await;
        let url = format!("{}/metrics", app.base);
        let r = reqwest::Client::new()
            .get(&url)
            .header("X-Forwarded-For", "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{b}");
        assert_eq!(get(&url).await.0, 200);
    }
    // With a token: refused without it or with another one.
    let app = spawn(fresh_sqlite().await.unwrap(), |c| {
        c.metrics_token = Some(token.into())
    })
    .await;
    let url = format!("{}/metrics", app.base);
    let c = reqwest::Client::new();
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = c
        .get(&url)
        .bearer_auth("wrong-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("canali_db_connections_idle")
    );
    // Health checks stay open.
    assert_eq!(get(&format!("{}/readyz", app.base)).await.0, 200);
}

#[tokio::test]
async fn metrics_on_their_own_address() {
    let ts = fresh_sqlite().await.unwrap();
    let store = std::sync::Arc::new(canali_store::Store::connect(&ts.url).await.unwrap());
    let main = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let side = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (main_addr, side_addr) = (main.local_addr().unwrap(), side.local_addr().unwrap());
    let config = canali_web::WebConfig {
        metrics_bind: Some(side_addr.to_string()),
        outbox: std::env::temp_dir().join("canali-ops-outbox"),
        ..Default::default()
    };
    let state = canali_web::AppState::new(store, config).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(canali_web::serve_until(state, main, Some(side), async {
        let _ = stop_rx.await;
    }));
    assert_eq!(get(&format!("http://{main_addr}/metrics")).await.0, 404);
    assert_eq!(get(&format!("http://{main_addr}/healthz")).await.0, 200);
    let (status, text) = get(&format!("http://{side_addr}/metrics")).await;
    assert_eq!(status, 200);
    assert!(text.contains("canali_db_connections_in_use"));
    assert_eq!(get(&format!("http://{side_addr}/readyz")).await.0, 200);
    // Both listeners stop when asked, and the server returns.
    stop_tx.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let app = spawn(fresh_sqlite().await.unwrap(), |_| {}).await;
    let c = common::client();
    let url = format!("{}/healthz", app.base);
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let r = c
        .get(&url)
        .header("X-Request-Id", "lb-7f3a-01")
        .send()
        .await
        .unwrap();
    assert_eq!(id(&r).as_deref(), Some("lb-7f3a-01"));
    // An id that is not plain text is replaced by one of ours.
    let r = c
        .get(&url)
        .header("X-Request-Id", "<img src=x>")
        .send()
        .await
        .unwrap();
    let made = id(&r).unwrap();
    assert_eq!(made.len(), 24);
    assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
    // Every answer carries one, pages and errors alike.
    let r = c.get(format!("{}/login", app.base)).send().await.unwrap();
    let first = id(&r).unwrap();
    let r = c
        .get(format!("{}/nothing-here", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let second = id(&r).unwrap();
    assert_ne!(first, second);
}
