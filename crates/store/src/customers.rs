//! The console's view of a customer: search by any identifier an operator may be given (customer
//! code, codice fiscale or partita IVA, POD or PDR, e-mail, phone, name), the customer's record
//! with the online-branch account and e-bill status, supply points, bills and the contact
//! timeline across channels; and the dashboard's contacts by channel.
//!
//! Every query here reads through an index: a search costs a few index probes whatever the
//! number of customers (the `search` bench measures it on the full-size demo).

use crate::db::on_db;
use crate::{Result, Store, StoreError};
use canali_domain::network::{Delivery, EbillPath};
use canali_domain::{Channel, Day, Outcome, Reason, Segment, Service};
use sqlx::AssertSqlSafe;

/// Serializes an optional [`Day`] as its date, `2011-03-01`, or null.
pub fn serialize_opt_day<S: serde::Serializer>(
    day: &Option<Day>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match day {
        Some(d) => s.collect_str(&d.date()),
        None => s.serialize_none(),
    }
}

use crate::tickets::serialize_day;

mod search;
pub use search::{CustomerHit, SearchField};
pub(crate) use search::{NAME_TOKENS, name_token_rows, name_token_values};

/// Decodes a stored enum code, or says which column held an unknown one.
pub(crate) fn decode<T>(what: &str, value: i64, parse: fn(i64) -> Option<T>) -> Result<T> {
    parse(value)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown {what} code {value} in the database")))
}

/// The customer's registry row with the online-branch account and the e-bill status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CustomerRecord {
    pub id: i64,
    pub code: String,
    pub segment: Segment,
    pub tax_id: String,
    pub name: String,
    pub sot: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(serialize_with = "serialize_day")]
    pub since: Day,
    /// The online-branch account's e-mail address, when the customer registered.
    pub portal_email: Option<String>,
    #[serde(serialize_with = "serialize_opt_day")]
    pub portal_registered: Option<Day>,
    /// Whether the latest e-bill switch was an enrolment (false: never switched, or back to paper).
    pub ebill_enrolled: bool,
    /// The day and path of the latest e-bill switch (an enrolment or a withdrawal), if any.
    #[serde(serialize_with = "serialize_opt_day")]
    pub ebill_since: Option<Day>,
    pub ebill_path: Option<EbillPath>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SupplyPointRow {
    pub id: i64,
    pub service: Service,
    /// POD, PDR, water meter number or waste account.
    pub identifier: String,
    pub municipality: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BillRow {
    pub id: i64,
    pub supply_point_id: i64,
    /// The supply point's POD, PDR or meter number.
    pub identifier: String,
    pub service: Service,
    #[serde(serialize_with = "serialize_day")]
    pub issued: Day,
    #[serde(serialize_with = "serialize_day")]
    pub due: Day,
    #[serde(serialize_with = "serialize_day")]
    pub period_from: Day,
    #[serde(serialize_with = "serialize_day")]
    pub period_to: Day,
    pub total_cents: i64,
    pub delivery: Delivery,
    pub sheets: i64,
}

/// What [`Customers::home`] reads.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerHome {
    pub record: CustomerRecord,
    pub supply_points: Vec<SupplyPointRow>,
    pub bills: Vec<BillRow>,
    pub requests: Vec<crate::requests::ServiceRequest>,
}

/// A customer with the online-branch account and the latest e-bill switch (three probes of its
/// primary key, which makes the row unique): one query for every page showing a customer.
const CUSTOMER_COLUMNS: &str = "c.id, c.code, c.segment, c.tax_id, c.name, c.sot, c.email, \
     c.phone, c.since, a.email, a.day, \
     (SELECT e.day FROM ebill_events e WHERE e.customer_id = c.id \
      ORDER BY e.day DESC, e.enrolled DESC LIMIT 1), \
     (SELECT e.path FROM ebill_events e WHERE e.customer_id = c.id \
      ORDER BY e.day DESC, e.enrolled DESC LIMIT 1), \
     (SELECT e.enrolled FROM ebill_events e WHERE e.customer_id = c.id \
      ORDER BY e.day DESC, e.enrolled DESC LIMIT 1)";

const CUSTOMER_FROM: &str = "FROM customers c LEFT JOIN portal_accounts a ON a.customer_id = c.id";

type CustomerTuple = (
    i64,
    String,
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn customer_record(r: CustomerTuple) -> Result<CustomerRecord> {
    let ebill: Option<(i64, i64, i64)> = match (r.11, r.12, r.13) {
        (Some(day), Some(path), Some(enrolled)) => Some((day, path, enrolled)),
        _ => None,
    };
    Ok(CustomerRecord {
        id: r.0,
        code: r.1,
        segment: decode("segment", r.2, Segment::from_code)?,
        tax_id: r.3,
        name: r.4,
        sot: r.5,
        email: r.6,
        phone: r.7,
        since: Day(r.8 as i32),
        portal_email: r.9,
        portal_registered: r.10.map(|d| Day(d as i32)),
        ebill_enrolled: ebill.is_some_and(|e| e.2 != 0),
        ebill_since: ebill.map(|e| Day(e.0 as i32)),
        ebill_path: ebill
            .map(|e| decode("e-bill path", e.1, EbillPath::from_code))
            .transpose()?,
    })
}

const SUPPLY_POINT_COLUMNS: &str = "id, service, identifier, municipality, address";

type SupplyPointTuple = (i64, i64, String, String, String);

fn supply_point_row(r: SupplyPointTuple) -> Result<SupplyPointRow> {
    Ok(SupplyPointRow {
        id: r.0,
        service: decode("service", r.1, Service::from_code)?,
        identifier: r.2,
        municipality: r.3,
        address: r.4,
    })
}

/// A value PostgreSQL built with `json_build_array`.
fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("unexpected JSON from the database: {e}")))
}

/// A `json_agg` list: NULL when it aggregated no rows.
fn json_list<T: serde::de::DeserializeOwned>(text: Option<String>) -> Result<Vec<T>> {
    text.map_or(Ok(Vec::new()), |t| from_json(&t))
}

type BillTuple = (i64, i64, String, i64, i64, i64, i64, i64, i64, i64, i64);

const BILL_COLUMNS: &str = "b.id, b.supply_point_id, s.identifier, s.service, b.issued, b.due, \
     b.period_from, b.period_to, b.total_cents, b.delivery, b.sheets";

fn bill_row(r: BillTuple) -> Result<BillRow> {
    Ok(BillRow {
        id: r.0,
        supply_point_id: r.1,
        identifier: r.2,
        service: decode("service", r.3, Service::from_code)?,
        issued: Day(r.4 as i32),
        due: Day(r.5 as i32),
        period_from: Day(r.6 as i32),
        period_to: Day(r.7 as i32),
        total_cents: r.8,
        delivery: decode("delivery", r.9, Delivery::from_code)?,
        sheets: r.10,
    })
}

/// One contact of a customer's timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimelineEntry {
    /// The contact's public id ([`crate::contact_id`]).
    pub id: i64,
    pub channel: Channel,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub wait_seconds: Option<i64>,
    pub handle_seconds: Option<i64>,
    /// `None` when the source did not give one (stored as 0).
    pub reason: Option<Reason>,
    pub outcome: Option<Outcome>,
    pub branch: Option<String>,
    pub line: Option<String>,
    pub agent: Option<String>,
    /// The ledger source (`calls`, `tickets`, `requests`, `mail`, ...) and the source's own id.
    pub source: String,
    pub external_id: String,
}

/// A row of the ledger as the timeline reads it.
#[derive(sqlx::FromRow)]
struct TimelineRow {
    id: i64,
    channel: i64,
    started_at: i64,
    ended_at: Option<i64>,
    wait_seconds: Option<i64>,
    handle_seconds: Option<i64>,
    reason: i64,
    outcome: i64,
    branch: Option<String>,
    line: Option<String>,
    agent: Option<String>,
    source: String,
    external_id: String,
}

/// Customers: their records, supply points and bills as the portal and the console show them,
/// their timeline of contacts, and the operators' search.
#[derive(Clone, Copy)]
pub struct Customers<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// Customers: see [`Customers`].
    pub fn customers(&self) -> Customers<'_> {
        Customers { store: self }
    }
}

impl Customers<'_> {
    /// The customer with this id, with the online-branch account and e-bill status.
    pub async fn get(self, id: i64) -> Result<Option<CustomerRecord>> {
        self.customer_where("c.id = $1", id.to_string().as_str(), Some(id))
            .await
    }

    /// The customer with this code (as printed on the bill).
    pub async fn by_code(self, code: &str) -> Result<Option<CustomerRecord>> {
        // A code the rule for text refuses was never stored: it matches nobody.
        if canali_domain::text::text_fault(code.trim(), canali_domain::text::TextKind::Code)
            .is_some()
        {
            return Ok(None);
        }
        self.customer_where("c.code = $1", code.trim(), None).await
    }

    async fn customer_where(
        self,
        filter: &str,
        text: &str,
        id: Option<i64>,
    ) -> Result<Option<CustomerRecord>> {
        let sql = format!("SELECT {CUSTOMER_COLUMNS} {CUSTOMER_FROM} WHERE {filter}");
        let row: Option<CustomerTuple> = on_db!(&self.store.db, |p| {
            let q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            match id {
                Some(id) => q.bind(id).fetch_optional(p).await,
                None => q.bind(text).fetch_optional(p).await,
            }
        })?;
        row.map(customer_record).transpose()
    }

    /// What the customer's home page of the online branch shows: the record, the supply
    /// points, the latest `bills` bills and the requests, as [`Customers::get`],
    /// [`Customers::supply_points_of`], [`Customers::bills_of`] and [`Store::requests_of`] give them.
    /// One statement that returns each list as a JSON array, on both backends: every statement
    /// is a round trip (PostgreSQL) or a hand-off to the connection's thread (SQLite) and a
    /// wait for one of the pool's few connections, and the home page is the page customers
    /// open most.
    pub async fn home(self, id: i64, bills: i64) -> Result<Option<CustomerHome>> {
        let requests = crate::requests::REQUEST_COLUMNS;
        // SQLite's `json` keeps a nested array an array when a subquery hands it on as text.
        let (array, agg, nested, text) = match self.store.backend() {
            crate::Backend::Sqlite => ("json_array", "json_group_array", "json", ""),
            crate::Backend::Postgres => ("json_build_array", "json_agg", "", "::text"),
        };
        let sql = format!(
            "SELECT (SELECT {array}({CUSTOMER_COLUMNS}) {CUSTOMER_FROM} \
                     WHERE c.id = $1){text}, \
                    (SELECT {agg}({array}({SUPPLY_POINT_COLUMNS}) ORDER BY id) \
                     FROM supply_points WHERE customer_id = $1){text}, \
                    (SELECT {agg}({nested}(j) ORDER BY issued DESC, id DESC) \
                     FROM (SELECT {array}({BILL_COLUMNS}) j, b.issued, b.id \
                           FROM bills b JOIN supply_points s ON s.id = b.supply_point_id \
                           WHERE b.customer_id = $1 ORDER BY b.issued DESC, b.id DESC \
                           LIMIT {}) x){text}, \
                    (SELECT {agg}({array}({requests}) \
                                     ORDER BY r.opened_at DESC, r.id DESC) \
                     FROM service_requests r WHERE r.customer_id = $1){text}",
            bills.max(0)
        );
        type Lists = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let (record, points, bill_list, request_list): Lists =
            on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
                sql.as_str()
            ))
            .bind(id)
            .fetch_one(p)
            .await)?;
        let Some(record) = record else {
            return Ok(None);
        };
        Ok(Some(CustomerHome {
            record: customer_record(from_json(&record)?)?,
            supply_points: json_list(points)?
                .into_iter()
                .map(supply_point_row)
                .collect::<Result<_>>()?,
            bills: json_list(bill_list)?
                .into_iter()
                .map(bill_row)
                .collect::<Result<_>>()?,
            requests: json_list(request_list)?
                .into_iter()
                .map(crate::requests::RequestValues::into_request)
                .collect::<Result<_>>()?,
        }))
    }

    /// The customer's supply points, by id.
    pub async fn supply_points_of(self, customer_id: i64) -> Result<Vec<SupplyPointRow>> {
        let sql = format!(
            "SELECT {SUPPLY_POINT_COLUMNS} FROM supply_points WHERE customer_id = $1 ORDER BY id"
        );
        let rows: Vec<SupplyPointTuple> = on_db!(&self.store.db, |p| sqlx::query_as(
            AssertSqlSafe(sql.as_str())
        )
        .bind(customer_id)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(supply_point_row).collect()
    }

    /// The customer's bills, newest first (by issue day, then id), `limit` from `offset`.
    pub async fn bills_of(self, customer_id: i64, limit: i64, offset: i64) -> Result<Vec<BillRow>> {
        // LIMIT and OFFSET are written in, not bound: with them as parameters PostgreSQL
        // never settles on a generic plan for this statement and plans it again on every
        // call, which cost the customer's home page a third of its rate. Each page size and
        // offset is a statement of its own (the home page's and the first pages' are reused).
        let sql = format!(
            "SELECT {BILL_COLUMNS} FROM bills b JOIN supply_points s ON s.id = b.supply_point_id \
             WHERE b.customer_id = $1 ORDER BY b.issued DESC, b.id DESC LIMIT {} OFFSET {}",
            limit.max(0),
            offset.max(0)
        );
        let rows: Vec<BillTuple> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(customer_id)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(bill_row).collect()
    }

    /// One bill of the customer: `None` when it does not exist or belongs to someone else.
    pub async fn bill_of(self, customer_id: i64, bill_id: i64) -> Result<Option<BillRow>> {
        let sql = format!(
            "SELECT {BILL_COLUMNS} FROM bills b JOIN supply_points s ON s.id = b.supply_point_id \
             WHERE b.id = $1 AND b.customer_id = $2"
        );
        let row: Option<BillTuple> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(bill_id)
        .bind(customer_id)
        .fetch_optional(p)
        .await)?;
        row.map(bill_row).transpose()
    }

    /// The contacts of a customer (by code, as the ledger keeps it) across every channel, newest
    /// first, at most `limit`. Paging is by keyset: pass the `(started_at, id)` of the last entry
    /// of a page as `before` to get the next one.
    pub async fn timeline(
        self,
        customer_code: &str,
        before: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>> {
        let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
        let rows: Vec<TimelineRow> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT id, channel, started_at, ended_at, wait_seconds, handle_seconds, reason, \
                    outcome, branch, line, agent, source, external_id \
             FROM contacts WHERE customer = $1 AND started_at <= $2 \
               AND (started_at < $2 OR id < $3) \
             ORDER BY started_at DESC, id DESC LIMIT $4"
        )
        .bind(customer_code)
        .bind(at)
        .bind(id)
        .bind(limit.max(0))
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(TimelineEntry {
                    id: r.id,
                    channel: decode("channel", r.channel, Channel::from_code)?,
                    started_at: r.started_at,
                    ended_at: r.ended_at,
                    wait_seconds: r.wait_seconds,
                    handle_seconds: r.handle_seconds,
                    reason: Reason::from_code(r.reason),
                    outcome: Outcome::from_code(r.outcome),
                    branch: r.branch,
                    line: r.line,
                    agent: r.agent,
                    source: r.source,
                    external_id: r.external_id,
                })
            })
            .collect()
    }
}

/// A customer drawn for simulated activity (the living demo): who acts, and the meter they read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSample {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub segment: Segment,
    /// A metered supply point (gas, electricity or water) of the customer, if any.
    pub metered_point: Option<i64>,
}

impl Customers<'_> {
    /// About `limit` customers spread evenly over the customer ids, for simulated activity;
    /// one pass over the customers' primary key, whatever their number.
    pub async fn sample(self, limit: i64) -> Result<Vec<CustomerSample>> {
        let limit = limit.max(1);
        let (low, high): (Option<i64>, Option<i64>) = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT min(id), max(id) FROM customers"
        )
        .fetch_one(p)
        .await)?;
        let (Some(low), Some(high)) = (low, high) else {
            return Ok(Vec::new());
        };
        let step = ((high - low + 1) / limit).max(1);
        let rows: Vec<(i64, String, String, i64, Option<i64>)> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT c.id, c.code, c.name, c.segment, \
                 (SELECT min(s.id) FROM supply_points s WHERE s.customer_id = c.id \
                  AND s.service IN (1, 2, 3)) \
                 FROM customers c WHERE c.id >= $1 AND (c.id - $1) % $2 = 0 ORDER BY c.id LIMIT $3",
            )
            .bind(low)
            .bind(step)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        rows.into_iter()
            .map(|(id, code, name, segment, metered_point)| {
                Ok(CustomerSample {
                    id,
                    code,
                    name,
                    segment: decode("segment", segment, Segment::from_code)?,
                    metered_point,
                })
            })
            .collect()
    }
}

impl Customers<'_> {
    /// Changes a customer's e-mail address; a new address clears the bounce flag of the old.
    pub async fn set_email(self, customer_id: i64, email: Option<&str>) -> Result<()> {
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE customers SET email = $2 WHERE id = $1")
                .bind(customer_id)
                .bind(email)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM bad_addresses WHERE customer_id = $1 AND email <> $2")
                .bind(customer_id)
                .bind(email.unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }
}
