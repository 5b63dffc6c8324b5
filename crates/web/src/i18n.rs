//! Italian (the default) and English. Every text a page shows is looked up by key in the tables
//! below (one per part of the site); a test checks that every key the templates use exists.

use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    It,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "it" => Some(Lang::It),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

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
}

/// One table: key, Italian, English.
pub type Texts = &'static [(&'static str, &'static str, &'static str)];

/// Every table of the site.
const TABLES: &[Texts] = &[
    COMMON,
    crate::portal::TEXTS,
    crate::console::TEXTS,
    crate::desk::TEXTS,
];

fn index() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        TABLES
            .iter()
            .flat_map(|t| t.iter())
            .map(|(k, it, en)| (*k, (*it, *en)))
            .collect()
    })
}

/// The text of `key` in `lang`; an unknown key shows itself (and fails the template test).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    match index().get(key) {
        Some((it, en)) => match lang {
            Lang::It => it,
            Lang::En => en,
        },
        None => key,
    }
}

/// A refusal in `lang`: its text from the catalogue with the refusal's values in place of their
/// `{name}` placeholders.
pub fn refusal(lang: Lang, refusal: &canali_domain::refusal::Refusal) -> String {
    let mut text = match index().get(refusal.key()) {
        Some((it, en)) => match lang {
            Lang::It => (*it).to_string(),
            Lang::En => (*en).to_string(),
        },
        None => return refusal.to_string(),
    };
    for (name, value) in refusal.args() {
        text = text.replace(&format!("{{{name}}}"), &value);
    }
    text
}

/// Whether `key` is in a table (for the template test).
pub fn has(key: &str) -> bool {
    index().contains_key(key)
}

const COMMON: Texts = &[
    (
        "refusal.unsupported_url",
        "Indirizzo del database non supportato: '{url}'. Usa sqlite://FILE o postgres://...",
        "Unsupported database URL '{url}': use sqlite://FILE or postgres://...",
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
];

#[cfg(test)]
mod tests {
    use super::*;
    use canali_domain::refusal::Refusal;

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
