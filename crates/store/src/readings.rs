//! Customers' meter self-readings: the supply point's readings read inside the transaction,
//! the domain's verdict on the new one ([`canali_domain::reading::verdict`]) applied, and a
//! recorded reading written with its ledger contact (source `readings`, the reading id).

use crate::bulk::Tx;
use crate::customers::decode;
use crate::db::on_db;
use crate::requests::{READING_SOURCE, begin, rollback};
use crate::tickets::serialize_day;
use crate::{NewContact, Refusal, Result, Store};
use canali_domain::reading::{PastReading, SentReading, Verdict};
use canali_domain::{Channel, Day, Outcome, Reason, Service};
use sqlx::AssertSqlSafe;

/// Runs the same body on whichever transaction `tx` is (`$t` is the native transaction).
macro_rules! on_tx {
    ($tx:expr, |$t:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

/// A meter reading sent by the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReading {
    pub customer_id: i64,
    pub supply_point_id: i64,
    pub reading: i64,
    /// The day the customer read the meter.
    pub read_day: Day,
    pub sent_at: i64,
    /// The meter was replaced: the reading starts a new series and may be below the last one.
    pub meter_changed: bool,
    /// The customer confirmed a reading that looked too high.
    pub confirmed_high: bool,
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadingRow {
    pub id: i64,
    pub customer_id: i64,
    pub supply_point_id: i64,
    pub reading: i64,
    #[serde(serialize_with = "serialize_day")]
    pub read_day: Day,
    pub sent_at: i64,
    pub meter_changed: bool,
    pub channel: Channel,
}

/// What became of a reading: recorded, held back until the customer confirms it, or refused;
/// the web translates the refusals, the JSON carries their English sentences.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "detail")]
pub enum ReadingOutcome {
    Recorded(ReadingRow),
    NeedsConfirmation(#[serde(serialize_with = "serialize_sentence")] Refusal),
    Refused(#[serde(serialize_with = "serialize_sentence")] Refusal),
}

/// Serializes a refusal as its English sentence.
fn serialize_sentence<S: serde::Serializer>(
    r: &Refusal,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(r)
}

/// A row of [`READING_COLUMNS`], as stored.
#[derive(sqlx::FromRow)]
struct StoredReading {
    id: i64,
    customer_id: i64,
    supply_point_id: i64,
    reading: i64,
    read_day: i64,
    sent_at: i64,
    meter_changed: i64,
    channel: i64,
}

const READING_COLUMNS: &str =
    "id, customer_id, supply_point_id, reading, read_day, sent_at, meter_changed, channel";

fn reading_row(r: StoredReading) -> Result<ReadingRow> {
    Ok(ReadingRow {
        id: r.id,
        customer_id: r.customer_id,
        supply_point_id: r.supply_point_id,
        reading: r.reading,
        read_day: Day(r.read_day as i32),
        sent_at: r.sent_at,
        meter_changed: r.meter_changed != 0,
        channel: decode("channel", r.channel, Channel::from_code)?,
    })
}

/// The verdict on a reading, read inside its transaction: `Some` is the outcome when the
/// reading is not to be recorded (or is already stored), `None` lets it through. The rules are
/// the domain's ([`canali_domain::reading::verdict`]); this reads what they look at.
async fn check_reading(tx: &mut Tx<'_>, r: &NewReading) -> Result<Option<ReadingOutcome>> {
    // The supply point's row, locked on PostgreSQL: readings of one point go one at a time,
    // so a resend racing the original finds it.
    let lock = match *tx {
        Tx::Sqlite(_) => "",
        Tx::Postgres(_) => " FOR UPDATE",
    };
    let sql = format!("SELECT customer_id, service FROM supply_points WHERE id = $1{lock}");
    let point: Option<(i64, i64)> =
        on_tx!(&mut *tx, |t| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(r.supply_point_id)
            .fetch_optional(&mut **t)
            .await)?;
    let service = match point {
        Some((owner, service)) if owner == r.customer_id => {
            decode("service", service, Service::from_code)?
        }
        _ => {
            return Ok(Some(ReadingOutcome::Refused(
                Refusal::SupplyPointNotYours {
                    supply_point: r.supply_point_id,
                },
            )));
        }
    };
    let sql = format!(
        "SELECT {READING_COLUMNS} FROM meter_readings WHERE supply_point_id = $1 \
             ORDER BY read_day, id"
    );
    let previous: Vec<StoredReading> =
        on_tx!(&mut *tx, |t| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(r.supply_point_id)
            .fetch_all(&mut **t)
            .await)?;
    let previous: Vec<ReadingRow> = previous
        .into_iter()
        .map(reading_row)
        .collect::<Result<_>>()?;
    let past: Vec<PastReading> = previous
        .iter()
        .map(|p| PastReading {
            day: p.read_day,
            value: p.reading,
            meter_changed: p.meter_changed,
        })
        .collect();
    Ok(
        match canali_domain::reading::verdict(service, &past, &sent_reading(r)) {
            Verdict::Accepted => None,
            Verdict::AlreadyStored(i) => Some(ReadingOutcome::Recorded(previous[i].clone())),
            Verdict::Refused(why) => Some(ReadingOutcome::Refused(why)),
            Verdict::ToCheck(why) => Some(ReadingOutcome::NeedsConfirmation(why)),
        },
    )
}

/// The reading as the domain's rules see it.
fn sent_reading(r: &NewReading) -> SentReading {
    SentReading {
        supply_point: r.supply_point_id,
        value: r.reading,
        day: r.read_day,
        sent_day: Day::of_micros(r.sent_at),
        meter_changed: r.meter_changed,
        confirmed_high: r.confirmed_high,
    }
}

/// Customers' meter readings.
#[derive(Clone, Copy)]
pub struct Readings<'a> {
    store: &'a Store,
}

impl Store {
    pub fn readings(&self) -> Readings<'_> {
        Readings { store: self }
    }
}

impl Readings<'_> {
    /// Records a customer's meter reading (gas and water meters only). Refused: a supply point
    /// that is not the customer's or not metered, a negative reading, a reading day after the
    /// sending day or before the last reading, a reading below the last one (unless the meter
    /// was replaced). Held for confirmation: a reading implying a daily consumption more than
    /// three times the usual one (the average over the readings since the last meter change,
    /// when there are at least two), unless confirmed. Sending the same reading for the same
    /// day again returns the stored one. A recorded reading is a contact (source `readings`,
    /// reason meter reading, outcome resolved) written in the same transaction.
    pub async fn record(self, r: &NewReading) -> Result<ReadingOutcome> {
        if let Err(why) = canali_domain::reading::check_sent(&sent_reading(r)) {
            return Ok(ReadingOutcome::Refused(why));
        }
        let customer = self.store.brief(r.customer_id).await?;
        self.store.branch_sots().await?;
        let mut tx = begin(&self.store.db).await?;
        match check_reading(&mut tx, r).await {
            Ok(None) => {}
            Ok(Some(verdict)) => {
                rollback(tx).await?;
                return Ok(verdict);
            }
            Err(e) => {
                rollback(tx).await?;
                return Err(e);
            }
        }
        let id: i64 = on_tx!(&mut tx, |t| {
            sqlx::query_scalar(
            "INSERT INTO meter_readings (customer_id, supply_point_id, reading, read_day, sent_at, \
             meter_changed, channel) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
        )
        .bind(r.customer_id)
        .bind(r.supply_point_id)
        .bind(r.reading)
        .bind(i64::from(r.read_day.0))
        .bind(r.sent_at)
        .bind(i64::from(r.meter_changed))
        .bind(r.channel.code())
        .fetch_one(&mut **t)
        .await
        })?;
        let contact = NewContact {
            external_id: id.to_string(),
            channel: r.channel,
            started_at: r.sent_at,
            ended_at: None,
            segment: Some(customer.segment),
            customer: Some(customer.code),
            territory: Some(customer.sot),
            wait_seconds: None,
            handle_seconds: None,
            reason: Some(Reason::MeterReading),
            outcome: Some(Outcome::Resolved),
            branch: None,
            line: None,
            agent: None,
        };
        self.store
            .ledger_in(&mut tx, READING_SOURCE, contact)
            .await?;
        tx.commit().await?;
        Ok(ReadingOutcome::Recorded(ReadingRow {
            id,
            customer_id: r.customer_id,
            supply_point_id: r.supply_point_id,
            reading: r.reading,
            read_day: r.read_day,
            sent_at: r.sent_at,
            meter_changed: r.meter_changed,
            channel: r.channel,
        }))
    }

    /// The readings of a supply point, newest first.
    pub async fn of(self, supply_point_id: i64, limit: i64) -> Result<Vec<ReadingRow>> {
        let sql = format!(
            "SELECT {READING_COLUMNS} FROM meter_readings WHERE supply_point_id = $1 \
             ORDER BY read_day DESC, id DESC LIMIT $2"
        );
        let rows: Vec<StoredReading> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(supply_point_id)
        .bind(limit.max(0))
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(reading_row).collect()
    }
}
