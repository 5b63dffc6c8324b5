//! The timeliness of a year's written requests per kind against the regulator's reply
//! standards (TIQV's general standard: a share of each kind's cases on time in the year), for
//! `canali kpi requests`, the supervisor's dashboard and the API.

use super::Requests;
use crate::Result;
use crate::customers::decode;
use crate::db::on_db;
use canali_domain::Day;
use canali_domain::service::{ReplyStandard, RequestKind, reply_standard_at};

impl Requests<'_> {
    /// The requests received from `first` to `last` (days of receipt) that a standard timed,
    /// per kind: answered on time, answered late, still open past the deadline at `today`, still
    /// open in time, and the compensation owed. Reads only those days' requests (an index on
    /// the day of receipt), so the year's figure does not slow down as years pile up.
    pub async fn on_time_by_kind(
        self,
        first: Day,
        last: Day,
        today: Day,
    ) -> Result<Vec<KindOnTime>> {
        type Row = (i64, i64, i64, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT kind, opened_day, deadline_day, answered_at, compensation_cents \
             FROM service_requests \
             WHERE opened_day BETWEEN $1 AND $2 AND deadline_day IS NOT NULL"
        )
        .bind(i64::from(first.0))
        .bind(i64::from(last.0))
        .fetch_all(p)
        .await)?;
        let mut out: Vec<KindOnTime> = Vec::new();
        for (kind, _opened, deadline, answered_at, compensation) in rows {
            let kind = decode("kind", kind, RequestKind::from_code)?;
            let k = match out.iter().position(|k| k.kind == kind) {
                Some(i) => &mut out[i],
                None => {
                    out.push(KindOnTime::new(kind));
                    out.last_mut().expect("just pushed")
                }
            };
            let deadline = deadline as i32;
            match answered_at {
                Some(at) if Day::of_micros(at).0 <= deadline => k.answered_on_time += 1,
                Some(_) => k.answered_late += 1,
                None if today.0 > deadline => k.open_overdue += 1,
                None => k.open_in_time += 1,
            }
            k.compensation_cents += compensation.unwrap_or(0);
        }
        out.sort_by_key(|k| k.kind);
        Ok(out)
    }

    /// The requests received in `year` per kind, judged on `today` against the standards in
    /// force on the year's first day.
    pub async fn year_on_time(
        self,
        year: i16,
        today: Day,
        standards: &[ReplyStandard],
    ) -> Result<Vec<KindYear>> {
        let first = jiff::civil::Date::new(year, 1, 1).map_err(|e| {
            crate::StoreError::Failed(format!("{year} is not a year of the calendar: {e}"))
        })?;
        let counts = self
            .on_time_by_kind(
                Day::from_date(first),
                Day::from_date(first.last_of_year()),
                today,
            )
            .await?;
        Ok(counts
            .into_iter()
            .map(|counts| KindYear::judge(counts, standards, Day::from_date(first)))
            .collect())
    }
}

/// One kind of request's timeliness over a period (see [`Requests::on_time_by_kind`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KindOnTime {
    pub kind: RequestKind,
    pub answered_on_time: i64,
    pub answered_late: i64,
    pub open_overdue: i64,
    pub open_in_time: i64,
    pub compensation_cents: i64,
}

impl KindOnTime {
    fn new(kind: RequestKind) -> KindOnTime {
        KindOnTime {
            kind,
            answered_on_time: 0,
            answered_late: 0,
            open_overdue: 0,
            open_in_time: 0,
            compensation_cents: 0,
        }
    }

    /// The cases whose timeliness is known: answered, or open past the deadline.
    pub fn judged(&self) -> i64 {
        self.answered_on_time + self.answered_late + self.open_overdue
    }

    /// The share of the judged cases answered on time, %; none before any is judged.
    pub fn on_time_pct(&self) -> Option<f64> {
        let judged = self.judged();
        (judged > 0).then(|| self.answered_on_time as f64 * 100.0 / judged as f64)
    }
}

/// One kind's year against the standard in force on its first day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KindYear {
    #[serde(flatten)]
    pub counts: KindOnTime,
    pub days: Option<i32>,
    pub days_four_monthly: Option<i32>,
    pub on_time_pct: Option<f64>,
    /// The general standard's share, when the kind has one.
    pub min_on_time_pct: Option<f64>,
    /// None: no general standard, or no case judged yet.
    pub met: Option<bool>,
    pub source: Option<String>,
}

impl KindYear {
    fn judge(counts: KindOnTime, standards: &[ReplyStandard], first: Day) -> KindYear {
        let standard = reply_standard_at(standards, counts.kind, first);
        let min = standard.and_then(|s| s.yearly_on_time_min_pct);
        let pct = counts.on_time_pct();
        KindYear {
            days: standard.map(|s| s.days),
            days_four_monthly: standard.and_then(|s| s.days_four_monthly),
            on_time_pct: pct,
            min_on_time_pct: min,
            met: min.zip(pct).map(|(min, pct)| pct >= min),
            source: standard.map(|s| s.source.clone()),
            counts,
        }
    }
}
