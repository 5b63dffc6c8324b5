//! The REST API under /api/v1 on every backend: bearer tokens, problem details, contacts one at
//! a time and in batches, customers, requests, mail, the report, the OpenAPI document and the
//! Swagger UI.

use crate::common;

use common::{CUSTOMER_CODE, TestApp, problem, spawn_apps};
use reqwest::Method;
use serde_json::{Value, json};

fn contact(external_id: &str) -> Value {
    json!({
        "source": "crm",
        "external_id": external_id,
        "channel": "call_center_residential",
        "started_at": "2011-03-01T09:15:00+01:00",
        "ended_at": "2011-03-01T09:21:30+01:00",
        "wait_seconds": 95,
        "handle_seconds": 390,
        "customer": CUSTOMER_CODE,
        "reason": "billing",
        "outcome": "resolved"
    })
}

async fn ledger_count(app: &TestApp, external_id: &str) -> usize {
    let customer = app
        .store
        .customers()
        .by_code(CUSTOMER_CODE)
        .await
        .unwrap()
        .unwrap();
    app.store
        .customers()
        .timeline(&customer.code, None, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.source == "crm" && c.external_id == external_id)
        .count()
}

#[tokio::test]
async fn tokens_are_required_and_revocation_works() {
    for app in spawn_apps().await {
        let path = "/api/v1/customers?q=Rossi";
        let get_as = |token: Option<&str>| app.api_request_as(Method::GET, path, token).send();
        let r = get_as(None).await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"canali\"");
        problem(r, 401).await;
        let r = get_as(Some("not-a-token")).await.unwrap();
        assert!(r.headers().contains_key("www-authenticate"));
        problem(r, 401).await;
        // Cookies never authenticate the API.
        let r = app
            .api_request_as(Method::GET, path, None)
            .header("cookie", "canali_session=whatever")
            .send()
            .await
            .unwrap();
        problem(r, 401).await;

        let (id, t) = app.new_api_token("test integration").await;
        let r = get_as(Some(&t)).await.unwrap();
        assert_eq!(
            r.status(),
            200,
            "{}: {}",
            app.backend,
            r.text().await.unwrap()
        );

        // A token revoked before its first use is refused at once.
        let (id2, t2) = app.new_api_token("test integration").await;
        assert!(app.store.accounts().revoke_api_token(id2, 0).await.unwrap());
        problem(get_as(Some(&t2)).await.unwrap(), 401).await;

        // One in use is refused within the cache's time to live.
        assert!(app.store.accounts().revoke_api_token(id, 0).await.unwrap());
        tokio::time::sleep(canali_web::api::TOKEN_TTL + std::time::Duration::from_millis(200))
            .await;
        problem(get_as(Some(&t)).await.unwrap(), 401).await;
    }
}

#[tokio::test]
async fn unknown_api_paths_are_problems() {
    for app in spawn_apps().await {
        let r = app
            .api_request_as(Method::GET, "/api/v1/nothing-here", None)
            .send()
            .await
            .unwrap();
        problem(r, 404).await;
        let r = app
            .api_request_as(Method::DELETE, "/api/v1/contacts", None)
            .send()
            .await
            .unwrap();
        problem(r, 405).await;
        let r = app.api_get("/api/v1/customers/999999").await;
        problem(r, 404).await;
        let r = app.api_get("/api/v1/customers/abc").await;
        problem(r, 400).await;
    }
}

#[tokio::test]
async fn a_contact_is_created_once() {
    for app in spawn_apps().await {
        let url = format!("{}/api/v1/contacts", app.base);
        let r = app.api_post(&url, &contact("CC-1")).await;
        assert_eq!(
            r.status(),
            201,
            "{}: {}",
            app.backend,
            r.text().await.unwrap()
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["id"], canali_store::contact_id("crm", "CC-1"));
        assert_eq!(body["created"], true);
        let r = app.api_post(&url, &contact("CC-1")).await;
        assert_eq!(r.status(), 200);
        let again: Value = r.json().await.unwrap();
        assert_eq!(again["id"], body["id"]);
        assert_eq!(again["created"], false);
        assert_eq!(ledger_count(&app, "CC-1").await, 1);

        // Concurrent posts are written together, each answered with its own result.
        let mut posts = Vec::new();
        for i in 0..40 {
            let post = app.api_request(Method::POST, &url).await;
            let post = post.json(&contact(&format!("CC-par-{}", i % 20)));
            posts.push(async move { post.send().await.unwrap().status().as_u16() });
        }
        let statuses = futures_join_all(posts.into_iter()).await;
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 20);
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 20);
    }
}

/// Runs the futures at once and collects their results in order.
async fn futures_join_all<F: std::future::Future<Output = u16> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_bad_contact_names_its_fields() {
    for app in spawn_apps().await {
        let url = format!("{}/api/v1/contacts", app.base);
        let mut bad = contact("CC-bad");
        bad["channel"] = json!("sportello");
        bad["started_at"] = json!("01/03/2011 09:15");
        bad.as_object_mut().unwrap().remove("external_id");
        let r = app.api_post(&url, &bad).await;
        let p = problem(r, 400).await;
        assert_eq!(p["type"], "/api/problems/validation");
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["external_id", "channel", "started_at"], "{p}");
        assert!(p["detail"].as_str().unwrap().contains("sportello"));

        // Not JSON at all, or not an object: still a problem, never a 500.
        for body in ["{not json", "[1, 2]", "\"text\"", ""] {
            let r = app.api_post_raw(&url, body).await;
            problem(r, 400).await;
        }
        // Reserved sources are refused.
        let mut reserved = contact("CC-r");
        reserved["source"] = json!("requests");
        let r = app.api_post(&url, &reserved).await;
        let p = problem(r, 400).await;
        assert_eq!(p["errors"][0]["field"], "source");
    }
}

#[tokio::test]
async fn a_batch_takes_the_good_and_reports_the_bad() {
    for app in spawn_apps().await {
        let mut bad_channel = contact("B-4");
        bad_channel["channel"] = json!("fax");
        let mut bad_wait = contact("B-2");
        bad_wait["wait_seconds"] = json!(-3);
        let mut other_source = contact("B-5");
        other_source["source"] = json!("erp");
        let batch = json!([
            contact("B-1"),
            contact("B-3"),
            bad_wait,
            other_source,
            bad_channel,
        ]);
        let r = app.api_post("/api/v1/contacts/batch", &batch).await;
        assert_eq!(r.status(), 200);
        let out: Value = r.json().await.unwrap();
        assert_eq!(out["received"], 5, "{out}");
        assert_eq!(out["inserted"], 3, "{out}");
        assert_eq!(out["duplicates"], 0);
        assert_eq!(out["rejected"], 2);
        let errors: Vec<(u64, &str)> = out["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["index"].as_u64().unwrap(), e["field"].as_str().unwrap()))
            .collect();
        assert_eq!(errors, [(2, "wait_seconds"), (4, "channel")]);
        assert_eq!(ledger_count(&app, "B-1").await, 1);
        assert_eq!(ledger_count(&app, "B-2").await, 0);

        // The same again: nothing new.
        let r = app.api_post("/api/v1/contacts/batch", &batch).await;
        let out: Value = r.json().await.unwrap();
        assert_eq!(
            (out["inserted"].as_u64(), out["duplicates"].as_u64()),
            (Some(0), Some(3))
        );

        let r = app
            .api_post("/api/v1/contacts/batch", &json!({"not": "an array"}))
            .await;
        problem(r, 400).await;

        // A full batch (10,000 contacts, over 2 MB of JSON) is taken.
        let full: Vec<Value> = (0..10_000).map(|i| contact(&format!("F-{i}"))).collect();
        let r = app.api_post("/api/v1/contacts/batch", &full).await;
        assert_eq!(r.status(), 200);
        let out: Value = r.json().await.unwrap();
        assert_eq!(out["inserted"], 10_000, "{out}");
    }
}

#[tokio::test]
async fn customers_search_record_timeline_and_bills() {
    for app in spawn_apps().await {
        let app = &app;
        let get = |path: String| async move {
            let r = app.api_get(&path).await;
            assert_eq!(r.status(), 200, "{path}");
            r.json::<Value>().await.unwrap()
        };
        let found = get(format!("/api/v1/customers?q={CUSTOMER_CODE}")).await;
        assert_eq!(found["customers"][0]["code"], CUSTOMER_CODE);
        let id = found["customers"][0]["id"].as_i64().unwrap();
        let by_name = get("/api/v1/customers?q=mario".into()).await;
        assert_eq!(by_name["customers"][0]["id"], id);
        assert_eq!(by_name["customers"][0]["matched"], "name");
        let r = app.api_get("/api/v1/customers?q=").await;
        let p = problem(r, 400).await;
        assert_eq!(p["errors"][0]["field"], "q");

        let record = get(format!("/api/v1/customers/{id}")).await;
        assert_eq!(record["customer"]["name"], "Mario Rossi");
        assert_eq!(record["supply_points"].as_array().unwrap().len(), 3);

        let bills = get(format!("/api/v1/customers/{id}/bills")).await;
        assert_eq!(bills["bills"].as_array().unwrap().len(), 2);

        // Three contacts, paged two at a time.
        let batch: Vec<Value> = (1..=3)
            .map(|i| {
                let mut c = contact(&format!("T-{i}"));
                c["started_at"] = json!(format!("2011-03-0{i}T09:00:00Z"));
                c["ended_at"] = Value::Null;
                c
            })
            .collect();
        let r = app.api_post("/api/v1/contacts/batch", &batch).await;
        let out: Value = r.json().await.unwrap();
        assert_eq!(out["inserted"], 3, "{out}");
        let page = get(format!("/api/v1/customers/{id}/contacts?limit=2")).await;
        let ids: Vec<&str> = page["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["external_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["T-3", "T-2"]);
        let next = page["next"].as_str().unwrap();
        let page = get(format!(
            "/api/v1/customers/{id}/contacts?limit=2&before={next}"
        ))
        .await;
        assert_eq!(page["contacts"][0]["external_id"], "T-1");
        assert_eq!(page["contacts"].as_array().unwrap().len(), 1);
        assert!(page["next"].is_null());
        let r = app
            .api_get(&format!("/api/v1/customers/{id}/contacts?before=yesterday"))
            .await;
        problem(r, 400).await;
    }
}

#[tokio::test]
async fn requests_are_opened_queued_and_answered() {
    for app in spawn_apps().await {
        let r = app
            .api_post(
                "/api/v1/requests",
                &json!({
                    "customer_id": 1.0, // a whole float is an integer for JSON Schema
                    "kind": "complaint",
                    "channel": "call_center_residential",
                    "subject": "Bolletta troppo alta",
                    "body": "La bolletta di marzo è il doppio del solito."
                }),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let opened: Value = r.json().await.unwrap();
        let id = opened["id"].as_i64().unwrap();
        assert_eq!(opened["status"], "open");
        assert!(opened["deadline_day"].is_string());

        let queue: Value = app
            .api_get("/api/v1/requests?status=open")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(queue["requests"][0]["request"]["id"], id);
        assert_eq!(queue["requests"][0]["customer_code"], CUSTOMER_CODE);

        let r = app
            .api_post(
                &format!("/api/v1/requests/{id}/answer"),
                &json!({"answer": "Abbiamo ricalcolato la bolletta.", "channel": "mail"}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let answered: Value = r.json().await.unwrap();
        assert_eq!(answered["status"], "answered");
        assert_eq!(answered["compensation_cents"], 0);

        let got: Value = app
            .api_get(&format!("/api/v1/requests/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(got["answer"], "Abbiamo ricalcolato la bolletta.");

        // Answering again is a conflict; bad input names the field.
        let r = app
            .api_post(
                &format!("/api/v1/requests/{id}/answer"),
                &json!({"answer": "again"}),
            )
            .await;
        problem(r, 409).await;
        let r = app
            .api_post(
                "/api/v1/requests",
                &json!({"customer_id": 1, "kind": "lament", "subject": "x", "body": "y"}),
            )
            .await;
        let p = problem(r, 400).await;
        assert_eq!(p["errors"][0]["field"], "kind");
        let r = app
            .api_post(
                "/api/v1/requests",
                &json!({"kind": "information", "subject": "x", "body": "y"}),
            )
            .await;
        let p = problem(r, 400).await;
        assert_eq!(p["errors"][0]["field"], "customer_id");
        let r = app.api_get("/api/v1/requests?status=lost").await;
        problem(r, 400).await;
    }
}

#[tokio::test]
async fn mail_is_registered_and_listed() {
    for app in spawn_apps().await {
        let r = app
            .api_post(
                "/api/v1/mail",
                &json!({
                    "received_day": "2011-03-01",
                    "sender": "Mario Rossi",
                    "subject": "Reclamo per lettura errata",
                    "customer_id": 1,
                    "new_request_kind": "complaint",
                    "new_request_body": "La lettura del contatore è sbagliata."
                }),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let item: Value = r.json().await.unwrap();
        assert_eq!(item["protocol"], "2011/000001");
        assert!(item["request_id"].is_i64());

        let list: Value = app.api_get("/api/v1/mail").await.json().await.unwrap();
        assert_eq!(list["mail"][0]["protocol"], "2011/000001");

        let r = app
            .api_post(
                "/api/v1/mail",
                &json!({"received_day": "1 marzo", "sender": "x", "subject": "y"}),
            )
            .await;
        let p = problem(r, 400).await;
        assert_eq!(p["errors"][0]["field"], "received_day");
    }
}

#[tokio::test]
async fn the_report_of_a_year() {
    for app in spawn_apps().await {
        let r = app.api_post("/api/v1/contacts", &contact("R-1")).await;
        assert_eq!(r.status(), 201);
        let r = app.api_get("/api/v1/report/2011").await;
        assert_eq!(r.status(), 200);
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["year"], 2011);
        assert_eq!(report["previous_year"], 2010);
        assert!(report["contacts"].is_object());
        assert!(
            report["contacts"].to_string().contains("\"contacts\":1"),
            "{}",
            report["contacts"]
        );
        for bad in ["abc", "99999", "0"] {
            let r = app.api_get(&format!("/api/v1/report/{bad}")).await;
            problem(r, 400).await;
        }
    }
}

#[tokio::test]
async fn openapi_and_swagger_ui() {
    for app in spawn_apps().await {
        let r = app
            .api_request_as(Method::GET, "/api/openapi.json", None)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let doc: Value = r.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/v1/customers",
            "/api/v1/customers/{id}",
            "/api/v1/customers/{id}/contacts",
            "/api/v1/customers/{id}/bills",
            "/api/v1/contacts",
            "/api/v1/contacts/batch",
            "/api/v1/requests",
            "/api/v1/requests/{id}",
            "/api/v1/requests/{id}/answer",
            "/api/v1/mail",
            "/api/v1/report/{year}",
        ] {
            assert!(
                paths.contains_key(p),
                "{p} missing from the OpenAPI document"
            );
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

        let r = app
            .api_request_as(Method::GET, "/api/docs/", None)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("swagger"), "{html}");
        assert!(
            !html.contains("https://"),
            "Swagger UI must not load from a CDN"
        );
        // /api/docs redirects to /api/docs/; the page's script is served from the binary.
        let r = app
            .api_request_as(Method::GET, "/api/docs", None)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = app
            .api_request_as(Method::GET, "/api/docs/swagger-initializer.js", None)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("/api/openapi.json"));
    }
}

#[tokio::test]
async fn ranges_are_enforced_as_declared() {
    for app in spawn_apps().await {
        // Out of range or not a whole number: a problem naming the parameter and its range.
        for (path, param, range) in [
            (
                "/api/v1/customers?q=Rossi&limit=-1",
                "limit",
                "from 1 to 200",
            ),
            (
                "/api/v1/customers?q=Rossi&limit=1000000",
                "limit",
                "from 1 to 200",
            ),
            (
                "/api/v1/customers?q=Rossi&limit=99999999999",
                "limit",
                "from 1 to 200",
            ),
            (
                "/api/v1/customers?q=Rossi&limit=2.5",
                "limit",
                "from 1 to 200",
            ),
            (
                "/api/v1/customers/1/contacts?limit=501",
                "limit",
                "from 1 to 500",
            ),
            ("/api/v1/customers/1/bills?offset=-1", "offset", "from 0 to"),
            ("/api/v1/mail?limit=0", "limit", "from 1 to 500"),
            ("/api/v1/requests?limit=", "limit", "from 1 to 500"),
            ("/api/v1/customers/0", "id", "from 1 to"),
            ("/api/v1/customers/-4/bills", "id", "from 1 to"),
            ("/api/v1/requests/99999999999999999999", "id", "from 1 to"),
            ("/api/v1/customers/abc/contacts", "id", "from 1 to"),
            ("/api/v1/customers/1.5", "id", "from 1 to"),
            (
                "/api/v1/customers?q=Rossi&limit=1e9",
                "limit",
                "from 1 to 200",
            ),
        ] {
            let p = problem(app.api_get(path).await, 400).await;
            assert_eq!(p["type"], "/api/problems/validation", "{path}");
            assert_eq!(p["errors"][0]["field"], param, "{path}: {p}");
            assert!(p["detail"].as_str().unwrap().contains(range), "{path}: {p}");
        }
        // The bounds themselves are taken.
        for path in [
            "/api/v1/customers?q=Rossi&limit=200",
            "/api/v1/customers?q=Rossi&limit=1",
            "/api/v1/mail?limit=500&offset=0",
            // A whole number written as a float is an integer for JSON Schema.
            "/api/v1/customers?q=Rossi&limit=20.0",
            "/api/v1/customers/1.0",
        ] {
            assert_eq!(app.api_get(path).await.status(), 200, "{path}");
        }
        // Values the document refuses, the server refuses; records that are not there are 404.
        for (body, field) in [
            (
                json!({"customer_id": 0, "kind": "information", "subject": "x", "body": "y"}),
                "customer_id",
            ),
            (
                json!({"customer_id": 1, "kind": "Information", "subject": "x", "body": "y"}),
                "kind",
            ),
            (
                json!({"customer_id": 1, "kind": "information", "subject": " ", "body": "y"}),
                "",
            ),
        ] {
            let r = app.api_post("/api/v1/requests", &body).await;
            let p = problem(r, 400).await;
            assert_eq!(p["type"], "/api/problems/validation", "{body}: {p}");
            if !field.is_empty() {
                assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
            }
        }
        let r = app
            .api_post(
                "/api/v1/requests",
                &json!({"customer_id": 999999, "kind": "information", "subject": "x", "body": "y"}),
            )
            .await;
        let p = problem(r, 404).await;
        assert_eq!(p["errors"][0]["field"], "customer_id");
        let r = app
            .api_post("/api/v1/mail", &json!({"sender": "", "subject": "y"}))
            .await;
        problem(r, 400).await;
        let mut c = contact("T-0");
        c["territory"] = json!(0);
        let p = problem(app.api_post("/api/v1/contacts", &c).await, 400).await;
        assert_eq!(p["errors"][0]["field"], "territory");
        let r = app
            .api_post("/api/v1/requests/1/answer", &json!({"answer": ""}))
            .await;
        problem(r, 400).await;
    }
}

#[tokio::test]
async fn a_wrong_method_says_which_are_allowed() {
    for app in spawn_apps().await {
        for (method, path, allow) in [
            (Method::DELETE, "/api/v1/contacts", "POST"),
            (Method::PUT, "/api/v1/customers/1", "GET, HEAD"),
            (Method::PATCH, "/api/v1/requests", "GET, HEAD, POST"),
        ] {
            let r = app.api_request(method, path).await.send().await.unwrap();
            assert_eq!(r.headers()["allow"], allow, "{path}");
            problem(r, 405).await;
        }
    }
}

#[tokio::test]
async fn the_document_declares_what_the_server_answers() {
    let doc: Value = canali_web::api::document();
    let mut responses = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let codes = op["responses"].as_object().unwrap();
            for (code, r) in codes {
                responses += 1;
                let d = r["description"].as_str().unwrap_or_default();
                assert!(!d.is_empty(), "{method} {path} {code} has no description");
                if code.starts_with('4') && code != "401" {
                    assert!(d.contains("problem type `"), "{method} {path} {code}: {d}");
                }
            }
            // Every operation checks a token and may find the input malformed.
            assert!(codes.contains_key("401"), "{method} {path}: no 401");
            assert!(codes.contains_key("400"), "{method} {path}: no 400");
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                if ["id", "limit", "offset", "year"].contains(&name) {
                    assert!(
                        p["schema"]["minimum"].is_number(),
                        "{method} {path}: {name} has no declared range"
                    );
                }
            }
        }
    }
    assert!(responses >= 35, "{responses} responses");
}

/// A month's indicators as a data warehouse reads them: the same JSON as `canali kpi`, judged
/// by the standards of the month's own time, and a bad month or line named in a problem.
#[tokio::test]
async fn the_indicators_of_a_month_are_those_of_canali_kpi() {
    for app in spawn_apps().await {
        let n = app.backend;
        // Two answered residential calls in March 2026 (95 s of wait each).
        for (i, day) in ["2026-03-02", "2026-03-03"].iter().enumerate() {
            let mut c = contact(&format!("KPI-{i}"));
            c["started_at"] = json!(format!("{day}T09:15:00+01:00"));
            c["ended_at"] = json!(format!("{day}T09:21:30+01:00"));
            let r = app.api_post("/api/v1/contacts", &c).await;
            assert_eq!(r.status(), 201, "{n}: {}", r.text().await.unwrap());
        }
        let r = app
            .api_get("/api/v1/indicators/call-center/2026-03?line=residential")
            .await;
        assert_eq!(r.status(), 200, "{n}");
        let body: Value = r.json().await.unwrap();
        let settings = canali_callcenter::CallCenterSettings::default();
        let expected = canali_callcenter::kpi::month(
            &app.store,
            2026,
            3,
            Some(canali_callcenter::Line::Residential),
            &settings,
        )
        .await
        .unwrap();
        assert_eq!(
            body["indicators"],
            serde_json::to_value(&expected).unwrap(),
            "{n}"
        );
        let ind = &body["indicators"][0];
        assert_eq!(
            (ind["offered"].as_i64(), ind["answered"].as_i64()),
            (Some(2), Some(2)),
            "{n}"
        );
        let tma = ind["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["indicator"] == "TMA" && c["standard"] == "ARERA energy sales (TIQV 2026)")
            .unwrap_or_else(|| panic!("{n}: no 2026 TMA check in {ind}"));
        assert_eq!(tma["limit"], "<= 180 s", "{n}");
        assert_eq!(tma["met"], true, "{n}");

        let r = app.api_get("/api/v1/indicators/branches/2026-03").await;
        assert_eq!(r.status(), 200, "{n}");
        let body: Value = r.json().await.unwrap();
        let expected = canali_branches::kpi::branch_kpis(
            &app.store,
            "2026-03",
            &canali_branches::kpi::BranchStandards::default(),
        )
        .await
        .unwrap();
        assert_eq!(body, serde_json::to_value(&expected).unwrap(), "{n}");

        for (path, field) in [
            ("/api/v1/indicators/call-center/2026-13", "month"),
            ("/api/v1/indicators/branches/March", "month"),
            ("/api/v1/indicators/call-center/2026-03?line=night", "line"),
        ] {
            let p = problem(app.api_get(path).await, 400).await;
            assert_eq!(p["errors"][0]["field"], field, "{n}: {path} {p}");
        }
        // A year's requests: none received in 2011 here; a complaint opened today, still in time.
        let r = app.api_get("/api/v1/indicators/requests/2011").await;
        assert_eq!(r.status(), 200, "{n}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["kinds"], json!([]), "{n}");
        let r = app
            .api_post(
                "/api/v1/requests",
                &json!({"customer_id": 1, "kind": "complaint", "subject": "Bolletta",
                        "body": "Il consumo non è il mio."}),
            )
            .await;
        assert_eq!(r.status(), 201, "{n}: {}", r.text().await.unwrap());
        let year = canali_domain::Day::of_micros(jiff::Timestamp::now().as_microsecond()).year();
        let r = app
            .api_get(&format!("/api/v1/indicators/requests/{year}"))
            .await;
        let body: Value = r.json().await.unwrap();
        let complaint = &body["kinds"][0];
        assert_eq!(complaint["kind"], "complaint", "{n}: {body}");
        assert_eq!(complaint["open_in_time"], 1, "{n}: {body}");
        assert_eq!(complaint["min_on_time_pct"], 95.0, "{n}: {body}");
        let p = problem(app.api_get("/api/v1/indicators/requests/1800").await, 400).await;
        assert_eq!(p["errors"][0]["field"], "year", "{n}: {p}");
        let anonymous = reqwest::Client::new()
            .get(app.url("/api/v1/indicators/branches/2026-03"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401, "{n}");
    }
}
