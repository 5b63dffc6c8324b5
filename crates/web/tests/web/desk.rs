//! A branch day over HTTP, from kiosk to counter to display, with its ledger contact; the
//! campaign round trip between the network manager and a branch; the call-center and branch
//! indicator pages by role; CSRF and branch isolation.

use crate::common;

use canali_domain::network::{BranchKind, Host, Operator as BranchOperator};
use canali_domain::service::Role;
use canali_store::accounts::{NewOperator, SessionKind};
use canali_store::branches_store::{BranchException, RegistryUpdate};
use canali_store::tickets::ServiceCategory;
use canali_store::{Branch, Store};
use common::*;
use std::sync::Arc;

fn branch(code: &str) -> Branch {
    Branch {
        code: code.into(),
        name: format!("Sportello {code}"),
        municipality: "Bologna".into(),
        address: "Viale Berti Pichat 2/4".into(),
        sot: 1,
        kind: BranchKind::Priority,
        operator: BranchOperator::Own,
        contractor: None,
        host: Host::Own,
        host_name: None,
        counters: 4,
        hours: "mo-su 00:00-24:00".into(),
        schedule_template: None,
        latitude: 44.5,
        longitude: 11.36,
    }
}

/// Branches BO01 and BO02, open round the clock (today and tomorrow too, even on a public
/// holiday: the kiosk issues tickets only while its branch is open), with categories A
/// (priority 1), B (1) and P (5) at BO01.
pub(crate) async fn seed_branches(store: &Store) {
    store
        .network()
        .insert_branches(&[branch("BO01"), branch("BO02")])
        .await
        .unwrap();
    let today = canali_domain::Day::of_micros(canali_web::now_micros());
    let exceptions = ["BO01", "BO02"]
        .into_iter()
        .flat_map(|code| {
            [today, canali_domain::Day(today.0 + 1)].map(|day| BranchException {
                branch: code.into(),
                day,
                hours: Some("00:00-24:00".into()),
                note: "open for the tests".into(),
            })
        })
        .collect();
    store
        .network()
        .upsert_registry(&RegistryUpdate {
            exceptions,
            ..RegistryUpdate::default()
        })
        .await
        .unwrap();
    let cat = |code: &str, name: &str, priority| ServiceCategory {
        branch: "BO01".into(),
        code: code.into(),
        name: name.into(),
        priority,
    };
    store
        .tickets()
        .set_service_categories(&[
            cat("A", "Bollette e pagamenti", 1),
            cat("B", "Contratti", 1),
            cat("P", "Clienti business", 5),
        ])
        .await
        .unwrap();
}

/// A client signed in as the operator `email`: a session made in the store (the console's
/// sign-in page belongs to another part of the site), its cookie set on the client.
async fn operator_client(app: &TestApp, email: &str) -> reqwest::Client {
    let op = app
        .store
        .accounts()
        .operator_by_email(email)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no operator {email}"));
    let token = canali_web::auth::random_token();
    let csrf = canali_web::auth::random_token();
    let now = canali_web::now_micros();
    app.store
        .accounts()
        .create_session(
            &canali_web::auth::sha256_hex(&token),
            SessionKind::Operator,
            op.id,
            &csrf,
            now,
            now + 3_600_000_000,
        )
        .await
        .unwrap();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(
        &format!("canali_session={token}; Path=/"),
        &app.base.parse().unwrap(),
    );
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c.get(&url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn post(c: &reqwest::Client, url: String, form: &[(&str, &str)]) -> (u16, String) {
    let r = c.post(&url).form(form).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

/// The text between `start` and the next `end`.
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test]
async fn a_branch_day_from_kiosk_to_counter_to_display() {
    for app in spawn_apps().await {
        seed_branches(&app.store).await;
        let b = &app.base;
        let be = app.backend;

        // The network manager has paired the kiosk; the device opens the pairing link once and
        // then works without signing in: three tickets in two categories.
        let key = canali_web::desk::kiosk_key::pair(&app.store, "BO01", "test", 0)
            .await
            .unwrap();
        let kiosk = client();
        let (s, _) = get(&kiosk, format!("{b}/kiosk/BO01?key={key}")).await;
        assert_eq!(s, 303, "{be}");
        let (s, html) = get(&kiosk, format!("{b}/kiosk/BO01")).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("Bollette e pagamenti") && html.contains("Clienti business"));
        let token = csrf(&kiosk, &format!("{b}/kiosk/BO01")).await;
        for cat in ["A", "A", "P"] {
            let (s, html) = post(
                &kiosk,
                format!("{b}/kiosk/BO01"),
                &[("csrf", &token), ("category", cat)],
            )
            .await;
            assert_eq!(s, 200, "{be}: {html}");
            assert!(html.contains(&format!("{cat}00")), "{html}");
        }
        // Without the form's token the kiosk refuses.
        let (s, _) = post(&kiosk, format!("{b}/kiosk/BO01"), &[("category", "A")]).await;
        assert_eq!(s, 403, "{be}");
        let (s, _) = get(&kiosk, format!("{b}/kiosk/NOPE")).await;
        assert_eq!(s, 404);

        // The counter needs a signed-in clerk.
        let (s, _) = get(&client(), format!("{b}/console/counter")).await;
        assert_eq!(s, 303, "{be}");
        let clerk = operator_client(&app, "clerk@canali.test").await;
        let (s, html) = get(&clerk, format!("{b}/console/counter?counter=3")).await;
        assert_eq!(s, 200, "{be}: {html}");
        let token = csrf(&clerk, &format!("{b}/console/counter?counter=3")).await;
        let (s, html) = post(
            &clerk,
            format!("{b}/console/counter"),
            &[("csrf", &token), ("counter", "3"), ("action", "call")],
        )
        .await;
        assert_eq!(s, 303, "{be}: {html}");
        // The business category has the higher priority: P001 comes before the older A001.
        let (_, html) = get(&clerk, format!("{b}/console/counter?counter=3")).await;
        let current = section(&html, "id=\"current\"", "</div>");
        assert!(current.contains("P001"), "{be}: {current}");
        let today = canali_domain::Day::of_micros(canali_web::now_micros());
        let tickets = app
            .store
            .tickets()
            .between(Some("BO01"), today, today)
            .await
            .unwrap();
        let p = tickets.iter().find(|t| t.label == "P001").unwrap();
        assert_eq!(p.counter.as_deref(), Some("3"));

        // A clerk of another branch cannot touch BO01's tickets.
        app.store
            .accounts()
            .add_operator(
                &NewOperator {
                    email: "clerk2@canali.test".into(),
                    name: "Clerk of BO02".into(),
                    role: Role::Clerk,
                    line: None,
                    branch: Some("BO02".into()),
                    password_hash: "x".into(),
                },
                0,
            )
            .await
            .unwrap();
        let other = operator_client(&app, "clerk2@canali.test").await;
        let token2 = csrf(&other, &format!("{b}/console/counter?counter=1")).await;
        let id = p.id.to_string();
        let (s, _) = post(
            &other,
            format!("{b}/console/counter"),
            &[
                ("csrf", &token2),
                ("counter", "1"),
                ("action", "serve"),
                ("ticket", &id),
            ],
        )
        .await;
        assert_eq!(s, 404, "{be}");
        let (s, _) = post(
            &other,
            format!("{b}/console/counter"),
            &[("csrf", &token2), ("counter", "1"), ("action", "call")],
        )
        .await;
        assert_eq!(s, 303);
        let (_, html) = get(&other, format!("{b}/console/counter?counter=1&done=none")).await;
        assert!(
            !html.contains("A001"),
            "{be}: BO02's clerk sees BO01's queue"
        );
        // A form without the session's token is refused.
        let (s, _) = post(
            &clerk,
            format!("{b}/console/counter"),
            &[("counter", "3"), ("action", "call")],
        )
        .await;
        assert_eq!(s, 403, "{be}");

        // Serve and close.
        for action in ["serve", "close"] {
            let (s, html) = post(
                &clerk,
                format!("{b}/console/counter"),
                &[
                    ("csrf", &token),
                    ("counter", "3"),
                    ("action", action),
                    ("ticket", &id),
                ],
            )
            .await;
            assert_eq!(s, 303, "{be} {action}: {html}");
            if action == "serve" {
                // While P001's customer is at the counter, the counter calls nobody else: the
                // page offers no call, and a forged call is refused in words (issue 17, #8).
                let (_, html) = get(&clerk, format!("{b}/console/counter?counter=3")).await;
                assert!(
                    !html.contains("value=\"call\"") && html.contains("chiudi il biglietto"),
                    "{be}: {html}"
                );
                let (s, html) = post(
                    &clerk,
                    format!("{b}/console/counter"),
                    &[("csrf", &token), ("counter", "3"), ("action", "call")],
                )
                .await;
                assert_eq!(s, 200, "{be}: {html}");
                assert!(
                    html.contains("Lo sportello 3 sta servendo il biglietto P001"),
                    "{be}: {html}"
                );
            }
        }
        // Closing again is refused in words, in the page's language.
        let (s, html) = post(
            &clerk,
            format!("{b}/console/counter"),
            &[
                ("csrf", &token),
                ("counter", "3"),
                ("action", "close"),
                ("ticket", &id),
            ],
        )
        .await;
        assert_eq!(s, 200);
        assert!(html.contains("Il biglietto P001 è"), "{be}: {html}");

        // The display, public, shows the called ticket and its counter.
        let (s, html) = get(&client(), format!("{b}/display/BO01")).await;
        assert_eq!(s, 200);
        assert!(html.contains("hx-trigger=\"every 3s\""));
        let last = section(&html, "id=\"last-called\"", "</div>");
        assert!(last.contains("P001") && last.contains('3'), "{be}: {last}");
        let (s, frag) = get(&client(), format!("{b}/display/BO01/now")).await;
        assert_eq!(s, 200);
        assert!(frag.contains("P001") && !frag.contains("<html"), "{frag}");

        // The closed ticket is one branch contact in the ledger.
        assert_eq!(
            app.store
                .network()
                .branch_contact_count("BO01", today, today)
                .await
                .unwrap(),
            1,
            "{be}"
        );
    }
}

#[tokio::test]
async fn a_virtual_ticket_is_booked_online_and_checked_in() {
    for app in spawn_apps().await {
        seed_branches(&app.store).await;
        let b = &app.base;
        let c = client();
        let token = csrf(&c, &format!("{b}/branches/BO01/ticket")).await;
        let r = c
            .post(format!("{b}/branches/BO01/ticket"))
            .form(&[("csrf", token.as_str()), ("category", "B"), ("slot", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let (s, html) = get(&c, format!("{b}{to}")).await;
        assert_eq!(s, 200);
        assert!(
            html.contains("B001") && html.contains("/check-in"),
            "{html}"
        );
        let k = to.split("k=").nth(1).unwrap();
        let path = to.split('?').next().unwrap();
        // A wrong key cannot check in.
        let (s, _) = post(
            &c,
            format!("{b}{path}/check-in"),
            &[("csrf", &token), ("k", "0000")],
        )
        .await;
        assert_eq!(s, 403);
        let (s, html) = post(
            &c,
            format!("{b}{path}/check-in"),
            &[("csrf", &token), ("k", k)],
        )
        .await;
        assert_eq!(s, 200, "{html}");
        let (s, live) = get(&c, format!("{b}{path}/live")).await;
        assert_eq!(s, 200);
        assert!(live.contains("B001"), "{live}");
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        let t = app.store.tickets().get(id).await.unwrap().unwrap();
        assert!(t.is_virtual && t.queued_at.is_some(), "{}", app.backend);
    }
}

#[tokio::test]
async fn a_campaign_goes_out_and_a_branch_confirms_it() {
    for app in spawn_apps().await {
        seed_branches(&app.store).await;
        let b = &app.base;
        let be = app.backend;
        let manager = operator_client(&app, "network_manager@canali.test").await;
        let token = csrf(&manager, &format!("{b}/console/campaigns")).await;
        let r = manager
            .post(format!("{b}/console/campaigns"))
            .form(&[
                ("csrf", token.as_str()),
                ("name", "Bonus gas 2011"),
                ("material", "locandina"),
                ("copies", "30"),
                ("target", "list"),
                ("list", "BO01, BO02"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{be}: {}", r.text().await.unwrap());
        let page = r.headers()["location"].to_str().unwrap().to_string();
        let (s, _) = post(&manager, format!("{b}{page}/send"), &[("csrf", &token)]).await;
        assert_eq!(s, 303, "{be}");
        let (_, html) = get(&manager, format!("{b}{page}")).await;
        let pending = section(&html, "id=\"pending\"", "</section>");
        assert!(
            pending.contains("BO01") && pending.contains("BO02"),
            "{pending}"
        );

        // The clerk of BO01 confirms delivery, then display.
        let clerk = operator_client(&app, "clerk@canali.test").await;
        let (s, html) = get(&clerk, format!("{b}/console/branch/materials")).await;
        assert_eq!(s, 200, "{be}: {html}");
        assert!(html.contains("Bonus gas 2011"));
        let ctoken = csrf(&clerk, &format!("{b}/console/branch/materials")).await;
        let id = page.rsplit('/').next().unwrap().to_string();
        for what in ["delivered", "displayed"] {
            let (s, html) = post(
                &clerk,
                format!("{b}/console/branch/materials"),
                &[("csrf", &ctoken), ("campaign", &id), ("what", what)],
            )
            .await;
            assert_eq!(s, 303, "{be} {what}: {html}");
        }
        let (_, html) = get(&manager, format!("{b}{page}")).await;
        let pending = section(&html, "id=\"pending\"", "</section>");
        assert!(!pending.contains("BO01"), "{be}: {pending}");
        assert!(pending.contains("BO02"));
        let (s, _) = post(&manager, format!("{b}{page}/remind"), &[("csrf", &token)]).await;
        assert_eq!(s, 303);
        // A clerk may not manage campaigns.
        let (s, _) = get(&clerk, format!("{b}/console/campaigns")).await;
        assert_eq!(s, 403);
        // Without the token the manager's post is refused.
        let (s, _) = post(&manager, format!("{b}{page}/remind"), &[]).await;
        assert_eq!(s, 403);
    }
}

#[tokio::test]
async fn the_network_manager_edits_a_branch_with_validated_hours() {
    for app in spawn_apps().await {
        seed_branches(&app.store).await;
        let b = &app.base;
        let m = operator_client(&app, "network_manager@canali.test").await;
        let (s, html) = get(&m, format!("{b}/console/network?date=2011-03-01")).await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("BO01") && html.contains("BO02"));
        let token = csrf(&m, &format!("{b}/console/network/BO01")).await;
        let mut form = vec![
            ("csrf", token.as_str()),
            ("name", "Sportello Bologna Centro"),
            ("municipality", "Bologna"),
            ("address", "Via Larga 1"),
            ("sot", "1"),
            ("kind", "standard"),
            ("operator", "own"),
            ("host", "own"),
            ("counters", "3"),
            ("hours", "mo-th 08:00-15:00; fr 08:00-13:00"),
            ("services", "gas,water"),
            ("latitude", "44.5"),
            ("longitude", "11.3"),
        ];
        let (s, html) = post(&m, format!("{b}/console/network/BO01"), &form).await;
        assert_eq!(s, 303, "{html}");
        let saved = app.store.figures().branches().await.unwrap();
        let bo01 = saved.iter().find(|x| x.code == "BO01").unwrap();
        assert_eq!(bo01.name, "Sportello Bologna Centro");
        assert_eq!(bo01.counters, 3);
        form[9] = ("hours", "mo-th 08:00-25:00");
        let (s, html) = post(&m, format!("{b}/console/network/BO01"), &form).await;
        assert_eq!(s, 400, "{}", app.backend);
        assert!(html.contains("id=\"errors\""), "{html}");
        let (s, _) = post(
            &m,
            format!("{b}/console/network/BO01/event"),
            &[
                ("csrf", token.as_str()),
                ("date", "2011-03-14"),
                ("kind", "renovated"),
                ("note", "nuovi sportelli"),
            ],
        )
        .await;
        assert_eq!(s, 303);
        assert_eq!(app.store.figures().branch_events().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn indicator_pages_by_role() {
    for app in spawn_apps().await {
        seed_branches(&app.store).await;
        let b = &app.base;
        let sup = operator_client(&app, "supervisor@canali.test").await;
        let clerk = operator_client(&app, "clerk@canali.test").await;
        let agent = operator_client(&app, "agent@canali.test").await;
        for path in [
            "/console/callcenter/wallboard",
            "/console/callcenter/wallboard/live",
            "/console/callcenter/kpi?month=2011-03&line=residential",
            "/console/callcenter/staff?line=residential&week=2011-03-07",
            "/console/branches/kpi?month=2011-03",
        ] {
            let (s, html) = get(&sup, format!("{b}{path}")).await;
            assert_eq!(s, 200, "{} {path}: {html}", app.backend);
            let (s, _) = get(&clerk, format!("{b}{path}")).await;
            assert_eq!(s, 403, "{} clerk {path}", app.backend);
        }
        let (s, html) = get(&sup, format!("{b}/console/callcenter/wallboard")).await;
        assert_eq!(s, 200);
        assert!(html.contains("hx-get=\"/console/callcenter/wallboard/live\""));
        let (s, _) = get(&agent, format!("{b}/console/callcenter/wallboard")).await;
        assert_eq!(s, 200);
        let (s, _) = get(&agent, format!("{b}/console/callcenter/kpi")).await;
        assert_eq!(s, 403);
        let (s, html) = get(&sup, format!("{b}/console/branches/kpi?month=2011-03")).await;
        assert!(html.contains("<svg") && s == 200);
        let (s, _) = get(&sup, format!("{b}/console/branches/kpi?month=marzo")).await;
        assert_eq!(s, 400);
        let (s, _) = get(
            &sup,
            format!("{b}/console/callcenter/staff?week=2011-03-08"),
        )
        .await;
        assert_eq!(s, 400);
    }
}

#[tokio::test]
async fn call_center_page_shows_as_from_line_occupancy() {
    use canali_store::occupancy::OccupancyInterval;
    // Monday 2011-03-07 08:00 in Rome; open 08:00-20:00 by default (720 minutes), every
    // channel busy 10:00-10:36: AS = 684 / 720 = 95.0%, on 720 of March's 17,760 open minutes
    // (23 weekdays of 720, 4 Saturdays of 300): 4.1%.
    let eight = 1_299_481_200;
    let iv = |s: i64, e: i64, busy| OccupancyInterval {
        line: "residential".into(),
        start_at: eight + s * 60,
        end_at: eight + e * 60,
        channels: 30,
        busy,
    };
    for app in spawn_apps().await {
        app.store
            .calls()
            .insert_trunk_occupancy(&[iv(0, 120, 3), iv(120, 156, 30), iv(156, 720, 29)])
            .await
            .unwrap();
        let b = &app.base;
        let sup = operator_client(&app, "supervisor@canali.test").await;
        let (s, html) = get(
            &sup,
            format!("{b}/console/callcenter/kpi?month=2011-03&line=residential"),
        )
        .await;
        assert_eq!(s, 200, "{}", app.backend);
        assert!(html.contains("AS (%)"), "{html}");
        assert!(html.contains("95,0"), "{} {html}", app.backend);
        assert!(
            html.contains("AS calcolato sul 4,1% del tempo di apertura"),
            "{html}"
        );
        let (_, html) = get(
            &sup,
            format!("{b}/console/callcenter/kpi?month=2011-04&line=residential"),
        )
        .await;
        assert!(html.contains("AS non calcolabile"), "{html}");
    }
}

/// One layout and one menu for every console page: a desk page and a console page of the same
/// operator show the same header and links, each to a page that role may open.
#[tokio::test]
async fn desk_and_console_pages_share_one_menu() {
    for app in spawn_apps().await {
        let menu = |html: &str| -> String {
            let start = html
                .find("<header class=\"top console\">")
                .expect("console header");
            // Up to the language switch, which links back to the page itself.
            let end = start + html[start..].find("/lang/").unwrap();
            html[start..end].to_string()
        };
        let c = common::operator_client(&app, "supervisor").await;
        let mut menus = Vec::new();
        for page in [
            "/console/dashboard",
            "/console/callcenter/kpi",
            "/console/branches/kpi",
        ] {
            let r = c.get(format!("{}{page}", app.base)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{page} on {}", app.backend);
            menus.push(menu(&r.text().await.unwrap()));
        }
        assert!(menus.iter().all(|m| *m == menus[0]), "{menus:#?}");
        for link in [
            "/console/search",
            "/console/callcenter/staff",
            "/console/branches/kpi",
        ] {
            assert!(menus[0].contains(&format!("href=\"{link}\"")), "{link}");
        }
        // No link to a page the role may not open.
        for link in [
            "/console/network",
            "/console/counter",
            "/console/admin/users",
        ] {
            assert!(!menus[0].contains(&format!("href=\"{link}\"")), "{link}");
        }
        // A clerk sees the counter of its branch; an administrator, who has none, does not.
        let clerk = common::operator_client(&app, "clerk").await;
        let r = clerk
            .get(format!("{}/console/search", app.base))
            .send()
            .await
            .unwrap();
        assert!(menu(&r.text().await.unwrap()).contains("href=\"/console/counter\""));
        let admin = common::operator_client(&app, "admin").await;
        let r = admin
            .get(format!("{}/console/network", app.base))
            .send()
            .await
            .unwrap();
        let admin_menu = menu(&r.text().await.unwrap());
        assert!(admin_menu.contains("href=\"/console/admin/audit\""));
        assert!(!admin_menu.contains("href=\"/console/counter\""));
    }
}
