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
            .requests()
            .open(
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
        let file = app.store.requests().attachments_of(other.id).await.unwrap()[0].id;
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
        assert!(app.store.readings().of(21, 5).await.unwrap().is_empty());
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
        let login = app.store.accounts().portal_login(1).await.unwrap().unwrap();
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
    // The kiosk's pairing cookie too.
    crate::desk::seed_branches(&app.store).await;
    let key = canali_web::desk::kiosk_key::pair(&app.store, "BO01", "test", 0)
        .await
        .unwrap();
    let r = client()
        .get(format!("{}/kiosk/BO01?key={key}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("canali_kiosk="))
        .expect("the kiosk cookie is set");
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
        assert!(
            !app.store
                .customers()
                .get(1)
                .await
                .unwrap()
                .unwrap()
                .ebill_enrolled
        );
        // The same origin passes.
        let r = c
            .post(format!("{}/ebill", app.base))
            .header("origin", app.base.clone())
            .form(&[("csrf", token.as_str()), ("action", "enroll")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            app.store
                .customers()
                .get(1)
                .await
                .unwrap()
                .unwrap()
                .ebill_enrolled
        );
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

/// The kiosk's status and body, and whether it set a kiosk cookie.
async fn kiosk_get(c: &reqwest::Client, url: &str) -> (u16, String, Option<String>) {
    let r = c.get(url).send().await.unwrap();
    let cookie = set_cookie_value(&r, "canali_kiosk");
    (r.status().as_u16(), r.text().await.unwrap(), cookie)
}

async fn kiosk_take(c: &reqwest::Client, url: &str, token: &str) -> (u16, String) {
    let r = c
        .post(url)
        .form(&[("csrf", token), ("category", "A")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The kiosk's refusal page (not another 403, such as a missing form token).
const UNPAIRED: &str = "id=\"kiosk-unpaired\"";

/// A ticket asked for with a forged kiosk cookie (and the right form token and its cookie).
async fn kiosk_take_with_cookie(url: &str, token: &str, key: &str) -> (u16, String) {
    let r = client()
        .post(url)
        .header(
            header::COOKIE,
            format!("canali_kiosk={key}; canali_csrf={token}"),
        )
        .form(&[("csrf", token), ("category", "A")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A network manager pairs `branch`'s kiosk in the console; returns the key of the link shown.
async fn pair_in_console(app: &TestApp, manager: &reqwest::Client, branch: &str) -> String {
    let token = csrf(manager, &format!("{}/console/network/{branch}", app.base)).await;
    let r = manager
        .post(format!("{}/console/network/{branch}/kiosk", app.base))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", app.backend);
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    let html = r.text().await.unwrap();
    let element = html.find("id=\"kiosk-link\"").expect("the link is shown");
    let at = element + html[element..].find('>').unwrap() + 1;
    let link = &html[at..at + html[at..].find('<').unwrap()];
    let prefix = format!("{}/kiosk/{branch}?key=", app.base);
    assert!(link.starts_with(&prefix), "{link}");
    link[prefix.len()..].to_string()
}

#[tokio::test]
async fn the_kiosk_issues_tickets_only_on_a_device_paired_with_its_branch() {
    for app in spawn_apps().await {
        crate::desk::seed_branches(&app.store).await;
        let (b, be) = (&app.base, app.backend);
        let kiosk = format!("{b}/kiosk/BO01");
        let today = canali_domain::Day::of_micros(canali_web::now_micros());
        let tickets = || async {
            app.store
                .tickets()
                .between(Some("BO01"), today, today)
                .await
                .unwrap()
                .len()
        };

        // From home, with the kiosk's address only: a page that says so, and no ticket.
        let home = client();
        let (s, html, _) = kiosk_get(&home, &kiosk).await;
        assert_eq!(s, 403, "{be}");
        assert!(
            html.contains("non è abbinato") && html.contains("responsabile della rete sportelli"),
            "{be}: {html}"
        );
        assert!(
            !html.contains("name=\"category\""),
            "no ticket buttons: {html}"
        );
        let r = home
            .get(&kiosk)
            .header(header::ACCEPT_LANGUAGE, "en")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("is not paired"));
        let token = csrf(&home, &format!("{b}/login")).await;
        let (s, html) = kiosk_take(&home, &kiosk, &token).await;
        assert!(s == 403 && html.contains(UNPAIRED), "{be}: {s} {html}");
        assert_eq!(tickets().await, 0, "{be}: a ticket was taken from home");

        // A made-up key, in the link or in a forged cookie.
        let guess = canali_web::auth::random_token();
        let (s, html, cookie) = kiosk_get(&home, &format!("{kiosk}?key={guess}")).await;
        assert_eq!((s, cookie), (403, None), "{be}");
        assert!(html.contains("link di abbinamento non è valido"), "{html}");
        for forged in [guess.as_str(), "", "not-hex", &"z".repeat(64)] {
            let (s, html) = kiosk_take_with_cookie(&kiosk, &token, forged).await;
            assert!(s == 403 && html.contains(UNPAIRED), "{be}: {forged:?} {s}");
        }
        assert_eq!(tickets().await, 0, "{be}");

        // Only a network manager (or an admin) pairs a kiosk: not an agent, not a clerk.
        for role in ["agent", "clerk"] {
            let c = operator_client(&app, role).await;
            let (s, _, _) = kiosk_get(&c, &format!("{b}/console/network/BO01")).await;
            assert_eq!(s, 403, "{be}: {role} sees the branch page");
            let token = csrf(&c, &format!("{b}/console/search")).await;
            for action in ["kiosk", "kiosk/revoke"] {
                let r = c
                    .post(format!("{b}/console/network/BO01/{action}"))
                    .form(&[("csrf", token.as_str())])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 403, "{be}: {role} {action}");
            }
        }
        let r = home
            .post(format!("{b}/console/network/BO01/kiosk"))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{be}: to sign in");
        assert_eq!(
            app.store.network().kiosk_pairing("BO01").await.unwrap(),
            None
        );

        let manager = operator_client(&app, "network_manager").await;
        let key = pair_in_console(&app, &manager, "BO01").await;
        let other_branch_key =
            pair_in_console(&app, &operator_client(&app, "admin").await, "BO02").await;
        // The store keeps the key's digest only, with who paired it.
        let pairing = app
            .store
            .network()
            .kiosk_pairing("BO01")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pairing.created_by, "network_manager@canali.test");
        assert!(
            app.store
                .network()
                .kiosk_key_opens("BO01", &canali_web::auth::sha256_hex(&key))
                .await
                .unwrap()
        );
        assert!(
            !app.store
                .network()
                .kiosk_key_opens("BO01", &key)
                .await
                .unwrap()
        );
        let (_, html, _) = kiosk_get(&manager, &format!("{b}/console/network/BO01")).await;
        assert!(
            html.contains("Abbinato il") && !html.contains(&key),
            "{html}"
        );

        // BO02's key does not open BO01, by link or by cookie.
        let (s, _, cookie) = kiosk_get(&home, &format!("{kiosk}?key={other_branch_key}")).await;
        assert_eq!((s, cookie), (403, None), "{be}");
        let (s, html) = kiosk_take_with_cookie(&kiosk, &token, &other_branch_key).await;
        assert!(s == 403 && html.contains(UNPAIRED), "{be}: {s}");
        assert_eq!(tickets().await, 0, "{be}");
        // The right key passes the same forged request: the refusals above were the key's.
        let (s, html) = kiosk_take_with_cookie(&kiosk, &token, &key).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert_eq!(tickets().await, 1, "{be}");

        // The device opens the link: a cookie for this kiosk only, and the clean address.
        let device = client();
        let r = device
            .get(format!("{kiosk}?key={key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{be}");
        assert_eq!(r.headers()[header::LOCATION], "/kiosk/BO01");
        let set = r.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            set.starts_with(&format!("canali_kiosk={key};"))
                && set.contains("Path=/kiosk/BO01;")
                && set.contains("HttpOnly")
                && set.contains("SameSite=Strict")
                && !set.contains("Secure"),
            "{set}"
        );
        let (s, html, _) = kiosk_get(&device, &kiosk).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("Bollette e pagamenti"));
        let device_token = csrf(&device, &kiosk).await;
        let (s, html) = kiosk_take(&device, &kiosk, &device_token).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("A002"), "{html}");
        assert_eq!(tickets().await, 2, "{be}");
        // The paired device is BO01's kiosk, not BO02's.
        let (s, _, _) = kiosk_get(&device, &format!("{b}/kiosk/BO02")).await;
        assert_eq!(s, 403, "{be}");

        // Pairing again: the old key stops at once, by cookie and by link.
        let new_key = pair_in_console(&app, &manager, "BO01").await;
        assert_ne!(new_key, key);
        let (s, html) = kiosk_take(&device, &kiosk, &device_token).await;
        assert!(s == 403 && html.contains(UNPAIRED), "{be}: {s} {html}");
        let (s, _, cookie) = kiosk_get(&client(), &format!("{kiosk}?key={key}")).await;
        assert_eq!((s, cookie), (403, None), "{be}");
        assert_eq!(tickets().await, 2, "{be}");
        let (s, _, _) = kiosk_get(&device, &format!("{kiosk}?key={new_key}")).await;
        assert_eq!(s, 303, "{be}");
        let (s, _) = kiosk_take(&device, &kiosk, &device_token).await;
        assert_eq!(s, 200, "{be}");
        assert_eq!(tickets().await, 3, "{be}");

        // Revoked: the device stops at once; the page says who revoked it.
        let token = csrf(&manager, &format!("{b}/console/network/BO01")).await;
        let r = manager
            .post(format!("{b}/console/network/BO01/kiosk/revoke"))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{be}");
        let (s, html) = kiosk_take(&device, &kiosk, &device_token).await;
        assert!(s == 403 && html.contains(UNPAIRED), "{be}: {s}");
        let (s, _, _) = kiosk_get(&device, &kiosk).await;
        assert_eq!(s, 403, "{be}");
        assert_eq!(tickets().await, 3, "{be}");
        let (_, html, _) =
            kiosk_get(&manager, &format!("{b}/console/network/BO01?kiosk=revoked")).await;
        assert!(html.contains("revocato il"), "{be}: {html}");
        // BO02's pairing is untouched.
        assert!(
            app.store
                .network()
                .kiosk_key_opens("BO02", &canali_web::auth::sha256_hex(&other_branch_key))
                .await
                .unwrap()
        );

        // The waiting-room display and the virtual ticket stay public.
        for path in [
            "/display/BO01",
            "/display/BO01/now",
            "/branches/BO01/ticket",
        ] {
            let (s, _, _) = kiosk_get(&client(), &format!("{b}{path}")).await;
            assert_eq!(s, 200, "{be}: {path}");
        }
    }
}
