//! The report's sentences, in the voice of the seed page, built only from a [`YearReport`].
//! Each function returns plain text (no markup): the markdown and HTML renderers wrap it.

use crate::format::{self, Lang};
use crate::model::*;
use crate::texts;
use canali_domain::Channel;
use canali_domain::network::{BranchEventKind, EbillPath};

/// The Italian article or preposition before a number, elided when the number is read with a
/// vowel first: "l'11,0%", "dell'8,5%", but "il 10,2%", "del 55,8%".
fn it_before(word: &str, number: &str) -> String {
    let whole: String = number
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .filter(|c| *c != '.')
        .collect();
    let vowel_sound = whole.starts_with('8') || whole == "1" || whole == "11";
    match (word, vowel_sound) {
        ("il", true) => format!("l'{number}"),
        ("del", true) => format!("dell'{number}"),
        ("al", true) => format!("all'{number}"),
        _ => format!("{word} {number}"),
    }
}

/// A number after an Italian article or preposition (see [`it_before`]); in English the number
/// alone, the preposition being in the sentence.
fn after(lang: Lang, word: &str, number: &str) -> String {
    match lang {
        Lang::It => it_before(word, number),
        Lang::En => number.to_string(),
    }
}

/// "a, b e c" / "a, b and c".
fn join_list(items: &[String], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!(
            "{} {} {last}",
            rest.join(", "),
            texts::get(lang, "report.and")
        ),
    }
}

fn not_available(lang: Lang) -> &'static str {
    texts::get(lang, "report.not_available")
}

fn met_word(met: Option<bool>, lang: Lang) -> &'static str {
    match met {
        Some(true) => texts::get(lang, "report.met"),
        Some(false) => texts::get(lang, "report.not_met"),
        None => not_available(lang),
    }
}

// ---- contacts --------------------------------------------------------------------------------

/// The four groups the seed's prose speaks of: the two call centers count as one.
#[derive(Clone, Copy, PartialEq)]
enum Group {
    CallCenter,
    Branches,
    Web,
    Mail,
}

impl Group {
    /// The group as the subject of a sentence: "il call center", "the call center".
    fn subject(self, lang: Lang) -> &'static str {
        texts::get(
            lang,
            match self {
                Group::CallCenter => "report.group.call_center",
                Group::Branches => "report.group.branches",
                Group::Web => "report.group.web",
                Group::Mail => "report.group.mail",
            },
        )
    }

    /// The group after "seguito"/"followed by": "dal call center", "the call center".
    fn after_followed(self, lang: Lang) -> &'static str {
        texts::get(
            lang,
            match self {
                Group::CallCenter => "report.group.call_center.after",
                Group::Branches => "report.group.branches.after",
                Group::Web => "report.group.web.after",
                Group::Mail => "report.group.mail.after",
            },
        )
    }

    /// "seguito"/"seguiti"/"seguita" (agreeing with the group) or "followed by".
    fn followed(self, lang: Lang) -> &'static str {
        texts::get(
            lang,
            match self {
                Group::CallCenter => "report.group.call_center.followed",
                Group::Branches => "report.group.branches.followed",
                Group::Web => "report.group.web.followed",
                Group::Mail => "report.group.mail.followed",
            },
        )
    }

    fn plural(self) -> bool {
        self == Group::Branches
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn channel_figures(r: &ContactsReport, channel: Channel) -> &ChannelFigures {
    &r.by_channel
        .iter()
        .find(|c| c.channel == channel)
        .expect("every channel has a row")
        .figures
}

fn groups(r: &ContactsReport) -> Vec<(Group, &ChannelFigures)> {
    vec![
        (Group::CallCenter, &r.call_center),
        (Group::Branches, channel_figures(r, Channel::Branch)),
        (Group::Web, channel_figures(r, Channel::Web)),
        (Group::Mail, channel_figures(r, Channel::Mail)),
    ]
}

/// "Nel 2011 i contatti dei clienti sono cresciuti del 10,2% rispetto al 2010."
pub fn contacts_growth(r: &YearReport, lang: Lang) -> String {
    let c = &r.contacts;
    let (year, previous) = (r.year, r.previous_year);
    let Some(g) = c.growth_pct else {
        let total = format::int(c.total, lang);
        return texts::fill(
            lang,
            "report.contacts.no_comparison",
            &[("year", &year), ("total", &total), ("previous", &previous)],
        );
    };
    let key = match (g * 10.0).round() as i64 {
        0 => "report.contacts.stable",
        n if n > 0 => "report.contacts.grew",
        _ => "report.contacts.fell",
    };
    let size = after(lang, "del", &format::pct(g.abs(), lang));
    texts::fill(
        lang,
        key,
        &[("year", &year), ("size", &size), ("previous", &previous)],
    )
}

/// The group whose share moved most since last year: the one the prose compares with the past.
fn biggest_mover(list: &[(Group, &ChannelFigures)]) -> Option<Group> {
    list.iter()
        .filter_map(|(g, f)| Some((*g, (f.share_pct? - f.previous_share_pct?).abs())))
        .filter(|(_, change)| *change >= 0.05)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(g, _)| g)
}

/// ", era il 6,5% nel 2010" / ", up from 6.5% in 2010" for the group that moved most.
fn past_share(
    group: Group,
    f: &ChannelFigures,
    mover: Option<Group>,
    previous_year: i16,
    lang: Lang,
) -> String {
    let (Some(now), Some(before)) = (f.share_pct, f.previous_share_pct) else {
        return String::new();
    };
    if mover != Some(group) {
        return String::new();
    }
    let share = after(lang, "il", &format::pct(before, lang));
    let key = if now >= before {
        "report.contacts.past_up"
    } else {
        "report.contacts.past_down"
    };
    texts::fill(lang, key, &[("share", &share), ("year", &previous_year)])
}

/// "Il call center si conferma il canale principale con il 55,8% dei contatti, seguito dagli
/// sportelli (28,9%), dal web (9,9%, era il 6,5% nel 2010) e dalla posta (5,6%)."
pub fn channel_mix(r: &YearReport, lang: Lang) -> Option<String> {
    let mut list = groups(&r.contacts);
    list.sort_by(|a, b| share_or_zero(b.1).total_cmp(&share_or_zero(a.1)));
    let (main, main_figures) = *list.first()?;
    let main_share = format::pct(main_figures.share_pct?, lang);
    let mover = biggest_mover(&list);
    // The prose's own parenthesis for the main channel: " (era il 57,0% nel 2010)".
    let main_past = past_share(main, main_figures, mover, r.previous_year, lang)
        .strip_prefix(", ")
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let others: Vec<String> = list[1..]
        .iter()
        .map(|(g, f)| follower(*g, f, mover, r.previous_year, lang))
        .collect();
    Some(texts::fill(
        lang,
        "report.contacts.mix",
        &[
            ("subject", &capitalize(main.subject(lang))),
            ("verb", &main_verb(was_main(&list, main), main, lang)),
            ("share", &after(lang, "il", &main_share)),
            ("past", &main_past),
            ("followed", &main.followed(lang)),
            ("others", &join_list(&others, lang)),
        ],
    ))
}

fn share_or_zero(f: &ChannelFigures) -> f64 {
    f.share_pct.unwrap_or(0.0)
}

/// Whether `main` also led the year before; `None` without figures for that year.
fn was_main(list: &[(Group, &ChannelFigures)], main: Group) -> Option<bool> {
    list.iter()
        .filter_map(|(g, f)| Some((*g, f.previous_share_pct?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(g, _)| g == main)
}

/// "si conferma" when the main channel led last year too, "diventa" when it takes the lead.
fn main_verb(was_main: Option<bool>, main: Group, lang: Lang) -> &'static str {
    let key = match (was_main, main.plural()) {
        (Some(true), false) => "report.verb.remains",
        (Some(true), true) => "report.verb.remain",
        (Some(false), false) => "report.verb.becomes",
        (Some(false), true) => "report.verb.become",
        (None, false) => "report.verb.is",
        (None, true) => "report.verb.are",
    };
    texts::get(lang, key)
}

/// "dal web (9,9%, era il 6,5% nel 2010)".
fn follower(
    g: Group,
    f: &ChannelFigures,
    mover: Option<Group>,
    previous_year: i16,
    lang: Lang,
) -> String {
    let share = f
        .share_pct
        .map_or_else(|| not_available(lang).to_string(), |s| format::pct(s, lang));
    let past = past_share(g, f, mover, previous_year, lang);
    format!("{} ({share}{past})", g.after_followed(lang))
}

/// The totals and the split of the call center between its two lines.
pub fn contacts_totals(r: &YearReport, lang: Lang) -> String {
    let c = &r.contacts;
    let n = |x| format::int(x, lang);
    let residential = channel_figures(c, Channel::CallCenterResidential).contacts;
    let business = channel_figures(c, Channel::CallCenterBusiness).contacts;
    texts::fill(
        lang,
        "report.contacts.totals",
        &[
            ("total", &n(c.total)),
            ("previous", &n(c.previous_total)),
            ("previous_year", &r.previous_year),
            ("call_center", &n(c.call_center.contacts)),
            ("residential", &n(residential)),
            ("business", &n(business)),
        ],
    )
}

pub fn contacts_paragraphs(r: &YearReport, lang: Lang) -> Vec<String> {
    if r.contacts.total == 0 {
        return vec![texts::fill(
            lang,
            "report.contacts.none",
            &[("year", &r.year)],
        )];
    }
    let mut first = contacts_growth(r, lang);
    if let Some(mix) = channel_mix(r, lang) {
        first = format!("{first} {mix}");
    }
    vec![first, contacts_totals(r, lang)]
}

// ---- waiting times ---------------------------------------------------------------------------

/// How an indicator's value is printed: whole seconds, one decimal for minutes and shares.
pub fn indicator_value(value: f64, unit: Unit, lang: Lang) -> String {
    match unit {
        Unit::Seconds => format::dec(value, 0, lang),
        Unit::Minutes => format::dec(value, 1, lang),
        Unit::Percent => format::pct(value, lang),
    }
}

pub fn indicator_target(target: f64, unit: Unit, lang: Lang) -> String {
    match unit {
        Unit::Percent => format::pct_short(target, lang),
        _ => format::short(target, lang),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    Seconds,
    Minutes,
    Percent,
}

fn target_note(i: &Indicator, unit: Unit, lang: Lang) -> String {
    texts::fill(
        lang,
        "report.waiting.target_note",
        &[
            ("target", &indicator_target(i.target, unit, lang)),
            ("met", &met_word(i.met, lang)),
        ],
    )
}

fn call_center_sentence(w: &CallCenterWaiting, year: i16, lang: Lang) -> String {
    let line = if w.channel == Channel::CallCenterBusiness {
        texts::get(lang, "report.business")
    } else {
        texts::get(lang, "report.residential")
    };
    let (Some(average), Some(over)) = (w.average_wait_seconds.value, w.waited_over_2m_pct.value)
    else {
        return texts::fill(
            lang,
            "report.waiting.call_center_none",
            &[("line", &line), ("year", &year)],
        );
    };
    let over = indicator_value(over, Unit::Percent, lang);
    texts::fill(
        lang,
        "report.waiting.call_center",
        &[
            ("line", &line),
            ("average", &indicator_value(average, Unit::Seconds, lang)),
            (
                "average_note",
                &target_note(&w.average_wait_seconds, Unit::Seconds, lang),
            ),
            ("over", &after(lang, "il", &over)),
            (
                "over_note",
                &target_note(&w.waited_over_2m_pct, Unit::Percent, lang),
            ),
        ],
    )
}

fn branch_wait_sentence(w: &BranchWaiting, year: i16, lang: Lang) -> String {
    let (Some(average), Some(over)) = (w.average_wait_minutes.value, w.waited_over_40m_pct.value)
    else {
        return texts::fill(lang, "report.waiting.branches_none", &[("year", &year)]);
    };
    let over = indicator_value(over, Unit::Percent, lang);
    texts::fill(
        lang,
        "report.waiting.branches",
        &[
            ("average", &indicator_value(average, Unit::Minutes, lang)),
            (
                "average_note",
                &target_note(&w.average_wait_minutes, Unit::Minutes, lang),
            ),
            ("over", &after(lang, "il", &over)),
            (
                "over_note",
                &target_note(&w.waited_over_40m_pct, Unit::Percent, lang),
            ),
        ],
    )
}

pub fn waiting_paragraphs(r: &YearReport, lang: Lang) -> Vec<String> {
    let call_center: Vec<String> = r
        .waiting
        .call_center
        .iter()
        .map(|w| call_center_sentence(w, r.year, lang))
        .collect();
    vec![
        call_center.join(" "),
        branch_wait_sentence(&r.waiting.branches, r.year, lang),
    ]
}

// ---- online branch and e-bill -----------------------------------------------------------------

pub fn online_branch_paragraph(r: &YearReport, lang: Lang) -> String {
    let o = &r.online_branch;
    let (year, users) = (r.year, format::int(o.registered_users, lang));
    if o.registered_users == 0 && o.previous_registered_users == 0 {
        return texts::fill(lang, "report.online.none", &[("year", &year)]);
    }
    match o.growth_pct {
        Some(g) => texts::fill(
            lang,
            "report.online.users_change",
            &[
                ("year", &year),
                ("users", &users),
                ("change", &change_phrase(g, lang)),
            ],
        ),
        None => texts::fill(
            lang,
            "report.online.users",
            &[("year", &year), ("users", &users)],
        ),
    }
}

/// "con un incremento del 31,0%" / "up 31.0%".
fn change_phrase(g: f64, lang: Lang) -> String {
    let key = match (g * 10.0).round() as i64 {
        0 => "report.change.stable",
        n if n > 0 => "report.change.up",
        _ => "report.change.down",
    };
    let size = after(lang, "del", &format::pct(g.abs(), lang));
    texts::fill(lang, key, &[("size", &size)])
}

fn path_phrase(path: EbillPath, lang: Lang) -> &'static str {
    match path {
        EbillPath::ContractSigning => texts::get(lang, "report.at_contract_signing"),
        EbillPath::PaperBillForm => {
            texts::get(lang, "report.with_the_form_attached_to_the_paper_bill")
        }
        EbillPath::OnlineBranch => texts::get(lang, "report.from_the_online_branch"),
        EbillPath::CallCenter => texts::get(lang, "report.through_the_call_center"),
        EbillPath::Branch => texts::get(lang, "report.at_a_branch"),
    }
}

fn ebill_customers_sentence(r: &YearReport, lang: Lang) -> String {
    let e = &r.ebill;
    let customers = format::int(e.customers, lang);
    let Some(g) = e.growth_pct else {
        return texts::fill(
            lang,
            "report.ebill.customers",
            &[("year", &r.year), ("customers", &customers)],
        );
    };
    texts::fill(
        lang,
        "report.ebill.customers_growth",
        &[
            ("year", &r.year),
            ("customers", &customers),
            ("previous", &format::int(e.previous_customers, lang)),
            ("previous_year", &r.previous_year),
            ("growth", &format::signed_pct(g, lang)),
            ("target", &format::pct_short(e.growth_target_pct, lang)),
            ("met", &met_word(e.growth_met, lang)),
        ],
    )
}

fn ebill_switches_sentence(r: &YearReport, lang: Lang) -> Option<String> {
    let e = &r.ebill;
    if e.enrolled == 0 && e.withdrawn == 0 {
        return None;
    }
    let paths: Vec<String> = e
        .switches
        .iter()
        .filter(|s| s.enrolled > 0)
        .map(|s| {
            format!(
                "{} {}",
                format::int(s.enrolled, lang),
                path_phrase(s.path, lang)
            )
        })
        .collect();
    let detail = if paths.is_empty() {
        String::new()
    } else {
        format!(" ({})", join_list(&paths, lang))
    };
    Some(texts::fill(
        lang,
        "report.ebill.switches",
        &[
            ("year", &r.year),
            ("enrolled", &format::int(e.enrolled, lang)),
            ("detail", &detail),
            ("withdrawn", &format::int(e.withdrawn, lang)),
        ],
    ))
}

/// "circa 20,0 tonnellate" or, under a tonne, "circa 740 kg".
fn co2_amount(e: &EbillReport, lang: Lang) -> String {
    if e.co2_avoided_tonnes >= 1.0 {
        let t = format::dec(e.co2_avoided_tonnes, 1, lang);
        format!("{t} {}", texts::get(lang, "report.tonnes"))
    } else {
        format!("{} kg", format::dec(e.co2_avoided_kg, 0, lang))
    }
}

fn ebill_savings_sentence(r: &YearReport, lang: Lang) -> String {
    let e = &r.ebill;
    if e.envelopes_avoided == 0 {
        return texts::fill(lang, "report.ebill.no_bills", &[("year", &r.year)]);
    }
    let estimated = if e.sheets_estimated {
        format!(" ({})", texts::get(lang, "report.ebill.estimated"))
    } else {
        String::new()
    };
    texts::fill(
        lang,
        "report.ebill.savings",
        &[
            ("year", &r.year),
            ("bills", &format::int(e.envelopes_avoided, lang)),
            ("sheets", &format::int(e.sheets_avoided, lang)),
            ("estimated", &estimated),
            ("co2", &co2_amount(e, lang)),
            ("factor", &format::short(e.co2_grams_per_bill, lang)),
        ],
    )
}

pub fn ebill_paragraphs(r: &YearReport, lang: Lang) -> Vec<String> {
    let mut first = ebill_customers_sentence(r, lang);
    if let Some(switches) = ebill_switches_sentence(r, lang) {
        first = format!("{first} {switches}");
    }
    vec![
        first,
        ebill_savings_sentence(r, lang),
        trips_sentence(r, lang),
    ]
}

/// The seed's last sentence: the trips to a branch the online branch's contacts avoided.
fn trips_sentence(r: &YearReport, lang: Lang) -> String {
    let e = &r.ebill;
    if e.trips_avoided == 0 {
        return texts::fill(lang, "report.trips.none", &[("year", &r.year)]);
    }
    let kg = e.trips_co2_avoided_kg;
    let co2 = if kg >= 1000.0 {
        format!(
            "{} {}",
            format::dec(kg / 1000.0, 1, lang),
            texts::get(lang, "report.tonnes")
        )
    } else {
        format!("{} kg", format::dec(kg, 0, lang))
    };
    texts::fill(
        lang,
        "report.trips.avoided",
        &[
            ("year", &r.year),
            ("contacts", &format::int(e.web_contacts, lang)),
            (
                "share",
                &format::pct_short(e.web_contact_trip_share * 100.0, lang),
            ),
            ("trips", &format::int(e.trips_avoided, lang)),
            (
                "km",
                &format::int(
                    (e.trips_avoided as f64 * e.km_per_branch_trip).round() as i64,
                    lang,
                ),
            ),
            ("co2", &co2),
            ("per_trip", &format::short(e.km_per_branch_trip, lang)),
            ("factor", &format::short(e.co2_grams_per_km, lang)),
        ],
    )
}

// ---- branch network --------------------------------------------------------------------------

fn network_sentence(r: &YearReport, lang: Lang) -> String {
    let n = &r.network;
    let date = format::long_date(n.at, lang);
    if n.total == 0 {
        return texts::fill(lang, "report.network.none", &[("date", &date)]);
    }
    let territory = if n.territories == 1 {
        texts::get(lang, "report.network.territory_one").to_string()
    } else {
        texts::fill(
            lang,
            "report.network.territory_many",
            &[("count", &n.territories)],
        )
    };
    let homogeneous = format::int(n.homogeneous_schedule, lang);
    let schedule = match n.homogeneous_hours_per_week {
        Some(h) => texts::fill(
            lang,
            "report.network.schedule_hours",
            &[
                ("homogeneous", &homogeneous),
                ("hours", &format::short(h, lang)),
            ],
        ),
        None => texts::fill(
            lang,
            "report.network.schedule",
            &[("homogeneous", &homogeneous)],
        ),
    };
    texts::fill(
        lang,
        "report.network.branches",
        &[
            ("date", &date),
            ("territory", &territory),
            ("total", &format::int(n.total, lang)),
            ("previous", &format::int(n.previous_total, lang)),
            ("previous_year", &r.previous_year),
            ("schedule", &schedule),
        ],
    )
}

fn hosting_sentence(r: &YearReport, lang: Lang) -> String {
    let n = &r.network;
    let verb = |count: i64| {
        let key = if count == 1 {
            "report.verb.is"
        } else {
            "report.verb.are"
        };
        texts::get(lang, key)
    };
    texts::fill(
        lang,
        "report.network.hosting",
        &[
            ("hosted", &format::int(n.hosted_at_third_parties, lang)),
            ("hosted_verb", &verb(n.hosted_at_third_parties)),
            ("outsourced", &format::int(n.outsourced, lang)),
            ("outsourced_verb", &verb(n.outsourced)),
        ],
    )
}

fn event_participle(kind: BranchEventKind, plural: bool, lang: Lang) -> &'static str {
    match (kind, plural) {
        (BranchEventKind::Opened, false) => texts::get(lang, "report.opened_one"),
        (BranchEventKind::Opened, true) => texts::get(lang, "report.opened_many"),
        (BranchEventKind::Renovated, false) => texts::get(lang, "report.renovated_one"),
        (BranchEventKind::Renovated, true) => texts::get(lang, "report.renovated_many"),
        (BranchEventKind::Converted, false) => texts::get(lang, "report.converted_one"),
        (BranchEventKind::Converted, true) => texts::get(lang, "report.converted_many"),
        (BranchEventKind::Moved, false) => texts::get(lang, "report.moved_one"),
        (BranchEventKind::Moved, true) => texts::get(lang, "report.moved_many"),
        (BranchEventKind::Closed, false) => texts::get(lang, "report.closed_one"),
        (BranchEventKind::Closed, true) => texts::get(lang, "report.closed_many"),
    }
}

/// "Cesenatico (sportello prioritario)", "San Pietro in Vincoli (Ravenna, punto di presenza)".
fn event_place(e: &NetworkEvent, lang: Lang) -> String {
    let kind = e.kind.map(|k| k.label(lang).to_lowercase());
    let place =
        (!e.municipality.is_empty() && e.municipality != e.name).then_some(e.municipality.as_str());
    let detail: Vec<&str> = place.into_iter().chain(kind.as_deref()).collect();
    if detail.is_empty() {
        e.name.clone()
    } else {
        format!("{} ({})", e.name, detail.join(", "))
    }
}

fn events_of_kind(r: &YearReport, kind: BranchEventKind, lang: Lang) -> Option<String> {
    let of_kind: Vec<String> = r
        .network
        .events
        .iter()
        .filter(|e| e.event == kind)
        .map(|e| event_place(e, lang))
        .collect();
    let count = of_kind.len();
    if count == 0 {
        return None;
    }
    let plural = count > 1;
    let participle = event_participle(kind, plural, lang);
    let places = join_list(&of_kind, lang);
    let key = if plural {
        "report.events.many"
    } else {
        "report.events.one"
    };
    Some(texts::fill(
        lang,
        key,
        &[
            ("participle", &participle),
            ("count", &count),
            ("places", &places),
        ],
    ))
}

fn events_sentence(r: &YearReport, lang: Lang) -> String {
    let parts: Vec<String> = BranchEventKind::ALL
        .iter()
        .filter_map(|k| events_of_kind(r, *k, lang))
        .collect();
    if parts.is_empty() {
        return texts::fill(lang, "report.events.none", &[("year", &r.year)]);
    }
    texts::fill(
        lang,
        "report.events.list",
        &[("year", &r.year), ("events", &parts.join("; "))],
    )
}

pub fn network_paragraphs(r: &YearReport, lang: Lang) -> Vec<String> {
    let mut first = network_sentence(r, lang);
    if r.network.total > 0 {
        first = format!("{first} {}", hosting_sentence(r, lang));
    }
    vec![events_sentence(r, lang), first]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_articles_elide_before_vowel_sounds() {
        assert_eq!(it_before("il", "11,0%"), "l'11,0%");
        assert_eq!(it_before("il", "8,2%"), "l'8,2%");
        assert_eq!(it_before("il", "1,5%"), "l'1,5%");
        assert_eq!(it_before("il", "18,0%"), "il 18,0%");
        assert_eq!(it_before("del", "80,0%"), "dell'80,0%");
        assert_eq!(it_before("del", "10,2%"), "del 10,2%");
        assert_eq!(it_before("il", "1.100,0%"), "il 1.100,0%");
    }

    #[test]
    fn lists_join_with_the_language_conjunction() {
        let items: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_list(&items, Lang::It), "a, b e c");
        assert_eq!(join_list(&items[..1], Lang::En), "a");
        assert_eq!(join_list(&items[..2], Lang::En), "a and b");
    }
}
