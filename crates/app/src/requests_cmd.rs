//! `canali kpi requests`: the timeliness of the year's written requests per kind, against the
//! regulator's standards in force on the year's first day (docs/web.md, "Reply standards").

use anyhow::{Result, bail};
use canali_domain::Day;
use canali_domain::lang::Lang;
use canali_store::requests::KindYear;
use clap::{Args, ValueEnum};
use std::path::Path;

#[derive(Args)]
pub struct RequestsKpiArgs {
    /// The year of receipt.
    #[arg(long)]
    year: i16,
    /// The day open requests are judged on (YYYY-MM-DD; default: today). A request still open
    /// after its deadline counts as late.
    #[arg(long)]
    today: Option<jiff::civil::Date>,
    /// table (readable) or json.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

pub async fn run(db: &str, config: &Path, args: RequestsKpiArgs) -> Result<()> {
    let web: canali_web::WebConfig = crate::settings_table(config, "web")?;
    if let Err(e) = web.validate() {
        bail!("{e}");
    }
    let today = args.today.unwrap_or_else(|| {
        jiff::Zoned::now()
            .with_time_zone(canali_domain::ROME.clone())
            .date()
    });
    let store = crate::open(db).await?;
    let rows = store
        .requests()
        .year_on_time(args.year, Day::from_date(today), &web.reply_standards)
        .await;
    store.close().await;
    let rows = rows?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "year": args.year,
                "judged_on": today.to_string(),
                "kinds": rows,
            }))?
        ),
        Format::Table => print!("{}", table(args.year, today, &rows)),
    }
    Ok(())
}

fn table(year: i16, today: jiff::civil::Date, rows: &[KindYear]) -> String {
    use std::fmt::Write as _;
    let mut out =
        format!("Written requests received in {year} that a standard timed, judged on {today}\n\n");
    if rows.is_empty() {
        out.push_str("No request received that year had a reply deadline.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{:<26} {:>6} {:>8} {:>6} {:>10} {:>6} {:>9} {:>9}  {:<5} {:>13}",
        "kind",
        "days",
        "on time",
        "late",
        "open, late",
        "open",
        "on time",
        "standard",
        "met",
        "compensation"
    );
    for r in rows {
        let c = &r.counts;
        let days = match (r.days, r.days_four_monthly) {
            (Some(d), Some(f)) => format!("{d}/{f}"),
            (Some(d), None) => d.to_string(),
            _ => "-".into(),
        };
        let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}%"));
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        let _ = writeln!(
            out,
            "{:<26} {:>6} {:>8} {:>6} {:>10} {:>6} {:>9} {:>9}  {:<5} {:>13}",
            c.kind.label(Lang::En),
            days,
            c.answered_on_time,
            c.answered_late,
            c.open_overdue,
            c.open_in_time,
            pct(r.on_time_pct),
            r.min_on_time_pct
                .map_or("-".into(), |m| format!(">= {m:.0}%")),
            met,
            format!("EUR {:.2}", c.compensation_cents as f64 / 100.0),
        );
    }
    let sources: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r.source.as_deref()).collect();
    for s in sources {
        let _ = writeln!(out, "\nSource: {s}.");
    }
    out.push_str(
        "On time: answered by the deadline; late: answered after it; open, late: unanswered \
         past it. The share on time counts the cases judged (not those still open in time).\n",
    );
    out
}
