//! The two languages of canali, Italian (the default) and English, and the one way every text in
//! them is kept: tables of `key -> (Italian, English)` gathered in a [`Catalogue`]. A text may
//! hold `{name}` placeholders, filled by [`fill`] with values the caller has already written the
//! language's way (numbers, dates).
//!
//! To add a message: add a row to the table of its part (the web's common, portal, console and
//! desk tables; the report's table) and look it up by key. The web crate's key test fails when a
//! key used in a template or in the code is missing from the tables.
//!
//! The values themselves (decimals, percentages, dates, months, weekdays, opening hours) are
//! written by the one formatter, [`locale`](crate::locale), re-exported here.

use std::collections::{HashMap, HashSet};
use std::fmt::{Display, Write};
use std::sync::OnceLock;

pub use crate::locale;

/// The language of a page, a report or a printed label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    It,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::It, Lang::En];

    /// The language's code: `it` or `en`.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// The language of a code (`it`, `en`); `None` for any other.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "it" => Some(Lang::It),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The Italian or the English one of a pair.
    pub const fn pick<'a>(self, it: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }
}

impl Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One table of texts: key, Italian, English.
pub type Texts = &'static [(&'static str, &'static str, &'static str)];

/// The values of a text's placeholders: `&[("year", &2011)]`.
pub type Args<'a> = &'a [(&'a str, &'a dyn Display)];

type Index = HashMap<&'static str, (&'static str, &'static str)>;

/// Several tables looked up as one (indexed on first use).
pub struct Catalogue {
    tables: &'static [Texts],
    index: OnceLock<Index>,
}

impl Catalogue {
    pub const fn new(tables: &'static [Texts]) -> Catalogue {
        Catalogue {
            tables,
            index: OnceLock::new(),
        }
    }

    fn index(&self) -> &Index {
        self.index
            .get_or_init(|| self.rows().map(|(key, it, en)| (key, (it, en))).collect())
    }

    /// Every row of every table, in order.
    pub fn rows(&self) -> impl Iterator<Item = (&'static str, &'static str, &'static str)> + '_ {
        self.tables.iter().flat_map(|table| table.iter()).copied()
    }

    /// The text of `key` in `lang`, if a table has the key.
    pub fn get(&self, lang: Lang, key: &str) -> Option<&'static str> {
        self.index().get(key).map(|&(it, en)| lang.pick(it, en))
    }

    /// The text of `key` in `lang`; an unknown key shows itself (and fails the key test).
    pub fn text(&self, lang: Lang, key: &'static str) -> &'static str {
        self.get(lang, key).unwrap_or(key)
    }

    /// The text of `key` in `lang` with its placeholders filled from `args`.
    pub fn fill(&self, lang: Lang, key: &'static str, args: Args) -> String {
        fill(self.text(lang, key), args)
    }

    /// Whether a table has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.index().contains_key(key)
    }

    /// What is wrong with the tables: a key given twice or a text left empty. Empty when all is
    /// well.
    pub fn problems(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut problems = Vec::new();
        for (key, it, en) in self.rows() {
            if !seen.insert(key) {
                problems.push(format!("{key}: in the tables twice"));
            }
            if it.is_empty() || en.is_empty() {
                problems.push(format!("{key}: a text is empty"));
            }
        }
        problems
    }
}

/// The placeholder that starts `text` (just after its `{`): its name and the text after its `}`.
fn placeholder(text: &str) -> Option<(&str, &str)> {
    let end = text.find('}')?;
    let name = &text[..end];
    let is_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    is_name.then(|| (name, &text[end + 1..]))
}

/// The names of the `{name}` placeholders of `text`, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        rest = &rest[start + 1..];
        if let Some((name, after)) = placeholder(rest) {
            names.push(name);
            rest = after;
        }
    }
    names
}

/// `template` with each `{name}` replaced by its value in `args`. A placeholder without a value
/// is a bug of the caller: it stays as written (and stops a debug build).
pub fn fill(template: &str, args: Args) -> String {
    let mut out = String::with_capacity(template.len() + 8 * args.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        rest = &rest[start + 1..];
        let value = placeholder(rest).map(|(name, after)| {
            let value = args.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
            debug_assert!(value.is_some(), "no value for {{{name}}} in {template:?}");
            (value, after)
        });
        match value {
            Some((Some(value), after)) => {
                let _ = write!(out, "{value}");
                rest = after;
            }
            _ => out.push('{'),
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: Texts = &[
        (
            "greeting",
            "Ciao {name}, hai {count} messaggi.",
            "Hi {name}, you have {count} messages.",
        ),
        ("plain", "Sì", "Yes"),
    ];
    static CATALOGUE: Catalogue = Catalogue::new(&[TABLE]);

    #[test]
    fn codes_round_trip_and_italian_is_the_default() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("de"), None);
        assert_eq!(Lang::default(), Lang::It);
    }

    #[test]
    fn texts_are_looked_up_and_filled() {
        assert_eq!(CATALOGUE.text(Lang::En, "plain"), "Yes");
        assert_eq!(CATALOGUE.text(Lang::It, "missing.key"), "missing.key");
        let args: Args = &[("name", &"Anna"), ("count", &3)];
        assert_eq!(
            CATALOGUE.fill(Lang::It, "greeting", args),
            "Ciao Anna, hai 3 messaggi."
        );
        assert_eq!(
            CATALOGUE.fill(Lang::En, "greeting", args),
            "Hi Anna, you have 3 messages."
        );
        assert!(CATALOGUE.problems().is_empty());
    }

    #[test]
    fn braces_that_are_not_placeholders_stay() {
        assert_eq!(fill("{ a } {} {X}", &[]), "{ a } {} {X}");
        assert_eq!(placeholders("a {b} {c_1} {D} {"), ["b", "c_1"]);
    }
}
