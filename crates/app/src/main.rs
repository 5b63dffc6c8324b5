//! `canali`: the command line of the multichannel customer-contact platform.

mod bills_cmd;
mod branches_cmd;
mod callcenter_cmd;
mod import_cmd;
mod live;
mod logging;
mod ops_cmd;
mod requests_cmd;
mod web_cmd;

use anyhow::{Context, Result, bail};
use canali_domain::lang::Lang;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// mimalloc rather than glibc's malloc: see the note in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// canali — the multichannel customer-contact platform for utilities: five channels in one
/// ledger, the branch network, the online branch, the e-bill, and the figures management needs.
#[derive(Parser)]
#[command(name = "canali", version, about, long_about = None, arg_required_else_help = true)]
struct Cli {
    /// The database: sqlite://FILE (created when missing) or postgres://USER@HOST:PORT/DB.
    #[arg(
        long,
        global = true,
        env = "CANALI_DATABASE_URL",
        default_value = "sqlite://canali.db"
    )]
    db: String,
    /// A TOML settings file (report, branch and call-center settings; see
    /// docs/configuration.md); CANALI_* variables override it. Without this option,
    /// ./canali.toml is read when present.
    #[arg(long, global = true, env = "CANALI_CONFIG")]
    config: Option<PathBuf>,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// The log on standard error: text, or json (one object a line); the level comes from
    /// CANALI_LOG (e.g. debug, or warn,canali=info).
    #[arg(
        long,
        global = true,
        env = "CANALI_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: logging::LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate the demo utility into ./canali-demo.db and print its 2011 channel report.
    Demo {
        /// Size of the utility: 1 is full size (about 3.5 million contacts in 2011).
        #[arg(long, default_value_t = DEMO_SCALE, value_parser = scale)]
        scale: f64,
        /// The seed of the simulation: the same seed gives the same utility.
        #[arg(long, default_value_t = 2011)]
        seed: u64,
        /// The demo database (replaced at every run).
        #[arg(long, default_value = "canali-demo.db")]
        file: PathBuf,
        /// The language of the printed report: it or en.
        #[arg(long, default_value = "it", value_parser = lang())]
        lang: Lang,
        /// Stop after the report instead of serving the demo on the web.
        #[arg(long)]
        no_serve: bool,
        /// Where to serve the demo (the `[web]` settings' `bind` otherwise).
        #[arg(long)]
        bind: Option<String>,
        /// Serve the 2010-2011 history only: no living utility (calls, tickets, online-branch
        /// actions and letters arriving now, this month filled up to today).
        #[arg(long)]
        no_live: bool,
        /// Run the living utility this many times faster than real time (1 to 3600), to watch
        /// a day go by in minutes or to measure what a day costs. Above 1 its clock runs ahead
        /// of the pages' "today", which follows the real one.
        #[arg(long, default_value_t = 1.0, value_parser = live_speed)]
        live_speed: f64,
    },
    /// Serve the online branch, the operator console and the API (settings: `[web]`).
    Serve {
        /// Address and port to listen on (the `[web]` settings' `bind` otherwise).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Console users: add, list, disable.
    #[command(subcommand)]
    User(web_cmd::UserCommand),
    /// Online-branch logins made on a customer's behalf.
    #[command(subcommand)]
    Portal(web_cmd::PortalCommand),
    /// API tokens for integrators: create, list, revoke.
    #[command(subcommand)]
    Token(web_cmd::TokenCommand),
    /// Create or upgrade the database schema.
    Migrate,
    /// Copy a SQLite database to FILE while canali runs (consistent, checked); for PostgreSQL
    /// see docs/operations.md (pg_dump, pg_basebackup).
    Backup {
        /// The backup file to write (it must not exist yet).
        #[arg(long)]
        to: PathBuf,
    },
    /// The settings: `config check` prints the effective ones with secrets masked.
    #[command(subcommand)]
    Config(ops_cmd::ConfigCommand),
    /// Load data into the ledger.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a synthetic utility, calibrated to the 2011 reference figures, into the database.
    Simulate {
        /// First day simulated (YYYY-MM-DD).
        #[arg(long, default_value = "2010-01-01")]
        from: jiff::civil::Date,
        /// Last day simulated (YYYY-MM-DD).
        #[arg(long, default_value = "2011-12-31")]
        to: jiff::civil::Date,
        /// Size of the utility: 1 is full size.
        #[arg(long, default_value_t = 1.0, value_parser = scale)]
        scale: f64,
        /// The seed: the same seed gives the same utility.
        #[arg(long, default_value_t = 2011)]
        seed: u64,
    },
    /// The yearly channel report: every figure of the sustainability report's page.
    Report {
        /// The year reported (compared with the year before), 1971 to 2100.
        #[arg(long, value_parser = clap::value_parser!(i16).range(1971..=2100))]
        year: i16,
        /// md (Markdown), html (one page with charts), json (docs/report.md) or csv (the
        /// tables; with --output, one file per table: OUTPUT-STEM_TABLE.csv).
        #[arg(long, value_enum, default_value = "md")]
        format: ReportFormat,
        /// The report's language: it (Italian) or en (English).
        #[arg(long, default_value = "it", value_parser = lang())]
        lang: Lang,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Maintain the rollups.
    #[command(subcommand)]
    Rollup(RollupCommand),
    /// The branch network: registry, opening hours, ticket queue, material campaigns.
    #[command(subcommand)]
    Branches(branches_cmd::BranchesCommand),
    /// Monthly indicators (branches: waiting times against the regulator's standards).
    #[command(subcommand)]
    Kpi(KpiCommand),
    /// Call-center staffing (Erlang C): agents for one interval, or `staff plan` for a week.
    Staff(callcenter_cmd::StaffArgs),
    /// The electronic bill: import, PDF, the month's dispatch by e-mail or print, enrolment.
    #[command(subcommand)]
    Bills(bills_cmd::BillsCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Contacts of any channel from CSV (with a header row) or JSON lines; see docs/import.md.
    Contacts {
        /// The file to import: CSV with a header row, or JSON lines.
        file: PathBuf,
        /// The source the external ids belong to (default: the file name; for a rejects file,
        /// the file it came from, so fixed lines join their original's contacts).
        #[arg(long)]
        source: Option<String>,
        /// The file's format (default: by extension, else by its first character).
        #[arg(long, value_enum)]
        format: Option<canali_import::Format>,
        /// Contacts written per transaction.
        #[arg(long, default_value_t = canali_import::DEFAULT_BATCH_SIZE)]
        batch_size: usize,
        /// Where the rejected lines go (default: beside the input, NAME.rejects.EXT).
        #[arg(long)]
        rejects: Option<PathBuf>,
    },
    /// Calls from an Asterisk queue_log, once or following the live file; see
    /// docs/callcenter.md.
    QueueLog(callcenter_cmd::QueueLogArgs),
    /// Call-center line occupancy (CSV `line,start,end,channels,busy`), for the AS indicator;
    /// see docs/callcenter.md.
    TrunkOccupancy(callcenter_cmd::OccupancyArgs),
}

#[derive(Subcommand)]
enum KpiCommand {
    #[command(flatten)]
    Branches(branches_cmd::KpiCommand),
    /// The call-center lines: offered, answered, abandoned, TMA, LS, over 2 minutes, against
    /// the standards in force (see docs/callcenter.md).
    CallCenter(callcenter_cmd::KpiArgs),
    /// Written requests of a year per kind: answered on time, late, open past the deadline,
    /// the compensation owed, and the regulator's yearly share on time (see docs/web.md).
    Requests(requests_cmd::RequestsKpiArgs),
}

#[derive(Subcommand)]
enum RollupCommand {
    /// Recompute the contact rollups (daily and monthly) from the raw ledger.
    Rebuild,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Md,
    Html,
    Json,
    Csv,
}

/// The `--lang` of the report commands: `it` or `en`, parsed into the one [`Lang`].
fn lang() -> impl clap::builder::TypedValueParser<Value = Lang> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(["it", "en"])
        .map(|code| Lang::from_code(&code).expect("a possible value"))
}

/// The demo's default size: the full-size utility (about two minutes and 0.85 GiB on two cores;
/// see docs/benchmarks.md). `--scale 0.1` is a quick look.
const DEMO_SCALE: f64 = 1.0;

fn main() -> ExitCode {
    restore_sigpipe();
    let mut cli = Cli::parse();
    // A settings file named explicitly must exist; the default one is optional.
    let config = match cli.config.take() {
        Some(path) if !path.is_file() => {
            eprintln!("error: the settings file {} does not exist", path.display());
            return ExitCode::from(2);
        }
        Some(path) => path,
        None => PathBuf::from("canali.toml"),
    };
    cli.config = Some(config);
    logging::init(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", sentence(&e));
            ExitCode::from(1)
        }
    }
}

/// Output piped into `head` ends quietly, as for any Unix tool, instead of a panic on a
/// broken pipe (Rust ignores SIGPIPE by default).
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A database URL fit to print: the password, if any, replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(p)));
    let Some((credentials, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let user = credentials.split(':').next().unwrap_or("");
    let masked = if credentials.contains(':') {
        format!("{user}:***")
    } else {
        user.to_string()
    };
    match path {
        Some(p) => format!("{scheme}://{masked}@{host}/{p}"),
        None => format!("{scheme}://{masked}@{host}"),
    }
}

/// The error and its causes in one line, each cause once: database errors repeat their
/// source's text in their own.
fn sentence(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

async fn open(url: &str) -> Result<canali_store::Store> {
    let store = canali_store::Store::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", redacted(url)))?;
    store
        .migrate()
        .await
        .context("cannot bring the schema up to date")?;
    Ok(store)
}

/// One table of the settings file (`[report]`, `[branches]`, `[callcenter]`): its defaults,
/// then the TOML file when present, then `CANALI_<TABLE>__<KEY>` variables (`__` nests).
pub(crate) fn settings_table<T>(config: &Path, table: &str) -> Result<T>
where
    T: Default + serde::Serialize + serde::de::DeserializeOwned,
{
    use figment::providers::{Env, Format, Serialized, Toml};
    let prefix = format!("{table}__");
    figment::Figment::from(Serialized::defaults(T::default()).key(table))
        .merge(Toml::file(config))
        .merge(
            Env::prefixed("CANALI_")
                .filter(move |k| k.as_str().to_ascii_lowercase().starts_with(&prefix))
                .split("__"),
        )
        .extract_inner(table)
        .with_context(|| {
            format!(
                "the [{table}] settings (file {} and CANALI_{}__ variables) are not valid",
                config.display(),
                table.to_ascii_uppercase()
            )
        })
}

fn settings(config: &Path) -> Result<canali_report::ReportSettings> {
    let r: canali_report::ReportSettings = settings_table(config, "report")?;
    if r.co2_grams_per_bill < 0.0
        || r.co2_grams_per_sheet < 0.0
        || r.sheets_per_bill < 0
        || r.km_per_branch_trip < 0.0
        || r.co2_grams_per_km < 0.0
    {
        bail!(
            "the report's CO2 factors, sheets per bill and km per trip cannot be negative \
             (settings in {})",
            config.display()
        );
    }
    if !(0.0..=1.0).contains(&r.web_contact_trip_share) {
        bail!(
            "report.web_contact_trip_share is {}: it is a share from 0 to 1 (settings in {})",
            r.web_contact_trip_share,
            config.display()
        );
    }
    Ok(r)
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let progress = !cli.quiet;
    match cli.command {
        Command::Serve { bind } => {
            let config = cli.config.as_deref().expect("set in main");
            web_cmd::serve(&cli.db, config, bind, None).await?;
        }
        Command::User(cmd) => {
            let store = open(&cli.db).await?;
            let result = web_cmd::user(&store, cmd).await;
            store.close().await;
            result?;
        }
        Command::Portal(cmd) => {
            let store = open(&cli.db).await?;
            let result = web_cmd::portal(&store, cmd).await;
            store.close().await;
            result?;
        }
        Command::Token(cmd) => {
            let store = open(&cli.db).await?;
            let result = web_cmd::token(&store, cmd).await;
            store.close().await;
            result?;
        }
        Command::Backup { to } => return ops_cmd::backup(&cli.db, &to, progress).await,
        Command::Config(ops_cmd::ConfigCommand::Check) => {
            return ops_cmd::check(&cli.db, cli.config.as_deref().expect("set in main"));
        }
        Command::Migrate => {
            let store = canali_store::Store::connect(&cli.db).await?;
            let report = store.migrate().await?;
            if report.applied.is_empty() {
                println!("The schema is up to date (version {}).", report.current);
            }
            for (v, name) in report.applied {
                println!("Applied migration {v} ({name}).");
            }
            store.close().await;
        }
        Command::Import(ImportCommand::Contacts {
            file,
            source,
            format,
            batch_size,
            rejects,
        }) => {
            let store = open(&cli.db).await?;
            let opts = canali_import::ImportOptions {
                source,
                format,
                batch_size,
                rejects,
            };
            let summary = import_cmd::import_contacts(&store, &file, &opts, progress).await?;
            store.close().await;
            print!("{summary}");
            return Ok(ExitCode::from(summary.exit_code() as u8));
        }
        Command::Simulate {
            from,
            to,
            scale,
            seed,
        } => {
            if from > to {
                bail!("--from {from} is after --to {to}");
            }
            let store = open(&cli.db).await?;
            let summary = simulate(&store, from, to, scale, seed, progress).await?;
            store.close().await;
            println!("{summary}");
        }
        Command::Report {
            year,
            format,
            lang,
            output,
        } => {
            let store = open(&cli.db).await?;
            let settings = settings(cli.config.as_deref().expect("set in main"))?;
            let report = canali_report::build(&store, year, &settings).await?;
            store.close().await;
            match (format, output) {
                (ReportFormat::Csv, Some(path)) => {
                    // One file per table: PATH's stem, the table's name, .csv.
                    let stem = path.with_extension("");
                    for table in canali_report::render_csv(&report, lang)? {
                        let file = PathBuf::from(format!("{}_{}.csv", stem.display(), table.name));
                        std::fs::write(&file, &table.csv)
                            .with_context(|| format!("cannot write {}", file.display()))?;
                        eprintln!("Table written to {}.", file.display());
                    }
                }
                (_, Some(path)) => {
                    let text = render(&report, format, lang)?;
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Report written to {}.", path.display());
                }
                (_, None) => print!("{}", render(&report, format, lang)?),
            }
        }
        Command::Rollup(RollupCommand::Rebuild) => {
            let store = open(&cli.db).await?;
            let t = Instant::now();
            let counted = store.ledger().rebuild_rollups().await?;
            store.close().await;
            println!(
                "Rollups rebuilt from {counted} contacts in {:.1} s.",
                t.elapsed().as_secs_f64()
            );
        }
        Command::Demo {
            scale,
            seed,
            file,
            lang,
            no_serve,
            bind,
            no_live,
            live_speed,
        } => {
            demo(
                DemoArgs {
                    scale,
                    seed,
                    file,
                    lang,
                    progress,
                    serve: (!no_serve).then_some(bind),
                    live: (!no_live).then_some(live_speed),
                },
                cli.config.as_deref().expect("set in main"),
            )
            .await?
        }
        Command::Branches(cmd) => return branches_cmd::run(&cli.db, cmd).await,
        Command::Bills(cmd) => {
            let config = cli.config.as_deref().expect("set in main");
            return bills_cmd::run(&cli.db, config, progress, cmd).await;
        }
        Command::Kpi(KpiCommand::Branches(cmd)) => {
            return branches_cmd::run_kpi(
                &cli.db,
                cli.config.as_deref().expect("set in main"),
                cmd,
            )
            .await;
        }
        Command::Kpi(KpiCommand::Requests(args)) => {
            requests_cmd::run(&cli.db, cli.config.as_deref().expect("set in main"), args).await?
        }
        Command::Kpi(KpiCommand::CallCenter(args)) => {
            callcenter_cmd::kpi(&cli.db, cli.config.as_deref().expect("set in main"), args).await?
        }
        Command::Import(ImportCommand::TrunkOccupancy(args)) => {
            return callcenter_cmd::import_occupancy(&cli.db, args).await;
        }
        Command::Import(ImportCommand::QueueLog(args)) => {
            return callcenter_cmd::import(
                &cli.db,
                cli.config.as_deref().expect("set in main"),
                args,
                progress,
            )
            .await;
        }
        Command::Staff(args) => callcenter_cmd::staff(&cli.db, args).await?,
    }
    Ok(ExitCode::SUCCESS)
}

fn render(report: &canali_report::YearReport, format: ReportFormat, lang: Lang) -> Result<String> {
    Ok(match format {
        ReportFormat::Md => canali_report::render_markdown(report, lang),
        ReportFormat::Html => canali_report::render_html(report, lang)?,
        ReportFormat::Json => canali_report::render_json(report)?,
        // On standard output the tables follow each other, each after a `# table: NAME` line.
        ReportFormat::Csv => canali_report::render_csv(report, lang)?
            .into_iter()
            .map(|t| format!("# table: {}\n{}\n", t.name, t.csv))
            .collect(),
    })
}

async fn simulate(
    store: &canali_store::Store,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    scale: f64,
    seed: u64,
    progress: bool,
) -> Result<canali_sim::SimSummary> {
    let cfg = canali_sim::SimConfig {
        from,
        to,
        scale,
        seed,
        progress,
    };
    // Every ingest keeps the calls rollup behind `canali kpi call-center` in step, the
    // simulated calls included.
    Ok(canali_sim::simulate(store, &cfg).await?)
}

/// What `canali demo` was asked for.
struct DemoArgs {
    scale: f64,
    seed: u64,
    file: PathBuf,
    lang: Lang,
    progress: bool,
    /// Serve after the report (on this address, or the settings' one).
    serve: Option<Option<String>>,
    /// Keep the utility running now while serving, at this speed.
    live: Option<f64>,
}

/// A simulation's size: above 0, at most 10 times the full-size utility.
fn scale(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s} is not a number: give a scale above 0 and at most 10"))?;
    if v > 0.0 && v <= 10.0 {
        Ok(v)
    } else {
        Err(format!(
            "{v} is out of range: give a scale above 0 and at most 10"
        ))
    }
}

fn live_speed(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s} is not a number: give a speed from 1 to 3600"))?;
    if (1.0..=3600.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is out of range: give a speed from 1 to 3600"))
    }
}

/// The README's first command: a fresh demo utility, its 2011 report printed, the HTML beside;
/// then, unless told otherwise, the web served with the utility living on.
async fn demo(args: DemoArgs, config: &Path) -> Result<()> {
    let DemoArgs {
        scale,
        seed,
        ref file,
        lang,
        progress,
        ..
    } = args;
    if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html"))
    {
        bail!(
            "--file {} would be overwritten by the HTML report: give the database another name",
            file.display()
        );
    }
    let started = Instant::now();
    let queue_log = file.with_extension("queue_log");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let _ = std::fs::remove_file(&queue_log);
    let url = format!("sqlite://{}", file.display());
    let store = open(&url).await?;
    eprintln!(
        "Simulating the utility at scale {scale} (seed {seed}) into {}...",
        file.display()
    );
    let cfg = canali_sim::SimConfig {
        from: jiff::civil::date(2010, 1, 1),
        to: jiff::civil::date(2011, 12, 31),
        scale,
        seed,
        progress,
    };
    // The search indexes are built last: while serving when the demo serves, so that the
    // report and the server come first.
    let summary = canali_sim::simulate_leaving_indexes(&store, &cfg).await?;
    eprintln!("{summary}");
    let settings = settings(config)?;
    let report = canali_report::build(&store, 2011, &settings).await?;
    let logins = web_cmd::demo_logins(&store).await?;
    print!("{}", render(&report, ReportFormat::Md, lang)?);
    let html = file.with_extension("html");
    std::fs::write(&html, render(&report, ReportFormat::Html, lang)?)?;
    println!();
    println!("HTML report with charts: {}", html.display());
    println!("Database: {url} — try `canali --db {url} report --year 2011 --format json`.");
    println!(
        "Report ready in {:.1} s; peak memory {}.",
        started.elapsed().as_secs_f64(),
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    let Some(bind) = args.serve else {
        eprintln!("Building the search indexes...");
        store.ops().build_secondary_indexes().await?;
        store.close().await;
        println!(
            "Done in {:.1} s; peak memory {}.",
            started.elapsed().as_secs_f64(),
            peak_memory().unwrap_or_else(|| "unknown".into())
        );
        return Ok(());
    };
    store.close().await;
    let live = args.live.map(|speed| live::LiveSettings {
        seed,
        scale,
        queue_log,
        callcenter: canali_callcenter::CallCenterSettings::default(),
        standards: canali_domain::service::default_reply_standards(),
        backfill: true,
        clock: live::Clock::from_now(speed),
    });
    let demo = web_cmd::DemoServe {
        logins,
        build_indexes: true,
        live,
    };
    web_cmd::serve(&url, config, bind, Some(demo)).await
}

/// The process's peak resident memory, from /proc (Linux).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(format!("{:.0} MiB", kb / 1024.0))
}
