//! The console's view of a customer: search by any identifier an operator may be given (customer
//! code, codice fiscale or partita IVA, POD or PDR, e-mail, phone, name), the customer's record
//! with the online-branch account and e-bill status, supply points, bills and the contact
//! timeline across channels; and the dashboard's contacts by channel.
//!
//! Every query here reads through an index: a search costs a few index probes whatever the
//! number of customers (the `search` bench measures it on the full-size demo).

use crate::bulk::{Table, Val};
use crate::db::on_db;
use crate::{Result, Store, StoreError};
use canali_domain::network::{Delivery, EbillPath};
use canali_domain::{Channel, Day, Outcome, Reason, Segment, Service};
use sqlx::AssertSqlSafe;
use std::fmt::Write as _;

/// Serializes an optional [`Day`] as its date, `2011-03-01`, or null.
pub fn serialize_opt_day<S: serde::Serializer>(
    day: &Option<Day>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match day {
        Some(d) => s.collect_str(&d.date()),
        None => s.serialize_none(),
    }
}

use crate::tickets::serialize_day;

/// Decodes a stored enum code, or says which column held an unknown one.
pub(crate) fn decode<T>(what: &str, value: i64, parse: fn(i64) -> Option<T>) -> Result<T> {
    parse(value)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown {what} code {value} in the database")))
}

/// The field a search hit was found by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    Code,
    TaxId,
    SupplyPoint,
    Email,
    Phone,
    Name,
}

/// One customer found by [`Customers::search`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CustomerHit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub segment: Segment,
    pub tax_id: String,
    pub sot: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub matched: SearchField,
}

/// One index probe a query turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Probe {
    Code(String),
    TaxId(String),
    SupplyPoint(String),
    Email(String),
    /// Stored forms the number may have (the registry writes `+39 328 1234567`).
    Phone(Vec<String>),
    /// The lower-case prefix of a name.
    Name(String),
    /// Words of a name, each the prefix of some word of the name ([`name_tokens`]), longest
    /// first.
    NameWords(Vec<String>),
}

/// At most this many words of a query are matched (each is one more probe per candidate).
const MAX_QUERY_WORDS: usize = 6;

/// A driving word that is only a prefix of stored words is read word by word, in name order,
/// when it starts at most this many distinct words (see `Customers::name_words`).
const MAX_PREFIX_WORDS: i64 = 24;

/// Stored phone forms of what an operator typed: digits with spaces, dashes, dots or a leading
/// `+39`/`0039` in any layout. The registry stores `+39 NNN NNNNNNN`; the typed text itself (spaces
/// collapsed) is tried too.
fn phone_forms(q: &str) -> Vec<String> {
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let international = q.trim_start().starts_with('+') || digits.starts_with("0039");
    let national = match digits.strip_prefix("0039") {
        Some(rest) => rest,
        None if international || digits.len() == 12 => digits.strip_prefix("39").unwrap_or(&digits),
        None => &digits,
    };
    let mut forms = Vec::new();
    if national.len() >= 6 {
        forms.push(format!("+39 {} {}", &national[..3], &national[3..]));
        forms.push(format!("+39{national}"));
        forms.push(national.to_string());
    }
    let typed = q.split_whitespace().collect::<Vec<_>>().join(" ");
    forms.push(typed);
    forms.sort();
    forms.dedup();
    forms
}

/// What a query may be, most specific first. Ambiguous shapes give more than one probe: 10
/// digits are a customer code or a phone number, 11 digits a partita IVA or a phone number.
fn classify(query: &str) -> Vec<Probe> {
    let q = query.trim();
    if q.is_empty() {
        return Vec::new();
    }
    if q.contains('@') {
        return vec![Probe::Email(q.to_lowercase())];
    }
    let compact: String = q
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let alnum = compact.chars().all(|c| c.is_ascii_alphanumeric());
    let digits = compact.chars().filter(char::is_ascii_digit).count();
    let all_digits = alnum && digits == compact.len();
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || " +-./()".contains(c))
        && q.chars().filter(char::is_ascii_digit).count() >= 6;
    let mut probes = Vec::new();
    if all_digits {
        match compact.len() {
            14 => probes.push(Probe::SupplyPoint(compact.clone())),
            11 => probes.push(Probe::TaxId(compact.clone())),
            _ => {}
        }
        probes.push(Probe::Code(compact.clone()));
    } else if alnum && digits > 0 {
        // Letters and digits: a codice fiscale (16), a POD (IT001E12345678), a water meter,
        // or a customer code of another layout.
        if compact.len() == 16 {
            probes.push(Probe::TaxId(compact.clone()));
        }
        probes.push(Probe::SupplyPoint(compact.clone()));
        probes.push(Probe::Code(compact.clone()));
    }
    if phone_like {
        probes.push(Probe::Phone(phone_forms(q)));
    }
    // Letters may be a name even when they look like an identifier ("Bar 2000 srl").
    if probes.is_empty() || q.chars().any(char::is_alphabetic) {
        let name = q.split_whitespace().collect::<Vec<_>>().join(" ");
        probes.push(Probe::Name(name.to_lowercase()));
        if q.chars().any(char::is_alphabetic) {
            // Split as names are, but one-letter words are kept ("rossi m"): they only filter,
            // as a prefix of some longer word of the name. The longest word first: it drives
            // the search, the others filter its customers.
            let mut words = words(q);
            words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            words.truncate(MAX_QUERY_WORDS);
            if !words.is_empty() {
                probes.push(Probe::NameWords(words));
            }
        }
    }
    probes
}

/// A letter folded to lower-case ASCII where it has an accent-free form (`È` → `e`, `ß` → `ss`);
/// other characters lower-cased.
fn fold(c: char, out: &mut String) {
    for l in c.to_lowercase() {
        let ascii = match l {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'ĥ' | 'ħ' => "h",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'ĵ' => "j",
            'ķ' => "k",
            'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
            'ñ' | 'ń' | 'ņ' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
            'œ' => "oe",
            'ŕ' | 'ŗ' | 'ř' => "r",
            'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
            'ß' => "ss",
            'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
            'þ' => "th",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ŵ' => "w",
            'ý' | 'ÿ' | 'ŷ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(ascii);
    }
}

/// Apostrophes (typed or typographic) and the accents sometimes typed for one.
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`' | '´')
}

/// The words a name is found by, sorted and each once: lower-case, accents folded to ASCII
/// ("Niccolò" → `niccolo`), split on whitespace and punctuation. A word with apostrophes gives
/// its pieces and the whole without them ("D'Angelo" → `d`, `angelo`, `dangelo`). Words of one
/// character are left out unless the name has no longer one. A query is split the same way.
pub(crate) fn name_tokens(name: &str) -> Vec<String> {
    let mut tokens = words(name);
    if tokens.iter().any(|t| t.chars().nth(1).is_some()) {
        tokens.retain(|t| t.chars().nth(1).is_some());
    }
    tokens
}

/// The words of [`name_tokens`], one-character ones included.
fn words(name: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut word = String::new();
    // The current run of letters and apostrophes, apostrophes left out, and whether it had one.
    let mut joined = String::new();
    let mut apostrophe = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            let from = word.len();
            fold(c, &mut word);
            joined.push_str(&word[from..]);
            continue;
        }
        if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
        if is_apostrophe(c) {
            apostrophe = true;
            continue;
        }
        if apostrophe && !joined.is_empty() {
            tokens.push(std::mem::take(&mut joined));
        }
        joined.clear();
        apostrophe = false;
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    if apostrophe && !joined.is_empty() {
        tokens.push(joined);
    }
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// The whole name as the name-word index sorts it: lower-case, accents folded as in
/// [`name_tokens`], runs of whitespace made one space. Strings compare byte by byte in Rust,
/// SQLite and PostgreSQL (`COLLATE "C"`), so pages read in this order merge in Rust.
pub(crate) fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for (i, word) in name.split_whitespace().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        for c in word.chars() {
            fold(c, &mut key);
        }
    }
    key
}

/// The name-word index the search reads, written with the customers.
pub(crate) const NAME_TOKENS: Table = Table {
    name: "customer_name_tokens",
    columns: &["token", "name_key", "customer_id"],
    key: "token, name_key, customer_id",
    implicit_rowid: false,
};

/// One row of [`NAME_TOKENS`]: a word, the whole name's [`name_key`], the customer id.
pub(crate) type NameTokenRow = (String, String, i64);

/// The rows of these customers' names, in index order (inserted in order, they touch each
/// index page once).
pub(crate) fn name_token_rows<'a>(
    customers: impl IntoIterator<Item = (i64, &'a str)>,
) -> Vec<NameTokenRow> {
    let mut rows: Vec<NameTokenRow> = customers
        .into_iter()
        .flat_map(|(id, name)| {
            let key = name_key(name);
            name_tokens(name)
                .into_iter()
                .map(move |t| (t, key.clone(), id))
        })
        .collect();
    rows.sort_unstable();
    rows
}

/// The rows of [`name_token_rows`] as bulk values of [`NAME_TOKENS`].
pub(crate) fn name_token_values(rows: &[NameTokenRow]) -> Vec<Val<'_>> {
    rows.iter()
        .flat_map(|(t, key, id)| {
            [
                Val::Text(Some(t.as_str())),
                Val::Text(Some(key.as_str())),
                Val::Int(Some(*id)),
            ]
        })
        .collect()
}

/// The smallest string greater than every string that starts with `prefix`: the prefix with its
/// last character incremented (`None` when there is no such character).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if next == 0xD800 {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `%`, `_` and `\` escaped for a `LIKE ... ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

const HIT_COLUMNS: &str = "c.id, c.code, c.name, c.segment, c.tax_id, c.sot, c.email, c.phone";
/// A row of [`HIT_COLUMNS`].
#[derive(sqlx::FromRow)]
struct HitRow {
    id: i64,
    code: String,
    name: String,
    segment: i64,
    tax_id: String,
    sot: i64,
    email: Option<String>,
    phone: Option<String>,
}

/// The customer's registry row with the online-branch account and the e-bill status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CustomerRecord {
    pub id: i64,
    pub code: String,
    pub segment: Segment,
    pub tax_id: String,
    pub name: String,
    pub sot: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(serialize_with = "serialize_day")]
    pub since: Day,
    /// The online-branch account's e-mail address, when the customer registered.
    pub portal_email: Option<String>,
    #[serde(serialize_with = "serialize_opt_day")]
    pub portal_registered: Option<Day>,
    /// Whether the latest e-bill switch was an enrolment (false: never switched, or back to paper).
    pub ebill_enrolled: bool,
    /// The day and path of the latest e-bill switch (an enrolment or a withdrawal), if any.
    #[serde(serialize_with = "serialize_opt_day")]
    pub ebill_since: Option<Day>,
    pub ebill_path: Option<EbillPath>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SupplyPointRow {
    pub id: i64,
    pub service: Service,
    /// POD, PDR, water meter number or waste account.
    pub identifier: String,
    pub municipality: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BillRow {
    pub id: i64,
    pub supply_point_id: i64,
    /// The supply point's POD, PDR or meter number.
    pub identifier: String,
    pub service: Service,
    #[serde(serialize_with = "serialize_day")]
    pub issued: Day,
    #[serde(serialize_with = "serialize_day")]
    pub due: Day,
    #[serde(serialize_with = "serialize_day")]
    pub period_from: Day,
    #[serde(serialize_with = "serialize_day")]
    pub period_to: Day,
    pub total_cents: i64,
    pub delivery: Delivery,
    pub sheets: i64,
}

/// What [`Customers::home`] reads.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerHome {
    pub record: CustomerRecord,
    pub supply_points: Vec<SupplyPointRow>,
    pub bills: Vec<BillRow>,
    pub requests: Vec<crate::requests::ServiceRequest>,
}

/// A customer with the online-branch account and the latest e-bill switch (three probes of its
/// primary key, which makes the row unique): one query for every page showing a customer.
const CUSTOMER_COLUMNS: &str = "c.id, c.code, c.segment, c.tax_id, c.name, c.sot, c.email, \
     c.phone, c.since, a.email, a.day, \
     (SELECT e.day FROM ebill_events e WHERE e.customer_id = c.id \
      ORDER BY e.day DESC, e.enrolled DESC LIMIT 1), \
     (SELECT e.path FROM ebill_events e WHERE e.customer_id = c.id \
      ORDER BY e.day DESC, e.enrolled DESC LIMIT 1), \
     (SELECT e.enrolled FROM ebill_events e WHERE e.customer_id = c.id \
      ORDER BY e.day DESC, e.enrolled DESC LIMIT 1)";

const CUSTOMER_FROM: &str = "FROM customers c LEFT JOIN portal_accounts a ON a.customer_id = c.id";

type CustomerTuple = (
    i64,
    String,
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn customer_record(r: CustomerTuple) -> Result<CustomerRecord> {
    let ebill: Option<(i64, i64, i64)> = match (r.11, r.12, r.13) {
        (Some(day), Some(path), Some(enrolled)) => Some((day, path, enrolled)),
        _ => None,
    };
    Ok(CustomerRecord {
        id: r.0,
        code: r.1,
        segment: decode("segment", r.2, Segment::from_code)?,
        tax_id: r.3,
        name: r.4,
        sot: r.5,
        email: r.6,
        phone: r.7,
        since: Day(r.8 as i32),
        portal_email: r.9,
        portal_registered: r.10.map(|d| Day(d as i32)),
        ebill_enrolled: ebill.is_some_and(|e| e.2 != 0),
        ebill_since: ebill.map(|e| Day(e.0 as i32)),
        ebill_path: ebill
            .map(|e| decode("e-bill path", e.1, EbillPath::from_code))
            .transpose()?,
    })
}

const SUPPLY_POINT_COLUMNS: &str = "id, service, identifier, municipality, address";

type SupplyPointTuple = (i64, i64, String, String, String);

fn supply_point_row(r: SupplyPointTuple) -> Result<SupplyPointRow> {
    Ok(SupplyPointRow {
        id: r.0,
        service: decode("service", r.1, Service::from_code)?,
        identifier: r.2,
        municipality: r.3,
        address: r.4,
    })
}

/// A value PostgreSQL built with `json_build_array`.
fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("unexpected JSON from the database: {e}")))
}

/// A `json_agg` list: NULL when it aggregated no rows.
fn json_list<T: serde::de::DeserializeOwned>(text: Option<String>) -> Result<Vec<T>> {
    text.map_or(Ok(Vec::new()), |t| from_json(&t))
}

type BillTuple = (i64, i64, String, i64, i64, i64, i64, i64, i64, i64, i64);

const BILL_COLUMNS: &str = "b.id, b.supply_point_id, s.identifier, s.service, b.issued, b.due, \
     b.period_from, b.period_to, b.total_cents, b.delivery, b.sheets";

fn bill_row(r: BillTuple) -> Result<BillRow> {
    Ok(BillRow {
        id: r.0,
        supply_point_id: r.1,
        identifier: r.2,
        service: decode("service", r.3, Service::from_code)?,
        issued: Day(r.4 as i32),
        due: Day(r.5 as i32),
        period_from: Day(r.6 as i32),
        period_to: Day(r.7 as i32),
        total_cents: r.8,
        delivery: decode("delivery", r.9, Delivery::from_code)?,
        sheets: r.10,
    })
}

/// One contact of a customer's timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimelineEntry {
    /// The contact's public id ([`crate::contact_id`]).
    pub id: i64,
    pub channel: Channel,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub wait_seconds: Option<i64>,
    pub handle_seconds: Option<i64>,
    /// `None` when the source did not give one (stored as 0).
    pub reason: Option<Reason>,
    pub outcome: Option<Outcome>,
    pub branch: Option<String>,
    pub line: Option<String>,
    pub agent: Option<String>,
    /// The ledger source (`calls`, `tickets`, `requests`, `mail`, ...) and the source's own id.
    pub source: String,
    pub external_id: String,
}

/// A row of the ledger as the timeline reads it.
#[derive(sqlx::FromRow)]
struct TimelineRow {
    id: i64,
    channel: i64,
    started_at: i64,
    ended_at: Option<i64>,
    wait_seconds: Option<i64>,
    handle_seconds: Option<i64>,
    reason: i64,
    outcome: i64,
    branch: Option<String>,
    line: Option<String>,
    agent: Option<String>,
    source: String,
    external_id: String,
}

/// Customers: their records, supply points and bills as the portal and the console show them,
/// their timeline of contacts, and the operators' search.
#[derive(Clone, Copy)]
pub struct Customers<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// Customers: see [`Customers`].
    pub fn customers(&self) -> Customers<'_> {
        Customers { store: self }
    }
}

impl Customers<'_> {
    /// Customers matching what an operator typed, at most `limit` (capped at 200). The query
    /// (trimmed) is classified by shape and each plausible field is probed through its index:
    ///
    /// - `@` anywhere: the e-mail address, exactly, lower-cased;
    /// - 10 digits: a customer code, or a phone number;
    /// - 11 digits: a partita IVA, a customer code, or a phone number;
    /// - 14 digits: a PDR (the gas supply point), or a customer code;
    /// - letters and digits: a codice fiscale (16 characters), a POD or meter number, or a code;
    /// - digits with `+`, spaces, dashes, dots: a phone number, in the registry's `+39 NNN NNNNNNN`
    ///   form and as typed;
    /// - anything with a letter (and anything else): the start of the name, case-insensitively;
    ///   and with a letter, the words of the name: each word of the query (split, lower-cased
    ///   and accent-folded as names are, see `name_tokens`) starts some word of the name, in any
    ///   order ("rossi mario", "niccolo", "dangelo"). Both in name order, together.
    ///
    /// Identifiers are compared without spaces and in upper case. Hits keep the order of the
    /// probes, each customer once (with the first field that found it).
    ///
    /// Name prefixes fold case with SQL's `lower()`: PostgreSQL folds every letter, SQLite only
    /// ASCII ones, so on SQLite a prefix with accented capitals may miss.
    pub async fn search(self, query: &str, limit: i64) -> Result<Vec<CustomerHit>> {
        let limit = limit.clamp(0, 200);
        let mut hits: Vec<CustomerHit> = Vec::new();
        if limit == 0 {
            return Ok(hits);
        }
        for probe in classify(query) {
            let room = limit - hits.len() as i64;
            if room <= 0 {
                break;
            }
            // Up to the whole limit: some of the rows may be customers found already.
            let (field, rows) = self.probe(&probe, limit).await?;
            // Names found by a word join those found by the whole name's prefix (the probe just
            // before), all in name order.
            let merged_from = if matches!(probe, Probe::NameWords(_)) {
                let start =
                    hits.len() - hits.iter().rev().take_while(|h| h.matched == field).count();
                Some(start)
            } else {
                None
            };
            for r in rows {
                if hits.iter().any(|h| h.id == r.id) {
                    continue;
                }
                hits.push(CustomerHit {
                    id: r.id,
                    code: r.code,
                    name: r.name,
                    segment: decode("segment", r.segment, Segment::from_code)?,
                    tax_id: r.tax_id,
                    sot: r.sot,
                    email: r.email,
                    phone: r.phone,
                    matched: field,
                });
            }
            if let Some(start) = merged_from {
                hits[start..].sort_by_cached_key(|h| (name_key(&h.name), h.id));
            }
        }
        hits.truncate(limit as usize);
        Ok(hits)
    }

    async fn probe(self, probe: &Probe, limit: i64) -> Result<(SearchField, Vec<HitRow>)> {
        let (field, sql, binds): (SearchField, String, Vec<String>) = match probe {
            Probe::Code(v) => (
                SearchField::Code,
                format!("SELECT {HIT_COLUMNS} FROM customers c WHERE c.code = $1 LIMIT $2"),
                vec![v.clone()],
            ),
            Probe::TaxId(v) => (
                SearchField::TaxId,
                format!(
                    "SELECT {HIT_COLUMNS} FROM customers c WHERE c.tax_id = $1 ORDER BY c.id LIMIT $2"
                ),
                vec![v.clone()],
            ),
            Probe::SupplyPoint(v) => (
                SearchField::SupplyPoint,
                format!(
                    "SELECT {HIT_COLUMNS} FROM supply_points s JOIN customers c ON c.id = s.customer_id \
                     WHERE s.identifier = $1 ORDER BY c.id LIMIT $2"
                ),
                vec![v.clone()],
            ),
            Probe::Email(v) => (
                SearchField::Email,
                format!(
                    "SELECT {HIT_COLUMNS} FROM customers c WHERE c.email = $1 ORDER BY c.id LIMIT $2"
                ),
                vec![v.clone()],
            ),
            Probe::Phone(forms) => {
                let list: Vec<String> = (0..forms.len()).map(|i| format!("${}", i + 2)).collect();
                (
                    SearchField::Phone,
                    format!(
                        "SELECT {HIT_COLUMNS} FROM customers c WHERE c.phone IN ({}) \
                         ORDER BY c.id LIMIT $1",
                        list.join(", ")
                    ),
                    forms.clone(),
                )
            }
            Probe::Name(prefix) => {
                // A range on the expression index, in its order: the scan stops after `limit`
                // entries. The LIKE only guards against collations that do not order by code
                // point (the index range already holds exactly the prefix's names under "C").
                let end = prefix_end(prefix).unwrap_or_else(|| format!("{prefix}\u{10FFFF}"));
                (
                    SearchField::Name,
                    format!(
                        "SELECT {HIT_COLUMNS} FROM customers c \
                         WHERE lower(c.name) >= $1 AND lower(c.name) < $2 \
                         AND lower(c.name) LIKE $3 ESCAPE '\\' \
                         ORDER BY lower(c.name) LIMIT $4"
                    ),
                    vec![prefix.clone(), end, format!("{}%", like_escape(prefix))],
                )
            }
            Probe::NameWords(words) => {
                return Ok((SearchField::Name, self.name_words(words, limit).await?));
            }
        };
        let phone = matches!(probe, Probe::Phone(_));
        let rows: Vec<HitRow> = on_db!(&self.store.db, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            if phone {
                q = q.bind(limit);
            }
            for b in &binds {
                q = q.bind(b.as_str());
            }
            if !phone {
                q = q.bind(limit);
            }
            q.fetch_all(p).await
        })?;
        Ok((field, rows))
    }

    /// The first `limit` customers, in name order ([`name_key`], then id), each word of whose
    /// name a word of `words` starts; the first (longest) word drives, the others filter.
    ///
    /// The index keeps each word's customers in name order, so the driving word as a whole word
    /// ("rossi") is one ordered range that stops after `limit` hits, however many namesakes.
    /// Only when that gives fewer than `limit` is the word taken as a prefix too ("rossi":
    /// rossini...; "ross": rossi, rossini, rosso...), to fill the page: the whole word's
    /// customers come first, then the longer words' in name order. The distinct longer words are listed by skipping through the index
    /// and, up to [`MAX_PREFIX_WORDS`] of them, each is read the same way (a page in name
    /// order) and the pages merged here. A prefix of more words (one or two letters, where the
    /// operator keeps typing) reads its whole range and sorts it, so it costs with the range.
    async fn name_words(self, words: &[String], limit: i64) -> Result<Vec<HitRow>> {
        let Some((first, others)) = words.split_first() else {
            return Ok(Vec::new());
        };
        let end = |w: &String| prefix_end(w).unwrap_or_else(|| format!("{w}\u{10FFFF}"));
        // Each further word starts some word of the customer's. `probe`: one probe by customer,
        // for the pages of several words and for words of one or two letters (whose customers
        // are many: most pass, the scan stops early). `set`: for the whole word's single page,
        // a longer word's customers are read once (SQLite keeps them in a temporary index): the
        // index is in name order and names start with the first name, so the customers of a
        // first name sit together and probing would walk every namesake before them ("montanari
        // valentina"). PostgreSQL plans both as a semi-join.
        let mut probe = String::new();
        let mut set = String::new();
        let mut binds: Vec<String> = Vec::with_capacity(others.len() * 2);
        for (i, w) in others.iter().enumerate() {
            let (n, from, to) = (i + 1, binds.len() + 1, binds.len() + 2);
            let exists = format!(
                " AND EXISTS (SELECT 1 FROM customer_name_tokens t{n} \
                 WHERE t{n}.customer_id = t0.customer_id \
                 AND t{n}.token >= ${from} AND t{n}.token < ${to})"
            );
            if w.chars().count() >= 3 {
                let _ = write!(
                    set,
                    " AND t0.customer_id IN (SELECT t{n}.customer_id FROM customer_name_tokens t{n} \
                     WHERE t{n}.token >= ${from} AND t{n}.token < ${to})"
                );
            } else {
                set.push_str(&exists);
            }
            probe.push_str(&exists);
            binds.push(w.clone());
            binds.push(end(w));
        }
        let filter = probe;
        let mut hits = self
            .name_word_pages(&set, &binds, std::slice::from_ref(first), limit)
            .await?;
        if hits.len() as i64 >= limit {
            return Ok(hits);
        }
        // The longer words the first one starts, in index order, one more than are merged.
        let longer: Vec<(String,)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "WITH RECURSIVE w (token, n) AS ( \
               SELECT (SELECT MIN(token) FROM customer_name_tokens \
                       WHERE token > $1 AND token < $2), 1 \
               UNION ALL \
               SELECT (SELECT MIN(token) FROM customer_name_tokens \
                       WHERE token > w.token AND token < $2), w.n + 1 \
               FROM w WHERE w.token IS NOT NULL AND w.n <= $3) \
             SELECT token FROM w WHERE token IS NOT NULL"
        )
        .bind(first.as_str())
        .bind(end(first))
        .bind(MAX_PREFIX_WORDS)
        .fetch_all(p)
        .await)?;
        if longer.is_empty() {
            return Ok(hits);
        }
        let mut more = if longer.len() as i64 <= MAX_PREFIX_WORDS {
            let longer: Vec<String> = longer.into_iter().map(|(t,)| t).collect();
            self.name_word_pages(&filter, &binds, &longer, limit)
                .await?
        } else {
            let sql = format!(
                "SELECT {HIT_COLUMNS} FROM (SELECT DISTINCT t0.name_key, t0.customer_id \
                 FROM customer_name_tokens t0 WHERE t0.token > ${} AND t0.token < ${}{filter} \
                 ORDER BY t0.name_key, t0.customer_id LIMIT ${}) t \
                 JOIN customers c ON c.id = t.customer_id",
                binds.len() + 1,
                binds.len() + 2,
                binds.len() + 3,
            );
            let (from, to) = (first.clone(), end(first));
            let rows: Vec<HitRow> = on_db!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for b in binds.iter().chain([&from, &to]) {
                    q = q.bind(b.as_str());
                }
                q.bind(limit).fetch_all(p).await
            })?;
            rows
        };
        // The whole word's customers stay; the longer words' fill the page in name order, each
        // customer once (one may have several of the words: "Rossi Rossini").
        more.sort_by_cached_key(|h| (name_key(&h.name), h.id));
        more.dedup_by_key(|h| h.id);
        more.retain(|h| !hits.iter().any(|e| e.id == h.id));
        more.truncate((limit as usize).saturating_sub(hits.len()));
        hits.extend(more);
        hits.sort_by_cached_key(|h| (name_key(&h.name), h.id));
        Ok(hits)
    }

    /// For each of `tokens`, its first `limit` customers passing `filter` (which reads `binds`),
    /// in name order: one ordered range of the primary key each, in one statement.
    async fn name_word_pages(
        self,
        filter: &str,
        binds: &[String],
        tokens: &[String],
        limit: i64,
    ) -> Result<Vec<HitRow>> {
        let limit_at = binds.len() + tokens.len() + 1;
        let arms: Vec<String> = (0..tokens.len())
            .map(|i| {
                format!(
                    "SELECT * FROM (SELECT t0.name_key, t0.customer_id FROM customer_name_tokens t0 \
                     WHERE t0.token = ${}{filter} \
                     ORDER BY t0.name_key, t0.customer_id LIMIT ${limit_at}) a{i}",
                    binds.len() + i + 1
                )
            })
            .collect();
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM ({}) t JOIN customers c ON c.id = t.customer_id \
             ORDER BY t.name_key, t.customer_id",
            arms.join(" UNION ALL ")
        );
        let rows: Vec<HitRow> = on_db!(&self.store.db, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            for b in binds.iter().chain(tokens) {
                q = q.bind(b.as_str());
            }
            q.bind(limit).fetch_all(p).await
        })?;
        Ok(rows)
    }

    /// The customer with this id, with the online-branch account and e-bill status.
    pub async fn get(self, id: i64) -> Result<Option<CustomerRecord>> {
        self.customer_where("c.id = $1", id.to_string().as_str(), Some(id))
            .await
    }

    /// The customer with this code (as printed on the bill).
    pub async fn by_code(self, code: &str) -> Result<Option<CustomerRecord>> {
        self.customer_where("c.code = $1", code.trim(), None).await
    }

    async fn customer_where(
        self,
        filter: &str,
        text: &str,
        id: Option<i64>,
    ) -> Result<Option<CustomerRecord>> {
        let sql = format!("SELECT {CUSTOMER_COLUMNS} {CUSTOMER_FROM} WHERE {filter}");
        let row: Option<CustomerTuple> = on_db!(&self.store.db, |p| {
            let q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            match id {
                Some(id) => q.bind(id).fetch_optional(p).await,
                None => q.bind(text).fetch_optional(p).await,
            }
        })?;
        row.map(customer_record).transpose()
    }

    /// What the customer's home page of the online branch shows: the record, the supply
    /// points, the latest `bills` bills and the requests, as [`Customers::get`],
    /// [`Customers::supply_points_of`], [`Customers::bills_of`] and [`Store::requests_of`] give them.
    /// On SQLite these are four reads side by side; on PostgreSQL one statement that returns
    /// each list as a JSON array, because there every statement costs a round trip and a
    /// transaction on the server, and the home page is the page customers open most.
    pub async fn home(self, id: i64, bills: i64) -> Result<Option<CustomerHome>> {
        let crate::db::Db::Postgres(pool) = &self.store.db else {
            let (record, supply_points, bills, requests) = tokio::try_join!(
                self.get(id),
                self.supply_points_of(id),
                self.bills_of(id, bills, 0),
                self.store.requests_of(id),
            )?;
            return Ok(record.map(|record| CustomerHome {
                record,
                supply_points,
                bills,
                requests,
            }));
        };
        let requests = crate::requests::REQUEST_COLUMNS;
        let sql = format!(
            "SELECT (SELECT json_build_array({CUSTOMER_COLUMNS}) {CUSTOMER_FROM} \
                     WHERE c.id = $1)::text, \
                    (SELECT json_agg(json_build_array({SUPPLY_POINT_COLUMNS}) ORDER BY id) \
                     FROM supply_points WHERE customer_id = $1)::text, \
                    (SELECT json_agg(j ORDER BY issued DESC, id DESC) \
                     FROM (SELECT json_build_array({BILL_COLUMNS}) j, b.issued, b.id \
                           FROM bills b JOIN supply_points s ON s.id = b.supply_point_id \
                           WHERE b.customer_id = $1 ORDER BY b.issued DESC, b.id DESC \
                           LIMIT {}) x)::text, \
                    (SELECT json_agg(json_build_array({requests}) \
                                     ORDER BY r.opened_at DESC, r.id DESC) \
                     FROM service_requests r WHERE r.customer_id = $1)::text",
            bills.max(0)
        );
        type Lists = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let (record, points, bill_list, request_list): Lists = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(pool)
            .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        Ok(Some(CustomerHome {
            record: customer_record(from_json(&record)?)?,
            supply_points: json_list(points)?
                .into_iter()
                .map(supply_point_row)
                .collect::<Result<_>>()?,
            bills: json_list(bill_list)?
                .into_iter()
                .map(bill_row)
                .collect::<Result<_>>()?,
            requests: json_list(request_list)?
                .into_iter()
                .map(crate::requests::RequestValues::into_request)
                .collect::<Result<_>>()?,
        }))
    }

    /// The customer's supply points, by id.
    pub async fn supply_points_of(self, customer_id: i64) -> Result<Vec<SupplyPointRow>> {
        let sql = format!(
            "SELECT {SUPPLY_POINT_COLUMNS} FROM supply_points WHERE customer_id = $1 ORDER BY id"
        );
        let rows: Vec<SupplyPointTuple> = on_db!(&self.store.db, |p| sqlx::query_as(
            AssertSqlSafe(sql.as_str())
        )
        .bind(customer_id)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(supply_point_row).collect()
    }

    /// The customer's bills, newest first (by issue day, then id), `limit` from `offset`.
    pub async fn bills_of(self, customer_id: i64, limit: i64, offset: i64) -> Result<Vec<BillRow>> {
        // LIMIT and OFFSET are written in, not bound: with them as parameters PostgreSQL
        // never settles on a generic plan for this statement and plans it again on every
        // call, which cost the customer's home page a third of its rate. Each page size and
        // offset is a statement of its own (the home page's and the first pages' are reused).
        let sql = format!(
            "SELECT {BILL_COLUMNS} FROM bills b JOIN supply_points s ON s.id = b.supply_point_id \
             WHERE b.customer_id = $1 ORDER BY b.issued DESC, b.id DESC LIMIT {} OFFSET {}",
            limit.max(0),
            offset.max(0)
        );
        let rows: Vec<BillTuple> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(customer_id)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(bill_row).collect()
    }

    /// One bill of the customer: `None` when it does not exist or belongs to someone else.
    pub async fn bill_of(self, customer_id: i64, bill_id: i64) -> Result<Option<BillRow>> {
        let sql = format!(
            "SELECT {BILL_COLUMNS} FROM bills b JOIN supply_points s ON s.id = b.supply_point_id \
             WHERE b.id = $1 AND b.customer_id = $2"
        );
        let row: Option<BillTuple> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(bill_id)
        .bind(customer_id)
        .fetch_optional(p)
        .await)?;
        row.map(bill_row).transpose()
    }

    /// The contacts of a customer (by code, as the ledger keeps it) across every channel, newest
    /// first, at most `limit`. Paging is by keyset: pass the `(started_at, id)` of the last entry
    /// of a page as `before` to get the next one.
    pub async fn timeline(
        self,
        customer_code: &str,
        before: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>> {
        let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
        let rows: Vec<TimelineRow> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT id, channel, started_at, ended_at, wait_seconds, handle_seconds, reason, \
                    outcome, branch, line, agent, source, external_id \
             FROM contacts WHERE customer = $1 AND started_at <= $2 \
               AND (started_at < $2 OR id < $3) \
             ORDER BY started_at DESC, id DESC LIMIT $4"
        )
        .bind(customer_code)
        .bind(at)
        .bind(id)
        .bind(limit.max(0))
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(TimelineEntry {
                    id: r.id,
                    channel: decode("channel", r.channel, Channel::from_code)?,
                    started_at: r.started_at,
                    ended_at: r.ended_at,
                    wait_seconds: r.wait_seconds,
                    handle_seconds: r.handle_seconds,
                    reason: Reason::from_code(r.reason),
                    outcome: Outcome::from_code(r.outcome),
                    branch: r.branch,
                    line: r.line,
                    agent: r.agent,
                    source: r.source,
                    external_id: r.external_id,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_classified_by_shape() {
        assert_eq!(
            classify(" Mario.Rossi12@Example.it "),
            vec![Probe::Email("mario.rossi12@example.it".into())]
        );
        assert_eq!(
            classify("rssmra80a01a944x"),
            vec![
                Probe::TaxId("RSSMRA80A01A944X".into()),
                Probe::SupplyPoint("RSSMRA80A01A944X".into()),
                Probe::Code("RSSMRA80A01A944X".into()),
                Probe::Name("rssmra80a01a944x".into()),
                Probe::NameWords(vec!["rssmra80a01a944x".into()]),
            ]
        );
        let piva = classify("01234567897");
        assert_eq!(piva[0], Probe::TaxId("01234567897".into()));
        assert!(matches!(piva.last(), Some(Probe::Phone(_))));
        assert_eq!(
            classify("12010000000042")[0],
            Probe::SupplyPoint("12010000000042".into())
        );
        assert_eq!(
            classify("it001e12345678")[0],
            Probe::SupplyPoint("IT001E12345678".into())
        );
        assert_eq!(classify("4000000003")[0], Probe::Code("4000000003".into()));
        assert_eq!(
            classify("  Mario   ROSSI "),
            vec![
                Probe::Name("mario rossi".into()),
                Probe::NameWords(vec!["mario".into(), "rossi".into()]),
            ]
        );
        assert_eq!(
            classify("d'Angelo sa"),
            vec![
                Probe::Name("d'angelo sa".into()),
                Probe::NameWords(vec![
                    "dangelo".into(),
                    "angelo".into(),
                    "sa".into(),
                    "d".into()
                ]),
            ]
        );
        assert_eq!(classify("   "), vec![]);
    }

    #[test]
    fn phone_numbers_take_the_registry_form() {
        for typed in [
            "+39 328 1234567",
            "3281234567",
            "328 123 4567",
            "0039-328-1234567",
            "+393281234567",
        ] {
            assert!(
                phone_forms(typed).contains(&"+39 328 1234567".to_string()),
                "{typed}: {:?}",
                phone_forms(typed)
            );
        }
    }

    #[test]
    fn names_split_into_folded_words() {
        assert_eq!(name_tokens("Mario ROSSI"), ["mario", "rossi"]);
        assert_eq!(name_tokens("Niccolò Bianchi"), ["bianchi", "niccolo"]);
        assert_eq!(name_tokens("Sara D'Angelo"), ["angelo", "dangelo", "sara"]);
        assert_eq!(name_tokens("Sara D’Angelo"), ["angelo", "dangelo", "sara"]);
        assert_eq!(
            name_tokens("Martino Alimentari S.a.s."),
            ["alimentari", "martino"]
        );
        assert_eq!(
            name_tokens("Rossini Impianti s.r.l."),
            ["impianti", "rossini"]
        );
        assert_eq!(
            name_tokens("Bar 2000 di Şahin & C."),
            ["2000", "bar", "di", "sahin"]
        );
        assert_eq!(
            name_tokens("ÉLODIE Lefèvre-Straße"),
            ["elodie", "lefevre", "strasse"]
        );
        assert_eq!(name_tokens("A. B."), ["a", "b"]);
        assert_eq!(name_tokens("l'"), ["l"]);
        assert_eq!(name_tokens("  ' - "), Vec::<String>::new());
    }

    #[test]
    fn prefix_end_increments_the_last_character() {
        assert_eq!(prefix_end("ros").as_deref(), Some("rot"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}

/// A customer drawn for simulated activity (the living demo): who acts, and the meter they read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSample {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub segment: Segment,
    /// A metered supply point (gas, electricity or water) of the customer, if any.
    pub metered_point: Option<i64>,
}

impl Customers<'_> {
    /// About `limit` customers spread evenly over the customer ids, for simulated activity;
    /// one pass over the customers' primary key, whatever their number.
    pub async fn sample(self, limit: i64) -> Result<Vec<CustomerSample>> {
        let limit = limit.max(1);
        let (low, high): (Option<i64>, Option<i64>) = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT min(id), max(id) FROM customers"
        )
        .fetch_one(p)
        .await)?;
        let (Some(low), Some(high)) = (low, high) else {
            return Ok(Vec::new());
        };
        let step = ((high - low + 1) / limit).max(1);
        let rows: Vec<(i64, String, String, i64, Option<i64>)> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT c.id, c.code, c.name, c.segment, \
                 (SELECT min(s.id) FROM supply_points s WHERE s.customer_id = c.id \
                  AND s.service IN (1, 2, 3)) \
                 FROM customers c WHERE c.id >= $1 AND (c.id - $1) % $2 = 0 ORDER BY c.id LIMIT $3",
            )
            .bind(low)
            .bind(step)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        rows.into_iter()
            .map(|(id, code, name, segment, metered_point)| {
                Ok(CustomerSample {
                    id,
                    code,
                    name,
                    segment: decode("segment", segment, Segment::from_code)?,
                    metered_point,
                })
            })
            .collect()
    }
}

impl Customers<'_> {
    /// Changes a customer's e-mail address; a new address clears the bounce flag of the old.
    pub async fn set_email(self, customer_id: i64, email: Option<&str>) -> Result<()> {
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE customers SET email = $2 WHERE id = $1")
                .bind(customer_id)
                .bind(email)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM bad_addresses WHERE customer_id = $1 AND email <> $2")
                .bind(customer_id)
                .bind(email.unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }
}
