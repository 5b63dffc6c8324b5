//! The typst bill renderer (cargo feature `typst`, off by default: typst brings about 180 of
//! the build's 470 crates): `templates/bill.typ` (or an edited copy) compiled by typst with the DejaVu Sans fonts
//! embedded in the binary, exported as PDF/A-2b (fonts embedded, text extractable).

use crate::document::{BillDocument, Company};
use crate::pdf::{DEFAULT_TEMPLATE, Rendered};
use crate::{BillingError, Result};
use std::path::Path;
use typst::foundations::{Bytes, Datetime, Dict, IntoValue, Smart};
use typst_as_lib::TypstEngine;
use typst_as_lib::TypstTemplateMainFile;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// A compiled template with its fonts: cheap to share between threads, one per process.
pub struct Renderer {
    engine: TypstEngine<TypstTemplateMainFile>,
    company: Company,
    pdf_a: bool,
}

fn fonts() -> [&'static [u8]; 4] {
    [
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        dejavu::sans::oblique(),
        dejavu::sans::bold_oblique(),
    ]
}

#[derive(serde::Serialize)]
struct Input<'a> {
    company: &'a Company,
    bills: &'a [&'a BillDocument],
}

impl Renderer {
    /// The renderer of a template text.
    pub fn new(template: &str, company: Company) -> Renderer {
        let engine = TypstEngine::builder()
            .main_file(template.to_string())
            .fonts(fonts())
            // Keep typst's memo cache for recent compilations only: memory stays flat.
            .comemo_evict_max_age(Some(0))
            .build();
        Renderer {
            engine,
            company,
            pdf_a: true,
        }
    }

    /// The renderer of the default template.
    pub fn default_template(company: Company) -> Renderer {
        Renderer::new(DEFAULT_TEMPLATE, company)
    }

    /// The renderer of a template file (an edited copy of the default).
    pub fn from_file(path: &Path, company: Company) -> Result<Renderer> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BillingError::Template(format!("cannot read {}: {e}", path.display())))?;
        Ok(Renderer::new(&text, company))
    }

    /// Without PDF/A conformance nor tags (for comparison in benchmarks).
    pub fn without_pdf_a(mut self) -> Renderer {
        self.pdf_a = false;
        self
    }

    /// One PDF with the given bills, each starting on a new page.
    pub fn render(&self, bills: &[&BillDocument]) -> Result<Rendered> {
        let json = serde_json::to_vec(&Input {
            company: &self.company,
            bills,
        })
        .map_err(|e| BillingError::Template(e.to_string()))?;
        let mut inputs = Dict::new();
        inputs.insert("data".into(), Bytes::new(json).into_value());
        let doc: PagedDocument = self
            .engine
            .compile_with_input(inputs)
            .output
            .map_err(|e| BillingError::Template(format!("{e:?}")))?;
        let mut pages = Vec::with_capacity(bills.len());
        for page in doc.pages() {
            if page.number == 1 || pages.is_empty() {
                pages.push(1);
            } else if let Some(last) = pages.last_mut() {
                *last += 1;
            }
        }
        if pages.len() != bills.len() {
            return Err(BillingError::Template(format!(
                "the template made {} documents for {} bills: each bill must reset the page \
                 counter to 1 (counter(page).update(1))",
                pages.len(),
                bills.len()
            )));
        }
        let standards = if self.pdf_a {
            PdfStandards::new(&[PdfStandard::A_2b])
                .map_err(|e| BillingError::Template(format!("PDF/A: {e:?}")))?
        } else {
            PdfStandards::default()
        };
        let ident = bills
            .first()
            .map_or_else(|| "canali".to_string(), |b| format!("canali-bill-{}", b.id));
        // PDF/A wants a document date: the (first) bill's issue date, so the same bill always
        // gives the same file.
        let date = bills.first().and_then(|b| {
            let mut it = b.issued.split('/').map(|p| p.parse::<i32>().ok());
            let (d, m, y) = (it.next()??, it.next()??, it.next()??);
            Datetime::from_ymd_hms(y, m as u8, d as u8, 8, 0, 0)
        });
        let options = PdfOptions {
            ident: Smart::Custom(ident),
            timestamp: date.map(Timestamp::new_utc),
            standards,
            // Tagged (accessible) structure unless turned off for comparison.
            tagged: self.pdf_a,
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&doc, &options)
            .map_err(|e| BillingError::Template(format!("PDF export: {e:?}")))?;
        Ok(Rendered { pdf, pages })
    }
}
