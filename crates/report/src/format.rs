//! Numbers, percentages and dates the way each language writes them: Italian uses comma decimals
//! and dot thousands (38.832; 10,2%), English the reverse (38,832; 10.2%). The formatter is
//! `canali_domain::locale`, the same the web pages use; this module adds the report's language
//! argument.

use crate::ReportError;

/// The language of a rendered report: the one of the domain. Italian is the default: the seed
/// page is Italian.
pub use canali_domain::lang::Lang;

/// The language a report is asked for: `it` (or nothing) or `en`, in any case.
pub fn parse_lang(s: &str) -> Result<Lang, ReportError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(Lang::It),
        code => Lang::from_code(code).ok_or_else(|| ReportError::UnknownLanguage(s.to_string())),
    }
}

// The formatter is the domain's, shared with the pages and the CLI.
pub use canali_domain::locale::{
    dec, int, long_date, month_abbrev, month_name, pct, pct_short, short, short_date, signed_pct,
};

#[cfg(test)]
mod tests {
    // The formatting itself is tested where it lives, in canali_domain::locale.
    use super::*;

    #[test]
    fn languages_parse_with_italian_as_default() {
        assert_eq!(parse_lang("").unwrap(), Lang::It);
        assert_eq!(parse_lang("EN").unwrap(), Lang::En);
        assert!(parse_lang("de").is_err());
    }
}
