//! `canali serve`, `canali user ...`, and the demo's sign-ins.

use crate::{open, redacted, settings_table};
use anyhow::{Context, Result, bail};
use canali_domain::Channel;
use canali_domain::lang::Lang;
use canali_domain::service::Role;
use canali_store::Store;
use canali_store::accounts::NewOperator;
use canali_web::{AppState, WebConfig};
use clap::Subcommand;
use std::path::Path;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a console user. Without --password a random one is made and printed once.
    Add {
        /// The user's e-mail address (their sign-in name).
        #[arg(long)]
        email: String,
        /// agent, clerk, back_office, network_manager, supervisor or admin.
        #[arg(long)]
        role: Role,
        /// The name shown in the console (default: the address).
        #[arg(long)]
        name: Option<String>,
        /// An agent's line: residential or business.
        #[arg(long)]
        line: Option<Line>,
        /// A clerk's branch code.
        #[arg(long)]
        branch: Option<String>,
        /// The password (at least 10 characters); prefer the environment variable to the
        /// command line, which other users of the machine can see.
        #[arg(long, env = "CANALI_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List the console users.
    List,
    /// Disable a console user (their sessions end at once).
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum PortalCommand {
    /// Register a customer to the online branch on their behalf (assisted registration at a
    /// branch or on the phone, with the customer present): the address counts as confirmed.
    Register {
        /// The customer code printed on the bill.
        #[arg(long)]
        code: String,
        /// The customer's e-mail address, their sign-in name.
        #[arg(long)]
        email: String,
        /// The password (at least 10 characters); without it a random one is printed once.
        #[arg(long, env = "CANALI_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

pub async fn portal(store: &Store, cmd: PortalCommand) -> Result<()> {
    match cmd {
        PortalCommand::Register {
            code,
            email,
            password,
        } => {
            let customer = store
                .customers()
                .by_code(&code)
                .await?
                .with_context(|| format!("no customer has the code {code}"))?;
            let (password, generated) = password_or_random(password)?;
            let hash = canali_web::auth::hash_password(password.clone()).await?;
            let now = jiff::Timestamp::now().as_microsecond();
            store
                .accounts()
                .create_portal_login(customer.id, &email, &hash, now)
                .await?;
            store
                .accounts()
                .confirm_portal_login(customer.id, now)
                .await?;
            println!(
                "{} ({code}) can sign in to the online branch as {email}.",
                customer.name
            );
            if generated {
                println!("Password: {password}");
            }
        }
    }
    Ok(())
}

/// The password given (checked for length) or a random one, and whether it was made here.
fn password_or_random(password: Option<String>) -> Result<(String, bool)> {
    match password {
        Some(p) if p.chars().count() < 10 => bail!("the password must have at least 10 characters"),
        Some(p) => Ok((p, false)),
        None => Ok((canali_web::auth::random_token()[..20].to_string(), true)),
    }
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an integrator; it is printed once and stored only as a digest.
    Create {
        /// Who uses it, e.g. "telephony CTI" or "billing system".
        #[arg(long)]
        name: String,
    },
    /// List the API tokens (names and dates, never the tokens).
    List,
    /// Revoke an API token by its number (as `list` shows it).
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

pub async fn token(store: &Store, cmd: TokenCommand) -> Result<()> {
    let now = jiff::Timestamp::now().as_microsecond();
    match cmd {
        TokenCommand::Create { name } => {
            let token = canali_web::auth::random_token();
            // Created from the command line: by the system (operator 0), not a console user.
            let id = store
                .accounts()
                .create_api_token(&name, &canali_web::auth::sha256_hex(&token), 0, now)
                .await?;
            println!("API token {id} for {name} (shown only now):");
            println!("{token}");
        }
        TokenCommand::List => {
            for t in store.accounts().api_tokens().await? {
                let created = jiff::Timestamp::from_microsecond(t.created_at)
                    .map(|ts| ts.to_string())
                    .unwrap_or_default();
                println!(
                    "{:>4}  {:<32} created {created}{}",
                    t.id,
                    t.name,
                    if t.revoked_at.is_some() {
                        "  REVOKED"
                    } else {
                        ""
                    }
                );
            }
        }
        TokenCommand::Revoke { id } => {
            if store.accounts().revoke_api_token(id, now).await? {
                println!("API token {id} revoked.");
            } else {
                bail!("no active API token has the number {id}");
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Line {
    Residential,
    Business,
}

impl Line {
    fn channel(self) -> Channel {
        match self {
            Line::Residential => Channel::CallCenterResidential,
            Line::Business => Channel::CallCenterBusiness,
        }
    }
}

pub async fn user(store: &Store, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            email,
            role,
            name,
            line,
            branch,
            password,
        } => {
            let (password, generated) = password_or_random(password)?;
            let hash = canali_web::auth::hash_password(password.clone()).await?;
            let id = store
                .accounts()
                .add_operator(
                    &NewOperator {
                        name: name.unwrap_or_else(|| email.clone()),
                        email: email.clone(),
                        role,
                        line: line.map(Line::channel),
                        branch,
                        password_hash: hash,
                    },
                    jiff::Timestamp::now().as_microsecond(),
                )
                .await?;
            println!("Added {email} ({}) as user {id}.", role.label(Lang::En));
            if generated {
                println!("Password: {password}");
            }
        }
        UserCommand::List => {
            for op in store.accounts().operators().await? {
                let scope = op
                    .line
                    .map(|l| l.name().to_string())
                    .or(op.branch.clone())
                    .unwrap_or_default();
                println!(
                    "{:<32} {:<16} {:<24} {}",
                    op.email,
                    op.role.name(),
                    scope,
                    if op.active { "active" } else { "disabled" }
                );
            }
        }
        UserCommand::Disable { email } => {
            let op = store
                .accounts()
                .operator_by_email(&email)
                .await?
                .with_context(|| format!("no console user has the address {email}"))?;
            store.accounts().set_operator_active(op.id, false).await?;
            println!("Disabled {email}; their sessions have ended.");
        }
    }
    Ok(())
}

/// The demo's sign-ins: the customer and one console user per role, with their passwords.
pub struct DemoLogins {
    pub customer: Option<(String, String)>,
    pub operators: Vec<(Role, String)>,
    pub password: String,
    /// The demo clerk's branch and its kiosk's pairing link, without the site's address.
    pub kiosk: Option<(String, String)>,
}

const DEMO_PASSWORD: &str = "canali-demo-2011";

/// Gives the demo customer an online-branch login and adds one console user per role.
pub async fn demo_logins(store: &Store) -> Result<DemoLogins> {
    let hash = canali_web::auth::hash_password(DEMO_PASSWORD.into()).await?;
    let now = jiff::Timestamp::now().as_microsecond();
    let customer = match store.accounts().demo_customer().await? {
        Some((c, email)) => {
            store
                .accounts()
                .create_portal_login(c.id, &email, &hash, now)
                .await?;
            store.accounts().confirm_portal_login(c.id, now).await?;
            Some((email, c.name))
        }
        None => None,
    };
    let branch = canali_branches::network::Network::load(store)
        .await
        .ok()
        .and_then(|n| n.branches.first().map(|b| b.branch.code.clone()));
    let mut operators = Vec::new();
    for role in Role::ALL {
        let email = format!("{}@demo.canali", role.name());
        let (line, branch) = match role {
            Role::Agent => (Some(Channel::CallCenterResidential), None),
            Role::Clerk => (None, branch.clone()),
            _ => (None, None),
        };
        if *role == Role::Clerk && branch.is_none() {
            continue;
        }
        store
            .accounts()
            .add_operator(
                &NewOperator {
                    email: email.clone(),
                    name: role.label(Lang::It).to_string(),
                    role: *role,
                    line,
                    branch,
                    password_hash: hash.clone(),
                },
                now,
            )
            .await?;
        operators.push((*role, email));
    }
    let kiosk = match branch {
        Some(code) => Some((code.clone(), demo_kiosk(store, &code, now).await?)),
        None => None,
    };
    Ok(DemoLogins {
        customer,
        operators,
        password: DEMO_PASSWORD.into(),
        kiosk,
    })
}

/// Readies the kiosk of the demo clerk's branch: ticket categories (the simulation sets none)
/// and a pairing, so that a newcomer can take a ticket there and call it at the counter.
/// Returns the pairing link's path.
async fn demo_kiosk(store: &Store, branch: &str, now: i64) -> Result<String> {
    crate::live::ensure_categories(store, branch).await?;
    let key = canali_web::desk::kiosk_key::pair(store, branch, "canali demo", now).await?;
    Ok(canali_web::desk::kiosk_key::pairing_link("", branch, &key))
}

/// What the demo adds to serving: its sign-ins, the search indexes it left to build, and the
/// living utility.
pub struct DemoServe {
    pub logins: DemoLogins,
    /// The simulation left the search indexes unbuilt: build them while serving.
    pub build_indexes: bool,
    pub live: Option<crate::live::LiveSettings>,
}

/// Serves the web on `url`'s database until Ctrl-C or SIGTERM.
pub async fn serve(
    url: &str,
    config: &Path,
    bind: Option<String>,
    demo: Option<DemoServe>,
) -> Result<()> {
    let started = std::time::Instant::now();
    let logins = demo.as_ref().map(|d| &d.logins);
    let mut web: WebConfig = settings_table(config, "web")?;
    if let Some(b) = bind {
        web.bind = b;
    }
    web.validate()
        .map_err(|e| anyhow::anyhow!("the [web] settings are not valid: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&web.bind)
        .await
        .with_context(|| format!("cannot listen on {}", web.bind))?;
    let address = listener.local_addr()?;
    if web.public_url == WebConfig::default().public_url {
        web.public_url = format!("http://{address}");
    }
    let metrics_listener = match &web.metrics_bind {
        Some(m) => Some(
            tokio::net::TcpListener::bind(m)
                .await
                .with_context(|| format!("cannot listen on {m} (web.metrics_bind)"))?,
        ),
        None => None,
    };
    let store = Arc::new(open(url).await?);
    let public = web.public_url.clone();
    let state =
        AppState::new(store, web)?.with_callcenter(crate::callcenter_cmd::settings(config)?);
    println!();
    println!("canali is serving {} on {public}", redacted(url));
    println!("  online branch:  {public}/");
    println!("  console:        {public}/console");
    println!("  API:            {public}/api/docs");
    println!("  mails go to {}.", state.mailer.describe());
    if let Some(l) = logins {
        println!("Demo sign-ins (password {} for all):", l.password);
        if let Some((email, name)) = &l.customer {
            println!("  customer {name}: {email}");
        }
        for (role, email) in &l.operators {
            println!("  {:<28} {email}", role.label(Lang::En));
        }
        if let Some((branch, path)) = &l.kiosk {
            println!("The ticket kiosk of {branch}, paired for the demo: {public}{path}");
        }
    }
    match &metrics_listener {
        Some(l) => println!("  metrics:        http://{}/metrics", l.local_addr()?),
        None if state.config.metrics_token.is_some() => {
            println!("  metrics:        {public}/metrics (bearer token)")
        }
        None => println!("  metrics:        {public}/metrics (loopback clients only)"),
    }
    println!("Press Ctrl-C to stop.");
    tracing::info!(address = %address, "serving");
    let store = state.store.clone();
    let background = demo.map(|mut d| {
        // The living demo follows the settings the server uses.
        if let Some(live) = d.live.as_mut() {
            live.standards = state.config.reply_standards.clone();
            live.callcenter = (*state.callcenter).clone();
        }
        tokio::spawn(demo_background(
            Arc::clone(&state.store),
            Arc::clone(&state.search_ready),
            d,
            started,
        ))
    });
    let served = canali_web::serve_until(
        state,
        listener,
        metrics_listener,
        crate::ops_cmd::stop_signal(),
    )
    .await;
    if let Some(task) = background {
        // The index build stops where it is (the next start builds what is missing); the
        // living demo stops after the operation in progress.
        task.abort();
        if let Ok(Some(live)) = task.await {
            println!("{}", live.counts);
            if let Err(e) = live.stop().await {
                eprintln!("error: the living demo stopped with an error: {e:#}");
            }
        }
    }
    served?;
    // The requests in flight are done: close the pool (SQLite checkpoints its WAL).
    store.close().await;
    tracing::info!("stopped: requests finished, database closed");
    eprintln!("Stopped.");
    Ok(())
}

/// The demo's work after the server is up: the search indexes (readiness says when they are
/// done), then the living utility. Returns the living demo, for a clean stop.
async fn demo_background(
    store: Arc<Store>,
    search_ready: Arc<std::sync::atomic::AtomicBool>,
    demo: DemoServe,
    started: std::time::Instant,
) -> Option<crate::live::Live> {
    use std::sync::atomic::Ordering;
    if demo.build_indexes {
        search_ready.store(false, Ordering::SeqCst);
        match store.ops().build_secondary_indexes().await {
            Ok(()) => {
                search_ready.store(true, Ordering::SeqCst);
                println!(
                    "Search ready: the indexes were built {:.1} s after the server started.",
                    started.elapsed().as_secs_f64()
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "the search indexes could not be built");
                eprintln!("error: the search indexes could not be built: {e}");
                return None;
            }
        }
    }
    let settings = demo.live?;
    match crate::live::start(store, settings).await {
        Ok(live) => {
            println!(
                "The demo utility is live: calls, branch tickets, online-branch actions and \
                 letters arrive as they would now (--no-live turns this off)."
            );
            Some(live)
        }
        Err(e) => {
            eprintln!("error: the living demo could not start: {e:#}");
            None
        }
    }
}
