//! `canali bills ...`: the electronic bill (docs/billing.md) — import the billing system's
//! bills, render a bill's PDF, run the month's dispatch by e-mail and print batch, register
//! e-bill switches (including the paper form's code).

use anyhow::{Context, Result, bail};
use canali_billing::dispatch::{DispatchSettings, dispatch, month_days};
use canali_billing::{BillDocument, BillRenderer};
use canali_domain::Day;
use canali_domain::network::EbillPath;
use canali_store::{EbillEvent, Store};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum BillsCommand {
    /// Import bills (JSON lines or CSV; see docs/billing.md): every amount is checked, a bill
    /// that does not add up is refused with the reason and its line.
    Import { file: PathBuf },
    /// The billing run of a month: e-mail (SMTP, settings [billing]) or print batch. Restartable:
    /// a stopped run started again sends nothing twice and misses nothing.
    Dispatch {
        /// The month of issue, YYYY-MM.
        #[arg(long)]
        issued: String,
        /// SMTP server host (overrides [billing] smtp.host).
        #[arg(long)]
        smtp_host: Option<String>,
        /// SMTP server port (overrides [billing] smtp.port).
        #[arg(long)]
        smtp_port: Option<u16>,
        /// Folder for the print batches and manifest (overrides [billing] print_dir).
        #[arg(long)]
        print_dir: Option<PathBuf>,
        /// An edited bill layout (.toml) or typst template (.typ, in a build with the typst
        /// feature); the built-in layout otherwise (overrides [billing] template).
        #[arg(long)]
        template: Option<PathBuf>,
        /// Serve Prometheus /metrics of this run on this address, e.g. 127.0.0.1:9189 (bills
        /// sent, printed and failed; see docs/operations.md).
        #[arg(long)]
        metrics_bind: Option<String>,
    },
    /// The deliveries of a month's run by state.
    Status {
        #[arg(long)]
        issued: String,
    },
    /// Write one bill's PDF (the e-mail version; --paper for the printed one).
    Pdf {
        #[arg(long)]
        bill: i64,
        #[arg(long)]
        paper: bool,
        /// An edited bill layout (.toml) or typst template (.typ, in a build with the typst
        /// feature); the built-in layout otherwise.
        #[arg(long)]
        template: Option<PathBuf>,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Write the built-in bill layout (or with --typst the typst template) to a file, to edit
    /// it and use it with --template or [billing] template.
    Template {
        /// The typst template instead of the layout file.
        #[arg(long)]
        typst: bool,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Switch a customer to the e-bill (or back to paper with --withdraw): by customer code or by
    /// the code of the form attached to the paper bill.
    Enrol {
        /// The customer code.
        #[arg(long, conflicts_with = "form")]
        customer: Option<String>,
        /// The e-bill form code printed on the paper bill (path paper_bill_form by default).
        #[arg(long)]
        form: Option<String>,
        /// contract_signing, paper_bill_form, online_branch, call_center or branch.
        #[arg(long)]
        path: Option<String>,
        /// The day of the switch (today by default).
        #[arg(long)]
        day: Option<jiff::civil::Date>,
        /// Back to paper.
        #[arg(long)]
        withdraw: bool,
        /// Set the customer's e-mail address too.
        #[arg(long)]
        email: Option<String>,
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

fn path_of(s: &str) -> Result<EbillPath> {
    EbillPath::ALL
        .iter()
        .copied()
        .find(|p| p.name() == s)
        .with_context(|| {
            format!(
                "unknown path '{s}': contract_signing, paper_bill_form, online_branch, \
                 call_center or branch"
            )
        })
}

pub async fn run(db: &str, config: &Path, progress: bool, cmd: BillsCommand) -> Result<ExitCode> {
    if let BillsCommand::Template { typst, output } = cmd {
        let text = if typst {
            canali_billing::pdf::DEFAULT_TEMPLATE
        } else {
            canali_billing::layout::DEFAULT_LAYOUT
        };
        std::fs::write(&output, text)
            .with_context(|| format!("cannot write {}", output.display()))?;
        println!(
            "the built-in {} written to {}; edit it, then try it with `canali bills pdf --bill ID \
             --template {}`",
            if typst {
                "typst template"
            } else {
                "bill layout"
            },
            output.display(),
            output.display()
        );
        if typst && !canali_billing::pdf::TYPST {
            eprintln!("note: {}", canali_billing::pdf::WITHOUT_TYPST);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings: DispatchSettings = crate::settings_table(config, "billing")?;
    let store = open(db).await?;
    let r = run_on(&store, &mut settings, progress, cmd).await;
    store.close().await;
    r
}

async fn run_on(
    store: &Store,
    settings: &mut DispatchSettings,
    progress: bool,
    cmd: BillsCommand,
) -> Result<ExitCode> {
    match cmd {
        BillsCommand::Import { file } => {
            let out = canali_billing::import::import_file(store, &file).await?;
            for r in &out.refused {
                eprintln!(
                    "refused: line {}{}: {}",
                    r.line,
                    r.bill.map(|b| format!(" (bill {b})")).unwrap_or_default(),
                    r.reason
                );
            }
            println!(
                "{} bills read: {} imported ({} by e-mail, {} on paper), {} already there, {} refused",
                out.read,
                out.imported,
                out.email,
                out.paper,
                out.duplicates,
                out.refused.len()
            );
            if !out.refused.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        BillsCommand::Dispatch {
            issued,
            smtp_host,
            smtp_port,
            print_dir,
            template,
            metrics_bind,
        } => {
            let (from, to) = month_days(&issued)?;
            crate::ops_cmd::metrics_listener(metrics_bind.as_deref()).await?;
            if let Some(h) = smtp_host {
                settings.smtp.host = h;
            }
            if let Some(p) = smtp_port {
                settings.smtp.port = p;
            }
            if let Some(d) = print_dir {
                settings.print_dir = d;
            }
            if template.is_some() {
                settings.template = template;
            }
            let bar = if progress {
                indicatif::ProgressBar::new(0)
            } else {
                indicatif::ProgressBar::hidden()
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:40}] {pos}/{len} bills ({per_sec}, {eta})",
                )
                .expect("a template")
                .progress_chars("=> "),
            );
            // Ctrl-C or SIGTERM stops the run cleanly: the mails in flight are settled and
            // recorded, and the same command resumes it.
            let stop = canali_billing::dispatch::stop_on_signals()?;
            let s = dispatch(
                store,
                from,
                to,
                settings,
                &|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
                &stop,
            )
            .await?;
            bar.finish_and_clear();
            println!(
                "billing run {}..{}: {} bills; {} e-mails sent, {} fallen back to paper \
                 ({} temporary failures retried), {} printed in {} batches ({} pages){}; \
                 {} in flight at a previous stop sent again; {:.1} s",
                s.from,
                s.to,
                s.counts.total,
                s.emails_sent,
                s.counts.fallen_back,
                s.temporary_failures,
                s.printed,
                s.print_batches,
                s.printed_pages,
                s.manifest
                    .as_ref()
                    .map(|m| format!(", manifest {}", m.display()))
                    .unwrap_or_default(),
                s.in_doubt,
                s.seconds
            );
            if !s.possible_duplicates.is_empty() {
                let bills: Vec<String> = s.possible_duplicates.iter().map(i64::to_string).collect();
                println!(
                    "{} possible duplicates: the mails of bills {} had gone to the SMTP server \
                     when the previous run stopped, unrecorded; sent again with the same \
                     Message-ID, they may arrive twice",
                    s.possible_duplicates.len(),
                    bills.join(", ")
                );
            }
            println!(
                "month so far: {} sent by e-mail, {} printed, {} pending",
                s.counts.sent,
                s.counts.printed,
                s.counts.pending + s.counts.failed_temporary + s.counts.sending + s.counts.printing
            );
            if s.stopped {
                eprintln!(
                    "The run was stopped before the end: run `canali bills dispatch --issued \
                     {issued}` again to send the rest (nothing is sent twice)."
                );
                return Ok(ExitCode::from(3));
            }
        }
        BillsCommand::Status { issued } => {
            let (from, to) = month_days(&issued)?;
            let c = store.billing().delivery_counts(from, to).await?;
            println!("{}", serde_json::to_string_pretty(&c)?);
        }
        BillsCommand::Pdf {
            bill,
            paper,
            template,
            output,
        } => {
            let docs = store.billing().bill_documents(&[bill]).await?;
            let Some(d) = docs.first() else {
                bail!("there is no bill {bill}");
            };
            let doc = BillDocument::new(d, paper)?;
            let r = BillRenderer::for_template(
                template.or(settings.template.clone()).as_deref(),
                settings.company.clone(),
            )?;
            let pdf = r.render(&[&doc])?;
            std::fs::write(&output, &pdf.pdf)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "bill {bill}: {} page(s), {} bytes, written to {}",
                pdf.pages[0],
                pdf.pdf.len(),
                output.display()
            );
        }
        BillsCommand::Enrol {
            customer,
            form,
            path,
            day,
            withdraw,
            email,
        } => {
            let (id, default_path) = match (customer, form) {
                (Some(code), None) => {
                    let (found, _) = store
                        .billing()
                        .resolve_bill_keys(std::slice::from_ref(&code), &[])
                        .await?;
                    let id = *found
                        .get(&code)
                        .with_context(|| format!("no customer with code {code}"))?;
                    (id, None)
                }
                (None, Some(f)) => {
                    let id = canali_billing::form::parse_form_code(&f).with_context(|| {
                        format!("'{f}' is not a valid e-bill form code (e.g. EB-2K7Q-M)")
                    })?;
                    (id, Some(EbillPath::PaperBillForm))
                }
                _ => bail!("give --customer CODE or --form CODE"),
            };
            let path = match path {
                Some(p) => path_of(&p)?,
                None => default_path.context("give --path (how the customer asked)")?,
            };
            let day = day.map_or_else(
                || Day::of_micros(jiff::Timestamp::now().as_microsecond()),
                Day::from_date,
            );
            if let Some(e) = &email {
                store.customers().set_email(id, Some(e)).await?;
            }
            let n = store
                .insert_ebill_events(&[EbillEvent {
                    customer_id: id,
                    day,
                    path,
                    enrolled: !withdraw,
                }])
                .await?;
            println!(
                "customer {id}: {} on {} by {}{}",
                if withdraw {
                    "back to paper"
                } else {
                    "on the e-bill"
                },
                day.date(),
                path.name(),
                if n == 0 { " (already recorded)" } else { "" }
            );
        }
        BillsCommand::Template { .. } => {
            unreachable!("handled before opening the store")
        }
    }
    Ok(ExitCode::SUCCESS)
}
