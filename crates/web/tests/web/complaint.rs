//! A complaint without an account (TIQV 2026), as a customer and as an attacker would use the
//! public form, on every backend: identified by customer code or supply point with the tax id,
//! stored with its deadline and ledger contact, receipted on screen and by mail, in the back
//! office's queue; a wrong pair, a missing CSRF token and a flood are refused.

use crate::common;

use canali_domain::service::{RequestKind, RequestStatus};
use common::*;
use reqwest::multipart::{Form, Part};

/// The form of someone without the bill's codes: a name and a phone, no address.
fn contact_form(token: &str, name: &str, phone: &str) -> Form {
    Form::new()
        .text("csrf", token.to_string())
        .text("name", name.to_string())
        .text("phone", phone.to_string())
        .text("subject", "Nessuna bolletta ricevuta")
        .text("body", "Ho traslocato e non ricevo più le bollette.")
        .text("privacy", "yes")
}

fn form(token: &str, who: (&str, &str), tax_id: &str, subject: &str) -> Form {
    Form::new()
        .text("csrf", token.to_string())
        .text("code", who.0.to_string())
        .text("point", who.1.to_string())
        .text("tax_id", tax_id.to_string())
        .text("email", "mario.rossi@example.it")
        .text("subject", subject.to_string())
        .text(
            "body",
            "La bolletta di marzo riporta un consumo stimato errato.",
        )
        .text("privacy", "yes")
}

/// Fetches the form's CSRF token and sends the complaint.
async fn submit(
    c: &reqwest::Client,
    url: &str,
    who: (&str, &str),
    tax_id: &str,
    subject: &str,
) -> reqwest::Response {
    let token = csrf(c, url).await;
    c.post(url)
        .multipart(form(&token, who, tax_id, subject))
        .send()
        .await
        .unwrap()
}

/// The case number on the receipt page.
fn case_of(page: &str) -> i64 {
    page.split("<dd id=\"case\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no case number in {page}"))
}

#[tokio::test]
async fn anyone_complains_with_the_codes_on_the_bill_and_gets_a_receipt() {
    for app in spawn_apps().await {
        let b = &app.base;
        let n = app.backend;
        let c = client();
        let url = format!("{b}/complaint");
        let (status, html) = page(&c, &url).await;
        assert_eq!(status, 200);
        assert!(html.contains("Presenta un reclamo"), "{html}");

        // By customer code, the tax id typed in lower case, with a photo.
        let token = csrf(&c, &url).await;
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let r = c
            .post(&url)
            .multipart(
                form(
                    &token,
                    (CUSTOMER_CODE, ""),
                    &CUSTOMER_TAX_ID.to_lowercase(),
                    "Consumo stimato errato",
                )
                .part(
                    "files",
                    Part::bytes(png)
                        .file_name("bolletta.png")
                        .mime_str("image/png")
                        .unwrap(),
                ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{n}");
        let receipt = r.text().await.unwrap();
        assert!(receipt.contains("Reclamo ricevuto"), "{receipt}");
        assert!(receipt.contains("mario.rossi@example.it"), "{receipt}");
        let case = case_of(&receipt);
        let stored = app.store.requests().get(case).await.unwrap().unwrap();
        assert_eq!(
            (stored.customer_id, stored.kind, stored.status),
            (Some(1), RequestKind::Complaint, RequestStatus::Open),
            "{n}"
        );
        assert_eq!(stored.attachments, 1, "{n}");
        // The clock starts at once, by the rules in force (30 days since 2017 and in 2026).
        assert_eq!(
            stored.deadline_day,
            Some(canali_domain::Day(stored.opened_day.0 + 30)),
            "{n}"
        );
        let mail = newest_mail(&app.outbox);
        assert!(
            mail.contains(&format!("Numero della pratica: {case}")),
            "{mail}"
        );
        // The ledger has its contact, and the back office's queue lists it.
        let timeline = app
            .store
            .customers()
            .timeline(CUSTOMER_CODE, None, 10)
            .await
            .unwrap();
        assert!(
            timeline.iter().any(|t| t.external_id == case.to_string()),
            "{n}"
        );
        let office = operator_client(&app, "back_office").await;
        let (_, queue) = page(&office, format!("{b}/console/requests")).await;
        assert!(queue.contains("Consumo stimato errato"), "{queue}");

        // The back office sees where to answer, and the answer itself is mailed there (the
        // customer has no online-branch account to read it in).
        let page_url = format!("{b}/console/requests/{case}");
        let (_, html) = page(&office, &page_url).await;
        assert!(
            html.contains("<td id=\"reply-email\">mario.rossi@example.it</td>"),
            "{html}"
        );
        let token = csrf(&office, &page_url).await;
        let r = office
            .post(&page_url)
            .form(&[
                ("csrf", token.as_str()),
                (
                    "text",
                    "Abbiamo verificato la lettura e rettificato la bolletta.",
                ),
                ("channel", "web"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{n}");
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .ends_with("done=answered_mailed"),
            "{n}"
        );
        let mail = newest_mail(&app.outbox);
        assert!(
            mail.contains("To: mario.rossi@example.it")
                && mail.contains("Abbiamo verificato la lettura e rettificato la bolletta."),
            "{mail}"
        );

        // By a supply point's identifier (any case): the complaint is about that supply.
        let r = submit(
            &c,
            &url,
            ("", "it001e12345678"),
            CUSTOMER_TAX_ID,
            "Lettura sbagliata",
        )
        .await;
        assert_eq!(r.status(), 200, "{n}");
        let case = case_of(&r.text().await.unwrap());
        let stored = app.store.requests().get(case).await.unwrap().unwrap();
        assert_eq!(
            (stored.customer_id, stored.supply_point_id),
            (Some(1), Some(11)),
            "{n}"
        );
    }
}

#[tokio::test]
async fn without_the_codes_a_name_and_a_phone_are_enough() {
    for app in spawn_apps().await {
        let b = &app.base;
        let n = app.backend;
        let c = client();
        let url = format!("{b}/complaint");
        // A name without a phone or an address: asked for one.
        let token = csrf(&c, &url).await;
        let r = c
            .post(&url)
            .multipart(contact_form(&token, "Anna Verdi", ""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{n}");
        let token = csrf(&c, &url).await;
        let r = c
            .post(&url)
            .multipart(contact_form(&token, "Anna Verdi", "+39 051 1234567"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{n}");
        let case = case_of(&r.text().await.unwrap());
        let stored = app.store.requests().get(case).await.unwrap().unwrap();
        assert_eq!(stored.customer_id, None, "{n}");
        assert_eq!(
            (
                stored.contact_name.as_deref(),
                stored.contact_phone.as_deref()
            ),
            (Some("Anna Verdi"), Some("+39 051 1234567")),
            "{n}"
        );
        assert_eq!(
            stored.deadline_day,
            Some(canali_domain::Day(stored.opened_day.0 + 30)),
            "{n}: the clock starts at once"
        );
        // In the back office's queue under the name given, with the phone on its page.
        let office = operator_client(&app, "back_office").await;
        let (_, queue) = page(&office, format!("{b}/console/requests")).await;
        assert!(
            queue.contains("Nessuna bolletta ricevuta") && queue.contains("Anna Verdi"),
            "{queue}"
        );
        let (_, html) = page(&office, format!("{b}/console/requests/{case}")).await;
        assert!(html.contains("Anna Verdi · +39 051 1234567"), "{html}");
        // The API's queue lists it too, with an empty customer code.
        let queue = app.api_get("/api/v1/requests?status=open").await;
        assert_eq!(queue.status(), 200, "{n}");
        let text = queue.text().await.unwrap();
        assert!(text.contains("Anna Verdi"), "{text}");
    }
}

#[tokio::test]
async fn the_form_refuses_wrong_codes_forged_posts_and_floods() {
    for app in spawn_apps().await {
        let b = &app.base;
        let n = app.backend;
        let c = client();
        let url = format!("{b}/complaint");
        let before = app.store.requests().of(1).await.unwrap().len();

        // Another customer's supply point with this customer's tax id: nobody is identified,
        // and the page does not say whose the codes are.
        let token = csrf(&c, &url).await;
        let r = c
            .post(&url)
            .multipart(form(
                &token,
                ("", "12030000000099"),
                CUSTOMER_TAX_ID,
                "Prova",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{n}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Non troviamo una fornitura"), "{html}");
        assert!(html.contains("Prova"), "the form keeps what was typed");

        // Both codes, or neither: the form asks for one.
        let who = (CUSTOMER_CODE, "IT001E12345678");
        let r = submit(&c, &url, who, CUSTOMER_TAX_ID, "Prova").await;
        assert_eq!(r.status(), 400, "{n}");
        assert!(r.text().await.unwrap().contains("uno solo tra"));

        // Without the CSRF token (a post forged from another site): refused.
        let r = client()
            .post(&url)
            .multipart(form("", (CUSTOMER_CODE, ""), CUSTOMER_TAX_ID, "Forgiato"))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_client_error(),
            "{n}: a forged post got {}",
            r.status()
        );
        assert_eq!(
            app.store.requests().of(1).await.unwrap().len(),
            before,
            "{n}: nothing stored"
        );

        // Five tries a minute from one address (two made above), then 429 with Retry-After.
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let token = csrf(&c, &url).await;
            let r = c
                .post(&url)
                .multipart(form(
                    &token,
                    ("", "NO-SUCH-POINT"),
                    CUSTOMER_TAX_ID,
                    "Flood",
                ))
                .send()
                .await
                .unwrap();
            statuses.push(r.status().as_u16());
            if r.status() == 429 {
                assert!(r.headers().contains_key("retry-after"), "{n}");
            }
        }
        assert_eq!(statuses, [400, 400, 400, 429], "{n}");
    }
}
