//! `canali branches ...` and `canali kpi branches`: the branch registry, opening hours, the ticket
//! queue, material campaigns and the branch waiting-time indicators (see docs/branches.md).

use anyhow::{Context, Result, bail};
use canali_branches::kpi::{BranchKpis, BranchStandards, WaitIndicators, verdict};
use canali_branches::network::OpenNow;
use canali_branches::{ImportFormat, Network, NetworkAt};
use canali_domain::network::{BranchKind, Operator};
use canali_domain::{Day, ROME, Reason};
use canali_store::Store;
use canali_store::tickets::{ServiceCategory, Ticket};
use clap::{Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, ValueEnum)]
pub enum OutFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FileFormat {
    Toml,
    Csv,
}

#[derive(Subcommand)]
pub enum BranchesCommand {
    /// Create or update branches (by code), territories, schedule templates, events and
    /// opening-hour exceptions from a TOML or CSV file.
    Import {
        /// The registry file (TOML or CSV; see docs/branches.md).
        file: PathBuf,
        /// The file's format (default: by extension, .csv is CSV, else TOML).
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
    },
    /// The network at the end of a date: counts by kind and territory, schedule templates,
    /// third-party hosts, outsourced branches, the year's events and every branch.
    List {
        /// The date (YYYY-MM-DD; default today).
        #[arg(long)]
        at: Option<Date>,
        /// table (readable), json (everything) or csv (one row per branch).
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
    },
    /// Which branches are open at an instant, until when, or their next opening.
    OpenNow {
        /// The instant: RFC 3339 (2011-03-01T10:00:00+01:00) or local Rome time
        /// (2011-03-01T10:00); default now.
        #[arg(long)]
        at: Option<String>,
        /// Sort by distance from a municipality (one with a branch) or from LAT,LON.
        #[arg(long)]
        near: Option<String>,
        /// Only the branches open at the instant.
        #[arg(long)]
        open_only: bool,
        /// table (readable), json or csv (one row per branch).
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
    },
    /// Set the service categories of a branch: CODE:PRIORITY:NAME, e.g. A:1:"Bollette e
    /// pagamenti" (a category already set is updated).
    Categories {
        /// The branch code, e.g. SP-BO-01.
        branch: String,
        /// The categories, each CODE:PRIORITY:NAME: the code in capital letters (the ticket
        /// label's prefix), the priority a whole number (the highest is called first).
        categories: Vec<String>,
    },
    /// The ticket queue (eliminacode): take or book a ticket, check in, call, recall, serve,
    /// close, no-show, and the day's queue.
    Ticket(TicketArgs),
    /// Material campaigns sent to the branches: create, target, send, confirm, pending,
    /// remind, list.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Pair a branch's ticket kiosk: prints the pairing link (shown only now) to open once on
    /// the kiosk device; the branch's previous key stops working. --revoke unpairs it.
    KioskKey {
        /// The branch code, e.g. SP-BO-01.
        branch: String,
        /// The site's public address, the start of the link.
        #[arg(
            long,
            env = "CANALI_WEB__PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        base_url: String,
        /// Revoke the branch's key instead: the kiosk stops issuing tickets at once.
        #[arg(long)]
        revoke: bool,
    },
    /// Measure open-now for the whole (simulated) network and ticket operations with concurrent
    /// clerks on a scratch SQLite database (or PostgreSQL with --postgres); prints markdown.
    Bench {
        /// Tickets taken, called, served and closed.
        #[arg(long, default_value_t = 8000)]
        tickets: usize,
        /// Clerks calling concurrently.
        #[arg(long, default_value_t = 16)]
        clerks: usize,
        /// A PostgreSQL database for the PostgreSQL figure (a fresh schema-less run: its
        /// ticket tables are used as they are, so give an empty database).
        #[arg(long)]
        postgres: Option<String>,
        /// Scratch folder for the SQLite database.
        #[arg(long, default_value = "target/bench")]
        workdir: PathBuf,
    },
}

/// The language of the ticket statuses printed.
#[derive(Clone, Copy, ValueEnum)]
pub enum LabelLang {
    /// Italiano.
    It,
    /// English.
    En,
}

impl LabelLang {
    fn code(self) -> &'static str {
        match self {
            LabelLang::It => "it",
            LabelLang::En => "en",
        }
    }
}

#[derive(clap::Args)]
pub struct TicketArgs {
    /// The language of the ticket statuses printed: it (Italian) or en (English).
    #[arg(long, value_enum, global = true, default_value = "en")]
    lang: LabelLang,
    #[command(subcommand)]
    command: TicketCommand,
}

#[derive(Subcommand)]
pub enum TicketCommand {
    /// Take a ticket at the kiosk (or online for today with --virtual, which then waits for
    /// `ticket check-in`); prints its id, number and estimate.
    Take {
        /// The branch code, e.g. SP-BO-01.
        branch: String,
        /// The service category code, e.g. A.
        category: String,
        /// Taken online rather than at the kiosk: the ticket joins the queue when its holder
        /// checks in (`ticket check-in ID`), and its wait counts from then.
        #[arg(long = "virtual")]
        is_virtual: bool,
        /// When the ticket is taken: RFC 3339 or local Rome time (2011-03-01T10:00); default
        /// now.
        #[arg(long)]
        at: Option<String>,
    },
    /// Book a ticket online for an appointment; it joins the queue when its holder checks
    /// in, and its wait counts from the appointment or the arrival, whichever is later.
    Book {
        /// The branch code, e.g. SP-BO-01.
        branch: String,
        /// The service category code, e.g. A.
        category: String,
        /// The appointment: RFC 3339 or local Rome time (2011-03-01T10:30); its day is the
        /// ticket's day.
        #[arg(long)]
        slot: String,
        /// When the booking is made (default now); not after the appointment.
        #[arg(long)]
        at: Option<String>,
    },
    /// The holder of a booked ticket arrives at the branch: the ticket joins the queue.
    CheckIn {
        /// The ticket id (printed when the ticket was booked).
        id: i64,
        /// When the customer arrived (default now); on the ticket's day.
        #[arg(long)]
        at: Option<String>,
    },
    /// A counter calls the next ticket (highest priority first, then the earliest start of
    /// the wait); only tickets in the queue at that instant are called.
    Call {
        /// The branch code, e.g. SP-BO-01.
        branch: String,
        /// The counter calling, e.g. 3 (shown on the display).
        #[arg(long)]
        counter: String,
        /// The clerk at the counter (recorded as the contact's agent).
        #[arg(long, default_value = "")]
        clerk: String,
        /// The categories this counter serves (comma-separated; default all).
        #[arg(long, value_delimiter = ',')]
        categories: Vec<String>,
        /// When the call is made (default now); not before the ticket was taken.
        #[arg(long)]
        at: Option<String>,
    },
    /// Call a called ticket again (the customer has not come to the counter yet).
    Recall {
        /// The ticket id (printed when the ticket was taken or called).
        id: i64,
        /// When the recall is made (default now); not before the first call.
        #[arg(long)]
        at: Option<String>,
    },
    /// The called customer did not come: the visit is written to the ledger as a no-show.
    NoShow {
        /// The ticket id (printed when the ticket was taken or called).
        id: i64,
        /// When the clerk gave up (default now); not before the call.
        #[arg(long)]
        at: Option<String>,
    },
    /// The customer is at the counter: service starts.
    Serve {
        /// The ticket id (printed when the ticket was taken or called).
        id: i64,
        /// When service starts (default now); not before the call.
        #[arg(long)]
        at: Option<String>,
    },
    /// Service ends: the visit is written to the ledger as a branch contact, in the same
    /// transaction as the ticket's close.
    Close {
        /// The ticket id (printed when the ticket was taken or called).
        id: i64,
        /// Why the customer came (billing, payment, contract, ...).
        #[arg(long)]
        reason: Option<Reason>,
        /// When service ends (default now); not before it started.
        #[arg(long)]
        at: Option<String>,
    },
    /// The tickets of a branch on a day, and the estimate error of those called.
    Queue {
        /// The branch code, e.g. SP-BO-01.
        branch: String,
        /// The day (YYYY-MM-DD; default today).
        #[arg(long)]
        day: Option<Date>,
        /// table (one line per ticket), json or csv.
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
    },
}

#[derive(Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign; prints its id.
    Create {
        /// The campaign's name, e.g. "Guida alla lettura della bolletta 2011".
        name: String,
        /// What is sent: leaflet, poster, regulatory notice, ...
        #[arg(long)]
        material: String,
    },
    /// Add the branches existing today that match any of the criteria: all, a territory, a
    /// kind, the outsourced ones or a list.
    Target {
        /// The campaign id (printed by `campaign create`).
        id: i64,
        /// Every branch existing today.
        #[arg(long)]
        all: bool,
        /// The branches of one territory (SOT code, e.g. 1).
        #[arg(long)]
        sot: Option<i64>,
        /// The branches of one kind: priority, standard, presence_point,
        /// temporary_presence_point.
        #[arg(long)]
        kind: Option<BranchKind>,
        /// The branches run by contractors.
        #[arg(long)]
        outsourced: bool,
        /// These branches (comma-separated codes).
        #[arg(long, value_delimiter = ',')]
        branches: Vec<String>,
        /// Copies per branch.
        #[arg(long, conflicts_with = "total")]
        copies: Option<i64>,
        /// Copies in all, shared evenly among the branches targeted.
        #[arg(long)]
        total: Option<i64>,
    },
    /// Send a campaign to its branches (then it can no longer be re-targeted).
    Send {
        /// The campaign id (printed by `campaign create`).
        id: i64,
    },
    /// A branch confirms delivery (or display with --displayed).
    Confirm {
        /// The campaign id (printed by `campaign create`).
        id: i64,
        /// The branch code, e.g. SP-BO-01.
        branch: String,
        /// The material is on display (which implies it was delivered).
        #[arg(long)]
        displayed: bool,
    },
    /// The branches that have not confirmed delivery or display.
    Pending {
        /// The campaign id (printed by `campaign create`).
        id: i64,
    },
    /// Record a reminder to the branches that have not confirmed display.
    Remind {
        /// The campaign id (printed by `campaign create`).
        id: i64,
    },
    /// Every campaign with its confirmations.
    List,
}

#[derive(Subcommand)]
pub enum KpiCommand {
    /// Branch waiting times per branch, territory and the network for one month, against the
    /// regulator's standards and the utility's targets ([branches] settings); read from the
    /// branch waiting-time rollup. A month without visits says "no data".
    Branches {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// table (readable), json (with the standards) or csv (one row per scope; empty
        /// figures and verdicts when there is no data).
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
    },
}

async fn open(url: &str) -> Result<Store> {
    let store = Store::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", crate::redacted(url)))?;
    store
        .migrate()
        .await
        .context("cannot bring the schema up to date")?;
    Ok(store)
}

/// RFC 3339 with offset, or a local Europe/Rome date-time; None is now.
pub fn parse_instant(at: Option<&str>) -> Result<Timestamp> {
    let Some(s) = at else {
        return Ok(Timestamp::now());
    };
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    }
    let dt: jiff::civil::DateTime = s
        .parse()
        .with_context(|| format!("'{s}' is not an instant (2011-03-01T10:00 or RFC 3339)"))?;
    Ok(dt.to_zoned(ROME.clone())?.timestamp())
}

fn micros(at: Option<&str>) -> Result<i64> {
    Ok(parse_instant(at)?.as_microsecond())
}

fn csv_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub async fn run(db: &str, cmd: BranchesCommand) -> Result<ExitCode> {
    if let BranchesCommand::Bench {
        tickets,
        clerks,
        postgres,
        workdir,
    } = cmd
    {
        bench(tickets, clerks, postgres.as_deref(), &workdir).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let store = open(db).await?;
    let r = run_on(&store, cmd).await;
    store.close().await;
    r.map(|()| ExitCode::SUCCESS)
}

/// Who pairs or revokes a kiosk from the command line, for the pairing's record.
fn command_line_user() -> String {
    match std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        Ok(user) if !user.trim().is_empty() => format!("command line (user {})", user.trim()),
        _ => "command line".to_string(),
    }
}

async fn kiosk_key(store: &Store, branch: &str, base_url: &str, revoke: bool) -> Result<()> {
    let now = Timestamp::now().as_microsecond();
    let by = command_line_user();
    if revoke {
        if !store
            .figures()
            .branches()
            .await?
            .iter()
            .any(|b| b.code == branch)
        {
            bail!("there is no branch {branch}: check the code with `canali branches list`");
        }
        if store.revoke_kiosk(branch, &by, now).await? {
            println!("The kiosk of {branch} is no longer paired: it issues no tickets.");
        } else {
            println!("The kiosk of {branch} was not paired: nothing to revoke.");
        }
        return Ok(());
    }
    let key = canali_web::desk::kiosk_key::pair(store, branch, &by, now).await?;
    println!(
        "The kiosk of {branch} is paired; its previous key, if any, no longer works. Open this \
         link once in the kiosk device's browser (it is shown only now; whoever has it can pair \
         a device):"
    );
    println!(
        "{}",
        canali_web::desk::kiosk_key::pairing_link(base_url, branch, &key)
    );
    Ok(())
}

async fn run_on(store: &Store, cmd: BranchesCommand) -> Result<()> {
    match cmd {
        BranchesCommand::Import { file, format } => import(store, &file, format).await,
        BranchesCommand::List { at, format } => {
            let date = at.unwrap_or_else(|| Timestamp::now().to_zoned(ROME.clone()).date());
            let net = Network::load(store).await?;
            print!("{}", render_list(&net.at(date), format)?);
            Ok(())
        }
        BranchesCommand::OpenNow {
            at,
            near,
            open_only,
            format,
        } => {
            let ts = parse_instant(at.as_deref())?;
            let net = Network::load(store).await?;
            let point = match near.as_deref() {
                None => None,
                Some(n) => Some(near_point(&net, n)?),
            };
            let t = Instant::now();
            let mut rows = net.open_now(ts, point);
            let took = t.elapsed();
            let (open, all) = (rows.iter().filter(|r| r.open).count(), rows.len());
            if open_only {
                rows.retain(|r| r.open);
            }
            print!("{}", render_open_now(&rows, format)?);
            if matches!(format, OutFormat::Table) {
                println!(
                    "{} of {} branches open at {}; computed in {} µs.",
                    open,
                    all,
                    ts.to_zoned(ROME.clone()).strftime("%Y-%m-%d %H:%M %Z"),
                    took.as_micros()
                );
            }
            Ok(())
        }
        BranchesCommand::Categories { branch, categories } => {
            let mut rows = Vec::new();
            for c in &categories {
                let mut parts = c.splitn(3, ':');
                let (Some(code), Some(priority), Some(name)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    bail!("'{c}' is not CODE:PRIORITY:NAME");
                };
                rows.push(ServiceCategory {
                    branch: branch.clone(),
                    code: code.trim().to_string(),
                    name: name.trim().to_string(),
                    priority: priority
                        .trim()
                        .parse()
                        .with_context(|| format!("'{priority}' is not a whole number"))?,
                });
            }
            store.set_service_categories(&rows).await?;
            for c in store.service_categories(&branch).await? {
                println!("{} {:>3}  {}", c.code, c.priority, c.name);
            }
            Ok(())
        }
        BranchesCommand::Ticket(t) => ticket(store, t.command, t.lang.code()).await,
        BranchesCommand::Bench { .. } => unreachable!("handled before opening the database"),
        BranchesCommand::Campaign(c) => campaign(store, c).await,
        BranchesCommand::KioskKey {
            branch,
            base_url,
            revoke,
        } => kiosk_key(store, &branch, &base_url, revoke).await,
    }
}

fn near_point(net: &Network, near: &str) -> Result<(f64, f64)> {
    if let Some((a, b)) = near.split_once(',')
        && let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>())
    {
        return Ok((lat, lon));
    }
    net.municipality_point(near)
        .with_context(|| format!("no branch in the municipality '{near}': give LAT,LON instead"))
}

async fn import(store: &Store, file: &Path, format: Option<FileFormat>) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let format = match format {
        Some(FileFormat::Toml) => ImportFormat::Toml,
        Some(FileFormat::Csv) => ImportFormat::Csv,
        None => ImportFormat::of_path(file),
    };
    let known: HashMap<String, String> = store
        .schedule_templates()
        .await?
        .into_iter()
        .map(|t| (t.name, t.hours))
        .collect();
    let update = canali_branches::parse_registry(&text, format, &known)
        .with_context(|| format!("{} was not imported", file.display()))?;
    let out = store.upsert_registry(&update).await?;
    // Check the stored registry still compiles (e.g. a template changed under its branches).
    Network::load(store).await?;
    println!(
        "Imported {}: {} territories, {} templates, {} new and {} updated branches, {} new events, {} exceptions.",
        file.display(),
        out.sots,
        out.templates,
        out.branches_new,
        out.branches_updated,
        out.events_new,
        out.exceptions
    );
    Ok(())
}

fn render_list(n: &NetworkAt, format: OutFormat) -> Result<String> {
    let mut s = String::new();
    match format {
        OutFormat::Json => s = serde_json::to_string_pretty(n)? + "\n",
        OutFormat::Csv => {
            s.push_str("code,name,municipality,sot,kind,operator,contractor,host,host_name,counters,services,template,hours,hours_per_week\n");
            for b in &n.branches {
                s.push_str(&csv_line(&[
                    b.code.clone(),
                    b.name.clone(),
                    b.municipality.clone(),
                    b.sot.to_string(),
                    b.kind.name().to_string(),
                    b.operator.name().to_string(),
                    b.contractor.clone().unwrap_or_default(),
                    b.host.name().to_string(),
                    b.host_name.clone().unwrap_or_default(),
                    b.counters.to_string(),
                    b.services.clone(),
                    b.template.clone().unwrap_or_default(),
                    b.hours.clone(),
                    format!("{:.1}", b.hours_per_week),
                ]));
                s.push('\n');
            }
        }
        OutFormat::Table => {
            use std::fmt::Write;
            writeln!(s, "Branch network at {}: {} branches", n.date, n.total)?;
            for (k, c) in &n.by_kind {
                writeln!(s, "  {:<32} {c:>3}", k.label("en"))?;
            }
            writeln!(
                s,
                "  hosted at third parties         {:>3}",
                n.hosted_at_third_parties
            )?;
            writeln!(s, "  outsourced                      {:>3}", n.outsourced)?;
            for (t, c, h) in &n.by_template {
                writeln!(s, "  on template {t} ({h:.1} h/week) {c:>3}")?;
            }
            writeln!(s, "\nBy territory and kind:")?;
            for k in &n.by_kind_and_territory {
                writeln!(
                    s,
                    "  {:<14} {:<32} {:>3}",
                    k.sot_name,
                    k.kind.label("en"),
                    k.branches
                )?;
            }
            writeln!(s, "\nEvents of the year up to {}:", n.date)?;
            for e in &n.events_of_year {
                writeln!(
                    s,
                    "  {} {:<10} {:<8} {} {}",
                    e.date,
                    e.kind.name(),
                    e.branch,
                    e.name,
                    e.note
                )?;
            }
            writeln!(
                s,
                "\n{:<8} {:<34} {:<24} {:>3} {:<24} {:<10} {:<11} {:>3} {:>6}  hours",
                "code", "name", "municipality", "sot", "kind", "operator", "host", "ctr", "h/wk"
            )?;
            for b in &n.branches {
                writeln!(
                    s,
                    "{:<8} {:<34} {:<24} {:>3} {:<24} {:<10} {:<11} {:>3} {:>6.1}  {}",
                    b.code,
                    b.name.chars().take(34).collect::<String>(),
                    b.municipality.chars().take(24).collect::<String>(),
                    b.sot,
                    b.kind.name(),
                    b.operator.name(),
                    b.host.name(),
                    b.counters,
                    b.hours_per_week,
                    b.template.clone().unwrap_or_else(|| b.hours.clone())
                )?;
            }
        }
    }
    Ok(s)
}

fn render_open_now(rows: &[OpenNow], format: OutFormat) -> Result<String> {
    let mut s = String::new();
    match format {
        OutFormat::Json => s = serde_json::to_string_pretty(rows)? + "\n",
        OutFormat::Csv => {
            s.push_str("code,name,municipality,open,until,next_opening,hours_this_week,hours_per_week,distance_km\n");
            for r in rows {
                s.push_str(&csv_line(&[
                    r.code.clone(),
                    r.name.clone(),
                    r.municipality.clone(),
                    r.open.to_string(),
                    r.until.clone().unwrap_or_default(),
                    r.next_opening.clone().unwrap_or_default(),
                    format!("{:.2}", r.hours_this_week),
                    format!("{:.2}", r.hours_per_week),
                    r.distance_km.map(|d| format!("{d:.1}")).unwrap_or_default(),
                ]));
                s.push('\n');
            }
        }
        OutFormat::Table => {
            use std::fmt::Write;
            for r in rows {
                let state = match (&r.until, &r.next_opening) {
                    (Some(u), _) => format!("open until {u}"),
                    (None, Some(n)) => format!("closed, opens {n}"),
                    (None, None) => "closed, no opening ahead".to_string(),
                };
                let dist = r
                    .distance_km
                    .map(|d| format!("{d:>6.1} km"))
                    .unwrap_or_default();
                writeln!(
                    s,
                    "{:<8} {:<34} {:<22} {:<42} {:>5.1} h this week {dist}",
                    r.code,
                    r.name.chars().take(34).collect::<String>(),
                    r.municipality.chars().take(22).collect::<String>(),
                    state,
                    r.hours_this_week
                )?;
            }
        }
    }
    Ok(s)
}

fn print_ticket(t: &Ticket, lang: &str) {
    let when = |m: Option<i64>| {
        m.and_then(|m| Timestamp::from_microsecond(m).ok())
            .map(|ts| ts.to_zoned(ROME.clone()).strftime("%H:%M:%S").to_string())
            .unwrap_or_else(|| "-".to_string())
    };
    println!(
        "ticket {} {} at {}: {}, taken {}{}, estimate {} min, called {}{}, served {}, closed {}",
        t.id,
        t.label,
        t.branch,
        t.status.label(lang),
        when(Some(t.taken_at)),
        match (t.is_virtual, t.slot_at, t.checked_in_at) {
            (false, _, _) => String::new(),
            (true, slot, None) => format!(" (booked for {}, not checked in)", when(slot)),
            (true, slot, Some(c)) =>
                format!(" (booked for {}, checked in {})", when(slot), when(Some(c))),
        },
        (t.estimate_seconds + 30) / 60,
        when(t.called_at),
        t.counter
            .as_ref()
            .map(|c| format!(" at counter {c}"))
            .unwrap_or_default(),
        when(t.served_at),
        when(t.closed_at)
    );
}

async fn ticket(store: &Store, cmd: TicketCommand, lang: &str) -> Result<()> {
    let print_ticket = |t: &Ticket| print_ticket(t, lang);
    match cmd {
        TicketCommand::Take {
            branch,
            category,
            is_virtual,
            at,
        } => {
            let t = canali_branches::queue::take_ticket(
                store,
                &branch,
                &category,
                is_virtual,
                micros(at.as_deref())?,
            )
            .await?;
            print_ticket(&t);
        }
        TicketCommand::Book {
            branch,
            category,
            slot,
            at,
        } => {
            let t = canali_branches::queue::book_ticket(
                store,
                &branch,
                &category,
                micros(at.as_deref())?,
                micros(Some(&slot))?,
            )
            .await?;
            print_ticket(&t);
        }
        TicketCommand::CheckIn { id, at } => {
            print_ticket(&store.check_in_ticket(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::Call {
            branch,
            counter,
            clerk,
            categories,
            at,
        } => match store
            .call_next(
                &branch,
                &counter,
                &clerk,
                &categories,
                micros(at.as_deref())?,
            )
            .await?
        {
            Some(t) => print_ticket(&t),
            None => println!("Nobody is waiting at {branch}."),
        },
        TicketCommand::Recall { id, at } => {
            print_ticket(&store.recall_ticket(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::NoShow { id, at } => {
            print_ticket(&store.no_show_ticket(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::Serve { id, at } => {
            print_ticket(&store.serve_ticket(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::Close { id, reason, at } => print_ticket(
            &store
                .close_ticket(id, micros(at.as_deref())?, reason)
                .await?,
        ),
        TicketCommand::Queue {
            branch,
            day,
            format,
        } => {
            let day = Day::from_date(
                day.unwrap_or_else(|| Timestamp::now().to_zoned(ROME.clone()).date()),
            );
            let tickets = store.tickets(Some(&branch), day, day).await?;
            let err = canali_branches::queue::estimate_error(&tickets);
            match format {
                OutFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "tickets": tickets, "estimate_error": err })
                    )?
                ),
                OutFormat::Csv => {
                    println!(
                        "id,label,status,virtual,taken_at,estimate_seconds,wait_seconds,handle_seconds,counter"
                    );
                    for t in &tickets {
                        println!(
                            "{}",
                            csv_line(&[
                                t.id.to_string(),
                                t.label.clone(),
                                t.status.name().to_string(),
                                t.is_virtual.to_string(),
                                t.taken_at.to_string(),
                                t.estimate_seconds.to_string(),
                                t.wait_seconds().map(|w| w.to_string()).unwrap_or_default(),
                                t.handle_seconds()
                                    .map(|w| w.to_string())
                                    .unwrap_or_default(),
                                t.counter.clone().unwrap_or_default(),
                            ])
                        );
                    }
                }
                OutFormat::Table => {
                    tickets.iter().for_each(print_ticket);
                    println!(
                        "{} tickets; estimate error over {} called: mean {:+.0} s, mean absolute {:.0} s, {:.0}% within 5 minutes.",
                        tickets.len(),
                        err.tickets,
                        err.mean_error_seconds,
                        err.mean_absolute_error_seconds,
                        err.within_5_minutes * 100.0
                    );
                }
            }
        }
    }
    Ok(())
}

async fn campaign(store: &Store, cmd: CampaignCommand) -> Result<()> {
    let now = Timestamp::now().as_microsecond();
    match cmd {
        CampaignCommand::Create { name, material } => {
            let id = store.create_campaign(&name, &material, now).await?;
            println!("Campaign {id} created: {name} ({material}).");
        }
        CampaignCommand::Target {
            id,
            all,
            sot,
            kind,
            outsourced,
            branches,
            copies,
            total,
        } => {
            if !all && sot.is_none() && kind.is_none() && !outsourced && branches.is_empty() {
                bail!("say which branches: --all, --sot, --kind, --outsourced or --branches");
            }
            let net = Network::load(store).await?;
            let today = Timestamp::now().to_zoned(ROME.clone()).date();
            let at = net.at(today);
            let mut codes: Vec<String> = at
                .branches
                .iter()
                .filter(|b| {
                    all || sot == Some(b.sot)
                        || kind == Some(b.kind)
                        || (outsourced && b.operator == Operator::Outsourced)
                        || branches.contains(&b.code)
                })
                .map(|b| b.code.clone())
                .collect();
            for b in &branches {
                if !codes.contains(b) {
                    if net.branches.iter().any(|n| &n.branch.code == b) {
                        bail!("branch {b} is closed");
                    }
                    bail!("no branch {b}");
                }
            }
            codes.sort();
            if codes.is_empty() {
                bail!("no open branch matches");
            }
            let n = codes.len() as i64;
            let targets: Vec<(String, i64)> = codes
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let k = match (copies, total) {
                        (Some(c), _) => c,
                        (None, Some(t)) => t / n + i64::from((i as i64) < t % n),
                        (None, None) => 1,
                    };
                    (c, k)
                })
                .collect();
            store.target_campaign(id, &targets).await?;
            println!(
                "Campaign {id}: {} branches targeted, {} copies.",
                targets.len(),
                targets.iter().map(|t| t.1).sum::<i64>()
            );
        }
        CampaignCommand::Send { id } => {
            let c = store.send_campaign(id, now).await?;
            println!("Campaign {} ({}) sent.", c.id, c.name);
        }
        CampaignCommand::Confirm {
            id,
            branch,
            displayed,
        } => {
            let r = store.confirm_campaign(id, &branch, displayed, now).await?;
            println!(
                "Campaign {id}, branch {}: delivered {}, displayed {}.",
                r.branch,
                r.delivered_at.is_some(),
                r.displayed_at.is_some()
            );
        }
        CampaignCommand::Pending { id } => {
            let rows = store.campaign_branches(id).await?;
            let not_delivered: Vec<&str> = rows
                .iter()
                .filter(|r| r.delivered_at.is_none())
                .map(|r| r.branch.as_str())
                .collect();
            let not_displayed: Vec<&str> = rows
                .iter()
                .filter(|r| r.displayed_at.is_none())
                .map(|r| r.branch.as_str())
                .collect();
            println!(
                "Campaign {id}: {} branches; {} have not confirmed delivery: {}",
                rows.len(),
                not_delivered.len(),
                not_delivered.join(" ")
            );
            println!(
                "{} have not confirmed display: {}",
                not_displayed.len(),
                not_displayed.join(" ")
            );
        }
        CampaignCommand::Remind { id } => {
            let rows = store.remind_campaign(id, now).await?;
            println!(
                "Reminder recorded for {} branches: {}",
                rows.len(),
                rows.iter()
                    .map(|r| r.branch.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        CampaignCommand::List => {
            for c in store.campaigns().await? {
                let rows = store.campaign_branches(c.id).await?;
                println!(
                    "{:>4} {:<40} {:<20} {} branches, {} copies, sent {}, delivered {}, displayed {}",
                    c.id,
                    c.name,
                    c.material,
                    rows.len(),
                    rows.iter().map(|r| r.copies).sum::<i64>(),
                    c.sent_at.is_some(),
                    rows.iter().filter(|r| r.delivered_at.is_some()).count(),
                    rows.iter().filter(|r| r.displayed_at.is_some()).count()
                );
            }
        }
    }
    Ok(())
}

/// The standards from the settings file's `[branches]` table, then `CANALI_BRANCHES__*`.
fn standards(config: &Path) -> Result<BranchStandards> {
    crate::settings_table(config, "branches")
}

pub async fn run_kpi(db: &str, config: &Path, cmd: KpiCommand) -> Result<ExitCode> {
    let KpiCommand::Branches { month, format } = cmd;
    let standards = standards(config)?;
    let store = open(db).await?;
    let k = canali_branches::kpi::branch_kpis(&store, &month, &standards).await;
    store.close().await;
    let k = k?;
    print!("{}", render_kpis(&k, format)?);
    Ok(ExitCode::SUCCESS)
}

/// A figure with `decimals`, times `scale`; `-` when there is none (no visits).
fn fixed(v: Option<f64>, decimals: usize, scale: f64) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.decimals$}", v * scale))
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn render_kpis(k: &BranchKpis, format: OutFormat) -> Result<String> {
    let rows = || {
        std::iter::once(("network", &k.network))
            .chain(k.territories.iter().map(|t| ("territory", t)))
            .chain(k.branches.iter().map(|b| ("branch", b)))
    };
    let mut s = String::new();
    match format {
        OutFormat::Json => s = serde_json::to_string_pretty(k)? + "\n",
        OutFormat::Csv => {
            s.push_str("level,scope,territory,visits,average_minutes,over_40_share,within_60_share,p95_minutes,regulator_met,target_met\n");
            for (level, w) in rows() {
                s.push_str(&csv_line(&[
                    level.to_string(),
                    w.scope.clone(),
                    w.territory.to_string(),
                    w.visits.to_string(),
                    fixed(w.average_minutes, 2, 1.0),
                    fixed(w.over_40_share, 4, 1.0),
                    fixed(w.within_60_share, 4, 1.0),
                    fixed(w.p95_minutes, 2, 1.0),
                    w.regulator_met.map(|m| m.to_string()).unwrap_or_default(),
                    w.target_met.map(|m| m.to_string()).unwrap_or_default(),
                ]));
                s.push('\n');
            }
        }
        OutFormat::Table => {
            use std::fmt::Write;
            let st = &k.standards;
            writeln!(
                s,
                "Branch waiting times, {}. Regulator: average <= {} min and {:.0}% within {} min; utility: average <= {} min, <= {:.0}% over 40 min.",
                k.month,
                st.regulator_average_minutes,
                st.regulator_share * 100.0,
                st.regulator_max_minutes,
                st.target_average_minutes,
                st.target_over_40_share * 100.0
            )?;
            writeln!(
                s,
                "{:<10} {:<24} {:>8} {:>9} {:>9} {:>10} {:>8} {:>9} {:>7}",
                "level",
                "scope",
                "visits",
                "avg min",
                "> 40 min",
                "<= 60 min",
                "p95 min",
                "regulator",
                "target"
            )?;
            let line = |s: &mut String, level: &str, w: &WaitIndicators| {
                writeln!(
                    s,
                    "{:<10} {:<24} {:>8} {:>9} {:>9} {:>10} {:>8} {:>9} {:>7}",
                    level,
                    w.scope,
                    w.visits,
                    fixed(w.average_minutes, 1, 1.0),
                    percent(w.over_40_share),
                    percent(w.within_60_share),
                    fixed(w.p95_minutes, 1, 1.0),
                    verdict(w.regulator_met, "en"),
                    verdict(w.target_met, "en")
                )
            };
            for (level, w) in rows() {
                line(&mut s, level, w)?;
            }
            if k.network.visits == 0 {
                writeln!(
                    s,
                    "No branch visit with a waiting time in {}: no data to judge.",
                    k.month
                )?;
            }
        }
    }
    Ok(s)
}

async fn bench(
    tickets: usize,
    clerks: usize,
    postgres: Option<&str>,
    workdir: &Path,
) -> Result<()> {
    use std::fmt::Write;
    let mut md = String::new();
    let now = Timestamp::now();
    writeln!(
        md,
        "## Branches: open-now and the ticket queue, {} UTC\n",
        now.strftime("%Y-%m-%d %H:%M")
    )?;
    writeln!(
        md,
        "Machine: {}. `canali branches bench --tickets {tickets} --clerks {clerks}` (release build).\n",
        crate::bench::machine()
    )?;

    // Open-now for the whole simulated network at 10,000 instants spread over 2011.
    let net = Network::build(
        canali_sim::network::sots(),
        canali_sim::network::branches(),
        canali_sim::network::branch_events(),
        &HashMap::new(),
        &[],
        &HashMap::new(),
    )?;
    let first = date_ts(2011, 1, 1)?;
    let step = 365 * 24 * 3600 / 10_000;
    // One call first: the time zone's first conversions fill jiff's caches.
    std::hint::black_box(net.open_now(first, None));
    let mut times = Vec::with_capacity(10_000);
    let mut open_sum = 0usize;
    for i in 0..10_000i64 {
        let at = first.checked_add(jiff::SignedDuration::from_secs(i * step))?;
        let t = Instant::now();
        let rows = net.open_now(at, None);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        open_sum += rows.iter().filter(|r| r.open).count();
        std::hint::black_box(rows);
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    writeln!(
        md,
        "### Open-now, next opening and hours this week for the whole network\n"
    )?;
    writeln!(
        md,
        "| branches | instants | mean per network | median | 99th percentile | max |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    writeln!(
        md,
        "| {} | 10000 over 2011 ({:.1} open on average) | {mean:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs |\n",
        net.branches.len(),
        open_sum as f64 / 10_000.0,
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1]
    )?;

    writeln!(
        md,
        "### Ticket operations with {clerks} concurrent clerks\n"
    )?;
    writeln!(
        md,
        "Take (kiosk, with its estimate), call next, serve, close (which writes the branch contact to the ledger): four operations a ticket; 4 kiosks take tickets while the clerks work.\n"
    )?;
    writeln!(
        md,
        "| backend | tickets | operations | wall time | operations/s | served twice |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    std::fs::create_dir_all(workdir)?;
    let file = workdir.join("tickets-bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let mut urls = vec![("SQLite", format!("sqlite://{}", file.display()))];
    if let Some(pg) = postgres {
        urls.push(("PostgreSQL", pg.to_string()));
    }
    for (name, url) in urls {
        let store = std::sync::Arc::new(open(&url).await?);
        let (secs, twice) = ticket_run(&store, tickets, clerks).await?;
        store.close().await;
        writeln!(
            md,
            "| {name} | {tickets} | {} | {secs:.2} s | {:.0} | {twice} |",
            tickets * 4,
            (tickets * 4) as f64 / secs
        )?;
    }
    println!("{md}");
    Ok(())
}

fn date_ts(y: i16, m: i8, d: i8) -> Result<Timestamp> {
    Ok(jiff::civil::date(y, m, d)
        .at(0, 0, 0, 0)
        .to_zoned(ROME.clone())?
        .timestamp())
}

/// One benchmark run on a store: returns the wall time and the tickets served more than once.
async fn ticket_run(
    store: &std::sync::Arc<Store>,
    tickets: usize,
    clerks: usize,
) -> Result<(f64, usize)> {
    let branch = format!("BENCH-{}", Timestamp::now().as_microsecond());
    let cats: Vec<ServiceCategory> = [("A", 1), ("B", 1), ("P", 5)]
        .iter()
        .map(|&(c, p)| ServiceCategory {
            branch: branch.clone(),
            code: c.to_string(),
            name: format!("category {c}"),
            priority: p,
        })
        .collect();
    store.set_service_categories(&cats).await?;
    let start = Timestamp::now().as_microsecond();
    let t = Instant::now();
    let kiosks: Vec<_> = (0..4)
        .map(|k| {
            let store = store.clone();
            let branch = branch.clone();
            tokio::spawn(async move {
                for i in 0..tickets / 4 {
                    let cat = ["A", "B", "P"][(i + k) % 3];
                    canali_branches::queue::take_ticket(
                        &store,
                        &branch,
                        cat,
                        false,
                        start + (i * 4 + k) as i64,
                    )
                    .await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..clerks)
        .map(|c| {
            let store = store.clone();
            let branch = branch.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut served = Vec::new();
                loop {
                    let now = start + 60_000_000;
                    match store
                        .call_next(&branch, &c.to_string(), "bench", &[], now)
                        .await?
                    {
                        Some(t) => {
                            store.serve_ticket(t.id, now + 1).await?;
                            store.close_ticket(t.id, now + 2, None).await?;
                            served.push(t.id);
                        }
                        None if done.load(std::sync::atomic::Ordering::SeqCst) => break,
                        None => tokio::time::sleep(std::time::Duration::from_millis(1)).await,
                    }
                }
                anyhow::Ok(served)
            })
        })
        .collect();
    for k in kiosks {
        k.await??;
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await??);
    }
    let secs = t.elapsed().as_secs_f64();
    let unique: std::collections::HashSet<i64> = all.iter().copied().collect();
    if all.len() != tickets - tickets % 4 {
        bail!(
            "{} tickets served, {} taken",
            all.len(),
            tickets - tickets % 4
        );
    }
    Ok((secs, all.len() - unique.len()))
}
