//! The report as one self-contained HTML file: inline CSS, inline SVG charts, no scripts and no
//! external resources, readable on a phone (fluid charts, tables that scroll sideways).

use crate::ReportError;
use crate::charts;
use crate::document::{self, Chart, Section, Table};
use crate::format::Lang;
use crate::model::YearReport;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#212121;margin:0;line-height:1.5;background:#fafafa}
main{max-width:860px;margin:0 auto;padding:1rem;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:2px solid #1565c0;padding-bottom:.2rem}
p{margin:.6rem 0}
figure{margin:1rem 0}
svg.chart{width:100%;height:auto;display:block}
.table{overflow-x:auto;margin:1rem 0}
table{border-collapse:collapse;font-size:.9rem;min-width:60%}
th,td{padding:.3rem .6rem;border-bottom:1px solid #e0e0e0;text-align:left;white-space:nowrap}
th{background:#f5f5f5}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
@media (max-width:480px){body{font-size:15px}main{padding:.6rem}}
";

pub fn render_html(report: &YearReport, lang: Lang) -> Result<String, ReportError> {
    let title = escape(&document::title(report, lang));
    let mut body = String::new();
    for section in document::sections(report, lang) {
        body.push_str(&section_html(&section, report, lang)?);
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
        lang.code()
    ))
}

fn section_html(section: &Section, report: &YearReport, lang: Lang) -> Result<String, ReportError> {
    let mut out = format!("<section>\n<h2>{}</h2>\n", escape(&section.title));
    for paragraph in &section.paragraphs {
        out.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    for chart in &section.charts {
        out.push_str(&format!(
            "<figure>\n{}</figure>\n",
            chart_svg(*chart, report, lang)?
        ));
    }
    for table in &section.tables {
        out.push_str(&table_html(table));
    }
    out.push_str("</section>\n");
    Ok(out)
}

fn chart_svg(chart: Chart, report: &YearReport, lang: Lang) -> Result<String, ReportError> {
    match chart {
        Chart::ChannelMix => charts::channel_mix(report, lang),
        Chart::Monthly => charts::monthly(report, lang),
        Chart::Waiting => charts::waiting(report, lang),
    }
}

fn table_html(table: &Table) -> String {
    let cell = |tag: &str, text: &str, numeric: bool| {
        let class = if numeric { " class=\"n\"" } else { "" };
        format!("<{tag}{class}>{}</{tag}>", escape(text))
    };
    let head: String = table
        .headers
        .iter()
        .zip(&table.numeric)
        .map(|(h, n)| cell("th", h, *n))
        .collect();
    // A wide table scrolls in its box; focusable, so the keyboard can scroll it too (WCAG 2.1.1).
    let mut out = format!(
        "<div class=\"table\" tabindex=\"0\"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
    );
    for row in &table.rows {
        let cells: String = row
            .iter()
            .zip(&table.numeric)
            .map(|(c, n)| cell("td", c, *n))
            .collect();
        out.push_str(&format!("<tr>{cells}</tr>\n"));
    }
    out.push_str("</tbody></table></div>\n");
    out
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}
