//! Contacts into the ledger: one at a time (`POST /api/v1/contacts`) or in batches
//! (`POST /api/v1/contacts/batch`), with the fields and validation rules of `canali import
//! contacts` (docs/import.md) plus the `source` the contact is filed under.
//!
//! Single contacts posted at the same time are written together: a queue per store gathers
//! whatever requests are waiting while the previous transaction commits and writes them in one
//! ingest call (one per source), then answers each with its own result. On SQLite, where every
//! commit costs a file sync, this is what lets the endpoint take thousands of contacts a second.

use super::auth::ApiClient;
use super::problem::{FieldError, Problem};
use crate::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canali_domain::text::{TextKind, text_fault};
use canali_import::validation::{JsonRecord, JsonText};
use canali_store::contact_fields::quoted;
use canali_store::{NewContact, Store, contact_id};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;

/// The most contacts one batch request may carry.
pub const MAX_BATCH: usize = 10_000;
/// The most single contacts written in one transaction by the queue.
const MAX_GROUP: usize = 4_096;
const MAX_SOURCE_CHARS: usize = 100;

/// Sources the store writes itself: an integrator may not file contacts under them.
const RESERVED_SOURCES: &[&str] = &["requests", "readings", "mail", "tickets", "calls"];

// ---------------------------------------------------------------------------------------------
// The body: a contact's fields as `canali import contacts` reads a JSON line (the import
// library's `JsonRecord`), plus the API's own `source`.

const SOURCE_NAME: &str = "source";

/// One contact as posted: the import library's record of its fields, read leniently so that
/// every fault can be reported; `source` is among the keys that are not contact fields.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct RawContact(JsonRecord);

impl RawContact {
    /// Checks the fields (the rules of docs/import.md) and builds the contact with its source,
    /// or says everything wrong with them.
    pub fn validate(self) -> Result<(String, NewContact), Vec<FieldError>> {
        let err = |field: &str, message: String| FieldError {
            field: field.to_string(),
            message,
            index: None,
        };
        let record = self.0;
        if let Some(kind) = record.not_object {
            return Err(vec![err(
                "",
                format!("is {kind}, not a JSON object with the contact's fields"),
            )]);
        }
        // The source is the API's own field: its last value counts, and any value of a type it
        // cannot take is a fault.
        let mut source = None;
        let mut source_error = None;
        for (key, value) in &record.others {
            if !key.trim().eq_ignore_ascii_case(SOURCE_NAME) {
                continue;
            }
            match value {
                JsonText::Text(s) => source = Some(s.as_str()),
                JsonText::Null => source = None,
                JsonText::Bad(m) => {
                    source_error.get_or_insert_with(|| m.to_string());
                }
            }
        }
        let source = source.map(str::trim).filter(|s| !s.is_empty());
        if source_error.is_none() {
            source_error = match source {
                None => Some("is missing; it is required".to_string()),
                Some(v) if text_fault(v, TextKind::Code).is_some() => {
                    text_fault(v, TextKind::Code).map(|f| f.reason())
                }
                Some(v) if v.chars().count() > MAX_SOURCE_CHARS => Some(format!(
                    "is {} characters long; at most {MAX_SOURCE_CHARS} are allowed",
                    v.chars().count()
                )),
                Some(v) if RESERVED_SOURCES.iter().any(|r| r.eq_ignore_ascii_case(v)) => {
                    Some(format!(
                        "{} is reserved for contacts canali writes itself; name your system instead (e.g. crm)",
                        quoted(v)
                    ))
                }
                Some(_) => None,
            };
        }
        // The other fields follow `canali import contacts`'s rules, in the same order after it.
        let checked = record.validate();
        let mut errors: Vec<FieldError> = source_error
            .map(|m| err(SOURCE_NAME, m))
            .into_iter()
            .collect();
        match checked {
            Ok(contact) if errors.is_empty() => Ok((source.expect("checked").to_string(), contact)),
            Ok(_) => Err(errors),
            Err(fields) => {
                errors.extend(fields.into_iter().map(|(f, m)| err(f.name(), m)));
                Err(errors)
            }
        }
    }
}

/// A body that is not JSON (or not of the expected shape) as a problem.
pub fn json_problem(e: &serde_json::Error, expected: &str) -> Problem {
    let msg = e.to_string();
    let msg = msg
        .rsplit_once(" at line ")
        .map_or(msg.as_str(), |(m, _)| m);
    Problem::invalid(
        format!(
            "the body is not {expected}: {msg} (line {}, column {})",
            e.line(),
            e.column()
        ),
        Vec::new(),
    )
}

// ---------------------------------------------------------------------------------------------
// The queue that writes concurrent single contacts together.

struct Job {
    source: String,
    contact: NewContact,
    reply: oneshot::Sender<Result<bool, Problem>>,
}

type Queues = Mutex<HashMap<usize, mpsc::Sender<Job>>>;

fn queue_of(store: &Arc<Store>) -> mpsc::Sender<Job> {
    static QUEUES: OnceLock<Queues> = OnceLock::new();
    let key = Arc::as_ptr(store) as usize;
    let mut queues = QUEUES
        .get_or_init(Queues::default)
        .lock()
        .expect("contact queues");
    if let Some(tx) = queues.get(&key)
        && !tx.is_closed()
    {
        return tx.clone();
    }
    let (tx, rx) = mpsc::channel(MAX_GROUP * 4);
    tokio::spawn(write_queue(store.clone(), rx));
    queues.insert(key, tx.clone());
    tx
}

/// Takes whatever jobs are waiting (at least one, at most [`MAX_GROUP`]) and writes them in one
/// ingest call per source; a group that fails is retried one contact at a time, so that one
/// contact the store refuses does not fail the others.
async fn write_queue(store: Arc<Store>, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut jobs, MAX_GROUP).await > 0 {
        let mut by_source: Vec<(String, Vec<Job>)> = Vec::new();
        for job in jobs.drain(..) {
            match by_source.iter_mut().find(|(s, _)| *s == job.source) {
                Some((_, group)) => group.push(job),
                None => by_source.push((job.source.clone(), vec![job])),
            }
        }
        for (source, group) in by_source {
            let contacts: Vec<NewContact> = group.iter().map(|j| j.contact.clone()).collect();
            match store.ledger().ingest_marked(&source, &contacts).await {
                Ok((_, marks)) => {
                    for (job, new) in group.into_iter().zip(marks) {
                        let _ = job.reply.send(Ok(new));
                    }
                }
                Err(e) if group.len() == 1 => {
                    let job = group.into_iter().next().expect("one job");
                    let _ = job.reply.send(Err(e.into()));
                }
                Err(_) => {
                    for job in group {
                        let r = store
                            .ledger()
                            .ingest_marked(&source, std::slice::from_ref(&job.contact))
                            .await
                            .map(|(_, marks)| marks.first().copied().unwrap_or(false))
                            .map_err(Problem::from);
                        let _ = job.reply.send(r);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The handlers.

/// A contact as the API takes it: the fields of `canali import contacts` plus `source`.
/// Numbers may be given as strings and text as numbers; `null` or `""` is an absent value.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ContactInput {
    /// The system the contact comes from (e.g. `crm`); with `external_id` it identifies the
    /// contact. The store's own sources (`requests`, `readings`, `mail`, `tickets`, `calls`)
    /// are refused.
    #[schema(example = "crm", min_length = 1, max_length = 100, pattern = "\\S")]
    source: String,
    /// The contact's id in that system, 1 to 200 characters.
    #[schema(
        example = "CC-000017",
        min_length = 1,
        max_length = 200,
        pattern = "\\S"
    )]
    external_id: String,
    /// call_center_residential, call_center_business, branch, web or mail.
    #[schema(value_type = super::ChannelName, example = "call_center_residential")]
    channel: String,
    /// RFC 3339 (`2011-03-01T09:15:00+01:00`) or local time in Europe/Rome (`2011-03-01 09:15:00`).
    #[schema(format = DateTime, example = "2011-03-01T09:15:00+01:00")]
    started_at: String,
    /// The same forms; not before `started_at`.
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    /// Whole seconds, 0 to 604800.
    #[schema(minimum = 0, maximum = 604800)]
    wait_seconds: Option<i64>,
    /// Whole seconds, 0 to 604800.
    #[schema(minimum = 0, maximum = 604800)]
    handle_seconds: Option<i64>,
    /// residential or business.
    segment: Option<String>,
    /// The customer code printed on the bill.
    customer: Option<String>,
    /// billing, payment, contract, meter_reading, complaint, information, technical_fault, ebill, other.
    reason: Option<String>,
    /// resolved, request_opened, transferred, abandoned, timed_out, no_show, registered.
    outcome: Option<String>,
    branch: Option<String>,
    line: Option<String>,
    agent: Option<String>,
    /// The territory (SOT) code, from 1.
    #[schema(minimum = 1)]
    territory: Option<i64>,
}

/// What became of a posted contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactCreated {
    /// The contact's public id: `canali_store::contact_id(source, external_id)`.
    pub id: i64,
    pub source: String,
    pub external_id: String,
    /// True when this request wrote it (201), false when it was already in the ledger (200).
    pub created: bool,
}

/// What a batch did.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchOutcome {
    /// Items in the request.
    pub received: usize,
    /// Contacts newly written to the ledger.
    pub inserted: u64,
    /// Valid contacts already in the ledger (or repeated in the batch): skipped.
    pub duplicates: u64,
    /// Items refused; `errors` says why, with their index.
    pub rejected: usize,
    pub errors: Vec<FieldError>,
}

/// Adds one contact to the ledger (idempotent on source and external_id).
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts",
    request_body = ContactInput,
    responses(
        (status = 201, description = "The contact was added", body = ContactCreated),
        (status = 200, description = "The contact was already in the ledger: nothing changed", body = ContactCreated),
        (status = 400, description = "Invalid contact, or a body that is not a JSON object (problem type `/api/problems/validation`; `errors` names the fields)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn post_contact(
    _client: ApiClient,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, Problem> {
    let raw: RawContact =
        serde_json::from_slice(&body).map_err(|e| json_problem(&e, "a JSON object"))?;
    let (source, contact) = raw.validate().map_err(|errors| {
        let detail = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Problem::invalid(format!("the contact is not valid: {detail}"), errors)
    })?;
    let id = contact_id(&source, &contact.external_id);
    let external_id = contact.external_id.clone();
    let (reply, answer) = oneshot::channel();
    let job = Job {
        source: source.clone(),
        contact,
        reply,
    };
    if queue_of(&state.store).send(job).await.is_err() {
        return Err(Problem::internal_logged("the contact queue is gone"));
    }
    let created = answer
        .await
        .map_err(|_| Problem::internal_logged("the contact queue dropped a contact"))??;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ContactCreated {
            id,
            source,
            external_id,
            created,
        }),
    )
        .into_response())
}

/// Adds up to 10,000 contacts; valid ones go in even when others are rejected.
#[utoipa::path(post, path = "/api/v1/contacts/batch", tag = "contacts",
    request_body(content = Vec<ContactInput>, description = "A JSON array of contacts, at most 10,000"),
    responses(
        (status = 200, description = "Counts, and the rejected items with their index and field", body = BatchOutcome),
        (status = 400, description = "The body is not a JSON array (problem type `/api/problems/validation`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More than 10,000 items (problem type `about:blank`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn post_batch(
    _client: ApiClient,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<BatchOutcome>, Problem> {
    let items: Vec<RawContact> = serde_json::from_slice(&body)
        .map_err(|e| json_problem(&e, "a JSON array of contact objects"))?;
    if items.len() > MAX_BATCH {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the batch has {} contacts; at most {MAX_BATCH} are taken per request: split it",
                items.len()
            ),
        ));
    }
    let received = items.len();
    let mut errors = Vec::new();
    let mut rejected = 0;
    let mut by_source: Vec<(String, Vec<NewContact>)> = Vec::new();
    for (index, raw) in items.into_iter().enumerate() {
        match raw.validate() {
            Ok((source, contact)) => match by_source.iter_mut().find(|(s, _)| *s == source) {
                Some((_, group)) => group.push(contact),
                None => by_source.push((source, vec![contact])),
            },
            Err(errs) => {
                rejected += 1;
                errors.extend(errs.into_iter().map(|mut e| {
                    e.index = Some(index);
                    e
                }));
            }
        }
    }
    let (mut inserted, mut duplicates) = (0, 0);
    for (source, contacts) in by_source {
        let outcome = state.store.ledger().ingest(&source, &contacts).await?;
        inserted += outcome.inserted;
        duplicates += contacts.len() as u64 - outcome.inserted;
    }
    Ok(Json(BatchOutcome {
        received,
        inserted,
        duplicates,
        rejected,
        errors,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use canali_domain::Channel;

    fn check(json: &str) -> Result<(String, NewContact), Vec<FieldError>> {
        serde_json::from_str::<RawContact>(json).unwrap().validate()
    }

    #[test]
    fn a_complete_contact_validates() {
        let (source, c) = check(
            r#"{"source": "crm", "External_ID": 17, "channel": "web", "started_at": "2011-03-01T09:15:00+01:00",
                "ended_at": "2011-03-01 09:20", "wait_seconds": "95", "handle_seconds": 30.0,
                "customer": "4000000003", "reason": "billing", "outcome": "resolved", "territory": 1,
                "note": "ignored"}"#,
        )
        .unwrap();
        assert_eq!(source, "crm");
        assert_eq!(c.external_id, "17");
        assert_eq!(c.channel, Channel::Web);
        assert_eq!(c.wait_seconds, Some(95));
        assert_eq!(c.handle_seconds, Some(30));
        assert_eq!(c.territory, Some(1));
        assert_eq!(c.ended_at.unwrap() - c.started_at, 300_000_000);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errs = check(
            r#"{"source": "mail", "external_id": "", "channel": "sportello", "started_at": "01/03/2011",
                "wait_seconds": -4, "segment": true, "territory": 0}"#,
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "source",
                "external_id",
                "channel",
                "started_at",
                "segment",
                "wait_seconds",
                "territory"
            ]
        );
        assert!(errs[2].message.contains("not a valid channel"));
        let errs = check("[1]").unwrap_err();
        assert!(errs[0].message.contains("an array"));
    }
}
