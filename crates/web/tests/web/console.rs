//! The operator console over HTTP, on every backend: sign-in with session rotation, the search
//! and the audited customer page with its timeline, contacts logged by role, roles and CSRF
//! refused, late complaint answers with compensation, the mail registry's protocol numbers and
//! the administrator's tokens and operators.

use crate::common;

use canali_domain::service::{RequestKind, Role};
use canali_domain::{Channel, Outcome, Reason};
use canali_store::NewContact;
use canali_store::requests::NewRequest;
use common::*;

fn get(c: &reqwest::Client, url: String) -> reqwest::RequestBuilder {
    c.get(url)
}

fn contact(id: usize, code: &str, started_at: i64) -> NewContact {
    NewContact {
        external_id: format!("seed-{id}"),
        channel: Channel::Branch,
        started_at,
        ended_at: None,
        segment: None,
        customer: Some(code.to_string()),
        territory: None,
        wait_seconds: Some(300),
        handle_seconds: Some(240),
        reason: Some(Reason::Payment),
        outcome: Some(Outcome::Resolved),
        branch: None,
        line: None,
        agent: None,
    }
}

#[tokio::test]
async fn an_agent_finds_a_customer_reads_the_timeline_and_logs_a_contact() {
    for app in spawn_apps().await {
        let b = &app.base;
        // 25 older contacts: the timeline shows 20 and links to the rest.
        let start = jiff::Timestamp::now().as_microsecond() - 30 * 86_400_000_000;
        let seeded: Vec<NewContact> = (0..25)
            .map(|i| contact(i, CUSTOMER_CODE, start + i as i64 * 3_600_000_000))
            .collect();
        app.store.ledger().ingest("test", &seeded).await.unwrap();

        let c = operator_client(&app, "agent").await;
        let r = get(&c, format!("{b}/console")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/console/search");

        // By the start of the name: "Rossi" finds Rossini Impianti (names are searched from
        // their first letter, so Mario Rossi needs "Mario R").
        let (status, html) = page(&c, format!("{b}/console/search?q=Rossi")).await;
        assert_eq!(status, 200, "{}", app.backend);
        assert!(html.contains("Rossini Impianti srl"), "{html}");
        assert!(html.contains("<span class=\"badge\">nome</span>"), "{html}");
        let (_, html) = page(&c, format!("{b}/console/search?q=Mario%20R")).await;
        assert!(html.contains("Mario Rossi"), "{html}");
        // By tax id: only Mario Rossi, found by tax code.
        let (_, html) = page(&c, format!("{b}/console/search?q={CUSTOMER_TAX_ID}")).await;
        assert!(html.contains("Mario Rossi"), "{html}");
        assert!(!html.contains("Rossini"), "{html}");
        assert!(html.contains("codice fiscale"), "{html}");
        // htmx asks for the results only.
        let r = get(&c, format!("{b}/console/search?q=Rossi"))
            .header("HX-Request", "true")
            .send()
            .await
            .unwrap();
        let partial = r.text().await.unwrap();
        assert!(partial.contains("/console/customers/2"), "{partial}");
        assert!(!partial.contains("<html"));

        // The customer page: identity, supply points, bills, timeline with an older page.
        let (status, html) = page(&c, format!("{b}/console/customers/1")).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Mario Rossi") && html.contains(CUSTOMER_TAX_ID));
        assert!(html.contains("IT001E12345678"));
        assert!(html.contains("Pagamenti"), "timeline shows reasons: {html}");
        let at = html.find("?before=").expect("an older-contacts link");
        let rest = &html[at + "?before=".len()..];
        let before = &rest[..rest.find('#').unwrap()];
        let (status, older) = page(&c, format!("{b}/console/customers/1?before={before}")).await;
        assert_eq!(status, 200);
        assert_eq!(older.matches("<td>Pagamenti</td>").count(), 5, "{older}");

        // Every view is audited.
        let log = app
            .store
            .accounts()
            .audit_log(Some(1), 50, 0)
            .await
            .unwrap();
        let views: Vec<_> = log.iter().filter(|e| e.action == "view_customer").collect();
        assert_eq!(views.len(), 2, "{log:?}");
        assert!(
            views
                .iter()
                .all(|e| e.operator_email == "agent@canali.test")
        );
        assert!(views[0].detail.contains("timeline before"));

        // A contact logged in the agent's line, with the agent's address.
        let token = csrf(&c, &format!("{b}/console/customers/1")).await;
        let r = c
            .post(format!("{b}/console/customers/1/contacts"))
            .form(&[
                ("csrf", token.as_str()),
                ("reason", "billing"),
                ("outcome", "resolved"),
                ("minutes", "4"),
                ("note", "bolletta spiegata"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let timeline = app
            .store
            .customers()
            .timeline(CUSTOMER_CODE, None, 1)
            .await
            .unwrap();
        let newest = &timeline[0];
        assert_eq!(newest.channel, Channel::CallCenterResidential, "{newest:?}");
        assert_eq!(newest.agent.as_deref(), Some("agent@canali.test"));
        assert_eq!(newest.reason, Some(Reason::Billing));
        assert_eq!(newest.handle_seconds, Some(240));
        assert_eq!(newest.source, "console");
        let log = app
            .store
            .accounts()
            .audit_log(Some(1), 50, 0)
            .await
            .unwrap();
        assert!(
            log.iter()
                .any(|e| e.action == "log_contact" && e.detail.contains("bolletta spiegata")),
            "{log:?}"
        );
        // A clerk logs at their branch.
        let clerk = operator_client(&app, "clerk").await;
        let token = csrf(&clerk, &format!("{b}/console/customers/2")).await;
        let r = clerk
            .post(format!("{b}/console/customers/2/contacts"))
            .form(&[
                ("csrf", token.as_str()),
                ("reason", "contract"),
                ("outcome", "request_opened"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let t = app
            .store
            .customers()
            .timeline(OTHER_CODE, None, 1)
            .await
            .unwrap();
        assert_eq!(t[0].channel, Channel::Branch);
        assert_eq!(t[0].branch.as_deref(), Some("BO01"));
        // ...and may not pick another channel.
        let r = clerk
            .post(format!("{b}/console/customers/2/contacts"))
            .form(&[
                ("csrf", token.as_str()),
                ("channel", "web"),
                ("reason", "contract"),
                ("outcome", "resolved"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
}

#[tokio::test]
async fn roles_csrf_and_sessions_are_enforced() {
    for app in spawn_apps().await {
        let b = &app.base;
        let agent = operator_client(&app, "agent").await;
        for page in [
            "/console/admin/users",
            "/console/admin/tokens",
            "/console/admin/audit",
            "/console/requests",
            "/console/mail",
            "/console/dashboard",
        ] {
            let r = get(&agent, format!("{b}{page}")).send().await.unwrap();
            assert_eq!(r.status(), 403, "agent on {page} ({})", app.backend);
        }
        // Without and with a wrong CSRF token.
        let r = agent
            .post(format!("{b}/console/customers/1/contacts"))
            .form(&[("reason", "billing"), ("outcome", "resolved")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = agent
            .post(format!("{b}/console/customers/1/contacts"))
            .form(&[
                ("csrf", "0000"),
                ("reason", "billing"),
                ("outcome", "resolved"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let admin = operator_client(&app, "admin").await;
        let r = admin
            .post(format!("{b}/console/admin/tokens"))
            .form(&[("csrf", "not-the-token"), ("name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(app.store.accounts().api_tokens().await.unwrap().is_empty());

        // Nobody signed in, or a customer: to the console's sign-in.
        let (status, _) = page(&client(), format!("{b}/console/search?q=x")).await;
        assert_eq!(status, 303);
        let customer = registered_customer(&app).await;
        let r = get(&customer, format!("{b}/console/customers/1"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/console/login"), "{to}");

        // A wrong password is refused.
        let r = console_sign_in(&app, &client(), "agent@canali.test", "wrong password!").await;
        assert_eq!(r.status(), 401);
        // A disabled operator cannot sign in; their sessions end.
        let clerk = operator_client(&app, "clerk").await;
        let clerk_id = app
            .store
            .accounts()
            .operator_by_email("clerk@canali.test")
            .await
            .unwrap()
            .unwrap()
            .id;
        let token = csrf(&admin, &format!("{b}/console/admin/users")).await;
        let r = admin
            .post(format!("{b}/console/admin/users/{clerk_id}/active"))
            .form(&[("csrf", token.as_str()), ("active", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (status, _) = page(&clerk, format!("{b}/console/search")).await;
        assert_eq!(status, 303, "a disabled clerk's session ended");
        let r = console_sign_in(&app, &client(), "clerk@canali.test", PASSWORD).await;
        assert_eq!(r.status(), 401);
    }
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    for app in spawn_apps().await {
        let b = &app.base;
        // An attacker's valid session id, planted in the victim's browser.
        let attacker = client();
        let r = console_sign_in(&app, &attacker, "agent@canali.test", PASSWORD).await;
        let planted = set_cookie_value(&r, "canali_session").expect("a session cookie");
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url: reqwest::Url = b.parse().unwrap();
        jar.add_cookie_str(&format!("canali_session={planted}; Path=/"), &url);
        let victim = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let token = csrf(&victim, &format!("{b}/console/login")).await;
        let r = victim
            .post(format!("{b}/console/login"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "back_office@canali.test"),
                ("password", PASSWORD),
                ("next", "/console/requests"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/console/requests");
        let fresh = set_cookie_value(&r, "canali_session").expect("a new session cookie");
        assert_ne!(fresh, planted, "{}", app.backend);
        // The planted id is worth nothing now, the new one works.
        let planted_hash = canali_web::auth::sha256_hex(&planted);
        assert!(
            app.store
                .accounts()
                .session(&planted_hash, jiff::Timestamp::now().as_microsecond())
                .await
                .unwrap()
                .is_none()
        );
        let (status, _) = page(&attacker, format!("{b}/console/search")).await;
        assert_eq!(status, 303);
        let (status, html) = page(&victim, format!("{b}/console/requests")).await;
        assert_eq!(status, 200, "{html}");
    }
}

#[tokio::test]
async fn the_back_office_answers_a_late_complaint_and_sees_the_compensation() {
    for app in spawn_apps().await {
        let b = &app.base;
        let now = jiff::Timestamp::now().as_microsecond();
        let opened = app
            .store
            .requests()
            .open(
                &NewRequest {
                    customer_id: 1,
                    supply_point_id: Some(11),
                    kind: RequestKind::Complaint,
                    channel: Channel::Web,
                    subject: "Bolletta sbagliata".into(),
                    body: "Il consumo non è il mio.".into(),
                    opened_at: now - 50 * 86_400_000_000,
                    attachments: vec![canali_store::requests::NewAttachment {
                        filename: "foto.png".into(),
                        content_type: "image/png".into(),
                        data: b"\x89PNG fake".to_vec(),
                    }],
                    agent: None,
                },
                &canali_domain::service::default_reply_standards(),
            )
            .await
            .unwrap();
        let c = operator_client(&app, "back_office").await;
        let (status, html) = page(&c, format!("{b}/console/requests")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Bolletta sbagliata"), "{html}");
        assert!(html.contains("badge late"), "{html}");
        let id = opened.id;
        let (status, html) = page(&c, format!("{b}/console/requests/{id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("foto.png"));
        let file_id = app.store.requests().attachments_of(id).await.unwrap()[0].id;
        let r = get(&c, format!("{b}/console/requests/{id}/files/{file_id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"\x89PNG fake");

        let token = csrf(&c, &format!("{b}/console/requests/{id}")).await;
        let r = c
            .post(format!("{b}/console/requests/{id}"))
            .form(&[
                ("csrf", token.as_str()),
                ("text", "Abbiamo rettificato la bolletta."),
                ("channel", "mail"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let (_, html) = page(&c, format!("{b}/console/requests/{id}?done=answered")).await;
        // Opened 50 days ago under the 2026 rules (30 days, EUR 30 from the first day late).
        assert!(html.contains("30,00 €"), "{html}");
        assert!(html.contains("Abbiamo rettificato la bolletta."));
        let stored = app.store.requests().get(id).await.unwrap().unwrap();
        assert_eq!(stored.compensation_cents, Some(3000), "{}", app.backend);
        // The supervisor's dashboard judges the year's complaints against the yearly 95%.
        let year = canali_domain::Day::of_micros(stored.opened_at).year();
        let sup = operator_client(&app, "supervisor").await;
        let (status, html) = page(&sup, format!("{b}/console/dashboard?year={year}")).await;
        assert_eq!(status, 200, "{html}");
        let card = html
            .split("Risposte nei tempi")
            .nth(1)
            .expect("the on-time card")
            .split("</section>")
            .next()
            .unwrap();
        assert!(card.contains("Reclamo scritto"), "{card}");
        assert!(card.contains("≥ 95%"), "{card}");
        assert!(
            card.contains("<span class=\"badge late\">0,0%</span>"),
            "{card}"
        );
        assert!(card.contains("30,00"), "{card}");
        // Answering again is refused on the form.
        let r = c
            .post(format!("{b}/console/requests/{id}"))
            .form(&[
                ("csrf", token.as_str()),
                ("text", "Di nuovo"),
                ("channel", "mail"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // The queue no longer lists it.
        let (_, html) = page(&c, format!("{b}/console/requests")).await;
        assert!(!html.contains("Bolletta sbagliata"));
    }
}

fn letter(token: &str, sender: &str, link: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", token.to_string())
        .text("received", "2011-05-02")
        .text("sender", sender.to_string())
        .text("subject", "Reclamo per lettera")
        .text("customer", CUSTOMER_CODE)
        .text("link", link.to_string())
        .text("kind", "complaint")
        .text("body", "Contesto la bolletta di marzo.")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 scan".to_vec())
                .file_name("lettera.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
}

#[tokio::test]
async fn mail_registration_numbers_letters_by_year() {
    for app in spawn_apps().await {
        let b = &app.base;
        let c = operator_client(&app, "back_office").await;
        let token = csrf(&c, &format!("{b}/console/mail")).await;
        let r = c
            .post(format!("{b}/console/mail"))
            .multipart(letter(&token, "Mario Rossi", "new"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let (_, html) = page(&c, format!("{b}{to}")).await;
        assert!(html.contains("2011/000001"), "{html}");
        let r = c
            .post(format!("{b}/console/mail"))
            .multipart(letter(&token, "Avv. Bianchi", "none"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let (_, html) = page(&c, format!("{b}{to}")).await;
        assert!(
            html.contains("protocollata con il numero 2011/000002"),
            "{html}"
        );
        // The first letter opened a complaint by mail.
        let items = app.store.mail().items(10, 0).await.unwrap();
        assert_eq!(items.len(), 2);
        let first = items.iter().find(|m| m.seq == 1).unwrap();
        let rid = first.request_id.expect("a new request");
        let req = app.store.requests().get(rid).await.unwrap().unwrap();
        assert_eq!(req.channel, Channel::Mail);
        assert_eq!(req.kind, RequestKind::Complaint);
        // The scan downloads.
        let r = get(&c, format!("{b}/console/mail/{}/file", first.id))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4 scan");
        // An unknown customer code is refused on the form.
        let form = letter(&token, "X", "none").text("customer", "9999999999");
        let r = c
            .post(format!("{b}/console/mail"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let log = app.store.accounts().audit_log(None, 50, 0).await.unwrap();
        assert_eq!(
            log.iter().filter(|e| e.action == "register_mail").count(),
            2
        );
    }
}

#[tokio::test]
async fn the_admin_manages_tokens_and_operators() {
    for app in spawn_apps().await {
        let b = &app.base;
        let c = operator_client(&app, "admin").await;
        let token = csrf(&c, &format!("{b}/console/admin/tokens")).await;
        let r = c
            .post(format!("{b}/console/admin/tokens"))
            .form(&[("csrf", token.as_str()), ("name", "CRM integration")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        let at = html
            .find("id=\"new-token\"")
            .expect("the token is shown once");
        let rest = &html[at..];
        let start = rest.find('>').unwrap() + 1;
        let secret = &rest[start..start + 64];
        assert!(secret.chars().all(|ch| ch.is_ascii_hexdigit()), "{secret}");
        let hash = canali_web::auth::sha256_hex(secret);
        let stored = app
            .store
            .accounts()
            .api_token_by_hash(&hash)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.name, "CRM integration");
        // Listed later without the secret.
        let (_, list) = page(&c, format!("{b}/console/admin/tokens")).await;
        assert!(list.contains("CRM integration") && !list.contains(secret));
        let r = c
            .post(format!("{b}/console/admin/tokens/{}/revoke", stored.id))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            app.store
                .accounts()
                .api_token_by_hash(&hash)
                .await
                .unwrap()
                .is_none()
        );

        // A new agent on the business line, who can then sign in.
        let r = c
            .post(format!("{b}/console/admin/users"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "Giulia.Verdi@canali.test"),
                ("name", "Giulia Verdi"),
                ("role", "agent"),
                ("line", "call_center_business"),
                ("password", "una password lunga"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let op = app
            .store
            .accounts()
            .operator_by_email("giulia.verdi@canali.test")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(op.role, Role::Agent);
        assert_eq!(op.line, Some(Channel::CallCenterBusiness));
        let r = console_sign_in(
            &app,
            &client(),
            "giulia.verdi@canali.test",
            "una password lunga",
        )
        .await;
        assert_eq!(r.status(), 303);
        // An agent without a line is refused.
        let r = c
            .post(format!("{b}/console/admin/users"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "x@canali.test"),
                ("name", "X"),
                ("role", "agent"),
                ("password", "una password lunga"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);

        // The audit log, with the customer filter.
        let (status, _) = page(&c, format!("{b}/console/customers/2")).await;
        assert_eq!(status, 200);
        let (status, html) = page(&c, format!("{b}/console/admin/audit")).await;
        assert_eq!(status, 200);
        assert!(html.contains("create_api_token") && html.contains("add_operator"));
        let (_, html) = page(&c, format!("{b}/console/admin/audit?customer={OTHER_CODE}")).await;
        assert!(
            html.contains("view_customer") && !html.contains("add_operator"),
            "{html}"
        );

        // The supervisor's dashboard (an admin may see it too) and the report.
        let (status, html) = page(&c, format!("{b}/console/dashboard")).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Contatti per canale"));
        let sup = operator_client(&app, "supervisor").await;
        let (status, _) = page(&sup, format!("{b}/console/dashboard?year=2011")).await;
        assert_eq!(status, 200);
    }
}
