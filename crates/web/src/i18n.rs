//! Italian (the default) and English. Every text a page shows is looked up by key in the tables
//! below (one per part of the site); a test checks that every key the templates use exists.

use axum::http::{HeaderMap, header};
use canali_domain::lang::Catalogue;
pub use canali_domain::lang::{Lang, Texts};

/// The browser's first choice between Italian and English; Italian when it names neither.
pub fn from_accept_language(headers: &HeaderMap) -> Lang {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Lang::It;
    };
    for part in value.split(',') {
        let tag = part.split(';').next().unwrap_or("").trim().to_lowercase();
        if tag.starts_with("it") {
            return Lang::It;
        }
        if tag.starts_with("en") {
            return Lang::En;
        }
    }
    Lang::It
}

/// Every table of the site.
const TABLES: &[Texts] = &[
    COMMON,
    crate::portal::TEXTS,
    crate::console::TEXTS,
    crate::desk::TEXTS,
];

/// The site's texts, looked up as one catalogue.
pub static CATALOGUE: Catalogue = Catalogue::new(TABLES);

/// The text of `key` in `lang`; an unknown key shows itself (and fails the key test).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    CATALOGUE.text(lang, key)
}

/// The text of `key` in `lang` with its `{name}` placeholders filled from `args`.
pub fn fill(lang: Lang, key: &'static str, args: canali_domain::lang::Args) -> String {
    CATALOGUE.fill(lang, key, args)
}

/// A refusal in `lang`: its text from the catalogue with the refusal's values in place of their
/// `{name}` placeholders.
pub fn refusal(lang: Lang, refusal: &canali_domain::refusal::Refusal) -> String {
    let Some(text) = CATALOGUE.get(lang, refusal.key()) else {
        return refusal.to_string();
    };
    let args = refusal.args();
    let args: Vec<(&str, &dyn std::fmt::Display)> = args
        .iter()
        .map(|(name, value)| (*name, value as &dyn std::fmt::Display))
        .collect();
    canali_domain::lang::fill(text, &args)
}

/// Whether `key` is in a table (for the key test).
pub fn has(key: &str) -> bool {
    CATALOGUE.has(key)
}

const COMMON: Texts = &[
    (
        "refusal.unsupported_url",
        "Indirizzo del database non supportato: '{url}'. Usa sqlite://FILE o postgres://...",
        "Unsupported database URL '{url}': use sqlite://FILE or postgres://...",
    ),
    (
        "refusal.category_code",
        "Il codice di categoria '{code}' deve essere di sole lettere maiuscole.",
        "The service category code '{code}' must be capital letters.",
    ),
    (
        "refusal.unknown_category",
        "Lo sportello {branch} non ha la categoria di servizio '{category}'.",
        "Branch {branch} has no service category '{category}'.",
    ),
    (
        "refusal.slot_before_booking",
        "L'appuntamento delle {slot} è prima della prenotazione delle {booked}: scegli un orario successivo.",
        "The appointment {slot} is before the booking {booked}: book a later slot.",
    ),
    (
        "refusal.counter_busy",
        "Lo sportello {counter} sta servendo il biglietto {ticket}: chiudilo prima di chiamare il prossimo.",
        "Counter {counter} is serving ticket {ticket}: close it before calling the next one.",
    ),
    (
        "refusal.ticket_not_booked",
        "Il biglietto {ticket} è stato preso al totem: solo i biglietti prenotati registrano l'arrivo.",
        "Ticket {ticket} was taken at the kiosk: only booked tickets check in.",
    ),
    (
        "refusal.ticket_checked_in",
        "Il biglietto {ticket} ha già registrato l'arrivo.",
        "Ticket {ticket} has already checked in.",
    ),
    (
        "refusal.ticket_other_day",
        "Il biglietto {ticket} è per il {day}, non per il giorno di {at}.",
        "Ticket {ticket} is for {day}, not for the day of {at}.",
    ),
    (
        "refusal.call_before_taken",
        "Nessuno era in attesa a {branch} alle {at}: il primo biglietto in attesa è entrato in coda alle {first}, e un biglietto non si chiama prima che sia preso.",
        "Nobody was waiting at {branch} at {at}: the first ticket waiting joined the queue at {first}, and a ticket cannot be called before it is taken.",
    ),
    (
        "refusal.ticket_state",
        "Il biglietto {ticket} è {state_it}, non {expected_it}.",
        "Ticket {ticket} is {state_en}, not {expected_en}.",
    ),
    (
        "refusal.ticket_time_backwards",
        "Il biglietto {ticket} non può andare avanti alle {at}: è stato {step_it} alle {when}, dopo (gli orari di un biglietto non tornano indietro).",
        "Ticket {ticket} cannot move on at {at}: it was {step_en} at {when}, later (ticket times must not go backwards).",
    ),
    (
        "refusal.campaign_sent",
        "La campagna {campaign} è già stata inviata.",
        "Campaign {campaign} was already sent.",
    ),
    (
        "refusal.campaign_untargeted",
        "La campagna {campaign} non ha sportelli: scegli prima a chi inviarla.",
        "Campaign {campaign} has no branches: target it first.",
    ),
    (
        "refusal.campaign_not_sent",
        "La campagna {campaign} non è ancora stata inviata.",
        "Campaign {campaign} was not sent yet.",
    ),
    (
        "refusal.not_campaign_target",
        "Lo sportello {branch} non è tra i destinatari della campagna {campaign}.",
        "Branch {branch} is not a target of campaign {campaign}.",
    ),
    (
        "refusal.kiosk_key_in_clear",
        "La chiave di un totem si conserva come SHA-256 esadecimale (64 cifre), mai in chiaro.",
        "A kiosk key is stored as its SHA-256 in hex (64 digits), never in the clear.",
    ),
    (
        "refusal.kiosk_paired_by_nobody",
        "Per abbinare un totem serve il nome di chi lo abbina.",
        "Pairing a kiosk needs the name of who pairs it.",
    ),
    (
        "refusal.branch_operator",
        "'{operator}' non è un gestore valido (own, outsourced).",
        "'{operator}' is not an operator (own, outsourced).",
    ),
    (
        "refusal.branch_contractor",
        "Uno sportello in outsourcing richiede il nome dell'appaltatore.",
        "An outsourced branch needs its contractor's name.",
    ),
    (
        "refusal.branch_host",
        "'{host}' non è una sede valida (own, third_party).",
        "'{host}' is not a host (own, third_party).",
    ),
    (
        "refusal.branch_host_name",
        "Uno sportello presso terzi richiede il nome di chi lo ospita.",
        "A branch hosted at a third party needs the host's name.",
    ),
    (
        "refusal.branch_counters",
        "Il numero di sportelli deve essere un intero da 1 a 99.",
        "The number of counters must be a whole number from 1 to 99.",
    ),
    (
        "refusal.branch_coordinates",
        "Latitudine e longitudine devono essere numeri in gradi (es. 44.49 e 11.34).",
        "Latitude and longitude must be numbers in degrees (e.g. 44.49 and 11.34).",
    ),
    (
        "refusal.already_registered",
        "Questo cliente è già registrato allo sportello on-line: accedi, o reimposta la password.",
        "This customer is already registered to the online branch: sign in, or reset the password.",
    ),
    (
        "refusal.email_taken",
        "L'indirizzo {email} è già usato da un altro account dello sportello on-line.",
        "The address {email} is already used by another online-branch account.",
    ),
    (
        "refusal.agent_without_line",
        "Un operatore del call center ha bisogno di una linea: residenziale o business.",
        "A call-center agent needs a line: residential or business.",
    ),
    (
        "refusal.clerk_without_branch",
        "Un addetto di sportello ha bisogno del codice dello sportello.",
        "A branch clerk needs the code of the branch.",
    ),
    (
        "refusal.operator_exists",
        "Esiste già un operatore con l'indirizzo {email}.",
        "An operator with the address {email} already exists.",
    ),
    (
        "refusal.token_without_name",
        "Un token API ha bisogno di un nome che dica chi lo usa.",
        "An API token needs a name that says who uses it.",
    ),
    (
        "refusal.attachment_unnamed",
        "Il file ({what_it}) non ha nome.",
        "The {what_en} has no file name.",
    ),
    (
        "refusal.attachment_too_large",
        "Il file '{filename}' ({what_it}) pesa {mib} MiB; il limite è 5 MiB.",
        "The {what_en} '{filename}' is {mib} MiB; the limit is 5 MiB.",
    ),
    (
        "refusal.subject_empty",
        "L'oggetto è vuoto: di' in poche parole di cosa tratta {what_it}.",
        "The subject is empty: say in a few words what the {what_en} is about.",
    ),
    (
        "refusal.request_body_empty",
        "Il testo della richiesta è vuoto: descrivi la richiesta.",
        "The text of the request is empty: describe the request.",
    ),
    (
        "refusal.complainant_unknown",
        "Senza codici della bolletta servono il tuo nome e un telefono o un indirizzo e-mail a cui risponderti.",
        "Without the codes on your bill we need your name and a phone number or an e-mail address to answer to.",
    ),
    (
        "refusal.supply_point_not_customers",
        "La fornitura {supply_point} non è tra quelle del cliente {customer}.",
        "The supply point {supply_point} is not one of customer {customer}'s supplies.",
    ),
    (
        "refusal.answer_empty",
        "La risposta è vuota: scrivi la risposta al cliente.",
        "The answer is empty: write the reply to the customer.",
    ),
    (
        "refusal.request_not_open",
        "La richiesta {request} non è aperta ({status_it}): non si può rispondere di nuovo.",
        "Request {request} is {status_en}, not open: it cannot be answered again.",
    ),
    (
        "refusal.answer_before_opening",
        "La risposta alla richiesta {request} non può avere una data precedente all'apertura.",
        "The answer to request {request} cannot be dated before the request was opened.",
    ),
    (
        "refusal.letter_without_sender",
        "Il mittente è vuoto: scrivi chi ha mandato la lettera.",
        "The sender is empty: write who sent the letter.",
    ),
    (
        "refusal.no_request_to_link",
        "Non esiste la richiesta {request} a cui collegare la lettera.",
        "There is no request {request} to link the letter to.",
    ),
    (
        "refusal.letter_other_customer",
        "La richiesta {request} è di un cliente diverso da quello della lettera.",
        "Request {request} belongs to another customer than the letter's.",
    ),
    (
        "refusal.letter_without_customer",
        "Una lettera che apre una richiesta ha bisogno del cliente.",
        "A letter that opens a request needs the customer.",
    ),
    (
        "refusal.supply_point_not_yours",
        "La fornitura {supply_point} non è tra le tue.",
        "The supply point {supply_point} is not one of your supplies.",
    ),
    (
        "refusal.reading_not_metered",
        "Le letture si fanno per i contatori di gas e acqua; la fornitura {supply_point} è {service_it}.",
        "Readings are taken for gas and water meters; supply point {supply_point} is {service_en}.",
    ),
    (
        "refusal.reading_negative",
        "Una lettura del contatore non può essere negativa.",
        "A meter reading cannot be negative.",
    ),
    (
        "refusal.reading_after_sent",
        "La lettura è datata {day}, dopo il giorno dell'invio.",
        "The reading is dated {day}, after the day it was sent.",
    ),
    (
        "refusal.reading_before_last",
        "La lettura è datata {day}, prima dell'ultima lettura del {last_day}.",
        "The reading is dated {day}, before the last reading of {last_day}.",
    ),
    (
        "refusal.reading_below_last",
        "La lettura {value} è più bassa dell'ultima, {last} del {last_day}; se il contatore è stato sostituito, indicalo.",
        "The reading {value} is below the last one, {last} of {last_day}; if the meter was replaced, say so.",
    ),
    (
        "refusal.reading_high",
        "La lettura {value} vuol dire circa {per_day} al giorno dal {since}, più del triplo del solito {usual} al giorno: controllala e confermala se è giusta.",
        "The reading {value} means about {per_day} a day since {since}, more than three times the usual {usual} a day: check it and confirm it if it is right.",
    ),
    (
        "refusal.sqlite_folder_missing",
        "Impossibile creare il file SQLite {file}: la cartella {folder} non esiste",
        "Cannot create the SQLite file {file}: the folder {folder} does not exist",
    ),
    (
        "refusal.schema_too_new",
        "Il database ha lo schema versione {found}, più recente di quello che questo canali \
         conosce ({known}): usa un canali più recente",
        "The database has schema version {found}, newer than this canali knows ({known}): \
         use a newer canali",
    ),
    (
        "refusal.backup_needs_sqlite",
        "canali backup copia solo database SQLite: per PostgreSQL usa pg_dump (copia logica) o \
         pg_basebackup (l'intero cluster), come spiega docs/operations.md",
        "canali backup copies SQLite databases only: back up PostgreSQL with pg_dump (a logical \
         copy) or pg_basebackup (the whole cluster), as docs/operations.md shows",
    ),
    (
        "refusal.backup_exists",
        "{path} esiste già: indica un file nuovo, così nessun backup viene sovrascritto per errore",
        "{path} exists already: name a new file, so that no backup is overwritten by mistake",
    ),
    (
        "refusal.text_control",
        "il campo {field} contiene il carattere di controllo {code} alla posizione {position}: i caratteri di controllo non sono ammessi",
        "{field} holds the control character {code} at character {position}; control characters are not allowed",
    ),
    (
        "refusal.text_too_long",
        "il campo {field} è lungo {chars} caratteri: al massimo se ne accettano {max}",
        "{field} is {chars} characters long; at most {max} are allowed",
    ),
    (
        "refusal.text_nul",
        "il testo contiene il carattere U+0000 (NUL), che non è mai ammesso: toglilo",
        "the text holds the character U+0000 (NUL), which is never allowed: remove it",
    ),
    ("site.name", "canali", "canali"),
    ("site.portal", "Sportello on-line", "Online branch"),
    ("site.console", "Console operatori", "Operator console"),
    ("nav.home", "Home", "Home"),
    ("nav.bills", "Bollette", "Bills"),
    ("nav.ebill", "Bolletta elettronica", "E-bill"),
    ("nav.readings", "Autolettura", "Meter reading"),
    (
        "nav.requests",
        "Richieste e reclami",
        "Requests and complaints",
    ),
    ("nav.branches", "Trova sportello", "Find a branch"),
    ("nav.complaint", "Reclami", "Complaints"),
    ("nav.account", "Il mio profilo", "My account"),
    ("nav.login", "Accedi", "Sign in"),
    ("nav.logout", "Esci", "Sign out"),
    ("nav.register", "Registrati", "Register"),
    ("lang.switch", "English", "Italiano"),
    ("form.send", "Invia", "Send"),
    ("form.save", "Salva", "Save"),
    ("form.email", "Indirizzo e-mail", "E-mail address"),
    ("form.password", "Password", "Password"),
    (
        "form.password_again",
        "Ripeti la password",
        "Repeat the password",
    ),
    ("common.none", "Nessuno", "None"),
    ("common.back", "Indietro", "Back"),
    ("common.next_page", "Pagina successiva", "Next page"),
    ("common.prev_page", "Pagina precedente", "Previous page"),
    ("common.yes", "Sì", "Yes"),
    ("common.no", "No", "No"),
    ("common.date", "Data", "Date"),
    ("common.status", "Stato", "Status"),
    ("nav.skip", "Vai al contenuto", "Skip to content"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use canali_domain::refusal::Refusal;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    /// The files under `dir` whose name ends with `extension`, recursively.
    fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.extend(files(&path, extension));
            } else if path.extension().is_some_and(|e| e == extension) {
                found.push(path);
            }
        }
        found
    }

    /// The keys of the lookups written with a literal key, such as `ctx.t(KEY)` or
    /// `i18n::t(lang, KEY)` with KEY a string literal.
    fn looked_up(text: &str) -> Vec<&str> {
        let mut keys = Vec::new();
        for (at, _) in text.match_indices("t(") {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let call = &text[at + 2..];
            let call = &call[..call.find(')').unwrap_or(call.len())];
            let Some(open) = call.find('"') else { continue };
            let first_args = &call[..open];
            let plain = first_args
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_., \n".contains(c));
            if let (true, Some(close)) = (plain, call[open + 1..].find('"')) {
                keys.push(&call[open + 1..open + 1 + close]);
            }
        }
        keys
    }

    /// Every string literal that reads like a key: `"namespace.name"` in lower case.
    fn key_like(text: &str) -> Vec<&str> {
        let mut keys = Vec::new();
        for (at, _) in text.match_indices('"') {
            let rest = &text[at + 1..];
            let len = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c)))
                .unwrap_or(rest.len());
            let candidate = &rest[..len];
            if rest[len..].starts_with('"')
                && candidate.contains('.')
                && candidate.starts_with(|c: char| c.is_ascii_lowercase())
            {
                keys.push(candidate);
            }
        }
        keys
    }

    /// Every key the site and the report use exists in both languages: the keys of the web
    /// templates (all of them), the lookups of the web's code with a literal key, the literals of
    /// the web's code in a namespace of its tables (keys handed to a lookup later), and the
    /// `report.` literals of the report's code and the `import.` literals of the import's. The tables have no key twice and no empty text.
    #[test]
    fn every_key_used_exists_in_both_languages() {
        let web = Path::new(env!("CARGO_MANIFEST_DIR"));
        let report = web.parent().unwrap().join("report/src");
        let namespaces: BTreeSet<&str> = CATALOGUE
            .rows()
            .filter_map(|(key, _, _)| key.split_once('.').map(|(namespace, _)| namespace))
            .collect();
        let mut missing = Vec::new();
        let mut checked = 0;
        for path in files(&web.join("templates"), "html") {
            let text = std::fs::read_to_string(&path).unwrap();
            for key in looked_up(&text) {
                checked += 1;
                if !CATALOGUE.has(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        for path in files(&web.join("src"), "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let in_namespace = key_like(&text).into_iter().filter(|key| {
                let namespace = key.split_once('.').map_or("", |(n, _)| n);
                namespaces.contains(namespace)
            });
            for key in looked_up(&text).into_iter().chain(in_namespace) {
                checked += 1;
                if !CATALOGUE.has(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        for path in files(&report, "rs") {
            if path.ends_with("texts.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for key in key_like(&text) {
                if key.starts_with("report.") {
                    checked += 1;
                    if !canali_report::TEXTS.has(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        let import = web.parent().unwrap().join("import/src");
        for path in files(&import, "rs") {
            if path.ends_with("texts.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for key in key_like(&text) {
                if key.starts_with("import.") {
                    checked += 1;
                    if !canali_import::texts::TEXTS.has(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(checked > 700, "the scan found only {checked} keys");
        assert!(
            missing.is_empty(),
            "keys missing from the tables: {missing:#?}"
        );
        let problems: Vec<String> = CATALOGUE
            .problems()
            .into_iter()
            .chain(canali_report::TEXTS.problems())
            .chain(canali_import::texts::TEXTS.problems())
            .collect();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_refusal_has_its_texts_in_both_languages() {
        for example in Refusal::EXAMPLES {
            let refusal = example();
            assert!(has(refusal.key()), "no texts for {}", refusal.key());
            for lang in [Lang::It, Lang::En] {
                let text = super::refusal(lang, &refusal);
                assert!(
                    !text.contains('{'),
                    "{} left a placeholder: {text}",
                    refusal.key()
                );
            }
        }
    }
}
