//! One record into a contact: the rules of a contact's fields (`canali_store::contact_fields`)
//! applied to a CSV record or a JSON object. The API's contact endpoints read their bodies with
//! [`JsonRecord`] and check them with [`JsonRecord::validate`], so that a contact posted and a
//! contact imported cannot be judged differently.

use crate::reader::{CsvReader, utf8_error};
use canali_domain::text::{TextKind, text_fault};
use canali_store::NewContact;
use canali_store::contact_fields::{FIELD_COUNT, Field, FieldErrors, Values, validate};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;

/// Why a line was rejected: the field at fault (`None` for the line as a whole) and a sentence.
pub(crate) type Reasons = Vec<(Option<String>, String)>;

pub(crate) fn field_reasons(errors: FieldErrors) -> Reasons {
    errors
        .into_iter()
        .map(|(f, r)| (Some(f.name().to_string()), r))
        .collect()
}

/// The kind of text each contact field is (crates/domain/src/text.rs): the agent is a name,
/// every other field a code.
pub fn text_kind(field: Field) -> TextKind {
    match field {
        Field::Agent => TextKind::Name,
        _ => TextKind::Code,
    }
}

/// The one rule for text (no control characters, a length by kind) applied to each value, the
/// faults added to `errors`: a field at fault there is not checked again by `validate`.
fn check_texts(values: &Values<'_>, errors: &mut FieldErrors) {
    for field in Field::ALL {
        if let Some(v) = values[field as usize]
            && let Some(fault) = text_fault(v.trim(), text_kind(field))
        {
            errors.push((field, fault.reason()));
        }
    }
}

pub(crate) fn column_name(columns: &[Option<Field>], i: usize) -> String {
    match columns.get(i).copied().flatten() {
        Some(f) => format!(" ({})", f.name()),
        None => String::new(),
    }
}

/// The CSV record `reader` holds, its columns mapped to `columns`, as a contact.
pub(crate) fn csv_contact<R: BufRead>(
    columns: &[Option<Field>],
    reader: &CsvReader<R>,
) -> Result<NewContact, Reasons> {
    let mut values: Values<'_> = [None; FIELD_COUNT];
    let mut errors = FieldErrors::new();
    for (i, column) in columns.iter().enumerate() {
        let Some(field) = column else { continue };
        let raw = reader.field(i);
        match std::str::from_utf8(raw) {
            Ok(v) => values[*field as usize] = Some(v),
            Err(e) => errors.push((*field, utf8_error(raw, e))),
        }
    }
    check_texts(&values, &mut errors);
    validate(&values, errors).map_err(field_reasons)
}

/// Most unknown JSON keys reported (the first line of each).
const MAX_UNKNOWN_KEYS: usize = 20;

/// One JSON-lines line as a contact; the keys that are not contact fields are noted in
/// `unknown_keys` with the first line they were met on.
pub(crate) fn json_contact(
    body: &[u8],
    line: u64,
    unknown_keys: &mut BTreeMap<String, u64>,
) -> Result<NewContact, Reasons> {
    let text = std::str::from_utf8(body)
        .map_err(|e| vec![(None, format!("the line {}", utf8_error(body, e)))])?;
    let record: JsonRecord = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        let msg = msg
            .rsplit_once(" at line ")
            .map_or(msg.as_str(), |(m, _)| m);
        vec![(
            None,
            format!(
                "the line is not valid JSON: {msg} (at column {})",
                e.column()
            ),
        )]
    })?;
    if let Some(kind) = record.not_object {
        return Err(vec![(
            None,
            format!("the line is {kind}, not a JSON object with the contact's fields"),
        )]);
    }
    for (key, _) in &record.others {
        if unknown_keys.len() < MAX_UNKNOWN_KEYS && !unknown_keys.contains_key(key) {
            unknown_keys.insert(key.clone(), line);
        }
    }
    record.validate().map_err(field_reasons)
}

/// A JSON value where a field's text is expected: text (numbers are taken as text), absent
/// (`null`), or of a type a field cannot take, with the sentence that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonText {
    Text(String),
    Null,
    Bad(&'static str),
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonText, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<JsonText, E> {
                Ok(JsonText::Text(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<JsonText, E> {
                Ok(JsonText::Text(s))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<JsonText, E> {
                Ok(JsonText::Text(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<JsonText, E> {
                Ok(JsonText::Text(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<JsonText, E> {
                Ok(JsonText::Text(n.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<JsonText, E> {
                Ok(JsonText::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<JsonText, E> {
                Ok(JsonText::Null)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<JsonText, E> {
                Ok(JsonText::Bad(if b {
                    "is true; expected a string or a number"
                } else {
                    "is false; expected a string or a number"
                }))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonText, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(JsonText::Bad("is an array; expected a string or a number"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonText, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(JsonText::Bad("is an object; expected a string or a number"))
            }
        }
        d.deserialize_any(V)
    }
}

/// One contact as a JSON object (a JSON-lines line, an API body), read leniently so that every
/// fault can be reported: each field's text, the faults met while reading them (a boolean, an
/// array...), the keys that are not contact fields, or that it was not an object at all. Keys
/// are matched without regard to case or surrounding spaces; a key given twice keeps its last
/// value.
#[derive(Debug, Default)]
pub struct JsonRecord {
    values: [Option<String>; FIELD_COUNT],
    errors: FieldErrors,
    /// The keys that are not contact fields, with their values, in the order met.
    pub others: Vec<(String, JsonText)>,
    /// What the value was when it was not an object: `an array`, `a string`, `a number`,
    /// `a boolean` or `null`.
    pub not_object: Option<&'static str>,
}

impl JsonRecord {
    fn not(kind: &'static str) -> JsonRecord {
        JsonRecord {
            not_object: Some(kind),
            ..JsonRecord::default()
        }
    }

    /// Checks the fields and builds the contact, or says everything wrong with them (in the
    /// fields' order). A record that is not an object has no fields: see `not_object` first.
    pub fn validate(&self) -> Result<NewContact, FieldErrors> {
        let values: Values<'_> = self.values.each_ref().map(|v| v.as_deref());
        let mut errors = self.errors.clone();
        check_texts(&values, &mut errors);
        validate(&values, errors)
    }
}

impl<'de> Deserialize<'de> for JsonRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonRecord, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonRecord;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object with the contact's fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonRecord, A::Error> {
                let mut record = JsonRecord::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value: JsonText = map.next_value()?;
                    let Some(field) = Field::from_name(&key) else {
                        record.others.push((key, value));
                        continue;
                    };
                    let i = field as usize;
                    match value {
                        JsonText::Text(s) => record.values[i] = Some(s),
                        JsonText::Null => record.values[i] = None,
                        JsonText::Bad(msg) => record.errors.push((field, msg.to_string())),
                    }
                }
                Ok(record)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonRecord, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(JsonRecord::not("an array"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<JsonRecord, E> {
                Ok(JsonRecord::not("a string"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<JsonRecord, E> {
                Ok(JsonRecord::not("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<JsonRecord, E> {
                Ok(JsonRecord::not("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<JsonRecord, E> {
                Ok(JsonRecord::not("a number"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<JsonRecord, E> {
                Ok(JsonRecord::not("a boolean"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<JsonRecord, E> {
                Ok(JsonRecord::not("null"))
            }
        }
        d.deserialize_any(V)
    }
}
