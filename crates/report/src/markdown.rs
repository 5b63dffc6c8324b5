//! The report as Markdown: a title, then each section's prose and tables (charts are HTML-only).

use crate::document::{self, Table};
use crate::format::Lang;
use crate::model::YearReport;

pub fn render_markdown(report: &YearReport, lang: Lang) -> String {
    let mut out = format!("# {}\n", document::title(report, lang));
    for section in document::sections(report, lang) {
        out.push_str(&format!("\n## {}\n", section.title));
        for paragraph in &section.paragraphs {
            out.push_str(&format!("\n{}\n", escape(paragraph)));
        }
        for table in &section.tables {
            out.push('\n');
            out.push_str(&table_markdown(table));
        }
    }
    out
}

/// Characters that would turn a branch name into emphasis or break a table cell.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '|' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn table_markdown(table: &Table) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = line(table.headers.iter().map(|h| escape(h)).collect());
    out.push_str(&line(
        table
            .numeric
            .iter()
            .map(|n| if *n { "---:" } else { "---" }.to_string())
            .collect(),
    ));
    for row in &table.rows {
        out.push_str(&line(row.iter().map(|c| escape(c)).collect()));
    }
    out
}
