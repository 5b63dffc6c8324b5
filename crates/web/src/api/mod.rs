//! The REST API under `/api/v1` for integrators: bearer tokens created by administrators,
//! JSON in and out, errors as RFC 9457 problem details; its OpenAPI document at
//! `/api/openapi.json` and Swagger UI (served from the binary) at `/api/docs`. See docs/api.md.

pub mod auth;
pub mod calls;
pub mod contacts;
pub mod problem;
pub mod resources;

use crate::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::routing::{get, post};
use problem::Problem;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

pub use auth::{ApiClient, TOKEN_TTL};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "canali API",
        description = "The multichannel customer-contact platform's REST API: customers, the contact ledger, call events, requests, postal mail and the yearly report. Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem details.",
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
    ),
    components(schemas(problem::Problem, problem::FieldError)),
    modifiers(&BearerScheme),
    tags(
        (name = "customers", description = "Customer search, record, contact timeline and bills"),
        (name = "contacts", description = "Contacts into the ledger, one or in batches"),
        (name = "calls", description = "Call events pushed by a telephone system (Zammad's generic CTI fields)"),
        (name = "requests", description = "Requests and complaints"),
        (name = "mail", description = "The postal mail registry"),
        (name = "report", description = "The yearly channel report"),
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

pub fn routes() -> Router<AppState> {
    let docs: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into();
    Router::new()
        .route(
            "/api/v1/customers",
            get(resources::search_customers).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/customers/{id}",
            get(resources::customer).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/customers/{id}/contacts",
            get(resources::timeline).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/customers/{id}/bills",
            get(resources::bills).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/contacts",
            post(contacts::post_contact).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/contacts/batch",
            post(contacts::post_batch)
                .fallback(problem::wrong_method)
                // axum's own 2 MB cap would refuse a full batch (10,000 contacts are about
                // 2.5 MB); the site's `max_upload_bytes` limit (20 MiB) still applies.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/calls/events",
            post(calls::post_event).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/requests",
            get(resources::request_queue)
                .post(resources::open_request)
                .fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/requests/{id}",
            get(resources::request).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/requests/{id}/answer",
            post(resources::answer_request).fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/mail",
            get(resources::mail_list)
                .post(resources::register_mail)
                .fallback(problem::wrong_method),
        )
        .route(
            "/api/v1/report/{year}",
            get(resources::report).fallback(problem::wrong_method),
        )
        .route("/api", axum::routing::any(problem::no_route))
        .route("/api/", axum::routing::any(problem::no_route))
        .route("/api/{*rest}", axum::routing::any(problem::no_route))
        .merge(docs)
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
