//! The ticket queue: a branch day from kiosk to counter, and 16 clerks calling at once.

use canali_branches::queue::{estimate_error, take_ticket};
use canali_domain::{Channel, ROME, Reason};
use canali_store::Store;
use canali_store::testing::fresh_stores;
use canali_store::tickets::{ServiceCategory, TicketStatus};
use jiff::civil::date;
use std::collections::HashSet;
use std::sync::Arc;

const MIN: i64 = 60_000_000;

fn at(h: i8, m: i8) -> i64 {
    date(2011, 3, 1)
        .at(h, m, 0, 0)
        .to_zoned(ROME.clone())
        .unwrap()
        .timestamp()
        .as_microsecond()
}

async fn setup(store: &Store, branch: &str) {
    let cat = |code: &str, name: &str, priority| ServiceCategory {
        branch: branch.to_string(),
        code: code.to_string(),
        name: name.to_string(),
        priority,
    };
    store
        .set_service_categories(&[
            cat("A", "Bollette e pagamenti", 1),
            cat("B", "Contratti", 1),
            cat("P", "Clienti business", 5),
        ])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_branch_day_from_kiosk_to_counter() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        setup(store, "SP-BO-01").await;
        assert!(
            store
                .take_ticket("SP-BO-01", "Z", false, at(8, 0), 0)
                .await
                .is_err()
        );

        let a1 = take_ticket(store, "SP-BO-01", "A", false, at(8, 0))
            .await
            .unwrap();
        let a2 = take_ticket(store, "SP-BO-01", "A", true, at(8, 1))
            .await
            .unwrap();
        let b1 = take_ticket(store, "SP-BO-01", "B", false, at(8, 2))
            .await
            .unwrap();
        let p1 = take_ticket(store, "SP-BO-01", "P", false, at(8, 3))
            .await
            .unwrap();
        assert_eq!(
            [&a1.label, &a2.label, &b1.label, &p1.label],
            ["A001", "A002", "B001", "P001"]
        );
        assert!(a2.is_virtual);
        // Default handling (5 min), no counter open yet: one ahead -> 5 min; P jumps the queue.
        assert_eq!(
            (
                a1.estimate_seconds,
                a2.estimate_seconds,
                b1.estimate_seconds
            ),
            (0, 300, 600)
        );
        assert_eq!(p1.estimate_seconds, 0);

        // The business customer first (priority), then the oldest.
        let c = store
            .call_next("SP-BO-01", "1", "mrossi", &[], at(8, 5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.label, "P001");
        // A counter limited to contracts takes B001 although A001 is older.
        let c2 = store
            .call_next("SP-BO-01", "2", "gbianchi", &["B".to_string()], at(8, 6))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c2.label, "B001");
        assert!(
            store
                .call_next("SP-BO-01", "2", "gbianchi", &["B".to_string()], at(8, 6))
                .await
                .unwrap()
                .is_none()
        );
        // Recall, then no-show.
        let r = store.recall_ticket(c2.id, at(8, 7)).await.unwrap();
        assert_eq!((r.recalls, r.called_at), (1, Some(at(8, 6))));
        let ns = store.no_show_ticket(c2.id, at(8, 9)).await.unwrap();
        assert_eq!(ns.status, TicketStatus::NoShow);
        // A no-show cannot be served; a waiting ticket cannot be closed.
        assert!(store.serve_ticket(c2.id, at(8, 9)).await.is_err());
        assert!(store.close_ticket(a1.id, at(8, 9), None).await.is_err());

        store.serve_ticket(c.id, at(8, 6)).await.unwrap();
        let closed = store
            .close_ticket(c.id, at(8, 18), Some(Reason::Contract))
            .await
            .unwrap();
        assert_eq!(
            (closed.wait_seconds(), closed.handle_seconds()),
            (Some(120), Some(720))
        );
        // Closing twice is refused, and the ledger holds the contact once.
        assert!(store.close_ticket(c.id, at(8, 19), None).await.is_err());

        // Now handling is 12 min at one active counter (two called in the last hour): A-category
        // newcomer has A001, A002 ahead.
        let a3 = take_ticket(store, "SP-BO-01", "A", false, at(8, 20))
            .await
            .unwrap();
        assert_eq!(a3.label, "A003");
        assert_eq!(a3.estimate_seconds, 2 * 720 / 2);

        let day = canali_domain::Day::from_date(date(2011, 3, 1));
        let tickets = store.tickets(Some("SP-BO-01"), day, day).await.unwrap();
        assert_eq!(tickets.len(), 5);
        let err = estimate_error(&tickets);
        assert_eq!(err.tickets, 2);
        // P001: announced 0, waited 2 min; B001: announced 10 min, waited 4 min.
        assert_eq!(err.mean_error_seconds, (120.0 - 360.0) / 2.0);

        let rollup = store.monthly_rollup(201103, 201103).await.unwrap();
        let branch: Vec<_> = rollup
            .iter()
            .filter(|r| r.channel == Channel::Branch)
            .collect();
        assert_eq!(
            branch.iter().map(|r| r.contacts).sum::<i64>(),
            2,
            "{}",
            t.name
        );
        assert_eq!(
            branch.iter().map(|r| r.wait_seconds).sum::<i64>(),
            120 + 240
        );
        // The next day numbering starts again.
        let next_day = at(8, 0) + 24 * 60 * MIN;
        assert_eq!(
            take_ticket(store, "SP-BO-01", "A", false, next_day)
                .await
                .unwrap()
                .label,
            "A001"
        );
    }
}

/// 16 clerks call, serve and close concurrently while 4 kiosks hand out tickets: every ticket
/// is served exactly once, on SQLite and on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clerks_never_serve_a_ticket_twice() {
    const TICKETS: usize = 480;
    for t in fresh_stores().await.unwrap() {
        let store = Arc::new(t.store);
        setup(&store, "SP-RN-01").await;
        let start = at(9, 0);
        // Half the tickets first, the other half while the clerks work.
        let mut kiosks = Vec::new();
        for k in 0..4 {
            let store = store.clone();
            kiosks.push(tokio::spawn(async move {
                let mut labels = Vec::new();
                for i in 0..TICKETS / 4 {
                    let cat = ["A", "B", "P"][(i + k) % 3];
                    let ts = start + (i * 4 + k) as i64 * 1000;
                    labels.push(
                        store
                            .take_ticket("SP-RN-01", cat, false, ts, 0)
                            .await
                            .unwrap()
                            .label,
                    );
                }
                labels
            }));
        }
        let mut labels = Vec::new();
        for k in kiosks.drain(..2) {
            labels.extend(k.await.unwrap());
        }
        let mut clerks = Vec::new();
        for c in 0..16 {
            let store = store.clone();
            clerks.push(tokio::spawn(async move {
                let mut served = Vec::new();
                let mut idle = 0;
                while idle < 50 {
                    let now = start + 10 * MIN;
                    match store
                        .call_next("SP-RN-01", &format!("{c}"), &format!("clerk{c}"), &[], now)
                        .await
                        .unwrap()
                    {
                        Some(t) => {
                            idle = 0;
                            store.serve_ticket(t.id, now + MIN).await.unwrap();
                            store.close_ticket(t.id, now + 5 * MIN, None).await.unwrap();
                            served.push(t.id);
                        }
                        None => {
                            idle += 1;
                            tokio::task::yield_now().await;
                        }
                    }
                }
                served
            }));
        }
        for k in kiosks {
            labels.extend(k.await.unwrap());
        }
        let mut all = Vec::new();
        for c in clerks {
            all.extend(c.await.unwrap());
        }
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "{}: a ticket served twice", t.name);
        assert_eq!(all.len(), TICKETS, "{}: every ticket served", t.name);
        let unique_labels: HashSet<&String> = labels.iter().collect();
        assert_eq!(unique_labels.len(), TICKETS, "{}: labels unique", t.name);
        let day = canali_domain::Day::from_date(date(2011, 3, 1));
        let tickets = store.tickets(Some("SP-RN-01"), day, day).await.unwrap();
        assert!(tickets.iter().all(|t| t.status == TicketStatus::Closed));
        let rollup = store.monthly_rollup(201103, 201103).await.unwrap();
        assert_eq!(
            rollup.iter().map(|r| r.contacts).sum::<i64>(),
            TICKETS as i64,
            "{}",
            t.name
        );
    }
}
