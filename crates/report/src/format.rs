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
    use super::*;
    use jiff::civil::date;

    #[test]
    fn integers_group_thousands_by_language() {
        assert_eq!(int(38_832, Lang::It), "38.832");
        assert_eq!(int(38_832, Lang::En), "38,832");
        assert_eq!(int(1_234_567, Lang::It), "1.234.567");
        assert_eq!(int(999, Lang::En), "999");
        assert_eq!(int(0, Lang::It), "0");
        assert_eq!(int(-1_000, Lang::It), "-1.000");
    }

    #[test]
    fn decimals_and_percentages_use_the_language_separators() {
        assert_eq!(dec(10.25, 1, Lang::It), "10,3");
        assert_eq!(dec(1234.5, 1, Lang::It), "1.234,5");
        assert_eq!(dec(1234.5, 1, Lang::En), "1,234.5");
        assert_eq!(dec(-0.04, 1, Lang::En), "0.0");
        assert_eq!(pct(6.5, Lang::It), "6,5%");
        assert_eq!(pct(55.83, Lang::En), "55.8%");
        assert_eq!(pct_short(9.0, Lang::It), "9%");
        assert_eq!(short(10.5, Lang::It), "10,5");
        assert_eq!(signed_pct(65.02, Lang::It), "+65,0%");
        assert_eq!(signed_pct(-3.0, Lang::En), "-3.0%");
        assert_eq!(signed_pct(0.01, Lang::En), "0.0%");
    }

    #[test]
    fn dates_read_naturally() {
        let d = date(2011, 12, 31);
        assert_eq!(long_date(d, Lang::It), "31 dicembre 2011");
        assert_eq!(long_date(d, Lang::En), "31 December 2011");
        assert_eq!(short_date(date(2011, 3, 2), Lang::It), "02/03/2011");
        assert_eq!(short_date(date(2011, 3, 2), Lang::En), "2011-03-02");
        assert_eq!(month_abbrev(1, Lang::It), "gen");
    }

    #[test]
    fn languages_parse_with_italian_as_default() {
        assert_eq!(parse_lang("").unwrap(), Lang::It);
        assert_eq!(parse_lang("EN").unwrap(), Lang::En);
        assert!(parse_lang("de").is_err());
    }
}
