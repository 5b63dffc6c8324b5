//! The report's texts in Italian and English, looked up by key through the domain's catalogue.
//! Sentences built with numbers hold `{name}` placeholders filled with values already written
//! the language's way. Keys: `report.` and the words of a label or heading; `report.metric.`
//! and the metric's CSV name for the summary table's labels; `report.` with the prose section
//! for the sentences.

use canali_domain::lang::{Args, Catalogue, Lang, Texts};

/// The text of `key` in `lang`.
pub(crate) fn get(lang: Lang, key: &'static str) -> &'static str {
    TEXTS.text(lang, key)
}

/// The text of `key` in `lang` with its placeholders filled from `args`.
pub(crate) fn fill(lang: Lang, key: &'static str, args: Args) -> String {
    TEXTS.fill(lang, key, args)
}

/// Every text of the report (the web's key test checks the keys the report's code uses).
pub static TEXTS: Catalogue = Catalogue::new(&[TABLE]);

const TABLE: Texts = &[
    // Labels, headings and single words of the charts, tables and prose.
    (
        "report.residential_call_center",
        "Call center residenziali",
        "Residential call center",
    ),
    (
        "report.business_call_center",
        "Call center business",
        "Business call center",
    ),
    ("report.branches", "Sportelli", "Branches"),
    ("report.online_branch", "Sportello on-line", "Online branch"),
    ("report.postal_mail", "Posta", "Postal mail"),
    (
        "report.channel_mix_of_contacts",
        "Distribuzione dei contatti per canale",
        "Channel mix of contacts",
    ),
    ("report.no_data", "nessun dato", "no data"),
    (
        "report.monthly_contacts_by_channel",
        "Contatti mensili per canale",
        "Monthly contacts by channel",
    ),
    (
        "report.waiting_times_against_targets",
        "Tempi di attesa e obiettivi",
        "Waiting times against targets",
    ),
    ("report.target_met", "obiettivo raggiunto", "target met"),
    ("report.not_met", "non raggiunto", "not met"),
    ("report.target", "obiettivo", "target"),
    (
        "report.call_center_total",
        "Call center (totale)",
        "Call center (total)",
    ),
    ("report.total", "Totale", "Total"),
    (
        "report.contacts_by_channel",
        "Contatti per canale",
        "Contacts by channel",
    ),
    ("report.waiting_times", "Tempi di attesa", "Waiting times"),
    (
        "report.electronic_bill",
        "Bolletta elettronica",
        "Electronic bill",
    ),
    (
        "report.branch_network",
        "Rete degli sportelli",
        "Branch network",
    ),
    ("report.not_available", "n.d.", "n/a"),
    ("report.share", "Quota", "Share"),
    ("report.channel", "Canale", "Channel"),
    ("report.change", "Variazione", "Change"),
    ("report.month", "Mese", "Month"),
    ("report.met", "raggiunto", "met"),
    (
        "report.average_wait_s",
        "attesa media (s)",
        "average wait (s)",
    ),
    (
        "report.waits_over_2_minutes",
        "attese oltre 2 minuti",
        "waits over 2 minutes",
    ),
    (
        "report.average_wait_min",
        "attesa media (min)",
        "average wait (min)",
    ),
    (
        "report.waits_over_40_minutes",
        "attese oltre 40 minuti",
        "waits over 40 minutes",
    ),
    ("report.indicator", "Indicatore", "Indicator"),
    ("report.target_title", "Obiettivo", "Target"),
    ("report.result", "Esito", "Result"),
    ("report.value", "Valore", "Value"),
    (
        "report.registered_users_at_the_end_of",
        "Iscritti a fine",
        "Registered users at the end of",
    ),
    (
        "report.e_bill_customers_at_the_end_of",
        "Clienti con bolletta via e-mail a fine",
        "E-bill customers at the end of",
    ),
    (
        "report.co2_avoided_kg",
        "CO2 evitata, kg",
        "CO2 avoided, kg",
    ),
    ("report.per_bill", "per bolletta", "per bill"),
    (
        "report.sign_ups_in_the_year",
        "Adesioni nell'anno",
        "Sign-ups in the year",
    ),
    (
        "report.returns_to_paper_in_the_year",
        "Rinunce nell'anno",
        "Returns to paper in the year",
    ),
    (
        "report.envelopes_avoided",
        "Buste evitate",
        "Envelopes avoided",
    ),
    ("report.sheets_avoided", "Fogli evitati", "Sheets avoided"),
    ("report.signup_path", "Modalità di adesione", "Path"),
    ("report.sign_ups", "Adesioni", "Sign-ups"),
    ("report.returns_to_paper", "Rinunce", "Returns to paper"),
    (
        "report.bill_delivery",
        "Invio della bolletta",
        "Bill delivery",
    ),
    ("report.bills", "Bollette", "Bills"),
    ("report.sheets", "Fogli", "Sheets"),
    (
        "report.branches_in_all",
        "Sportelli in totale",
        "Branches in all",
    ),
    (
        "report.on_the_homogeneous_schedule",
        "Con orario omogeneo",
        "On the homogeneous schedule",
    ),
    (
        "report.hosted_at_third_parties",
        "Presso terzi",
        "Hosted at third parties",
    ),
    ("report.outsourced", "Esternalizzati", "Outsourced"),
    ("report.kind", "Tipo", "Kind"),
    ("report.date", "Data", "Date"),
    ("report.event", "Evento", "Event"),
    ("report.branch", "Sportello", "Branch"),
    ("report.municipality", "Comune", "Municipality"),
    ("report.and", "e", "and"),
    ("report.business", "business", "business"),
    ("report.residential", "residenziali", "residential"),
    (
        "report.at_contract_signing",
        "alla firma del contratto",
        "at contract signing",
    ),
    (
        "report.with_the_form_attached_to_the_paper_bill",
        "con il modulo allegato alla bolletta",
        "with the form attached to the paper bill",
    ),
    (
        "report.from_the_online_branch",
        "dallo sportello on-line",
        "from the online branch",
    ),
    (
        "report.through_the_call_center",
        "tramite il call center",
        "through the call center",
    ),
    ("report.at_a_branch", "allo sportello", "at a branch"),
    ("report.tonnes", "tonnellate", "tonnes"),
    ("report.opened_one", "aperto", "opened"),
    ("report.opened_many", "aperti", "opened"),
    ("report.renovated_one", "rinnovato", "renovated"),
    ("report.renovated_many", "rinnovati", "renovated"),
    ("report.converted_one", "trasformato", "converted"),
    ("report.converted_many", "trasformati", "converted"),
    ("report.moved_one", "trasferito", "moved"),
    ("report.moved_many", "trasferiti", "moved"),
    ("report.closed_one", "chiuso", "closed"),
    ("report.closed_many", "chiusi", "closed"),
    // The summary table of the CSV output, by metric.
    ("report.metric.year", "Anno", "Year"),
    (
        "report.metric.previous_year",
        "Anno precedente",
        "Previous year",
    ),
    (
        "report.metric.online_branch_registered_users",
        "Iscritti allo sportello on-line",
        "Online branch registered users",
    ),
    (
        "report.metric.online_branch_previous_registered_users",
        "Iscritti anno precedente",
        "Registered users, previous year",
    ),
    (
        "report.metric.online_branch_growth_pct",
        "Variazione iscritti (%)",
        "Registered users growth (%)",
    ),
    (
        "report.metric.ebill_customers",
        "Clienti con bolletta via e-mail",
        "E-bill customers",
    ),
    (
        "report.metric.ebill_previous_customers",
        "Clienti anno precedente",
        "E-bill customers, previous year",
    ),
    (
        "report.metric.ebill_growth_pct",
        "Variazione clienti (%)",
        "E-bill customers growth (%)",
    ),
    (
        "report.metric.ebill_growth_target_pct",
        "Obiettivo di crescita (%)",
        "Growth target (%)",
    ),
    (
        "report.metric.ebill_growth_met",
        "Obiettivo raggiunto",
        "Target met",
    ),
    ("report.metric.ebill_enrolled", "Adesioni", "Sign-ups"),
    (
        "report.metric.ebill_withdrawn",
        "Rinunce",
        "Returns to paper",
    ),
    (
        "report.metric.envelopes_avoided",
        "Buste evitate",
        "Envelopes avoided",
    ),
    (
        "report.metric.sheets_avoided",
        "Fogli evitati",
        "Sheets avoided",
    ),
    (
        "report.metric.sheets_estimated",
        "Fogli stimati",
        "Sheets estimated",
    ),
    (
        "report.metric.co2_grams_per_bill",
        "g di CO2 per bolletta",
        "g of CO2 per bill",
    ),
    (
        "report.metric.co2_avoided_kg",
        "CO2 evitata (kg)",
        "CO2 avoided (kg)",
    ),
    (
        "report.metric.co2_avoided_tonnes",
        "CO2 evitata (t)",
        "CO2 avoided (t)",
    ),
    (
        "report.metric.co2_grams_per_sheet",
        "g di CO2 per foglio",
        "g of CO2 per sheet",
    ),
    (
        "report.metric.co2_by_sheets_kg",
        "CO2 evitata, stima per fogli (kg)",
        "CO2 avoided, by sheets (kg)",
    ),
    ("report.metric.branches", "Sportelli", "Branches"),
    (
        "report.metric.branches_previous",
        "Sportelli anno precedente",
        "Branches, previous year",
    ),
    ("report.metric.territories", "SOT", "SOTs"),
    (
        "report.metric.branches_homogeneous_schedule",
        "Con orario omogeneo",
        "On the homogeneous schedule",
    ),
    (
        "report.metric.homogeneous_hours_per_week",
        "Ore settimanali dell'orario omogeneo",
        "Homogeneous schedule hours a week",
    ),
    (
        "report.metric.branches_hosted_at_third_parties",
        "Presso terzi",
        "Hosted at third parties",
    ),
    (
        "report.metric.branches_outsourced",
        "Esternalizzati",
        "Outsourced",
    ),
    // The sentences of the prose.
    (
        "report.group.call_center",
        "il call center",
        "the call center",
    ),
    (
        "report.group.call_center.after",
        "dal call center",
        "the call center",
    ),
    (
        "report.group.call_center.followed",
        "seguito",
        "followed by",
    ),
    ("report.group.branches", "gli sportelli", "the branches"),
    (
        "report.group.branches.after",
        "dagli sportelli",
        "the branches",
    ),
    ("report.group.branches.followed", "seguiti", "followed by"),
    ("report.group.web", "il web", "the web"),
    ("report.group.web.after", "dal web", "the web"),
    ("report.group.web.followed", "seguito", "followed by"),
    ("report.group.mail", "la posta", "postal mail"),
    ("report.group.mail.after", "dalla posta", "postal mail"),
    ("report.group.mail.followed", "seguita", "followed by"),
    (
        "report.contacts.no_comparison",
        "Nel {year} i contatti dei clienti sono stati {total}; non ci sono dati del {previous} per un confronto.",
        "In {year} customers made {total} contacts; there are no {previous} figures to compare with.",
    ),
    (
        "report.contacts.stable",
        "Nel {year} i contatti dei clienti sono rimasti stabili rispetto al {previous}.",
        "In {year} customer contacts were stable compared with {previous}.",
    ),
    (
        "report.contacts.grew",
        "Nel {year} i contatti dei clienti sono cresciuti {size} rispetto al {previous}.",
        "In {year} customer contacts grew by {size} over {previous}.",
    ),
    (
        "report.contacts.fell",
        "Nel {year} i contatti dei clienti sono diminuiti {size} rispetto al {previous}.",
        "In {year} customer contacts fell by {size} from {previous}.",
    ),
    (
        "report.contacts.past_up",
        ", era {share} nel {year}",
        ", up from {share} in {year}",
    ),
    (
        "report.contacts.past_down",
        ", era {share} nel {year}",
        ", down from {share} in {year}",
    ),
    (
        "report.contacts.mix",
        "{subject} {verb} il canale principale con {share} dei contatti{past}, {followed} {others}.",
        "{subject} {verb} the main channel with {share} of contacts{past}, {followed} {others}.",
    ),
    ("report.verb.remains", "si conferma", "remains"),
    ("report.verb.remain", "si confermano", "remain"),
    ("report.verb.becomes", "diventa", "becomes"),
    ("report.verb.become", "diventano", "become"),
    ("report.verb.is", "è", "is"),
    ("report.verb.are", "sono", "are"),
    (
        "report.contacts.totals",
        "In tutto i contatti sono stati {total} ({previous} nel {previous_year}); il call center ne ha ricevuti {call_center}, {residential} dalla linea per i clienti residenziali e {business} da quella per i clienti business.",
        "In all there were {total} contacts ({previous} in {previous_year}); the call center received {call_center} of them, {residential} on the residential line and {business} on the business line.",
    ),
    (
        "report.contacts.none",
        "Non ci sono contatti registrati per il {year}.",
        "There are no contacts on record for {year}.",
    ),
    (
        "report.waiting.target_note",
        "obiettivo: al massimo {target}, {met}",
        "target: at most {target}, {met}",
    ),
    (
        "report.waiting.call_center_none",
        "Non ci sono dati sui tempi di attesa del call center per i clienti {line} nel {year}.",
        "There are no {year} waiting-time figures for the {line} call center.",
    ),
    (
        "report.waiting.call_center",
        "Al call center per i clienti {line} l'attesa media è stata di {average} secondi ({average_note}) e {over} delle chiamate ha atteso più di 2 minuti ({over_note}).",
        "At the {line} call center the average wait was {average} seconds ({average_note}) and {over} of calls waited more than 2 minutes ({over_note}).",
    ),
    (
        "report.waiting.branches_none",
        "Non ci sono dati sui tempi di attesa agli sportelli nel {year}.",
        "There are no {year} waiting-time figures for the branches.",
    ),
    (
        "report.waiting.branches",
        "Agli sportelli l'attesa media è stata di {average} minuti ({average_note}) e {over} dei clienti ha atteso più di 40 minuti ({over_note}).",
        "At the branches the average wait was {average} minutes ({average_note}) and {over} of visitors waited more than 40 minutes ({over_note}).",
    ),
    (
        "report.online.none",
        "Non risultano iscritti allo sportello on-line a fine {year}.",
        "No users were registered with the online branch at the end of {year}.",
    ),
    (
        "report.online.users_change",
        "Per quanto riguarda il web, a fine {year} gli iscritti allo sportello on-line hanno raggiunto quota {users}, {change} rispetto all'anno precedente.",
        "As for the web, at the end of {year} the online branch had {users} registered users, {change} on the year before.",
    ),
    (
        "report.online.users",
        "Per quanto riguarda il web, a fine {year} gli iscritti allo sportello on-line sono {users}.",
        "As for the web, at the end of {year} the online branch had {users} registered users.",
    ),
    ("report.change.stable", "stabili", "unchanged"),
    ("report.change.up", "con un incremento {size}", "up {size}"),
    ("report.change.down", "con un calo {size}", "down {size}"),
    (
        "report.ebill.customers",
        "A fine {year} i clienti che ricevono la bolletta via e-mail sono {customers}.",
        "At the end of {year}, {customers} customers received their bills by e-mail.",
    ),
    (
        "report.ebill.customers_growth",
        "A fine {year} i clienti che ricevono la bolletta via e-mail sono {customers}, contro {previous} a fine {previous_year} ({growth}; obiettivo: almeno +{target}, {met}).",
        "At the end of {year}, {customers} customers received their bills by e-mail, against {previous} at the end of {previous_year} ({growth}; target: at least +{target}, {met}).",
    ),
    (
        "report.ebill.switches",
        "Nel {year} le adesioni sono state {enrolled}{detail} e le rinunce {withdrawn}.",
        "In {year} there were {enrolled} sign-ups{detail} and {withdrawn} returns to paper.",
    ),
    (
        "report.ebill.no_bills",
        "Nel {year} non risultano bollette inviate via e-mail.",
        "No bills were sent by e-mail in {year}.",
    ),
    ("report.ebill.estimated", "stimati", "estimated"),
    (
        "report.trips.avoided",
        "Nel {year} lo sportello online ha ricevuto {contacts} contatti: stimando che il {share} di essi sostituisca un viaggio a uno sportello, sono circa {trips} viaggi evitati, {km} km in auto e {co2} di CO2 in meno ({per_trip} km andata e ritorno, {factor} g di CO2 per km; stime configurabili).",
        "In {year} the online branch received {contacts} contacts: assuming {share} of them replace a trip to a branch, that is about {trips} trips avoided, {km} km by car and {co2} of CO2 less ({per_trip} km there and back, {factor} g of CO2 per km; configurable estimates).",
    ),
    (
        "report.trips.none",
        "Nel {year} lo sportello online non ha ricevuto contatti: nessun viaggio evitato da conteggiare.",
        "In {year} the online branch received no contacts: no trips avoided to count.",
    ),
    (
        "report.trips_avoided",
        "Viaggi agli sportelli evitati (stima)",
        "Trips to branches avoided (estimate)",
    ),
    (
        "report.trips_co2_avoided_kg",
        "CO2 evitata dai viaggi (kg)",
        "CO2 avoided by the trips (kg)",
    ),
    (
        "report.metric.trips_avoided",
        "Viaggi agli sportelli evitati",
        "Trips to branches avoided",
    ),
    (
        "report.metric.web_contact_trip_share",
        "Quota dei contatti online che sostituisce un viaggio",
        "Share of online contacts replacing a trip",
    ),
    (
        "report.metric.km_per_branch_trip",
        "Km per viaggio (andata e ritorno)",
        "Km per trip (there and back)",
    ),
    (
        "report.metric.co2_grams_per_km",
        "CO2 per km (g)",
        "CO2 per km (g)",
    ),
    (
        "report.metric.trips_co2_avoided_kg",
        "CO2 evitata dai viaggi (kg)",
        "CO2 avoided by the trips (kg)",
    ),
    (
        "report.ebill.savings",
        "Nel {year} sono state inviate via e-mail {bills} bollette, evitando la stampa e l'invio di altrettante buste e di {sheets} fogli{estimated}: circa {co2} di CO2 in meno ({factor} g di CO2 per bolletta cartacea).",
        "In {year}, {bills} bills were sent by e-mail, avoiding printing and mailing as many envelopes and {sheets} sheets{estimated}: about {co2} of CO2 less ({factor} g of CO2 per paper bill).",
    ),
    (
        "report.network.none",
        "Al {date} non risultano sportelli aperti.",
        "No branch was open on {date}.",
    ),
    ("report.network.territory_one", "dalla SOT", "the SOT"),
    (
        "report.network.territory_many",
        "dalle {count} SOT",
        "the {count} SOTs",
    ),
    (
        "report.network.schedule_hours",
        "di cui {homogeneous} con orario omogeneo di apertura fissato in {hours} ore settimanali",
        "{homogeneous} of them with the homogeneous opening schedule of {hours} hours a week",
    ),
    (
        "report.network.schedule",
        "di cui {homogeneous} con orario omogeneo di apertura",
        "{homogeneous} of them with the homogeneous opening schedule",
    ),
    (
        "report.network.branches",
        "Al {date} gli sportelli presenti nel territorio gestito {territory} sono {total} ({previous} a fine {previous_year}), {schedule}.",
        "On {date} there were {total} branches in the territory of {territory} ({previous} at the end of {previous_year}), {schedule}.",
    ),
    (
        "report.network.hosting",
        "Gli sportelli collocati presso terzi sono {hosted}, quelli esternalizzati {outsourced}.",
        "Of these, {hosted} {hosted_verb} hosted at third parties and {outsourced} {outsourced_verb} outsourced.",
    ),
    (
        "report.events.one",
        "è stato {participle} 1 sportello: {places}",
        "1 branch was {participle}: {places}",
    ),
    (
        "report.events.many",
        "sono stati {participle} {count} sportelli: {places}",
        "{count} branches were {participle}: {places}",
    ),
    (
        "report.events.none",
        "Nel {year} la rete degli sportelli non ha registrato aperture, chiusure né altri cambiamenti.",
        "In {year} the branch network recorded no openings, closures or other changes.",
    ),
    (
        "report.events.list",
        "Nel {year} {events}.",
        "In {year}, {events}.",
    ),
    (
        "report.title",
        "I canali di contatto – {year}",
        "Contact channels – {year}",
    ),
];
