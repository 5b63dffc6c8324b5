//! `canali branches ...` and `canali kpi branches`: the branch registry, opening hours, the ticket
//! queue, material campaigns and the branch waiting-time indicators (see docs/branches.md).

use anyhow::{Context, Result, bail};
use canali_branches::Network;
use canali_domain::lang::Lang;
use canali_domain::network::BranchKind;
use canali_domain::{Day, ROME, Reason};
use canali_store::Store;
use canali_store::tickets::{ServiceCategory, Ticket};
use clap::{Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

mod campaign;
mod kpi;
mod registry;

use campaign::campaign;
pub use kpi::run_kpi;
use registry::{import, near_point, render_list, render_open_now};

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
}

/// The language of the ticket statuses printed, each value with its name in that language.
fn label_lang() -> impl clap::builder::TypedValueParser<Value = Lang> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("it").help("Italiano"),
        PossibleValue::new("en").help("English"),
    ])
    .map(|code| Lang::from_code(&code).expect("a possible value"))
}

#[derive(clap::Args)]
pub struct TicketArgs {
    /// The language of the ticket statuses printed: it (Italian) or en (English).
    #[arg(long, value_parser = label_lang(), global = true, default_value = "en")]
    lang: Lang,
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
    // Said here in the command's words (the store answers only "not found").
    if !store
        .figures()
        .branches()
        .await?
        .iter()
        .any(|b| b.code == branch)
    {
        bail!("there is no branch {branch}: check the code with `canali branches list`");
    }
    if revoke {
        if store.network().revoke_kiosk(branch, &by, now).await? {
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
            store.tickets().set_service_categories(&rows).await?;
            for c in store.tickets().service_categories(&branch).await? {
                println!("{} {:>3}  {}", c.code, c.priority, c.name);
            }
            Ok(())
        }
        BranchesCommand::Ticket(t) => ticket(store, t.command, t.lang).await,
        BranchesCommand::Campaign(c) => campaign(store, c).await,
        BranchesCommand::KioskKey {
            branch,
            base_url,
            revoke,
        } => kiosk_key(store, &branch, &base_url, revoke).await,
    }
}

fn print_ticket(t: &Ticket, lang: Lang) {
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

async fn ticket(store: &Store, cmd: TicketCommand, lang: Lang) -> Result<()> {
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
            print_ticket(&store.tickets().check_in(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::Call {
            branch,
            counter,
            clerk,
            categories,
            at,
        } => match store
            .tickets()
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
            print_ticket(&store.tickets().recall(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::NoShow { id, at } => {
            print_ticket(&store.tickets().no_show(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::Serve { id, at } => {
            print_ticket(&store.tickets().serve(id, micros(at.as_deref())?).await?)
        }
        TicketCommand::Close { id, reason, at } => print_ticket(
            &store
                .tickets()
                .close(id, micros(at.as_deref())?, reason)
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
            let tickets = store.tickets().between(Some(&branch), day, day).await?;
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
