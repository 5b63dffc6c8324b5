//! The fields of a contact as text (a CSV column, a JSON key, an API field) and their
//! validation into a [`NewContact`], with a sentence for each field at fault: one set of rules
//! for `canali import contacts` and the API.

use crate::NewContact;
use canali_domain::{Channel, Outcome, ROME, Reason, Segment};

/// The longest `external_id` accepted, in characters.
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;
/// The longest waiting or handling time accepted: a week, in seconds.
pub const MAX_SECONDS: i64 = 86_400 * 7;

pub const TIME_HINT: &str =
    "expected RFC 3339 like 2011-03-01T09:15:00+01:00 or local 2011-03-01 09:15:00";

/// The columns (CSV) or keys (JSON) of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    ExternalId,
    Channel,
    StartedAt,
    Segment,
    Customer,
    EndedAt,
    WaitSeconds,
    HandleSeconds,
    Reason,
    Outcome,
    Branch,
    Line,
    Agent,
    Territory,
}

pub const FIELD_COUNT: usize = 14;

impl Field {
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::ExternalId,
        Field::Channel,
        Field::StartedAt,
        Field::Segment,
        Field::Customer,
        Field::EndedAt,
        Field::WaitSeconds,
        Field::HandleSeconds,
        Field::Reason,
        Field::Outcome,
        Field::Branch,
        Field::Line,
        Field::Agent,
        Field::Territory,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::Channel => "channel",
            Field::StartedAt => "started_at",
            Field::Segment => "segment",
            Field::Customer => "customer",
            Field::EndedAt => "ended_at",
            Field::WaitSeconds => "wait_seconds",
            Field::HandleSeconds => "handle_seconds",
            Field::Reason => "reason",
            Field::Outcome => "outcome",
            Field::Branch => "branch",
            Field::Line => "line",
            Field::Agent => "agent",
            Field::Territory => "territory",
        }
    }

    pub const fn required(self) -> bool {
        matches!(self, Field::ExternalId | Field::Channel | Field::StartedAt)
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// The raw text of each field of one line (`None`: absent or empty).
pub type Values<'a> = [Option<&'a str>; FIELD_COUNT];
/// Field errors found while extracting the values (wrong JSON type, bad UTF-8).
pub type FieldErrors = Vec<(Field, String)>;

/// Checks one line's values and builds the contact, or says everything wrong with them.
pub fn validate(values: &Values<'_>, mut errors: FieldErrors) -> Result<NewContact, FieldErrors> {
    let mut raw: [Option<&str>; FIELD_COUNT] = [None; FIELD_COUNT];
    for field in Field::ALL {
        if errors.iter().any(|(f, _)| *f == field) {
            continue;
        }
        match values[field as usize]
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(v) => raw[field as usize] = Some(v),
            None if field.required() => {
                errors.push((field, "is missing; it is required".to_string()))
            }
            None => {}
        }
    }
    let get = |f: Field| raw[f as usize];
    let mut parse = |field: Field, f: &dyn Fn(&str) -> Result<(), String>| {
        if let Some(v) = get(field)
            && let Err(e) = f(v)
        {
            errors.push((field, e));
        }
    };

    parse(Field::ExternalId, &|v| {
        let chars = v.chars().count();
        if chars > MAX_EXTERNAL_ID_CHARS {
            Err(format!(
                "is {chars} characters long; at most {MAX_EXTERNAL_ID_CHARS} are allowed"
            ))
        } else {
            Ok(())
        }
    });
    parse(Field::Channel, &|v| {
        v.parse::<Channel>().map(drop).map_err(|e| e.to_string())
    });
    parse(Field::Segment, &|v| {
        v.parse::<Segment>().map(drop).map_err(|e| e.to_string())
    });
    parse(Field::Reason, &|v| {
        v.parse::<Reason>().map(drop).map_err(|e| e.to_string())
    });
    parse(Field::Outcome, &|v| {
        v.parse::<Outcome>().map(drop).map_err(|e| e.to_string())
    });
    parse(Field::StartedAt, &|v| parse_time(v).map(drop));
    parse(Field::EndedAt, &|v| parse_time(v).map(drop));
    parse(Field::WaitSeconds, &|v| parse_seconds(v).map(drop));
    parse(Field::HandleSeconds, &|v| parse_seconds(v).map(drop));
    parse(Field::Territory, &|v| parse_territory(v).map(drop));

    let failed = |errors: &FieldErrors, f: Field| errors.iter().any(|(e, _)| *e == f);
    if let (Some(s), Some(e)) = (get(Field::StartedAt), get(Field::EndedAt))
        && !failed(&errors, Field::StartedAt)
        && !failed(&errors, Field::EndedAt)
        && parse_time(e).ok() < parse_time(s).ok()
    {
        errors.push((
            Field::EndedAt,
            format!("{} is before started_at {}", quoted(e), quoted(s)),
        ));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|(f, _)| *f);
        return Err(errors);
    }

    // Everything parsed above: the unwraps below cannot fail.
    let text = |f: Field| get(f).map(str::to_string);
    let time = |f: Field| get(f).map(|v| parse_time(v).expect("validated"));
    let secs = |f: Field| get(f).map(|v| parse_seconds(v).expect("validated"));
    Ok(NewContact {
        external_id: text(Field::ExternalId).expect("validated"),
        channel: get(Field::Channel)
            .expect("validated")
            .parse()
            .expect("validated"),
        started_at: time(Field::StartedAt).expect("validated"),
        ended_at: time(Field::EndedAt),
        segment: get(Field::Segment).map(|v| v.parse().expect("validated")),
        customer: text(Field::Customer),
        territory: get(Field::Territory).map(|v| parse_territory(v).expect("validated")),
        wait_seconds: secs(Field::WaitSeconds),
        handle_seconds: secs(Field::HandleSeconds),
        reason: get(Field::Reason).map(|v| v.parse().expect("validated")),
        outcome: get(Field::Outcome).map(|v| v.parse().expect("validated")),
        branch: text(Field::Branch),
        line: text(Field::Line),
        agent: text(Field::Agent),
    })
}

/// An instant as microseconds since the epoch: RFC 3339 with an offset (`Z` or `+01:00`), or a
/// civil date and time (`T` or a space between them) taken in Europe/Rome. In the hour repeated
/// when summer time ends the earlier instant is taken; a time in the hour skipped when it starts
/// is moved an hour forward (jiff's "compatible" rule, as most software does).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let bad = || format!("{} is not a date and time ({TIME_HINT})", quoted(s));
    let s = s.trim();
    let b = s.as_bytes();
    // A date (YYYY-MM-DD) then a time: a bare date is not enough for a contact.
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let has_offset = s[11..].contains(['Z', 'z', '+', '-']);
    let ts = if has_offset {
        s.parse::<jiff::Timestamp>().map_err(|_| bad())?
    } else {
        let dt = s.parse::<jiff::civil::DateTime>().map_err(|_| bad())?;
        ROME.to_ambiguous_timestamp(dt)
            .compatible()
            .map_err(|_| bad())?
    };
    Ok(ts.as_microsecond())
}

/// A whole number, allowing a zero fraction (`42.0`) as spreadsheets and JSON exporters write.
pub fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let int = match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return None,
        None => s,
    };
    int.parse().ok()
}

pub fn parse_seconds(s: &str) -> Result<i64, String> {
    match parse_int(s) {
        Some(n) if (0..=MAX_SECONDS).contains(&n) => Ok(n),
        Some(n) if n < 0 => Err(format!(
            "{} is negative: a number of seconds is 0 or more",
            quoted(s)
        )),
        Some(_) => Err(format!(
            "{} is more than a week ({MAX_SECONDS} seconds); check the unit (seconds, not milliseconds)",
            quoted(s)
        )),
        None => Err(format!(
            "{} is not a number of seconds (expected a whole number from 0 to {MAX_SECONDS})",
            quoted(s)
        )),
    }
}

pub fn parse_territory(s: &str) -> Result<i64, String> {
    match parse_int(s) {
        Some(n) if n > 0 => Ok(n),
        Some(n) => Err(format!(
            "{n} is not a territory (SOT) code: codes start at 1; leave the field empty when the territory is unknown"
        )),
        None => Err(format!(
            "{} is not a territory (SOT) code (expected a whole number like 3)",
            quoted(s)
        )),
    }
}

/// A value for a message: in single quotes, control characters escaped, cut after 60 characters.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("'");
    for (i, c) in s.chars().enumerate() {
        if i == 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}
