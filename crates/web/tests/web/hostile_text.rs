//! Control characters and over-long text at every entry point of the server, on every
//! backend: each API text field answers a 400 problem naming the field (a batch reports the
//! bad item by index and stores the good ones), a search answers 400 naming `q`, and the forms
//! show the refusal instead of a 500. Nothing of the refused text is stored.

use crate::common;

use common::*;
use serde_json::{Value, json};

/// NUL, another C0 control, DEL and a C1 control: refused in every single-line field.
const CONTROLS: [char; 4] = ['\0', '\u{1b}', '\u{7f}', '\u{85}'];

fn contact(id: &str) -> Value {
    json!({
        "source": "crm", "external_id": id, "channel": "call_center_residential",
        "started_at": "2011-03-01T09:15:00+01:00", "customer": CUSTOMER_CODE,
        "branch": "BO01", "line": "residential", "agent": "Anna"
    })
}

/// The fields of the problem's `errors`, with their batch index.
fn faults(p: &Value) -> Vec<(Option<u64>, String)> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_u64(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn refused_field(r: reqwest::Response, field: &str, what: &str) {
    let status = r.status().as_u16();
    let p = problem(r, 400).await;
    assert_eq!(status, 400, "{what}");
    assert_eq!(faults(&p), [(None, field.to_string())], "{what}: {p}");
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("control character") || message.contains("at most"),
        "{what}: {p}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_text_field_refuses_control_characters_and_overlong_text() {
    for app in spawn_apps().await {
        let be = app.backend;
        // A contact: each text field with each control character, and too long.
        for field in [
            "source",
            "external_id",
            "customer",
            "branch",
            "line",
            "agent",
        ] {
            for c in CONTROLS {
                let mut body = contact("k1");
                body[field] = json!(format!("a{c}b"));
                let r = app.api_post("/api/v1/contacts", &body).await;
                refused_field(r, field, &format!("{be} {field} {:?}", c)).await;
            }
            let mut body = contact("k1");
            body[field] = json!("x".repeat(201));
            let r = app.api_post("/api/v1/contacts", &body).await;
            refused_field(r, field, &format!("{be} {field} too long")).await;
        }
        let r = app.api_post("/api/v1/contacts", &contact("k1")).await;
        assert_eq!(r.status(), 201, "{be}: {}", r.text().await.unwrap());

        // A batch: the bad items are reported by index, the good ones stored.
        let mut nul = contact("k3");
        nul["agent"] = json!("a\u{0}b");
        let mut long = contact("k5");
        long["customer"] = json!("9".repeat(300));
        let batch = json!([contact("k2"), nul, contact("k4"), long, contact("k6")]);
        let r = app.api_post("/api/v1/contacts/batch", &batch).await;
        assert_eq!(r.status(), 200, "{be}");
        let out: Value = r.json().await.unwrap();
        assert_eq!(
            (&out["inserted"], &out["rejected"]),
            (&json!(3), &json!(2)),
            "{be}: {out}"
        );
        assert_eq!(
            faults(&out),
            [(Some(1), "agent".to_string()), (Some(3), "customer".into())],
            "{be}: {out}"
        );

        // The customer search: 400 naming q.
        for q in ["a%00b", "a%1Bb", "a%C2%85b"] {
            let r = app.api_get(&format!("/api/v1/customers?q={q}")).await;
            refused_field(r, "q", &format!("{be} q={q}")).await;
        }
        let r = app
            .api_get(&format!("/api/v1/customers?q={}", "r".repeat(501)))
            .await;
        refused_field(r, "q", &format!("{be} long q")).await;

        // Requests: one-line subject, multi-line body (tab and line breaks allowed, NUL not).
        let customer = app
            .store
            .customers()
            .by_code(CUSTOMER_CODE)
            .await
            .unwrap()
            .unwrap();
        let request = |subject: &str, body: &str| {
            json!({"customer_id": customer.id, "kind": "complaint", "subject": subject,
                   "body": body, "agent": "Anna"})
        };
        let before = app.store.requests().of(customer.id).await.unwrap().len();
        for (subject, body, field) in [
            ("a\u{0}b", "text", "subject"),
            ("a\nb", "text", "subject"),
            ("subject", "a\u{0}b", "body"),
            ("subject", "a\u{7f}b", "body"),
            (&"s".repeat(501), "text", "subject"),
            ("subject", &"b".repeat(20_001), "body"),
        ] {
            let r = app
                .api_post("/api/v1/requests", &request(subject, body))
                .await;
            refused_field(r, field, &format!("{be} request {field}")).await;
        }
        let mut agent = request("subject", "text");
        agent["agent"] = json!("A\u{0}nna");
        let r = app.api_post("/api/v1/requests", &agent).await;
        refused_field(r, "agent", &format!("{be} request agent")).await;
        assert_eq!(
            app.store.requests().of(customer.id).await.unwrap().len(),
            before,
            "{be}: a refused request was stored"
        );
        let r = app
            .api_post(
                "/api/v1/requests",
                &request("Bolletta", "Riga uno\n\tRiga due\r\nfine"),
            )
            .await;
        assert_eq!(r.status(), 201, "{be}: {}", r.text().await.unwrap());

        // Mail: the sender and the subject.
        let letters = app.store.mail().items(500, 0).await.unwrap().len();
        for (sender, subject, field) in [
            ("Ma\u{0}rio", "Reclamo", "sender"),
            ("Mario", "Recl\u{9f}amo", "subject"),
            (&"m".repeat(201), "Reclamo", "sender"),
        ] {
            let r = app
                .api_post(
                    "/api/v1/mail",
                    &json!({"received_day": "2011-05-02", "sender": sender, "subject": subject}),
                )
                .await;
            refused_field(r, field, &format!("{be} mail {field}")).await;
        }
        assert_eq!(
            app.store.mail().items(500, 0).await.unwrap().len(),
            letters,
            "{be}: a refused letter was stored"
        );

        // Call events: the same rule, with '|' refused too (queue_log's separator).
        for (key, value) in [
            ("callId", "c\u{0}1"),
            ("user", "an\u{1b}na"),
            ("queue", "6|00"),
        ] {
            let mut ev = json!({"event": "newCall", "callId": "c1", "from": "051", "to": "600"});
            ev[key] = json!(value);
            let r = app.api_post("/api/v1/calls/events", &ev).await;
            let p = problem(r, 400).await;
            assert!(
                faults(&p).iter().any(|(_, f)| f == key),
                "{be} call event {key}: {p}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_show_the_refusal_of_a_text_instead_of_a_500() {
    for app in spawn_apps().await {
        let be = app.backend;
        let b = &app.base;

        // The console's search: the refusal next to the field, 400.
        let agent = operator_client(&app, "agent").await;
        let r = agent
            .get(format!("{b}/console/search?q=a%00b"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{be}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"q-error\"") && html.contains("carattere di controllo U+0000"),
            "{be}: {html}"
        );
        assert!(html.contains("aria-describedby=\"q-error\""), "{be}");

        // The online branch: a request whose subject holds NUL is shown again with the reason.
        let c = registered_customer(&app).await;
        let token = csrf(&c, &format!("{b}/requests/new")).await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("kind", "complaint")
            .text("point", "11")
            .text("subject", "Bolletta\u{0} alta")
            .text("body", "Il consumo non corrisponde.");
        let r = c
            .post(format!("{b}/requests/new"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{be}");
        let html = r.text().await.unwrap();
        assert!(html.contains("il campo subject contiene"), "{be}: {html}");

        // The console's mail registry: the sender.
        let back = operator_client(&app, "back_office").await;
        let token = csrf(&back, &format!("{b}/console/mail")).await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("received", "2011-05-02")
            .text("sender", "Ma\u{0}rio")
            .text("subject", "Reclamo")
            .text("link", "none");
        let r = back
            .post(format!("{b}/console/mail"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{be}");
        let html = r.text().await.unwrap();
        assert!(html.contains("il campo sender contiene"), "{be}: {html}");

        // Registration and sign-in with a NUL: a refusal or no match, never a 500.
        let anon = client();
        let token = csrf(&anon, &format!("{b}/register")).await;
        let r = anon
            .post(format!("{b}/register"))
            .form(&[
                ("csrf", token.as_str()),
                ("code", "4000\u{0}000003"),
                ("tax_id", CUSTOMER_TAX_ID),
                ("email", "a@b.it"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("privacy", "on"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{be}");
        assert!(
            r.text().await.unwrap().contains("il campo code contiene"),
            "{be}"
        );
        let token = csrf(&anon, &format!("{b}/login")).await;
        let r = anon
            .post(format!("{b}/login"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "mario\u{0}@example.it"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{be}: {}", r.status());
        // A path segment with a NUL: 400 or 404, not a 500.
        for path in [
            "/display/BO%0001",
            "/kiosk/BO%0001",
            "/branches/BO%0001/ticket/1",
        ] {
            let r = anon.get(format!("{b}{path}")).send().await.unwrap();
            assert!(r.status().is_client_error(), "{be} {path}: {}", r.status());
        }
    }
}
