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
