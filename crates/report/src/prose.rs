//! The report's sentences, in the voice of the seed page, built only from a [`YearReport`].
//! Each function returns plain text (no markup): the markdown and HTML renderers wrap it.

use crate::format::{self, Lang};
use crate::model::*;
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

/// "a, b e c" / "a, b and c".
fn join_list(items: &[String], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), lang.pick("e", "and")),
    }
}

fn not_available(lang: Lang) -> &'static str {
    lang.pick("n.d.", "n/a")
}

fn met_word(met: Option<bool>, lang: Lang) -> &'static str {
    match met {
        Some(true) => lang.pick("raggiunto", "met"),
        Some(false) => lang.pick("non raggiunto", "not met"),
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
    /// (subject, "from" form, plural, ending of "seguit-") in Italian.
    fn it(self) -> (&'static str, &'static str, bool, char) {
        match self {
            Group::CallCenter => ("il call center", "dal call center", false, 'o'),
            Group::Branches => ("gli sportelli", "dagli sportelli", true, 'i'),
            Group::Web => ("il web", "dal web", false, 'o'),
            Group::Mail => ("la posta", "dalla posta", false, 'a'),
        }
    }

    /// (subject, plural) in English.
    fn en(self) -> (&'static str, bool) {
        match self {
            Group::CallCenter => ("the call center", false),
            Group::Branches => ("the branches", true),
            Group::Web => ("the web", false),
            Group::Mail => ("postal mail", false),
        }
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
    let (y, p) = (r.year, r.previous_year);
    let Some(g) = c.growth_pct else {
        let total = format::int(c.total, lang);
        return match lang {
            Lang::It => format!(
                "Nel {y} i contatti dei clienti sono stati {total}; non ci sono dati del {p} per un confronto."
            ),
            Lang::En => format!(
                "In {y} customers made {total} contacts; there are no {p} figures to compare with."
            ),
        };
    };
    let size = format::pct(g.abs(), lang);
    match (lang, (g * 10.0).round() as i64) {
        (Lang::It, 0) => {
            format!("Nel {y} i contatti dei clienti sono rimasti stabili rispetto al {p}.")
        }
        (Lang::It, n) => {
            let verb = if n > 0 { "cresciuti" } else { "diminuiti" };
            format!(
                "Nel {y} i contatti dei clienti sono {verb} {} rispetto al {p}.",
                it_before("del", &size)
            )
        }
        (Lang::En, 0) => format!("In {y} customer contacts were stable compared with {p}."),
        (Lang::En, n) if n > 0 => format!("In {y} customer contacts grew by {size} over {p}."),
        (Lang::En, _) => format!("In {y} customer contacts fell by {size} from {p}."),
    }
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
    let before_text = format::pct(before, lang);
    match lang {
        Lang::It => format!(
            ", era {} nel {previous_year}",
            it_before("il", &before_text)
        ),
        Lang::En if now >= before => format!(", up from {before_text} in {previous_year}"),
        Lang::En => format!(", down from {before_text} in {previous_year}"),
    }
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
    let verb = main_verb(was_main(&list, main), main, lang);
    let others = join_list(&others, lang);
    Some(match lang {
        Lang::It => {
            let (subject, _, _, ending) = main.it();
            let share = it_before("il", &main_share);
            format!(
                "{} {verb} il canale principale con {share} dei contatti{main_past}, seguit{ending} {others}.",
                capitalize(subject)
            )
        }
        Lang::En => format!(
            "{} {verb} the main channel with {main_share} of contacts{main_past}, followed by {others}.",
            capitalize(main.en().0)
        ),
    })
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
    let plural = match lang {
        Lang::It => main.it().2,
        Lang::En => main.en().1,
    };
    let (it, en) = match (was_main, plural) {
        (Some(true), false) => ("si conferma", "remains"),
        (Some(true), true) => ("si confermano", "remain"),
        (Some(false), false) => ("diventa", "becomes"),
        (Some(false), true) => ("diventano", "become"),
        (None, false) => ("è", "is"),
        (None, true) => ("sono", "are"),
    };
    lang.pick(it, en)
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
    let name = match lang {
        Lang::It => g.it().1,
        Lang::En => g.en().0,
    };
    format!("{name} ({share}{past})")
}

/// The totals and the split of the call center between its two lines.
pub fn contacts_totals(r: &YearReport, lang: Lang) -> String {
    let c = &r.contacts;
    let n = |x| format::int(x, lang);
    let residential = channel_figures(c, Channel::CallCenterResidential).contacts;
    let business = channel_figures(c, Channel::CallCenterBusiness).contacts;
    let (total, previous, cc, p) = (
        n(c.total),
        n(c.previous_total),
        n(c.call_center.contacts),
        r.previous_year,
    );
    match lang {
        Lang::It => format!(
            "In tutto i contatti sono stati {total} ({previous} nel {p}); il call center ne ha ricevuti {cc}, {} dalla linea per i clienti residenziali e {} da quella per i clienti business.",
            n(residential),
            n(business)
        ),
        Lang::En => format!(
            "In all there were {total} contacts ({previous} in {p}); the call center received {cc} of them, {} on the residential line and {} on the business line.",
            n(residential),
            n(business)
        ),
    }
}

pub fn contacts_paragraphs(r: &YearReport, lang: Lang) -> Vec<String> {
    if r.contacts.total == 0 {
        return vec![match lang {
            Lang::It => format!("Non ci sono contatti registrati per il {}.", r.year),
            Lang::En => format!("There are no contacts on record for {}.", r.year),
        }];
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
    let target = indicator_target(i.target, unit, lang);
    let met = met_word(i.met, lang);
    match lang {
        Lang::It => format!("obiettivo: al massimo {target}, {met}"),
        Lang::En => format!("target: at most {target}, {met}"),
    }
}

fn call_center_sentence(w: &CallCenterWaiting, year: i16, lang: Lang) -> String {
    let business = w.channel == Channel::CallCenterBusiness;
    let (Some(avg), Some(over)) = (w.average_wait_seconds.value, w.waited_over_2m_pct.value) else {
        let line = if business {
            lang.pick("business", "business")
        } else {
            lang.pick("residenziali", "residential")
        };
        return match lang {
            Lang::It => format!(
                "Non ci sono dati sui tempi di attesa del call center per i clienti {line} nel {year}."
            ),
            Lang::En => {
                format!("There are no {year} waiting-time figures for the {line} call center.")
            }
        };
    };
    let avg_text = indicator_value(avg, Unit::Seconds, lang);
    let over_text = indicator_value(over, Unit::Percent, lang);
    let avg_note = target_note(&w.average_wait_seconds, Unit::Seconds, lang);
    let over_note = target_note(&w.waited_over_2m_pct, Unit::Percent, lang);
    match lang {
        Lang::It => {
            let line = if business { "business" } else { "residenziali" };
            format!(
                "Al call center per i clienti {line} l'attesa media è stata di {avg_text} secondi ({avg_note}) e {} delle chiamate ha atteso più di 2 minuti ({over_note}).",
                it_before("il", &over_text)
            )
        }
        Lang::En => {
            let line = if business { "business" } else { "residential" };
            format!(
                "At the {line} call center the average wait was {avg_text} seconds ({avg_note}) and {over_text} of calls waited more than 2 minutes ({over_note})."
            )
        }
    }
}

fn branch_wait_sentence(w: &BranchWaiting, year: i16, lang: Lang) -> String {
    let (Some(avg), Some(over)) = (w.average_wait_minutes.value, w.waited_over_40m_pct.value)
    else {
        return match lang {
            Lang::It => format!("Non ci sono dati sui tempi di attesa agli sportelli nel {year}."),
            Lang::En => format!("There are no {year} waiting-time figures for the branches."),
        };
    };
    let avg_text = indicator_value(avg, Unit::Minutes, lang);
    let over_text = indicator_value(over, Unit::Percent, lang);
    let avg_note = target_note(&w.average_wait_minutes, Unit::Minutes, lang);
    let over_note = target_note(&w.waited_over_40m_pct, Unit::Percent, lang);
    match lang {
        Lang::It => format!(
            "Agli sportelli l'attesa media è stata di {avg_text} minuti ({avg_note}) e {} dei clienti ha atteso più di 40 minuti ({over_note}).",
            it_before("il", &over_text)
        ),
        Lang::En => format!(
            "At the branches the average wait was {avg_text} minutes ({avg_note}) and {over_text} of visitors waited more than 40 minutes ({over_note})."
        ),
    }
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
    let (y, users) = (r.year, format::int(o.registered_users, lang));
    if o.registered_users == 0 && o.previous_registered_users == 0 {
        return match lang {
            Lang::It => format!("Non risultano iscritti allo sportello on-line a fine {y}."),
            Lang::En => {
                format!("No users were registered with the online branch at the end of {y}.")
            }
        };
    }
    let change = o.growth_pct.map(|g| change_phrase(g, lang));
    match (lang, change) {
        (Lang::It, Some(change)) => format!(
            "Per quanto riguarda il web, a fine {y} gli iscritti allo sportello on-line hanno raggiunto quota {users}, {change} rispetto all'anno precedente."
        ),
        (Lang::It, None) => format!(
            "Per quanto riguarda il web, a fine {y} gli iscritti allo sportello on-line sono {users}."
        ),
        (Lang::En, Some(change)) => format!(
            "As for the web, at the end of {y} the online branch had {users} registered users, {change} on the year before."
        ),
        (Lang::En, None) => format!(
            "As for the web, at the end of {y} the online branch had {users} registered users."
        ),
    }
}

/// "con un incremento del 31,0%" / "up 31.0%".
fn change_phrase(g: f64, lang: Lang) -> String {
    let size = format::pct(g.abs(), lang);
    match (lang, (g * 10.0).round() as i64) {
        (Lang::It, 0) => "stabili".to_string(),
        (Lang::It, n) if n > 0 => format!("con un incremento {}", it_before("del", &size)),
        (Lang::It, _) => format!("con un calo {}", it_before("del", &size)),
        (Lang::En, 0) => "unchanged".to_string(),
        (Lang::En, n) if n > 0 => format!("up {size}"),
        (Lang::En, _) => format!("down {size}"),
    }
}

fn path_phrase(path: EbillPath, lang: Lang) -> &'static str {
    match path {
        EbillPath::ContractSigning => lang.pick("alla firma del contratto", "at contract signing"),
        EbillPath::PaperBillForm => lang.pick(
            "con il modulo allegato alla bolletta",
            "with the form attached to the paper bill",
        ),
        EbillPath::OnlineBranch => lang.pick("dallo sportello on-line", "from the online branch"),
        EbillPath::CallCenter => lang.pick("tramite il call center", "through the call center"),
        EbillPath::Branch => lang.pick("allo sportello", "at a branch"),
    }
}

fn ebill_customers_sentence(r: &YearReport, lang: Lang) -> String {
    let e = &r.ebill;
    let (y, p) = (r.year, r.previous_year);
    let (now, before) = (
        format::int(e.customers, lang),
        format::int(e.previous_customers, lang),
    );
    let Some(g) = e.growth_pct else {
        return match lang {
            Lang::It => {
                format!("A fine {y} i clienti che ricevono la bolletta via e-mail sono {now}.")
            }
            Lang::En => {
                format!("At the end of {y}, {now} customers received their bills by e-mail.")
            }
        };
    };
    let growth = format::signed_pct(g, lang);
    let target = format::pct_short(e.growth_target_pct, lang);
    let met = met_word(e.growth_met, lang);
    match lang {
        Lang::It => format!(
            "A fine {y} i clienti che ricevono la bolletta via e-mail sono {now}, contro {before} a fine {p} ({growth}; obiettivo: almeno +{target}, {met})."
        ),
        Lang::En => format!(
            "At the end of {y}, {now} customers received their bills by e-mail, against {before} at the end of {p} ({growth}; target: at least +{target}, {met})."
        ),
    }
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
    let (enrolled, withdrawn, y) = (
        format::int(e.enrolled, lang),
        format::int(e.withdrawn, lang),
        r.year,
    );
    let detail = if paths.is_empty() {
        String::new()
    } else {
        format!(" ({})", join_list(&paths, lang))
    };
    Some(match lang {
        Lang::It => {
            format!("Nel {y} le adesioni sono state {enrolled}{detail} e le rinunce {withdrawn}.")
        }
        Lang::En => format!(
            "In {y} there were {enrolled} sign-ups{detail} and {withdrawn} returns to paper."
        ),
    })
}

/// "circa 20,0 tonnellate" or, under a tonne, "circa 740 kg".
fn co2_amount(e: &EbillReport, lang: Lang) -> String {
    if e.co2_avoided_tonnes >= 1.0 {
        let t = format::dec(e.co2_avoided_tonnes, 1, lang);
        format!("{t} {}", lang.pick("tonnellate", "tonnes"))
    } else {
        format!("{} kg", format::dec(e.co2_avoided_kg, 0, lang))
    }
}

fn ebill_savings_sentence(r: &YearReport, lang: Lang) -> String {
    let e = &r.ebill;
    let y = r.year;
    if e.envelopes_avoided == 0 {
        return match lang {
            Lang::It => format!("Nel {y} non risultano bollette inviate via e-mail."),
            Lang::En => format!("No bills were sent by e-mail in {y}."),
        };
    }
    let (bills, sheets) = (
        format::int(e.envelopes_avoided, lang),
        format::int(e.sheets_avoided, lang),
    );
    let co2 = co2_amount(e, lang);
    let factor = format::short(e.co2_grams_per_bill, lang);
    let estimated = match (e.sheets_estimated, lang) {
        (false, _) => String::new(),
        (true, Lang::It) => " (stimati)".to_string(),
        (true, Lang::En) => " (estimated)".to_string(),
    };
    match lang {
        Lang::It => format!(
            "Nel {y} sono state inviate via e-mail {bills} bollette, evitando la stampa e l'invio di altrettante buste e di {sheets} fogli{estimated}: circa {co2} di CO2 in meno ({factor} g di CO2 per bolletta cartacea)."
        ),
        Lang::En => format!(
            "In {y}, {bills} bills were sent by e-mail, avoiding printing and mailing as many envelopes and {sheets} sheets{estimated}: about {co2} of CO2 less ({factor} g of CO2 per paper bill)."
        ),
    }
}

pub fn ebill_paragraphs(r: &YearReport, lang: Lang) -> Vec<String> {
    let mut first = ebill_customers_sentence(r, lang);
    if let Some(switches) = ebill_switches_sentence(r, lang) {
        first = format!("{first} {switches}");
    }
    vec![first, ebill_savings_sentence(r, lang)]
}

// ---- branch network --------------------------------------------------------------------------

fn network_sentence(r: &YearReport, lang: Lang) -> String {
    let n = &r.network;
    let at = format::long_date(n.at, lang);
    if n.total == 0 {
        return match lang {
            Lang::It => format!("Al {at} non risultano sportelli aperti."),
            Lang::En => format!("No branch was open on {at}."),
        };
    }
    let (total, previous, sots) = (
        format::int(n.total, lang),
        format::int(n.previous_total, lang),
        n.territories,
    );
    let p = r.previous_year;
    let hours = n.homogeneous_hours_per_week.map(|h| format::short(h, lang));
    let homogeneous = format::int(n.homogeneous_schedule, lang);
    match lang {
        Lang::It => {
            let territory = if sots == 1 {
                "dalla SOT".to_string()
            } else {
                format!("dalle {sots} SOT")
            };
            let schedule = match hours {
                Some(h) => format!(
                    "di cui {homogeneous} con orario omogeneo di apertura fissato in {h} ore settimanali"
                ),
                None => format!("di cui {homogeneous} con orario omogeneo di apertura"),
            };
            format!(
                "Al {at} gli sportelli presenti nel territorio gestito {territory} sono {total} ({previous} a fine {p}), {schedule}."
            )
        }
        Lang::En => {
            let territory = if sots == 1 {
                "the SOT".to_string()
            } else {
                format!("the {sots} SOTs")
            };
            let schedule = match hours {
                Some(h) => format!(
                    "{homogeneous} of them with the homogeneous opening schedule of {h} hours a week"
                ),
                None => format!("{homogeneous} of them with the homogeneous opening schedule"),
            };
            format!(
                "On {at} there were {total} branches in the territory of {territory} ({previous} at the end of {p}), {schedule}."
            )
        }
    }
}

fn hosting_sentence(r: &YearReport, lang: Lang) -> String {
    let n = &r.network;
    let (hosted, outsourced) = (
        format::int(n.hosted_at_third_parties, lang),
        format::int(n.outsourced, lang),
    );
    match lang {
        Lang::It => format!(
            "Gli sportelli collocati presso terzi sono {hosted}, quelli esternalizzati {outsourced}."
        ),
        Lang::En => {
            let verb = |count: i64| if count == 1 { "is" } else { "are" };
            format!(
                "Of these, {hosted} {} hosted at third parties and {outsourced} {} outsourced.",
                verb(n.hosted_at_third_parties),
                verb(n.outsourced)
            )
        }
    }
}

fn event_participle(kind: BranchEventKind, plural: bool, lang: Lang) -> &'static str {
    match (kind, plural) {
        (BranchEventKind::Opened, false) => lang.pick("aperto", "opened"),
        (BranchEventKind::Opened, true) => lang.pick("aperti", "opened"),
        (BranchEventKind::Renovated, false) => lang.pick("rinnovato", "renovated"),
        (BranchEventKind::Renovated, true) => lang.pick("rinnovati", "renovated"),
        (BranchEventKind::Converted, false) => lang.pick("trasformato", "converted"),
        (BranchEventKind::Converted, true) => lang.pick("trasformati", "converted"),
        (BranchEventKind::Moved, false) => lang.pick("trasferito", "moved"),
        (BranchEventKind::Moved, true) => lang.pick("trasferiti", "moved"),
        (BranchEventKind::Closed, false) => lang.pick("chiuso", "closed"),
        (BranchEventKind::Closed, true) => lang.pick("chiusi", "closed"),
    }
}

/// "Cesenatico (sportello prioritario)", "San Pietro in Vincoli (Ravenna, punto di presenza)".
fn event_place(e: &NetworkEvent, lang: Lang) -> String {
    let kind = e.kind.map(|k| k.label(lang.code()).to_lowercase());
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
    Some(match (lang, plural) {
        (Lang::It, false) => format!("è stato {participle} 1 sportello: {places}"),
        (Lang::It, true) => format!("sono stati {participle} {count} sportelli: {places}"),
        (Lang::En, false) => format!("1 branch was {participle}: {places}"),
        (Lang::En, true) => format!("{count} branches were {participle}: {places}"),
    })
}

fn events_sentence(r: &YearReport, lang: Lang) -> String {
    let parts: Vec<String> = BranchEventKind::ALL
        .iter()
        .filter_map(|k| events_of_kind(r, *k, lang))
        .collect();
    let y = r.year;
    if parts.is_empty() {
        return match lang {
            Lang::It => format!(
                "Nel {y} la rete degli sportelli non ha registrato aperture, chiusure né altri cambiamenti."
            ),
            Lang::En => format!(
                "In {y} the branch network recorded no openings, closures or other changes."
            ),
        };
    }
    match lang {
        Lang::It => format!("Nel {y} {}.", parts.join("; ")),
        Lang::En => format!("In {y}, {}.", parts.join("; ")),
    }
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
