//! Runs the simulation into a store and prints what it wrote and how long each phase took.
//!
//! `cargo run --release -p canali-sim --example simulate -- sqlite:///tmp/canali.db [SCALE] [SEED]`

use canali_sim::{SimConfig, simulate};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "sqlite:///tmp/canali-sim.db".to_string());
    let scale: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0.05);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2011);
    let store = canali_store::Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let cfg = SimConfig {
        scale,
        seed,
        progress: std::env::var_os("NO_PROGRESS").is_none(),
        ..SimConfig::default()
    };
    let s = simulate(&store, &cfg).await.expect("simulate");
    for p in &s.phases {
        println!(
            "{:>13}: {:>10} generated, {:>10} written, {:>8.3} s ({:.0} rows/s)",
            p.name,
            p.generated,
            p.written,
            p.elapsed.as_secs_f64(),
            p.generated as f64 / p.elapsed.as_secs_f64().max(1e-9)
        );
    }
    for q in &s.queues {
        println!(
            "{} {:>11}: spare {:.2}, impatient {:.1}%, expected mean {:.1} s, over {:.2}%, abandoned {:.2}%",
            q.year,
            q.queue,
            q.spare_agents,
            q.impatient_share * 100.0,
            q.expected_mean_seconds,
            q.expected_over_share * 100.0,
            q.expected_abandoned_share * 100.0
        );
    }
    println!(
        "e-mail bills 2011 planned {} (target {:.0})",
        s.email_bills_2011_planned, s.email_bills_2011_target
    );
    println!("total {:.3} s", s.elapsed.as_secs_f64());
    store.close().await;
}
