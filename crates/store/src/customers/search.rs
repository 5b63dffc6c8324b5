//! The operators' customer search: a query classified by its shape, each plausible field
//! probed through its index, and the words of customers' names (the name search's index).

use super::{Customers, decode};
use crate::Result;
use crate::bulk::{Table, Val};
use crate::db::on_db;
use canali_domain::Segment;
use sqlx::AssertSqlSafe;
use std::fmt::Write as _;

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
