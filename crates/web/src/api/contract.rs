//! What the document says beyond utoipa's attributes, so that it announces every rule the
//! server enforces on schema-valid input (checked by `.ci/api-contract.sh`):
//! - the text rule of `canali_domain::text` as a `pattern` on each text field the API checks
//!   with it (control characters refused, tab and line breaks only in a multi-line text, at
//!   most so many characters once the white space around is trimmed);
//! - ids are whole numbers up to `i64::MAX`;
//! - a letter about a request cannot also open one, and opening one needs the customer and
//!   the text;
//! - a contact's and a call event's fields are read leniently: text may be given as a number,
//!   numbers as text, a call's `user` as an array.

use canali_domain::text::TextKind;
use serde_json::{Value, json};

/// Unicode white space, which `str::trim` removes before the rule is applied.
const SPACE: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// What a non-blank character is not: a control character or white space.
const BLANK: &str = r"\x00-\x20\x7f-\x9f\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

fn control(kind: TextKind) -> &'static str {
    if kind.multiline() {
        r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    } else {
        r"\x00-\x1f\x7f-\x9f"
    }
}

/// The text rule for a field of `kind` as an ECMA-262 pattern. A `required` field is trimmed,
/// then must not be blank and hold at most the kind's characters: the length is in the pattern
/// (a `maxLength` would count the white space around, which the server trims first). An
/// optional one is checked as given.
fn text(schema: &mut Value, kind: TextKind, required: bool) {
    let c = control(kind);
    if required {
        let rest = kind.max_chars() - 1;
        schema["pattern"] = format!("^[{SPACE}]*[^{BLANK}][^{c}]{{0,{rest}}}[{SPACE}]*$").into();
        if let Some(o) = schema.as_object_mut() {
            o.remove("maxLength");
        }
    } else {
        schema["pattern"] = format!("^[^{c}]*$").into();
        schema["maxLength"] = kind.max_chars().into();
    }
}

/// The fields of the bodies the text rule applies to, by kind, and whether they may be blank.
const TEXT_FIELDS: [(&str, &str, TextKind, bool); 7] = [
    ("RequestInput", "subject", TextKind::Line, true),
    ("RequestInput", "body", TextKind::Body, true),
    ("RequestInput", "agent", TextKind::Name, false),
    ("AnswerInput", "answer", TextKind::Body, true),
    ("MailInput", "sender", TextKind::Name, true),
    ("MailInput", "subject", TextKind::Line, true),
    ("MailInput", "new_request_body", TextKind::Body, true),
];

const IDS: [(&str, &str); 4] = [
    ("RequestInput", "customer_id"),
    ("RequestInput", "supply_point_id"),
    ("MailInput", "customer_id"),
    ("MailInput", "request_id"),
];

pub(super) fn declare(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    for (schema, field, kind, required) in TEXT_FIELDS {
        text(&mut schemas[schema]["properties"][field], kind, required);
    }
    for (schema, field) in IDS {
        schemas[schema]["properties"][field]["maximum"] = i64::MAX.into();
    }
    // A letter: `request_id` with `new_request_kind` is refused; `new_request_kind` needs
    // `customer_id` and `new_request_body`.
    let mail = &mut schemas["MailInput"];
    mail["not"] = json!({
        "required": ["request_id", "new_request_kind"],
        "properties": {"request_id": {"type": "integer"}, "new_request_kind": {"type": "string"}}
    });
    mail["if"] = json!({
        "required": ["new_request_kind"],
        "properties": {"new_request_kind": {"type": "string"}}
    });
    mail["then"] = json!({
        "required": ["customer_id", "new_request_body"],
        "properties": {"customer_id": {"type": "integer"}, "new_request_body": {"type": "string"}}
    });
    // A contact and a call event: text fields take numbers too, number fields text (as the
    // importer reads a JSON Lines file); a call's `user` may be Zammad's array of users, of
    // which the first is the agent.
    for name in ["ContactInput", "CallEventInput"] {
        if let Some(props) = schemas[name]["properties"].as_object_mut() {
            for p in props.values_mut() {
                loosen(p);
            }
        }
    }
    let user = &mut schemas["CallEventInput"]["properties"]["user"];
    if let Value::Array(types) = &mut user["type"] {
        let first = Value::Array(types.clone());
        types.push("array".into());
        user["prefixItems"] = json!([{ "type": first }]);
    }
    // The search query.
    if let Some(params) = doc["paths"]["/api/v1/customers"]["get"]["parameters"].as_array_mut() {
        for p in params.iter_mut().filter(|p| p["name"] == "q") {
            text(&mut p["schema"], TextKind::Line, true);
        }
    }
}

/// A text field that also takes a number, or a number field that also takes text.
fn loosen(p: &mut Value) {
    let mut types = match &p["type"] {
        Value::Array(types) => types.clone(),
        Value::String(one) => vec![Value::from(one.as_str())],
        _ => return,
    };
    let extra = if types.contains(&Value::from("string")) {
        "number"
    } else if types.contains(&Value::from("integer")) {
        "string"
    } else {
        return;
    };
    types.push(extra.into());
    p["type"] = types.into();
}
