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
    /// `report.` literals of the report's code. The tables have no key twice and no empty text.
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
        assert!(checked > 700, "the scan found only {checked} keys");
        assert!(
            missing.is_empty(),
            "keys missing from the tables: {missing:#?}"
        );
        let problems: Vec<String> = CATALOGUE
            .problems()
            .into_iter()
            .chain(canali_report::TEXTS.problems())
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
