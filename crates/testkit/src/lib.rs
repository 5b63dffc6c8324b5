//! canali's test helpers, so `cargo test --workspace` needs nothing outside Rust: a real SMTP
//! server in process ([`smtp::Sink`]), the text and fonts of a PDF ([`pdf`]), test certificates
//! ([`certs`]) and a small billed utility ([`bills`]).

pub mod bills;
pub mod certs;
pub mod pdf;
pub mod smtp;

pub use certs::{TestCertificates, test_certificates};
pub use pdf::{PdfFont, assert_fonts_embedded, pdf_fonts, pdf_pages, pdf_text};
pub use smtp::Sink;
