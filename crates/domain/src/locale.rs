//! Numbers, dates, month and weekday names and opening hours the way each language writes them:
//! the one formatter of the pages, the report and the CLI. Italian uses comma decimals and dot
//! thousands (38.832; 44,0; 10,2%), dates as 07/12/2026 and weekdays as `lun-ven`; English the
//! reverse separators (38,832; 44.0; 10.2%), ISO dates (2026-12-07) and `Mon-Fri`.

use crate::lang::Lang;
use crate::schedule::WeeklyHours;
use jiff::civil::{Date, DateTime, Weekday};

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

/// A decimal rounded to `decimals` places, with the language's separators: `1.234,5`, `1,234.5`.
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

/// A percentage with no decimals when it is whole (targets such as `9%`, even when the float
/// arithmetic that made it left `7.000000000000001`), one otherwise.
pub fn pct_short(x: f64, lang: Lang) -> String {
    format!("{}%", short(x, lang))
}

/// A number with no decimals when it is whole (to a millionth), one otherwise: `40`, `10,5`.
pub fn short(x: f64, lang: Lang) -> String {
    if (x - x.round()).abs() < 1e-6 {
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

/// Cents as euros: `1.234,56 €` (it), `€1,234.56` (en).
pub fn euros(cents: i64, lang: Lang) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let (_, thousands) = separators(lang);
    let units = group_digits(&(c / 100).to_string(), thousands, false);
    let rest = c % 100;
    match lang {
        Lang::It => format!("{sign}{units},{rest:02} €"),
        Lang::En => format!("{sign}€{units}.{rest:02}"),
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

/// A month of a year for headings: `dicembre 2026`, `December 2026`.
pub fn month_year(year: i16, month: u8, lang: Lang) -> String {
    format!("{} {year}", month_name(month, lang))
}

/// A `YYYY-MM` month key for headings (`dicembre 2026`); anything else is shown as given.
pub fn month_key(key: &str, lang: Lang) -> String {
    let parsed = key
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i16>().ok()?, m.parse::<u8>().ok()?)))
        .filter(|&(_, m)| (1..=12).contains(&m) && key.len() == 7);
    match parsed {
        Some((y, m)) => month_year(y, m, lang),
        None => key.to_string(),
    }
}

const WEEKDAYS_IT: [&str; 7] = [
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The weekday's name in full: `lunedì`, `Monday`.
pub fn weekday_name(day: Weekday, lang: Lang) -> &'static str {
    let i = day.to_monday_zero_offset() as usize;
    match lang {
        Lang::It => WEEKDAYS_IT[i],
        Lang::En => WEEKDAYS_EN[i],
    }
}

/// The weekday in three letters: `lun`, `Mon`.
pub fn weekday_abbrev(day: Weekday, lang: Lang) -> String {
    weekday_name(day, lang).chars().take(3).collect()
}

/// A date in words: `31 dicembre 2011`, `31 December 2011`.
pub fn long_date(date: Date, lang: Lang) -> String {
    let month = month_name(date.month() as u8, lang);
    format!("{} {month} {}", date.day(), date.year())
}

/// A date for tables and headings: `12/03/2011` (it), `2011-03-12` (en, unambiguous).
pub fn short_date(date: Date, lang: Lang) -> String {
    match lang {
        Lang::It => format!("{:02}/{:02}/{}", date.day(), date.month(), date.year()),
        Lang::En => date.to_string(),
    }
}

/// A day of the month without the year, for column heads: `07/12` (it), `12-07` (en).
pub fn day_month(date: Date, lang: Lang) -> String {
    match lang {
        Lang::It => format!("{:02}/{:02}", date.day(), date.month()),
        Lang::En => format!("{:02}-{:02}", date.month(), date.day()),
    }
}

/// A local date and time to the minute: `07/12/2026 08:30`, `2026-12-07 08:30`.
pub fn date_time(dt: DateTime, lang: Lang) -> String {
    format!(
        "{} {:02}:{:02}",
        short_date(dt.date(), lang),
        dt.hour(),
        dt.minute()
    )
}

/// A weekday and a time, for a week's charts: `lun 08:30`, `Mon 08:30`.
pub fn weekday_time(date: Date, time: &str, lang: Lang) -> String {
    format!("{} {time}", weekday_abbrev(date.weekday(), lang))
}

/// Weekly opening hours for people: `lun-ven 08:00-16:00; sab 08:00-12:00` (it),
/// `Mon-Fri 08:00-16:00; Sat 08:00-12:00` (en); runs of three or more days as ranges, as in the
/// stored form (`mo-fr 08:00-16:00; sa 08:00-12:00`), which stays the one typed in forms.
pub fn weekly_hours(hours: &WeeklyHours, lang: Lang) -> String {
    let name = |d: usize| weekday_abbrev(WEEKDAY_ORDER[d], lang);
    hours
        .groups()
        .into_iter()
        .map(|(days, intervals)| {
            let mut parts = Vec::new();
            let mut i = 0;
            while i < days.len() {
                let mut j = i;
                while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
                    j += 1;
                }
                if j - i >= 2 {
                    parts.push(format!("{}-{}", name(days[i]), name(days[j])));
                } else {
                    parts.extend(days[i..=j].iter().map(|&d| name(d)));
                }
                i = j + 1;
            }
            format!("{} {intervals}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The stored opening hours' text for people, or the text as stored when it does not parse.
pub fn weekly_hours_text(text: &str, lang: Lang) -> String {
    WeeklyHours::parse(text).map_or_else(|_| text.to_string(), |h| weekly_hours(&h, lang))
}

const WEEKDAY_ORDER: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn integers_group_thousands_by_language() {
        assert_eq!(int(38_832, Lang::It), "38.832");
        assert_eq!(int(38_832, Lang::En), "38,832");
        assert_eq!(int(1_234, Lang::It), "1.234");
        assert_eq!(int(1_234_567, Lang::It), "1.234.567");
        assert_eq!(int(999, Lang::En), "999");
        assert_eq!(int(0, Lang::It), "0");
        assert_eq!(int(-1_000, Lang::It), "-1.000");
    }

    #[test]
    fn decimals_and_percentages_use_the_language_separators() {
        assert_eq!(dec(44.0, 1, Lang::It), "44,0");
        assert_eq!(dec(1.5, 1, Lang::It), "1,5");
        assert_eq!(dec(1.5, 1, Lang::En), "1.5");
        assert_eq!(dec(10.25, 1, Lang::It), "10,3");
        assert_eq!(dec(1234.5, 1, Lang::It), "1.234,5");
        assert_eq!(dec(1234.5, 1, Lang::En), "1,234.5");
        assert_eq!(dec(-0.04, 1, Lang::En), "0.0");
        assert_eq!(pct(6.5, Lang::It), "6,5%");
        assert_eq!(pct(55.83, Lang::En), "55.8%");
        assert_eq!(pct_short(9.0, Lang::It), "9%");
        // 0.07 * 100.0 is 7.000000000000001 in floating point.
        assert_eq!(pct_short(0.07 * 100.0, Lang::It), "7%");
        assert_eq!(pct_short(0.9 * 100.0, Lang::En), "90%");
        assert_eq!(short(10.5, Lang::It), "10,5");
        assert_eq!(signed_pct(65.02, Lang::It), "+65,0%");
        assert_eq!(signed_pct(-3.0, Lang::En), "-3.0%");
        assert_eq!(signed_pct(0.01, Lang::En), "0.0%");
    }

    #[test]
    fn euros_by_language() {
        assert_eq!(euros(123_456, Lang::It), "1.234,56 €");
        assert_eq!(euros(123_456, Lang::En), "€1,234.56");
        assert_eq!(euros(-5, Lang::It), "-0,05 €");
    }

    #[test]
    fn dates_months_and_weekdays_read_naturally() {
        let d = date(2011, 12, 31);
        assert_eq!(long_date(d, Lang::It), "31 dicembre 2011");
        assert_eq!(long_date(d, Lang::En), "31 December 2011");
        assert_eq!(short_date(date(2026, 12, 7), Lang::It), "07/12/2026");
        assert_eq!(short_date(date(2026, 12, 7), Lang::En), "2026-12-07");
        assert_eq!(day_month(date(2026, 12, 7), Lang::It), "07/12");
        assert_eq!(day_month(date(2026, 12, 7), Lang::En), "12-07");
        assert_eq!(
            date_time(date(2026, 12, 7).at(8, 5, 0, 0), Lang::It),
            "07/12/2026 08:05"
        );
        assert_eq!(month_abbrev(1, Lang::It), "gen");
        assert_eq!(month_key("2026-12", Lang::It), "dicembre 2026");
        assert_eq!(month_key("2026-12", Lang::En), "December 2026");
        assert_eq!(month_key("2026-13", Lang::En), "2026-13");
        assert_eq!(weekday_name(Weekday::Monday, Lang::It), "lunedì");
        assert_eq!(weekday_abbrev(Weekday::Sunday, Lang::It), "dom");
        assert_eq!(weekday_abbrev(Weekday::Tuesday, Lang::En), "Tue");
        assert_eq!(
            weekday_time(date(2026, 12, 8), "00:30", Lang::It),
            "mar 00:30"
        );
    }

    #[test]
    fn opening_hours_name_the_days_in_the_language() {
        let h = WeeklyHours::parse("mo-fr 08:00-16:00; sa 08:00-12:00").unwrap();
        assert_eq!(
            weekly_hours(&h, Lang::It),
            "lun-ven 08:00-16:00; sab 08:00-12:00"
        );
        assert_eq!(
            weekly_hours(&h, Lang::En),
            "Mon-Fri 08:00-16:00; Sat 08:00-12:00"
        );
        let split = WeeklyHours::parse("mo,we 08:00-12:00,14:00-16:00; su 00:00-24:00").unwrap();
        assert_eq!(
            weekly_hours(&split, Lang::It),
            "lun, mer 08:00-12:00,14:00-16:00; dom 00:00-24:00"
        );
        assert_eq!(weekly_hours_text("", Lang::It), "");
        assert_eq!(weekly_hours_text("not hours", Lang::It), "not hours");
    }
}
