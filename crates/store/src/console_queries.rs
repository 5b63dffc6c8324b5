//! Small reads the operator console needs beside the customer view: the last day the ledger has
//! contacts for (the supervisor's dashboard shows that year's report).

use crate::db::on_db;
use crate::{Result, Store};
use canali_domain::Day;

impl Store {
    /// The latest day with contacts in the daily rollup, `None` when the ledger is empty. Reads
    /// the rollup's primary key only (its first column is the day).
    pub async fn latest_contact_day(&self) -> Result<Option<Day>> {
        let day: Option<i64> = on_db!(&self.db, |p| sqlx::query_scalar(
            "SELECT MAX(day) FROM contact_daily"
        )
        .fetch_one(p)
        .await)?;
        Ok(day.and_then(|d| i32::try_from(d).ok()).map(Day))
    }
}

#[cfg(test)]
mod tests {
    use crate::NewContact;
    use crate::testing::fresh_stores;
    use canali_domain::{Channel, Day};

    #[tokio::test]
    async fn the_latest_contact_day_follows_the_ledger() {
        for ts in fresh_stores().await.unwrap() {
            let store = &ts.store;
            assert_eq!(
                store.latest_contact_day().await.unwrap(),
                None,
                "{}",
                ts.name
            );
            let at = |y, m, d| {
                let day = Day::from_date(jiff::civil::date(y, m, d));
                (day, canali_domain::day::local_micros(day.date(), 10, 0, 0))
            };
            let contact = |id: &str, micros: i64| NewContact::new(id, Channel::Web, micros);
            let (later, later_at) = at(2011, 6, 30);
            let (_, earlier_at) = at(2010, 3, 1);
            store
                .ledger()
                .ingest("t", &[contact("a", later_at), contact("b", earlier_at)])
                .await
                .unwrap();
            assert_eq!(
                store.latest_contact_day().await.unwrap(),
                Some(later),
                "{}",
                ts.name
            );
        }
    }
}
