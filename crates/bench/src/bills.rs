//! `canali-bench bills` (formerly `canali bills bench`): bill PDFs rendered per second on one
//! thread, by each renderer built in. See docs/billing.md.

use anyhow::Result;
#[cfg(feature = "typst")]
use canali_billing::Renderer;
use canali_billing::{BillRenderer, LayoutRenderer};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct BillsArgs {
    /// Bills rendered.
    #[arg(long, default_value_t = 2000)]
    bills: usize,
    /// Write one sample PDF here.
    #[arg(long)]
    sample: Option<PathBuf>,
}

pub fn bench(args: BillsArgs) -> Result<()> {
    render(args.bills, args.sample.as_deref())
}

/// Renders `n` different bills (e-mail version, PDF/A-2b) on this thread with each renderer
/// and prints the rates.
fn render(n: usize, sample: Option<&Path>) -> Result<()> {
    let docs = canali_billing::document::sample_documents(n);
    let company = canali_billing::Company::default;
    let renderers = [
        (
            "layout (the default)",
            BillRenderer::Layout(LayoutRenderer::default_layout(company())),
        ),
        #[cfg(feature = "typst")]
        (
            "typst template",
            BillRenderer::Typst(Box::new(Renderer::default_template(company()))),
        ),
    ];
    for (i, (name, r)) in renderers.iter().enumerate() {
        // Warm up: fonts parsed, template compiled.
        let first = r.render(&[&docs[0]])?;
        if let (0, Some(p)) = (i, sample) {
            std::fs::write(p, &first.pdf)?;
        }
        let t = Instant::now();
        let mut bytes = 0;
        for d in &docs {
            bytes += r.render(&[d])?.pdf.len();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{name}: {n} bill PDFs in {s:.2} s: {:.0} per second on one thread, {:.1} KB each",
            n as f64 / s,
            bytes as f64 / n as f64 / 1024.0
        );
    }
    Ok(())
}
