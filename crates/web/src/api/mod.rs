//! The REST API under `/api/v1` for integrators: bearer tokens created by administrators,
//! JSON in and out, errors as RFC 9457 problem details; its OpenAPI document at
//! `/api/openapi.json` and Swagger UI (served from the binary) at `/api/docs`. See docs/api.md.

pub mod auth;
pub mod calls;
pub mod contacts;
mod contract;
pub mod indicators;
pub mod problem;
pub mod resources;

use crate::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::routing::{get, post};
use calls::FormBody;
use problem::Problem;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{OpenApi, ToSchema};

pub use auth::{ApiClient, TOKEN_TTL};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "canali API",
        description = "The multichannel customer-contact platform's REST API: customers, the contact ledger, call events, requests, postal mail, the yearly report and the monthly indicators. Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem details.",
    ),
    paths(
        resources::search_customers,
        resources::customer,
        resources::timeline,
        resources::bills,
        contacts::post_contact,
        contacts::post_batch,
        calls::post_event,
        resources::request_queue,
        resources::request,
        resources::open_request,
        resources::answer_request,
        resources::mail_list,
        resources::register_mail,
        resources::report,
        indicators::call_center,
        indicators::branches,
        indicators::requests,
    ),
    components(schemas(
        problem::Problem,
        problem::FieldError,
        ChannelName,
        RequestKindName,
        resources::QueueStatus,
        indicators::LineName
    )),
    modifiers(&BearerScheme, &TokenProblems, &FormBody),
    tags(
        (name = "customers", description = "Customer search, record, contact timeline and bills"),
        (name = "contacts", description = "Contacts into the ledger, one or in batches"),
        (name = "calls", description = "Call events pushed by a telephone system (Zammad's generic CTI fields)"),
        (name = "requests", description = "Requests and complaints"),
        (name = "mail", description = "The postal mail registry"),
        (name = "report", description = "The yearly channel report"),
        (name = "indicators", description = "A month's call-center and branch indicators and a year's request timeliness, against the standards in force"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
    }
}

/// Every operation that checks a token declares its 401, in one place so none is forgotten.
/// There is no 403: a valid token may use the whole API.
struct TokenProblems;

impl utoipa::Modify for TokenProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::schema::Type;
        use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, ResponseBuilder};
        let unauthorized = ResponseBuilder::new()
            .description(
                "No valid token: the `Authorization: Bearer` header is missing, or its token is \
                 unknown or revoked. Problem type `about:blank`; the answer carries \
                 `WWW-Authenticate: Bearer realm=\"canali\"`.",
            )
            .header(
                "WWW-Authenticate",
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .description(Some("The scheme to use: `Bearer realm=\"canali\"`"))
                    .build(),
            )
            .content(
                problem::CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    op.responses
                        .responses
                        .entry("401".into())
                        .or_insert_with(|| unauthorized.clone().into());
                }
            }
        }
    }
}

pub fn routes() -> Router<AppState> {
    let docs: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .external_url_unchecked("/api/openapi.json", document())
        .into();
    Router::new()
        .route(
            "/api/v1/customers",
            get(resources::search_customers).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/customers/{id}",
            get(resources::customer).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/customers/{id}/contacts",
            get(resources::timeline).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/customers/{id}/bills",
            get(resources::bills).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/contacts",
            post(contacts::post_contact).fallback(problem::allow("POST")),
        )
        .route(
            "/api/v1/contacts/batch",
            post(contacts::post_batch)
                .fallback(problem::allow("POST"))
                // axum's own 2 MB cap would refuse a full batch (10,000 contacts are about
                // 2.5 MB); the site's `max_upload_bytes` limit (20 MiB) still applies.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/calls/events",
            post(calls::post_event).fallback(problem::allow("POST")),
        )
        .route(
            "/api/v1/requests",
            get(resources::request_queue)
                .post(resources::open_request)
                .fallback(problem::allow("GET, HEAD, POST")),
        )
        .route(
            "/api/v1/requests/{id}",
            get(resources::request).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/requests/{id}/answer",
            post(resources::answer_request).fallback(problem::allow("POST")),
        )
        .route(
            "/api/v1/mail",
            get(resources::mail_list)
                .post(resources::register_mail)
                .fallback(problem::allow("GET, HEAD, POST")),
        )
        .route(
            "/api/v1/report/{year}",
            get(resources::report).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/indicators/call-center/{month}",
            get(indicators::call_center).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/indicators/branches/{month}",
            get(indicators::branches).fallback(problem::allow("GET, HEAD")),
        )
        .route(
            "/api/v1/indicators/requests/{year}",
            get(indicators::requests).fallback(problem::allow("GET, HEAD")),
        )
        .route("/api", axum::routing::any(problem::no_route))
        .route("/api/", axum::routing::any(problem::no_route))
        .route("/api/{*rest}", axum::routing::any(problem::no_route))
        .merge(docs)
}

/// The served OpenAPI document: what utoipa derives from the handlers, plus the rules its
/// attributes cannot say (the text rule's pattern, a letter's field combinations, contact
/// fields that take a string or a number), written here so the document and the server agree.
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document is JSON");
    contract::declare(&mut doc);
    doc
}

/// The names of the channels, as the document lists them.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum ChannelName {
    CallCenterResidential,
    CallCenterBusiness,
    Branch,
    Web,
    Mail,
}

/// The kinds of request, as the document lists them.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum RequestKindName {
    Information,
    Complaint,
    BillCorrection,
    ContractChange,
    Technical,
    DoubleBilling,
}

/// A record's id in a path (`/customers/{id}`): a whole number from 1, or a problem naming
/// the parameter. The documents declare the same range.
pub fn path_id(name: &str, raw: &str) -> Result<i64, Problem> {
    canonical_int(raw).filter(|v| *v >= 1).ok_or_else(|| {
        Problem::field(
            name,
            format!("is '{raw}': an id is a whole number from 1 to {}", i64::MAX),
        )
    })
}

/// An integer query parameter (`limit`, `offset`): absent is `default`; out of `min..=max`,
/// or not a whole number, is a problem naming the parameter and its range, never clamped.
pub fn int_param(
    name: &str,
    raw: Option<&str>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, Problem> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    canonical_int(raw)
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| {
            Problem::field(
                name,
                format!("is '{raw}': give a whole number from {min} to {max}"),
            )
        })
}

/// A year in a path (`/report/{year}`): a whole number from 1900 to 2200, or a problem naming
/// `year`. The documents declare the same range.
pub fn path_year(raw: &str) -> Result<i16, Problem> {
    canonical_int(raw)
        .filter(|y| (1900..=2200).contains(y))
        .map(|y| y as i16)
        .ok_or_else(|| Problem::field("year", format!("'{raw}' is not a year from 1900 to 2200")))
}

/// A whole number written plainly (`17`, `-3`: no sign `+`, no leading zeros, no spaces), or
/// as a number with a fraction or an exponent that is whole (`17.0`, `1e3`): JSON Schema counts
/// both as integers, and tools that hold numbers as floats write them so.
fn canonical_int(raw: &str) -> Option<i64> {
    if let Some(v) = plain_int(raw) {
        return Some(v);
    }
    if !raw.contains(['.', 'e', 'E']) || raw.starts_with(['+', '.']) || raw.ends_with('.') {
        return None;
    }
    let f: f64 = raw.parse().ok().filter(|f: &f64| f.is_finite())?;
    whole(&serde_json::Number::from_f64(f)?)
}

/// A JSON id field (`customer_id`): a whole number, written `97` or `97.0` (both are integers
/// for JSON Schema, so integrators' tools may send either); anything else is refused by serde
/// with the field named. The range from 1 is checked by the handler.
pub(crate) fn whole_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    whole(&n).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{n} is not a whole number from {} to {}",
            i64::MIN,
            i64::MAX
        ))
    })
}

/// [`whole_id`] for an optional field (`null` or absent is none).
pub(crate) fn whole_id_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => whole(&n).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{n} is not a whole number from {} to {}",
                i64::MIN,
                i64::MAX
            ))
        }),
    }
}

fn whole(n: &serde_json::Number) -> Option<i64> {
    if let Some(v) = n.as_i64() {
        return Some(v);
    }
    // 2^63 is the first float past i64::MAX; every whole float below it converts exactly.
    let f = n.as_f64()?;
    (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
        .then_some(f as i64)
}

/// A whole number written plainly (`17`, `-3`): no sign `+`, no leading zeros, no spaces.
fn plain_int(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|v| v.to_string() == raw)
}

/// `Query` whose rejection is a problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| Problem::invalid(e.body_text(), Vec::new()))
    }
}

/// `Path` whose rejection is a problem (a path id that is not a number, say).
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| Problem::invalid(e.body_text(), Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented<T: utoipa::PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).expect("a schema is JSON");
        schema["enum"]
            .as_array()
            .expect("an enum schema")
            .iter()
            .map(|v| v.as_str().expect("a name").to_string())
            .collect()
    }

    /// The document's lists are written out for utoipa; they must follow the domain's.
    #[test]
    fn the_documented_names_are_the_domains() {
        let names = |all: &[&str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let kinds: Vec<&str> = canali_domain::service::RequestKind::ALL
            .iter()
            .map(|k| k.name())
            .collect();
        assert_eq!(documented::<RequestKindName>(), names(&kinds));
        let channels: Vec<&str> = canali_domain::Channel::ALL
            .iter()
            .map(|c| c.name())
            .collect();
        assert_eq!(documented::<ChannelName>(), names(&channels));
    }
}
