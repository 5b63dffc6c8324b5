//! Bill PDFs rendered per second on one thread: `taskset -c 0 cargo run --release -p
//! canali-billing --example render_bench -- 2000` (also `canali bills bench`).

use canali_billing::{Company, Renderer};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let docs = canali_billing::document::sample_documents(n);
    for (label, r) in [
        ("PDF/A-2b", Renderer::default_template(Company::default())),
        (
            "plain PDF",
            Renderer::default_template(Company::default()).without_pdf_a(),
        ),
    ] {
        let first = r.render(&[&docs[0]]).expect("renders");
        if label == "PDF/A-2b" {
            std::fs::write("target/sample-bill.pdf", &first.pdf).ok();
        }
        let t = Instant::now();
        let mut bytes = 0;
        for d in &docs {
            bytes += r.render(&[d]).expect("renders").pdf.len();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "typst {label}: {n} bills in {s:.2} s = {:.0} bills/s, {:.1} KB each",
            n as f64 / s,
            bytes as f64 / n as f64 / 1024.0
        );
    }
}
