//! The web tests' harness: a real server on a random loopback port over a fresh, seeded store
//! (SQLite, and PostgreSQL when `CANALI_TEST_POSTGRES` is set), mails in an outbox folder, and
//! clients that keep cookies and do not follow redirects (so tests see them).
#![allow(dead_code)]

use canali_domain::network::Delivery;
use canali_domain::service::Role;
use canali_domain::{Channel, Day, Segment, Service};
use canali_store::accounts::NewOperator;
use canali_store::testing::{TestStore, fresh_stores};
use canali_store::{Bill, Customer, Sot, Store, SupplyPoint};
use canali_web::{AppState, WebConfig};
use std::path::PathBuf;
use std::sync::Arc;

pub const CUSTOMER_CODE: &str = "4000000003";
pub const CUSTOMER_TAX_ID: &str = "RSSMRA85T10A562S";
pub const CUSTOMER_EMAIL: &str = "mario.rossi@example.it";
pub const OTHER_CODE: &str = "4000000010";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub backend: &'static str,
    pub base: String,
    pub store: Arc<Store>,
    pub outbox: PathBuf,
    /// The server's search flag (`/readyz` answers 503 while it is false).
    pub search_ready: Arc<std::sync::atomic::AtomicBool>,
    /// The API token [`TestApp::api_get`] and [`TestApp::api_post`] send, made on first use.
    api_token: tokio::sync::OnceCell<String>,
    _test_store: TestStore,
    _dir: tempfile::TempDir,
}

/// One running server per available backend.
pub async fn spawn_apps() -> Vec<TestApp> {
    let mut out = Vec::new();
    for ts in fresh_stores().await.expect("test stores") {
        out.push(spawn(ts, |_| {}).await);
    }
    out
}

/// A server over `ts`, seeded; `tune` may change the settings first.
pub async fn spawn(ts: TestStore, tune: impl FnOnce(&mut WebConfig)) -> TestApp {
    let store = Arc::new(Store::connect(&ts.url).await.expect("connect"));
    seed(&store).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let base = format!("http://{addr}");
    let mut config = WebConfig {
        public_url: base.clone(),
        outbox: dir.path().join("outbox"),
        ..WebConfig::default()
    };
    tune(&mut config);
    let state = AppState::new(store.clone(), config).expect("state");
    let search_ready = state.search_ready.clone();
    tokio::spawn(async move {
        canali_web::serve(state, listener).await.expect("serve");
    });
    TestApp {
        backend: ts.name,
        base,
        store,
        outbox: dir.path().join("outbox"),
        search_ready,
        api_token: tokio::sync::OnceCell::new(),
        _test_store: ts,
        _dir: dir,
    }
}

/// The API as a client calls it: a bearer token of the seeded administrator, JSON bodies, and
/// problem documents for errors.
impl TestApp {
    /// `path` on this server (a full URL is taken as it is).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// A new API token named `name`, made by the seeded administrator: its id and secret.
    pub async fn new_api_token(&self, name: &str) -> (i64, String) {
        let admin = self
            .store
            .accounts()
            .operator_by_email("admin@canali.test")
            .await
            .unwrap()
            .expect("seeded admin");
        let token = canali_web::auth::random_token();
        let id = self
            .store
            .accounts()
            .create_api_token(
                name,
                &canali_web::auth::sha256_hex(&token),
                admin.id,
                canali_web::now_micros(),
            )
            .await
            .unwrap();
        (id, token)
    }

    /// The token the `api_*` helpers send.
    pub async fn api_token(&self) -> String {
        self.api_token
            .get_or_init(|| async { self.new_api_token("test integration").await.1 })
            .await
            .clone()
    }

    /// A request to the API with `token` (none: no `Authorization` header).
    pub fn api_request_as(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let r = reqwest::Client::new().request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// A request to the API with the app's token.
    pub async fn api_request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let token = self.api_token().await;
        self.api_request_as(method, path, Some(&token))
    }

    pub async fn api_get(&self, path: &str) -> reqwest::Response {
        let r = self.api_request(reqwest::Method::GET, path).await;
        r.send().await.unwrap()
    }

    pub async fn api_post(
        &self,
        path: &str,
        body: &(impl serde::Serialize + ?Sized),
    ) -> reqwest::Response {
        let r = self.api_request(reqwest::Method::POST, path).await;
        r.json(body).send().await.unwrap()
    }

    /// A POST whose body is `body` as it is, said to be JSON (for bodies that are not).
    pub async fn api_post_raw(&self, path: &str, body: &'static str) -> reqwest::Response {
        let r = self.api_request(reqwest::Method::POST, path).await;
        r.header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

/// Checks that `r` is a problem document with `status` and returns it.
pub async fn problem(r: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(r.status(), status);
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "a problem"
    );
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["status"], status);
    assert!(p["title"].is_string() && p["detail"].is_string() && p["type"].is_string());
    p
}

pub fn day(y: i16, m: i8, d: i8) -> Day {
    Day::from_date(jiff::civil::date(y, m, d))
}

/// Two customers with supply points and bills, and one operator per role (password
/// [`PASSWORD`], address `ROLE@canali.test`, e.g. `agent@canali.test`).
pub async fn seed(store: &Store) {
    store
        .network()
        .insert_sots(&[Sot {
            code: 1,
            name: "Bologna".into(),
        }])
        .await
        .unwrap();
    let customer = |id: i64, code: &str, segment, tax_id: &str, name: &str| Customer {
        id,
        code: code.into(),
        segment,
        tax_id: tax_id.into(),
        name: name.into(),
        sot: 1,
        email: Some(format!("c{id}@example.it")),
        phone: Some(format!("+39 333 000000{id}")),
        since: day(2005, 1, 1),
    };
    store
        .insert_customers(&[
            customer(
                1,
                CUSTOMER_CODE,
                Segment::Residential,
                CUSTOMER_TAX_ID,
                "Mario Rossi",
            ),
            customer(
                2,
                OTHER_CODE,
                Segment::Business,
                "01234567890",
                "Rossini Impianti srl",
            ),
        ])
        .await
        .unwrap();
    let point = |id: i64, customer_id: i64, service, identifier: &str| SupplyPoint {
        id,
        customer_id,
        service,
        identifier: identifier.into(),
        municipality: "Bologna".into(),
        address: format!("Via Indipendenza {id}"),
        bills_per_year: 6,
    };
    store
        .insert_supply_points(&[
            point(11, 1, Service::Electricity, "IT001E12345678"),
            point(12, 1, Service::Gas, "12010000000042"),
            point(13, 1, Service::Water, "SE950123456"),
            point(21, 2, Service::Gas, "12030000000099"),
        ])
        .await
        .unwrap();
    let bill = |id: i64, customer_id: i64, supply_point_id: i64, issued: Day| Bill {
        id,
        customer_id,
        supply_point_id,
        issued,
        due: Day(issued.0 + 20),
        period_from: Day(issued.0 - 60),
        period_to: Day(issued.0 - 1),
        total_cents: 12_345 + id,
        delivery: Delivery::Paper,
        sheets: 2,
    };
    store
        .insert_bills(&[
            bill(101, 1, 11, day(2011, 1, 10)),
            bill(102, 1, 12, day(2011, 3, 10)),
            bill(201, 2, 21, day(2011, 2, 10)),
        ])
        .await
        .unwrap();
    let hash = canali_web::auth::hash_password(PASSWORD.into())
        .await
        .unwrap();
    for role in Role::ALL {
        let (line, branch) = match role {
            Role::Agent => (Some(Channel::CallCenterResidential), None),
            Role::Clerk => (None, Some("BO01".to_string())),
            _ => (None, None),
        };
        store
            .accounts()
            .add_operator(
                &NewOperator {
                    email: format!("{}@canali.test", role.name()),
                    name: role.label(canali_domain::lang::Lang::En).to_string(),
                    role: *role,
                    line,
                    branch,
                    password_hash: hash.clone(),
                },
                0,
            )
            .await
            .unwrap();
    }
}

/// A client like a browser: cookies kept, redirects not followed.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token in the first form of the page at `url` (the client gets its cookie too).
pub async fn csrf(client: &reqwest::Client, url: &str) -> String {
    let html = client.get(url).send().await.unwrap().text().await.unwrap();
    let at = html
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no csrf field in {url}: {html}"));
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A GET's status and body text.
pub async fn page(c: &reqwest::Client, url: impl reqwest::IntoUrl) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

/// The text of the newest mail in the outbox, with quoted-printable's soft breaks undone.
pub fn newest_mail(outbox: &std::path::Path) -> String {
    let newest = std::fs::read_dir(outbox)
        .expect("outbox exists")
        .map(|e| e.unwrap().path())
        .max()
        .expect("a mail in the outbox");
    std::fs::read_to_string(newest)
        .unwrap()
        .replace("=\r\n", "")
        .replace("=3D", "=")
}

/// The link of the newest mail in the outbox that contains `path`.
pub fn last_link(outbox: &std::path::Path, path: &str) -> String {
    let mut files: Vec<_> = std::fs::read_dir(outbox)
        .expect("outbox exists")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files.iter().rev() {
        let text = std::fs::read_to_string(f)
            .unwrap()
            .replace("=\r\n", "")
            .replace("=3D", "=");
        if let Some(at) = text.find(path) {
            let start = text[..at].rfind("http").unwrap();
            let end = text[start..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| start + e);
            return text[start..end].to_string();
        }
    }
    panic!("no mail with a link to {path} in {}", outbox.display());
}

/// Registers and confirms the seeded customer, then signs in; returns the signed-in client.
pub async fn registered_customer(app: &TestApp) -> reqwest::Client {
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
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let link = last_link(&app.outbox, "/confirm?token=");
    let r = c.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    sign_in(app, &c, CUSTOMER_EMAIL, PASSWORD).await;
    c
}

pub async fn sign_in(app: &TestApp, c: &reqwest::Client, email: &str, password: &str) {
    let token = csrf(c, &format!("{}/login", app.base)).await;
    let r = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", token.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/home"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        303,
        "sign-in of {email} failed: {}",
        r.text().await.unwrap()
    );
}

/// Signs `email` in at the console; returns the sign-in response (a 303 when it worked).
pub async fn console_sign_in(
    app: &TestApp,
    c: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let token = csrf(c, &format!("{}/console/login", app.base)).await;
    c.post(format!("{}/console/login", app.base))
        .form(&[
            ("csrf", token.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/console"),
        ])
        .send()
        .await
        .unwrap()
}

/// A client signed in at the console as the seeded operator of `role` (`agent`, `clerk`,
/// `back_office`, `network_manager`, `supervisor`, `admin`).
pub async fn operator_client(app: &TestApp, role: &str) -> reqwest::Client {
    let c = client();
    let r = console_sign_in(app, &c, &format!("{role}@canali.test"), PASSWORD).await;
    assert_eq!(
        r.status(),
        303,
        "console sign-in of {role} failed on {}: {}",
        app.backend,
        r.text().await.unwrap()
    );
    c
}

/// The value a response sets for cookie `name`, if it sets one.
pub fn set_cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}
