//! Calls that reach the ledger by any path (the simulator, `import contacts`) fill the calls
//! rollup in the same transaction, exactly as a rebuild from the ledger counts them.

use canali_domain::{Channel, Day, Outcome, ROME};
use canali_store::NewContact;
use canali_store::testing::fresh_stores;
use jiff::civil::date;

fn call(i: i64, channel: Channel, outcome: Option<Outcome>, wait: Option<i64>) -> NewContact {
    let start = date(2011, 3, 31)
        .at(23, 50, 0, 0)
        .to_zoned(ROME.clone())
        .unwrap()
        .timestamp()
        .as_microsecond();
    NewContact {
        external_id: format!("c{i}"),
        channel,
        started_at: start + i * 60_000_000,
        ended_at: None,
        segment: None,
        customer: None,
        territory: None,
        wait_seconds: wait,
        handle_seconds: outcome
            .is_none_or(|o| o == Outcome::Resolved)
            .then_some(200),
        reason: None,
        outcome,
        branch: None,
        line: None,
        agent: None,
    }
}

#[tokio::test]
async fn ingested_calls_fill_the_calls_rollup() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        let res = Channel::CallCenterResidential;
        let batch = vec![
            call(0, res, Some(Outcome::Resolved), Some(30)),
            call(1, res, Some(Outcome::Abandoned), Some(7)),
            call(2, res, Some(Outcome::TimedOut), Some(400)),
            call(3, res, Some(Outcome::Transferred), Some(130)),
            call(4, res, None, None),
            call(
                5,
                Channel::CallCenterBusiness,
                Some(Outcome::Abandoned),
                Some(900),
            ),
            // Not a call: the calls rollup ignores it.
            call(6, Channel::Branch, Some(Outcome::Resolved), Some(100)),
            // 00:01 on 1 April in Rome: the next month.
            call(11, res, Some(Outcome::Resolved), Some(10)),
        ];
        s.ledger().ingest("sim", &batch).await.unwrap();
        // Again: nothing counted twice.
        s.ledger().ingest("sim", &batch).await.unwrap();
        let march = s.calls().monthly(None, 201103, 201103).await.unwrap();
        let r = march.iter().find(|p| p.channel == res).unwrap();
        assert_eq!(r.totals.offered, 5, "{}", t.name);
        assert_eq!(r.totals.answered, 3, "resolved, transferred and no outcome");
        assert_eq!(
            (r.totals.abandoned, r.totals.timed_out, r.totals.transferred),
            (1, 1, 1)
        );
        assert_eq!(r.totals.wait_seconds, 30 + 7 + 400 + 130);
        assert_eq!(r.totals.waited_over_2m, 2);
        assert_eq!(r.totals.talk_seconds, 200 + 200);
        assert_eq!(r.abandon_waits, vec![(7, 1)]);
        let b = march
            .iter()
            .find(|p| p.channel == Channel::CallCenterBusiness)
            .unwrap();
        assert_eq!(b.abandon_waits, vec![(300, 1)], "capped at 300 s");
        let april = s.calls().monthly(Some(res), 201104, 201104).await.unwrap();
        assert_eq!(april[0].totals.offered, 1);
        let day = Day::from_date(date(2011, 3, 31));
        let daily = s.calls().daily(None, day, day).await.unwrap();
        assert_eq!(daily.iter().map(|p| p.totals.offered).sum::<i64>(), 6);
        // The rebuild from the ledger finds the same figures.
        let before = (
            s.calls().monthly(None, 201101, 201112).await.unwrap(),
            s.calls().daily(None, day, Day(day.0 + 1)).await.unwrap(),
        );
        assert_eq!(s.calls().rebuild_rollups().await.unwrap(), 7);
        let after = (
            s.calls().monthly(None, 201101, 201112).await.unwrap(),
            s.calls().daily(None, day, Day(day.0 + 1)).await.unwrap(),
        );
        assert_eq!(before, after, "{}", t.name);
    }
}
