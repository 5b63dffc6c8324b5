//! The pages people open on a phone, at 360 px (the narrowest common phone): the customer's
//! pages, the sign-in pages, the kiosk and the waiting-room display. None scrolls sideways, and
//! the text that matters on each (the bills' amounts, the called number and its counter, the
//! kiosk's services and ticket) is on the screen, not cut off or hidden in a table that scrolls.

use super::*;

/// The phone's width in CSS pixels.
pub(super) const PHONE_WIDTH: u32 = 360;

/// A page, what its heading says, and the elements that must all be fully on the screen.
struct Check {
    name: &'static str,
    path: &'static str,
    heading: &'static str,
    visible: &'static [&'static str],
}

const fn check(
    name: &'static str,
    path: &'static str,
    heading: &'static str,
    visible: &'static [&'static str],
) -> Check {
    Check {
        name,
        path,
        heading,
        visible,
    }
}

pub(super) async fn customer_and_branch_on_a_phone(c: &Client, app: &TestApp, shots: &Path) {
    let mut problems = Vec::new();
    // A page with its viewport (the blank page before it is laid out 980 px wide).
    c.goto(&app.base).await.unwrap();

    // Signed out.
    for page in [
        check(
            "50-phone-index",
            "/",
            "Benvenuto",
            &["main h1", "main a.button"],
        ),
        check("51-phone-login", "/login", "Accedi", &["form.stack button"]),
        check(
            "52-phone-register",
            "/register",
            "Registrazione",
            &["form.stack button"],
        ),
    ] {
        look(c, app, shots, &page, &mut problems).await;
    }

    // Signed in.
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    fill(c, "#email", CUSTOMER_EMAIL).await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form.stack button[type=submit]").await;
    wait_text(c, "h1", "Mario Rossi").await;
    for page in [
        check(
            "53-phone-home",
            "/home",
            "Mario Rossi",
            &["section.card li", "td.num", "header nav a"],
        ),
        check("54-phone-bills", "/bills", "Bollette", &["td.num", "td a"]),
        check(
            "55-phone-bill",
            "/bills/101",
            "Bolletta",
            &["td strong", "main a.button"],
        ),
        check(
            "56-phone-ebill",
            "/ebill",
            "Bolletta elettronica",
            &["div.card p"],
        ),
        check(
            "57-phone-readings",
            "/readings",
            "Autolettura",
            &["select#point", "td.num"],
        ),
        check("58-phone-requests", "/requests", "Richieste", &["td"]),
        check(
            "59-phone-requests-new",
            "/requests/new",
            "Nuova richiesta",
            &["select#kind"],
        ),
        check(
            "60-phone-request",
            "/requests/1",
            "Reclamo scritto",
            &["div.card td"],
        ),
        check(
            "61-phone-account",
            "/account",
            "profilo",
            &["form.stack button"],
        ),
        check(
            "62-phone-branches",
            "/branches?q=Bologna",
            "sportello",
            &["main h1"],
        ),
    ] {
        look(c, app, shots, &page, &mut problems).await;
    }

    // The kiosk, paired by the network manager on this device, and a ticket.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{}/console/login", app.base))
        .await
        .unwrap();
    fill(c, "#email", "network_manager@canali.test").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form.stack button[type=submit]").await;
    wait_css(c, "header nav form[action='/console/logout']").await;
    c.goto(&format!("{}/console/network/BO01", app.base))
        .await
        .unwrap();
    click(c, "#kiosk-pair").await;
    let link = wait_css(c, "#kiosk-link").await.text().await.unwrap();
    c.delete_all_cookies().await.unwrap();
    c.goto(&link).await.unwrap();
    look(
        c,
        app,
        shots,
        &check(
            "63-phone-kiosk",
            "",
            "Scegli il servizio",
            &["div.tiles button"],
        ),
        &mut problems,
    )
    .await;
    click_text(c, "div.tiles button", "Contratti").await;
    look(
        c,
        app,
        shots,
        &check(
            "64-phone-kiosk-ticket",
            "",
            "",
            &["#ticket p.huge", "#ticket a.button"],
        ),
        &mut problems,
    )
    .await;

    // The display, with calls made earlier: the number and "Sportello N" both on the screen.
    look(
        c,
        app,
        shots,
        &check(
            "65-phone-display",
            "/display/BO01",
            "",
            &["#last-called .call span", "td.big"],
        ),
        &mut problems,
    )
    .await;
    let call = wait_css(c, "#last-called .call")
        .await
        .text()
        .await
        .unwrap();
    assert!(call.contains("Sportello"), "the call reads {call:?}");

    assert!(
        problems.is_empty(),
        "at {PHONE_WIDTH} px:\n{}",
        problems.join("\n")
    );
}

/// Opens `page` (an empty path: the page the browser shows), waits for its heading, takes its
/// picture and notes sideways scrolling and the elements not fully on the screen.
async fn look(c: &Client, app: &TestApp, shots: &Path, page: &Check, problems: &mut Vec<String>) {
    if !page.path.is_empty() {
        c.goto(&format!("{}{}", app.base, page.path)).await.unwrap();
    }
    if !page.heading.is_empty() {
        wait_text(c, "h1", page.heading).await;
    }
    let inner = c.execute("return window.innerWidth", vec![]).await.unwrap();
    assert_eq!(
        inner.as_u64(),
        Some(u64::from(PHONE_WIDTH)),
        "{}: not a {PHONE_WIDTH} px phone: innerWidth {inner}",
        page.name
    );
    shot(c, shots, page.name).await;
    if let Some(w) = overflow(c).await {
        problems.push(format!("{}: sideways scrolling, {w}", page.name));
    }
    for css in page.visible {
        let v = c
            .execute(OFF_SCREEN, vec![serde_json::json!(css)])
            .await
            .unwrap();
        match v.as_array() {
            Some(bad) if bad.is_empty() => {}
            Some(bad) => problems.push(format!(
                "{}: {css} not fully on the screen: {}",
                page.name,
                bad.iter()
                    .map(|b| b.as_str().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            None => problems.push(format!("{}: {css}: {v}", page.name)),
        }
    }
}

/// The elements matching `arguments[0]` that are not wholly inside the window and inside every
/// ancestor that clips (a scrolling table shows only part of its width): their text and box.
/// None matching is a problem too.
const OFF_SCREEN: &str = "
    const all = [...document.querySelectorAll(arguments[0])];
    if (all.length === 0) return ['nothing matches'];
    const bad = [];
    for (const e of all) {
        const r = e.getBoundingClientRect();
        const label = (e.innerText || e.tagName).trim().slice(0, 40) + ' ['
            + Math.round(r.left) + '..' + Math.round(r.right) + ']';
        if (r.width === 0 || r.left < -0.5 || r.right > window.innerWidth + 0.5) {
            bad.push(label + ' outside the window of ' + window.innerWidth + ' px');
            continue;
        }
        for (let a = e.parentElement; a; a = a.parentElement) {
            if (getComputedStyle(a).overflowX === 'visible') continue;
            const box = a.getBoundingClientRect();
            if (r.left < box.left - 0.5 || r.right > box.right + 0.5) {
                bad.push(label + ' cut by ' + a.tagName.toLowerCase() + '.' + a.className);
                break;
            }
        }
    }
    return bad;";
