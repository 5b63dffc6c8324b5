//! The console's customer view on SQLite and (when CANALI_TEST_POSTGRES is set) PostgreSQL:
//! search by every field, the record, supply points, bills with their owner, the timeline's
//! keyset paging and the dashboard's contacts by channel.

use canali_domain::network::{Delivery, EbillPath};
use canali_domain::{Channel, Day, Outcome, Reason, Segment, Service};
use canali_store::customers::SearchField;
use canali_store::testing::fresh_stores;
use canali_store::{
    Bill, Customer, EbillEvent, NewContact, PortalAccount, Sot, Store, SupplyPoint,
};
use jiff::civil::date;

fn day(y: i16, m: i8, d: i8) -> Day {
    Day::from_date(date(y, m, d))
}

fn at(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

fn customer(
    id: i64,
    code: &str,
    segment: Segment,
    tax_id: &str,
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> Customer {
    Customer {
        id,
        code: code.into(),
        segment,
        tax_id: tax_id.into(),
        name: name.into(),
        sot: 1,
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        since: day(2005, 1, 1),
    }
}

fn point(id: i64, customer_id: i64, service: Service, identifier: &str) -> SupplyPoint {
    SupplyPoint {
        id,
        customer_id,
        service,
        identifier: identifier.into(),
        municipality: "Bologna".into(),
        address: "Via Roma 1".into(),
        bills_per_year: 6,
    }
}

fn bill(id: i64, customer_id: i64, supply_point_id: i64, issued: Day) -> Bill {
    Bill {
        id,
        customer_id,
        supply_point_id,
        issued,
        due: Day(issued.0 + 20),
        period_from: Day(issued.0 - 60),
        period_to: Day(issued.0 - 1),
        total_cents: 10_000 + id,
        delivery: Delivery::Paper,
        sheets: 2,
    }
}

async fn seed(store: &Store) {
    store
        .network()
        .insert_sots(&[Sot {
            code: 1,
            name: "Bologna".into(),
        }])
        .await
        .unwrap();
    store
        .insert_customers(&[
            customer(
                1,
                "4000000003",
                Segment::Residential,
                "RSSMRA80A01A944X",
                "Mario Rossi",
                Some("mario.rossi1@example.it"),
                Some("+39 328 1234567"),
            ),
            customer(
                2,
                "4000000010",
                Segment::Business,
                "01234567897",
                "Rossini Impianti srl",
                Some("info.rossiniimpianti2@example.it"),
                None,
            ),
            customer(
                3,
                "4000000017",
                Segment::Residential,
                "BNCLRA85M41F205Z",
                "ROSSO Luca",
                None,
                Some("+39 347 7654321"),
            ),
            customer(
                4,
                "4000000024",
                Segment::Residential,
                "VRDGPP70C12H501Y",
                "Giuseppe Verdi",
                None,
                None,
            ),
            customer(
                5,
                "4000000031",
                Segment::Business,
                "09876543210",
                "Bar 2000 snc",
                None,
                None,
            ),
        ])
        .await
        .unwrap();
    store
        .insert_supply_points(&[
            point(11, 1, Service::Electricity, "IT001E12345678"),
            point(12, 1, Service::Gas, "12010000000042"),
            point(13, 2, Service::Water, "SE950123456"),
            point(14, 3, Service::Gas, "12030000000099"),
        ])
        .await
        .unwrap();
    store
        .insert_bills(&[
            bill(101, 1, 11, day(2011, 1, 10)),
            bill(102, 1, 12, day(2011, 3, 10)),
            bill(103, 1, 11, day(2011, 3, 10)),
            bill(104, 1, 11, day(2011, 5, 10)),
            bill(201, 2, 13, day(2011, 2, 10)),
        ])
        .await
        .unwrap();
    store
        .insert_portal_accounts(&[PortalAccount {
            customer_id: 1,
            email: "mario.rossi1@example.it".into(),
            registered_at: at("2011-02-03T10:00:00Z"),
        }])
        .await
        .unwrap();
    store
        .insert_ebill_events(&[
            EbillEvent {
                customer_id: 1,
                day: day(2011, 2, 3),
                path: EbillPath::OnlineBranch,
                enrolled: true,
            },
            EbillEvent {
                customer_id: 2,
                day: day(2010, 6, 1),
                path: EbillPath::ContractSigning,
                enrolled: true,
            },
            EbillEvent {
                customer_id: 2,
                day: day(2011, 1, 15),
                path: EbillPath::CallCenter,
                enrolled: false,
            },
        ])
        .await
        .unwrap();
}

async fn found(store: &Store, query: &str) -> Vec<(i64, SearchField)> {
    store
        .customers()
        .search(query, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.id, h.matched))
        .collect()
}

#[tokio::test]
async fn search_finds_customers_by_every_field() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        assert_eq!(
            found(s, " 4000000003 ").await,
            vec![(1, SearchField::Code)],
            "{n}"
        );
        assert_eq!(
            found(s, "rssmra80a01a944x").await,
            vec![(1, SearchField::TaxId)],
            "{n}"
        );
        assert_eq!(
            found(s, "01234567897").await,
            vec![(2, SearchField::TaxId)],
            "{n}"
        );
        assert_eq!(
            found(s, "it001e12345678").await,
            vec![(1, SearchField::SupplyPoint)],
            "{n}"
        );
        assert_eq!(
            found(s, "1201 0000 0000 42").await,
            vec![(1, SearchField::SupplyPoint)],
            "{n}"
        );
        assert_eq!(
            found(s, "SE950123456").await,
            vec![(2, SearchField::SupplyPoint)],
            "{n}"
        );
        assert_eq!(
            found(s, "Mario.Rossi1@Example.IT").await,
            vec![(1, SearchField::Email)],
            "{n}"
        );
        for phone in [
            "328 123 4567",
            "+39 328 1234567",
            "+393281234567",
            "3281234567",
        ] {
            assert_eq!(
                found(s, phone).await,
                vec![(1, SearchField::Phone)],
                "{n} {phone}"
            );
        }
        assert_eq!(
            found(s, "347-7654321").await,
            vec![(3, SearchField::Phone)],
            "{n}"
        );
        // Names by prefix, whatever the case, in name order.
        // Whole names by prefix and names with a word of that prefix, in name order.
        assert_eq!(
            found(s, "ROSS").await,
            vec![
                (1, SearchField::Name),
                (2, SearchField::Name),
                (3, SearchField::Name)
            ],
            "{n}"
        );
        assert_eq!(
            found(s, "rosso l").await,
            vec![(3, SearchField::Name)],
            "{n}"
        );
        assert_eq!(
            found(s, "  mario   ROSSI ").await,
            vec![(1, SearchField::Name)],
            "{n}"
        );
        assert_eq!(
            found(s, "giuseppe").await,
            vec![(4, SearchField::Name)],
            "{n}"
        );
        let one = s.customers().search("rossin", 1).await.unwrap();
        assert_eq!(one.len(), 1, "{n}");
        assert_eq!(one[0].name, "Rossini Impianti srl", "{n}");
        assert_eq!(one[0].segment, Segment::Business, "{n}");
        // Nothing found, and nothing asked.
        assert!(found(s, "zanardi").await.is_empty(), "{n}");
        assert!(found(s, "9999999999").await.is_empty(), "{n}");
        assert!(found(s, "nobody@example.it").await.is_empty(), "{n}");
        assert!(found(s, "   ").await.is_empty(), "{n}");
        assert!(found(s, "100%_").await.is_empty(), "{n}");
    }
}

async fn ids(store: &Store, query: &str) -> Vec<i64> {
    found(store, query).await.into_iter().map(|h| h.0).collect()
}

#[tokio::test]
async fn search_finds_names_by_any_word_surname_first() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let more = [
            customer(
                6,
                "4000000048",
                Segment::Residential,
                "BNCNCC90A01A944X",
                "Niccolò Bianchi",
                None,
                None,
            ),
            customer(
                7,
                "4000000055",
                Segment::Residential,
                "DNGSRA75A41A944X",
                "Sara D'Angelo",
                None,
                None,
            ),
        ];
        // Customers already there are skipped, and so are their words.
        assert_eq!(s.insert_customers(&more).await.unwrap(), 2, "{n}");
        assert_eq!(s.insert_customers(&more).await.unwrap(), 0, "{n}");

        // The surname alone, in any case; a word must start with the query, not resemble it.
        for q in ["Rossi", "rossi", "ROSSI"] {
            let got = ids(s, q).await;
            assert!(got.contains(&1), "{n} {q}: {got:?}");
            assert!(!got.contains(&3), "{n} {q}: ROSSO Luca found: {got:?}");
        }
        // Surname first, and any order of the words; every word must match.
        assert_eq!(ids(s, "rossi mario").await, vec![1], "{n}");
        assert_eq!(ids(s, "Rossi  M").await, vec![1], "{n}");
        assert_eq!(ids(s, "mar ros").await, vec![1], "{n}");
        assert!(ids(s, "rossi luca").await.is_empty(), "{n}");
        // Accents folded on both sides.
        assert_eq!(ids(s, "niccolo").await, vec![6], "{n}");
        assert_eq!(ids(s, "Niccolò").await, vec![6], "{n}");
        assert_eq!(ids(s, "bianchi niccolò").await, vec![6], "{n}");
        // Apostrophes: the pieces and the whole word.
        for q in ["d'angelo", "dangelo", "D'Angelo Sara", "angelo", "d’ang"] {
            assert_eq!(ids(s, q).await, vec![7], "{n} {q}");
        }
        // Any word of a business name.
        assert_eq!(ids(s, "impianti").await, vec![2], "{n}");
        assert_eq!(ids(s, "impianti rossini").await, vec![2], "{n}");
        assert_eq!(ids(s, "snc").await, vec![5], "{n}");
        assert_eq!(ids(s, "2000 bar").await, vec![5], "{n}");
        // Names with the word in name order, each customer once.
        s.insert_customers(&[customer(
            8,
            "4000000062",
            Segment::Residential,
            "RSSNNA80A41A944X",
            "Anna Rossi Rossetti",
            None,
            None,
        )])
        .await
        .unwrap();
        assert_eq!(ids(s, "rossi").await, vec![8, 1, 2], "{n}");
        let hits = s.customers().search("rossi", 2).await.unwrap();
        assert_eq!(
            hits.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(),
            ["Anna Rossi Rossetti", "Mario Rossi"],
            "{n}"
        );
        assert!(ids(s, "zanardi mario").await.is_empty(), "{n}");
    }
}

/// The names of a search's hits, and whether they come in name order (folded, as the index
/// keeps them: lower-case, accents dropped).
async fn names(store: &Store, query: &str, limit: i64) -> Vec<String> {
    let hits = store.customers().search(query, limit).await.unwrap();
    hits.into_iter().map(|h| h.name).collect()
}

fn in_name_order(names: &[String]) -> bool {
    let key = |n: &String| {
        n.to_lowercase()
            .replace(['ò', 'ó'], "o")
            .replace(['è', 'é'], "e")
    };
    names.windows(2).all(|w| key(&w[0]) <= key(&w[1]))
}

#[tokio::test]
async fn search_by_a_word_prefix_merges_the_words_in_name_order() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        // Surnames a typed prefix starts, first names so that name order mixes them; one
        // customer has two of the words.
        let people = [
            (10, "Zeno Rossetti"),
            (11, "Anna Rossini"),
            (12, "Bruno Rossello"),
            (13, "Carla Rossi"),
            (14, "Èlena Rossetti"),
            (15, "Dario Rossi Rossini"),
        ];
        let rows: Vec<Customer> = people
            .iter()
            .map(|(id, name)| {
                customer(
                    *id,
                    &format!("50000000{id}"),
                    Segment::Residential,
                    &format!("TAX{id}"),
                    name,
                    None,
                    None,
                )
            })
            .collect();
        s.insert_customers(&rows).await.unwrap();
        // The whole word first (its customers in name order, straight from the index), then
        // the longer words it starts; the name probe ("Rossini Impianti") joins in name order.
        assert_eq!(
            names(s, "rossi", 20).await,
            [
                "Anna Rossini",
                "Carla Rossi",
                "Dario Rossi Rossini",
                "Mario Rossi",
                "Rossini Impianti srl"
            ],
            "{n}"
        );
        assert_eq!(
            names(s, "rossi", 2).await,
            ["Carla Rossi", "Dario Rossi Rossini"],
            "{n}"
        );
        // ...a prefix merges its words' pages: each customer once, in name order. The name
        // probe (names starting "ross") joins in the same order.
        let got = names(s, "ross", 20).await;
        assert_eq!(got.len(), 9, "{n}: {got:?}");
        assert!(in_name_order(&got), "{n}: {got:?}");
        assert_eq!(got[0], "Anna Rossini", "{n}");
        assert_eq!(
            got.iter().filter(|g| *g == "Dario Rossi Rossini").count(),
            1
        );
        // A short page takes the first names of the merged words.
        assert_eq!(
            names(s, "rosse", 2).await,
            ["Bruno Rossello", "Èlena Rossetti"],
            "{n}"
        );
        // An exact word with too few customers is topped up by the longer words' first names.
        assert_eq!(
            names(s, "rossi", 4).await,
            [
                "Anna Rossini",
                "Carla Rossi",
                "Dario Rossi Rossini",
                "Mario Rossi"
            ],
            "{n}"
        );
        // With another word filtering.
        assert_eq!(names(s, "ross anna", 20).await, ["Anna Rossini"], "{n}");
    }
}

#[tokio::test]
async fn a_prefix_of_many_words_is_still_in_name_order() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        let n = t.name;
        // 40 distinct surnames starting "pal" (more than are merged word by word), first names
        // in the reverse order.
        let rows: Vec<Customer> = (0..40)
            .map(|i| {
                let a = char::from(b'a' + (i / 26) as u8);
                let b = char::from(b'a' + (i % 26) as u8);
                let first = char::from(b'z' - (i % 26) as u8);
                customer(
                    100 + i,
                    &format!("60000{i:05}"),
                    Segment::Residential,
                    &format!("PAL{i}"),
                    &format!("{first}ina Pal{a}{b}"),
                    None,
                    None,
                )
            })
            .collect();
        s.insert_customers(&rows).await.unwrap();
        let got = names(s, "pal", 7).await;
        assert_eq!(got.len(), 7, "{n}: {got:?}");
        assert!(in_name_order(&got), "{n}: {got:?}");
        assert_eq!(got[0], "aina Palaz", "{n}: {got:?}");
        assert_eq!(got[6], "gina Palat", "{n}: {got:?}");
        assert_eq!(
            names(s, "pal z", 20).await,
            ["zina Palaa", "zina Palba"],
            "{n}"
        );
    }
}

#[tokio::test]
async fn a_bulk_load_writes_the_name_words_at_the_end() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        let n = t.name;
        let c = |id: i64, name: &str| {
            customer(
                id,
                &format!("70000000{id}"),
                Segment::Residential,
                &format!("BULK{id}"),
                name,
                None,
                None,
            )
        };
        s.insert_customers(&[c(1, "Mario Montanari")])
            .await
            .unwrap();
        s.ops().defer_secondary_indexes().await.unwrap();
        s.insert_customers(&[c(2, "Luca Montanari"), c(3, "Anna Bellini")])
            .await
            .unwrap();
        s.ops().build_secondary_indexes().await.unwrap();
        assert_eq!(ids(s, "montanari").await, vec![2, 1], "{n}");
        assert_eq!(ids(s, "bellini anna").await, vec![3], "{n}");
        // Building again writes nothing twice; live writes are back.
        s.ops().build_secondary_indexes().await.unwrap();
        s.insert_customers(&[c(4, "Bruno Montanari")])
            .await
            .unwrap();
        assert_eq!(ids(s, "montanari").await, vec![4, 2, 1], "{n}");
    }
}

#[tokio::test]
async fn the_record_shows_the_account_the_ebill_and_the_supplies() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let c = s.customers().get(1).await.unwrap().unwrap();
        assert_eq!(c.code, "4000000003", "{n}");
        assert_eq!(c.since, day(2005, 1, 1), "{n}");
        assert_eq!(
            c.portal_email.as_deref(),
            Some("mario.rossi1@example.it"),
            "{n}"
        );
        assert_eq!(c.portal_registered, Some(day(2011, 2, 3)), "{n}");
        assert!(c.ebill_enrolled, "{n}");
        assert_eq!(c.ebill_since, Some(day(2011, 2, 3)), "{n}");
        assert_eq!(c.ebill_path, Some(EbillPath::OnlineBranch), "{n}");
        // Back to paper: the latest switch is the withdrawal.
        let b = s.customers().by_code("4000000010").await.unwrap().unwrap();
        assert_eq!(b.id, 2, "{n}");
        assert!(!b.ebill_enrolled, "{n}");
        assert_eq!(b.ebill_since, Some(day(2011, 1, 15)), "{n}");
        assert_eq!(b.ebill_path, Some(EbillPath::CallCenter), "{n}");
        assert_eq!(b.portal_email, None, "{n}");
        let v = s.customers().get(4).await.unwrap().unwrap();
        assert!(!v.ebill_enrolled && v.ebill_since.is_none(), "{n}");
        assert!(s.customers().get(99).await.unwrap().is_none(), "{n}");
        assert!(
            s.customers().by_code("nope").await.unwrap().is_none(),
            "{n}"
        );

        let points = s.customers().supply_points_of(1).await.unwrap();
        assert_eq!(
            points
                .iter()
                .map(|p| (p.id, p.service, p.identifier.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (11, Service::Electricity, "IT001E12345678"),
                (12, Service::Gas, "12010000000042")
            ],
            "{n}"
        );
    }
}

#[tokio::test]
async fn bills_are_paged_newest_first_and_only_the_owners() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let ids =
            |v: Vec<canali_store::customers::BillRow>| v.iter().map(|b| b.id).collect::<Vec<_>>();
        assert_eq!(
            ids(s.customers().bills_of(1, 10, 0).await.unwrap()),
            vec![104, 103, 102, 101],
            "{n}"
        );
        assert_eq!(
            ids(s.customers().bills_of(1, 2, 1).await.unwrap()),
            vec![103, 102],
            "{n}"
        );
        let b = s.customers().bill_of(1, 102).await.unwrap().unwrap();
        assert_eq!(b.identifier, "12010000000042", "{n}");
        assert_eq!(b.service, Service::Gas, "{n}");
        assert_eq!(b.issued, day(2011, 3, 10), "{n}");
        assert_eq!(b.delivery, Delivery::Paper, "{n}");
        assert!(
            s.customers().bill_of(1, 201).await.unwrap().is_none(),
            "{n}: another customer's bill"
        );
        assert!(
            s.customers().bill_of(2, 102).await.unwrap().is_none(),
            "{n}: another customer's bill"
        );
        assert!(
            s.customers().bill_of(2, 201).await.unwrap().is_some(),
            "{n}"
        );

        // The home page's one read (a single statement on PostgreSQL) gives what the four
        // reads give, for each customer: e-bill on or back to paper, with and without bills.
        for id in [1, 2, 4] {
            let home = s.customers().home(id, 3).await.unwrap().unwrap();
            assert_eq!(
                home.record,
                s.customers().get(id).await.unwrap().unwrap(),
                "{n}"
            );
            assert_eq!(
                home.supply_points,
                s.customers().supply_points_of(id).await.unwrap(),
                "{n}"
            );
            assert_eq!(
                home.bills,
                s.customers().bills_of(id, 3, 0).await.unwrap(),
                "{n}"
            );
            assert_eq!(home.requests, s.requests().of(id).await.unwrap(), "{n}");
        }
        let home = s.customers().home(1, 3).await.unwrap().unwrap();
        assert_eq!(ids(home.bills), vec![104, 103, 102], "{n}");
        assert!(s.customers().home(99, 3).await.unwrap().is_none(), "{n}");
    }
}

fn contact(id: usize, customer: &str, channel: Channel, started_at: i64) -> NewContact {
    NewContact {
        external_id: format!("t{id}"),
        channel,
        started_at,
        ended_at: None,
        segment: None,
        customer: Some(customer.into()),
        territory: None,
        wait_seconds: Some(30),
        handle_seconds: Some(120),
        reason: if id.is_multiple_of(5) {
            None
        } else {
            Some(Reason::Billing)
        },
        outcome: Some(Outcome::Resolved),
        branch: None,
        line: None,
        agent: None,
    }
}

#[tokio::test]
async fn the_timeline_pages_without_gaps_or_repeats() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        seed(s).await;
        let n = t.name;
        let base = at("2011-03-01T08:00:00Z");
        let channels = [
            Channel::Web,
            Channel::Branch,
            Channel::CallCenterResidential,
        ];
        // 23 contacts of customer 1, several at the same instant (ties broken by id), and
        // some of customer 2 that must not show.
        let mut batch: Vec<NewContact> = (0..23)
            .map(|i| {
                contact(
                    i,
                    "4000000003",
                    channels[i % 3],
                    base + (i as i64 / 3) * 3_600_000_000,
                )
            })
            .collect();
        batch.extend((100..105).map(|i| contact(i, "4000000010", Channel::Mail, base)));
        s.ledger().ingest("test", &batch).await.unwrap();

        let all = s
            .customers()
            .timeline("4000000003", None, 100)
            .await
            .unwrap();
        assert_eq!(all.len(), 23, "{n}");
        for w in all.windows(2) {
            assert!(
                (w[0].started_at, w[0].id) > (w[1].started_at, w[1].id),
                "{n}: newest first"
            );
        }
        let mut paged = Vec::new();
        let mut before = None;
        loop {
            let page = s
                .customers()
                .timeline("4000000003", before, 4)
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 4);
            let last = page.last().unwrap();
            before = Some((last.started_at, last.id));
            paged.extend(page);
        }
        assert_eq!(paged, all, "{n}: paging gives the same list");
        let first = &all[0];
        assert_eq!(first.source, "test", "{n}");
        assert_eq!(first.started_at, base + 7 * 3_600_000_000, "{n}");
        assert!(["t21", "t22"].contains(&first.external_id.as_str()), "{n}");
        assert_eq!(
            first.id,
            canali_store::contact_id("test", &first.external_id),
            "{n}"
        );
        assert!(
            all.iter().any(|e| e.reason.is_none()),
            "{n}: unknown reason kept"
        );
        assert_eq!(
            s.customers()
                .timeline("4000000010", None, 100)
                .await
                .unwrap()
                .len(),
            5,
            "{n}"
        );
        assert!(
            s.customers()
                .timeline("nobody", None, 10)
                .await
                .unwrap()
                .is_empty(),
            "{n}"
        );

        let by_channel = s
            .figures()
            .contacts_by_channel(day(2011, 3, 1), day(2011, 3, 1))
            .await
            .unwrap();
        assert_eq!(
            by_channel,
            vec![
                (Channel::CallCenterResidential, 7),
                (Channel::Branch, 8),
                (Channel::Web, 8),
                (Channel::Mail, 5),
            ],
            "{n}"
        );
        assert!(
            s.figures()
                .contacts_by_channel(day(2011, 3, 2), day(2011, 3, 31))
                .await
                .unwrap()
                .is_empty(),
            "{n}"
        );
    }
}
