//! The electronic bill end to end, on SQLite and (with CANALI_TEST_POSTGRES) PostgreSQL, with a
//! real SMTP server and the bills' PDF text and fonts read back (canali-testkit, all in Rust).
//! The run stopped or killed half-way is in crates/app/tests/bills.rs, through the real binary.

use canali_billing::dispatch::{DispatchSettings, SmtpSecurity, dispatch, month_days};
use canali_billing::import::import_file;
use canali_billing::{BillDocument, Company, LayoutRenderer, render_bill_pdf};
use canali_domain::network::{Delivery, EbillPath};
use canali_store::billing_store::DeliveryState;
use canali_store::testing::fresh_stores;
use canali_store::{EbillEvent, Store};
use canali_testkit::bills::*;
use canali_testkit::{Sink, assert_fonts_embedded, pdf_fonts, pdf_text, test_certificates};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

fn settings(sink: &Sink, print: &std::path::Path) -> DispatchSettings {
    let mut s = DispatchSettings::default();
    s.smtp.port = sink.port;
    s.smtp.pool_size = 4;
    s.print_dir = print.to_path_buf();
    s.print_batch = 7;
    s.claim = 5;
    s.concurrency = 4;
    s.backoff_ms = 50;
    s
}

const GOOD: &str = r#"{"id": 9001, "customer": "0007000001", "supply_point": "IT001E00000001", "period_from": "2011-09-01", "period_to": "2011-10-31", "issued": "2011-11-03", "due": "2011-11-23", "lines": [{"description": "Spesa per la materia energia", "quantity": "412.5", "unit": "kWh", "unit_price": "0.084120", "amount": "34.70"}, {"description": "Trasporto e gestione del contatore", "quantity": 412.5, "unit": "kWh", "unit_price": 0.031950, "amount": 13.18, "vat_rate": 10}, {"description": "Quota fissa", "quantity": "2", "unit": "mesi", "unit_price": "3.455", "amount": "6.91", "vat_rate": "10"}], "vat": [{"rate": "10", "taxable": "54.79", "tax": "5.48"}], "total": "60.27"}"#;

async fn seed_import(store: &Store) {
    store
        .insert_customers(&[customer(1, Some("anna@example.org")), customer(2, None)])
        .await
        .unwrap();
    store
        .insert_supply_points(&[point(1, 1), point(2, 2)])
        .await
        .unwrap();
    store
        .insert_ebill_events(&[EbillEvent {
            customer_id: 1,
            day: day(2011, 10, 15),
            path: EbillPath::PaperBillForm,
            enrolled: true,
        }])
        .await
        .unwrap();
}

#[tokio::test]
async fn import_checks_every_amount_and_refuses_with_the_line() {
    for ts in fresh_stores().await.unwrap() {
        let store = &ts.store;
        seed_import(store).await;
        // The first line of GOOD lacks its VAT rate: fix it, then derive wrong bills from it.
        let good = GOOD.replace(
            r#""amount": "34.70"}"#,
            r#""amount": "34.70", "vat_rate": "10"}"#,
        );
        let bad_line = good
            .replace("9001", "9002")
            .replace(r#""amount": "34.70""#, r#""amount": "34.71""#);
        let bad_vat = good
            .replace("9001", "9003")
            .replace(r#""tax": "5.48""#, r#""tax": "5.47""#);
        let bad_total = good
            .replace("9001", "9004")
            .replace(r#""total": "60.27""#, r#""total": "60.28""#);
        let unknown = good
            .replace("9001", "9005")
            .replace("0007000001", "0007000009");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bills.jsonl");
        std::fs::write(
            &file,
            [
                good.as_str(),
                &bad_line,
                &bad_vat,
                &bad_total,
                "{not json",
                &unknown,
            ]
            .join("\n"),
        )
        .unwrap();
        let out = import_file(store, &file).await.unwrap();
        assert_eq!(out.imported, 1, "{}: {out:?}", ts.name);
        assert_eq!(out.email, 1, "customer 1 enrolled on 2011-10-15");
        let lines: Vec<usize> = out.refused.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6], "{out:?}");
        assert!(out.refused[0].reason.contains("bill line 1"), "{out:?}");
        assert!(out.refused[0].reason.contains("34,71"), "{out:?}");
        assert!(out.refused[1].reason.contains("VAT at 10%"), "{out:?}");
        assert!(out.refused[2].reason.contains("total"), "{out:?}");
        assert!(out.refused[4].reason.contains("no customer"), "{out:?}");
        // The lines are stored exactly as decimals.
        let stored = store.billing().bill_lines(9001).await.unwrap();
        assert_eq!(stored.len(), 3);
        assert_eq!(stored[0].quantity, "412.5");
        assert_eq!(stored[0].unit_price, "0.08412");
        assert_eq!(stored[1].amount_cents, 1318);
        assert_eq!(stored[2].unit_price, "3.455");
        // Again: nothing new.
        let again = import_file(store, &file).await.unwrap();
        assert_eq!((again.imported, again.duplicates), (0, 1));

        // CSV: one row per bill line.
        let csv = "id,customer,supply_point,period_from,period_to,issued,due,total,description,quantity,unit,unit_price,amount,vat_rate\n\
            9101,0007000002,12010000000002,2011-09-01,2011-10-31,2011-11-04,2011-11-24,110.00,Gas,100,Smc,0.5,50.00,10\n\
            9101,0007000002,12010000000002,2011-09-01,2011-10-31,2011-11-04,2011-11-24,110.00,Quota fissa,1,,50,50.00,10\n\
            9102,0007000002,12010000000002,2011-09-01,2011-10-31,2011-11-04,2011-11-24,11.00,Gas,3,Smc,0.333,1.00,10\n";
        let file = dir.path().join("bills.csv");
        std::fs::write(&file, csv).unwrap();
        let out = import_file(store, &file).await.unwrap();
        assert_eq!((out.imported, out.paper), (1, 1), "{out:?}");
        assert_eq!(out.refused.len(), 1, "{out:?}");
        assert_eq!(out.refused[0].line, 4);
        assert!(out.refused[0].reason.contains("1,10"), "{out:?}");
    }
}

#[tokio::test]
async fn the_pdf_holds_name_pod_total_and_due_date() {
    for ts in fresh_stores().await.unwrap() {
        let store = &ts.store;
        seed_import(store).await;
        let good = GOOD.replace(
            r#""amount": "34.70"}"#,
            r#""amount": "34.70", "vat_rate": "10"}"#,
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bills.jsonl");
        std::fs::write(&file, good).unwrap();
        import_file(store, &file).await.unwrap();
        let docs = store.billing().bill_documents(&[9001]).await.unwrap();
        let doc = BillDocument::new(&docs[0], true).unwrap();
        // The fast layout (the default, what the online branch serves).
        assert_holds_the_bill(&render_bill_pdf(&doc).unwrap());
        // The typst template, in a build with it.
        #[cfg(feature = "typst")]
        assert_holds_the_bill(
            &canali_billing::Renderer::default_template(Company::default())
                .render(&[&doc])
                .unwrap()
                .pdf,
        );
    }
}

/// What bill 9001 of GOOD must show.
const BILL_9001: [&str; 8] = [
    "Maria Rossi 1",
    "IT001E00000001",
    "60,27 €",
    "23/11/2011",
    "0,08412 €",
    "412,5",
    "5,48 €",
    "EB-",
];

fn assert_holds_the_bill(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(pdf);
    for want in BILL_9001 {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
    assert_fonts_embedded(pdf, "DejaVuSans");
}

/// The PDF checks above can fail: another bill's name or amount is not found in the text, and
/// a font whose program was taken out is reported as not embedded.
#[test]
fn the_pdf_checks_see_a_wrong_text_and_a_missing_font() {
    let doc = canali_billing::document::sample_documents(1).remove(0);
    let pdf = render_bill_pdf(&doc).unwrap();
    let text = pdf_text(&pdf);
    for want in ["Giulia Bianchi 0", "12030007654321", "30,00 €"] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
    // Another bill's customer and supply point, and a heading the layout does not have.
    for wrong in [
        "Maria Rossi",
        "Giulia Bianchi 1",
        "IT001E00000001",
        "Importo da versare",
    ] {
        assert!(!text.contains(wrong), "{wrong} found in:\n{text}");
    }
    let fonts = pdf_fonts(&pdf);
    assert!(
        !fonts.is_empty() && fonts.iter().all(|f| f.embedded),
        "{fonts:?}"
    );
    let stripped = canali_testkit::pdf::without_font_programs(&pdf);
    let fonts = pdf_fonts(&stripped);
    assert!(
        !fonts.is_empty() && fonts.iter().all(|f| !f.embedded),
        "{fonts:?}"
    );
    let caught = std::panic::catch_unwind(|| assert_fonts_embedded(&stripped, "DejaVuSans"));
    assert!(
        caught.is_err(),
        "a PDF without font programs passed the check"
    );
}

#[test]
fn a_bill_with_many_lines_continues_on_more_pages_with_the_header_repeated() {
    let mut doc = canali_billing::document::sample_documents(1).remove(0);
    let line = doc.lines[0].clone();
    doc.lines = (1..=90)
        .map(|i| canali_billing::document::DocLine {
            description: format!("Voce di prova numero {i}"),
            ..line.clone()
        })
        .collect();
    doc.paper = true;
    let r = LayoutRenderer::default_layout(Company::default());
    let rendered = r.render(&[&doc, &doc]).unwrap();
    // Two bills of three pages each, in one print file.
    assert_eq!(rendered.pages, vec![3, 3]);
    let text = pdf_text(&rendered.pdf);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages[1].contains("Voce") && pages[1].contains("Prezzo unitario"));
    assert!(pages[1].contains("pagina 2 di 3"), "{}", pages[1]);
    assert!(pages[2].contains("Voce di prova numero 90"));
    assert!(pages[2].contains("Totale bolletta"));
    // The second bill starts again at page 1 and from its first line.
    assert!(pages[3].contains("pagina 1 di 3") && pages[3].contains("numero 1 "));
    for i in 1..=90 {
        assert!(
            text.contains(&format!("Voce di prova numero {i} ")),
            "line {i} is missing"
        );
    }
}

#[tokio::test]
async fn story_a_month_goes_out_by_mail_and_on_paper() {
    for ts in fresh_stores().await.unwrap() {
        let sink = Sink::start();
        let store = &ts.store;
        let (email, paper) = utility(store, 30).await;
        // Customer 6's address bounces, customer 9's server fails twice then accepts,
        // customer 12 has no address at all.
        sqlx_update_email(&ts.url, 6, Some("bounce@example.org")).await;
        sqlx_update_email(
            &ts.url,
            9,
            Some(&format!("tempfail2.{}@example.org", ts.name)),
        )
        .await;
        sqlx_update_email(&ts.url, 12, None).await;
        let print = tempfile::tempdir().unwrap();
        let (from, to) = month_days("2011-11").unwrap();
        let before = sink.count();
        let s = dispatch(
            store,
            from,
            to,
            &settings(&sink, print.path()),
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
        assert_eq!(s.planned, 30);
        assert_eq!(s.emails_sent, 8, "{s:?}");
        assert_eq!(s.counts.sent, 8, "{s:?}");
        assert_eq!(s.counts.fallen_back, 2, "{s:?}");
        assert_eq!(s.counts.printed, 22, "{s:?}");
        assert_eq!(s.printed, 22);
        assert_eq!(s.print_batches, 4);
        let msgs: Vec<String> = sink.messages().into_iter().skip(before).collect();
        assert_eq!(msgs.len(), 8);
        let mut seen = HashMap::new();
        for m in &msgs {
            let id = bill_of(m).expect("a bill Message-ID");
            *seen.entry(id).or_insert(0) += 1;
            assert!(m.contains("application/pdf"), "the PDF is attached");
            assert!(m.contains("bolletta-"), "named attachment");
        }
        assert!(seen.values().all(|&n| n == 1));
        for id in &email {
            let (state, attempts, ..) = store.billing().delivery_of(*id).await.unwrap().unwrap();
            match id - 100_000 {
                6 | 12 => assert_eq!(state, DeliveryState::Printed),
                9 => assert_eq!((state, attempts), (DeliveryState::Sent, 3)),
                _ => assert_eq!(state, DeliveryState::Sent),
            }
        }
        for id in &paper {
            let (state, ..) = store.billing().delivery_of(*id).await.unwrap().unwrap();
            assert_eq!(state, DeliveryState::Printed);
        }
        // The bounce flagged customer 6's address; the missing one flagged nothing.
        let (bad, _) = store
            .billing()
            .bad_address(6)
            .await
            .unwrap()
            .expect("flagged");
        assert_eq!(bad, "bounce@example.org");
        assert!(store.billing().bad_address(12).await.unwrap().is_none());
        // The print batches: 22 bills in postage order, the manifest lists them once.
        let manifest = std::fs::read_to_string(s.manifest.as_ref().unwrap()).unwrap();
        let rows: Vec<&str> = manifest.lines().skip(1).collect();
        assert_eq!(rows.len(), 22);
        let municipalities: Vec<String> = store
            .billing()
            .print_manifest(from, to)
            .await
            .unwrap()
            .iter()
            .map(|r| r.municipality.clone())
            .collect();
        let mut sorted = municipalities.clone();
        sorted.sort();
        assert_eq!(municipalities, sorted, "sorted for postage");
        let batch = std::fs::read(print.path().join("bills-2011-11-00001.pdf"))
            .or_else(|_| {
                // On the second backend the batch numbers go on from the schema's own sequence.
                let f = std::fs::read_dir(print.path())
                    .unwrap()
                    .filter_map(|e| e.ok())
                    .find(|e| e.path().extension().is_some_and(|x| x == "pdf"))
                    .unwrap();
                std::fs::read(f.path())
            })
            .unwrap();
        let text = pdf_text(&batch);
        assert!(text.contains("Passa alla bolletta elettronica"), "{text}");
        // The report's bills by delivery follow the dispatch: two e-mail bills went on paper.
        let by = store
            .figures()
            .bills_by_delivery(from, to)
            .await
            .unwrap()
            .into_iter()
            .map(|b| (b.delivery, b.bills))
            .collect::<HashMap<_, _>>();
        assert_eq!(by.get(&Delivery::Email), Some(&8));
        assert_eq!(by.get(&Delivery::Paper), Some(&22));
        // A second run sends and prints nothing again.
        let n = sink.count();
        let again = dispatch(
            store,
            from,
            to,
            &settings(&sink, print.path()),
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
        assert_eq!((again.planned, again.emails_sent, again.printed), (0, 0, 0));
        assert_eq!(sink.count(), n);
    }
}

/// Sets a customer's e-mail (the registry has no update path of its own).
async fn sqlx_update_email(url: &str, customer: i64, email: Option<&str>) {
    let store = Store::connect(url).await.unwrap();
    store.customers().set_email(customer, email).await.unwrap();
    store.close().await;
}

fn rss_kb() -> u64 {
    status_kb("VmRSS:")
}

fn peak_rss_kb() -> u64 {
    status_kb("VmHWM:")
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The dispatch benchmark (docs/benchmarks.md): `CANALI_BENCH_BILLS=3000 cargo test --release -p
/// canali-billing --test billing bench_dispatch -- --ignored --nocapture`. One third of the bills
/// by e-mail to the local SMTP server, the rest into print batches; time and peak memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_dispatch() {
    let n: i64 = std::env::var("CANALI_BENCH_BILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let sink = Sink::start();
    // CANALI_BENCH_BACKEND=postgres runs it on CANALI_TEST_POSTGRES's server (SQLite by
    // default, whose page cache, up to 256 MiB per connection, lives in this process).
    let ts = match std::env::var("CANALI_BENCH_BACKEND").as_deref() {
        Ok("postgres") => canali_store::testing::fresh_postgres()
            .await
            .unwrap()
            .expect("CANALI_TEST_POSTGRES is set"),
        _ => canali_store::testing::fresh_sqlite().await.unwrap(),
    };
    utility(&ts.store, n).await;
    let print = tempfile::tempdir().unwrap();
    let mut s = settings(&sink, print.path());
    s.print_batch = 100;
    s.claim = 64;
    s.concurrency = 8;
    let before = peak_rss_kb();
    let (from, to) = month_days("2011-11").unwrap();
    let t = std::time::Instant::now();
    let step = std::sync::atomic::AtomicU64::new(0);
    let r = dispatch(
        &ts.store,
        from,
        to,
        &s,
        &|done, _| {
            // The resident memory as the run goes: it must not grow with the bills sent.
            if done / 10_000 > step.load(std::sync::atomic::Ordering::Relaxed) {
                step.store(done / 10_000, std::sync::atomic::Ordering::Relaxed);
                eprintln!("{done} bills settled: resident {} MB", rss_kb() / 1024);
            }
        },
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "{}: dispatch of {n} bills: {} e-mails, {} printed in {} batches ({} pages): {secs:.1} s, \
         {:.0} bills/s; peak RSS {} MB (before the run {} MB)",
        ts.name,
        r.emails_sent,
        r.printed,
        r.print_batches,
        r.printed_pages,
        n as f64 / secs,
        peak_rss_kb() / 1024,
        before / 1024
    );
    assert_eq!(sink.count() as u64, r.emails_sent);
}

#[tokio::test]
async fn bills_go_out_over_starttls_and_a_refused_session_stops_the_run() {
    let certs = tempfile::tempdir().unwrap();
    let certs = test_certificates(certs.path());
    for ts in fresh_stores().await.unwrap() {
        let sink = Sink::start_starttls(&certs.cert, &certs.key);
        let store = &ts.store;
        let (email, paper) = utility(store, 30).await;
        let print = tempfile::tempdir().unwrap();
        let (from, to) = month_days("2011-11").unwrap();
        // Plain SMTP to a server that requires STARTTLS: the run stops with the reason, and
        // no bill goes to paper, no address is flagged.
        let mut plain = settings(&sink, print.path());
        plain.smtp.host = "127.0.0.1".into();
        plain.smtp.security = SmtpSecurity::None;
        let err = dispatch(store, from, to, &plain, &|_, _| {}, &AtomicBool::new(false))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("smtp.security"), "{}: {err}", ts.name);
        let counts = store.billing().delivery_counts(from, to).await.unwrap();
        assert_eq!((counts.sent, counts.fallen_back), (0, 0), "{}", ts.name);
        assert_eq!(sink.count(), 0);
        // STARTTLS with the utility's own authority: every e-mail bill arrives, once.
        let mut tls = plain.clone();
        tls.smtp.security = SmtpSecurity::Starttls;
        tls.smtp.ca_file = Some(certs.ca.clone());
        let s = dispatch(store, from, to, &tls, &|_, _| {}, &AtomicBool::new(false))
            .await
            .unwrap();
        assert_eq!(s.counts.sent as usize, email.len(), "{}", ts.name);
        assert_eq!(s.counts.printed as usize, paper.len());
        assert_eq!(sink.count(), email.len());
        // A certificate the run does not trust: refused before any mail is sent.
        let stranger = tempfile::tempdir().unwrap();
        let other = test_certificates(stranger.path());
        let mut untrusted = tls.clone();
        untrusted.smtp.ca_file = Some(other.ca);
        let mailer = canali_billing::dispatch::transport(&untrusted.smtp).unwrap();
        assert!(mailer.test_connection().await.is_err(), "{}", ts.name);
    }
}
