//! The report's tables as CSV, one text per table: machine-readable numbers (no thousands
//! separator, `.` decimals, at most 4 decimals, empty when not available) whatever the language;
//! the language only changes the `label` columns.

use crate::ReportError;
use crate::format::Lang;
use crate::model::*;
use crate::texts;
use canali_domain::Channel;

/// One table of the report as CSV text (with its header line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    /// A stable snake_case name, fit for a file name (`contacts_by_channel` -> `.csv`).
    pub name: &'static str,
    pub csv: String,
}

pub fn render_csv(r: &YearReport, lang: Lang) -> Result<Vec<CsvTable>, ReportError> {
    Ok(vec![
        table("contacts_by_channel", contacts_by_channel(r, lang))?,
        table("contacts_by_month", contacts_by_month(r))?,
        table("waiting_times", waiting_times(r, lang))?,
        table("summary", summary(r, lang))?,
        table("ebill_switches", ebill_switches(r, lang))?,
        table("bills_by_delivery", bills_by_delivery(r, lang))?,
        table("branches_by_kind", branches_by_kind(r, lang))?,
        table("branches_by_territory", branches_by_territory(r))?,
        table("network_events", network_events(r, lang))?,
    ])
}

type Rows = Vec<Vec<String>>;

fn table(name: &'static str, rows: Rows) -> Result<CsvTable, ReportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ReportError::Csv(e.into_error().into()))?;
    let csv = String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8");
    Ok(CsvTable { name, csv })
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn num(x: f64) -> String {
    let rounded = (x * 10_000.0).round() / 10_000.0;
    format!("{}", if rounded == 0.0 { 0.0 } else { rounded })
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

fn opt_bool(x: Option<bool>) -> String {
    x.map(|b| b.to_string()).unwrap_or_default()
}

fn figures_row(key: &str, label: &str, f: &ChannelFigures) -> Vec<String> {
    vec![
        key.into(),
        label.into(),
        f.contacts.to_string(),
        opt(f.share_pct),
        f.previous_contacts.to_string(),
        opt(f.previous_share_pct),
        opt(f.growth_pct),
    ]
}

fn contacts_by_channel(r: &YearReport, lang: Lang) -> Rows {
    let c = &r.contacts;
    let mut rows = vec![header(&[
        "channel",
        "label",
        "contacts",
        "share_pct",
        "previous_contacts",
        "previous_share_pct",
        "growth_pct",
    ])];
    for row in &c.by_channel {
        rows.push(figures_row(
            row.channel.name(),
            row.channel.label(lang),
            &row.figures,
        ));
    }
    rows.push(figures_row(
        "call_center",
        texts::get(lang, "report.call_center_total"),
        &c.call_center,
    ));
    let total = ChannelFigures {
        contacts: c.total,
        share_pct: (c.total != 0).then_some(100.0),
        previous_contacts: c.previous_total,
        previous_share_pct: (c.previous_total != 0).then_some(100.0),
        growth_pct: c.growth_pct,
    };
    rows.push(figures_row(
        "total",
        texts::get(lang, "report.total"),
        &total,
    ));
    rows
}

fn contacts_by_month(r: &YearReport) -> Rows {
    let mut head = vec!["month".to_string()];
    head.extend(Channel::ALL.iter().map(|c| c.name().to_string()));
    head.push("total".into());
    let mut rows = vec![head];
    for m in &r.contacts.monthly {
        let mut row = vec![format!("{}-{:02}", r.year, m.month)];
        row.extend(
            Channel::ALL
                .iter()
                .map(|c| m.by_channel.get(c).copied().unwrap_or(0).to_string()),
        );
        row.push(m.total.to_string());
        rows.push(row);
    }
    rows
}

fn indicator_row(key: String, label: String, unit: &str, i: &Indicator) -> Vec<String> {
    vec![
        key,
        label,
        unit.into(),
        opt(i.value),
        opt(i.previous_value),
        num(i.target),
        opt_bool(i.met),
    ]
}

fn waiting_times(r: &YearReport, lang: Lang) -> Rows {
    let mut rows = vec![header(&[
        "indicator",
        "label",
        "unit",
        "value",
        "previous_value",
        "target_max",
        "met",
    ])];
    let labels = crate::document::waiting_indicators(r, lang);
    let mut keys: Vec<(String, &str)> = Vec::new();
    for w in &r.waiting.call_center {
        keys.push((format!("{}_average_wait", w.channel.name()), "seconds"));
        keys.push((format!("{}_waited_over_2m", w.channel.name()), "percent"));
    }
    keys.push(("branch_average_wait".into(), "minutes"));
    keys.push(("branch_waited_over_40m".into(), "percent"));
    for ((key, unit), (label, indicator, _)) in keys.into_iter().zip(labels) {
        rows.push(indicator_row(key, label, unit, indicator));
    }
    rows
}

fn summary(r: &YearReport, lang: Lang) -> Rows {
    let (o, e, n) = (&r.online_branch, &r.ebill, &r.network);
    let int = |x: i64| x.to_string();
    let metrics: Vec<(&str, &'static str, String)> = vec![
        ("year", "report.metric.year", r.year.to_string()),
        (
            "previous_year",
            "report.metric.previous_year",
            r.previous_year.to_string(),
        ),
        (
            "online_branch_registered_users",
            "report.metric.online_branch_registered_users",
            int(o.registered_users),
        ),
        (
            "online_branch_previous_registered_users",
            "report.metric.online_branch_previous_registered_users",
            int(o.previous_registered_users),
        ),
        (
            "online_branch_growth_pct",
            "report.metric.online_branch_growth_pct",
            opt(o.growth_pct),
        ),
        (
            "ebill_customers",
            "report.metric.ebill_customers",
            int(e.customers),
        ),
        (
            "ebill_previous_customers",
            "report.metric.ebill_previous_customers",
            int(e.previous_customers),
        ),
        (
            "ebill_growth_pct",
            "report.metric.ebill_growth_pct",
            opt(e.growth_pct),
        ),
        (
            "ebill_growth_target_pct",
            "report.metric.ebill_growth_target_pct",
            num(e.growth_target_pct),
        ),
        (
            "ebill_growth_met",
            "report.metric.ebill_growth_met",
            opt_bool(e.growth_met),
        ),
        (
            "ebill_enrolled",
            "report.metric.ebill_enrolled",
            int(e.enrolled),
        ),
        (
            "ebill_withdrawn",
            "report.metric.ebill_withdrawn",
            int(e.withdrawn),
        ),
        (
            "envelopes_avoided",
            "report.metric.envelopes_avoided",
            int(e.envelopes_avoided),
        ),
        (
            "sheets_avoided",
            "report.metric.sheets_avoided",
            int(e.sheets_avoided),
        ),
        (
            "sheets_estimated",
            "report.metric.sheets_estimated",
            e.sheets_estimated.to_string(),
        ),
        (
            "co2_grams_per_bill",
            "report.metric.co2_grams_per_bill",
            num(e.co2_grams_per_bill),
        ),
        (
            "co2_avoided_kg",
            "report.metric.co2_avoided_kg",
            num(e.co2_avoided_kg),
        ),
        (
            "co2_avoided_tonnes",
            "report.metric.co2_avoided_tonnes",
            num(e.co2_avoided_tonnes),
        ),
        (
            "co2_grams_per_sheet",
            "report.metric.co2_grams_per_sheet",
            num(e.co2_grams_per_sheet),
        ),
        (
            "co2_by_sheets_kg",
            "report.metric.co2_by_sheets_kg",
            num(e.co2_by_sheets_kg),
        ),
        (
            "trips_avoided",
            "report.metric.trips_avoided",
            int(e.trips_avoided),
        ),
        (
            "web_contact_trip_share",
            "report.metric.web_contact_trip_share",
            num(e.web_contact_trip_share),
        ),
        (
            "km_per_branch_trip",
            "report.metric.km_per_branch_trip",
            num(e.km_per_branch_trip),
        ),
        (
            "co2_grams_per_km",
            "report.metric.co2_grams_per_km",
            num(e.co2_grams_per_km),
        ),
        (
            "trips_co2_avoided_kg",
            "report.metric.trips_co2_avoided_kg",
            num(e.trips_co2_avoided_kg),
        ),
        ("branches", "report.metric.branches", int(n.total)),
        (
            "branches_previous",
            "report.metric.branches_previous",
            int(n.previous_total),
        ),
        (
            "territories",
            "report.metric.territories",
            int(n.territories),
        ),
        (
            "branches_homogeneous_schedule",
            "report.metric.branches_homogeneous_schedule",
            int(n.homogeneous_schedule),
        ),
        (
            "homogeneous_hours_per_week",
            "report.metric.homogeneous_hours_per_week",
            opt(n.homogeneous_hours_per_week),
        ),
        (
            "branches_hosted_at_third_parties",
            "report.metric.branches_hosted_at_third_parties",
            int(n.hosted_at_third_parties),
        ),
        (
            "branches_outsourced",
            "report.metric.branches_outsourced",
            int(n.outsourced),
        ),
    ];
    let mut rows = vec![header(&["metric", "label", "value"])];
    rows.extend(
        metrics
            .into_iter()
            .map(|(name, key, value)| vec![name.into(), texts::get(lang, key).into(), value]),
    );
    rows
}

fn ebill_switches(r: &YearReport, lang: Lang) -> Rows {
    let mut rows = vec![header(&["path", "label", "enrolled", "withdrawn"])];
    rows.extend(r.ebill.switches.iter().map(|s| {
        vec![
            s.path.name().into(),
            s.path.label(lang).into(),
            s.enrolled.to_string(),
            s.withdrawn.to_string(),
        ]
    }));
    rows
}

fn bills_by_delivery(r: &YearReport, lang: Lang) -> Rows {
    let mut rows = vec![header(&["delivery", "label", "bills", "sheets"])];
    rows.extend(r.ebill.bills.iter().map(|b| {
        vec![
            b.delivery.name().into(),
            b.delivery.label(lang).into(),
            b.bills.to_string(),
            b.sheets.to_string(),
        ]
    }));
    rows
}

fn branches_by_kind(r: &YearReport, lang: Lang) -> Rows {
    let mut rows = vec![header(&["kind", "label", "branches"])];
    rows.extend(r.network.by_kind.iter().map(|k| {
        vec![
            k.kind.name().into(),
            k.kind.label(lang).into(),
            k.branches.to_string(),
        ]
    }));
    rows
}

fn branches_by_territory(r: &YearReport) -> Rows {
    let mut rows = vec![header(&["sot", "name", "branches"])];
    rows.extend(
        r.network
            .by_territory
            .iter()
            .map(|t| vec![t.sot.to_string(), t.name.clone(), t.branches.to_string()]),
    );
    rows
}

fn network_events(r: &YearReport, lang: Lang) -> Rows {
    let mut rows = vec![header(&[
        "date",
        "event",
        "label",
        "branch",
        "name",
        "municipality",
        "kind",
        "note",
    ])];
    rows.extend(r.network.events.iter().map(|e| {
        vec![
            e.date.to_string(),
            e.event.name().into(),
            e.event.label(lang).into(),
            e.branch.clone(),
            e.name.clone(),
            e.municipality.clone(),
            e.kind.map(|k| k.name()).unwrap_or("").into(),
            e.note.clone(),
        ]
    }));
    rows
}
