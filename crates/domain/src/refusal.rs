//! The user's own mistakes that canali refuses: one enum, each case with the key of its message
//! in the catalogue and the values that message names. The store, the channel crates and the
//! rules here return them inside their errors; the web translates a refusal by its key (and
//! answers 400 or 422), the CLI prints its English sentence.
//!
//! Adding a case: a variant with an English `#[error]` sentence, its key in [`Refusal::key`],
//! its values in [`Refusal::args`], and the key's Italian and English texts in the catalogue
//! (crates/web/src/i18n.rs); a test there checks every key of [`Refusal::EXAMPLES`].

/// A refusal: what the user asked for cannot be done as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A database URL that is neither `sqlite://` nor `postgres://`.
    #[error("unsupported database URL '{url}': use sqlite://FILE or postgres://...")]
    UnsupportedUrl { url: String },
}

impl Refusal {
    /// One value of every case, for the test that the catalogue knows every key.
    pub const EXAMPLES: &'static [fn() -> Refusal] = &[|| Refusal::UnsupportedUrl {
        url: "mysql://x".into(),
    }];

    /// The key of the message in the catalogue (`refusal.` and the case in snake case).
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::UnsupportedUrl { .. } => "refusal.unsupported_url",
        }
    }

    /// The values the message names, by placeholder (`{url}` in the catalogue's texts).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Refusal::UnsupportedUrl { url } => vec![("url", url.clone())],
        }
    }
}
