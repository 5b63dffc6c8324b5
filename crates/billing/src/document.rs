//! The bill as the template sees it: every amount and date already written the Italian way,
//! the VAT summary computed from the lines with exact decimals.

use crate::{BillingError, Result};
use canali_domain::network::Delivery;
use canali_domain::{Day, Segment, Service};
use canali_store::billing_store::{BillForDocument, BillLine};
use rust_decimal::prelude::*;
use std::collections::BTreeMap;

/// The utility printed on the bill (settings `[billing]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Company {
    pub name: String,
    pub address: String,
    pub vat_number: String,
    pub iban: String,
}

impl Default for Company {
    fn default() -> Self {
        Company {
            name: "Canali Multiservizi S.p.A.".into(),
            address: "Viale Carlo Berti Pichat 2/4, 40127 Bologna".into(),
            vat_number: "03819031208".into(),
            iban: "IT60X0542811101000000123456".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocCustomer {
    pub name: String,
    pub code: String,
    pub tax_label: String,
    pub tax_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocSupply {
    pub service: String,
    pub id_label: String,
    pub identifier: String,
    pub address: String,
    pub municipality: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocLine {
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub amount: String,
    pub vat_rate: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocVat {
    pub rate: String,
    pub taxable: String,
    pub tax: String,
}

/// One bill document: what `templates/bill.typ` receives (as `b`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BillDocument {
    pub id: i64,
    pub number: String,
    pub issued: String,
    pub due: String,
    pub period_from: String,
    pub period_to: String,
    /// The paper version: with the address window and the e-bill form.
    pub paper: bool,
    pub customer: DocCustomer,
    pub supply: DocSupply,
    pub lines: Vec<DocLine>,
    pub vat: Vec<DocVat>,
    pub taxable: String,
    pub vat_total: String,
    pub total: String,
    pub total_cents: i64,
    pub payment_code: String,
    pub form_code: String,
}

/// `1.234,56 €` from cents.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{},{:02} €", thousands(c / 100), c % 100)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// An exact decimal written the Italian way: `1.234,5678` (no trailing zeros beyond `min`
/// decimals).
pub fn decimal_it(d: &Decimal, min_decimals: u32) -> String {
    let d = d.normalize();
    let scale = d.scale().max(min_decimals);
    let s = format!("{:.*}", scale as usize, d);
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (sign, int) = int.strip_prefix('-').map_or(("", int), |i| ("-", i));
    let int = thousands(int.parse().unwrap_or(0));
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int},{frac}")
    }
}

/// `15/11/2011`.
pub fn date_it(d: Day) -> String {
    let d = d.date();
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// Parses an exact decimal as stored or imported (`.` decimals; a `,` is accepted too).
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let t = s.trim();
    if t.contains(',') && t.contains('.') {
        return None;
    }
    Decimal::from_str(&t.replace(',', ".")).ok()
}

/// Rounds a euro amount to cents, half away from zero (the rule of the bill's lines).
pub fn to_cents(d: Decimal) -> Option<i64> {
    (d * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

/// The VAT of each rate: taxable (the sum of that rate's lines) and tax (taxable x rate,
/// rounded to cents half away from zero), by rate in ascending order.
pub fn vat_summary(lines: &[BillLine]) -> Result<Vec<(Decimal, i64, i64)>> {
    let mut by_rate: BTreeMap<Decimal, i64> = BTreeMap::new();
    for l in lines {
        let rate = parse_decimal(&l.vat_rate).ok_or_else(|| {
            BillingError::Invalid(format!(
                "line {}: VAT rate '{}' is not a number",
                l.line_no, l.vat_rate
            ))
        })?;
        *by_rate.entry(rate.normalize()).or_default() += l.amount_cents;
    }
    by_rate
        .into_iter()
        .map(|(rate, taxable)| {
            let tax = to_cents(Decimal::from(taxable) * rate / Decimal::from(10_000))
                .ok_or_else(|| BillingError::Invalid("VAT out of range".into()))?;
            Ok((rate, taxable, tax))
        })
        .collect()
}

fn service_names(service: Service) -> (&'static str, &'static str) {
    match service {
        Service::Gas => ("Gas naturale", "PDR"),
        Service::Electricity => ("Energia elettrica", "POD"),
        Service::Water => ("Servizio idrico integrato", "Matricola contatore"),
        Service::Waste => ("Servizi ambientali", "Codice utenza"),
        _ => ("Teleriscaldamento", "Codice utenza"),
    }
}

/// The lines of a bill that came with its total only (the simulator's bills): a deterministic
/// split of the total into consumption, network, charges and taxes, a fixed quota and, when the
/// VAT rounding leaves a cent, a rounding line out of VAT scope. Exact: they add up to the total.
pub fn synthesize_lines(b: &BillForDocument) -> Vec<BillLine> {
    let rate: i64 = match (b.service, b.segment) {
        (Service::Electricity | Service::Gas, Segment::Business) => 22,
        _ => 10,
    };
    // The largest taxable amount whose total with VAT does not exceed the bill's total.
    let total = b.total_cents;
    let vat = |t: i64| {
        to_cents(Decimal::from(t) * Decimal::from(rate) / Decimal::from(10_000)).unwrap_or(0)
    };
    let mut taxable = total * 100 / (100 + rate);
    while taxable + 1 + vat(taxable + 1) <= total {
        taxable += 1;
    }
    while taxable > 0 && taxable + vat(taxable) > total {
        taxable -= 1;
    }
    let rounding = total - taxable - vat(taxable);
    let (unit, prices): (&str, [&str; 3]) = match b.service {
        Service::Gas => ("Smc", ["0.412350", "0.118420", "0.196310"]),
        Service::Electricity => ("kWh", ["0.084120", "0.031950", "0.048760"]),
        Service::Water => ("m³", ["0.954100", "0.412800", "0.231500"]),
        _ => ("kg", ["0.180000", "0.052000", "0.031000"]),
    };
    let names = [
        "Spesa per la materia prima",
        "Spesa per il trasporto e la gestione del contatore",
        "Spesa per oneri di sistema e imposte",
    ];
    let shares = [52, 22, 16];
    let mut lines = Vec::with_capacity(5);
    let mut used = 0;
    for (i, (name, price)) in names.iter().zip(prices).enumerate() {
        let p = Decimal::from_str(price).expect("a price");
        let target = Decimal::from(taxable * shares[i]) / Decimal::from(10_000);
        let q = (target / p).floor().max(Decimal::ZERO);
        let amount = to_cents(q * p).unwrap_or(0);
        used += amount;
        lines.push(BillLine {
            bill_id: b.id,
            line_no: i as i64 + 1,
            description: (*name).to_string(),
            quantity: q.normalize().to_string(),
            unit: unit.to_string(),
            unit_price: price.to_string(),
            amount_cents: amount,
            vat_rate: rate.to_string(),
        });
    }
    let fixed = taxable - used;
    lines.push(BillLine {
        bill_id: b.id,
        line_no: 4,
        description: "Quota fissa".into(),
        quantity: "1".into(),
        unit: "".into(),
        unit_price: Decimal::new(fixed, 2).to_string(),
        amount_cents: fixed,
        vat_rate: rate.to_string(),
    });
    if rounding != 0 {
        lines.push(BillLine {
            bill_id: b.id,
            line_no: 5,
            description: "Arrotondamento (fuori campo IVA)".into(),
            quantity: "1".into(),
            unit: "".into(),
            unit_price: Decimal::new(rounding, 2).to_string(),
            amount_cents: rounding,
            vat_rate: "0".into(),
        });
    }
    lines
}

impl BillDocument {
    /// The document of a bill; `paper` for the printed version. Lines stored with the bill are
    /// used, else they are synthesized from the total; either way they must add up to it.
    pub fn new(b: &BillForDocument, paper: bool) -> Result<BillDocument> {
        let synthesized;
        let lines: &[BillLine] = if b.lines.is_empty() {
            synthesized = synthesize_lines(b);
            &synthesized
        } else {
            &b.lines
        };
        let vat = vat_summary(lines)?;
        let taxable: i64 = vat.iter().map(|v| v.1).sum();
        let tax: i64 = vat.iter().map(|v| v.2).sum();
        if taxable + tax != b.total_cents {
            return Err(BillingError::Invalid(format!(
                "bill {}: the lines and VAT make {} but the total is {}",
                b.id,
                euros(taxable + tax),
                euros(b.total_cents)
            )));
        }
        let (service, id_label) = service_names(b.service);
        let doc_lines = lines
            .iter()
            .map(|l| DocLine {
                description: l.description.clone(),
                quantity: parse_decimal(&l.quantity)
                    .map_or(l.quantity.clone(), |d| decimal_it(&d, 0)),
                unit: l.unit.clone(),
                unit_price: parse_decimal(&l.unit_price)
                    .map_or(l.unit_price.clone(), |d| format!("{} €", decimal_it(&d, 2))),
                amount: euros(l.amount_cents),
                vat_rate: format!(
                    "{}%",
                    parse_decimal(&l.vat_rate).map_or(l.vat_rate.clone(), |d| decimal_it(&d, 0))
                ),
            })
            .collect();
        Ok(BillDocument {
            id: b.id,
            number: format!("{}/{:09}", b.issued.year(), b.id),
            issued: date_it(b.issued),
            due: date_it(b.due),
            period_from: date_it(b.period_from),
            period_to: date_it(b.period_to),
            paper,
            customer: DocCustomer {
                name: b.customer_name.clone(),
                code: b.customer_code.clone(),
                tax_label: if b.tax_id.len() == 11 {
                    "Partita IVA"
                } else {
                    "Codice fiscale"
                }
                .into(),
                tax_id: b.tax_id.clone(),
            },
            supply: DocSupply {
                service: service.into(),
                id_label: id_label.into(),
                identifier: b.identifier.clone(),
                address: b.address.clone(),
                municipality: b.municipality.clone(),
            },
            lines: doc_lines,
            vat: vat
                .iter()
                .map(|(rate, taxable, tax)| DocVat {
                    rate: format!("{}%", decimal_it(rate, 0)),
                    taxable: euros(*taxable),
                    tax: euros(*tax),
                })
                .collect(),
            taxable: euros(taxable),
            vat_total: euros(tax),
            total: euros(b.total_cents),
            total_cents: b.total_cents,
            payment_code: format!(
                "{:018}",
                b.id as u64 * 97 + (b.total_cents.unsigned_abs() % 97)
            ),
            form_code: crate::form::form_code(b.customer_id),
        })
    }

    /// Whether the bill goes by e-mail according to its issue.
    pub fn by_email(b: &BillForDocument) -> bool {
        b.delivery == Delivery::Email
    }
}

/// `n` different bills for benchmarks and template previews (a gas or electricity supply with
/// lines synthesized from varied totals).
pub fn sample_documents(n: usize) -> Vec<BillDocument> {
    (0..n)
        .map(|i| {
            let i = i as i64;
            let gas = i % 2 == 0;
            let issued = Day::from_date(jiff::civil::date(2011, 11, 3));
            let b = BillForDocument {
                id: 1_000_000 + i,
                customer_id: 50_000 + i,
                customer_code: format!("{:010}", 3_000_000 + i),
                customer_name: format!("Giulia Bianchi {i}"),
                tax_id: "BNCGLI75C41A944X".into(),
                segment: Segment::Residential,
                email: Some(format!("giulia{i}@example.org")),
                bad_address: None,
                supply_point_id: i,
                service: if gas {
                    Service::Gas
                } else {
                    Service::Electricity
                },
                identifier: if gas {
                    format!("1203{:010}", 7_654_321 + i)
                } else {
                    format!("IT001E{:08}", 12_345_678 + i)
                },
                municipality: "Bologna".into(),
                address: format!("Via dell'Indipendenza {}", 1 + i % 90),
                issued,
                due: Day(issued.0 + 20),
                period_from: Day(issued.0 - 66),
                period_to: Day(issued.0 - 6),
                total_cents: 3_000 + (i * 7919) % 40_000,
                delivery: Delivery::Email,
                sheets: 2,
                lines: Vec::new(),
            };
            BillDocument::new(&b, false).expect("sample bills add up")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_numbers() {
        assert_eq!(euros(123456), "1.234,56 €");
        assert_eq!(euros(-5), "-0,05 €");
        assert_eq!(euros(100_000_000), "1.000.000,00 €");
        assert_eq!(
            decimal_it(&Decimal::from_str("1234.5000").unwrap(), 0),
            "1.234,5"
        );
        assert_eq!(
            decimal_it(&Decimal::from_str("0.08412").unwrap(), 2),
            "0,08412"
        );
        assert_eq!(decimal_it(&Decimal::from_str("3").unwrap(), 2), "3,00");
    }
}
