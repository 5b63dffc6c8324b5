//! The ledger's story, on SQLite and (when CANALI_TEST_POSTGRES is set) on PostgreSQL: contacts
//! go in once whatever the retries, the rollups follow them, and a rebuild gives the same figures.

use canali_domain::network::{BranchKind, Host, Operator};
use canali_domain::{Channel, Day, Outcome, Reason, Segment};
use canali_store::testing::fresh_stores;
use canali_store::{Branch, Customer, NewContact, Store};
use jiff::civil::date;

fn contact(id: &str, channel: Channel, at: &str, wait: Option<i64>) -> NewContact {
    let ts: jiff::Timestamp = at.parse().unwrap();
    NewContact {
        external_id: id.to_string(),
        channel,
        started_at: ts.as_microsecond(),
        ended_at: None,
        segment: None,
        customer: None,
        territory: None,
        wait_seconds: wait,
        handle_seconds: Some(200),
        reason: Some(Reason::Billing),
        outcome: Some(Outcome::Resolved),
        branch: None,
        line: None,
        agent: None,
    }
}

async fn seed_registry(store: &Store) {
    store
        .network()
        .insert_branches(&[Branch {
            code: "BO01".into(),
            name: "Bologna centro".into(),
            municipality: "Bologna".into(),
            address: "Via Roma 1".into(),
            sot: 1,
            kind: BranchKind::Priority,
            operator: Operator::Own,
            contractor: None,
            host: Host::Own,
            host_name: None,
            counters: 4,
            hours: "mo-th 08:00-15:00; fr 08:00-13:00".into(),
            schedule_template: Some("homogeneous_33h".into()),
            latitude: 44.49,
            longitude: 11.34,
        }])
        .await
        .unwrap();
    store
        .insert_customers(&[Customer {
            id: 1,
            code: "C0001".into(),
            segment: Segment::Business,
            tax_id: "01234567897".into(),
            name: "Rossi srl".into(),
            sot: 5,
            email: None,
            phone: None,
            since: Day::from_date(date(2005, 1, 1)),
        }])
        .await
        .unwrap();
}

#[tokio::test]
async fn contacts_go_in_once_and_rollups_follow() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        seed_registry(store).await;
        let mut at_branch = contact(
            "b1",
            Channel::Branch,
            "2011-03-01T09:00:00+01:00",
            Some(3000),
        );
        at_branch.branch = Some("BO01".into());
        let mut by_customer = contact("w1", Channel::Web, "2011-03-01T23:30:00Z", None);
        by_customer.customer = Some("C0001".into());
        let batch = vec![
            contact(
                "r1",
                Channel::CallCenterResidential,
                "2011-03-01T10:00:00+01:00",
                Some(30),
            ),
            contact(
                "r2",
                Channel::CallCenterResidential,
                "2011-03-01T10:05:00+01:00",
                Some(150),
            ),
            contact(
                "r2",
                Channel::CallCenterResidential,
                "2011-03-01T10:05:00+01:00",
                Some(150),
            ),
            at_branch,
            by_customer,
        ];
        let first = store.ledger().ingest("test", &batch).await.unwrap();
        assert_eq!((first.inserted, first.duplicates), (4, 1), "{}", t.name);
        let again = store.ledger().ingest("test", &batch).await.unwrap();
        assert_eq!((again.inserted, again.duplicates), (0, 5), "{}", t.name);
        // The same external id from another source is another contact.
        let other = store.ledger().ingest("other", &batch[..1]).await.unwrap();
        assert_eq!(other.inserted, 1, "{}", t.name);

        let rows = store
            .figures()
            .monthly_rollup(201101, 201112)
            .await
            .unwrap();
        let total: i64 = rows.iter().map(|r| r.contacts).sum();
        assert_eq!(total, 5, "{}", t.name);
        let residential: Vec<_> = rows
            .iter()
            .filter(|r| r.channel == Channel::CallCenterResidential)
            .collect();
        assert_eq!(residential.len(), 1, "{}", t.name);
        let r = residential[0];
        assert_eq!(
            r.segment,
            Some(Segment::Residential),
            "the line tells the segment"
        );
        assert_eq!(
            (r.contacts, r.waited, r.wait_seconds, r.waited_over_2m),
            (3, 3, 210, 1)
        );
        let branch = rows.iter().find(|r| r.channel == Channel::Branch).unwrap();
        assert_eq!(
            (branch.territory, branch.waited_over_40m),
            (1, 1),
            "territory from the branch"
        );
        let web = rows.iter().find(|r| r.channel == Channel::Web).unwrap();
        assert_eq!(
            web.month, 201103,
            "23:30 UTC on 1 March is still March in Rome"
        );
        assert_eq!(
            (web.territory, web.segment),
            (5, Some(Segment::Business)),
            "from the customer"
        );

        let (from, to) = (0, i64::MAX / 2);
        let halfhours = store
            .calls()
            .channel_halfhours(Channel::CallCenterResidential, from, to)
            .await
            .unwrap();
        // r1 at 10:00, r2 at 10:05 and the other source's r1 (Rome) share the slot that
        // starts at 09:00 UTC, with 200 s of handling each.
        let nine_utc: jiff::Timestamp = "2011-03-01T09:00:00Z".parse().unwrap();
        assert_eq!(
            halfhours,
            vec![(nine_utc.as_microsecond(), 3, 3, 600)],
            "{}",
            t.name
        );

        let counted = store.ledger().rebuild_rollups().await.unwrap();
        assert_eq!(counted, 5);
        assert_eq!(
            store
                .figures()
                .monthly_rollup(201101, 201112)
                .await
                .unwrap(),
            rows,
            "{}",
            t.name
        );
        assert_eq!(
            store
                .calls()
                .channel_halfhours(Channel::CallCenterResidential, from, to)
                .await
                .unwrap(),
            halfhours,
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn large_batches_split_into_statements_and_stay_idempotent() {
    for t in fresh_stores().await.unwrap() {
        let batch: Vec<NewContact> = (0..5_000)
            .map(|i| {
                let mut c = contact(
                    &format!("x{i}"),
                    Channel::Mail,
                    "2010-06-15T12:00:00Z",
                    None,
                );
                c.started_at += i64::from(i) * 60_000_000;
                c
            })
            .collect();
        // Every third contact is already stored: the multi-row statements that write the rest
        // must still tell, row by row, which ones were new.
        let some: Vec<NewContact> = batch.iter().step_by(3).cloned().collect();
        assert_eq!(store_ingest(&t.store, &some).await, 1_667, "{}", t.name);
        let outcome = t.store.ledger().ingest("bulk", &batch).await.unwrap();
        assert_eq!(
            (outcome.inserted, outcome.duplicates),
            (3_333, 1_667),
            "{}",
            t.name
        );
        assert_eq!(store_ingest(&t.store, &batch).await, 0, "{}", t.name);
        let rows = t
            .store
            .figures()
            .monthly_rollup(201001, 201012)
            .await
            .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.contacts).sum::<i64>(),
            5_000,
            "{}",
            t.name
        );
    }
}

async fn store_ingest(store: &Store, batch: &[NewContact]) -> u64 {
    store.ledger().ingest("bulk", batch).await.unwrap().inserted
}
