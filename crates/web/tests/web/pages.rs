//! The pages a person meets, as they read them: the branch finder's opening times and weeks,
//! numbers, days and dates written the page language's way, the privacy notice, and the small
//! things that were wrong (search wording, complaints, e-bill date, empty months, wallboard,
//! kiosk after closing, confirmation link, icon).

use crate::common;

use canali_domain::lang::Lang;
use canali_domain::locale;
use canali_domain::network::{BranchKind, Host, Operator as BranchOperator};
use canali_domain::service::RequestKind;
use canali_domain::{Channel, Day, Outcome, Reason, Segment};
use canali_store::branches_store::{BranchException, RegistryUpdate};
use canali_store::requests::NewRequest;
use canali_store::{Branch, Customer, NewContact};
use common::*;

async fn page_en(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c
        .get(&url)
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

fn branch(code: &str, municipality: &str, hours: &str, at: (f64, f64)) -> Branch {
    Branch {
        code: code.into(),
        name: format!("Sportello {code}"),
        municipality: municipality.into(),
        address: "Via Roma 1".into(),
        sot: 1,
        kind: BranchKind::Standard,
        operator: BranchOperator::Own,
        contractor: None,
        host: Host::Own,
        host_name: None,
        counters: 2,
        hours: hours.into(),
        schedule_template: None,
        latitude: at.0,
        longitude: at.1,
    }
}

fn today() -> Day {
    Day::of_micros(canali_web::now_micros())
}

/// PG10 in Bologna keeps a 44-hour week but is closed today and opens tomorrow at 08:00; IM10,
/// 30 km away in Imola, is open all day today (whatever the weekday or holiday).
async fn seed_finder(app: &TestApp) {
    let week = "mo-fr 08:00-16:00; sa 08:00-12:00";
    let today = today();
    let exception = |branch: &str, day: Day, hours: Option<&str>| BranchException {
        branch: branch.into(),
        day,
        hours: hours.map(str::to_string),
        note: "test".into(),
    };
    app.store
        .network()
        .upsert_registry(&RegistryUpdate {
            branches: vec![
                (
                    branch("PG10", "Bologna", week, (44.494, 11.343)),
                    String::new(),
                ),
                (
                    branch("IM10", "Imola", week, (44.353, 11.714)),
                    String::new(),
                ),
            ],
            exceptions: vec![
                exception("PG10", today, None),
                exception("PG10", Day(today.0 + 1), Some("08:00-16:00")),
                exception("IM10", today, Some("00:00-24:00")),
            ],
            ..RegistryUpdate::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn the_branch_finder_says_when_each_branch_opens_and_its_week() {
    for app in spawn_apps().await {
        let be = app.backend;
        seed_finder(&app).await;
        let c = client();
        let (s, html) = page(&c, format!("{}/branches?q=Bologna", app.base)).await;
        assert_eq!(s, 200, "{be}: {html}");
        let tomorrow = Day(today().0 + 1).date();
        let opens = format!(
            "apre {} {} alle 08:00",
            locale::weekday_name(tomorrow.weekday(), Lang::It),
            locale::short_date(tomorrow, Lang::It)
        );
        assert!(html.contains(&opens), "{be}: no «{opens}» in {html}");
        assert!(html.contains("fino alle 24:00"), "{be}: {html}");
        assert!(
            html.contains("lun-ven 08:00-16:00; sab 08:00-12:00"),
            "{html}"
        );
        assert!(html.contains("44,0 ore a settimana"), "{html}");
        assert!(!html.contains("mo-fr") && !html.contains("44.0"), "{html}");
        // Imola is some 30 km away, written with a decimal comma.
        let imola = &html[html.find("Sportello IM10").unwrap()..];
        let km = &imola[imola.find("<td class=\"num\">").unwrap() + 16..];
        let km = &km[..km.find('<').unwrap()];
        assert!(km.contains(',') && !km.contains('.'), "{km}");

        let (_, html) = page_en(&c, format!("{}/branches?q=Bologna", app.base)).await;
        assert!(
            html.contains("Mon-Fri 08:00-16:00; Sat 08:00-12:00"),
            "{html}"
        );
        assert!(html.contains("44.0 hours a week"), "{html}");
        assert!(html.contains("opens "), "{html}");
    }
}

#[tokio::test]
async fn italian_desk_pages_write_days_numbers_and_dates_the_italian_way() {
    for app in spawn_apps().await {
        let (b, be) = (&app.base, app.backend);
        seed_finder(&app).await;
        canali_web::desk::kiosk_key::pair(
            &app.store,
            "PG10",
            "command line (user ops)",
            canali_web::now_micros(),
        )
        .await
        .unwrap();
        let manager = operator_client(&app, "network_manager").await;
        let (s, html) = page(&manager, format!("{b}/console/network?date=2026-12-07")).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("· 07/12/2026</h1>"), "{html}");
        assert!(
            html.contains("lun-ven 08:00-16:00; sab 08:00-12:00"),
            "{html}"
        );
        assert!(html.contains("44,0"), "{html}");
        assert!(!html.contains("mo-fr"), "{html}");
        let (_, html) = page(&manager, format!("{b}/console/network/PG10")).await;
        assert!(
            html.contains("dalla riga di comando (utente ops)"),
            "{be}: {html}"
        );
        assert!(!html.contains("command line"), "{html}");

        let supervisor = operator_client(&app, "supervisor").await;
        let (s, html) = page(
            &supervisor,
            format!("{b}/console/branches/kpi?month=2011-03"),
        )
        .await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("marzo 2011"), "{html}");
        assert!(html.contains("≤ 14 min, ≤ 7% &#62; 40 min"), "{html}");
        assert!(!html.contains("0000000"), "{html}");
        assert!(html.contains("Tutta la rete"), "{html}");
        assert!(!html.contains("<td>all</td>"), "{html}");

        let (s, html) = page(
            &supervisor,
            format!("{b}/console/callcenter/staff?week=2026-12-07"),
        )
        .await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("07/12/2026</h1>"), "{html}");
        assert!(
            html.contains(">lun 00:00<") && html.contains(">dom 00:00<"),
            "{html}"
        );
        assert!(!html.contains("Mon ") && !html.contains("Tue "), "{html}");
    }
}

#[tokio::test]
async fn the_privacy_notice_is_linked_and_can_be_replaced() {
    for app in spawn_apps().await {
        let c = client();
        let (s, html) = page(&c, format!("{}/register", app.base)).await;
        assert_eq!(s, 200);
        assert!(html.contains("href=\"/privacy\""), "{html}");
        let (s, html) = page(&c, format!("{}/privacy", app.base)).await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("Regolamento (UE) 2016/679"), "{html}");
        assert!(html.contains("<h2>I tuoi diritti</h2>"), "{html}");
        let (_, html) = page_en(&c, format!("{}/privacy", app.base)).await;
        assert!(html.contains("<h2>Your rights</h2>"), "{html}");
        // Every portal page links it from its footer.
        let (_, html) = page(&c, format!("{}/branches", app.base)).await;
        assert!(html.contains("href=\"/privacy\""), "{html}");
    }
    // The utility's own text, from the file the settings name.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("informativa.txt");
    std::fs::write(
        &file,
        "# Titolare\nAcqua & Gas S.p.A.,\nvia Roma 1.\n\nScrivi a privacy@example.it.",
    )
    .unwrap();
    let ts = canali_store::testing::fresh_stores()
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let app = spawn(ts, |c| c.privacy_notice = Some(file.clone())).await;
    let (s, html) = page(&client(), format!("{}/privacy", app.base)).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("<h2>Titolare</h2>"), "{html}");
    assert!(
        html.contains("Gas S.p.A., via Roma 1.") && html.contains("<h2>Titolare</h2>"),
        "{html}"
    );
    assert!(!html.contains("2016/679"), "{html}");
    // A missing file is refused by the settings check, naming the key and the file.
    let config = canali_web::WebConfig {
        privacy_notice: Some(dir.path().join("missing.txt")),
        ..canali_web::WebConfig::default()
    };
    let err = config.validate().unwrap_err();
    assert!(
        err.contains("web.privacy_notice") && err.contains("missing.txt"),
        "{err}"
    );
}

fn customer(id: i64, name: &str) -> Customer {
    Customer {
        id,
        code: format!("59{id:08}"),
        segment: Segment::Residential,
        tax_id: format!("TAX{id:013}"),
        name: name.into(),
        sot: 1,
        email: None,
        phone: None,
        since: day(2010, 1, 1),
    }
}

#[tokio::test]
async fn the_search_counts_in_words_and_says_when_it_stops() {
    for app in spawn_apps().await {
        let b = &app.base;
        let many: Vec<Customer> = (100..151)
            .map(|i| customer(i, &format!("Lucia Bianchi {i}")))
            .collect();
        app.store.insert_customers(&many).await.unwrap();
        let agent = operator_client(&app, "agent").await;
        let (_, html) = page(&agent, format!("{b}/console/search?q={CUSTOMER_CODE}")).await;
        assert!(html.contains("1 cliente trovato"), "{html}");
        assert!(html.contains("una parola del nome"), "{html}");
        let (_, html) = page(&agent, format!("{b}/console/search?q=Rossi")).await;
        assert!(!html.contains("Più di"), "{html}");
        let (_, html) = page(&agent, format!("{b}/console/search?q=Bianchi")).await;
        assert!(
            html.contains("Più di 50 clienti corrispondono: sono mostrati i primi 50."),
            "{}: {html}",
            app.backend
        );
        assert_eq!(html.matches("/console/customers/").count(), 100, "{html}");
        // A long address wraps inside the identity card.
        let (_, html) = page(&agent, format!("{b}/console/customers/1")).await;
        assert!(html.contains("<td class=\"break\" id=\"email\">"), "{html}");
    }
}

#[tokio::test]
async fn a_logged_contact_is_the_newest_on_the_timeline() {
    for app in spawn_apps().await {
        let b = &app.base;
        // A web contact a minute ago, then a ten-minute call logged now.
        let now = canali_web::now_micros();
        app.store
            .ledger()
            .ingest(
                "portal",
                &[NewContact {
                    external_id: "web-1".into(),
                    channel: Channel::Web,
                    started_at: now - 60_000_000,
                    ended_at: Some(now - 60_000_000),
                    segment: None,
                    customer: Some(CUSTOMER_CODE.into()),
                    territory: None,
                    wait_seconds: None,
                    handle_seconds: None,
                    reason: Some(Reason::Ebill),
                    outcome: Some(Outcome::Resolved),
                    branch: None,
                    line: None,
                    agent: None,
                }],
            )
            .await
            .unwrap();
        let agent = operator_client(&app, "agent").await;
        let token = csrf(&agent, &format!("{b}/console/customers/1")).await;
        let r = agent
            .post(format!("{b}/console/customers/1/contacts"))
            .form(&[
                ("csrf", token.as_str()),
                ("reason", "billing"),
                ("outcome", "resolved"),
                ("minutes", "10"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let timeline = app
            .store
            .customers()
            .timeline(CUSTOMER_CODE, None, 2)
            .await
            .unwrap();
        assert_eq!(
            timeline[0].channel,
            Channel::CallCenterResidential,
            "{timeline:?}"
        );
        assert_eq!(timeline[0].handle_seconds, Some(600));
        assert_eq!(timeline[1].channel, Channel::Web, "{timeline:?}");
    }
}

#[tokio::test]
async fn a_web_complaint_shows_its_supply_point_and_the_answer_is_dated_and_mailed() {
    for app in spawn_apps().await {
        let (b, be) = (&app.base, app.backend);
        let customer = registered_customer(&app).await;
        let opened = app
            .store
            .requests()
            .open(
                &NewRequest {
                    customer_id: 1,
                    supply_point_id: Some(12),
                    kind: RequestKind::Complaint,
                    channel: Channel::Web,
                    subject: "Lettura stimata".into(),
                    body: "La lettura non è la mia.".into(),
                    opened_at: canali_web::now_micros(),
                    attachments: Vec::new(),
                    agent: None,
                },
                &canali_domain::service::default_reply_standards(),
            )
            .await
            .unwrap();
        let id = opened.id;
        let (s, html) = page(&customer, format!("{b}/requests/{id}")).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("12010000000042"), "{html}");

        let office = operator_client(&app, "back_office").await;
        let (_, html) = page(&office, format!("{b}/console/requests/{id}")).await;
        assert!(html.contains("12010000000042"), "{html}");
        // Came in on the web: the answer goes back on the web unless the operator says otherwise.
        assert!(html.contains("<option value=\"web\" selected>"), "{html}");
        assert!(!html.contains("<option value=\"mail\" selected>"), "{html}");
        let token = csrf(&office, &format!("{b}/console/requests/{id}")).await;
        let r = office
            .post(format!("{b}/console/requests/{id}"))
            .form(&[
                ("csrf", token.as_str()),
                ("text", "Abbiamo corretto la lettura."),
                ("channel", "web"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.ends_with("done=answered_mailed"), "{to}");
        let (_, html) = page(&office, format!("{b}{to}")).await;
        assert!(
            html.contains("il cliente ha ricevuto un'e-mail")
                || html.contains("il cliente ha ricevuto un&#39;e-mail")
                || html.contains("il cliente ha ricevuto un&#x27;e-mail"),
            "{html}"
        );

        // The customer got a mail with the link, and the page says when and how it was answered.
        let link = last_link(&app.outbox, &format!("/requests/{id}"));
        assert_eq!(link, format!("{b}/requests/{id}"));
        let (_, html) = page(&customer, link).await;
        assert!(html.contains("Abbiamo corretto la lettura."), "{html}");
        let today = locale::short_date(today().date(), Lang::It);
        assert!(
            html.contains(&format!("Risposta del {today}"))
                && html.contains("canale: Sportello on-line"),
            "{be}: {html}"
        );
    }
}

#[tokio::test]
async fn the_ebill_confirmation_names_the_next_day() {
    for app in spawn_apps().await {
        let c = registered_customer(&app).await;
        let token = csrf(&c, &format!("{}/ebill", app.base)).await;
        let r = c
            .post(format!("{}/ebill", app.base))
            .form(&[("csrf", token.as_str()), ("action", "enroll")])
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        let tomorrow = locale::short_date(Day(today().0 + 1).date(), Lang::It);
        assert!(
            html.contains(&format!("le bollette emesse dal {tomorrow}.")),
            "{}: {html}",
            app.backend
        );
    }
}

#[tokio::test]
async fn pages_open_on_the_last_month_with_data() {
    for app in spawn_apps().await {
        let (b, be) = (&app.base, app.backend);
        let at = canali_domain::day::local_micros(jiff::civil::date(2011, 3, 15), 10, 0, 0);
        app.store
            .ledger()
            .ingest(
                "test",
                &[NewContact {
                    external_id: "march".into(),
                    channel: Channel::CallCenterResidential,
                    started_at: at,
                    ended_at: None,
                    segment: None,
                    customer: None,
                    territory: None,
                    wait_seconds: Some(30),
                    handle_seconds: Some(200),
                    reason: None,
                    outcome: None,
                    branch: None,
                    line: None,
                    agent: None,
                }],
            )
            .await
            .unwrap();
        let supervisor = operator_client(&app, "supervisor").await;
        let (s, html) = page(&supervisor, format!("{b}/console/dashboard")).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("<th class=\"num\">marzo 2011</th>"), "{html}");
        let (_, html) = page(&supervisor, format!("{b}/console/branches/kpi")).await;
        assert!(html.contains("value=\"2011-03\""), "{be}: {html}");
        let (_, html) = page(&supervisor, format!("{b}/console/callcenter/kpi")).await;
        assert!(html.contains("value=\"2011-03\""), "{be}: {html}");
        let (_, html) = page(&supervisor, format!("{b}/console/callcenter/staff")).await;
        assert!(html.contains("value=\"2011-03-14\""), "{be}: {html}");
    }
}

#[tokio::test]
async fn the_wallboard_shows_agents_no_command_line_and_no_stray_glyph() {
    for app in spawn_apps().await {
        let agent = operator_client(&app, "agent").await;
        let (s, html) = page(&agent, format!("{}/console/callcenter/wallboard", app.base)).await;
        assert_eq!(s, 200, "{html}");
        assert!(
            !html.contains("--follow") && !html.contains("canali import"),
            "{html}"
        );
        let waiting = &html[html.find("In attesa ora").unwrap()..];
        let waiting = &waiting[..waiting.find("</p>").unwrap()];
        assert!(
            waiting.contains("<span class=\"stat\">non disponibile</span>"),
            "{waiting}"
        );
        assert!(!waiting.contains('–'), "{waiting}");
    }
}

#[tokio::test]
async fn a_closed_branch_kiosk_issues_no_ticket() {
    for app in spawn_apps().await {
        let (b, be) = (&app.base, app.backend);
        seed_finder(&app).await;
        app.store
            .tickets()
            .set_service_categories(&[canali_store::tickets::ServiceCategory {
                branch: "PG10".into(),
                code: "A".into(),
                name: "Bollette".into(),
                priority: 1,
            }])
            .await
            .unwrap();
        let key = canali_web::desk::kiosk_key::pair(&app.store, "PG10", "test", 0)
            .await
            .unwrap();
        let kiosk = client();
        let (s, _) = page(&kiosk, format!("{b}/kiosk/PG10?key={key}")).await;
        assert_eq!(s, 303);
        let (s, html) = page(&kiosk, format!("{b}/kiosk/PG10")).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("id=\"closed\""), "{html}");
        assert!(html.contains("alle 08:00"), "{html}");
        assert!(!html.contains("name=\"category\""), "{html}");
        // Even a form posted from a page loaded before closing gets no ticket.
        let token = csrf(&kiosk, &format!("{b}/login")).await;
        let r = kiosk
            .post(format!("{b}/kiosk/PG10"))
            .form(&[("csrf", token.as_str()), ("category", "A")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{be}");
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("A001") && !html.contains("id=\"ticket\""),
            "{html}"
        );
        let tickets = app
            .store
            .tickets()
            .between(Some("PG10"), today(), today())
            .await
            .unwrap();
        assert!(tickets.is_empty(), "{be}: {tickets:?}");
    }
}

#[tokio::test]
async fn an_unconfirmed_customer_gets_a_new_confirmation_link() {
    for app in spawn_apps().await {
        let b = &app.base;
        let c = client();
        let token = csrf(&c, &format!("{b}/register")).await;
        let r = c
            .post(format!("{b}/register"))
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
        let first = last_link(&app.outbox, "/confirm?token=");
        let (_, html) = page(&c, format!("{b}/login")).await;
        assert!(html.contains("href=\"/confirm/resend\""), "{html}");
        let token = csrf(&c, &format!("{b}/confirm/resend")).await;
        let r = c
            .post(format!("{b}/confirm/resend"))
            .form(&[("csrf", token.as_str()), ("email", CUSTOMER_EMAIL)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let second = last_link(&app.outbox, "/confirm?token=");
        assert_ne!(first, second);
        let r = c.get(&second).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", app.backend);
        sign_in(&app, &c, CUSTOMER_EMAIL, PASSWORD).await;
        // An address with no registration hears the same and gets no mail.
        let mails = std::fs::read_dir(&app.outbox).unwrap().count();
        let token = csrf(&c, &format!("{b}/confirm/resend")).await;
        let r = c
            .post(format!("{b}/confirm/resend"))
            .form(&[("csrf", token.as_str()), ("email", "nobody@example.it")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(std::fs::read_dir(&app.outbox).unwrap().count(), mails);
    }
}

#[tokio::test]
async fn the_site_has_an_icon() {
    for app in spawn_apps().await {
        let r = client()
            .get(format!("{}/favicon.ico", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/x-icon");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO header");
    }
}

#[tokio::test]
async fn a_refused_tax_id_is_explained_in_the_page_language() {
    for app in spawn_apps().await {
        for english in [false, true] {
            let c = client();
            let token = csrf(&c, &format!("{}/register", app.base)).await;
            let mut post = c.post(format!("{}/register", app.base));
            if english {
                post = post.header("accept-language", "en-GB,en;q=0.9");
            }
            let html = post
                .form(&[
                    ("csrf", token.as_str()),
                    ("code", CUSTOMER_CODE),
                    // A partita IVA whose office code (789) does not exist.
                    ("tax_id", "01234567890"),
                    ("email", "nuovo@example.it"),
                    ("password", PASSWORD),
                    ("password2", PASSWORD),
                    ("privacy", "yes"),
                ])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if english {
                assert!(
                    html.contains("The tax code or VAT number is not valid"),
                    "{html}"
                );
                assert!(html.contains("office code 789"), "{html}");
            } else {
                assert!(html.contains("partita IVA 11 cifre"), "{html}");
                assert!(!html.contains("office code"), "{html}");
            }
        }
    }
}
