//! The contact ledger: one ingest path for every channel, idempotent on `(source, external_id)`,
//! with the rollups kept in step in the same transaction (rollups.rs says which).

use crate::bulk::{Table, Tx, Val};
use crate::db::on_db;
use crate::rollups::CallFigures;
use crate::{Backend, IngestOutcome, NewContact, Result, Store};
use canali_domain::{Channel, Day, Segment};
use sqlx::AssertSqlSafe;
use std::collections::{HashMap, HashSet};

pub(crate) const CONTACTS: Table = Table {
    name: "contacts",
    columns: &[
        "id",
        "source",
        "external_id",
        "channel",
        "segment",
        "customer",
        "territory",
        "started_at",
        "ended_at",
        "day",
        "wait_seconds",
        "handle_seconds",
        "reason",
        "outcome",
        "branch",
        "line",
        "agent",
    ],
    key: "source, external_id",
    implicit_rowid: true,
};

/// The contact's public key: a 63-bit hash of `(source, external_id)`, the pair that identifies
/// it in the ledger. Stable forever (FNV-1a then the murmur3 finaliser), the same on every
/// backend; ingest also uses it to tell which contacts of a batch were new.
pub fn contact_id(source: &str, external_id: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in source
        .as_bytes()
        .iter()
        .chain(&[0xff])
        .chain(external_id.as_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    (h & (i64::MAX as u64)) as i64
}

/// The hasher of the maps an ingest updates once per contact (rollup keys, the batch's external
/// ids): these keys come from the caller's own data, not from a remote party choosing them.
pub(crate) type FastHash = foldhash::fast::RandomState;
pub(crate) type FastMap<K, V> = HashMap<K, V, FastHash>;

/// Turns an instant into its Europe/Rome day, remembering the last day's bounds: contacts come
/// roughly in time order, so most lookups skip the time-zone arithmetic.
#[derive(Default)]
pub(crate) struct DayCache {
    start: i64,
    end: i64,
    day: i32,
}

impl DayCache {
    pub(crate) fn day_of(&mut self, micros: i64) -> i32 {
        if micros >= self.start && micros < self.end {
            return self.day;
        }
        let day = Day::of_micros(micros);
        let date = day.date();
        self.start = canali_domain::day::local_micros(date, 0, 0, 0);
        self.end = date
            .tomorrow()
            .map_or(i64::MAX, |d| canali_domain::day::local_micros(d, 0, 0, 0));
        self.day = day.0;
        day.0
    }
}

/// A contact ready for the ledger: derived fields resolved.
pub(crate) struct Prepared<'a> {
    /// The contact's position in the caller's batch.
    pub(crate) index: usize,
    id: i64,
    pub(crate) day: i32,
    pub(crate) segment: i64,
    pub(crate) territory: i64,
    pub(crate) contact: &'a NewContact,
}

/// The contact ledger: contacts in, from every channel, and its rollups rebuilt.
#[derive(Clone, Copy)]
pub struct Ledger<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// The contact ledger: see [`Ledger`].
    pub fn ledger(&self) -> Ledger<'_> {
        Ledger { store: self }
    }
}

impl Ledger<'_> {
    /// Writes contacts to the ledger and the rollups in one transaction; idempotent on
    /// `(source, external_id)`. Missing segment and territory are derived: the segment from
    /// the call-center line or the customer, the territory from the branch or the customer.
    pub async fn ingest(self, source: &str, batch: &[NewContact]) -> Result<IngestOutcome> {
        Ok(self.ingest_marked(source, batch).await?.0)
    }

    /// [`Ledger::ingest`], also telling for each contact of `batch` whether this call
    /// wrote it (false: it was already in the ledger, or repeated earlier in the batch), so
    /// that a caller keeping figures of its own counts each contact once.
    pub async fn ingest_marked(
        self,
        source: &str,
        batch: &[NewContact],
    ) -> Result<(IngestOutcome, Vec<bool>)> {
        // The reads that prepare a batch use the pool, before the transaction holds a
        // connection (and on SQLite the write lock).
        let store = self.store;
        let prepared = store.prepare(source, batch).await?;
        let mut tx = Tx::begin(&store.db).await?;
        let result = store
            .ingest_in(&mut tx, source, batch.len(), prepared)
            .await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Recomputes the daily and monthly rollups from the raw ledger. Returns the number of
    /// contacts counted.
    pub async fn rebuild_rollups(self) -> Result<i64> {
        let mut tx = Tx::begin(&self.store.db).await?;
        let total = crate::rollups::rebuild(&mut tx).await?;
        tx.commit().await?;
        Ok(total)
    }
}

impl Store {
    /// The ingest inside the caller's transaction, so that figures the caller keeps beside
    /// the ledger commit (or not) together with it.
    pub(crate) async fn ingest_in(
        &self,
        tx: &mut Tx<'_>,
        source: &str,
        batch_len: usize,
        prepared: Vec<Prepared<'_>>,
    ) -> Result<(IngestOutcome, Vec<bool>)> {
        self.ingest_in_with(tx, source, batch_len, prepared, CallFigures::FromContacts)
            .await
    }

    /// [`Store::ingest_in`], with the calls rollup counted from `calls` (the queue_log import
    /// and CTI count it from finer facts of their own).
    pub(crate) async fn ingest_in_with(
        &self,
        tx: &mut Tx<'_>,
        source: &str,
        batch_len: usize,
        mut prepared: Vec<Prepared<'_>>,
        calls: CallFigures,
    ) -> Result<(IngestOutcome, Vec<bool>)> {
        let mut written = vec![false; batch_len];
        if prepared.is_empty() {
            return Ok((IngestOutcome::default(), written));
        }
        // A contact repeated within the batch: the first occurrence is the one written, on
        // every backend (PostgreSQL's INSERT ... SELECT would pick either).
        let before = prepared.len();
        let mut seen = HashSet::with_capacity_and_hasher(before, FastHash::default());
        prepared.retain(|p| seen.insert(p.contact.external_id.as_str()));
        let repeated = (before - prepared.len()) as u64;
        // Written in the customer timeline's order (`contacts_customer`): that index, whose
        // entries a batch in time order would scatter all over it, then takes them in sequence,
        // each of its pages visited once while it is in the processor's cache (a quarter less
        // time for `sqlite3 .import` of 1M contacts sorted so in batches of 50,000). Which
        // contact is written, and the rollups, do not depend on the order.
        prepared.sort_by(|a, b| {
            (a.contact.customer.as_deref(), a.contact.started_at)
                .cmp(&(b.contact.customer.as_deref(), b.contact.started_at))
        });
        let mut values = Vec::with_capacity(prepared.len() * CONTACTS.columns.len());
        for p in &prepared {
            let c = p.contact;
            values.extend([
                Val::Int(Some(p.id)),
                Val::Text(Some(source)),
                Val::Text(Some(&c.external_id)),
                Val::Int(Some(c.channel.code())),
                Val::Int(Some(p.segment)),
                Val::Text(c.customer.as_deref()),
                Val::Int(Some(p.territory)),
                Val::Int(Some(c.started_at)),
                Val::Int(c.ended_at),
                Val::Int(Some(i64::from(p.day))),
                Val::Int(c.wait_seconds),
                Val::Int(c.handle_seconds),
                Val::Int(Some(c.reason.map_or(0, |r| r.code()))),
                Val::Int(Some(c.outcome.map_or(0, |o| o.code()))),
                Val::Text(c.branch.as_deref()),
                Val::Text(c.line.as_deref()),
                Val::Text(c.agent.as_deref()),
            ]);
        }
        let inserted = tx.insert(&CONTACTS, &values, &["id"]).await?;
        drop(values);
        let mut outcome = IngestOutcome {
            duplicates: repeated,
            ..IngestOutcome::default()
        };
        if inserted.len() == prepared.len() {
            // The common case: everything was new.
            for p in &prepared {
                written[p.index] = true;
            }
            outcome.inserted = prepared.len() as u64;
        } else {
            let mut new: HashSet<i64> = inserted.iter().map(|r| r[0]).collect();
            for p in &prepared {
                // `remove`: a contact repeated within the batch counts once.
                if new.remove(&p.id) {
                    written[p.index] = true;
                    outcome.inserted += 1;
                } else {
                    outcome.duplicates += 1;
                }
            }
        }
        // Every rollup follows the contacts this transaction wrote (rollups.rs).
        crate::rollups::after_ingest(tx, &prepared, &written, calls).await?;
        // Every contact of every channel passes here (the bulk loads included). Counted before
        // the caller commits: a transaction rolled back after this is an error logged anyway.
        metrics::counter!("canali_contacts_ingested_total", "source" => source.to_string())
            .increment(outcome.inserted);
        Ok((outcome, written))
    }

    pub(crate) async fn prepare<'a>(
        &self,
        source: &str,
        batch: &'a [NewContact],
    ) -> Result<Vec<Prepared<'a>>> {
        let branch_sots = self.branch_sots().await?;
        let wanted: Vec<&str> = batch
            .iter()
            .filter(|c| {
                let territory_known = c.territory.is_some()
                    || c.branch
                        .as_ref()
                        .is_some_and(|b| branch_sots.contains_key(b));
                !(territory_known && (c.segment.is_some() || c.channel.is_call_center()))
            })
            .filter_map(|c| c.customer.as_deref())
            .collect();
        let customers = self.customer_segments_and_sots(&wanted).await?;
        let mut days = DayCache::default();
        Ok(batch
            .iter()
            .enumerate()
            .map(|(index, c)| {
                let customer = c.customer.as_deref().and_then(|code| customers.get(code));
                let segment = c
                    .segment
                    .or(match c.channel {
                        Channel::CallCenterResidential => Some(Segment::Residential),
                        Channel::CallCenterBusiness => Some(Segment::Business),
                        _ => None,
                    })
                    .map(|s| s.code())
                    .or(customer.map(|c| c.0))
                    .unwrap_or(0);
                let territory = c
                    .territory
                    .or_else(|| c.branch.as_ref().and_then(|b| branch_sots.get(b).copied()))
                    .or(customer.map(|c| c.1))
                    .unwrap_or(0);
                Prepared {
                    index,
                    id: contact_id(source, &c.external_id),
                    day: days.day_of(c.started_at),
                    segment,
                    territory,
                    contact: c,
                }
            })
            .collect())
    }

    /// Customer code -> (segment, SOT), for the codes given.
    async fn customer_segments_and_sots(
        &self,
        codes: &[&str],
    ) -> Result<HashMap<String, (i64, i64)>> {
        let mut unique: Vec<&str> = codes.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let mut out = HashMap::with_capacity(unique.len());
        for chunk in unique.chunks(10_000) {
            let sql = format!(
                "SELECT code, segment, sot FROM customers WHERE code IN ({})",
                placeholders(chunk.len(), self.backend())
            );
            let rows: Vec<(String, i64, i64)> = on_db!(&self.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(&*sql));
                for code in chunk {
                    q = q.bind(*code);
                }
                q.fetch_all(p).await
            })?;
            out.extend(rows.into_iter().map(|(c, seg, sot)| (c, (seg, sot))));
        }
        Ok(out)
    }
}

pub(crate) fn fetch_i64_rows<R: sqlx::Row>(rows: Vec<R>) -> Result<Vec<Vec<i64>>>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.try_get::<i64, usize>(i).map_err(Into::into))
                .collect()
        })
        .collect()
}

/// `n` parameters for an `IN (...)` list, in the backend's cheapest style.
pub(crate) fn placeholders(n: usize, backend: Backend) -> String {
    match backend {
        // See `bulk::values_list`: SQLite resolves numbered parameters by a linear scan.
        Backend::Sqlite => vec!["?"; n].join(","),
        Backend::Postgres => (1..=n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `contact_id("sim", "c1")`, computed once by an independent implementation of the same
    /// hash (Python, FNV-1a 64 then the murmur3 finaliser, masked to 63 bits).
    const CONTACT_ID_SIM_C1: i64 = 2770249768458750679;

    #[test]
    fn contact_ids_are_stable_and_positive() {
        // Stored keys: this value must never change.
        assert_eq!(contact_id("sim", "c1"), CONTACT_ID_SIM_C1);
        assert_ne!(contact_id("sim", "c1"), contact_id("si", "mc1"));
        assert!(contact_id("a", "b") >= 0);
    }
}
