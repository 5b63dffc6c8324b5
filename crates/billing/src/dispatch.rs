//! The billing run: `canali bills dispatch --issued 2011-11`. Each bill issued in the month goes
//! by the delivery its customer had chosen on the issue date: e-mail (PDF attached, or a link to
//! the online branch) through SMTP with pooled connections, or paper, into print batches (PDF
//! files sorted for postage) with a CSV manifest.
//!
//! Never twice, never lost: every bill gets a delivery record before anything is sent; e-mail
//! deliveries are claimed in a transaction before sending and marked sent as soon as the SMTP
//! server accepted the message; a print batch is reserved (its bills and file name recorded)
//! before its file is written and marked printed after. A run started again after a stop or a
//! crash resumes from the records: sent bills are not sent again, a half-written batch is
//! written again with the same bills, and the few e-mails that were in flight at the crash are
//! sent again with the same Message-ID (see docs/billing.md, "the one window"). At most one
//! message per SMTP connection is in flight (mails at once are capped at the pool's
//! connections), each is logged as `transmitting` before it goes to the server, and the next
//! run reports those of them the crash left unrecorded as possible duplicates.

use crate::document::BillDocument;
use crate::pdf::BillRenderer;
use crate::{BillingError, Result};
use canali_domain::Day;
use canali_store::Store;
use canali_store::billing_store::{BillForDocument, Claimed, DeliveryCounts};
use futures::StreamExt;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use canali_mail::{SmtpSecurity, SmtpSettings};

/// The run's settings (`[billing]` in the settings file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DispatchSettings {
    pub smtp: SmtpSettings,
    /// The sender of the bill mails.
    pub from: String,
    /// Attach the PDF (true) or send a link to the online branch (false).
    pub attach_pdf: bool,
    /// The online branch's bill page; `{id}` is replaced by the bill number.
    pub link: String,
    /// Where the print batches and the manifest are written.
    pub print_dir: PathBuf,
    /// Bills per print batch file.
    pub print_batch: i64,
    /// E-mail deliveries claimed per transaction.
    pub claim: i64,
    /// Mails rendered and sent at once.
    pub concurrency: usize,
    /// Attempts of a temporarily failing mail before the bill goes on paper.
    pub max_attempts: i64,
    /// The first retry waits this long, each next one twice as long (up to `backoff_max_ms`).
    pub backoff_ms: u64,
    pub backoff_max_ms: u64,
    /// An edited bill layout (`.toml`) or typst template (`.typ`); the built-in layout
    /// otherwise.
    pub template: Option<PathBuf>,
    pub company: crate::Company,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            smtp: SmtpSettings::default(),
            from: "Bollette Canali <bollette@canali.example>".into(),
            attach_pdf: true,
            link: "http://localhost:8080/online/bills/{id}".into(),
            print_dir: PathBuf::from("print"),
            print_batch: 100,
            claim: 64,
            concurrency: 8,
            max_attempts: 6,
            backoff_ms: 30_000,
            backoff_max_ms: 30 * 60_000,
            template: None,
            company: crate::Company::default(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunSummary {
    pub from: String,
    pub to: String,
    /// Delivery records created by this run (0 when resuming a run already planned).
    pub planned: u64,
    /// E-mails claimed by a stopped run and sent again.
    pub in_doubt: u64,
    /// Of those, the bills whose message had gone to the SMTP server when the last run
    /// stopped (crashed) and was never recorded: the server may have accepted it, so the
    /// customer may get it twice (with the same Message-ID).
    pub possible_duplicates: Vec<i64>,
    pub emails_sent: u64,
    pub temporary_failures: u64,
    pub fallbacks: u64,
    pub print_batches: u64,
    pub printed: u64,
    pub printed_pages: u64,
    pub manifest: Option<PathBuf>,
    pub seconds: f64,
    /// The records of the month at the end of the run.
    pub counts: DeliveryCounts,
    /// Asked to stop (SIGINT/SIGTERM): the mails in flight were settled and recorded, and
    /// the run ended early; the same command resumes it.
    pub stopped: bool,
}

/// The days of a month `YYYY-MM`.
pub fn month_days(month: &str) -> Result<(Day, Day)> {
    let bad = || BillingError::Invalid(format!("'{month}' is not a month: write YYYY-MM"));
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    let (y, m): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let first = jiff::civil::Date::new(y, m, 1).map_err(|_| bad())?;
    Ok((Day::from_date(first), Day::from_date(first.last_of_month())))
}

fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// The Message-ID of a bill's mail: the same at every attempt, so a mail sent again after a
/// crash is recognisably the same message.
pub fn message_id(bill: i64) -> String {
    format!("<bill-{bill}@canali.invalid>")
}

enum Outcome {
    Sent(String),
    Temporary(String),
    /// Why, and the customer and address to flag (none for a missing address).
    Permanent(String, Option<(i64, String)>),
}

/// Runs (or resumes) the billing run of the bills issued in `from..=to`. `progress` is told
/// the bills settled so far and the bills of the run. Once `stop` is set, the run claims no
/// more mails and starts no more print batches: what is in flight is settled and recorded, so
/// a stopped run resumed later sends nothing twice.
pub async fn dispatch(
    store: &Store,
    from: Day,
    to: Day,
    settings: &DispatchSettings,
    progress: &(dyn Fn(u64, u64) + Sync),
    stop: &AtomicBool,
) -> Result<RunSummary> {
    let started = Instant::now();
    let renderer = Arc::new(BillRenderer::for_template(
        settings.template.as_deref(),
        settings.company.clone(),
    )?);
    let mut summary = RunSummary {
        from: from.date().to_string(),
        to: to.date().to_string(),
        ..RunSummary::default()
    };
    // Which of the mails left in flight had reached the server, before they are released.
    summary.possible_duplicates = store.billing().transmitting_in_flight(from, to).await?;
    summary.in_doubt = store
        .billing()
        .release_in_flight(from, to, now_micros())
        .await?
        .len() as u64;
    summary.planned = store
        .billing()
        .plan_deliveries(from, to, now_micros())
        .await?;
    let counts = store.billing().delivery_counts(from, to).await?;
    let total = counts.total as u64;
    let settled = AtomicU64::new((counts.sent + counts.printed) as u64);
    progress(settled.load(Ordering::Relaxed), total);

    // ---- E-mail ----
    if counts.email_planned > 0 {
        let mailer = transport(&settings.smtp)?;
        let from_box: Mailbox = settings.from.parse().map_err(|e| {
            BillingError::Invalid(format!("the sender '{}' is not valid: {e}", settings.from))
        })?;
        let run_id = format!("run-{}-{}", std::process::id(), now_micros());
        loop {
            if stop.load(Ordering::SeqCst) {
                summary.stopped = true;
                break;
            }
            let claimed = store
                .billing()
                .claim_emails(&run_id, from, to, now_micros(), settings.claim)
                .await?;
            if claimed.is_empty() {
                let (outstanding, next_try) = store.billing().emails_outstanding(from, to).await?;
                if outstanding == 0 {
                    break;
                }
                let wait = next_try.map_or(1000, |t| ((t - now_micros()) / 1000).clamp(10, 5000));
                tokio::time::sleep(Duration::from_millis(wait as u64)).await;
                continue;
            }
            let ids: Vec<i64> = claimed.iter().map(|c| c.bill_id).collect();
            let docs = store.billing().bill_documents(&ids).await?;
            let attempts: std::collections::HashMap<i64, i64> = claimed
                .iter()
                .map(|c: &Claimed| (c.bill_id, c.attempts))
                .collect();
            // Each mail's outcome is recorded by its own task as soon as the server answered:
            // the window between the server's `250` and the `sent` commit (see the module
            // comment) is one commit long, not as long as the slowest mail of the claim.
            let attempts = &attempts;
            let settled = &settled;
            let results: Vec<Result<(i64, Outcome)>> = futures::stream::iter(docs)
                .map(|doc| {
                    let renderer = renderer.clone();
                    let mailer = &mailer;
                    let from_box = from_box.clone();
                    async move {
                        let id = doc.id;
                        let outcome =
                            send_one(store, doc, renderer, mailer, from_box, settings).await?;
                        let tries = attempts.get(&id).copied().unwrap_or(0) + 1;
                        record(store, settings, id, &outcome, tries).await?;
                        if matches!(outcome, Outcome::Sent(_)) {
                            let n = settled.fetch_add(1, Ordering::Relaxed) + 1;
                            progress(n, total);
                        }
                        Ok::<_, BillingError>((id, outcome))
                    }
                })
                // No more mails at once than the pool has connections: each connection carries
                // one message at a time, so at most one per connection is ever between the
                // server's `250` and its record.
                .buffer_unordered(mails_at_once(settings))
                .collect()
                .await;
            for r in results {
                let outcome = r?.1;
                count_outcome(&outcome);
                match outcome {
                    Outcome::Sent(_) => summary.emails_sent += 1,
                    Outcome::Temporary(_) => summary.temporary_failures += 1,
                    Outcome::Permanent(..) => {}
                }
            }
        }
        summary.fallbacks = store.billing().delivery_counts(from, to).await?.fallen_back as u64;
    }

    // ---- Paper ----
    std::fs::create_dir_all(&settings.print_dir)?;
    let stem = from.date().strftime("%Y-%m").to_string();
    let name = move |batch: i64| format!("bills-{stem}-{batch:05}.pdf");
    while !stop.load(Ordering::SeqCst)
        && let Some(batch) = store
            .billing()
            .next_print_batch(from, to, settings.print_batch, &name, now_micros())
            .await?
    {
        let docs = store.billing().bill_documents(&batch.bills).await?;
        let renderer = renderer.clone();
        let path = settings.print_dir.join(&batch.file);
        let (pages, n) = tokio::task::spawn_blocking(move || -> Result<(Vec<i64>, usize)> {
            let docs: Vec<BillDocument> = docs
                .iter()
                .map(|d| BillDocument::new(d, true))
                .collect::<Result<_>>()?;
            let refs: Vec<&BillDocument> = docs.iter().collect();
            let rendered = renderer.render(&refs)?;
            write_atomically(&path, &rendered.pdf)?;
            Ok((rendered.pages, docs.len()))
        })
        .await
        .map_err(|e| BillingError::Invalid(format!("a render task failed: {e}")))??;
        let per_bill: Vec<(i64, i64)> = batch
            .bills
            .iter()
            .copied()
            .zip(pages.iter().copied())
            .collect();
        store
            .billing()
            .mark_batch_printed(batch.batch, &per_bill, now_micros())
            .await?;
        summary.print_batches += 1;
        summary.printed += n as u64;
        metrics::counter!("canali_bills_dispatched_total", "channel" => "print")
            .increment(n as u64);
        summary.printed_pages += pages.iter().sum::<i64>() as u64;
        let s = settled.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        progress(s, total);
    }
    let manifest = store.billing().print_manifest(from, to).await?;
    if !manifest.is_empty() {
        let path = settings
            .print_dir
            .join(format!("manifest-{}.csv", from.date().strftime("%Y-%m")));
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in &manifest {
            w.serialize(row)
                .map_err(|e| BillingError::Invalid(e.to_string()))?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| BillingError::Invalid(e.to_string()))?;
        write_atomically(&path, &bytes)?;
        summary.manifest = Some(path);
    }
    summary.stopped |= stop.load(Ordering::SeqCst);
    summary.counts = store.billing().delivery_counts(from, to).await?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Counts a mail's outcome for monitoring: sent, or failed (temporarily: retried later or,
/// after too many, printed; permanently: printed).
fn count_outcome(outcome: &Outcome) {
    match outcome {
        Outcome::Sent(_) => {
            metrics::counter!("canali_bills_dispatched_total", "channel" => "email").increment(1)
        }
        Outcome::Temporary(_) => metrics::counter!(
            "canali_bills_dispatch_failed_total", "channel" => "email", "kind" => "temporary"
        )
        .increment(1),
        Outcome::Permanent(..) => metrics::counter!(
            "canali_bills_dispatch_failed_total", "channel" => "email", "kind" => "permanent"
        )
        .increment(1),
    }
}

/// Records what became of one mail: sent, to be retried later (with a doubling wait), or on
/// paper after too many temporary failures or a permanent one.
async fn record(
    store: &Store,
    settings: &DispatchSettings,
    id: i64,
    outcome: &Outcome,
    tries: i64,
) -> Result<()> {
    let now = now_micros();
    match outcome {
        Outcome::Sent(to) => {
            store
                .billing()
                .mark_sent(id, to, &message_id(id), now)
                .await?
        }
        Outcome::Temporary(why) if tries < settings.max_attempts => {
            let wait = settings
                .backoff_ms
                .saturating_mul(1 << (tries - 1).clamp(0, 20))
                .min(settings.backoff_max_ms);
            store
                .billing()
                .mark_temporary_failure(id, now + wait as i64 * 1000, why, now)
                .await?
        }
        Outcome::Temporary(why) => {
            let reason = format!("{tries} temporary failures, the last: {why}");
            store
                .billing()
                .fall_back_to_paper(id, None, true, &reason, now)
                .await?
        }
        Outcome::Permanent(why, flag) => {
            let flag = flag.as_ref().map(|(c, e)| (*c, e.as_str()));
            store
                .billing()
                .fall_back_to_paper(id, flag, true, why, now)
                .await?
        }
    }
    Ok(())
}

/// A stop flag set by SIGINT (Ctrl-C) or SIGTERM, for a run started from a terminal or a
/// service manager: the run settles what is in flight and ends (see [`dispatch`]). A second
/// signal is left to the default action, so a stuck run can still be interrupted.
pub fn stop_on_signals() -> Result<Arc<AtomicBool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let stop = Arc::new(AtomicBool::new(false));
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let flag = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        eprintln!("stopping: settling the mails in flight; run the same command to resume");
        flag.store(true, Ordering::SeqCst);
    });
    Ok(stop)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The SMTP transport with its connection pool (canali-mail's, shared with the web).
pub fn transport(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    canali_mail::transport(s).map_err(|e| BillingError::Mail(e.to_string()))
}

/// The mail of one bill.
pub fn bill_message(
    doc: &BillDocument,
    pdf: Option<Vec<u8>>,
    from: Mailbox,
    to: Mailbox,
    link: &str,
) -> Result<Message> {
    let text = match &pdf {
        Some(_) => format!(
            "Gentile {},\n\nin allegato la bolletta n. {} di {}, con scadenza il {}.\n\
             La trova anche nello sportello on-line.\n\nGrazie per aver scelto la bolletta \
             elettronica.\n",
            doc.customer.name, doc.number, doc.total, doc.due
        ),
        None => format!(
            "Gentile {},\n\nla bolletta n. {} di {}, con scadenza il {}, è disponibile nello \
             sportello on-line: {}\n\nGrazie per aver scelto la bolletta elettronica.\n",
            doc.customer.name,
            doc.number,
            doc.total,
            doc.due,
            link.replace("{id}", &doc.id.to_string())
        ),
    };
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Bolletta n. {} – scadenza {}", doc.number, doc.due))
        .message_id(Some(message_id(doc.id)));
    let m = match pdf {
        Some(pdf) => builder.multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(text))
                .singlepart(Attachment::new(format!("bolletta-{}.pdf", doc.id)).body(
                    pdf,
                    ContentType::parse("application/pdf").expect("a MIME type"),
                )),
        ),
        None => builder.singlepart(SinglePart::plain(text)),
    };
    m.map_err(|e| BillingError::Mail(format!("cannot build the mail of bill {}: {e}", doc.id)))
}

/// The mails rendered and sent at once: `concurrency`, at most the SMTP pool's connections.
pub fn mails_at_once(settings: &DispatchSettings) -> usize {
    settings
        .concurrency
        .clamp(1, settings.smtp.pool_size.max(1) as usize)
}

async fn send_one(
    store: &Store,
    b: BillForDocument,
    renderer: Arc<BillRenderer>,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    settings: &DispatchSettings,
) -> Result<Outcome> {
    let Some(email) = b.email.clone() else {
        let why = match &b.bad_address {
            Some(bad) => format!("the address bounced before ({bad})"),
            None => "no e-mail address".to_string(),
        };
        return Ok(Outcome::Permanent(why, None));
    };
    let to: Mailbox = match email.parse() {
        Ok(m) => m,
        Err(e) => {
            let why = format!("the address {email} is not valid: {e}");
            return Ok(Outcome::Permanent(why, Some((b.customer_id, email))));
        }
    };
    let customer = b.customer_id;
    let attach = settings.attach_pdf;
    let (doc, pdf) =
        tokio::task::spawn_blocking(move || -> Result<(BillDocument, Option<Vec<u8>>)> {
            let doc = BillDocument::new(&b, false)?;
            let pdf = if attach {
                Some(renderer.render(&[&doc])?.pdf)
            } else {
                None
            };
            Ok((doc, pdf))
        })
        .await
        .map_err(|e| BillingError::Invalid(format!("a render task failed: {e}")))??;
    let message = bill_message(&doc, pdf, from, to, &settings.link)?;
    // From here until `record`, a crash may leave the mail delivered but not recorded: the
    // next run reports it as a possible duplicate.
    store
        .billing()
        .mark_transmitting(doc.id, &email, now_micros())
        .await?;
    match mailer.send(message).await {
        Ok(_) => Ok(Outcome::Sent(email)),
        // The server refused the session, not the address (530 STARTTLS or authentication
        // required, 534/535/538 authentication): a setting to fix, so the run stops with the
        // reason instead of sending every bill to paper and flagging good addresses. The mails
        // claimed are sent by the next run.
        Err(e)
            if e.status()
                .is_some_and(|c| matches!(u16::from(c), 530 | 534 | 535 | 538)) =>
        {
            Err(BillingError::Mail(format!(
                "the SMTP server {}:{} refused the session ({e}): check smtp.security, \
                 smtp.username and smtp.password",
                settings.smtp.host, settings.smtp.port
            )))
        }
        Err(e) if e.is_permanent() => Ok(Outcome::Permanent(
            format!("{email}: {e}"),
            Some((customer, email)),
        )),
        Err(e) => Ok(Outcome::Temporary(format!("{email}: {e}"))),
    }
}
