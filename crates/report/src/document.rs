//! The report laid out once as sections of prose, charts and tables with formatted cells; the
//! markdown and HTML renderers only differ in how they write this out.

use crate::format::{self, Lang};
use crate::model::*;
use crate::prose::{self, Unit};
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
    match lang {
        Lang::It => format!("I canali di contatto – {}", r.year),
        Lang::En => format!("Contact channels – {}", r.year),
    }
}

pub(crate) fn sections(r: &YearReport, lang: Lang) -> Vec<Section> {
    vec![
        Section {
            title: lang
                .pick("Contatti per canale", "Contacts by channel")
                .into(),
            paragraphs: prose::contacts_paragraphs(r, lang),
            charts: vec![Chart::ChannelMix, Chart::Monthly],
            tables: vec![contacts_table(r, lang), monthly_table(r, lang)],
        },
        Section {
            title: lang.pick("Tempi di attesa", "Waiting times").into(),
            paragraphs: prose::waiting_paragraphs(r, lang),
            charts: vec![Chart::Waiting],
            tables: vec![waiting_table(r, lang)],
        },
        Section {
            title: lang.pick("Sportello on-line", "Online branch").into(),
            paragraphs: vec![prose::online_branch_paragraph(r, lang)],
            charts: vec![],
            tables: vec![online_table(r, lang)],
        },
        Section {
            title: lang.pick("Bolletta elettronica", "Electronic bill").into(),
            paragraphs: prose::ebill_paragraphs(r, lang),
            charts: vec![],
            tables: vec![
                ebill_table(r, lang),
                switches_table(r, lang),
                bills_table(r, lang),
            ],
        },
        Section {
            title: lang.pick("Rete degli sportelli", "Branch network").into(),
            paragraphs: prose::network_paragraphs(r, lang),
            charts: vec![],
            tables: network_tables(r, lang),
        },
    ]
}

fn opt_pct(x: Option<f64>, lang: Lang) -> String {
    x.map_or_else(|| lang.pick("n.d.", "n/a").into(), |v| format::pct(v, lang))
}

fn opt_growth(x: Option<f64>, lang: Lang) -> String {
    x.map_or_else(
        || lang.pick("n.d.", "n/a").into(),
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
    let share = lang.pick("Quota", "Share");
    let mut t = Table::new(
        vec![
            lang.pick("Canale", "Channel").into(),
            y.clone(),
            format!("{share} {y}"),
            p.clone(),
            format!("{share} {p}"),
            lang.pick("Variazione", "Change").into(),
        ],
        1,
    );
    for row in &r.contacts.by_channel {
        t.rows.push(figures_row(
            row.channel.label(lang.code()).into(),
            &row.figures,
            lang,
        ));
    }
    let cc = lang.pick("Call center (totale)", "Call center (total)");
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
        lang.pick("Totale", "Total").into(),
        &total,
        lang,
    ));
    t
}

fn monthly_table(r: &YearReport, lang: Lang) -> Table {
    let mut headers = vec![lang.pick("Mese", "Month").to_string()];
    headers.extend(
        Channel::ALL
            .iter()
            .map(|c| c.label(lang.code()).to_string()),
    );
    headers.push(lang.pick("Totale", "Total").into());
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
    let na = || lang.pick("n.d.", "n/a").to_string();
    let value = |v: Option<f64>| v.map_or_else(na, |v| prose::indicator_value(v, unit, lang));
    let met = match i.met {
        Some(true) => lang.pick("raggiunto", "met").into(),
        Some(false) => lang.pick("non raggiunto", "not met").into(),
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
            Channel::CallCenterBusiness => {
                lang.pick("Call center business", "Business call center")
            }
            _ => lang.pick("Call center residenziali", "Residential call center"),
        };
        let avg = lang.pick("attesa media (s)", "average wait (s)");
        let over = lang.pick("attese oltre 2 minuti", "waits over 2 minutes");
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
    let branches = lang.pick("Sportelli", "Branches");
    let avg = lang.pick("attesa media (min)", "average wait (min)");
    let over = lang.pick("attese oltre 40 minuti", "waits over 40 minutes");
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
        lang.pick("Indicatore", "Indicator").to_string(),
        r.year.to_string(),
        r.previous_year.to_string(),
        format!("{} {}", lang.pick("Obiettivo", "Target"), r.year),
        lang.pick("Esito", "Result").into(),
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
            lang.pick("Indicatore", "Indicator"),
            lang.pick("Valore", "Value"),
        ]),
        1,
    );
    t.rows = rows.into_iter().map(|(k, v)| vec![k, v]).collect();
    t
}

fn online_table(r: &YearReport, lang: Lang) -> Table {
    let o = &r.online_branch;
    let users = lang.pick("Iscritti a fine", "Registered users at the end of");
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
                lang.pick("Variazione", "Change").into(),
                opt_growth(o.growth_pct, lang),
            ),
        ],
    )
}

fn ebill_table(r: &YearReport, lang: Lang) -> Table {
    let e = &r.ebill;
    let n = |x| format::int(x, lang);
    let customers = lang.pick(
        "Clienti con bolletta via e-mail a fine",
        "E-bill customers at the end of",
    );
    let co2_note = format!(
        "{} ({} g {})",
        lang.pick("CO2 evitata, kg", "CO2 avoided, kg"),
        format::short(e.co2_grams_per_bill, lang),
        lang.pick("per bolletta", "per bill")
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
                lang.pick("Variazione", "Change").into(),
                opt_growth(e.growth_pct, lang),
            ),
            (
                lang.pick("Adesioni nell'anno", "Sign-ups in the year")
                    .into(),
                n(e.enrolled),
            ),
            (
                lang.pick("Rinunce nell'anno", "Returns to paper in the year")
                    .into(),
                n(e.withdrawn),
            ),
            (
                lang.pick("Buste evitate", "Envelopes avoided").into(),
                n(e.envelopes_avoided),
            ),
            (
                lang.pick("Fogli evitati", "Sheets avoided").into(),
                n(e.sheets_avoided),
            ),
            (co2_note, format::dec(e.co2_avoided_kg, 0, lang)),
        ],
    )
}

fn switches_table(r: &YearReport, lang: Lang) -> Table {
    let headers = [
        lang.pick("Modalità di adesione", "Path"),
        lang.pick("Adesioni", "Sign-ups"),
        lang.pick("Rinunce", "Returns to paper"),
    ];
    let mut t = Table::new(strings(&headers), 1);
    for s in &r.ebill.switches {
        let label = s.path.label(lang.code()).to_string();
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
        lang.pick("Invio della bolletta", "Bill delivery"),
        lang.pick("Bollette", "Bills"),
        lang.pick("Fogli", "Sheets"),
    ];
    let mut t = Table::new(strings(&headers), 1);
    for b in &r.ebill.bills {
        let label = b.delivery.label(lang.code()).to_string();
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
    let branches = lang.pick("Sportelli", "Branches");
    let mut summary = key_value_table(lang, Vec::new());
    summary.rows = vec![
        vec![
            lang.pick("Sportelli in totale", "Branches in all").into(),
            count(n.total),
        ],
        vec![
            lang.pick("Con orario omogeneo", "On the homogeneous schedule")
                .into(),
            count(n.homogeneous_schedule),
        ],
        vec![
            lang.pick("Presso terzi", "Hosted at third parties").into(),
            count(n.hosted_at_third_parties),
        ],
        vec![
            lang.pick("Esternalizzati", "Outsourced").into(),
            count(n.outsourced),
        ],
    ];
    let mut kinds = Table::new(strings(&[lang.pick("Tipo", "Kind"), branches]), 1);
    kinds.rows = n
        .by_kind
        .iter()
        .map(|k| vec![k.kind.label(lang.code()).into(), count(k.branches)])
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
        lang.pick("Data", "Date"),
        lang.pick("Evento", "Event"),
        lang.pick("Sportello", "Branch"),
        lang.pick("Comune", "Municipality"),
        lang.pick("Tipo", "Kind"),
    ];
    let mut t = Table::new(strings(&headers), headers.len());
    t.rows = r
        .network
        .events
        .iter()
        .map(|e| {
            vec![
                format::short_date(e.date, lang),
                e.event.label(lang.code()).into(),
                e.name.clone(),
                e.municipality.clone(),
                e.kind.map(|k| k.label(lang.code())).unwrap_or("").into(),
            ]
        })
        .collect();
    t
}
