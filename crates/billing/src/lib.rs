//! canali's electronic bill (docs/billing.md): bills imported with exact decimal lines and
//! checked totals ([`import`]), the bill PDF drawn from an editable layout file ([`layout`], the
//! fast default) or, with the opt-in `typst` cargo feature, typeset from an editable typst
//! template ([`pdf`]), the billing run that sends each bill by e-mail or into a print batch
//! exactly once across stops and crashes ([`dispatch`]), and the e-bill form code ([`form`]).

pub mod dispatch;
pub mod document;
pub mod form;
pub mod import;
pub mod layout;
pub mod pdf;
#[cfg(feature = "typst")]
pub mod typst_template;

pub use document::{BillDocument, Company};
pub use layout::LayoutRenderer;
pub use pdf::{BillRenderer, render_bill_pdf};
#[cfg(feature = "typst")]
pub use typst_template::Renderer;

/// The billing crate's errors.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error(transparent)]
    Store(#[from] canali_store::StoreError),
    /// A bill of an import file that is refused: where and why.
    #[error("line {line}: {reason}")]
    Refused { line: usize, reason: String },
    #[error("the bill template: {0}")]
    Template(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("mail: {0}")]
    Mail(String),
}

pub type Result<T> = std::result::Result<T, BillingError>;
