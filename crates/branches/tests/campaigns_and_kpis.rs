//! Material campaigns (create, target, send, confirm, who has not confirmed) and the branch
//! waiting-time indicators computed from the ledger.

use canali_branches::kpi::{BranchStandards, branch_kpis};
use canali_domain::{Channel, ROME};
use canali_store::testing::fresh_stores;
use canali_store::{NewContact, Sot};
use jiff::civil::date;

#[tokio::test]
async fn a_campaign_is_sent_and_confirmed() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        let id = s
            .create_campaign("Guida alla lettura della bolletta", "leaflet", 1)
            .await
            .unwrap();
        assert!(s.send_campaign(id, 2).await.is_err(), "no branches yet");
        let targets: Vec<(String, i64)> = (1..=84)
            .map(|i| (format!("B{i:02}"), 80_000 / 84))
            .collect();
        s.target_campaign(id, &targets).await.unwrap();
        assert!(
            s.confirm_campaign(id, "B01", false, 3).await.is_err(),
            "not sent yet"
        );
        let sent = s.send_campaign(id, 4).await.unwrap();
        assert_eq!(sent.sent_at, Some(4));
        assert!(s.send_campaign(id, 5).await.is_err(), "sent once");
        assert!(
            s.target_campaign(id, &[("B99".into(), 1)]).await.is_err(),
            "closed after sending"
        );
        s.confirm_campaign(id, "B01", false, 6).await.unwrap();
        let r = s.confirm_campaign(id, "B02", true, 7).await.unwrap();
        assert_eq!((r.delivered_at, r.displayed_at), (Some(7), Some(7)));
        assert!(
            s.confirm_campaign(id, "B99", false, 8).await.is_err(),
            "not a target"
        );
        let rows = s.campaign_branches(id).await.unwrap();
        assert_eq!(rows.iter().filter(|r| r.delivered_at.is_none()).count(), 82);
        let reminded = s.remind_campaign(id, 9).await.unwrap();
        assert_eq!(reminded.len(), 83, "{}", t.name);
        assert!(reminded.iter().all(|r| r.reminded_at == Some(9)));
    }
}

#[tokio::test]
async fn branch_indicators_from_the_ledger() {
    for t in fresh_stores().await.unwrap() {
        let s = &t.store;
        s.insert_sots(&[Sot {
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
        s.ingest_contacts("test", &contacts).await.unwrap();
        let k = branch_kpis(s, "2011-03", &BranchStandards::default())
            .await
            .unwrap();
        let n = &k.network;
        assert_eq!(n.visits, 100, "{}", t.name);
        assert!((n.average_minutes - 50.0).abs() < 1e-9);
        assert_eq!(n.over_40_share, 0.60, "waits of 40.5 .. 99.5 minutes");
        assert_eq!(n.within_60_share, 0.60);
        assert!((n.p95_minutes - 95.0).abs() < 1e-9, "{}", n.p95_minutes);
        assert!(!n.regulator_met && !n.target_met);
        assert_eq!(k.territories[0].scope, "Bologna");
        assert_eq!(k.branches[0].scope, "X");
        assert_eq!(
            branch_kpis(s, "2011-04", &BranchStandards::default())
                .await
                .unwrap()
                .network
                .visits,
            0
        );
        assert!(
            branch_kpis(s, "2011-13", &BranchStandards::default())
                .await
                .is_err()
        );
    }
}
