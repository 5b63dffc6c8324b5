//! The online branch attacked: each rule of the security list tried the way an attacker would,
//! on SQLite and PostgreSQL.

use crate::common;

use canali_domain::Channel;
use canali_domain::service::RequestKind;
use canali_store::requests::{NewAttachment, NewRequest};
use common::*;
use reqwest::header;

#[tokio::test]
async fn a_customer_cannot_reach_another_customers_data() {
    for app in spawn_apps().await {
        let c = registered_customer(&app).await;
        // A request of customer 2, with an attachment.
        let other = app
            .store
            .open_request(
                &NewRequest {
                    customer_id: 2,
                    supply_point_id: Some(21),
                    kind: RequestKind::Complaint,
                    channel: Channel::Mail,
                    subject: "Reclamo".into(),
                    body: "Testo riservato".into(),
                    opened_at: canali_web::now_micros(),
                    attachments: vec![NewAttachment {
                        filename: "secret.pdf".into(),
                        content_type: "application/pdf".into(),
                        data: b"%PDF secret".to_vec(),
                    }],
                    agent: None,
                },
                &canali_domain::service::default_reply_standards(),
            )
            .await
            .unwrap();
        let file = app.store.attachments_of(other.id).await.unwrap()[0].id;
        for path in [
            "/bills/201".to_string(),
            format!("/requests/{}", other.id),
            format!("/requests/{}/files/{file}", other.id),
            "/bills/999999".to_string(),
            "/bills/not-a-number".to_string(),
        ] {
            let r = c.get(format!("{}{path}", app.base)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path} on {}", app.backend);
            let body = r.text().await.unwrap();
            assert!(
                !body.contains("riservato") && !body.contains("secret"),
                "{body}"
            );
        }
        // Another customer's supply point cannot be read into.
        let token = csrf(&c, &format!("{}/readings", app.base)).await;
        let r = c
            .post(format!("{}/readings", app.base))
            .form(&[("csrf", token.as_str()), ("point", "21"), ("reading", "10")])
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), 200, "{}", app.backend);
        assert!(app.store.readings_of(21, 5).await.unwrap().is_empty());
        // Pages of the online branch need a signed-in customer.
        let anonymous = client();
        let r = anonymous
            .get(format!("{}/home", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            r.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_a_planted_one_is_worthless() {
    for app in spawn_apps().await {
        let _ = registered_customer(&app).await;
        let c = client();
        let token = csrf(&c, &format!("{}/login", app.base)).await;
        let planted = "a".repeat(64);
        let r = c
            .post(format!("{}/login", app.base))
            .header(
                header::COOKIE,
                format!("canali_session={planted}; canali_csrf={token}"),
            )
            .form(&[
                ("csrf", token.as_str()),
                ("email", CUSTOMER_EMAIL),
                ("password", PASSWORD),
                ("next", "/home"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend);
        let set = r
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("canali_session="))
            .expect("a session cookie is set");
        assert!(!set.contains(&planted));
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        assert!(!set.contains("Secure"), "not behind TLS in this test");
        // The planted id opens nothing.
        let r = client()
            .get(format!("{}/home", app.base))
            .header(header::COOKIE, format!("canali_session={planted}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        // The stored password is an argon2id hash.
        let login = app.store.portal_login(1).await.unwrap().unwrap();
        assert!(
            login.password_hash.starts_with("$argon2id$"),
            "{}",
            login.password_hash
        );
    }
}

#[tokio::test]
async fn cookies_are_secure_behind_tls() {
    let ts = canali_store::testing::fresh_sqlite().await.unwrap();
    let app = spawn(ts, |c| c.secure_cookies = true).await;
    let r = client()
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let set = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("Secure") && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
}

#[tokio::test]
async fn cross_site_and_tokenless_form_posts_are_refused() {
    for app in spawn_apps().await {
        let c = registered_customer(&app).await;
        let token = csrf(&c, &format!("{}/ebill", app.base)).await;
        // From another site, even with the right token (a browser would send the cookie).
        for (name, value) in [
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ] {
            let r = c
                .post(format!("{}/ebill", app.base))
                .header(name, value)
                .form(&[("csrf", token.as_str()), ("action", "enroll")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{name} on {}", app.backend);
        }
        // Without the token, or with another one.
        for t in ["", "0000"] {
            let r = c
                .post(format!("{}/ebill", app.base))
                .form(&[("csrf", t), ("action", "enroll")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "token {t:?} on {}", app.backend);
        }
        assert!(!app.store.customer(1).await.unwrap().unwrap().ebill_enrolled);
        // The same origin passes.
        let r = c
            .post(format!("{}/ebill", app.base))
            .header("origin", app.base.clone())
            .form(&[("csrf", token.as_str()), ("action", "enroll")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(app.store.customer(1).await.unwrap().unwrap().ebill_enrolled);
    }
}

#[tokio::test]
async fn sign_in_registration_and_reset_are_rate_limited() {
    let ts = canali_store::testing::fresh_sqlite().await.unwrap();
    let app = spawn(ts, |c| {
        c.limits.login_per_minute = 5;
        c.limits.login_per_account_per_minute = 3;
        c.limits.register_per_minute = 2;
        c.limits.reset_per_minute = 2;
    })
    .await;
    let c = client();
    let token = csrf(&c, &format!("{}/login", app.base)).await;
    // Guessing one account's password: the account's own limit stops it first.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = c
            .post(format!("{}/login", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "victim@example.it"),
                ("password", "guess-guess-guess"),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let wait: u64 = r.headers()[header::RETRY_AFTER]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
        }
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    // Spraying many accounts from one address: the address's limit.
    let mut last = 0;
    for i in 0..3 {
        last = c
            .post(format!("{}/login", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("email", format!("u{i}@example.it").as_str()),
                ("password", "x"),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    for (path, fields) in [
        (
            "/register",
            vec![
                ("code", "1"),
                ("tax_id", "x"),
                ("email", "a@b.it"),
                ("password", "x"),
                ("password2", "x"),
            ],
        ),
        ("/password/forgot", vec![("email", "a@b.it")]),
    ] {
        let mut codes = Vec::new();
        for _ in 0..3 {
            let mut form = fields.clone();
            form.push(("csrf", token.as_str()));
            codes.push(
                c.post(format!("{}{path}", app.base))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(codes[2], 429, "{path}: {codes:?}");
    }
}

#[tokio::test]
async fn reset_links_work_once_and_sign_out_everywhere() {
    for app in spawn_apps().await {
        let first = registered_customer(&app).await;
        let c = client();
        let token = csrf(&c, &format!("{}/password/forgot", app.base)).await;
        // Known and unknown addresses get the same answer.
        let mut pages = Vec::new();
        for email in [CUSTOMER_EMAIL, "nobody@example.it"] {
            let r = c
                .post(format!("{}/password/forgot", app.base))
                .form(&[("csrf", token.as_str()), ("email", email)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            pages.push(r.text().await.unwrap());
        }
        assert_eq!(pages[0], pages[1]);
        let link = last_link(&app.outbox, "/password/reset?token=");
        let reset_token = link.split("token=").nth(1).unwrap().to_string();
        let new_password = "a brand new passphrase";
        let post = |t: String| {
            let c = c.clone();
            let url = format!("{}/password/reset", app.base);
            let csrf_token = token.clone();
            async move {
                c.post(url)
                    .form(&[
                        ("csrf", csrf_token.as_str()),
                        ("token", t.as_str()),
                        ("password", new_password),
                        ("password2", new_password),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(post(reset_token.clone()).await, 200, "{}", app.backend);
        assert_eq!(post(reset_token).await, 400, "a link works once");
        // The session opened before the reset is over.
        let r = first
            .get(format!("{}/home", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend);
        sign_in(&app, &client(), CUSTOMER_EMAIL, new_password).await;
    }
}

#[tokio::test]
async fn unconfirmed_accounts_and_foreign_redirects_go_nowhere() {
    for app in spawn_apps().await {
        let c = client();
        let token = csrf(&c, &format!("{}/register", app.base)).await;
        let r = c
            .post(format!("{}/register", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("code", CUSTOMER_CODE),
                ("tax_id", CUSTOMER_TAX_ID),
                ("email", CUSTOMER_EMAIL),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("privacy", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = c
            .post(format!("{}/login", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("email", CUSTOMER_EMAIL),
                ("password", PASSWORD),
                ("next", "/home"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "not confirmed yet on {}", app.backend);
        // A wrong tax id for a real code is refused with the reason.
        let r = client()
            .post(format!("{}/register", app.base))
            .header(header::COOKIE, format!("canali_csrf={token}"))
            .form(&[
                ("csrf", token.as_str()),
                ("code", OTHER_CODE),
                ("tax_id", CUSTOMER_TAX_ID),
                ("email", "x@example.it"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("privacy", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let link = last_link(&app.outbox, "/confirm?token=");
        assert_eq!(c.get(&link).send().await.unwrap().status(), 200);
        let r = c
            .post(format!("{}/login", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("email", CUSTOMER_EMAIL),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()[header::LOCATION], "/home");
    }
}
