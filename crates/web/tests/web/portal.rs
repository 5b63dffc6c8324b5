//! The online branch as a customer walks it, over HTTP: registration with the code on the bill,
//! confirmation by e-mail link, sign-in, home, bills, e-bill switch, self-reading and a
//! complaint; each online action lands in the ledger as a `web` contact.

use crate::common;

use common::*;

#[tokio::test]
async fn a_customer_registers_and_serves_themselves() {
    for app in spawn_apps().await {
        let c = registered_customer(&app).await;
        let home = c.get(format!("{}/home", app.base)).send().await.unwrap();
        assert_eq!(home.status(), 200, "{}", app.backend);
        let html = home.text().await.unwrap();
        assert!(html.contains("Mario Rossi"), "{html}");
        assert!(html.contains("IT001E12345678"));

        // The registration counts in the report's online-branch figures.
        let login = app.store.accounts().portal_login(1).await.unwrap().unwrap();
        assert!(login.confirmed_at.is_some());

        // Bills: own ones listed; another customer's bill is 404.
        let bills = c
            .get(format!("{}/bills", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(bills.contains("/bills/101"));
        assert!(!bills.contains("/bills/201"));
        let other = c
            .get(format!("{}/bills/201", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404, "{}", app.backend);

        // The bill's document: the own one is a PDF, another customer's is 404 too.
        let pdf = c
            .get(format!("{}/bills/101/pdf", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200, "{}", app.backend);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
        let other = c
            .get(format!("{}/bills/201/pdf", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404, "{}", app.backend);

        // E-bill switch.
        let token = csrf(&c, &format!("{}/ebill", app.base)).await;
        let r = c
            .post(format!("{}/ebill", app.base))
            .form(&[("csrf", token.as_str()), ("action", "enroll")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let record = app.store.customers().get(1).await.unwrap().unwrap();
        assert!(record.ebill_enrolled, "{}", app.backend);

        // Self-reading of the gas meter.
        let token = csrf(&c, &format!("{}/readings", app.base)).await;
        let r = c
            .post(format!("{}/readings", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("point", "12"),
                ("reading", "1234"),
            ])
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        assert!(text.contains("1234"), "{text}");
        assert_eq!(app.store.readings().of(12, 5).await.unwrap().len(), 1);

        // A complaint with an attachment.
        let token = csrf(&c, &format!("{}/requests/new", app.base)).await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("kind", "complaint")
            .text("point", "11")
            .text("subject", "Bolletta troppo alta")
            .text("body", "Il consumo fatturato non corrisponde alla lettura.")
            .part(
                "files",
                reqwest::multipart::Part::bytes(b"%PDF-1.4 test".to_vec())
                    .file_name("lettura.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        let r = c
            .post(format!("{}/requests/new", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let requests = app.store.requests().of(1).await.unwrap();
        assert_eq!(requests.len(), 1);
        assert!(requests[0].deadline_day.is_some());

        // Every action is a web contact on the customer's timeline.
        let timeline = app
            .store
            .customers()
            .timeline(CUSTOMER_CODE, None, 50)
            .await
            .unwrap();
        let web = timeline
            .iter()
            .filter(|e| e.channel == canali_domain::Channel::Web)
            .count();
        assert!(
            web >= 3,
            "{} web contacts on {}: {timeline:?}",
            web,
            app.backend
        );
    }
}
