//! Bill PDFs rendered per second on one thread, with the fast layout renderer (the default) and
//! with the typst template: `taskset -c 0 cargo run --release -p canali-billing --example
//! render_bench -- 2000` (also `canali-bench bills`). Writes a sample of each (e-mail and paper)
//! to `target/sample-bill-*.pdf`.

use canali_billing::{BillRenderer, Company, LayoutRenderer, Renderer};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let docs = canali_billing::document::sample_documents(n);
    let renderers = [
        (
            "layout",
            "layout, PDF/A-2b",
            BillRenderer::Layout(LayoutRenderer::default_layout(Company::default())),
        ),
        (
            "layout-plain",
            "layout, plain PDF",
            BillRenderer::Layout(
                LayoutRenderer::default_layout(Company::default()).without_pdf_a(),
            ),
        ),
        (
            "typst",
            "typst, PDF/A-2b, tagged",
            BillRenderer::Typst(Box::new(Renderer::default_template(Company::default()))),
        ),
        (
            "typst-plain",
            "typst, plain PDF, untagged",
            BillRenderer::Typst(Box::new(
                Renderer::default_template(Company::default()).without_pdf_a(),
            )),
        ),
    ];
    for (file, label, r) in renderers {
        let first = r.render(&[&docs[0]]).expect("renders");
        let mut paper = docs[0].clone();
        paper.paper = true;
        let paper = r.render(&[&paper]).expect("renders");
        std::fs::write(format!("target/sample-bill-{file}.pdf"), &first.pdf).ok();
        std::fs::write(format!("target/sample-bill-{file}-paper.pdf"), &paper.pdf).ok();
        let t = Instant::now();
        let mut bytes = 0;
        for d in &docs {
            bytes += r.render(&[d]).expect("renders").pdf.len();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{label}: {n} bills in {s:.2} s = {:.0} bills/s, {:.1} KB each",
            n as f64 / s,
            bytes as f64 / n as f64 / 1024.0
        );
    }
}
