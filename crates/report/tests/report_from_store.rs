//! The report built from a real store (a temporary SQLite file, and PostgreSQL when
//! CANALI_TEST_POSTGRES is set): a small ledger written through the store's own writers, every
//! figure checked against a count by hand.

use canali_domain::network::{BranchEventKind, BranchKind, Delivery, EbillPath, Host, Operator};
use canali_domain::{Channel, Day};
use canali_report::{Lang, ReportSettings, build, render_csv, render_html, render_markdown};
use canali_store::testing::fresh_stores;
use canali_store::{Bill, Branch, BranchEvent, EbillEvent, NewContact, PortalAccount, Sot, Store};
use jiff::civil::date;

fn day(y: i16, m: i8, d: i8) -> Day {
    Day::from_date(date(y, m, d))
}

fn micros(at: &str) -> i64 {
    at.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

fn contact(id: &str, channel: Channel, at: &str, wait: Option<i64>) -> NewContact {
    NewContact {
        external_id: id.into(),
        channel,
        started_at: micros(at),
        ended_at: None,
        segment: None,
        customer: None,
        territory: Some(1),
        wait_seconds: wait,
        handle_seconds: Some(180),
        reason: None,
        outcome: None,
        branch: None,
        line: None,
        agent: None,
    }
}

/// 2010: residential 2, branch 1, mail 1 (4). 2011: residential 3 (waits 30, 150, 40 s),
/// business 1 (20 s), branch 2 (10 and 50 min), web 3, mail 2 (11); one of the mail contacts is
/// 23:30 UTC on 31 December 2010, already 2011 in Rome. Two contacts of 2012 are ignored.
fn contacts() -> Vec<NewContact> {
    use Channel::*;
    vec![
        contact(
            "a1",
            CallCenterResidential,
            "2010-03-01T09:00:00Z",
            Some(60),
        ),
        contact(
            "a2",
            CallCenterResidential,
            "2010-07-01T09:00:00Z",
            Some(60),
        ),
        contact("a3", Branch, "2010-07-02T09:00:00Z", Some(600)),
        contact("a4", Mail, "2010-08-01T09:00:00Z", None),
        contact(
            "b1",
            CallCenterResidential,
            "2011-01-10T09:00:00Z",
            Some(30),
        ),
        contact(
            "b2",
            CallCenterResidential,
            "2011-02-10T09:00:00Z",
            Some(150),
        ),
        contact(
            "b3",
            CallCenterResidential,
            "2011-02-11T09:00:00Z",
            Some(40),
        ),
        contact("b4", CallCenterBusiness, "2011-03-10T09:00:00Z", Some(20)),
        contact("b5", Branch, "2011-04-10T09:00:00Z", Some(600)),
        contact("b6", Branch, "2011-04-11T09:00:00Z", Some(3_000)),
        contact("b7", Web, "2011-05-10T09:00:00Z", None),
        contact("b8", Web, "2011-05-11T09:00:00Z", None),
        contact("b9", Web, "2011-12-10T09:00:00Z", None),
        contact("b10", Mail, "2010-12-31T23:30:00Z", None),
        contact("b11", Mail, "2011-06-10T09:00:00Z", None),
        contact("c1", Mail, "2011-12-31T23:30:00Z", None),
        contact("c2", Web, "2012-01-10T09:00:00Z", None),
    ]
}

fn branch(code: &str, name: &str, kind: BranchKind, host: Host) -> Branch {
    Branch {
        code: code.into(),
        name: name.into(),
        municipality: name.into(),
        address: "Via Roma 1".into(),
        sot: 1,
        kind,
        operator: Operator::Own,
        contractor: None,
        host,
        host_name: None,
        counters: 2,
        hours: "mo-th 08:00-15:00; fr 08:00-13:00".into(),
        schedule_template: None,
        latitude: 44.1,
        longitude: 12.3,
    }
}

async fn write_network(store: &Store) {
    let sots = [
        Sot {
            code: 1,
            name: "Forlì-Cesena".into(),
        },
        Sot {
            code: 2,
            name: "Rimini".into(),
        },
    ];
    store.network().insert_sots(&sots).await.unwrap();
    let mut forli = branch("FC01", "Forlì", BranchKind::Priority, Host::Own);
    forli.schedule_template = Some("homogeneous_33h".into());
    let branches = [
        forli,
        branch("FC02", "Cesenatico", BranchKind::Priority, Host::Own),
        branch(
            "FC03",
            "Cattolica",
            BranchKind::TemporaryPresencePoint,
            Host::ThirdParty,
        ),
    ];
    store.network().insert_branches(&branches).await.unwrap();
    let event = |code: &str, on, kind| BranchEvent {
        branch: code.into(),
        day: on,
        kind,
        note: String::new(),
    };
    let events = [
        event("FC03", day(2010, 6, 1), BranchEventKind::Opened),
        event("FC02", day(2011, 3, 12), BranchEventKind::Opened),
        event("FC03", day(2011, 9, 30), BranchEventKind::Closed),
    ];
    store.network().insert_branch_events(&events).await.unwrap();
}

/// Portal: 3 accounts in 2010, 2 in 2011, 1 in 2012. E-bill: 1 customer at the end of 2010,
/// 2 sign-ups and 1 return in 2011. Bills of 2011: 3 by e-mail (10 sheets), 2 on paper.
async fn write_customers_side(store: &Store) {
    let account = |id: i64, at: &str| PortalAccount {
        customer_id: id,
        email: format!("c{id}@example.it"),
        registered_at: micros(at),
    };
    let accounts = [
        account(1, "2010-02-01T10:00:00Z"),
        account(2, "2010-05-01T10:00:00Z"),
        account(3, "2010-12-31T10:00:00Z"),
        account(4, "2011-04-01T10:00:00Z"),
        account(5, "2011-11-01T10:00:00Z"),
        account(6, "2012-01-05T10:00:00Z"),
    ];
    store.insert_portal_accounts(&accounts).await.unwrap();
    let switch = |id: i64, on, path, enrolled| EbillEvent {
        customer_id: id,
        day: on,
        path,
        enrolled,
    };
    let switches = [
        switch(1, day(2010, 5, 1), EbillPath::ContractSigning, true),
        switch(2, day(2011, 2, 1), EbillPath::PaperBillForm, true),
        switch(3, day(2011, 3, 1), EbillPath::OnlineBranch, true),
        switch(1, day(2011, 6, 1), EbillPath::CallCenter, false),
    ];
    store.insert_ebill_events(&switches).await.unwrap();
    let bill = |id: i64, issued: Day, delivery, sheets| Bill {
        id,
        customer_id: id,
        supply_point_id: id,
        issued,
        due: Day(issued.0 + 20),
        period_from: Day(issued.0 - 60),
        period_to: issued,
        total_cents: 10_000,
        delivery,
        sheets,
    };
    let bills = [
        bill(1, day(2010, 11, 1), Delivery::Email, 4),
        bill(2, day(2011, 1, 15), Delivery::Email, 4),
        bill(3, day(2011, 5, 15), Delivery::Email, 4),
        bill(4, day(2011, 12, 31), Delivery::Email, 2),
        bill(5, day(2011, 6, 1), Delivery::Paper, 4),
        bill(6, day(2011, 7, 1), Delivery::Paper, 4),
        bill(7, day(2012, 1, 1), Delivery::Email, 4),
    ];
    store.insert_bills(&bills).await.unwrap();
}

#[tokio::test]
async fn the_report_matches_a_hand_count_of_the_ledger() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        store.ledger().ingest("test", &contacts()).await.unwrap();
        write_network(store).await;
        write_customers_side(store).await;
        let r = build(store, 2011, &ReportSettings::default())
            .await
            .unwrap();
        let name = t.name;

        let c = &r.contacts;
        assert_eq!((c.total, c.previous_total), (11, 4), "{name}");
        assert_eq!(c.growth_pct, Some(175.0), "{name}");
        let counts: Vec<(i64, i64)> = c
            .by_channel
            .iter()
            .map(|row| (row.figures.contacts, row.figures.previous_contacts))
            .collect();
        assert_eq!(
            counts,
            vec![(3, 2), (1, 0), (2, 1), (3, 0), (2, 1)],
            "{name}"
        );
        assert_eq!(c.call_center.contacts, 4, "{name}");
        assert_eq!(
            c.monthly[0].by_channel[&Channel::Mail],
            1,
            "the New Year's Eve contact is January's"
        );
        assert_eq!(
            c.monthly[1].by_channel[&Channel::CallCenterResidential],
            2,
            "{name}"
        );

        let residential = &r.waiting.call_center[0];
        assert_eq!(
            residential.average_wait_seconds.value,
            Some(220.0 / 3.0),
            "{name}"
        );
        assert_eq!(
            residential.waited_over_2m_pct.value,
            Some(100.0 / 3.0),
            "{name}"
        );
        assert_eq!(
            residential.average_wait_seconds.previous_value,
            Some(60.0),
            "{name}"
        );
        assert_eq!(
            r.waiting.call_center[1].average_wait_seconds.value,
            Some(20.0),
            "{name}"
        );
        assert_eq!(
            r.waiting.branches.average_wait_minutes.value,
            Some(30.0),
            "{name}"
        );
        assert_eq!(
            r.waiting.branches.waited_over_40m_pct.value,
            Some(50.0),
            "{name}"
        );

        let o = &r.online_branch;
        assert_eq!(
            (o.registered_users, o.previous_registered_users),
            (5, 3),
            "{name}"
        );

        let e = &r.ebill;
        assert_eq!(
            (e.customers, e.previous_customers, e.growth_pct),
            (2, 1, Some(100.0)),
            "{name}"
        );
        assert_eq!((e.enrolled, e.withdrawn), (2, 1), "{name}");
        let form = e
            .switches
            .iter()
            .find(|s| s.path == EbillPath::PaperBillForm)
            .unwrap();
        assert_eq!(form.enrolled, 1, "{name}");
        assert_eq!((e.envelopes_avoided, e.sheets_avoided), (3, 10), "{name}");
        assert!((e.co2_avoided_kg - 0.222).abs() < 1e-9, "{name}");
        let paper = e
            .bills
            .iter()
            .find(|b| b.delivery == Delivery::Paper)
            .unwrap();
        assert_eq!((paper.bills, paper.sheets), (2, 8), "{name}");

        let n = &r.network;
        assert_eq!((n.total, n.previous_total), (2, 2), "{name}");
        assert_eq!(
            (n.homogeneous_schedule, n.homogeneous_hours_per_week),
            (1, Some(33.0)),
            "{name}"
        );
        assert_eq!(
            n.hosted_at_third_parties, 0,
            "the hosted branch closed in September"
        );
        assert_eq!(n.by_territory[0].branches, 2, "{name}");
        assert_eq!(n.events.len(), 2, "{name}");

        let md = render_markdown(&r, Lang::It);
        let growth = "Nel 2011 i contatti dei clienti sono cresciuti del 175,0% rispetto al 2010.";
        assert!(md.contains(growth), "{name}: {md}");
        assert!(md.contains("a fine 2011 gli iscritti allo sportello on-line hanno raggiunto quota 5, con un incremento del 66,7%"), "{md}");
        render_html(&r, Lang::En).unwrap();
        render_csv(&r, Lang::En).unwrap();
    }
}
