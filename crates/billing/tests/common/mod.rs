//! Test helpers: a real SMTP server (Debian python3-aiosmtpd, tests/smtp_sink.py) on a free
//! port, and a small utility with customers on the e-bill and on paper.
#![allow(dead_code)]

use canali_domain::network::{Delivery, EbillPath};
use canali_domain::{Day, Segment, Service};
use canali_store::{Bill, Customer, EbillEvent, Store, SupplyPoint};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn day(y: i16, m: i8, d: i8) -> Day {
    Day::from_date(jiff::civil::date(y, m, d))
}

/// The SMTP sink: a python3-aiosmtpd server writing each message to a folder.
pub struct Sink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sink {
    pub fn start() -> Sink {
        Sink::start_with(&[])
    }

    /// A server that requires STARTTLS with this certificate and key (PEM files).
    pub fn start_starttls(cert: &Path, key: &Path) -> Sink {
        Sink::start_with(&[cert, key])
    }

    fn start_with(tls: &[&Path]) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        // Through the crates folder, so the app's tests can include this module too.
        let script = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../billing/tests/smtp_sink.py"
        ));
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(python)
                .arg(script)
                .arg(port.to_string())
                .arg(dir.path())
                .args(tls)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("python3 with aiosmtpd (apt-get install python3-aiosmtpd)");
            let mut out = child.stdout.take().unwrap();
            let mut buf = [0u8; 6];
            use std::io::Read;
            if out.read_exact(&mut buf).is_ok() && &buf == b"ready\n" {
                return Sink { port, dir, child };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the SMTP sink did not start (is python3-aiosmtpd installed?)");
    }

    /// The messages received so far.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect()
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))
            })
            .count()
    }
}

/// The bill id in a message's Message-ID header.
pub fn bill_of(message: &str) -> Option<i64> {
    message.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if !k.eq_ignore_ascii_case("message-id") {
            return None;
        }
        v.trim()
            .strip_prefix("<bill-")?
            .split('@')
            .next()?
            .parse()
            .ok()
    })
}

/// The n-th customer of the test utility: customers 0, 3, 6... are on the e-bill since 2010.
pub fn customer(id: i64, email: Option<&str>) -> Customer {
    Customer {
        id,
        code: format!("{:010}", 7_000_000 + id),
        segment: Segment::Residential,
        tax_id: "RSSMRA80A01A944I".into(),
        name: format!("Maria Rossi {id}"),
        sot: 1,
        email: email.map(Into::into),
        phone: None,
        since: day(2005, 1, 1),
    }
}

pub fn point(id: i64, customer_id: i64) -> SupplyPoint {
    let gas = id % 2 == 0;
    SupplyPoint {
        id,
        customer_id,
        service: if gas {
            Service::Gas
        } else {
            Service::Electricity
        },
        identifier: if gas {
            format!("1201{:010}", id)
        } else {
            format!("IT001E{:08}", id)
        },
        municipality: ["Bologna", "Imola", "Ravenna", "Forlì"][(id % 4) as usize].into(),
        address: format!("Via Emilia {}", 1 + id % 300),
        bills_per_year: 6,
    }
}

/// `n` customers with one supply point each and one bill each issued on 2011-11-03 (without
/// lines: the document synthesizes them); every third customer on the e-bill with an address.
pub async fn utility(store: &Store, n: i64) -> (Vec<i64>, Vec<i64>) {
    let customers: Vec<Customer> = (1..=n)
        .map(|i| {
            let email = format!("cliente{i}@example.org");
            customer(i, (i % 3 == 0).then_some(email.as_str()))
        })
        .collect();
    store.insert_customers(&customers).await.unwrap();
    let points: Vec<SupplyPoint> = (1..=n).map(|i| point(i, i)).collect();
    store.insert_supply_points(&points).await.unwrap();
    let events: Vec<EbillEvent> = (1..=n)
        .filter(|i| i % 3 == 0)
        .map(|i| EbillEvent {
            customer_id: i,
            day: day(2010, 6, 1),
            path: EbillPath::ContractSigning,
            enrolled: true,
        })
        .collect();
    store.insert_ebill_events(&events).await.unwrap();
    let issued = day(2011, 11, 3);
    let bills: Vec<Bill> = (1..=n)
        .map(|i| Bill {
            id: 100_000 + i,
            customer_id: i,
            supply_point_id: i,
            issued,
            due: Day(issued.0 + 20),
            period_from: day(2011, 9, 1),
            period_to: day(2011, 10, 31),
            total_cents: 4_000 + i * 37,
            delivery: if i % 3 == 0 {
                Delivery::Email
            } else {
                Delivery::Paper
            },
            sheets: 2,
        })
        .collect();
    store.insert_bills(&bills).await.unwrap();
    let email = bills
        .iter()
        .filter(|b| b.delivery == Delivery::Email)
        .map(|b| b.id)
        .collect();
    let paper = bills
        .iter()
        .filter(|b| b.delivery == Delivery::Paper)
        .map(|b| b.id)
        .collect();
    (email, paper)
}

/// The text of a PDF by pdftotext (poppler-utils).
pub fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.pdf");
    std::fs::write(&p, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&p)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}
