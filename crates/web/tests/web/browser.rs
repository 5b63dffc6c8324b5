//! The online branch and the console in a real headless Chromium, driven through chromedriver
//! (WebDriver): a customer registers, confirms the address from the mail, signs in, switches to
//! the e-bill, sends a gas reading, opens a complaint with an attachment and switches to English;
//! then an agent finds the customer in the console and sees those web contacts on the timeline;
//! then a branch day: the network manager pairs the branch's kiosk, the kiosk device opens the
//! pairing link, a ticket at the kiosk is called by the clerk at the counter, shown on the
//! display (on a TV's width, and read out to screen readers when a new call comes), served and
//! closed into the ledger. Then axe-core on every page in both languages (`axe`), a customer who
//! uses only the keyboard (`keyboard`), and last the customer's pages, the kiosk and the display
//! on a 360 px phone (`phone`).
//!
//! Debian's `chromium` and `chromedriver` are needed. Without them the test prints a notice and
//! passes, unless `CI` is set: there a missing browser fails it. A full-page screenshot of each
//! step lands in `target/screenshots/` (01-….png onwards), the run's artefacts.

mod axe;
mod keyboard;
mod phone;

use crate::common;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one thing may take to show up on a page before the test gives up.
const PATIENCE: Duration = Duration::from_secs(20);

#[tokio::test]
async fn customer_and_agent_in_chromium() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let started = Instant::now();
    let app = spawn(
        canali_store::testing::fresh_sqlite().await.expect("sqlite"),
        |_| {},
    )
    .await;
    let driver = Driver::start(&tools.chromedriver).await;
    let shots = screenshot_dir();
    // This run's pictures only.
    for old in std::fs::read_dir(&shots).unwrap().flatten() {
        if old.path().extension().is_some_and(|e| e == "png") {
            std::fs::remove_file(old.path()).unwrap();
        }
    }

    let desktop = driver.session(&tools.chromium, 1280, 900).await;
    customer_serves_themselves(&desktop.client, &app, &shots).await;
    agent_sees_the_web_contacts(&desktop.client, &app, &shots).await;
    a_branch_day(&desktop.client, &app, &shots).await;
    let scenarios = started.elapsed();
    let pages = axe::every_page(&desktop.client, &app).await;
    let swept = started.elapsed();
    keyboard::journey(&desktop.client, &app, &shots).await;
    desktop.close().await;

    let phone = driver.phone_session(&tools.chromium).await;
    phone::customer_and_branch_on_a_phone(&phone.client, &app, &shots).await;
    phone.close().await;

    eprintln!(
        "browser test: {:.1} s (scenarios {:.1} s, axe on {pages} page views {:.1} s, keyboard \
         and phone {:.1} s), screenshots in {}",
        started.elapsed().as_secs_f64(),
        scenarios.as_secs_f64(),
        (swept - scenarios).as_secs_f64(),
        (started.elapsed() - swept).as_secs_f64(),
        shots.display()
    );
}

/// Scenario 3: a branch day at BO01, from pairing the kiosk to the kiosk, the counter and the
/// display, ending in the branch visit on the ledger.
async fn a_branch_day(c: &Client, app: &TestApp, shots: &Path) {
    crate::desk::seed_branches(&app.store).await;
    let visits = || async {
        app.store
            .figures()
            .contacts_by_channel(canali_domain::Day(0), canali_domain::Day(100_000))
            .await
            .unwrap()
            .iter()
            .filter(|(ch, _)| *ch == canali_domain::Channel::Branch)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let before = visits().await;
    // The network manager pairs BO01's kiosk from the branch's page and gets its link.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{}/console/login", app.base))
        .await
        .unwrap();
    wait_css(c, "form.stack input#email").await;
    fill(c, "#email", "network_manager@canali.test").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form.stack button[type=submit]").await;
    wait_css(c, "header nav form[action='/console/logout']").await;
    c.goto(&format!("{}/console/network/BO01", app.base))
        .await
        .unwrap();
    wait_text(c, "#kiosk-status", "Non abbinato").await;
    click(c, "#kiosk-pair").await;
    let link = wait_css(c, "#kiosk-link").await.text().await.unwrap();
    assert!(link.contains("/kiosk/BO01?key="), "{link}");
    shot(c, shots, "30-kiosk-paired").await;

    // The kiosk device: without the link, it is not paired and issues nothing.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{}/kiosk/BO01", app.base)).await.unwrap();
    wait_text(c, "#kiosk-unpaired h1", "non abbinato").await;
    shot(c, shots, "31-kiosk-unpaired").await;
    // Opened once, the link pairs it and leaves the address bar without the key; then a ticket
    // for bills and payments, without signing in.
    c.goto(&link).await.unwrap();
    wait_text(c, "h1", "Scegli il servizio").await;
    let address = c.current_url().await.unwrap();
    assert_eq!(address.path(), "/kiosk/BO01");
    assert_eq!(address.query(), None, "{address}");
    click_text(c, "div.tiles button", "Bollette e pagamenti").await;
    let ticket = wait_css(c, "#ticket p.huge").await.text().await.unwrap();
    assert!(ticket.starts_with('A'), "{ticket}");
    shot(c, shots, "32-kiosk-ticket").await;

    // The clerk of BO01 signs in and calls the next ticket at counter 3.
    c.goto(&format!("{}/console/login", app.base))
        .await
        .unwrap();
    wait_css(c, "form.stack input#email").await;
    fill(c, "#email", "clerk@canali.test").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form.stack button[type=submit]").await;
    wait_css(c, "header nav form[action='/console/logout']").await;
    c.goto(&format!("{}/console/counter?counter=3", app.base))
        .await
        .unwrap();
    click(c, "button[value=call]").await;
    wait_text(c, "#current p.huge", &ticket).await;
    shot(c, shots, "33-counter-called").await;

    // The display in the waiting room shows it with its counter, across a TV's whole width.
    c.goto(&format!("{}/display/BO01", app.base)).await.unwrap();
    wait_text(c, "#last-called p.huge", &ticket).await;
    on_a_tv(c, shots).await;

    // Another customer's virtual ticket, checked in, is called at counter 4 by the clerk (from
    // another desk): the display's live region says so, which screen readers read out.
    let virtual_ticket = axe::book_virtual_ticket(app).await;
    let key = virtual_ticket.split("k=").nth(1).unwrap();
    let status = virtual_ticket.split('?').next().unwrap();
    let anyone = client();
    let token = csrf(&anyone, &app.url(&virtual_ticket)).await;
    let r = anyone
        .post(app.url(&format!("{status}/check-in")))
        .form(&[("csrf", token.as_str()), ("k", key)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let clerk = operator_client(app, "clerk").await;
    let token = csrf(&clerk, &app.url("/console/counter?counter=4")).await;
    let r = clerk
        .post(app.url("/console/counter"))
        .form(&[
            ("csrf", token.as_str()),
            ("counter", "4"),
            ("action", "call"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let live = wait_text(c, "#last-called[aria-live=polite] p.huge", "B001").await;
    assert!(live.text().await.unwrap().contains("Sportello 4"));

    // Back at the counter: served, then closed; the visit lands in the ledger.
    c.goto(&format!("{}/console/counter?counter=3", app.base))
        .await
        .unwrap();
    click(c, "button[value=serve]").await;
    click(c, "button[value=close]").await;
    wait_text(c, "#counter-live p.notice", "Nessun numero in corso").await;
    shot(c, shots, "35-counter-closed").await;
    assert_eq!(visits().await, before + 1, "the visit is a branch contact");
}

/// Scenario 1: the customer, in Italian first, then English.
async fn customer_serves_themselves(c: &Client, app: &TestApp, shots: &Path) {
    // The home page of the online branch, then its registration link.
    c.goto(&app.base).await.unwrap();
    wait_text(c, "h1", "Benvenuto").await;
    shot(c, shots, "01-index").await;
    click(c, "main a.button[href='/register']").await;

    // Registration with the code on the bill and the tax id.
    wait_text(c, "h1", "Registrazione").await;
    fill(c, "#code", CUSTOMER_CODE).await;
    fill(c, "#tax_id", CUSTOMER_TAX_ID).await;
    fill(c, "#email", CUSTOMER_EMAIL).await;
    fill(c, "#password", PASSWORD).await;
    fill(c, "#password2", PASSWORD).await;
    click(c, "input[name=privacy]").await;
    shot(c, shots, "02-register").await;
    click(c, "form.stack button[type=submit]").await;
    wait_text(c, "p.notice", CUSTOMER_EMAIL).await;
    shot(c, shots, "03-register-sent").await;

    // The confirmation link from the mail, opened in the browser.
    let link = last_link(&app.outbox, "/confirm?token=");
    c.goto(&link).await.unwrap();
    wait_text(c, "p.notice", "Indirizzo confermato").await;
    shot(c, shots, "04-confirmed").await;

    // Sign-in through the form.
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    wait_text(c, "h1", "Accedi").await;
    fill(c, "#email", CUSTOMER_EMAIL).await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form.stack button[type=submit]").await;

    // Home: the name and the three supply points.
    wait_text(c, "h1", "Mario Rossi").await;
    for point in ["IT001E12345678", "12010000000042", "SE950123456"] {
        wait_text(c, "section.card li", point).await;
    }
    shot(c, shots, "05-home").await;

    // E-bill: the button, then the confirmation.
    click(c, "header nav a[href='/ebill']").await;
    wait_text(c, "h1", "Bolletta elettronica").await;
    wait_text(c, "div.card p", "cartacea").await;
    click(c, "div.card form button[type=submit]").await;
    wait_text(c, "p.notice", "Fatto: riceverai via e-mail").await;
    wait_text(c, "div.card p", "Ricevi la bolletta elettronica").await;
    shot(c, shots, "06-ebill").await;

    // A gas self-reading, then the history.
    click(c, "header nav a[href='/readings']").await;
    wait_text(c, "h1", "Autolettura").await;
    let select = c.find(Locator::Css("select#point")).await.unwrap();
    select.select_by_value("12").await.unwrap();
    fill(c, "#reading", "1234").await;
    click(c, "form.stack button[type=submit]").await;
    wait_text(c, "p.notice", "Lettura registrata: 1234").await;
    wait_text(c, "table td", "1234").await;
    shot(c, shots, "07-reading").await;

    // A complaint with an attachment, then the request's page.
    let files = tempfile::tempdir().unwrap();
    let pdf = files.path().join("lettura.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% canali browser test\n").unwrap();
    c.goto(&format!("{}/requests/new", app.base)).await.unwrap();
    wait_text(c, "h1", "Nuova richiesta").await;
    let kind = c.find(Locator::Css("select#kind")).await.unwrap();
    kind.select_by_value("complaint").await.unwrap();
    let point = c.find(Locator::Css("select#point")).await.unwrap();
    point.select_by_value("11").await.unwrap();
    fill(c, "#subject", "Bolletta troppo alta").await;
    fill(
        c,
        "#body",
        "Il consumo fatturato non corrisponde alla lettura del contatore.",
    )
    .await;
    let file = c.find(Locator::Css("input#files")).await.unwrap();
    file.send_keys(pdf.to_str().unwrap()).await.unwrap();
    shot(c, shots, "08-complaint-form").await;
    click(c, "form.stack button[type=submit]").await;
    wait_text(c, "h1", "Richiesta").await;
    wait_text(c, "p.notice", "Reclamo ricevuto").await;
    wait_text(c, "div.card td", "Bolletta troppo alta").await;
    wait_text(c, "div.card li a", "lettura.pdf").await;
    shot(c, shots, "09-complaint").await;

    // English through the header link: the same page, in English.
    click(c, "header nav a[hreflang=en]").await;
    wait_text(c, "p a", "Back").await;
    wait_text(c, "div.card th", "Subject").await;
    wait_text(c, "header nav button", "Sign out").await;
    c.goto(&format!("{}/home", app.base)).await.unwrap();
    // The greeting follows the hour in Rome (good morning, afternoon or evening).
    wait_text(c, "h1", ", Mario Rossi").await;
    wait_text(c, "section.card h2", "Your supplies").await;
    shot(c, shots, "10-home-english").await;
}

/// Scenario 2: an agent finds the customer and sees their web contacts on the timeline.
async fn agent_sees_the_web_contacts(c: &Client, app: &TestApp, shots: &Path) {
    // Another person at another desk: none of the customer's cookies (Italian again).
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{}/console/login", app.base))
        .await
        .unwrap();
    wait_css(c, "form.stack input#email").await;
    fill(c, "#email", "agent@canali.test").await;
    fill(c, "#password", PASSWORD).await;
    shot(c, shots, "11-console-login").await;
    click(c, "form.stack button[type=submit]").await;
    wait_css(c, "header nav form[action='/console/logout']").await;

    // Search by name.
    c.goto(&format!("{}/console/search", app.base))
        .await
        .unwrap();
    fill(c, "input#q", "Rossi").await;
    click(c, "form[role=search] button[type=submit]").await;
    wait_text(c, "#results td a", "Mario Rossi").await;
    shot(c, shots, "12-console-search").await;

    // The customer's page and the timeline with the web contacts just made.
    click_text(c, "#results td a", "Mario Rossi").await;
    wait_text(c, "h1", "Mario Rossi").await;
    wait_css(c, "#timeline table").await;
    let rows = texts(c, "#timeline tbody tr").await;
    let web: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains("Sportello on-line"))
        .collect();
    assert!(
        web.len() >= 3,
        "expected the registration, e-bill, reading and complaint as web contacts: {rows:#?}"
    );
    for reason in ["Bolletta elettronica", "Reclami"] {
        assert!(
            web.iter().any(|r| r.contains(reason)),
            "no web contact for {reason} on the timeline: {rows:#?}"
        );
    }
    c.execute(
        "document.getElementById('timeline').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    shot(c, shots, "13-console-customer").await;
}

/// The display on a 1920×1080 TV: the call fills the screen's width and reads from across the
/// room; then the window goes back to its size.
async fn on_a_tv(c: &Client, shots: &Path) {
    let (w, h) = c.get_window_size().await.unwrap();
    c.set_window_size(1920, 1080).await.unwrap();
    let v = c
        .execute(
            "const card = document.getElementById('last-called').getBoundingClientRect();
             const call = document.querySelector('#last-called p.huge');
             return [window.innerWidth, card.width, parseFloat(getComputedStyle(call).fontSize)];",
            vec![],
        )
        .await
        .unwrap();
    shot(c, shots, "34-display-tv").await;
    c.set_window_size(w as u32, h as u32).await.unwrap();
    let (inner, card, font) = (
        v[0].as_f64().unwrap(),
        v[1].as_f64().unwrap(),
        v[2].as_f64().unwrap(),
    );
    assert!(
        inner >= 1900.0,
        "the window did not grow to a TV's width: {v}"
    );
    assert!(
        card >= 0.9 * inner,
        "on a {inner} px TV the call uses {card} px of the width"
    );
    assert!(
        font >= 120.0,
        "on a {inner} px TV the call is {font} px high"
    );
}

// ---------------------------------------------------------------------------------------------
// Page helpers

/// Waits for an element matching `css`.
async fn wait_css(c: &Client, css: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(PATIENCE)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => e,
        Err(e) => panic!("{}", failure(c, &format!("no element {css}: {e}")).await),
    }
}

/// Waits for an element matching `css` whose visible text contains `text`.
async fn wait_text(c: &Client, css: &str, text: &str) -> fantoccini::elements::Element {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(all) = c.find_all(Locator::Css(css)).await {
            for e in all {
                if e.text().await.is_ok_and(|t| t.contains(text)) {
                    return e;
                }
            }
        }
        if Instant::now() > deadline {
            panic!(
                "{}",
                failure(c, &format!("no {css} with the text {text:?}")).await
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `value` into the empty field `css`.
async fn fill(c: &Client, css: &str, value: &str) {
    let e = wait_css(c, css).await;
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    let e = wait_css(c, css).await;
    if let Err(err) = e.click().await {
        panic!(
            "{}",
            failure(c, &format!("cannot click {css}: {err}")).await
        );
    }
}

async fn click_text(c: &Client, css: &str, text: &str) {
    let e = wait_text(c, css, text).await;
    if let Err(err) = e.click().await {
        panic!(
            "{}",
            failure(c, &format!("cannot click {css} {text:?}: {err}")).await
        );
    }
}

/// The visible texts of the elements matching `css`.
async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap());
    }
    out
}

/// How much wider than the window the page is, if it is.
async fn overflow(c: &Client) -> Option<String> {
    let v = c
        .execute(
            "const d = document.documentElement; \
             return [d.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (page, window) = (v[0].as_u64()?, v[1].as_u64()?);
    (page > window).then(|| format!("{page} px on a {window} px screen"))
}

/// What went wrong, with the address and the text of the page it happened on (saved as
/// FAILED.png too).
async fn failure(c: &Client, what: &str) -> String {
    let url = c.current_url().await.map(|u| u.to_string());
    let body = match c.find(Locator::Css("body")).await {
        Ok(b) => b.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    shot(c, &screenshot_dir(), "FAILED").await;
    format!("{what}\non {url:?}, whose text is:\n{body}")
}

/// A screenshot of the whole page (the window stretched to its height for the shot) as
/// `dir/NAME.png`.
async fn shot(c: &Client, dir: &Path, name: &str) {
    let (w, h) = c.get_window_size().await.unwrap();
    let heights = c
        .execute(
            "return [Math.max(document.documentElement.scrollHeight, document.body ? \
             document.body.scrollHeight : 0), window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let page = heights[0].as_u64().unwrap_or(h);
    let inner = heights[1].as_u64().unwrap_or(h);
    let stretched = page > inner;
    if stretched {
        let full = (page + (h - inner.min(h))).min(6000);
        c.set_window_size(w as u32, full as u32).await.unwrap();
    }
    let png = c.screenshot().await.unwrap();
    if stretched {
        c.set_window_size(w as u32, h as u32).await.unwrap();
    }
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`), created.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap_or(dir)
}

// ---------------------------------------------------------------------------------------------
// Chromium and chromedriver

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

/// Chromium and chromedriver from `PATH`; `None` (with a notice) when either is missing and
/// this is not CI, a failure when it is.
fn browser_tools() -> Option<Tools> {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|n| on_path(n));
    let chromedriver = on_path("chromedriver");
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(Tools {
            chromium,
            chromedriver,
        }),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            assert!(
                !ci,
                "CI is set but chromium or chromedriver is missing: apt-get install chromium chromium-driver"
            );
            eprintln!(
                "NOTICE: browser tests skipped: chromium or chromedriver is not installed \
                 (apt-get install chromium chromium-driver); with CI set they fail instead"
            );
            None
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A chromedriver of our own on a free loopback port, killed (with the browsers it started)
/// when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(chromedriver: &Path) -> Driver {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so the guard also ends the browsers it starts.
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await
                && let Ok(status) = r.json::<serde_json::Value>().await
                && status["value"]["ready"] == serde_json::Value::Bool(true)
            {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {} within {PATIENCE:?}",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A fresh headless Chromium (new profile, Italian first) with a window of `width`×`height`.
    async fn session(&self, chromium: &Path, width: u32, height: u32) -> Session {
        self.session_with(chromium, width, height, serde_json::json!({}))
            .await
    }

    /// A Chromium that plays a 360×780 phone (headless windows are at least 500 px wide, so
    /// the phone's screen is emulated).
    async fn phone_session(&self, chromium: &Path) -> Session {
        let phone = serde_json::json!({
            "mobileEmulation": {
                "deviceMetrics": {
                    "width": phone::PHONE_WIDTH, "height": 780, "pixelRatio": 2.0, "touch": true,
                },
            },
        });
        self.session_with(chromium, 500, 900, phone).await
    }

    async fn session_with(
        &self,
        chromium: &Path,
        width: u32,
        height: u32,
        extra: serde_json::Value,
    ) -> Session {
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-dev-shm-usage",
                    "--lang=it-IT",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ],
                "prefs": { "intl.accept_languages": "it-IT,it" },
            },
        });
        if let serde_json::Value::Object(extra) = extra {
            caps["goog:chromeOptions"]
                .as_object_mut()
                .unwrap()
                .extend(extra);
        }
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session through chromedriver");
        Session {
            client,
            _profile: profile,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session and its throwaway profile.
struct Session {
    client: Client,
    _profile: tempfile::TempDir,
}

impl Session {
    async fn close(self) {
        self.client.close().await.unwrap();
    }
}
