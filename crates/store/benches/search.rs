//! Times the console's customer search on an existing database, per kind of query.
//!
//! ```text
//! CANALI_BENCH_DB=sqlite://canali-demo.db cargo bench -p canali-store --bench search
//! CANALI_BENCH_DB=postgres://postgres@127.0.0.1:5432/demo cargo bench -p canali-store --bench search
//! ```
//!
//! Optional: `CANALI_BENCH_SAMPLES` customers sampled (default 300). The samples are customers
//! spread over the whole id range, read through the store's own API; each query is timed once
//! warm-up excluded, and the median and 99th percentile are printed with how many of the
//! sampled customers the search found.

use canali_domain::{Segment, Service};
use canali_store::Store;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Kind {
    name: &'static str,
    queries: Vec<(String, i64)>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The highest customer id: ids are dense from 1 in the simulated utility.
async fn max_id(store: &Store) -> i64 {
    let (mut lo, mut hi) = (0i64, 1i64);
    while store.customers().get(hi).await.unwrap().is_some() {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if store.customers().get(mid).await.unwrap().is_some() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[tokio::main]
async fn main() {
    let Ok(url) = std::env::var("CANALI_BENCH_DB") else {
        eprintln!(
            "search bench: set CANALI_BENCH_DB to a full-size demo database \
             (sqlite://canali-demo.db or postgres://...); nothing to do"
        );
        return;
    };
    let samples: i64 = std::env::var("CANALI_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let store = Store::connect(&url).await.expect("connect");
    if std::env::var_os("CANALI_BENCH_MIGRATE").is_some() {
        let t = Instant::now();
        let report = store.migrate().await.expect("migrate");
        println!(
            "migrated {:?} in {:.1} s",
            report.applied,
            t.elapsed().as_secs_f64()
        );
    }
    let n = max_id(&store).await;
    println!(
        "search bench on {:?}: {n} customers, {samples} sampled",
        store.backend()
    );
    if n == 0 {
        return;
    }
    let mut kinds = [
        "code",
        "codice fiscale",
        "partita IVA",
        "POD",
        "PDR",
        "e-mail",
        "phone",
        "name prefix",
        "surname",
        "surname name",
    ]
    .map(|name| Kind {
        name,
        ..Kind::default()
    });
    for i in 0..samples {
        // Spread over the id range, away from any pattern of the simulator.
        let id = 1 + ((i as u64 * 2_654_435_761 + 12_345) % n as u64) as i64;
        let Some(c) = store.customers().get(id).await.unwrap() else {
            continue;
        };
        kinds[0].queries.push((c.code.clone(), id));
        match c.segment {
            Segment::Residential => kinds[1].queries.push((c.tax_id.to_lowercase(), id)),
            Segment::Business => kinds[2].queries.push((c.tax_id.clone(), id)),
        }
        for sp in store.customers().supply_points_of(id).await.unwrap() {
            match sp.service {
                Service::Electricity => kinds[3].queries.push((sp.identifier, id)),
                Service::Gas => kinds[4].queries.push((sp.identifier, id)),
                _ => {}
            }
        }
        if let Some(e) = &c.email {
            kinds[5].queries.push((e.to_uppercase(), id));
        }
        if let Some(p) = &c.phone {
            // As an operator types it: digits only, no country code.
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            kinds[6]
                .queries
                .push((digits.strip_prefix("39").unwrap_or(&digits).to_string(), id));
        }
        // The first word and two letters of the second, as typed in a hurry.
        let mut words = c.name.split_whitespace();
        let prefix = match (words.next(), words.next()) {
            (Some(a), Some(b)) => format!("{} {}", a, b.chars().take(2).collect::<String>()),
            (Some(a), None) => a.to_string(),
            _ => continue,
        };
        kinds[7].queries.push((prefix.to_uppercase(), id));
        // A person by the surname (found among namesakes only when few), then surname and name.
        if c.segment == Segment::Residential {
            let words: Vec<&str> = c.name.split_whitespace().collect();
            if let [first, .., last] = words[..] {
                kinds[8].queries.push((last.to_string(), id));
                kinds[9].queries.push((
                    format!("{} {}", last.to_lowercase(), first.to_lowercase()),
                    id,
                ));
            }
        }
    }
    println!(
        "{:<16} {:>7} {:>10} {:>10} {:>10} {:>8}",
        "kind", "queries", "median ms", "p99 ms", "max ms", "found"
    );
    for k in &kinds {
        if k.queries.is_empty() {
            continue;
        }
        // Warm-up: the first pass pages the indexes in.
        for (q, _) in &k.queries {
            store.customers().search(q, 20).await.unwrap();
        }
        let mut times = Vec::with_capacity(k.queries.len());
        let mut found = 0;
        for (q, id) in &k.queries {
            let t = Instant::now();
            let hits = store.customers().search(q, 20).await.unwrap();
            times.push(t.elapsed());
            // A name prefix or a surname may have more than 20 namesakes before this customer.
            if hits.iter().any(|h| h.id == *id) {
                found += 1;
            }
        }
        times.sort_unstable();
        println!(
            "{:<16} {:>7} {:>10.3} {:>10.3} {:>10.3} {:>7.0}%",
            k.name,
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap()),
            100.0 * found as f64 / k.queries.len() as f64
        );
    }
    store.close().await;
}
