//! The report laid out once as sections of prose, charts and tables with formatted cells; the
//! markdown and HTML renderers only differ in how they write this out.

use crate::format::{self, Lang};
use crate::model::*;
use crate::prose::{self, Unit};
use crate::texts;
use canali_domain::Channel;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Chart {
    ChannelMix,
    Monthly,
    Waiting,
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns of numbers, aligned right.
    pub numeric: Vec<bool>,
}

impl Table {
    /// A table whose first `text_columns` columns are text and the rest numbers.
    fn new(headers: Vec<String>, text_columns: usize) -> Table {
        let numeric = (0..headers.len()).map(|i| i >= text_columns).collect();
        Table {
            headers,
            rows: Vec::new(),
            numeric,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub charts: Vec<Chart>,
    pub tables: Vec<Table>,
}

pub(crate) fn title(r: &YearReport, lang: Lang) -> String {
    texts::fill(lang, "report.title", &[("year", &r.year)])
}

pub(crate) fn sections(r: &YearReport, lang: Lang) -> Vec<Section> {
    vec![
        Section {
            title: texts::get(lang, "report.contacts_by_channel").into(),
            paragraphs: prose::contacts_paragraphs(r, lang),
            charts: vec![Chart::ChannelMix, Chart::Monthly],
            tables: vec![contacts_table(r, lang), monthly_table(r, lang)],
        },
        Section {
            title: texts::get(lang, "report.waiting_times").into(),
            paragraphs: prose::waiting_paragraphs(r, lang),
            charts: vec![Chart::Waiting],
            tables: vec![waiting_table(r, lang)],
        },
        Section {
            title: texts::get(lang, "report.online_branch").into(),
            paragraphs: vec![prose::online_branch_paragraph(r, lang)],
            charts: vec![],
            tables: vec![online_table(r, lang)],
        },
        Section {
            title: texts::get(lang, "report.electronic_bill").into(),
            paragraphs: prose::ebill_paragraphs(r, lang),
            charts: vec![],
            tables: vec![
                ebill_table(r, lang),
                switches_table(r, lang),
                bills_table(r, lang),
            ],
        },
        Section {
            title: texts::get(lang, "report.branch_network").into(),
            paragraphs: prose::network_paragraphs(r, lang),
            charts: vec![],
            tables: network_tables(r, lang),
        },
    ]
}

fn opt_pct(x: Option<f64>, lang: Lang) -> String {
    x.map_or_else(
        || texts::get(lang, "report.not_available").into(),
        |v| format::pct(v, lang),
    )
}

fn opt_growth(x: Option<f64>, lang: Lang) -> String {
    x.map_or_else(
        || texts::get(lang, "report.not_available").into(),
        |v| format::signed_pct(v, lang),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn figures_row(label: String, f: &ChannelFigures, lang: Lang) -> Vec<String> {
    vec![
        label,
        format::int(f.contacts, lang),
        opt_pct(f.share_pct, lang),
        format::int(f.previous_contacts, lang),
        opt_pct(f.previous_share_pct, lang),
        opt_growth(f.growth_pct, lang),
    ]
}

fn contacts_table(r: &YearReport, lang: Lang) -> Table {
    let (y, p) = (r.year.to_string(), r.previous_year.to_string());
    let share = texts::get(lang, "report.share");
    let mut t = Table::new(
        vec![
            texts::get(lang, "report.channel").into(),
            y.clone(),
            format!("{share} {y}"),
            p.clone(),
            format!("{share} {p}"),
            texts::get(lang, "report.change").into(),
        ],
        1,
    );
    for row in &r.contacts.by_channel {
        t.rows.push(figures_row(
            row.channel.label(lang).into(),
            &row.figures,
            lang,
        ));
    }
    let cc = texts::get(lang, "report.call_center_total");
    t.rows
        .push(figures_row(cc.into(), &r.contacts.call_center, lang));
    let c = &r.contacts;
    let total = ChannelFigures {
        contacts: c.total,
        share_pct: (c.total != 0).then_some(100.0),
        previous_contacts: c.previous_total,
        previous_share_pct: (c.previous_total != 0).then_some(100.0),
        growth_pct: c.growth_pct,
    };
    t.rows.push(figures_row(
        texts::get(lang, "report.total").into(),
        &total,
        lang,
    ));
    t
}

fn monthly_table(r: &YearReport, lang: Lang) -> Table {
    let mut headers = vec![texts::get(lang, "report.month").to_string()];
    headers.extend(Channel::ALL.iter().map(|c| c.label(lang).to_string()));
    headers.push(texts::get(lang, "report.total").into());
    let mut t = Table::new(headers, 1);
    for m in &r.contacts.monthly {
        let mut row = vec![format::month_name(m.month, lang).to_string()];
        row.extend(
            Channel::ALL
                .iter()
                .map(|c| format::int(m.by_channel.get(c).copied().unwrap_or(0), lang)),
        );
        row.push(format::int(m.total, lang));
        t.rows.push(row);
    }
    t
}

fn indicator_row(label: String, i: &Indicator, unit: Unit, lang: Lang) -> Vec<String> {
    let na = || texts::get(lang, "report.not_available").to_string();
    let value = |v: Option<f64>| v.map_or_else(na, |v| prose::indicator_value(v, unit, lang));
    let met = match i.met {
        Some(true) => texts::get(lang, "report.met").into(),
        Some(false) => texts::get(lang, "report.not_met").into(),
        None => na(),
    };
    let target = format!("≤ {}", prose::indicator_target(i.target, unit, lang));
    vec![label, value(i.value), value(i.previous_value), target, met]
}

/// The waiting indicators as (label, indicator, unit), in the order of the seed's table.
pub(crate) fn waiting_indicators(r: &YearReport, lang: Lang) -> Vec<(String, &Indicator, Unit)> {
    let mut out = Vec::new();
    for w in &r.waiting.call_center {
        let line = match w.channel {
            Channel::CallCenterBusiness => texts::get(lang, "report.business_call_center"),
            _ => texts::get(lang, "report.residential_call_center"),
        };
        let avg = texts::get(lang, "report.average_wait_s");
        let over = texts::get(lang, "report.waits_over_2_minutes");
        out.push((
            format!("{line}: {avg}"),
            &w.average_wait_seconds,
            Unit::Seconds,
        ));
        out.push((
            format!("{line}: {over}"),
            &w.waited_over_2m_pct,
            Unit::Percent,
        ));
    }
    let b = &r.waiting.branches;
    let branches = texts::get(lang, "report.branches");
    let avg = texts::get(lang, "report.average_wait_min");
    let over = texts::get(lang, "report.waits_over_40_minutes");
    out.push((
        format!("{branches}: {avg}"),
        &b.average_wait_minutes,
        Unit::Minutes,
    ));
    out.push((
        format!("{branches}: {over}"),
        &b.waited_over_40m_pct,
        Unit::Percent,
    ));
    out
}

fn waiting_table(r: &YearReport, lang: Lang) -> Table {
    let headers = vec![
        texts::get(lang, "report.indicator").to_string(),
        r.year.to_string(),
        r.previous_year.to_string(),
        format!("{} {}", texts::get(lang, "report.target_title"), r.year),
        texts::get(lang, "report.result").into(),
    ];
    let mut t = Table::new(headers, 1);
    t.numeric[4] = false;
    for (label, indicator, unit) in waiting_indicators(r, lang) {
        t.rows.push(indicator_row(label, indicator, unit, lang));
    }
    t
}

fn key_value_table(lang: Lang, rows: Vec<(String, String)>) -> Table {
    let mut t = Table::new(
        strings(&[
            texts::get(lang, "report.indicator"),
            texts::get(lang, "report.value"),
        ]),
        1,
    );
    t.rows = rows.into_iter().map(|(k, v)| vec![k, v]).collect();
    t
}

fn online_table(r: &YearReport, lang: Lang) -> Table {
    let o = &r.online_branch;
    let users = texts::get(lang, "report.registered_users_at_the_end_of");
    key_value_table(
        lang,
        vec![
            (
                format!("{users} {}", r.year),
                format::int(o.registered_users, lang),
            ),
            (
                format!("{users} {}", r.previous_year),
                format::int(o.previous_registered_users, lang),
            ),
            (
                texts::get(lang, "report.change").into(),
                opt_growth(o.growth_pct, lang),
            ),
        ],
    )
}

fn ebill_table(r: &YearReport, lang: Lang) -> Table {
    let e = &r.ebill;
    let n = |x| format::int(x, lang);
    let customers = texts::get(lang, "report.e_bill_customers_at_the_end_of");
    let co2_note = format!(
        "{} ({} g {})",
        texts::get(lang, "report.co2_avoided_kg"),
        format::short(e.co2_grams_per_bill, lang),
        texts::get(lang, "report.per_bill")
    );
    key_value_table(
        lang,
        vec![
            (format!("{customers} {}", r.year), n(e.customers)),
            (
                format!("{customers} {}", r.previous_year),
                n(e.previous_customers),
            ),
            (
                texts::get(lang, "report.change").into(),
                opt_growth(e.growth_pct, lang),
            ),
            (
                texts::get(lang, "report.sign_ups_in_the_year").into(),
                n(e.enrolled),
            ),
            (
                texts::get(lang, "report.returns_to_paper_in_the_year").into(),
                n(e.withdrawn),
            ),
            (
                texts::get(lang, "report.envelopes_avoided").into(),
                n(e.envelopes_avoided),
            ),
            (
                texts::get(lang, "report.sheets_avoided").into(),
                n(e.sheets_avoided),
            ),
            (co2_note, format::dec(e.co2_avoided_kg, 0, lang)),
            (
                texts::get(lang, "report.trips_avoided").into(),
                n(e.trips_avoided),
            ),
            (
                texts::get(lang, "report.trips_co2_avoided_kg").into(),
                format::dec(e.trips_co2_avoided_kg, 0, lang),
            ),
        ],
    )
}

fn switches_table(r: &YearReport, lang: Lang) -> Table {
    let headers = [
        texts::get(lang, "report.signup_path"),
        texts::get(lang, "report.sign_ups"),
        texts::get(lang, "report.returns_to_paper"),
    ];
    let mut t = Table::new(strings(&headers), 1);
    for s in &r.ebill.switches {
        let label = s.path.label(lang).to_string();
        t.rows.push(vec![
            label,
            format::int(s.enrolled, lang),
            format::int(s.withdrawn, lang),
        ]);
    }
    t
}

fn bills_table(r: &YearReport, lang: Lang) -> Table {
    let headers = [
        texts::get(lang, "report.bill_delivery"),
        texts::get(lang, "report.bills"),
        texts::get(lang, "report.sheets"),
    ];
    let mut t = Table::new(strings(&headers), 1);
    for b in &r.ebill.bills {
        let label = b.delivery.label(lang).to_string();
        t.rows.push(vec![
            label,
            format::int(b.bills, lang),
            format::int(b.sheets, lang),
        ]);
    }
    t
}

fn network_tables(r: &YearReport, lang: Lang) -> Vec<Table> {
    let n = &r.network;
    let count = |x| format::int(x, lang);
    let branches = texts::get(lang, "report.branches");
    let mut summary = key_value_table(lang, Vec::new());
    summary.rows = vec![
        vec![
            texts::get(lang, "report.branches_in_all").into(),
            count(n.total),
        ],
        vec![
            texts::get(lang, "report.on_the_homogeneous_schedule").into(),
            count(n.homogeneous_schedule),
        ],
        vec![
            texts::get(lang, "report.hosted_at_third_parties").into(),
            count(n.hosted_at_third_parties),
        ],
        vec![
            texts::get(lang, "report.outsourced").into(),
            count(n.outsourced),
        ],
    ];
    let mut kinds = Table::new(strings(&[texts::get(lang, "report.kind"), branches]), 1);
    kinds.rows = n
        .by_kind
        .iter()
        .map(|k| vec![k.kind.label(lang).into(), count(k.branches)])
        .collect();
    let mut territories = Table::new(strings(&["SOT", branches]), 1);
    territories.rows = n
        .by_territory
        .iter()
        .map(|t| vec![t.name.clone(), count(t.branches)])
        .collect();
    let mut tables = vec![summary, kinds, territories];
    if !n.events.is_empty() {
        tables.push(events_table(r, lang));
    }
    tables
}

fn events_table(r: &YearReport, lang: Lang) -> Table {
    let headers = [
        texts::get(lang, "report.date"),
        texts::get(lang, "report.event"),
        texts::get(lang, "report.branch"),
        texts::get(lang, "report.municipality"),
        texts::get(lang, "report.kind"),
    ];
    let mut t = Table::new(strings(&headers), headers.len());
    t.rows = r
        .network
        .events
        .iter()
        .map(|e| {
            vec![
                format::short_date(e.date, lang),
                e.event.label(lang).into(),
                e.name.clone(),
                e.municipality.clone(),
                e.kind.map(|k| k.label(lang)).unwrap_or("").into(),
            ]
        })
        .collect();
    t
}
