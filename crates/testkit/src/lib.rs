//! canali's test helpers, so `cargo test --workspace` needs nothing outside Rust: a real SMTP
//! server in process ([`smtp::Sink`]), the text and fonts of a PDF ([`pdf`]), test certificates
//! ([`certs`]), a small billed utility ([`bills`]) and snapshot files ([`snapshot`]).

pub mod bills;
pub mod certs;
pub mod pdf;
pub mod smtp;
pub mod snapshot;

pub use certs::{TestCertificates, test_certificates};
pub use pdf::{PdfFont, assert_fonts_embedded, pdf_fonts, pdf_pages, pdf_text};
pub use smtp::Sink;
pub use snapshot::check_snapshot;
