//! axe-core on every page a person can reach, in Italian and in English, each opened by the
//! role that may open it: the online branch (signed out and signed in), the sign-in pages, the
//! console of each role, the branch desks (network, branch, KPI, staff plan, wallboard, counter,
//! campaigns), the kiosk, the waiting-room display and the error pages. Any WCAG 2.1 A or AA
//! violation fails the test, listed with the page, the rule and the elements.
//!
//! axe is vendored (`vendor/axe.min.js`, MPL-2.0) and injected into each page: no CDN.

use super::*;
use serde_json::{Value, json};

const AXE: &str = include_str!("../vendor/axe.min.js");

/// The rule sets of WCAG 2.1 levels A and AA (2.0's included).
const WCAG_21_AA: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// Who opens a group of pages.
#[derive(Clone, Copy, PartialEq)]
enum Who {
    Nobody,
    Customer,
    Operator(&'static str),
}

/// What a page should be: an ordinary page, or one of the error pages.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Page,
    Error,
}
use Expect::{Error, Page};

/// The data the pages show, made before the sweep: a campaign and a virtual ticket (the
/// customer's complaint, e-bill and reading and BO01's day come from the scenarios before).
struct Made {
    campaign: String,
    virtual_ticket: String,
}

/// Every page in both languages; returns how many page views axe checked.
pub(super) async fn every_page(c: &Client, app: &TestApp) -> usize {
    axe_finds_a_known_violation(c, app).await;
    let made = make_data(app).await;
    let mut checked = 0;
    let mut found = Vec::new();
    for lang in ["it", "en"] {
        let sweep = Sweep {
            c,
            app,
            lang,
            checked: &mut checked,
            found: &mut found,
        };
        sweep.run(&made).await;
    }
    assert!(
        found.is_empty(),
        "axe-core found {} WCAG 2.1 AA violation(s) in {checked} page views:\n{}",
        found.len(),
        found.join("\n")
    );
    checked
}

async fn make_data(app: &TestApp) -> Made {
    let b = &app.base;
    let manager = operator_client(app, "network_manager").await;
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
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let campaign = r.headers()["location"].to_str().unwrap().to_string();
    let r = manager
        .post(format!("{b}{campaign}/send"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let virtual_ticket = book_virtual_ticket(app).await;
    Made {
        campaign,
        virtual_ticket,
    }
}

/// A virtual ticket for contracts at BO01, booked online; the address of its page (with its key).
pub(super) async fn book_virtual_ticket(app: &TestApp) -> String {
    let b = &app.base;
    let anyone = client();
    let token = csrf(&anyone, &format!("{b}/branches/BO01/ticket")).await;
    let r = anyone
        .post(format!("{b}/branches/BO01/ticket"))
        .form(&[("csrf", token.as_str()), ("category", "B"), ("slot", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    r.headers()["location"].to_str().unwrap().to_string()
}

struct Sweep<'a> {
    c: &'a Client,
    app: &'a TestApp,
    lang: &'static str,
    checked: &'a mut usize,
    found: &'a mut Vec<String>,
}

impl Sweep<'_> {
    async fn run(mut self, made: &Made) {
        let campaign = made.campaign.as_str();
        let virtual_ticket = made.virtual_ticket.as_str();
        self.pages(
            Who::Nobody,
            &[
                ("/", Page),
                ("/login", Page),
                ("/register", Page),
                ("/password/forgot", Page),
                ("/password/reset?token=not-a-token", Page),
                ("/confirm?token=not-a-token", Page),
                ("/confirm/resend", Page),
                ("/complaint", Page),
                ("/privacy", Page),
                ("/branches", Page),
                ("/branches?q=Bologna", Page),
                ("/branches/BO01/ticket", Page),
                (virtual_ticket, Page),
                ("/kiosk/BO02", Page),
                ("/display/BO01", Page),
                ("/console/login", Page),
                ("/no/such/page", Error),
                ("/lang/xx", Error),
            ],
        )
        .await;
        // A refused sign-in: the form again with its error.
        let c = self.c;
        self.goto("/console/login").await;
        fill(c, "#email", "agent@canali.test").await;
        fill(c, "#password", "not the password").await;
        click(c, "form.stack button[type=submit]").await;
        wait_css(c, "p.error").await;
        self.check("/console/login (refused)", Page).await;

        self.pages(
            Who::Customer,
            &[
                ("/home", Page),
                ("/bills", Page),
                ("/bills/101", Page),
                ("/ebill", Page),
                ("/readings", Page),
                ("/requests", Page),
                ("/requests/new", Page),
                ("/requests/1", Page),
                ("/account", Page),
                ("/branches", Page),
                ("/branches?q=Bologna", Page),
                // Another customer's bill.
                ("/bills/201", Error),
            ],
        )
        .await;
        self.pages(
            Who::Operator("agent"),
            &[
                ("/console", Page),
                ("/console/search", Page),
                ("/console/search?q=Rossi", Page),
                ("/console/customers/1", Page),
                ("/console/callcenter/wallboard", Page),
                // Not an agent's page.
                ("/console/admin/users", Error),
            ],
        )
        .await;
        self.pages(
            Who::Operator("back_office"),
            &[
                ("/console", Page),
                ("/console/requests", Page),
                ("/console/requests/1", Page),
                ("/console/mail", Page),
                ("/console/customers/1", Page),
            ],
        )
        .await;
        self.pages(
            Who::Operator("supervisor"),
            &[
                ("/console", Page),
                ("/console/dashboard", Page),
                ("/console/report", Page),
                (
                    "/console/callcenter/kpi?month=2011-03&line=residential",
                    Page,
                ),
                (
                    "/console/callcenter/staff?line=residential&week=2011-03-07",
                    Page,
                ),
                ("/console/callcenter/wallboard", Page),
                ("/console/branches/kpi", Page),
                ("/console/branches/kpi?month=2011-03", Page),
            ],
        )
        .await;
        self.pages(
            Who::Operator("admin"),
            &[
                ("/console", Page),
                ("/console/admin/users", Page),
                ("/console/admin/tokens", Page),
                ("/console/admin/audit", Page),
            ],
        )
        .await;
        self.pages(
            Who::Operator("network_manager"),
            &[
                ("/console", Page),
                ("/console/network", Page),
                ("/console/campaigns", Page),
                (campaign, Page),
                ("/console/network/BO01", Page),
            ],
        )
        .await;
        // The kiosk's pairing link (a page of its own), then the kiosk it pairs: the services,
        // then a ticket.
        click(c, "#kiosk-pair").await;
        let link = wait_css(c, "#kiosk-link").await.text().await.unwrap();
        self.check("/console/network/BO01/kiosk", Page).await;
        c.delete_all_cookies().await.unwrap();
        self.goto(&format!("/lang/{}?back=/", self.lang)).await;
        c.goto(&link).await.unwrap();
        wait_css(c, "div.tiles button").await;
        self.check("/kiosk/BO01", Page).await;
        click(c, "div.tiles button").await;
        wait_css(c, "#ticket p.huge").await;
        self.check("/kiosk/BO01 (ticket)", Page).await;

        // The clerk's counter, before and after calling that ticket; the display showing it.
        self.pages(
            Who::Operator("clerk"),
            &[
                ("/console", Page),
                ("/console/branch/materials", Page),
                ("/console/customers/1", Page),
                ("/console/counter?counter=3", Page),
            ],
        )
        .await;
        click(c, "button[value=call]").await;
        wait_css(c, "#current p.huge").await;
        self.check("/console/counter?counter=3 (called)", Page)
            .await;
        self.goto("/display/BO01").await;
        wait_css(c, "#last-called p.huge").await;
        self.check("/display/BO01 (called)", Page).await;
        // The counter free again for the next language.
        self.goto("/console/counter?counter=3").await;
        click(c, "button[value=serve]").await;
        click(c, "button[value=close]").await;
        wait_css(c, "#counter-live p.notice").await;
        self.check("/console/counter?counter=3 (closed)", Page)
            .await;
    }

    /// Signs `who` in (in this sweep's language), then checks each page.
    async fn pages(&mut self, who: Who, pages: &[(&str, Expect)]) {
        let c = self.c;
        c.delete_all_cookies().await.unwrap();
        self.goto(&format!("/lang/{}?back=/", self.lang)).await;
        match who {
            Who::Nobody => {}
            Who::Customer => {
                self.goto("/login").await;
                fill(c, "#email", CUSTOMER_EMAIL).await;
                fill(c, "#password", PASSWORD).await;
                click(c, "form.stack button[type=submit]").await;
                wait_css(c, "header nav form[action='/logout']").await;
            }
            Who::Operator(role) => {
                self.goto("/console/login").await;
                fill(c, "#email", &format!("{role}@canali.test")).await;
                fill(c, "#password", PASSWORD).await;
                click(c, "form.stack button[type=submit]").await;
                wait_css(c, "header nav form[action='/console/logout']").await;
            }
        }
        for (path, expect) in pages {
            self.goto(path).await;
            self.check(path, *expect).await;
        }
    }

    async fn goto(&self, path: &str) {
        self.c.goto(&self.app.url(path)).await.unwrap();
    }

    /// Runs axe on the page the browser shows (which must be in this sweep's language, and an
    /// error page only when one is expected) and notes what it finds.
    async fn check(&mut self, what: &str, expect: Expect) {
        let c = self.c;
        let page = c
            .execute(
                "return [document.documentElement.lang, document.title, \
                 document.querySelector('main') !== null];",
                vec![],
            )
            .await
            .unwrap();
        let title = page[1].as_str().unwrap_or_default().to_string();
        // Error pages speak both languages under `lang="it"` (the error may come before the
        // language is known); every other page speaks the sweep's.
        let is_error = ERROR_TITLES.iter().any(|t| title.starts_with(t));
        if is_error != (expect == Error) {
            panic!(
                "{}",
                failure(
                    c,
                    &format!(
                        "{what} [{}]: expected {}, got {title:?}",
                        self.lang,
                        match expect {
                            Page => "a page",
                            Error => "an error page",
                        }
                    )
                )
                .await
            );
        }
        if !is_error {
            assert_eq!(
                page[0], self.lang,
                "{what}: the page's language is not the one chosen ({title})"
            );
        }
        assert_eq!(page[2], true, "{what} [{}]: no <main>", self.lang);
        let violations = violations(c, what).await;
        *self.checked += 1;
        for v in violations {
            self.found.push(format!(
                "- {what} [{}]: {} ({}): {}\n    {}",
                self.lang,
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["nodes"]
                    .as_array()
                    .map(|n| n
                        .iter()
                        .map(|n| n.as_str().unwrap_or_default().replace('\n', " "))
                        .collect::<Vec<_>>()
                        .join("\n    "))
                    .unwrap_or_default()
            ));
        }
    }
}

/// axe's WCAG 2.1 A and AA violations on the page the browser shows.
async fn violations(c: &Client, what: &str) -> Vec<Value> {
    c.execute(AXE, vec![]).await.unwrap();
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: arguments[0] },
                                 resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => ({
                   id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)
               }))), e => done({ error: String(e) }));",
            vec![json!(WCAG_21_AA)],
        )
        .await
        .unwrap();
    match result {
        Value::Array(v) => v,
        other => panic!("axe did not run on {what}: {other}"),
    }
}

/// The sweep can fail: on a page given an image without a text alternative and a field without
/// a label, axe reports both.
async fn axe_finds_a_known_violation(c: &Client, app: &TestApp) {
    c.goto(&app.base).await.unwrap();
    c.execute(
        "const main = document.querySelector('main');
         main.append(document.createElement('img'));
         main.append(document.createElement('input'));",
        vec![],
    )
    .await
    .unwrap();
    let found: Vec<String> = violations(c, "/ (spoiled)")
        .await
        .iter()
        .map(|v| v["id"].as_str().unwrap_or_default().to_string())
        .collect();
    for rule in ["image-alt", "label"] {
        assert!(
            found.iter().any(|f| f == rule),
            "axe did not report {rule} on a page made to break it: {found:?}"
        );
    }
}

/// The Italian titles of the error pages (crate::error::error_page).
const ERROR_TITLES: &[&str] = &[
    "Pagina non trovata",
    "Operazione non consentita",
    "Troppi tentativi",
    "Richiesta non valida",
    "Conflitto con i dati attuali",
    "Errore del server",
];
