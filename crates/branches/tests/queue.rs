//! The ticket queue: a branch day from kiosk to counter, and 16 clerks calling at once.

use canali_branches::queue::{estimate_error, take_ticket};
use canali_domain::{Channel, ROME, Reason};
use canali_store::Store;
use canali_store::testing::fresh_stores;
use canali_store::tickets::{ServiceCategory, TicketState};
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
        .tickets()
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
                .tickets()
                .take("SP-BO-01", "Z", false, at(8, 0), 0)
                .await
                .is_err()
        );

        let a1 = take_ticket(store, "SP-BO-01", "A", false, at(8, 0))
            .await
            .unwrap();
        let a2 = take_ticket(store, "SP-BO-01", "A", true, at(8, 1))
            .await
            .unwrap();
        // Online for today: in the queue once its holder is at the branch.
        assert_eq!(a2.queued_at, None);
        let a2 = store.tickets().check_in(a2.id, at(8, 1)).await.unwrap();
        assert_eq!(a2.queued_at, Some(at(8, 1)));
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
            .tickets()
            .call_next("SP-BO-01", "1", "mrossi", &[], at(8, 5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.label, "P001");
        // A counter limited to contracts takes B001 although A001 is older.
        let c2 = store
            .tickets()
            .call_next("SP-BO-01", "2", "gbianchi", &["B".to_string()], at(8, 6))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c2.label, "B001");
        assert!(
            store
                .tickets()
                .call_next("SP-BO-01", "2", "gbianchi", &["B".to_string()], at(8, 6))
                .await
                .unwrap()
                .is_none()
        );
        // Recall, then no-show.
        let r = store.tickets().recall(c2.id, at(8, 7)).await.unwrap();
        assert_eq!((r.recalls, r.called_at), (1, Some(at(8, 6))));
        let ns = store.tickets().no_show(c2.id, at(8, 9)).await.unwrap();
        assert_eq!(ns.status, TicketState::NoShow);
        // A no-show cannot be served; a waiting ticket cannot be closed.
        assert!(store.tickets().serve(c2.id, at(8, 9)).await.is_err());
        assert!(store.tickets().close(a1.id, at(8, 9), None).await.is_err());

        store.tickets().serve(c.id, at(8, 6)).await.unwrap();
        let closed = store
            .tickets()
            .close(c.id, at(8, 18), Some(Reason::Contract))
            .await
            .unwrap();
        assert_eq!(
            (closed.wait_seconds(), closed.handle_seconds()),
            (Some(120), Some(720))
        );
        // Closing twice is refused, and the ledger holds the contact once.
        assert!(store.tickets().close(c.id, at(8, 19), None).await.is_err());

        // Now handling is 12 min at one active counter (two called in the last hour): A-category
        // newcomer has A001, A002 ahead.
        let a3 = take_ticket(store, "SP-BO-01", "A", false, at(8, 20))
            .await
            .unwrap();
        assert_eq!(a3.label, "A003");
        assert_eq!(a3.estimate_seconds, 2 * 720 / 2);

        let day = canali_domain::Day::from_date(date(2011, 3, 1));
        let tickets = store
            .tickets()
            .between(Some("SP-BO-01"), day, day)
            .await
            .unwrap();
        assert_eq!(tickets.len(), 5);
        let err = estimate_error(&tickets);
        assert_eq!(err.tickets, 2);
        // P001: announced 0, waited 2 min; B001: announced 10 min, waited 4 min.
        assert_eq!(err.mean_error_seconds, (120.0 - 360.0) / 2.0);

        let rollup = store
            .figures()
            .monthly_rollup(201103, 201103)
            .await
            .unwrap();
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
                            .tickets()
                            .take("SP-RN-01", cat, false, ts, 0)
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
                        .tickets()
                        .call_next("SP-RN-01", &format!("{c}"), &format!("clerk{c}"), &[], now)
                        .await
                        .unwrap()
                    {
                        Some(t) => {
                            idle = 0;
                            store.tickets().serve(t.id, now + MIN).await.unwrap();
                            store
                                .tickets()
                                .close(t.id, now + 5 * MIN, None)
                                .await
                                .unwrap();
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
        let tickets = store
            .tickets()
            .between(Some("SP-RN-01"), day, day)
            .await
            .unwrap();
        assert!(tickets.iter().all(|t| t.status == TicketState::Closed));
        let rollup = store
            .figures()
            .monthly_rollup(201103, 201103)
            .await
            .unwrap();
        assert_eq!(
            rollup.iter().map(|r| r.contacts).sum::<i64>(),
            TICKETS as i64,
            "{}",
            t.name
        );
    }
}

/// A booked ticket waits from its appointment or its arrival, whichever is later; it is not
/// called before its holder checks in; and it takes its place in the queue at that instant.
#[tokio::test]
async fn booked_tickets_wait_from_the_slot_or_the_arrival() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        setup(store, "SP-BO-02").await;
        let booked_at = at(8, 0) - 3 * 24 * 60 * MIN;
        // Booked three days ahead for 10:00; arrives early, at 9:40.
        let early = store
            .tickets()
            .book("SP-BO-02", "A", booked_at, at(10, 0), 0)
            .await
            .unwrap();
        assert_eq!(early.day, canali_domain::Day::from_date(date(2011, 3, 1)));
        assert_eq!(early.label, "A001", "numbered in the appointment's day");
        // Booked for 9:00; arrives late, at 9:30.
        let late = store
            .tickets()
            .book("SP-BO-02", "A", booked_at, at(9, 0), 0)
            .await
            .unwrap();
        assert!(
            store
                .tickets()
                .book("SP-BO-02", "A", at(9, 0), at(8, 0), 0)
                .await
                .is_err(),
            "an appointment before the booking"
        );
        // Not checked in: nobody to call.
        assert!(
            store
                .tickets()
                .call_next("SP-BO-02", "1", "", &[], at(9, 35))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store.tickets().check_in(early.id, booked_at).await.is_err(),
            "check-in on another day"
        );
        let early = store.tickets().check_in(early.id, at(9, 40)).await.unwrap();
        assert_eq!(early.queued_at, Some(at(10, 0)));
        assert!(store.tickets().check_in(early.id, at(9, 41)).await.is_err());
        let late = store.tickets().check_in(late.id, at(9, 30)).await.unwrap();
        assert_eq!(late.queued_at, Some(at(9, 30)));
        // A walk-in at 9:50 goes before the early customer (whose turn starts at 10:00).
        let walk_in = take_ticket(store, "SP-BO-02", "A", false, at(9, 50))
            .await
            .unwrap();
        let kiosk_only = store
            .tickets()
            .take("SP-BO-02", "B", false, at(9, 50), 0)
            .await
            .unwrap();
        assert!(
            store
                .tickets()
                .check_in(kiosk_only.id, at(9, 51))
                .await
                .is_err(),
            "kiosk tickets do not check in"
        );
        let order: Vec<String> = {
            let mut v = Vec::new();
            for m in [55, 56, 57] {
                let c = store
                    .tickets()
                    .call_next("SP-BO-02", "1", "", &["A".to_string()], at(9, m))
                    .await
                    .unwrap()
                    .unwrap();
                v.push(c.label);
            }
            v
        };
        assert_eq!(
            order,
            [
                late.label.clone(),
                walk_in.label.clone(),
                early.label.clone()
            ]
        );
        let called = |id| async move { store.tickets().get(id).await.unwrap().unwrap() };
        // Late: from the arrival 9:30 to 9:55; early: called at 9:57, before its 10:00 slot.
        assert_eq!(called(late.id).await.wait_seconds(), Some(25 * 60));
        assert_eq!(called(early.id).await.wait_seconds(), Some(0));
        assert_eq!(called(walk_in.id).await.wait_seconds(), Some(6 * 60));
        // The ledger's visit starts when the wait started, not at the booking.
        store.tickets().serve(late.id, at(9, 56)).await.unwrap();
        store
            .tickets()
            .close(late.id, at(10, 6), None)
            .await
            .unwrap();
        let rollup = store
            .figures()
            .monthly_rollup(201103, 201103)
            .await
            .unwrap();
        let waits: i64 = rollup
            .iter()
            .filter(|r| r.channel == Channel::Branch)
            .map(|r| r.wait_seconds)
            .sum();
        assert_eq!(waits, 25 * 60, "{}", t.name);
    }
}

/// Ticket times cannot go backwards: each step is refused, with a sentence, before the
/// previous one; nothing changes and the ledger gets nothing.
#[tokio::test]
async fn ticket_times_must_follow_each_other() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        setup(store, "SP-BO-03").await;
        let a = take_ticket(store, "SP-BO-03", "A", false, at(9, 0))
            .await
            .unwrap();
        let err = store
            .tickets()
            .call_next("SP-BO-03", "1", "", &[], at(8, 59))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be called before it is taken"), "{err}");
        store
            .tickets()
            .call_next("SP-BO-03", "1", "", &[], at(9, 10))
            .await
            .unwrap()
            .unwrap();
        for (what, r) in [
            ("recall", store.tickets().recall(a.id, at(9, 9)).await),
            ("serve", store.tickets().serve(a.id, at(9, 9)).await),
            ("no-show", store.tickets().no_show(a.id, at(9, 9)).await),
        ] {
            let err = r.unwrap_err();
            assert!(
                matches!(err, canali_store::StoreError::Refused(_)),
                "{what}: {err}"
            );
            assert!(
                err.to_string().contains("must not go backwards"),
                "{what}: {err}"
            );
        }
        store.tickets().serve(a.id, at(9, 12)).await.unwrap();
        let err = store
            .tickets()
            .close(a.id, at(9, 11), None)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("was at the counter at 2011-03-01 09:12:00"),
            "{err}"
        );
        let now = store.tickets().get(a.id).await.unwrap().unwrap();
        assert_eq!(now.status, TicketState::Serving, "{}", t.name);
        assert!(
            store
                .figures()
                .monthly_rollup(201103, 201103)
                .await
                .unwrap()
                .is_empty()
        );
        // Wrong state: the status in words.
        let err = store
            .tickets()
            .serve(a.id, at(9, 13))
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(err, "ticket A001 is at the counter, not called");
        // Same instant is fine.
        let closed = store.tickets().close(a.id, at(9, 12), None).await.unwrap();
        assert_eq!(closed.handle_seconds(), Some(0));
    }
}

/// Closing a ticket and writing its visit are one transaction: when the ledger write fails,
/// the ticket stays at the counter (and can be closed once the ledger accepts it).
#[tokio::test]
async fn a_close_whose_ledger_write_fails_leaves_the_ticket_open() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        setup(store, "SP-BO-04").await;
        let a = take_ticket(store, "SP-BO-04", "A", false, at(9, 0))
            .await
            .unwrap();
        store
            .tickets()
            .call_next("SP-BO-04", "1", "", &[], at(9, 1))
            .await
            .unwrap();
        store.tickets().serve(a.id, at(9, 2)).await.unwrap();
        // Break the ledger's rollup for a moment: the close must fail as a whole.
        raw(
            &t.url,
            "ALTER TABLE contact_daily RENAME TO contact_daily_away",
        )
        .await;
        assert!(store.tickets().close(a.id, at(9, 10), None).await.is_err());
        let still = store.tickets().get(a.id).await.unwrap().unwrap();
        assert_eq!(
            (still.status, still.closed_at),
            (TicketState::Serving, None),
            "{}",
            t.name
        );
        raw(
            &t.url,
            "ALTER TABLE contact_daily_away RENAME TO contact_daily",
        )
        .await;
        assert!(
            store
                .figures()
                .monthly_rollup(201103, 201103)
                .await
                .unwrap()
                .is_empty()
        );
        store.tickets().close(a.id, at(9, 10), None).await.unwrap();
        let rollup = store
            .figures()
            .monthly_rollup(201103, 201103)
            .await
            .unwrap();
        assert_eq!(rollup.iter().map(|r| r.contacts).sum::<i64>(), 1);
    }
}

/// Runs one statement on the test database through a connection of its own.
async fn raw(url: &str, sql: &'static str) {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
}

/// A counter whose customer is at the counter calls nobody else until that ticket is closed
/// (issue 17, #8: a served ticket was left open at the counter, with no screen to close it).
/// Another counter still calls, and the first calls again once it has closed its ticket.
#[tokio::test]
async fn a_counter_serving_a_customer_calls_nobody_else() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        setup(store, "SP-BO-05").await;
        let a = take_ticket(store, "SP-BO-05", "A", false, at(9, 0))
            .await
            .unwrap();
        let called = store
            .tickets()
            .call_next("SP-BO-05", "1", "mrossi", &[], at(9, 1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(called.id, a.id, "{}", t.name);
        store.tickets().serve(a.id, at(9, 2)).await.unwrap();
        let b = take_ticket(store, "SP-BO-05", "B", false, at(9, 3))
            .await
            .unwrap();
        let err = store
            .tickets()
            .call_next("SP-BO-05", "1", "mrossi", &[], at(9, 4))
            .await
            .unwrap_err();
        match &err {
            canali_store::StoreError::Refused(canali_store::Refusal::CounterBusy {
                counter,
                ticket,
            }) => assert_eq!((counter.as_str(), ticket.as_str()), ("1", "A001")),
            other => panic!("{}: expected the counter to be busy, got {other}", t.name),
        }
        assert_eq!(
            store.tickets().get(b.id).await.unwrap().unwrap().status,
            TicketState::Waiting,
            "{}: B001 stays in the queue",
            t.name
        );
        // Another counter is free to call B001; counter 1 calls again after closing A001.
        let c = take_ticket(store, "SP-BO-05", "B", false, at(9, 5))
            .await
            .unwrap();
        let by_two = store
            .tickets()
            .call_next("SP-BO-05", "2", "gbianchi", &[], at(9, 6))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_two.id, b.id, "{}", t.name);
        store.tickets().close(a.id, at(9, 7), None).await.unwrap();
        let next = store
            .tickets()
            .call_next("SP-BO-05", "1", "mrossi", &[], at(9, 8))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.id, c.id, "{}", t.name);
    }
}

/// Steps taken at the same moment share one commit (the store's group commit): each ticket
/// closed twice at once is closed once and refused once, and the refusal does not undo the other
/// closes of its group; every visit is in the ledger once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn steps_refused_in_a_group_leave_the_others_taken() {
    for t in fresh_stores().await.unwrap() {
        let store = Arc::new(t.store);
        setup(&store, "SP-GR-05").await;
        let mut ids = Vec::new();
        for i in 0..8 {
            let ticket = store
                .tickets()
                .take("SP-GR-05", "A", false, at(9, 0) + i, 0)
                .await
                .unwrap();
            ids.push(ticket.id);
        }
        for counter in 0..8 {
            let called = store
                .tickets()
                .call_next("SP-GR-05", &counter.to_string(), "", &[], at(9, 1))
                .await
                .unwrap()
                .unwrap();
            store.tickets().serve(called.id, at(9, 2)).await.unwrap();
        }
        let mut closes = Vec::new();
        for &id in ids.iter().chain(&ids) {
            let store = store.clone();
            closes.push(tokio::spawn(async move {
                store.tickets().close(id, at(9, 10), None).await
            }));
        }
        let (mut closed, mut refused) = (Vec::new(), 0);
        for c in closes {
            match c.await.unwrap() {
                Ok(ticket) => closed.push(ticket.id),
                Err(canali_store::StoreError::Refused(_)) => refused += 1,
                Err(e) => panic!("{}: {e}", t.name),
            }
        }
        closed.sort_unstable();
        assert_eq!(closed, ids, "{}: each ticket closed once", t.name);
        assert_eq!(refused, 8, "{}: the second close of each refused", t.name);
        let rollup = store
            .figures()
            .monthly_rollup(201103, 201103)
            .await
            .unwrap();
        assert_eq!(
            rollup.iter().map(|r| r.contacts).sum::<i64>(),
            8,
            "{}",
            t.name
        );
    }
}
