//! Multipart forms (the forms that carry files): read once into their text fields and their
//! files, with the same error for a form that cannot be read wherever it is posted.
//!
//! The forms take PDF documents and JPEG or PNG images (their `accept` lists): a file's type is
//! told by its first bytes, never by the name or the type the browser declared, and that type
//! is the one stored and sent back. A file over the per-file limit, or a form over the site's
//! `max_upload_bytes`, is not an error page: the form is shown again naming the limit.

use crate::AppState;
use crate::error::WebError;
use crate::i18n;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use canali_domain::lang::Lang;
use canali_store::requests::{MAX_ATTACHMENT_BYTES, NewAttachment};
use std::collections::HashMap;

/// The types a form takes, by their first bytes.
const ACCEPTED: &[(&[u8], &str)] = &[
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
];

/// The type of a file the forms take, told by its content; `None` for any other file.
pub fn accepted_type(data: &[u8]) -> Option<&'static str> {
    ACCEPTED
        .iter()
        .find(|(magic, _)| data.starts_with(magic))
        .map(|(_, t)| *t)
}

/// Why a form's files cannot be taken as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UploadFault {
    /// The whole form is over the site's limit (`max_upload_bytes`): it was not read to its end.
    FormTooLarge,
    /// This file is over the per-file limit.
    FileTooLarge(String),
    /// This file is not a PDF, JPEG or PNG.
    NotAccepted(String),
}

/// A multipart form read: its text fields by name (the last one of a name wins) and the files
/// of its file field, in order, without the empty part a browser sends for no file.
#[derive(Default)]
pub(crate) struct UploadForm {
    fields: HashMap<String, String>,
    pub files: Vec<NewAttachment>,
    /// The first reason its files cannot be taken, if any.
    pub fault: Option<UploadFault>,
}

impl UploadForm {
    /// Reads every part of `multipart`; the parts named `file_field` are files. A form over the
    /// site's limit is read as far as the limit, with [`UploadFault::FormTooLarge`].
    pub async fn read(mut multipart: Multipart, file_field: &str) -> Result<UploadForm, WebError> {
        let mut form = UploadForm::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return form.stopped(e),
            };
            let name = field.name().unwrap_or_default().to_string();
            if name == file_field {
                let filename = field.file_name().unwrap_or_default().to_string();
                let data = match field.bytes().await {
                    Ok(data) => data,
                    Err(e) => return form.stopped(e),
                };
                if filename.is_empty() && data.is_empty() {
                    continue;
                }
                let fault = if data.len() > MAX_ATTACHMENT_BYTES {
                    Some(UploadFault::FileTooLarge(filename.clone()))
                } else if accepted_type(&data).is_none() {
                    Some(UploadFault::NotAccepted(filename.clone()))
                } else {
                    None
                };
                if let Some(fault) = fault {
                    form.fault.get_or_insert(fault);
                    continue;
                }
                form.files.push(NewAttachment {
                    filename,
                    content_type: accepted_type(&data).unwrap_or_default().to_string(),
                    data: data.to_vec(),
                });
                continue;
            }
            let text = match field.text().await {
                Ok(text) => text,
                Err(e) => return form.stopped(e),
            };
            form.fields.insert(name, text);
        }
        Ok(form)
    }

    /// The form as read until `e`: over the site's limit it is a fault to show on the form,
    /// anything else is a form that cannot be read.
    fn stopped(mut self, e: MultipartError) -> Result<UploadForm, WebError> {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            self.fault = Some(UploadFault::FormTooLarge);
            return Ok(self);
        }
        Err(WebError::BadRequest(format!(
            "the form could not be read: {e}"
        )))
    }

    /// The text field `name`, empty when the form did not send it.
    pub fn take(&mut self, name: &str) -> String {
        self.fields.remove(name).unwrap_or_default()
    }

    /// What to tell the user when the files cannot be taken, naming the file and the limit.
    pub fn fault_message(&self, lang: Lang, max_form_bytes: usize) -> Option<String> {
        let mib = |bytes: usize| bytes / (1024 * 1024);
        Some(match self.fault.as_ref()? {
            UploadFault::FormTooLarge => i18n::fill(
                lang,
                "upload.form_too_large",
                &[
                    ("limit", &mib(max_form_bytes)),
                    ("file_limit", &mib(MAX_ATTACHMENT_BYTES)),
                ],
            ),
            UploadFault::FileTooLarge(name) => i18n::fill(
                lang,
                "upload.file_too_large",
                &[("file", name), ("limit", &mib(MAX_ATTACHMENT_BYTES))],
            ),
            UploadFault::NotAccepted(name) => {
                i18n::fill(lang, "upload.not_accepted", &[("file", name)])
            }
        })
    }
}

/// Outside the site's body limit (`max_upload_bytes`). A multipart form declared over it is let
/// through to its handler without its declared length, so that the limit cuts it while it is
/// read and the handler shows the form again naming the limit, instead of a bare 413. Other
/// requests over it are refused as before, as a problem under /api and a page elsewhere.
pub async fn over_the_limit(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if is_form && !is_api {
        req.headers_mut().remove(header::CONTENT_LENGTH);
    }
    let resp = next.run(req).await;
    // The limit layer's own refusal is plain text; the handlers' answers are left as they are.
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if resp.status() != StatusCode::PAYLOAD_TOO_LARGE || !plain {
        return resp;
    }
    let mib = state.config.max_upload_bytes / (1024 * 1024);
    if is_api {
        return crate::api::problem::Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is larger than the {mib} MiB the server takes: send less per request"
            ),
        )
        .into_response();
    }
    crate::error::error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "Richiesta troppo grande: il limite è {mib} MB. Request too large: the limit is {mib} MB."
        ),
    )
}

/// The type to send a stored file with: its stored type when it is one the forms take and its
/// content agrees, otherwise an opaque download (files stored before the check).
pub fn served_type(stored: &str, data: &[u8]) -> &'static str {
    match accepted_type(data) {
        Some(t) if t == stored => t,
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(accepted_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(accepted_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(accepted_type(b"\xff\xd8\xff\xe0..JFIF"), Some("image/jpeg"));
        assert_eq!(accepted_type(b"<html><script>alert(1)</script>"), None);
        assert_eq!(accepted_type(b""), None);
        assert_eq!(
            served_type("text/html", b"<html>"),
            "application/octet-stream"
        );
        assert_eq!(
            served_type("image/png", b"%PDF-1.4"),
            "application/octet-stream"
        );
        assert_eq!(
            served_type("application/pdf", b"%PDF-1.4"),
            "application/pdf"
        );
    }
}
