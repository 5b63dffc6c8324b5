//! A customer who uses only the keyboard: the skip link, then sign-in, the switch to the e-bill
//! and a meter reading, every step by Tab, typing and Enter (WebDriver key actions, no clicks),
//! with the focus visible on each control it lands on.

use super::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

/// A customer of their own (one gas supply point), so the first customer's e-bill and readings
/// from the scenarios do not change what this one sees.
const CODE: &str = "4000000029";
const TAX_ID: &str = "02345670018";
const NAME: &str = "Verdi Idraulica snc";
const EMAIL: &str = "ufficio@verdi-idraulica.example";

/// How many Tabs a control may be away before the journey gives up.
const MAX_TABS: usize = 40;

pub(super) async fn journey(c: &Client, app: &TestApp, shots: &Path) {
    register(app).await;
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    wait_text(c, "h1", "Accedi").await;

    // The first Tab reaches the skip link; Enter moves the focus to the page's content.
    press(c, Key::Tab).await;
    let first = focused(c).await;
    assert!(
        first.contains("a.skip") && first.contains("Vai al contenuto"),
        "the first Tab does not reach the skip link: {first}"
    );
    press(c, Key::Enter).await;
    let after = focused(c).await;
    assert!(
        after.starts_with("main#content"),
        "the skip link does not move the focus to the content: {after}"
    );
    // From the content, the next Tab is already in the form, past the menu.
    tab_to(c, "input#email").await;
    type_text(c, EMAIL).await;
    tab_to(c, "input#password").await;
    type_text(c, PASSWORD).await;
    press(c, Key::Enter).await;
    wait_text(c, "h1", NAME).await;

    // The e-bill: the menu link, then the page's button.
    tab_to(c, "header nav a[href='/ebill']").await;
    press(c, Key::Enter).await;
    wait_text(c, "h1", "Bolletta elettronica").await;
    tab_to(c, "main form button[type=submit]").await;
    press(c, Key::Enter).await;
    wait_text(c, "p.notice", "Fatto").await;

    // A gas reading: the menu link, the form's fields, Enter to send.
    tab_to(c, "header nav a[href='/readings']").await;
    press(c, Key::Enter).await;
    wait_text(c, "h1", "Autolettura").await;
    tab_to(c, "select#point").await;
    tab_to(c, "input#reading").await;
    type_text(c, "567").await;
    press(c, Key::Enter).await;
    wait_text(c, "p.notice", "Lettura registrata: 567").await;
    shot(c, shots, "40-keyboard-reading").await;
}

/// Adds the customer and registers and confirms them over HTTP (the journey starts at sign-in).
async fn register(app: &TestApp) {
    app.store
        .insert_customers(&[canali_store::Customer {
            id: 3,
            code: CODE.into(),
            segment: canali_domain::Segment::Business,
            tax_id: TAX_ID.into(),
            name: NAME.into(),
            sot: 1,
            email: None,
            phone: None,
            since: day(2008, 5, 1),
        }])
        .await
        .unwrap();
    app.store
        .insert_supply_points(&[canali_store::SupplyPoint {
            id: 31,
            customer_id: 3,
            service: canali_domain::Service::Gas,
            identifier: "12010000000077".into(),
            municipality: "Bologna".into(),
            address: "Via Irnerio 3".into(),
            bills_per_year: 6,
        }])
        .await
        .unwrap();
    let web = client();
    let b = &app.base;
    let token = csrf(&web, &format!("{b}/register")).await;
    let r = web
        .post(format!("{b}/register"))
        .form(&[
            ("csrf", token.as_str()),
            ("code", CODE),
            ("tax_id", TAX_ID),
            ("email", EMAIL),
            ("password", PASSWORD),
            ("password2", PASSWORD),
            ("privacy", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let link = last_link(&app.outbox, "/confirm?token=");
    assert_eq!(web.get(&link).send().await.unwrap().status(), 200);
}

/// Presses and releases `key`.
async fn press(c: &Client, key: Key) {
    let k: char = key.into();
    c.perform_actions(
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k }),
    )
    .await
    .unwrap();
}

/// Types `text` key by key into whatever has the focus.
async fn type_text(c: &Client, text: &str) {
    let mut keys = KeyActions::new("keyboard".into());
    for k in text.chars() {
        keys = keys
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    c.perform_actions(keys).await.unwrap();
}

/// Presses Tab until the focus is on the element matching `css`; fails when it takes more than
/// [`MAX_TABS`] or when the focused control shows no focus indicator.
async fn tab_to(c: &Client, css: &str) {
    let mut path = Vec::new();
    for _ in 0..MAX_TABS {
        press(c, Key::Tab).await;
        let here = c
            .execute(
                "const e = document.activeElement; if (!e) return [false, 'nothing', false];
                 const s = getComputedStyle(e);
                 const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                     || s.boxShadow !== 'none';
                 return [e.matches(arguments[0]), e.outerHTML.slice(0, 120), visible];",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap();
        let what = here[1].as_str().unwrap_or_default().to_string();
        assert_eq!(
            here[2], true,
            "the focus on {what} is not visible (no outline, no shadow), on the way to {css}"
        );
        if here[0] == true {
            return;
        }
        path.push(what);
    }
    panic!(
        "{}",
        failure(
            c,
            &format!("{MAX_TABS} Tabs did not reach {css}; the focus went through {path:#?}")
        )
        .await
    );
}

/// The focused element as `tag#id.class: text`.
async fn focused(c: &Client) -> String {
    c.execute(
        "const e = document.activeElement;
         return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
             + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
             + ': ' + (e.innerText || '').slice(0, 60);",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_string()
}
