//! A small utility with customers on the e-bill and on paper, each with a bill issued on
//! 2011-11-03, and the bill id of a sent message: what the billing tests dispatch.

use canali_domain::network::{Delivery, EbillPath};
use canali_domain::{Day, Segment, Service};
use canali_store::{Bill, Customer, EbillEvent, Store, SupplyPoint};

pub fn day(y: i16, m: i8, d: i8) -> Day {
    Day::from_date(jiff::civil::date(y, m, d))
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
