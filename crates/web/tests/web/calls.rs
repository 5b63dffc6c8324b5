//! Call events pushed to `POST /api/v1/calls/events` on every backend: a whole call by CTI
//! events becomes one ledger contact counted by the call-center indicators, an abandoned call,
//! replays that change nothing, tokens, bad bodies and events that do not fit their call; and
//! the wallboard showing the pushed call in flight and the agents logged in and paused, from
//! the pushed answers and from a queue_log's agent events.

use crate::common;

use canali_callcenter::follow::{ImportOptions, import_queue_log};
use canali_callcenter::{CallCenterSettings, Line, kpi};
use canali_domain::Channel;
use common::{TestApp, operator_client, spawn_apps};
use reqwest::Method;
use serde_json::{Value, json};

/// Where the telephony pushes its events.
const EVENTS: &str = "/api/v1/calls/events";

async fn post_json(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let r = app.api_request_as(Method::POST, EVENTS, Some(token));
    let r = r.json(body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn post_form(app: &TestApp, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = app.api_request_as(Method::POST, EVENTS, Some(token));
    let r = r.form(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// The month's indicators of one line, from the calls rollup.
async fn month(app: &TestApp, line: Line) -> kpi::Indicators {
    kpi::month(
        &app.store,
        2011,
        3,
        Some(line),
        &CallCenterSettings::default(),
    )
    .await
    .unwrap()
    .into_iter()
    .next()
    .unwrap()
}

/// Ledger contacts of a call-center channel in March 2011 (the ledger's own rollup).
async fn ledger_calls(app: &TestApp, channel: Channel) -> i64 {
    app.store
        .figures()
        .monthly_rollup(201103, 201103)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.channel == channel)
        .map(|r| r.contacts)
        .sum()
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_call_by_cti_events_is_one_contact_counted_by_the_kpi() {
    for app in spawn_apps().await {
        let t = app.api_token().await;
        let b = app.backend;
        let new_call = json!({"event": "newCall", "callId": "1299000000.42", "from": "0512345678",
            "to": "800999500", "direction": "in", "queue": "600",
            "time": "2011-03-01T09:15:00+01:00"});
        let (s, v) = post_json(&app, &t, &new_call).await;
        assert_eq!(s, 201, "{b}: {v}");
        assert_eq!(
            (&v["line"], &v["status"], &v["duplicate"]),
            (&json!("residential"), &json!("waiting"), &json!(false))
        );
        // Zammad's PBX scripts post forms, with the agent as user[].
        let answer = [
            ("event", "answer"),
            ("callId", "1299000000.42"),
            ("from", "0512345678"),
            ("to", "800999500"),
            ("direction", "in"),
            ("user[]", "anna.bianchi"),
            ("time", "2011-03-01T09:15:25+01:00"),
        ];
        let (s, v) = post_form(&app, &t, &answer).await;
        assert_eq!(s, 201, "{b}: {v}");
        assert_eq!(v["status"], "answered");
        let hangup = json!({"event": "hangup", "callId": "1299000000.42", "direction": "in",
            "cause": "normalClearing", "time": "2011-03-01T09:17:25+01:00"});
        let (s, v) = post_json(&app, &t, &hangup).await;
        assert_eq!(s, 201, "{b}: {v}");
        let c = &v["contact"];
        assert_eq!(c["end"], "answered", "{b}: {v}");
        assert_eq!(
            (c["wait_seconds"].as_i64(), c["talk_seconds"].as_i64()),
            (Some(25), Some(120))
        );
        assert_eq!(c["agent"], "anna.bianchi");
        assert_eq!(c["external_id"], "1299000000.42/600/1298967300");

        // The indicators count it like a queue_log call.
        let k = month(&app, Line::Residential).await;
        assert_eq!((k.offered, k.answered, k.abandoned), (1, 1, 0), "{b}");
        assert_eq!(k.tma_seconds, Some(25.0));
        assert_eq!(k.avg_talk_seconds, Some(120.0));
        assert_eq!(ledger_calls(&app, Channel::CallCenterResidential).await, 1);

        // Replays, in either encoding, change nothing.
        for _ in 0..2 {
            let (s, v) = post_json(&app, &t, &new_call).await;
            assert_eq!((s, &v["duplicate"]), (200, &json!(true)), "{b}: {v}");
            let (s, v) = post_form(&app, &t, &answer).await;
            assert_eq!((s, &v["duplicate"]), (200, &json!(true)), "{b}: {v}");
            let (s, v) = post_json(&app, &t, &hangup).await;
            assert_eq!((s, &v["duplicate"]), (200, &json!(true)), "{b}: {v}");
            assert!(v["contact"].is_null());
        }
        let k = month(&app, Line::Residential).await;
        assert_eq!((k.offered, k.answered), (1, 1), "{b}");
        assert_eq!(ledger_calls(&app, Channel::CallCenterResidential).await, 1);

        // An abandoned call on the business line: newCall without a queue takes the number
        // called, mapped by the settings' business markers like a queue_log queue.
        let (s, v) = post_json(
            &app,
            &t,
            &json!({"event": "newCall", "callId": "b-7", "from": "0519999999",
                "to": "coda-aziende", "direction": "in", "time": "2011-03-02T10:00:00+01:00"}),
        )
        .await;
        assert_eq!((s, &v["line"]), (201, &json!("business")), "{b}: {v}");
        let (s, v) = post_json(
            &app,
            &t,
            &json!({"event": "hangup", "callId": "b-7", "direction": "in", "cause": "cancel",
                "time": "2011-03-02T10:00:40+01:00"}),
        )
        .await;
        assert_eq!(s, 201, "{b}: {v}");
        assert_eq!(
            (&v["contact"]["end"], v["contact"]["wait_seconds"].as_i64()),
            (&json!("abandoned"), Some(40))
        );
        let k = month(&app, Line::Business).await;
        assert_eq!(
            (k.offered, k.answered, k.abandoned, k.short_abandons),
            (1, 0, 1, 0),
            "{b}"
        );
        assert_eq!(k.tma_seconds, Some(40.0));
        assert_eq!(ledger_calls(&app, Channel::CallCenterBusiness).await, 1);

        // Outbound calls are not queue calls.
        let (s, v) = post_json(
            &app,
            &t,
            &json!({"event": "newCall", "callId": "o-1", "from": "800999500", "to": "0511111111",
                "direction": "out"}),
        )
        .await;
        assert_eq!((s, &v["ignored"]), (200, &json!(true)), "{b}: {v}");
        assert_eq!(month(&app, Line::Residential).await.offered, 1);
    }
}

#[tokio::test]
async fn tokens_garbage_and_events_that_do_not_fit_are_refused_with_the_field() {
    for app in spawn_apps().await {
        let b = app.backend;
        let body = json!({"event": "newCall", "callId": "x1", "queue": "600"});
        let post_as = |token| app.api_request_as(Method::POST, EVENTS, token).json(&body);
        let r = post_as(None).send().await.unwrap();
        assert_eq!(r.status(), 401, "{b}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = post_as(Some("not-a-token")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let t = app.api_token().await;

        // Not JSON, not an object.
        let r = app.api_post_raw(EVENTS, "{\"event\": newCall").await;
        assert_eq!(r.status(), 400, "{b}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert!(
            p["detail"].as_str().unwrap().contains("not a JSON object"),
            "{p}"
        );
        let (s, _) = post_json(&app, &t, &json!([1, 2])).await;
        assert_eq!(s, 400);
        // Missing and invalid fields are named, in JSON and in forms.
        let (s, p) = post_json(&app, &t, &json!({"event": "hangup"})).await;
        assert_eq!(
            (s, fields(&p)),
            (400, vec!["callId".to_string()]),
            "{b}: {p}"
        );
        let (s, p) = post_json(&app, &t, &json!({"event": "newCall", "callId": "x1"})).await;
        assert_eq!(
            (s, fields(&p)),
            (400, vec!["queue".to_string()]),
            "{b}: {p}"
        );
        let (s, p) = post_form(
            &app,
            &t,
            &[
                ("event", "ring"),
                ("callId", "x|1"),
                ("cause", "boredom"),
                ("time", "ieri"),
            ],
        )
        .await;
        assert_eq!(s, 400, "{b}: {p}");
        assert_eq!(fields(&p), ["event", "callId", "cause", "time"]);
        assert_eq!(p["type"], "/api/problems/validation");

        // A hang-up, or an answer, of a call that never entered: 422 naming callId.
        for event in ["hangup", "answer"] {
            let (s, p) = post_json(
                &app,
                &t,
                &json!({"event": event, "callId": "never-seen", "user": "anna"}),
            )
            .await;
            assert_eq!(
                (s, fields(&p)),
                (422, vec!["callId".to_string()]),
                "{b}: {p}"
            );
            assert_eq!(p["type"], "/api/problems/call-state");
        }
        // An answer before its newCall's time; an answer after the hang-up.
        let (s, _) = post_json(
            &app,
            &t,
            &json!({"event": "newCall", "callId": "x2", "queue": "600",
                "time": "2011-03-05T09:00:00+01:00"}),
        )
        .await;
        assert_eq!(s, 201);
        let (s, p) = post_json(
            &app,
            &t,
            &json!({"event": "answer", "callId": "x2", "user": "anna",
                "time": "2011-03-05T08:59:00+01:00"}),
        )
        .await;
        assert_eq!((s, fields(&p)), (422, vec!["time".to_string()]), "{b}: {p}");
        let (s, _) = post_json(
            &app,
            &t,
            &json!({"event": "hangup", "callId": "x2", "time": "2011-03-05T09:00:30+01:00"}),
        )
        .await;
        assert_eq!(s, 201);
        let (s, p) = post_json(
            &app,
            &t,
            &json!({"event": "answer", "callId": "x2", "user": "anna",
                "time": "2011-03-05T09:00:40+01:00"}),
        )
        .await;
        assert_eq!(
            (s, fields(&p)),
            (422, vec!["event".to_string()]),
            "{b}: {p}"
        );
        // None of it counted more than the one abandoned call.
        let k = month(&app, Line::Residential).await;
        assert_eq!((k.offered, k.abandoned), (1, 1), "{b}");

        // The endpoint is in the OpenAPI document.
        let doc: Value = app
            .api_request_as(reqwest::Method::GET, "/api/openapi.json", None)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["paths"]["/api/v1/calls/events"]["post"].is_object());
    }
}

/// The numbers of one line's card on the wallboard: (waiting, agents, paused, card html).
fn card(html: &str, line_name: &str) -> (String, String, String, String) {
    let start = html
        .find(&format!("<h2>{line_name}</h2>"))
        .unwrap_or_else(|| panic!("no card {line_name}: {html}"));
    let rest = &html[start..];
    let card = &rest[..rest.find("</div>").unwrap()];
    let value = |class: &str| {
        let marker = format!("class=\"{class}\">");
        let at = card.find(&marker).unwrap() + marker.len();
        card[at..at + card[at..].find('<').unwrap()].to_string()
    };
    (
        value("stat"),
        value("agents"),
        value("paused"),
        card.to_string(),
    )
}

#[tokio::test]
async fn the_wallboard_shows_pushed_calls_in_flight_and_the_agents() {
    for app in spawn_apps().await {
        let b = app.backend;
        let sup = operator_client(&app, "supervisor").await;
        let live = format!("{}/console/callcenter/wallboard/live", app.base);
        let get = || async {
            let r = sup.get(&live).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        };
        // No live data yet.
        let html = get().await;
        assert_eq!(card(&html, "Residenziali").0, "non disponibile", "{b}");

        let t = app.api_token().await;
        let (s, v) = post_json(
            &app,
            &t,
            &json!({"event": "newCall", "callId": "live-1", "from": "0512345678", "queue": "600"}),
        )
        .await;
        assert_eq!(s, 201, "{b}: {v}");
        let html = get().await;
        let (waiting, agents, paused, _) = card(&html, "Residenziali");
        assert_eq!(
            (waiting.as_str(), agents.as_str(), paused.as_str()),
            ("1", "0", "0"),
            "{b}: {html}"
        );
        assert_eq!(card(&html, "Aziende").0, "0");
        assert!(html.contains("eventi di chiamata (API)"), "{html}");

        let (s, v) = post_json(
            &app,
            &t,
            &json!({"event": "answer", "callId": "live-1", "user": ["anna.bianchi"]}),
        )
        .await;
        assert_eq!(s, 201, "{b}: {v}");
        let html = get().await;
        let (waiting, agents, _, card_html) = card(&html, "Residenziali");
        assert_eq!(
            (waiting.as_str(), agents.as_str()),
            ("0", "1"),
            "{b}: {html}"
        );
        assert!(card_html.contains("anna.bianchi"), "{card_html}");

        // A queue_log with agent events: logins, queues, a pause.
        let now = jiff::Timestamp::now().as_second();
        let log = format!(
            "{n}|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001\n\
             {n}|NONE|600|SIP/101|ADDMEMBER|\n\
             {n}|NONE|coda-aziende|SIP/201|ADDMEMBER|\n\
             {n}|NONE|coda-aziende|SIP/202|ADDMEMBER|\n\
             {m}|NONE|600|SIP/101|PAUSE|pranzo\n\
             {m}|NONE|NONE|SIP/202|PAUSEALL|\n\
             {m}|NONE|coda-aziende|SIP/202|REMOVEMEMBER|\n",
            n = now - 60,
            m = now - 30,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue_log");
        std::fs::write(&path, log).unwrap();
        import_queue_log(&app.store, &path, &ImportOptions::new("pbx"), &mut |_| {})
            .await
            .unwrap();
        let html = get().await;
        let (_, agents, paused, card_html) = card(&html, "Residenziali");
        assert_eq!(
            (agents.as_str(), paused.as_str()),
            ("2", "1"),
            "{b}: {html}"
        );
        assert!(card_html.contains("SIP/101 (in pausa)"), "{card_html}");
        assert!(
            card_html.contains("anna.bianchi") && !card_html.contains("anna.bianchi (in pausa)")
        );
        let (_, agents, paused, card_html) = card(&html, "Aziende");
        assert_eq!(
            (agents.as_str(), paused.as_str()),
            ("1", "0"),
            "{b}: {html}"
        );
        assert!(card_html.contains("SIP/201") && !card_html.contains("SIP/202"));
        assert!(
            html.contains("Collegati senza una coda nota: Agent/1001"),
            "{html}"
        );
        assert!(html.contains("pbx"), "{html}");

        // The hang-up: no one waiting; the agent who answered stays logged in for the hour.
        let (s, _) = post_json(
            &app,
            &t,
            &json!({"event": "hangup", "callId": "live-1", "cause": "normalClearing"}),
        )
        .await;
        assert_eq!(s, 201);
        let html = get().await;
        let (waiting, agents, _, _) = card(&html, "Residenziali");
        assert_eq!(
            (waiting.as_str(), agents.as_str()),
            ("0", "2"),
            "{b}: {html}"
        );
        // In English too.
        let r = sup
            .get(&live)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        let (_, agents, _, card_html) = card(&html, "Residential");
        assert_eq!(agents, "2", "{b}: {html}");
        assert!(card_html.contains("Agents logged in") && card_html.contains("SIP/101 (paused)"));
    }
}
