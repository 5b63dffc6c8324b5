//! `POST /api/v1/calls/events`: call events pushed by a telephone system that writes no Asterisk
//! queue_log, modelled on Zammad's generic CTI API (`newCall`, `answer`, `hangup`), as JSON or
//! form-encoded (`user[]` included, as Zammad's PBX scripts send it). Each event goes through
//! the call centers' one call assembly (`canali_callcenter::cti`): a call ends as one ledger
//! contact per (callId, queue), counted in the calls rollup like a queue_log call.

use super::auth::ApiClient;
use super::contacts::json_problem;
use super::problem::{FieldError, Problem};
use crate::{AppState, now_micros};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canali_callcenter::cti::{
    self, Cause, CtiEvent, Direction, Kind, MAX_CALL_ID, MAX_TEXT, text_fault,
};
use canali_store::calls::CallEnd;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The most an event's `time` may lie ahead of the server's clock.
const MAX_AHEAD_MICROS: i64 = 24 * 3600 * 1_000_000;

/// A call event as the API takes it (JSON or form-encoded; Zammad's field names).
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct CallEventInput {
    /// newCall, answer or hangup.
    #[schema(example = "newCall")]
    event: String,
    /// The call's id, unique per call, at most 250 characters.
    #[schema(example = "1299000000.42")]
    #[serde(rename = "callId")]
    call_id: String,
    /// The calling number.
    #[schema(example = "0512345678")]
    from: Option<String>,
    /// The number called; a newCall without `queue` is filed under it.
    #[schema(example = "800999500")]
    to: Option<String>,
    /// in (default) or out; outbound calls are not queue calls and are ignored.
    #[schema(example = "in")]
    direction: Option<String>,
    /// The queue (on newCall; on answer and hangup it picks the entry when the call entered
    /// several). Mapped to the residential or business line by the `[callcenter]` settings.
    #[schema(example = "600")]
    queue: Option<String>,
    /// The agent who answered (answer). A string, or an array whose first item is taken
    /// (`user[]` in a form); `answeringNumber` is taken when `user` is absent.
    #[schema(example = "anna.bianchi")]
    user: Option<String>,
    /// Why the call ended (hangup): normalClearing, busy, cancel, noAnswer, congestion,
    /// notFound, forwarded. Unanswered: noAnswer is a queue timeout; busy, congestion,
    /// notFound and forwarded leave the queue; others are abandons. Answered: forwarded is a
    /// transfer, others a completed call.
    #[schema(example = "normalClearing")]
    cause: Option<String>,
    /// When it happened, RFC 3339 (for replays); when absent, the time it arrived.
    #[schema(example = "2011-03-01T09:15:00+01:00")]
    time: Option<String>,
}

/// The form-encoded event has the JSON event's fields, but a form has no null: its schema is
/// `CallEventInput`'s without `null` among the types (a form's `time=null` is the text "null").
pub struct FormBody;

impl utoipa::Modify for FormBody {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Some(json) = components.schemas.get("CallEventInput") else {
            return;
        };
        let mut form = serde_json::to_value(json).expect("a schema is JSON");
        if let Some(props) = form["properties"].as_object_mut() {
            for p in props.values_mut() {
                if let Some(types) = p["type"].as_array() {
                    let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                    p["type"] = match kept.as_slice() {
                        [one] => one.clone(),
                        _ => Value::Array(kept),
                    };
                }
            }
        }
        form["description"] = "A call event as a form (`application/x-www-form-urlencoded`)".into();
        let form = serde_json::from_value(form).expect("the same schema");
        components.schemas.insert("CallEventForm".into(), form);
        if let Some(op) = openapi
            .paths
            .paths
            .get_mut("/api/v1/calls/events")
            .and_then(|item| item.post.as_mut())
            && let Some(utoipa::openapi::RefOr::T(body)) = op.request_body.as_mut()
            && let Some(utoipa::openapi::RefOr::T(content)) =
                body.content.get_mut("application/x-www-form-urlencoded")
        {
            content.schema = Some(utoipa::openapi::Ref::from_schema_name("CallEventForm").into());
        }
    }
}

/// The contact a hangup wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallContact {
    /// The ledger contact's public id (source `cti`).
    pub id: i64,
    /// `callId/queue/entry epoch seconds`.
    pub external_id: String,
    /// answered, transferred, abandoned, timed_out or left (the calls rollup's ends).
    #[schema(example = "answered")]
    pub end: &'static str,
    /// From newCall to answer, or to the hangup when not answered.
    pub wait_seconds: i64,
    /// From answer to hangup.
    pub talk_seconds: i64,
    pub agent: Option<String>,
}

/// What became of an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallEventOutcome {
    #[serde(rename = "callId")]
    pub call_id: String,
    pub event: &'static str,
    /// The queue entry it applied to.
    pub queue: Option<String>,
    /// residential or business.
    pub line: Option<&'static str>,
    /// waiting, answered or ended, after the event.
    pub status: Option<&'static str>,
    /// The event had been taken already: nothing changed (200).
    pub duplicate: bool,
    /// An outbound call: nothing recorded (200).
    pub ignored: bool,
    /// The ledger contact, when this event ended the call.
    pub contact: Option<CallContact>,
}

/// Takes one call event into the ledger's call assembly.
#[utoipa::path(post, path = "/api/v1/calls/events", tag = "calls",
    request_body(description = "One call event, as JSON or form-encoded (Zammad's generic CTI fields)",
        content(
            (CallEventInput = "application/json"),
            (CallEventInput = "application/x-www-form-urlencoded"),
        )),
    responses(
        (status = 201, description = "The event was taken", body = CallEventOutcome),
        (status = 200, description = "The event had been taken already, or the call is outbound: nothing changed", body = CallEventOutcome),
        (status = 400, description = "A field missing or invalid, or a body that is not JSON or a form (problem type `/api/problems/validation`; `errors` names the fields)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The event does not fit its call (an answer or hangup of a callId never entered, an answer after the hangup, a time before the newCall) (problem type `/api/problems/call-state`; `errors` names the field)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn post_event(
    _client: ApiClient,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = now_micros();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let fields = if is_form {
        form_fields(&body)?
    } else {
        json_fields(&body)?
    };
    let ev = check(fields, now)?;
    let applied = cti::apply(&state.store, &state.callcenter, &ev, now)
        .await
        .map_err(|e| match e {
            canali_callcenter::Error::CallState { field, message } => {
                let mut p = Problem::field(field, message);
                p.status = StatusCode::UNPROCESSABLE_ENTITY.as_u16();
                p.title = "The event does not fit its call".into();
                p.kind = CALL_STATE_TYPE;
                p
            }
            canali_callcenter::Error::Invalid(m) => Problem::invalid(m, Vec::new()),
            canali_callcenter::Error::Store(s) => s.into(),
            other => Problem::internal_logged(format!("call event {}: {other}", ev.call_id)),
        })?;
    let status = if applied.duplicate || applied.ignored {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let out = CallEventOutcome {
        call_id: ev.call_id,
        event: ev.kind.name(),
        queue: applied.queue,
        line: applied.line.map(|l| l.name()),
        status: applied.status.map(|s| s.name()),
        duplicate: applied.duplicate,
        ignored: applied.ignored,
        contact: applied.ended.map(|e| CallContact {
            id: e.contact_id,
            external_id: e.external_id,
            end: end_name(e.end),
            wait_seconds: e.wait_seconds,
            talk_seconds: e.talk_seconds,
            agent: e.agent,
        }),
    };
    Ok((status, Json(out)).into_response())
}

fn end_name(end: CallEnd) -> &'static str {
    match end {
        CallEnd::Answered => "answered",
        CallEnd::Transferred => "transferred",
        CallEnd::Abandoned => "abandoned",
        CallEnd::TimedOut => "timed_out",
        CallEnd::Left => "left",
    }
}

/// The `type` of a problem with an event that does not fit its call (422).
pub const CALL_STATE_TYPE: &str = "/api/problems/call-state";

/// The fields of an event: (name, text), in the order given.
type Fields = Vec<(String, Result<String, &'static str>)>;

fn json_fields(body: &[u8]) -> Result<Fields, Problem> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| json_problem(&e, "a JSON object with the event's fields"))?;
    let Value::Object(map) = v else {
        return Err(Problem::invalid(
            "the body is not a JSON object with the event's fields",
            Vec::new(),
        ));
    };
    let mut out = Fields::new();
    for (k, v) in map {
        let text = match v {
            Value::Null => continue,
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            // Zammad sends `user` as an array: the first user is the agent.
            Value::Array(items) if k == "user" => match items.into_iter().next() {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) => Ok(s),
                Some(Value::Number(n)) => Ok(n.to_string()),
                Some(_) => Err("is an array of something else than names"),
            },
            Value::Bool(_) => Err("is a boolean; expected a string"),
            Value::Array(_) => Err("is an array; expected a string"),
            Value::Object(_) => Err("is an object; expected a string"),
        };
        out.push((k, text));
    }
    Ok(out)
}

fn form_fields(body: &[u8]) -> Result<Fields, Problem> {
    let mut out = Fields::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let (Some(k), Some(v)) = (percent_decode(k), percent_decode(v)) else {
            return Err(Problem::invalid(
                "the body is not a form: a name or value is not percent-encoded UTF-8",
                Vec::new(),
            ));
        };
        let k = if k == "user[]" { "user".to_string() } else { k };
        // A repeated user[]: the first is the agent.
        if k == "user" && out.iter().any(|(n, _)| n == "user") {
            continue;
        }
        out.push((k, Ok(v)));
    }
    Ok(out)
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; UTF-8.
fn percent_decode(s: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Checks the fields and builds the event, or names every field at fault.
fn check(fields: Fields, now: i64) -> Result<CtiEvent, Problem> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut fault = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.to_string(),
            message,
            index: None,
        });
    };
    let mut get = |name: &str| -> Option<String> {
        let at = fields.iter().position(|(k, _)| k == name)?;
        match &fields[at].1 {
            Ok(v) => Some(v.trim().to_string()).filter(|v| !v.is_empty()),
            Err(m) => {
                fault(name, (*m).to_string());
                None
            }
        }
    };
    let event = get("event");
    let call_id = get("callId");
    let from = get("from");
    let to = get("to");
    let direction = get("direction");
    let queue = get("queue");
    let user = get("user").or_else(|| get("answeringNumber"));
    let cause = get("cause");
    let time = get("time");

    let kind = match event.as_deref() {
        None => {
            fault(
                "event",
                format!("is missing; expected one of {}", Kind::NAMES),
            );
            None
        }
        Some(e) => Kind::parse(e).or_else(|| {
            fault(
                "event",
                format!("'{e}' is not an event; expected one of {}", Kind::NAMES),
            );
            None
        }),
    };
    match call_id.as_deref() {
        None => fault("callId", "is missing; it is required".into()),
        Some(c) => {
            if let Some(m) = text_fault(c, MAX_CALL_ID) {
                fault("callId", m);
            }
        }
    }
    for (name, value) in [
        ("from", &from),
        ("to", &to),
        ("queue", &queue),
        ("user", &user),
    ] {
        if let Some(m) = value.as_deref().and_then(|v| text_fault(v, MAX_TEXT)) {
            fault(name, m);
        }
    }
    let direction = match direction.as_deref() {
        None => Some(Direction::In),
        Some(d) => Direction::parse(d).or_else(|| {
            fault(
                "direction",
                format!("'{d}' is not a direction; expected in or out"),
            );
            None
        }),
    };
    let cause = match cause.as_deref() {
        None => None,
        Some(c) => {
            let parsed = Cause::parse(c);
            if parsed.is_none() {
                fault(
                    "cause",
                    format!("'{c}' is not a cause; expected one of {}", Cause::NAMES),
                );
            }
            parsed
        }
    };
    let time = match time.as_deref() {
        None => Some(now),
        Some(t) => match t.parse::<jiff::Timestamp>() {
            Ok(ts) if ts.as_microsecond() < 0 => {
                fault("time", format!("'{t}' is before 1970"));
                None
            }
            Ok(ts) if ts.as_microsecond() > now + MAX_AHEAD_MICROS => {
                fault("time", format!("'{t}' is more than a day ahead"));
                None
            }
            Ok(ts) => Some(ts.as_microsecond()),
            Err(_) => {
                fault(
                    "time",
                    format!(
                        "'{t}' is not an RFC 3339 time with an offset, e.g. 2011-03-01T09:15:00+01:00"
                    ),
                );
                None
            }
        },
    };
    if kind == Some(Kind::NewCall)
        && direction == Some(Direction::In)
        && queue.is_none()
        && to.is_none()
    {
        fault(
            "queue",
            "is missing; a newCall needs its queue (or the number called, to)".into(),
        );
    }
    match (kind, call_id, direction, time) {
        (Some(kind), Some(call_id), Some(direction), Some(time)) if errors.is_empty() => {
            Ok(CtiEvent {
                kind,
                call_id,
                direction,
                from,
                to,
                queue,
                user,
                cause,
                time,
            })
        }
        _ => {
            let detail = errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            Err(Problem::invalid(
                format!("the call event is not valid: {detail}"),
                errors,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000_000;

    fn fields_of(form: &str) -> Fields {
        form_fields(form.as_bytes()).unwrap()
    }

    #[test]
    fn a_zammad_form_reads_like_its_json() {
        let form = check(
            fields_of(
                "event=answer&from=493055571600&to=491711234567890&direction=in&callId=abc%2B1&user%5B%5D=Anna+Bianchi&user%5B%5D=Bob&time=2011-03-01T09%3A15%3A00%2B01%3A00",
            ),
            NOW,
        )
        .unwrap();
        let json = check(
            json_fields(
                br#"{"event": "answer", "from": 493055571600, "to": "491711234567890", "direction": "in",
                     "callId": "abc+1", "user": ["Anna Bianchi", "Bob"], "time": "2011-03-01T09:15:00+01:00"}"#,
            )
            .unwrap(),
            NOW,
        )
        .unwrap();
        assert_eq!(form, json);
        assert_eq!(form.user.as_deref(), Some("Anna Bianchi"));
        assert_eq!(form.call_id, "abc+1");
        assert_eq!(form.time, 1_298_967_300_000_000);
    }

    #[test]
    fn every_bad_field_is_named() {
        let p = check(
            json_fields(
                br#"{"event": "ring", "callId": "a|b", "direction": "sideways", "cause": "boredom",
                     "time": "yesterday", "user": true}"#,
            )
            .unwrap(),
            NOW,
        )
        .unwrap_err();
        let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["user", "event", "callId", "direction", "cause", "time"]
        );
        let p = check(json_fields(br#"{"event": "newCall"}"#).unwrap(), NOW).unwrap_err();
        let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["callId", "queue"]);
        assert!(json_fields(b"[1, 2]").is_err());
        assert!(json_fields(b"{nope").is_err());
        assert!(form_fields(b"event=%ZZ").is_err());
    }
}
