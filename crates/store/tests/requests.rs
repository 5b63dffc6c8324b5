//! Requests and complaints, meter self-readings and the postal mail registry, on SQLite and
//! (when CANALI_TEST_POSTGRES is set) PostgreSQL: each is stored with its ledger contact, the
//! reply standard prices late answers, readings follow their rules, protocols never collide.

use canali_domain::service::{RequestKind, RequestStatus, default_reply_standards};
use canali_domain::{Channel, Day, Outcome, Reason, Segment, Service};
use canali_store::requests::{
    MailLink, NewAttachment, NewMailItem, NewReading, NewRequest, ReadingOutcome,
};
use canali_store::testing::fresh_stores;
use canali_store::{Customer, Sot, Store, StoreError, SupplyPoint};
use jiff::civil::date;

fn day(y: i16, m: i8, d: i8) -> Day {
    Day::from_date(date(y, m, d))
}

/// 10:00 Europe/Rome of a day.
fn morning(d: Day) -> i64 {
    canali_domain::day::local_micros(d.date(), 10, 0, 0)
}

async fn seed(store: &Store) {
    store
        .network()
        .insert_sots(&[Sot {
            code: 3,
            name: "Modena".into(),
        }])
        .await
        .unwrap();
    let customer = |id: i64, code: &str, name: &str| Customer {
        id,
        code: code.into(),
        segment: Segment::Residential,
        tax_id: format!("TAX{id}"),
        name: name.into(),
        sot: 3,
        email: None,
        phone: None,
        since: day(2005, 1, 1),
    };
    store
        .insert_customers(&[
            customer(1, "4000000003", "Mario Rossi"),
            customer(2, "4000000010", "Laura Bianchi"),
        ])
        .await
        .unwrap();
    let point = |id: i64, customer_id: i64, service: Service| SupplyPoint {
        id,
        customer_id,
        service,
        identifier: format!("P{id}"),
        municipality: "Modena".into(),
        address: "Via Emilia 1".into(),
        bills_per_year: 6,
    };
    store
        .insert_supply_points(&[
            point(11, 1, Service::Electricity),
            point(12, 1, Service::Gas),
            point(13, 1, Service::Water),
            point(21, 2, Service::Gas),
        ])
        .await
        .unwrap();
}

fn request(customer_id: i64, kind: RequestKind, opened: Day) -> NewRequest {
    NewRequest {
        customer_id,
        supply_point_id: None,
        kind,
        channel: Channel::Web,
        subject: "Bolletta troppo alta".into(),
        body: "La bolletta di marzo riporta consumi stimati errati.".into(),
        opened_at: morning(opened),
        attachments: Vec::new(),
        agent: None,
    }
}

/// The English sentence of a refusal (or the message of a not-found).
fn invalid_message<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(e @ (StoreError::Refused(_) | StoreError::NotFound { .. })) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_request_opens_with_its_contact_and_a_late_answer_is_compensated() {
    let standards = default_reply_standards();
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let opened = day(2011, 3, 1);
        let mut complaint = request(1, RequestKind::Complaint, opened);
        complaint.supply_point_id = Some(12);
        complaint.agent = Some("web".into());
        complaint.attachments = vec![NewAttachment {
            filename: "bolletta.pdf".into(),
            content_type: "application/pdf".into(),
            data: vec![7u8; 1000],
        }];
        let r = s.requests().open(&complaint, &standards).await.unwrap();
        assert_eq!(r.status, RequestStatus::Open, "{n}");
        assert_eq!(r.opened_day, opened, "{n}");
        assert_eq!(r.deadline_day, Some(day(2011, 4, 10)), "{n}");
        assert_eq!(r.attachments, 1, "{n}");
        assert_eq!(r.supply_point_id, Some(12), "{n}");

        // The ledger has the contact, read through the timeline.
        let timeline = s
            .customers()
            .timeline("4000000003", None, 10)
            .await
            .unwrap();
        assert_eq!(timeline.len(), 1, "{n}");
        let c = &timeline[0];
        assert_eq!(
            (c.source.as_str(), c.external_id.clone()),
            ("requests", r.id.to_string()),
            "{n}"
        );
        assert_eq!(c.channel, Channel::Web, "{n}");
        assert_eq!(c.reason, Some(Reason::Complaint), "{n}");
        assert_eq!(c.outcome, Some(Outcome::RequestOpened), "{n}");
        assert_eq!(c.started_at, morning(opened), "{n}");
        assert_eq!(c.agent.as_deref(), Some("web"), "{n}");
        let by_channel = s
            .figures()
            .contacts_by_channel(opened, opened)
            .await
            .unwrap();
        assert_eq!(
            by_channel,
            vec![(Channel::Web, 1)],
            "{n}: the rollup follows"
        );

        // Attachments, only through their own request.
        let metas = s.requests().attachments_of(r.id).await.unwrap();
        assert_eq!(metas.len(), 1, "{n}");
        assert_eq!(metas[0].size, 1000, "{n}");
        let (meta, data) = s
            .requests()
            .attachment(r.id, metas[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (meta.filename.as_str(), data.len()),
            ("bolletta.pdf", 1000),
            "{n}"
        );
        assert!(
            s.requests()
                .attachment(r.id + 1, metas[0].id)
                .await
                .unwrap()
                .is_none(),
            "{n}"
        );

        // Ownership.
        assert!(s.requests().one_of(1, r.id).await.unwrap().is_some(), "{n}");
        assert!(s.requests().one_of(2, r.id).await.unwrap().is_none(), "{n}");
        assert_eq!(s.requests().of(2).await.unwrap(), vec![], "{n}");

        // Answered 41 days later: 25 EUR; twice again refused.
        let late = s
            .requests()
            .answer(
                r.id,
                "Abbiamo ricalcolato la bolletta.",
                Channel::Mail,
                7,
                morning(Day(opened.0 + 41)),
                &standards,
            )
            .await
            .unwrap();
        assert_eq!(late.status, RequestStatus::Answered, "{n}");
        assert_eq!(late.compensation_cents, Some(2500), "{n}");
        assert_eq!(late.answer_channel, Some(Channel::Mail), "{n}");
        assert_eq!(late.answered_by, Some(7), "{n}");
        let again = s
            .requests()
            .answer(
                r.id,
                "Ancora.",
                Channel::Web,
                7,
                morning(Day(opened.0 + 42)),
                &standards,
            )
            .await;
        assert!(
            invalid_message(again).contains("cannot be answered again"),
            "{n}"
        );

        // 81 and 121 days: 50 and 75 EUR; in time: nothing; not a complaint: no compensation.
        for (days, cents) in [(81, Some(5000)), (121, Some(7500)), (40, Some(0))] {
            let r = s
                .requests()
                .open(&request(1, RequestKind::Complaint, opened), &standards)
                .await
                .unwrap();
            let a = s
                .requests()
                .answer(
                    r.id,
                    "Risposta.",
                    Channel::Web,
                    7,
                    morning(Day(opened.0 + days)),
                    &standards,
                )
                .await
                .unwrap();
            assert_eq!(a.compensation_cents, cents, "{n}: {days} days");
        }
        let info = s
            .requests()
            .open(&request(1, RequestKind::Information, opened), &standards)
            .await
            .unwrap();
        assert_eq!(info.deadline_day, None, "{n}");
        let a = s
            .requests()
            .answer(
                info.id,
                "Risposta.",
                Channel::Web,
                7,
                morning(Day(opened.0 + 200)),
                &standards,
            )
            .await
            .unwrap();
        assert_eq!(a.compensation_cents, None, "{n}");
        assert_eq!(s.requests().of(1).await.unwrap().len(), 5, "{n}");
        // The home page's one read (JSON on PostgreSQL) gives the same requests: answered,
        // compensated, with their attachments counted.
        let home = s.customers().home(1, 5).await.unwrap().unwrap();
        assert_eq!(home.requests, s.requests().of(1).await.unwrap(), "{n}");
        let timeline = s
            .customers()
            .timeline("4000000003", None, 10)
            .await
            .unwrap();
        assert_eq!(timeline.len(), 5, "{n}: one contact per request");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_sentence() {
    let standards = default_reply_standards();
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let opened = day(2011, 3, 1);
        let mut other_point = request(1, RequestKind::Technical, opened);
        other_point.supply_point_id = Some(21);
        let m = invalid_message(s.requests().open(&other_point, &standards).await);
        assert!(m.contains("supply point 21"), "{n}: {m}");
        let mut empty = request(1, RequestKind::Technical, opened);
        empty.subject = "  ".into();
        assert!(
            invalid_message(s.requests().open(&empty, &standards).await).contains("subject"),
            "{n}"
        );
        let mut empty = request(1, RequestKind::Technical, opened);
        empty.body = String::new();
        assert!(
            invalid_message(s.requests().open(&empty, &standards).await).contains("text"),
            "{n}"
        );
        let mut big = request(1, RequestKind::Technical, opened);
        big.attachments = vec![NewAttachment {
            filename: "scan.tiff".into(),
            content_type: "image/tiff".into(),
            data: vec![0; 5 * 1024 * 1024 + 1],
        }];
        let m = invalid_message(s.requests().open(&big, &standards).await);
        assert!(m.contains("scan.tiff") && m.contains("5 MiB"), "{n}: {m}");
        let m = invalid_message(
            s.requests()
                .open(&request(9, RequestKind::Technical, opened), &standards)
                .await,
        );
        assert!(m.contains("customer 9"), "{n}: {m}");
        // Nothing of it reached the tables or the ledger.
        assert!(s.requests().of(1).await.unwrap().is_empty(), "{n}");
        assert!(
            s.customers()
                .timeline("4000000003", None, 10)
                .await
                .unwrap()
                .is_empty(),
            "{n}"
        );
        let m = invalid_message(
            s.requests()
                .answer(42, "x", Channel::Web, 1, morning(opened), &standards)
                .await,
        );
        assert!(m.contains("request 42 not found"), "{n}: {m}");
    }
}

#[tokio::test]
async fn the_queue_puts_the_nearest_deadline_first() {
    let standards = default_reply_standards();
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let info = s
            .requests()
            .open(
                &request(2, RequestKind::Information, day(2011, 1, 1)),
                &standards,
            )
            .await
            .unwrap();
        let later = s
            .requests()
            .open(
                &request(1, RequestKind::Complaint, day(2011, 3, 1)),
                &standards,
            )
            .await
            .unwrap();
        let sooner = s
            .requests()
            .open(
                &request(2, RequestKind::Complaint, day(2011, 2, 1)),
                &standards,
            )
            .await
            .unwrap();
        let queue = s
            .requests()
            .queue(RequestStatus::Open, 10, 0)
            .await
            .unwrap();
        let ids: Vec<i64> = queue.iter().map(|q| q.0.id).collect();
        assert_eq!(ids, vec![sooner.id, later.id, info.id], "{n}");
        assert_eq!(
            (queue[0].1.as_str(), queue[0].2.as_str()),
            ("Laura Bianchi", "4000000010"),
            "{n}"
        );
        assert_eq!(
            s.requests().queue(RequestStatus::Open, 1, 1).await.unwrap()[0]
                .0
                .id,
            later.id,
            "{n}"
        );
        assert!(
            s.requests()
                .queue(RequestStatus::Answered, 10, 0)
                .await
                .unwrap()
                .is_empty(),
            "{n}"
        );
        // Deadlines 2011-03-13 and 2011-04-10; on 2011-03-10: 3 days and 31 days left.
        let buckets = s
            .requests()
            .open_by_days_left(day(2011, 3, 10))
            .await
            .unwrap();
        assert_eq!(
            buckets,
            vec![(-1, 0), (5, 1), (10, 0), (20, 0), (i64::MAX, 1)],
            "{n}"
        );
        let buckets = s
            .requests()
            .open_by_days_left(day(2011, 4, 1))
            .await
            .unwrap();
        assert_eq!(
            buckets,
            vec![(-1, 1), (5, 0), (10, 1), (20, 0), (i64::MAX, 0)],
            "{n}"
        );
    }
}

fn reading(supply_point_id: i64, reading: i64, read_day: Day) -> NewReading {
    NewReading {
        customer_id: 1,
        supply_point_id,
        reading,
        read_day,
        sent_at: morning(read_day),
        meter_changed: false,
        confirmed_high: false,
        channel: Channel::Web,
    }
}

fn refused(o: ReadingOutcome) -> String {
    match o {
        ReadingOutcome::Refused(m) => m.to_string(),
        other => panic!("expected Refused, got {other:?}"),
    }
}

#[tokio::test]
async fn readings_follow_the_rules() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let d0 = day(2011, 1, 1);
        let on = |days: i32| Day(d0.0 + days);
        let recorded = |o: ReadingOutcome| match o {
            ReadingOutcome::Recorded(r) => r,
            other => panic!("{n}: expected Recorded, got {other:?}"),
        };
        // Only the customer's gas and water meters.
        let m = refused(s.readings().record(&reading(11, 100, d0)).await.unwrap());
        assert!(m.contains("gas and water"), "{n}: {m}");
        let m = refused(s.readings().record(&reading(21, 100, d0)).await.unwrap());
        assert!(m.contains("not one of your supplies"), "{n}: {m}");

        // 10 a day over two readings.
        let first = recorded(s.readings().record(&reading(12, 1000, d0)).await.unwrap());
        assert_eq!(first.reading, 1000, "{n}");
        recorded(
            s.readings()
                .record(&reading(12, 1300, on(30)))
                .await
                .unwrap(),
        );
        // The same reading sent again: the stored one, not a second row.
        let again = recorded(
            s.readings()
                .record(&reading(12, 1300, on(30)))
                .await
                .unwrap(),
        );
        assert_eq!(s.readings().of(12, 10).await.unwrap().len(), 2, "{n}");
        assert_eq!(again.read_day, on(30), "{n}");
        // Below the last one: refused, unless the meter was replaced.
        let m = refused(
            s.readings()
                .record(&reading(12, 1200, on(40)))
                .await
                .unwrap(),
        );
        assert!(m.contains("below the last one"), "{n}: {m}");
        // Exactly three times the usual (10 a day): fine. Then the usual is 15 a day, and 50 a
        // day is to be confirmed.
        recorded(
            s.readings()
                .record(&reading(12, 1600, on(40)))
                .await
                .unwrap(),
        );
        let high = reading(12, 2100, on(50));
        match s.readings().record(&high).await.unwrap() {
            ReadingOutcome::NeedsConfirmation(m) => {
                assert!(m.to_string().contains("three times"), "{n}: {m}")
            }
            other => panic!("{n}: expected NeedsConfirmation, got {other:?}"),
        }
        assert_eq!(s.readings().of(12, 10).await.unwrap().len(), 3, "{n}");
        let confirmed = NewReading {
            confirmed_high: true,
            ..high
        };
        recorded(s.readings().record(&confirmed).await.unwrap());
        let changed = NewReading {
            meter_changed: true,
            ..reading(12, 5, on(60))
        };
        let c = recorded(s.readings().record(&changed).await.unwrap());
        assert!(c.meter_changed, "{n}");
        // A new meter starts a new series: one reading is not yet a usual consumption.
        recorded(
            s.readings()
                .record(&reading(12, 500, on(61)))
                .await
                .unwrap(),
        );
        let m = refused(
            s.readings()
                .record(&reading(12, 600, on(59)))
                .await
                .unwrap(),
        );
        assert!(m.contains("before the last reading"), "{n}: {m}");

        let list = s.readings().of(12, 10).await.unwrap();
        assert_eq!(
            list.iter().map(|r| r.reading).collect::<Vec<_>>(),
            vec![500, 5, 2100, 1600, 1300, 1000],
            "{n}: newest first"
        );
        assert_eq!(s.readings().of(12, 2).await.unwrap().len(), 2, "{n}");
        // Water too; each recorded reading is one contact.
        recorded(s.readings().record(&reading(13, 10, d0)).await.unwrap());
        let timeline = s
            .customers()
            .timeline("4000000003", None, 100)
            .await
            .unwrap();
        assert_eq!(timeline.len(), 7, "{n}");
        assert!(
            timeline.iter().all(|c| c.source == "readings"
                && c.reason == Some(Reason::MeterReading)
                && c.outcome == Some(Outcome::Resolved)),
            "{n}"
        );
    }
}

fn letter(received: Day, customer_id: Option<i64>, link: MailLink) -> NewMailItem {
    NewMailItem {
        received_day: received,
        sender: "Mario Rossi".into(),
        subject: "Reclamo per lettura errata".into(),
        customer_id,
        link,
        registered_by: 3,
        registered_at: morning(Day(received.0 + 2)),
        file: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_get_distinct_consecutive_protocols() {
    let standards = default_reply_standards();
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let received = day(2012, 5, 2);
        let items: Vec<NewMailItem> = (0..8i64)
            .map(|i| {
                let link = if i % 2 == 0 {
                    MailLink::NewRequest {
                        kind: RequestKind::Complaint,
                        body: format!("Lettera {i}"),
                    }
                } else {
                    MailLink::None
                };
                letter(received, Some(1 + i % 2), link)
            })
            .collect();
        let results =
            futures::future::join_all(items.iter().map(|item| s.mail().register(item, &standards)))
                .await;
        let mut seqs: Vec<i64> = results
            .into_iter()
            .map(|r| {
                let m = r.unwrap();
                assert_eq!(m.year, 2012);
                assert_eq!(m.protocol(), format!("2012/{:06}", m.seq));
                m.seq
            })
            .collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=8).collect::<Vec<_>>(), "{n}");
        // One contact per letter, and no second one for the requests they opened.
        let mut contacts = s
            .customers()
            .timeline("4000000003", None, 100)
            .await
            .unwrap();
        contacts.extend(
            s.customers()
                .timeline("4000000010", None, 100)
                .await
                .unwrap(),
        );
        assert_eq!(contacts.len(), 8, "{n}");
        assert!(
            contacts
                .iter()
                .all(|c| c.source == "mail" && c.channel == Channel::Mail),
            "{n}"
        );
        assert_eq!(s.requests().of(1).await.unwrap().len(), 4, "{n}");
        // Another year starts again from 1.
        let next = s
            .mail()
            .register(&letter(day(2013, 1, 2), None, MailLink::None), &standards)
            .await
            .unwrap();
        assert_eq!(next.protocol(), "2013/000001", "{n}");
    }
}

#[tokio::test]
async fn a_mailed_complaint_starts_the_clock_on_receipt() {
    let standards = default_reply_standards();
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let received = day(2011, 3, 1);
        let mut item = letter(
            received,
            Some(1),
            MailLink::NewRequest {
                kind: RequestKind::Complaint,
                body: "Contesto la lettura del contatore gas.".into(),
            },
        );
        item.file = Some(NewAttachment {
            filename: "lettera.pdf".into(),
            content_type: "application/pdf".into(),
            data: b"%PDF-1.4".to_vec(),
        });
        let m = s.mail().register(&item, &standards).await.unwrap();
        assert_eq!(m.protocol(), "2011/000001", "{n}");
        assert_eq!(m.protocol, "2011/000001", "{n}");
        assert_eq!(m.file_size, Some(8), "{n}");
        let r = s
            .requests()
            .get(m.request_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.channel, Channel::Mail, "{n}");
        assert_eq!(r.kind, RequestKind::Complaint, "{n}");
        assert_eq!(
            r.opened_day, received,
            "{n}: the day of receipt, not of registration"
        );
        assert_eq!(r.deadline_day, Some(day(2011, 4, 10)), "{n}");
        let timeline = s
            .customers()
            .timeline("4000000003", None, 10)
            .await
            .unwrap();
        assert_eq!(timeline.len(), 1, "{n}");
        assert_eq!(timeline[0].external_id, "2011/000001", "{n}");
        assert_eq!(timeline[0].outcome, Some(Outcome::Registered), "{n}");
        assert_eq!(timeline[0].reason, Some(Reason::Complaint), "{n}");

        // A reminder linked to the request: the customer comes from it.
        let reminder = s
            .mail()
            .register(
                &letter(day(2011, 3, 20), None, MailLink::Existing(r.id)),
                &standards,
            )
            .await
            .unwrap();
        assert_eq!((reminder.seq, reminder.customer_id), (2, Some(1)), "{n}");
        assert_eq!(reminder.request_id, Some(r.id), "{n}");
        // A letter nobody's: no customer, no request.
        let anon = s
            .mail()
            .register(&letter(day(2011, 3, 21), None, MailLink::None), &standards)
            .await
            .unwrap();
        assert_eq!(anon.customer_id, None, "{n}");
        let list = s.mail().items(10, 0).await.unwrap();
        assert_eq!(
            list.iter().map(|m| m.seq).collect::<Vec<_>>(),
            vec![3, 2, 1],
            "{n}"
        );
        assert_eq!(s.mail().items(1, 1).await.unwrap()[0].seq, 2, "{n}");
        let (name, kind, data) = s.mail().file(m.id).await.unwrap().unwrap();
        assert_eq!(
            (name.as_str(), kind.as_str(), data.as_slice()),
            ("lettera.pdf", "application/pdf", &b"%PDF-1.4"[..]),
            "{n}"
        );
        assert!(s.mail().file(anon.id).await.unwrap().is_none(), "{n}");
        assert_eq!(s.mail().item(anon.id).await.unwrap().unwrap().seq, 3, "{n}");

        // Refusals.
        let m = invalid_message(
            s.mail()
                .register(
                    &letter(received, Some(2), MailLink::Existing(r.id)),
                    &standards,
                )
                .await,
        );
        assert!(m.contains("another customer"), "{n}: {m}");
        let m = invalid_message(
            s.mail()
                .register(
                    &letter(
                        received,
                        None,
                        MailLink::NewRequest {
                            kind: RequestKind::Information,
                            body: "x".into(),
                        },
                    ),
                    &standards,
                )
                .await,
        );
        assert!(m.contains("needs the customer"), "{n}: {m}");
        let mut no_sender = letter(received, None, MailLink::None);
        no_sender.sender = " ".into();
        assert!(
            invalid_message(s.mail().register(&no_sender, &standards).await).contains("sender"),
            "{n}"
        );
        assert_eq!(s.mail().items(10, 0).await.unwrap().len(), 3, "{n}");
    }
}

#[tokio::test]
async fn the_rules_of_2026_time_each_kind_and_price_late_replies_from_30_euros() {
    let standards = default_reply_standards();
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        // A supply billed three times a year: its bill corrections get 90 days.
        s.insert_supply_points(&[SupplyPoint {
            id: 14,
            customer_id: 1,
            service: Service::Electricity,
            identifier: "P14".into(),
            municipality: "Modena".into(),
            address: "Via Emilia 1".into(),
            bills_per_year: 3,
        }])
        .await
        .unwrap();
        let opened = day(2026, 2, 2);
        let open = |kind, sp: Option<i64>| {
            let mut r = request(1, kind, opened);
            r.supply_point_id = sp;
            r
        };
        let due = |days: i32| Some(Day(opened.0 + days));
        let mut ids = Vec::new();
        for (kind, sp, days) in [
            (RequestKind::Complaint, None, Some(30)),
            (RequestKind::Information, None, Some(30)),
            (RequestKind::BillCorrection, Some(11), Some(60)),
            (RequestKind::BillCorrection, Some(14), Some(90)),
            (RequestKind::DoubleBilling, None, Some(15)),
            (RequestKind::ContractChange, None, None),
        ] {
            let r = s
                .requests()
                .open(&open(kind, sp), &standards)
                .await
                .unwrap();
            assert_eq!(r.deadline_day, days.and_then(due), "{n}: {kind} {sp:?}");
            ids.push(r.id);
        }
        let answer = |id: i64, days: i32| {
            s.requests().answer(
                id,
                "Risposta motivata.",
                Channel::Mail,
                7,
                morning(Day(opened.0 + days)),
                &standards,
            )
        };
        // The complaint 31 days on: EUR 30. The information request 61 days on: EUR 60. The
        // four-monthly correction 90 days on: in time. The double billing 46 days on: EUR 90.
        // The contract change: no standard, no compensation.
        let cents = [
            (0, 31, Some(3000)),
            (1, 61, Some(6000)),
            (3, 90, Some(0)),
            (4, 46, Some(9000)),
            (5, 400, None),
        ];
        for (i, days, want) in cents {
            let a = answer(ids[i], days).await.unwrap();
            assert_eq!(
                a.compensation_cents, want,
                "{n}: request {i} after {days} days"
            );
        }

        // The year per kind, judged on 2026-05-01: the 60-day correction is open past its
        // deadline (2026-04-03).
        let year = s
            .requests()
            .on_time_by_kind(day(2026, 1, 1), day(2026, 12, 31), day(2026, 5, 1))
            .await
            .unwrap();
        let counts: Vec<_> = year
            .iter()
            .map(|k| {
                (
                    k.kind,
                    k.answered_on_time,
                    k.answered_late,
                    k.open_overdue,
                    k.open_in_time,
                    k.compensation_cents,
                )
            })
            .collect();
        assert_eq!(
            counts,
            [
                (RequestKind::Information, 0, 1, 0, 0, 6000),
                (RequestKind::Complaint, 0, 1, 0, 0, 3000),
                (RequestKind::BillCorrection, 1, 0, 1, 0, 0),
                (RequestKind::DoubleBilling, 0, 1, 0, 0, 9000),
            ],
            "{n}"
        );
        assert_eq!(year[2].on_time_pct(), Some(50.0), "{n}");
        // Judged earlier, the open correction is still in time and not judged.
        let early = s
            .requests()
            .on_time_by_kind(day(2026, 1, 1), day(2026, 12, 31), day(2026, 3, 1))
            .await
            .unwrap();
        assert_eq!((early[2].open_in_time, early[2].judged()), (1, 1), "{n}");
        // Another year reads none of them.
        let other = s
            .requests()
            .on_time_by_kind(day(2025, 1, 1), day(2025, 12, 31), day(2026, 5, 1))
            .await
            .unwrap();
        assert!(other.is_empty(), "{n}");
    }
}
