//! The bill PDF and the choice of renderer: the layout file drawn with krilla ([`crate::layout`],
//! the default) or, in a binary built with the `typst` feature, a typst template
//! ([`crate::typst_template`]).

use crate::Result;
use crate::document::{BillDocument, Company};
use crate::layout::LayoutRenderer;
#[cfg(feature = "typst")]
use crate::typst_template::Renderer;
use std::path::Path;
use std::sync::OnceLock;

/// The default typst bill template (`crates/billing/templates/bill.typ`): plain text, so
/// `canali bills template --typst` can write it even from a binary built without typst.
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/bill.typ");

/// A rendered PDF and the pages of each bill in it.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: Vec<i64>,
}

/// The bill renderer of a run: the fast layout renderer (the default, or a `.toml` layout
/// file) or typst (a `.typ` template file).
pub enum BillRenderer {
    Layout(LayoutRenderer),
    #[cfg(feature = "typst")]
    Typst(Box<Renderer>),
}

/// Whether this build can render typst templates (the `typst` cargo feature).
pub const TYPST: bool = cfg!(feature = "typst");

/// Why a `.typ` template cannot be used by a binary built without the `typst` feature.
pub const WITHOUT_TYPST: &str = "this canali was built without typst, so it cannot render a .typ \
     template: build it with `cargo build --release --features typst` (or use a .toml bill \
     layout, see docs/billing.md)";

impl BillRenderer {
    /// The renderer of an edited template or layout file, by its extension; the built-in
    /// layout without one.
    pub fn for_template(path: Option<&Path>, company: Company) -> Result<BillRenderer> {
        Ok(match path {
            None => BillRenderer::Layout(LayoutRenderer::default_layout(company)),
            #[cfg(feature = "typst")]
            Some(p) if p.extension().is_some_and(|e| e == "typ") => {
                BillRenderer::Typst(Box::new(Renderer::from_file(p, company)?))
            }
            #[cfg(not(feature = "typst"))]
            Some(p) if p.extension().is_some_and(|e| e == "typ") => {
                return Err(crate::BillingError::Template(format!(
                    "{}: {WITHOUT_TYPST}",
                    p.display()
                )));
            }
            Some(p) => BillRenderer::Layout(LayoutRenderer::from_file(p, company)?),
        })
    }

    /// One PDF with the given bills, each starting on a new page.
    pub fn render(&self, bills: &[&BillDocument]) -> Result<Rendered> {
        match self {
            BillRenderer::Layout(r) => r.render(bills),
            #[cfg(feature = "typst")]
            BillRenderer::Typst(r) => r.render(bills),
        }
    }
}

/// The PDF of one bill (the e-mail version) with the default layout and company: what the
/// online branch serves.
pub fn render_bill_pdf(bill: &BillDocument) -> Result<Vec<u8>> {
    static RENDERER: OnceLock<LayoutRenderer> = OnceLock::new();
    let r = RENDERER.get_or_init(|| LayoutRenderer::default_layout(Company::default()));
    Ok(r.render(&[bill])?.pdf)
}
