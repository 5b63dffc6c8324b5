//! `canali bills import FILE`: the bills the billing system computed, as JSON lines (one bill a
//! line, lines nested) or CSV (one row per bill line, the bill's columns repeated). Amounts are
//! exact decimals; every line's quantity x unit price must give its amount (rounded to cents,
//! half away from zero), the VAT of each rate must be the rate's lines x the rate, and the total
//! their sum. A bill that does not add up is refused with the reason and its line in the file;
//! the others are stored with their lines. Importing the same file again changes nothing.

use crate::document::{euros, parse_decimal, to_cents, vat_summary};
use crate::{BillingError, Result};
use canali_domain::Day;
use canali_domain::network::Delivery;
use canali_domain::text::{TextKind, text_fault};
use canali_store::Store;
use canali_store::billing_store::BillLine;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::BufRead;
use std::path::Path;

/// An exact decimal as written in the file: a JSON string or a JSON number, read from its text.
#[derive(Debug, Clone)]
pub struct Dec(pub String);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Dec, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        let t = raw.get().trim();
        if t.starts_with('"') {
            let s: String = serde_json::from_str(t).map_err(serde::de::Error::custom)?;
            Ok(Dec(s))
        } else {
            Ok(Dec(t.to_string()))
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LineRecord {
    pub description: String,
    pub quantity: Dec,
    #[serde(default)]
    pub unit: String,
    pub unit_price: Dec,
    pub amount: Dec,
    pub vat_rate: Dec,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VatRecord {
    pub rate: Dec,
    pub taxable: Dec,
    pub tax: Dec,
}

/// One bill of an import file.
#[derive(Debug, Clone, Deserialize)]
pub struct BillRecord {
    /// The billing system's bill number.
    pub id: i64,
    /// The customer code.
    pub customer: String,
    /// The supply point's POD, PDR or meter number.
    pub supply_point: String,
    pub period_from: Date,
    pub period_to: Date,
    pub issued: Date,
    pub due: Date,
    pub lines: Vec<LineRecord>,
    /// The VAT summary by rate; checked when given.
    #[serde(default)]
    pub vat: Option<Vec<VatRecord>>,
    pub total: Dec,
}

/// A bill refused: the file line it starts on and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub line: usize,
    pub bill: Option<i64>,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportOutcome {
    pub read: u64,
    pub imported: u64,
    /// Bills already stored under the same number: skipped.
    pub duplicates: u64,
    pub email: u64,
    pub paper: u64,
    pub refused: Vec<Refusal>,
}

fn dec(what: &str, d: &Dec) -> std::result::Result<Decimal, String> {
    parse_decimal(&d.0).ok_or_else(|| format!("{what} '{}' is not a decimal number", d.0))
}

/// A bill checked: its lines with amounts in cents, and its total in cents.
#[derive(Debug, Clone)]
pub struct CheckedBill {
    pub record: BillRecord,
    pub lines: Vec<BillLine>,
    pub total_cents: i64,
}

/// Checks that a bill adds up; the reason says which line or figure is wrong.
pub fn check(record: BillRecord) -> std::result::Result<CheckedBill, String> {
    if record.lines.is_empty() {
        return Err("the bill has no lines".into());
    }
    // The one rule for text (canali_domain::text): no control characters, a length by kind.
    let text = |field: String, value: &str, kind: TextKind| match text_fault(value, kind) {
        None => Ok(()),
        Some(f) => Err(format!("{field} {}", f.reason())),
    };
    text("customer".into(), &record.customer, TextKind::Code)?;
    text("supply_point".into(), &record.supply_point, TextKind::Code)?;
    for (i, l) in record.lines.iter().enumerate() {
        text(
            format!("bill line {}: description", i + 1),
            &l.description,
            TextKind::Line,
        )?;
        text(
            format!("bill line {}: unit", i + 1),
            &l.unit,
            TextKind::Code,
        )?;
    }
    if record.period_from > record.period_to {
        return Err(format!(
            "the period starts ({}) after it ends ({})",
            record.period_from, record.period_to
        ));
    }
    if record.due < record.issued {
        return Err(format!(
            "the due date {} is before the issue date {}",
            record.due, record.issued
        ));
    }
    let mut lines = Vec::with_capacity(record.lines.len());
    for (i, l) in record.lines.iter().enumerate() {
        let n = i + 1;
        let q = dec(&format!("bill line {n}: quantity"), &l.quantity)?;
        let p = dec(&format!("bill line {n}: unit price"), &l.unit_price)?;
        let a = dec(&format!("bill line {n}: amount"), &l.amount)?;
        let r = dec(&format!("bill line {n}: VAT rate"), &l.vat_rate)?;
        if a.scale() > 2 && a.normalize().scale() > 2 {
            return Err(format!(
                "bill line {n}: the amount {a} has more than 2 decimals"
            ));
        }
        if r < Decimal::ZERO || r > Decimal::ONE_HUNDRED {
            return Err(format!(
                "bill line {n}: the VAT rate {r}% is not a percentage"
            ));
        }
        let product = q * p;
        let cents =
            to_cents(product).ok_or_else(|| format!("bill line {n}: amount out of range"))?;
        let amount = to_cents(a).ok_or_else(|| format!("bill line {n}: amount out of range"))?;
        if cents != amount {
            return Err(format!(
                "bill line {n} ({}): {} x {} = {} (rounded {}), but the amount is {}",
                l.description,
                q.normalize(),
                p.normalize(),
                product.normalize(),
                euros(cents),
                euros(amount)
            ));
        }
        lines.push(BillLine {
            bill_id: record.id,
            line_no: n as i64,
            description: l.description.clone(),
            quantity: q.normalize().to_string(),
            unit: l.unit.clone(),
            unit_price: p.normalize().to_string(),
            amount_cents: amount,
            vat_rate: r.normalize().to_string(),
        });
    }
    let vat = vat_summary(&lines).map_err(|e| e.to_string())?;
    if let Some(given) = &record.vat {
        for v in given {
            let rate = dec("VAT rate", &v.rate)?.normalize();
            let taxable = to_cents(dec("VAT taxable", &v.taxable)?).unwrap_or(i64::MIN);
            let tax = to_cents(dec("VAT tax", &v.tax)?).unwrap_or(i64::MIN);
            let Some(mine) = vat.iter().find(|m| m.0 == rate) else {
                return Err(format!("VAT at {rate}%: no line has that rate"));
            };
            if mine.1 != taxable {
                return Err(format!(
                    "VAT at {rate}%: the taxable amount is {} but the lines at that rate make {}",
                    euros(taxable),
                    euros(mine.1)
                ));
            }
            if mine.2 != tax {
                return Err(format!(
                    "VAT at {rate}%: the tax is {} but {} x {rate}% is {}",
                    euros(tax),
                    euros(mine.1),
                    euros(mine.2)
                ));
            }
        }
        if given.len() != vat.len() {
            return Err(format!(
                "the VAT summary has {} rates but the lines have {}",
                given.len(),
                vat.len()
            ));
        }
    }
    let sum: i64 = vat.iter().map(|v| v.1 + v.2).sum();
    let total = to_cents(dec("total", &record.total)?).ok_or("total out of range")?;
    if sum != total {
        return Err(format!(
            "the total is {} but the lines and VAT make {}",
            euros(total),
            euros(sum)
        ));
    }
    Ok(CheckedBill {
        record,
        lines,
        total_cents: total,
    })
}

/// One CSV row: a bill line with its bill's columns.
#[derive(Debug, Deserialize)]
struct CsvRow {
    id: i64,
    customer: String,
    supply_point: String,
    period_from: Date,
    period_to: Date,
    issued: Date,
    due: Date,
    total: String,
    description: String,
    quantity: String,
    #[serde(default)]
    unit: String,
    unit_price: String,
    amount: String,
    vat_rate: String,
}

/// Reads the file into bills with the file line each starts on; unreadable records are refused.
/// The bills read with the file line each starts on, and the records refused.
type Read = (Vec<(usize, BillRecord)>, Vec<Refusal>);

fn read(path: &Path) -> Result<Read> {
    let file = std::fs::File::open(path)
        .map_err(|e| BillingError::Invalid(format!("cannot open {}: {e}", path.display())))?;
    let mut reader = std::io::BufReader::new(file);
    let mut first = String::new();
    let is_json = {
        let buf = reader.fill_buf()?;
        first.push_str(&String::from_utf8_lossy(&buf[..buf.len().min(64)]));
        first.trim_start().starts_with('{')
    };
    let mut bills = Vec::new();
    let mut refused = Vec::new();
    if is_json {
        for (i, line) in reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<BillRecord>(&line) {
                Ok(r) => bills.push((i + 1, r)),
                Err(e) => refused.push(Refusal {
                    line: i + 1,
                    bill: None,
                    reason: format!("not a bill record: {e}"),
                }),
            }
        }
    } else {
        let mut csv = csv::Reader::from_reader(reader);
        let mut current: Option<(usize, BillRecord)> = None;
        for (i, row) in csv.deserialize::<CsvRow>().enumerate() {
            let line = i + 2;
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    refused.push(Refusal {
                        line,
                        bill: None,
                        reason: format!("not a bill row: {e}"),
                    });
                    continue;
                }
            };
            let l = LineRecord {
                description: row.description,
                quantity: Dec(row.quantity),
                unit: row.unit,
                unit_price: Dec(row.unit_price),
                amount: Dec(row.amount),
                vat_rate: Dec(row.vat_rate),
            };
            match &mut current {
                Some((_, b)) if b.id == row.id => b.lines.push(l),
                _ => {
                    bills.extend(current.take());
                    current = Some((
                        line,
                        BillRecord {
                            id: row.id,
                            customer: row.customer,
                            supply_point: row.supply_point,
                            period_from: row.period_from,
                            period_to: row.period_to,
                            issued: row.issued,
                            due: row.due,
                            lines: vec![l],
                            vat: None,
                            total: Dec(row.total),
                        },
                    ));
                }
            }
        }
        bills.extend(current);
    }
    Ok((bills, refused))
}

/// Sheets of the paper version: two for the bill and the e-bill form, one more per 14 lines
/// beyond the first 14.
pub fn sheets_for(lines: usize) -> i64 {
    2 + (lines.saturating_sub(1) / 14) as i64
}

/// Imports a file of bills (see the module doc).
pub async fn import_file(store: &Store, path: &Path) -> Result<ImportOutcome> {
    let (records, mut refused) = read(path)?;
    let mut out = ImportOutcome {
        read: (records.len() + refused.len()) as u64,
        ..ImportOutcome::default()
    };
    for chunk in records.chunks(1000) {
        let mut checked = Vec::with_capacity(chunk.len());
        for (line, r) in chunk {
            let id = r.id;
            match check(r.clone()) {
                Ok(c) => checked.push((*line, c)),
                Err(reason) => refused.push(Refusal {
                    line: *line,
                    bill: Some(id),
                    reason,
                }),
            }
        }
        let codes: Vec<String> = checked
            .iter()
            .map(|c| c.1.record.customer.clone())
            .collect();
        let points: Vec<String> = checked
            .iter()
            .map(|c| c.1.record.supply_point.clone())
            .collect();
        let (customers, supply) = store.billing().resolve_bill_keys(&codes, &points).await?;
        let mut bills = Vec::new();
        let mut lines = Vec::new();
        let mut by_day: std::collections::BTreeMap<Day, Vec<usize>> = Default::default();
        let mut ok = Vec::new();
        for (line, c) in checked {
            let r = &c.record;
            let Some(&customer) = customers.get(&r.customer) else {
                refused.push(Refusal {
                    line,
                    bill: Some(r.id),
                    reason: format!("no customer with code {}", r.customer),
                });
                continue;
            };
            let Some(&(sp, owner)) = supply.get(&r.supply_point) else {
                refused.push(Refusal {
                    line,
                    bill: Some(r.id),
                    reason: format!("no supply point {}", r.supply_point),
                });
                continue;
            };
            if owner != customer {
                refused.push(Refusal {
                    line,
                    bill: Some(r.id),
                    reason: format!(
                        "the supply point {} is not customer {}'s",
                        r.supply_point, r.customer
                    ),
                });
                continue;
            }
            by_day
                .entry(Day::from_date(r.issued))
                .or_default()
                .push(ok.len());
            ok.push((c, customer, sp));
        }
        // The delivery each customer had chosen on the bill's issue date.
        let mut email = vec![false; ok.len()];
        for (day, idx) in &by_day {
            let ids: Vec<i64> = idx.iter().map(|&i| ok[i].1).collect();
            let on = store.billing().ebill_on(&ids, *day).await?;
            for &i in idx {
                email[i] = on.get(&ok[i].1).copied().unwrap_or(false);
            }
        }
        for (i, (c, customer, sp)) in ok.into_iter().enumerate() {
            let r = &c.record;
            bills.push(canali_store::Bill {
                id: r.id,
                customer_id: customer,
                supply_point_id: sp,
                issued: Day::from_date(r.issued),
                due: Day::from_date(r.due),
                period_from: Day::from_date(r.period_from),
                period_to: Day::from_date(r.period_to),
                total_cents: c.total_cents,
                delivery: if email[i] {
                    Delivery::Email
                } else {
                    Delivery::Paper
                },
                sheets: sheets_for(c.lines.len()),
            });
            lines.extend(c.lines);
        }
        let inserted = store.insert_bills(&bills).await?;
        store.billing().insert_bill_lines(&lines).await?;
        out.imported += inserted;
        out.duplicates += bills.len() as u64 - inserted;
        out.email += bills
            .iter()
            .filter(|b| b.delivery == Delivery::Email)
            .count() as u64;
        out.paper += bills
            .iter()
            .filter(|b| b.delivery == Delivery::Paper)
            .count() as u64;
    }
    refused.sort_by_key(|r| r.line);
    out.refused = refused;
    Ok(out)
}
