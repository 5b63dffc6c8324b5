//! Multipart forms (the forms that carry files): read once into their text fields and their
//! files, with the same error for a form that cannot be read wherever it is posted.

use crate::error::WebError;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use canali_store::requests::NewAttachment;
use std::collections::HashMap;

/// A multipart form read: its text fields by name (the last one of a name wins) and the files
/// of its file field, in order, without the empty part a browser sends for no file.
#[derive(Default)]
pub(crate) struct UploadForm {
    fields: HashMap<String, String>,
    pub files: Vec<NewAttachment>,
}

impl UploadForm {
    /// Reads every part of `multipart`; the parts named `file_field` are files.
    pub async fn read(mut multipart: Multipart, file_field: &str) -> Result<UploadForm, WebError> {
        let mut form = UploadForm::default();
        while let Some(field) = multipart.next_field().await.map_err(bad_form)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == file_field {
                let filename = field.file_name().unwrap_or_default().to_string();
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let data = field.bytes().await.map_err(bad_form)?;
                if !(filename.is_empty() && data.is_empty()) {
                    form.files.push(NewAttachment {
                        filename,
                        content_type,
                        data: data.to_vec(),
                    });
                }
                continue;
            }
            let text = field.text().await.map_err(bad_form)?;
            form.fields.insert(name, text);
        }
        Ok(form)
    }

    /// The text field `name`, empty when the form did not send it.
    pub fn take(&mut self, name: &str) -> String {
        self.fields.remove(name).unwrap_or_default()
    }

    /// The first file larger than `max_bytes`, if any.
    pub fn file_over(&self, max_bytes: usize) -> Option<&NewAttachment> {
        self.files.iter().find(|f| f.data.len() > max_bytes)
    }
}

fn bad_form(e: MultipartError) -> WebError {
    WebError::BadRequest(format!("the form could not be read: {e}"))
}
