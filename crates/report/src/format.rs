//! Numbers, percentages and dates the way each language writes them: Italian uses comma decimals
//! and dot thousands (38.832; 10,2%), English the reverse (38,832; 10.2%).

use crate::ReportError;
use jiff::civil::Date;

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

/// The decimal point and the thousands separator of `lang`.
const fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::It => (',', '.'),
        Lang::En => ('.', ','),
    }
}

/// An integer with thousands separators: `38.832` (it), `38,832` (en).
pub fn int(n: i64, lang: Lang) -> String {
    let (_, thousands) = separators(lang);
    group_digits(&n.unsigned_abs().to_string(), thousands, n < 0)
}

/// A decimal rounded to `decimals` places, with the language's separators.
pub fn dec(x: f64, decimals: usize, lang: Lang) -> String {
    let (point, thousands) = separators(lang);
    // Round first so that -0.04 prints as 0,0 and not -0,0.
    let factor = 10f64.powi(decimals as i32);
    let rounded = (x * factor).round() / factor;
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    let text = format!("{:.*}", decimals, rounded.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = group_digits(whole, thousands, rounded < 0.0);
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A percentage with one decimal: `10,2%` (it), `10.2%` (en).
pub fn pct(x: f64, lang: Lang) -> String {
    format!("{}%", dec(x, 1, lang))
}

/// A percentage with no decimals when it is whole (targets such as `9%`), one otherwise.
pub fn pct_short(x: f64, lang: Lang) -> String {
    format!("{}%", short(x, lang))
}

/// A number with no decimals when it is whole, one otherwise (targets: `40`, `10,5`).
pub fn short(x: f64, lang: Lang) -> String {
    if (x - x.round()).abs() < 1e-9 {
        dec(x, 0, lang)
    } else {
        dec(x, 1, lang)
    }
}

/// A growth with its sign: `+10,2%`, `-3,0%`.
pub fn signed_pct(x: f64, lang: Lang) -> String {
    let rounds_to_zero = (x * 10.0).round() == 0.0;
    if x < 0.0 || rounds_to_zero {
        pct(x, lang)
    } else {
        format!("+{}", pct(x, lang))
    }
}

fn group_digits(digits: &str, separator: char, negative: bool) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

const MONTHS_IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The month's name (1-12), in full.
pub fn month_name(month: u8, lang: Lang) -> &'static str {
    let names = match lang {
        Lang::It => &MONTHS_IT,
        Lang::En => &MONTHS_EN,
    };
    names[usize::from(month.clamp(1, 12)) - 1]
}

/// The month's name in three letters, for chart axes: `gen`, `Jan`.
pub fn month_abbrev(month: u8, lang: Lang) -> String {
    month_name(month, lang).chars().take(3).collect()
}

/// A date in words: `31 dicembre 2011`, `31 December 2011`.
pub fn long_date(date: Date, lang: Lang) -> String {
    let month = month_name(date.month() as u8, lang);
    format!("{} {month} {}", date.day(), date.year())
}

/// A date for tables: `12/03/2011` (it), `2011-03-12` (en, unambiguous).
pub fn short_date(date: Date, lang: Lang) -> String {
    match lang {
        Lang::It => format!("{:02}/{:02}/{}", date.day(), date.month(), date.year()),
        Lang::En => date.to_string(),
    }
}

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
