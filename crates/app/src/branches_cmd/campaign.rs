//! `canali branches campaign ...`: material campaigns sent to the branches.

use super::CampaignCommand;
use anyhow::{Result, bail};
use canali_branches::Network;
use canali_domain::ROME;
use canali_domain::network::Operator;
use canali_store::Store;
use jiff::Timestamp;

pub(super) async fn campaign(store: &Store, cmd: CampaignCommand) -> Result<()> {
    let now = Timestamp::now().as_microsecond();
    match cmd {
        CampaignCommand::Create { name, material } => {
            let id = store
                .network()
                .create_campaign(&name, &material, now)
                .await?;
            println!("Campaign {id} created: {name} ({material}).");
        }
        CampaignCommand::Target {
            id,
            all,
            sot,
            kind,
            outsourced,
            branches,
            copies,
            total,
        } => {
            if !all && sot.is_none() && kind.is_none() && !outsourced && branches.is_empty() {
                bail!("say which branches: --all, --sot, --kind, --outsourced or --branches");
            }
            let net = Network::load(store).await?;
            let today = Timestamp::now().to_zoned(ROME.clone()).date();
            let at = net.at(today);
            let mut codes: Vec<String> = at
                .branches
                .iter()
                .filter(|b| {
                    all || sot == Some(b.sot)
                        || kind == Some(b.kind)
                        || (outsourced && b.operator == Operator::Outsourced)
                        || branches.contains(&b.code)
                })
                .map(|b| b.code.clone())
                .collect();
            for b in &branches {
                if !codes.contains(b) {
                    if net.branches.iter().any(|n| &n.branch.code == b) {
                        bail!("branch {b} is closed");
                    }
                    bail!("no branch {b}");
                }
            }
            codes.sort();
            if codes.is_empty() {
                bail!("no open branch matches");
            }
            let n = codes.len() as i64;
            let targets: Vec<(String, i64)> = codes
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let k = match (copies, total) {
                        (Some(c), _) => c,
                        (None, Some(t)) => t / n + i64::from((i as i64) < t % n),
                        (None, None) => 1,
                    };
                    (c, k)
                })
                .collect();
            store.network().target_campaign(id, &targets).await?;
            println!(
                "Campaign {id}: {} branches targeted, {} copies.",
                targets.len(),
                targets.iter().map(|t| t.1).sum::<i64>()
            );
        }
        CampaignCommand::Send { id } => {
            let c = store.network().send_campaign(id, now).await?;
            println!("Campaign {} ({}) sent.", c.id, c.name);
        }
        CampaignCommand::Confirm {
            id,
            branch,
            displayed,
        } => {
            let r = store
                .network()
                .confirm_campaign(id, &branch, displayed, now)
                .await?;
            println!(
                "Campaign {id}, branch {}: delivered {}, displayed {}.",
                r.branch,
                r.delivered_at.is_some(),
                r.displayed_at.is_some()
            );
        }
        CampaignCommand::Pending { id } => {
            let rows = store.network().campaign_branches(id).await?;
            let not_delivered: Vec<&str> = rows
                .iter()
                .filter(|r| r.delivered_at.is_none())
                .map(|r| r.branch.as_str())
                .collect();
            let not_displayed: Vec<&str> = rows
                .iter()
                .filter(|r| r.displayed_at.is_none())
                .map(|r| r.branch.as_str())
                .collect();
            println!(
                "Campaign {id}: {} branches; {} have not confirmed delivery: {}",
                rows.len(),
                not_delivered.len(),
                not_delivered.join(" ")
            );
            println!(
                "{} have not confirmed display: {}",
                not_displayed.len(),
                not_displayed.join(" ")
            );
        }
        CampaignCommand::Remind { id } => {
            let rows = store.network().remind_campaign(id, now).await?;
            println!(
                "Reminder recorded for {} branches: {}",
                rows.len(),
                rows.iter()
                    .map(|r| r.branch.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        CampaignCommand::List => {
            for c in store.network().campaigns().await? {
                let rows = store.network().campaign_branches(c.id).await?;
                println!(
                    "{:>4} {:<40} {:<20} {} branches, {} copies, sent {}, delivered {}, displayed {}",
                    c.id,
                    c.name,
                    c.material,
                    rows.len(),
                    rows.iter().map(|r| r.copies).sum::<i64>(),
                    c.sent_at.is_some(),
                    rows.iter().filter(|r| r.delivered_at.is_some()).count(),
                    rows.iter().filter(|r| r.displayed_at.is_some()).count()
                );
            }
        }
    }
    Ok(())
}
