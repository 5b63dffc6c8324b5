//! Material campaigns (create, target, send, confirm, who has not confirmed) and the branch
//! waiting-time indicators computed from the ledger.

use canali_branches::kpi::{BranchStandards, branch_kpis, verdict};
use canali_domain::lang::Lang;
use canali_domain::{Channel, ROME};
use canali_store::testing::fresh_stores;
use canali_store::{NewContact, Sot};
use jiff::civil::date;

#[tokio::test]
async fn a_campaign_is_sent_and_confirmed() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        let id = s
            .network()
            .create_campaign("Guida alla lettura della bolletta", "leaflet", 1)
            .await
            .unwrap();
        assert!(
            s.network().send_campaign(id, 2).await.is_err(),
            "no branches yet"
        );
        let targets: Vec<(String, i64)> = (1..=84)
            .map(|i| (format!("B{i:02}"), 80_000 / 84))
            .collect();
        s.network().target_campaign(id, &targets).await.unwrap();
        assert!(
            s.network()
                .confirm_campaign(id, "B01", false, 3)
                .await
                .is_err(),
            "not sent yet"
        );
        let sent = s.network().send_campaign(id, 4).await.unwrap();
        assert_eq!(sent.sent_at, Some(4));
        assert!(s.network().send_campaign(id, 5).await.is_err(), "sent once");
        assert!(
            s.network()
                .target_campaign(id, &[("B99".into(), 1)])
                .await
                .is_err(),
            "closed after sending"
        );
        s.network()
            .confirm_campaign(id, "B01", false, 6)
            .await
            .unwrap();
        let r = s
            .network()
            .confirm_campaign(id, "B02", true, 7)
            .await
            .unwrap();
        assert_eq!((r.delivered_at, r.displayed_at), (Some(7), Some(7)));
        assert!(
            s.network()
                .confirm_campaign(id, "B99", false, 8)
                .await
                .is_err(),
            "not a target"
        );
        let rows = s.network().campaign_branches(id).await.unwrap();
        assert_eq!(rows.iter().filter(|r| r.delivered_at.is_none()).count(), 82);
        let reminded = s.network().remind_campaign(id, 9).await.unwrap();
        assert_eq!(reminded.len(), 83, "{}", t.name);
        assert!(reminded.iter().all(|r| r.reminded_at == Some(9)));
    }
}

#[tokio::test]
async fn branch_indicators_from_the_ledger() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        s.network()
            .insert_sots(&[Sot {
                code: 1,
                name: "Bologna".into(),
            }])
            .await
            .unwrap();
        let start = date(2011, 3, 10)
            .at(9, 0, 0, 0)
            .to_zoned(ROME.clone())
            .unwrap()
            .timestamp()
            .as_microsecond();
        // 100 visits at branch X: waits of 0..99 minutes + 30 s.
        let contacts: Vec<NewContact> = (0..100)
            .map(|i| NewContact {
                external_id: format!("x{i}"),
                channel: Channel::Branch,
                started_at: start + i * 1_000_000,
                ended_at: None,
                segment: None,
                customer: None,
                territory: Some(1),
                wait_seconds: Some(i * 60 + 30),
                handle_seconds: Some(300),
                reason: None,
                outcome: None,
                branch: Some("X".into()),
                line: None,
                agent: None,
            })
            .collect();
        s.ledger().ingest("test", &contacts).await.unwrap();
        let k = branch_kpis(s, "2011-03", &BranchStandards::default())
            .await
            .unwrap();
        let n = &k.network;
        assert_eq!(n.visits, 100, "{}", t.name);
        assert!((n.average_minutes.unwrap() - 50.0).abs() < 1e-9);
        assert_eq!(n.over_40_share, Some(0.60), "waits of 40.5 .. 99.5 minutes");
        assert_eq!(n.within_60_share, Some(0.60));
        let p95 = n.p95_minutes.unwrap();
        assert!((p95 - 95.0).abs() < 1e-9, "{p95}");
        assert_eq!((n.regulator_met, n.target_met), (Some(false), Some(false)));
        assert_eq!(k.territories[0].scope, "Bologna");
        assert_eq!(k.branches[0].scope, "X");
        // A month without visits has no figures and no verdict, not "met".
        let april = branch_kpis(s, "2011-04", &BranchStandards::default())
            .await
            .unwrap();
        assert_eq!(april.network.visits, 0);
        assert_eq!(april.network.regulator_met, None, "{}", t.name);
        assert_eq!(april.network.target_met, None);
        assert_eq!(april.network.average_minutes, None);
        assert_eq!(verdict(april.network.regulator_met, Lang::En), "no data");
        assert_eq!(
            verdict(april.network.regulator_met, Lang::It),
            "nessun dato"
        );
        // The indicators read the rollup only: rebuilding it from the ledger changes nothing,
        // and the same contacts ingested again are not counted twice.
        s.ledger().ingest("test", &contacts).await.unwrap();
        s.ledger().rebuild_rollups().await.unwrap();
        let again = branch_kpis(s, "2011-03", &BranchStandards::default())
            .await
            .unwrap();
        assert_eq!(again, k, "{}", t.name);
        assert!(
            branch_kpis(s, "2011-13", &BranchStandards::default())
                .await
                .is_err()
        );
    }
}

/// Boundaries of the rollup: a wait of exactly 40 minutes is not "over 40", exactly 60 is
/// "within 60"; the regulator's 95% within 60 minutes and 20-minute average are judged exactly;
/// a contact without a branch or a wait, or of another channel, is handled as the ledger says.
#[tokio::test]
async fn branch_rollup_boundaries_and_verdicts() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        let start = date(2011, 5, 31)
            .at(23, 0, 0, 0)
            .to_zoned(ROME.clone())
            .unwrap()
            .timestamp()
            .as_microsecond();
        let visit = |i: i64, wait: Option<i64>, branch: Option<&str>, channel| NewContact {
            external_id: format!("v{i}"),
            channel,
            started_at: start,
            ended_at: None,
            segment: None,
            customer: None,
            territory: Some(2),
            wait_seconds: wait,
            handle_seconds: None,
            reason: None,
            outcome: None,
            branch: branch.map(String::from),
            line: None,
            agent: None,
        };
        // 20 visits on 31 May (Rome): 18 of 10 minutes, one of exactly 40 and one of exactly
        // 60 minutes; then a visit with no wait, one of the telephone, one without a branch.
        let mut batch: Vec<NewContact> = (0..18)
            .map(|i| visit(i, Some(600), Some("Y"), Channel::Branch))
            .collect();
        batch.push(visit(18, Some(2400), Some("Y"), Channel::Branch));
        batch.push(visit(19, Some(3600), Some("Y"), Channel::Branch));
        batch.push(visit(20, None, Some("Y"), Channel::Branch));
        batch.push(visit(21, Some(9000), None, Channel::CallCenterResidential));
        batch.push(visit(22, Some(0), None, Channel::Branch));
        s.ledger().ingest("b", &batch).await.unwrap();
        let k = branch_kpis(s, "2011-05", &BranchStandards::default())
            .await
            .unwrap();
        let y = k.branches.iter().find(|b| b.scope == "Y").unwrap();
        assert_eq!(y.visits, 20, "{}", t.name);
        assert_eq!(
            y.over_40_share,
            Some(0.05),
            "exactly 40 minutes is not over 40, 60 is"
        );
        assert_eq!(
            y.within_60_share,
            Some(1.0),
            "exactly 60 minutes is within 60"
        );
        assert_eq!(y.regulator_met, Some(true));
        assert_eq!(
            k.network.visits, 21,
            "the visit without a branch counts too"
        );
        assert!(k.branches.iter().any(|b| b.scope == "(unknown)"));
        // One more visit of 61 minutes: 20 of 21 within 60 (95.2%) still meets 95%; a second
        // one makes it 20 of 22 (90.9%): missed.
        s.ledger()
            .ingest("b", &[visit(30, Some(3660), Some("Y"), Channel::Branch)])
            .await
            .unwrap();
        let k = branch_kpis(s, "2011-05", &BranchStandards::default())
            .await
            .unwrap();
        let y = k.branches.iter().find(|b| b.scope == "Y").unwrap();
        assert_eq!(y.regulator_met, Some(true), "{}", t.name);
        s.ledger()
            .ingest("b", &[visit(31, Some(3660), Some("Y"), Channel::Branch)])
            .await
            .unwrap();
        let k = branch_kpis(s, "2011-05", &BranchStandards::default())
            .await
            .unwrap();
        let y = k.branches.iter().find(|b| b.scope == "Y").unwrap();
        assert_eq!(y.regulator_met, Some(false), "{}", t.name);
        assert_eq!(
            branch_kpis(s, "2011-06", &BranchStandards::default())
                .await
                .unwrap()
                .network
                .visits,
            0,
            "23:00 on 31 May in Rome is May"
        );
        s.ledger().rebuild_rollups().await.unwrap();
        let rebuilt = branch_kpis(s, "2011-05", &BranchStandards::default())
            .await
            .unwrap();
        assert_eq!(rebuilt, k, "{}", t.name);
    }
}
