//! The fast bill renderer: the bill drawn straight into a PDF (krilla, PDF/A-2b, DejaVu Sans
//! embedded) from a layout file, `templates/bill-layout.toml`, that says where each text, box
//! and line goes. The file is plain text a non-programmer can edit: texts with `{field}`
//! placeholders, positions in millimetres, sizes in points, colours by name. It is the default
//! renderer of the billing run and the online branch (hundreds of bills a second on one core);
//! the typst template (`crate::typst_template`, behind the `typst` cargo feature) is the richer
//! alternative for utilities that want its typesetting.
//!
//! The layout is a column of sections, top to bottom. A section has a height and draws its items
//! at positions relative to its own top; a section that does not fit on the page goes to the
//! next one. A table section (the charge lines, the VAT summary) draws one row per item and is
//! split across pages, its header repeated. A footer is drawn on every page.

use crate::document::{BillDocument, Company};
use crate::pdf::Rendered;
use crate::{BillingError, Result};
use krilla::Document;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use serde::Deserialize;
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The default layout (`crates/billing/templates/bill-layout.toml`).
pub const DEFAULT_LAYOUT: &str = include_str!("../../templates/bill-layout.toml");

const PT_PER_MM: f32 = 72.0 / 25.4;

mod fonts;
mod spec;

use fonts::*;
use spec::*;

// ---- The compiled layout --------------------------------------------------------------------

/// A value the layout can print: `{customer.name}`, `{total}`, ...
#[derive(Clone, Copy, Debug)]
enum Field {
    Number,
    Issued,
    Due,
    PeriodFrom,
    PeriodTo,
    Taxable,
    VatTotal,
    Total,
    PaymentCode,
    FormCode,
    CustomerName,
    CustomerCode,
    CustomerTaxLabel,
    CustomerTaxId,
    SupplyService,
    SupplyIdLabel,
    SupplyIdentifier,
    SupplyAddress,
    SupplyMunicipality,
    CompanyName,
    CompanyAddress,
    CompanyVat,
    CompanyIban,
    Page,
    Pages,
    // A row of the charge lines.
    LineDescription,
    LineQuantity,
    LineUnit,
    LineUnitPrice,
    LineAmount,
    LineVatRate,
    // A row of the VAT summary.
    VatRate,
    VatTaxable,
    VatTax,
}

const BILL_FIELDS: &[(&str, Field)] = &[
    ("number", Field::Number),
    ("issued", Field::Issued),
    ("due", Field::Due),
    ("period_from", Field::PeriodFrom),
    ("period_to", Field::PeriodTo),
    ("taxable", Field::Taxable),
    ("vat_total", Field::VatTotal),
    ("total", Field::Total),
    ("payment_code", Field::PaymentCode),
    ("form_code", Field::FormCode),
    ("customer.name", Field::CustomerName),
    ("customer.code", Field::CustomerCode),
    ("customer.tax_label", Field::CustomerTaxLabel),
    ("customer.tax_id", Field::CustomerTaxId),
    ("supply.service", Field::SupplyService),
    ("supply.id_label", Field::SupplyIdLabel),
    ("supply.identifier", Field::SupplyIdentifier),
    ("supply.address", Field::SupplyAddress),
    ("supply.municipality", Field::SupplyMunicipality),
    ("company.name", Field::CompanyName),
    ("company.address", Field::CompanyAddress),
    ("company.vat_number", Field::CompanyVat),
    ("company.iban", Field::CompanyIban),
    ("page", Field::Page),
    ("pages", Field::Pages),
];
const LINE_FIELDS: &[(&str, Field)] = &[
    ("description", Field::LineDescription),
    ("quantity", Field::LineQuantity),
    ("unit", Field::LineUnit),
    ("unit_price", Field::LineUnitPrice),
    ("amount", Field::LineAmount),
    ("vat_rate", Field::LineVatRate),
];
const VAT_FIELDS: &[(&str, Field)] = &[
    ("rate", Field::VatRate),
    ("taxable", Field::VatTaxable),
    ("tax", Field::VatTax),
];

#[derive(Clone, Debug)]
enum Piece {
    Text(String),
    Field(Field),
}

/// A text with its placeholders resolved to fields once, when the layout is read.
#[derive(Clone, Debug)]
struct Template(Vec<Piece>);

impl Template {
    fn parse(text: &str, fields: &[&[(&str, Field)]], place: &str) -> Result<Template> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or_else(|| {
                BillingError::Template(format!("{place}: a '{{' is not closed in \"{text}\""))
            })? + open;
            let name = rest[open + 1..close].trim();
            let field = fields
                .iter()
                .flat_map(|f| f.iter())
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    let known: Vec<&str> = fields
                        .iter()
                        .flat_map(|f| f.iter())
                        .map(|(n, _)| *n)
                        .collect();
                    BillingError::Template(format!(
                        "{place}: there is no field {{{name}}}; the fields are {}",
                        known.join(", ")
                    ))
                })?;
            pieces.push(Piece::Field(field));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template(pieces))
    }

    fn fill(&self, v: &Values) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(f) => out.push_str(&v.get(*f)),
            }
        }
        out
    }
}

/// What the placeholders of one bill (and one table row, one page) read.
struct Values<'a> {
    bill: &'a BillDocument,
    company: &'a Company,
    line: Option<&'a crate::document::DocLine>,
    vat: Option<&'a crate::document::DocVat>,
    page: usize,
    pages: usize,
}

impl Values<'_> {
    fn get(&self, f: Field) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow::{Borrowed, Owned};
        let b = self.bill;
        let line = |get: fn(&crate::document::DocLine) -> &String| {
            self.line.map_or("", |l| get(l).as_str())
        };
        let vat =
            |get: fn(&crate::document::DocVat) -> &String| self.vat.map_or("", |l| get(l).as_str());
        Borrowed(match f {
            Field::Number => &b.number,
            Field::Issued => &b.issued,
            Field::Due => &b.due,
            Field::PeriodFrom => &b.period_from,
            Field::PeriodTo => &b.period_to,
            Field::Taxable => &b.taxable,
            Field::VatTotal => &b.vat_total,
            Field::Total => &b.total,
            Field::PaymentCode => &b.payment_code,
            Field::FormCode => &b.form_code,
            Field::CustomerName => &b.customer.name,
            Field::CustomerCode => &b.customer.code,
            Field::CustomerTaxLabel => &b.customer.tax_label,
            Field::CustomerTaxId => &b.customer.tax_id,
            Field::SupplyService => &b.supply.service,
            Field::SupplyIdLabel => &b.supply.id_label,
            Field::SupplyIdentifier => &b.supply.identifier,
            Field::SupplyAddress => &b.supply.address,
            Field::SupplyMunicipality => &b.supply.municipality,
            Field::CompanyName => &self.company.name,
            Field::CompanyAddress => &self.company.address,
            Field::CompanyVat => &self.company.vat_number,
            Field::CompanyIban => &self.company.iban,
            Field::Page => return Owned(self.page.to_string()),
            Field::Pages => return Owned(self.pages.to_string()),
            Field::LineDescription => line(|l| &l.description),
            Field::LineQuantity => line(|l| &l.quantity),
            Field::LineUnit => line(|l| &l.unit),
            Field::LineUnitPrice => line(|l| &l.unit_price),
            Field::LineAmount => line(|l| &l.amount),
            Field::LineVatRate => line(|l| &l.vat_rate),
            Field::VatRate => vat(|v| &v.rate),
            Field::VatTaxable => vat(|v| &v.taxable),
            Field::VatTax => vat(|v| &v.tax),
        })
    }
}

#[derive(Clone, Copy)]
struct Color(u8, u8, u8);

struct Text {
    x: f32,
    y: f32,
    text: Template,
    size: f32,
    bold: bool,
    color: Color,
    align: Align,
    width: Option<f32>,
}

#[derive(Clone, Copy)]
struct Shape {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    fill: Option<Color>,
    stroke: Option<(Color, f32, bool)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    Lines,
    Vat,
}

struct Column {
    title: Template,
    width: f32,
    align: Align,
    value: Template,
}

struct Table {
    rows: Rows,
    x: f32,
    row: f32,
    size: f32,
    header_fill: Option<Color>,
    zebra: Option<Color>,
    columns: Vec<Column>,
}

struct Section {
    height: f32,
    when: Option<When>,
    texts: Vec<Text>,
    shapes: Vec<Shape>,
    table: Option<Table>,
}

/// A layout read and checked: every placeholder and colour resolved, ready to draw any bill.
pub struct LayoutRenderer {
    width: f32,
    height: f32,
    top: f32,
    bottom: f32,
    leading: f32,
    footer: Vec<Text>,
    sections: Vec<Section>,
    fonts: Arc<Fonts>,
    company: Company,
    pdf_a: bool,
}

impl LayoutRenderer {
    /// The renderer of a layout text; `origin` names it in error messages.
    pub fn new(layout: &str, origin: &str, company: Company) -> Result<LayoutRenderer> {
        let file: LayoutFile = toml::from_str(layout)
            .map_err(|e| BillingError::Template(format!("{origin}: {}", e.to_string().trim())))?;
        let colors = &file.colors;
        let color = |name: &Option<String>, place: &str| -> Result<Option<Color>> {
            name.as_deref()
                .map(|n| parse_color(colors.get(n).map_or(n, String::as_str), n, place))
                .transpose()
        };
        let size = file.page.size;
        let text = |t: &TextSpec, fields: &[&[(&str, Field)]], place: &str| -> Result<Text> {
            Ok(Text {
                x: t.x,
                y: t.y,
                text: Template::parse(&t.text, fields, place)?,
                size: t.size.unwrap_or(size),
                bold: t.bold,
                color: color(&t.color, place)?.unwrap_or(Color(0, 0, 0)),
                align: t.align,
                width: t.width,
            })
        };
        let footer = file
            .footer
            .iter()
            .enumerate()
            .map(|(i, t)| text(t, &[BILL_FIELDS], &format!("{origin}: footer {}", i + 1)))
            .collect::<Result<Vec<_>>>()?;
        let mut sections = Vec::new();
        for (i, s) in file.section.iter().enumerate() {
            let place = format!("{origin}: section {}", i + 1);
            let mut shapes = Vec::new();
            for r in &s.rect {
                shapes.push(Shape {
                    x: r.x,
                    y: r.y,
                    w: r.w,
                    h: r.h,
                    fill: color(&r.fill, &place)?,
                    stroke: color(&r.stroke, &place)?.map(|c| (c, r.stroke_width, r.dashed)),
                });
            }
            for l in &s.line {
                let c = color(&l.color, &place)?.unwrap_or(Color(0, 0, 0));
                shapes.push(Shape {
                    x: l.x1,
                    y: l.y1,
                    w: l.x2 - l.x1,
                    h: l.y2 - l.y1,
                    fill: None,
                    stroke: Some((c, l.width, l.dashed)),
                });
            }
            let table = match &s.table {
                None => None,
                Some(t) => {
                    let (rows, fields) = match t.rows.as_str() {
                        "lines" => (Rows::Lines, LINE_FIELDS),
                        "vat" => (Rows::Vat, VAT_FIELDS),
                        other => {
                            return Err(BillingError::Template(format!(
                                "{place}: a table's rows are \"lines\" or \"vat\", not \"{other}\""
                            )));
                        }
                    };
                    let columns = t
                        .column
                        .iter()
                        .map(|c| {
                            Ok(Column {
                                title: Template::parse(&c.title, &[BILL_FIELDS], &place)?,
                                width: c.width,
                                align: c.align,
                                value: Template::parse(&c.value, &[fields, BILL_FIELDS], &place)?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Some(Table {
                        rows,
                        x: t.x,
                        row: t.row,
                        size: t.size.unwrap_or(size),
                        header_fill: color(&t.header_fill, &place)?,
                        zebra: color(&t.zebra, &place)?,
                        columns,
                    })
                }
            };
            sections.push(Section {
                height: s.height,
                when: s.when,
                texts: s
                    .text
                    .iter()
                    .map(|t| text(t, &[BILL_FIELDS], &place))
                    .collect::<Result<_>>()?,
                shapes,
                table,
            });
        }
        if file.page.bottom <= file.page.top {
            return Err(BillingError::Template(format!(
                "{origin}: page.bottom ({}) must be below page.top ({})",
                file.page.bottom, file.page.top
            )));
        }
        Ok(LayoutRenderer {
            width: file.page.width,
            height: file.page.height,
            top: file.page.top,
            bottom: file.page.bottom,
            leading: file.page.leading,
            footer,
            sections,
            fonts: fonts(),
            company,
            pdf_a: true,
        })
    }

    /// The renderer of the default layout.
    pub fn default_layout(company: Company) -> LayoutRenderer {
        LayoutRenderer::new(DEFAULT_LAYOUT, "bill-layout.toml", company)
            .expect("the built-in layout is valid")
    }

    /// The renderer of a layout file (an edited copy of the default).
    pub fn from_file(path: &Path, company: Company) -> Result<LayoutRenderer> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BillingError::Template(format!("cannot read {}: {e}", path.display())))?;
        LayoutRenderer::new(&text, &path.display().to_string(), company)
    }

    /// Without PDF/A conformance (for comparison in benchmarks).
    pub fn without_pdf_a(mut self) -> LayoutRenderer {
        self.pdf_a = false;
        self
    }

    /// One PDF with the given bills, each starting on a new page with its own page numbers.
    pub fn render(&self, bills: &[&BillDocument]) -> Result<Rendered> {
        let settings = krilla::SerializeSettings {
            configuration: if self.pdf_a {
                ConfigurationBuilder::new()
                    .with_archival_validator(Archival::A2_B)
                    .finish()
                    .map_err(|e| BillingError::Template(format!("PDF/A: {e:?}")))?
            } else {
                Default::default()
            },
            enable_tagging: false,
            ..Default::default()
        };
        let mut doc = Document::new_with(settings);
        let mut pages_of_bills = Vec::with_capacity(bills.len());
        for bill in bills {
            let pages = self.lay_out(bill);
            pages_of_bills.push(pages.len() as i64);
            let count = pages.len();
            for (i, ops) in pages.into_iter().enumerate() {
                let values = Values {
                    bill,
                    company: &self.company,
                    line: None,
                    vat: None,
                    page: i + 1,
                    pages: count,
                };
                let mut page = doc.start_page_with(
                    PageSettings::from_wh(self.width * PT_PER_MM, self.height * PT_PER_MM)
                        .expect("a page size"),
                );
                let mut surface = page.surface();
                for op in &ops {
                    self.draw(&mut surface, op);
                }
                for t in &self.footer {
                    let s = t.text.fill(&values);
                    self.draw(&mut surface, &Op::text(t, 0.0, s));
                }
                surface.finish();
                page.finish();
            }
        }
        let first = bills.first();
        let mut metadata = Metadata::new()
            .language("it".into())
            .creator("canali".into())
            .authors(vec![self.company.name.clone()]);
        if let Some(b) = first {
            metadata = metadata
                .title(format!("Bolletta n. {}", b.number))
                .document_id(format!("canali-bill-{}", b.id));
            // The issue date, so the same bill always gives the same file.
            let mut it = b.issued.split('/').map(|p| p.parse::<u16>().ok());
            if let (Some(Some(d)), Some(Some(m)), Some(Some(y))) = (it.next(), it.next(), it.next())
            {
                metadata = metadata.creation_date(
                    DateTime::new(y)
                        .month(m as u8)
                        .day(d as u8)
                        .hour(8)
                        .utc_offset_hour(0),
                );
            }
        }
        doc.set_metadata(metadata);
        let pdf = doc
            .finish()
            .map_err(|e| BillingError::Template(format!("PDF export: {e:?}")))?;
        // With typst linked, krilla memoises in comemo's global cache (typst-pdf turns krilla's
        // `comemo` feature on); every bill's streams differ, so nothing would be reused and
        // keeping it grew memory by about 50 KB a bill (100,000 bills: 1.5 GB).
        #[cfg(feature = "typst")]
        comemo::evict(0);
        Ok(Rendered {
            pdf,
            pages: pages_of_bills,
        })
    }

    /// Places the sections of one bill on pages: what to draw on each, in mm.
    fn lay_out(&self, bill: &BillDocument) -> Vec<Vec<Op>> {
        let mut pages: Vec<Vec<Op>> = vec![Vec::new()];
        let mut y = self.top;
        let kind = if bill.paper { When::Paper } else { When::Email };
        let values = |line, vat| Values {
            bill,
            company: &self.company,
            line,
            vat,
            page: 0,
            pages: 0,
        };
        for s in &self.sections {
            if s.when.is_some_and(|w| w != kind) {
                continue;
            }
            if let Some(t) = &s.table {
                let header = |pages: &mut Vec<Vec<Op>>, y: f32| {
                    let ops = pages.last_mut().expect("a page");
                    if let Some(fill) = t.header_fill {
                        ops.push(Op::Shape(self.row_band(t, y, fill)));
                    }
                    let v = values(None, None);
                    self.row_cells(t, y, |c| c.title.fill(&v), true, ops);
                };
                let rows: Vec<Values> = match t.rows {
                    Rows::Lines => bill.lines.iter().map(|l| values(Some(l), None)).collect(),
                    Rows::Vat => bill.vat.iter().map(|v| values(None, Some(v))).collect(),
                };
                if y + 2.0 * t.row > self.bottom {
                    pages.push(Vec::new());
                    y = self.top;
                }
                header(&mut pages, y);
                y += t.row;
                for (i, row) in rows.iter().enumerate() {
                    if y + t.row > self.bottom {
                        pages.push(Vec::new());
                        y = self.top;
                        header(&mut pages, y);
                        y += t.row;
                    }
                    let ops = pages.last_mut().expect("a page");
                    if let Some(z) = t.zebra
                        && i % 2 == 1
                    {
                        ops.push(Op::Shape(self.row_band(t, y, z)));
                    }
                    self.row_cells(t, y, |c| c.value.fill(row), false, ops);
                    y += t.row;
                }
                y += s.height;
                continue;
            }
            if y + s.height > self.bottom && y > self.top {
                pages.push(Vec::new());
                y = self.top;
            }
            let ops = pages.last_mut().expect("a page");
            for sh in &s.shapes {
                ops.push(Op::Shape(Shape { y: sh.y + y, ..*sh }));
            }
            let v = values(None, None);
            for t in &s.texts {
                ops.push(Op::text(t, y, t.text.fill(&v)));
            }
            y += s.height;
        }
        pages
    }

    fn row_band(&self, t: &Table, y: f32, fill: Color) -> Shape {
        Shape {
            x: t.x,
            y,
            w: t.columns.iter().map(|c| c.width).sum(),
            h: t.row,
            fill: Some(fill),
            stroke: None,
        }
    }

    fn row_cells(
        &self,
        t: &Table,
        y: f32,
        text_of: impl Fn(&Column) -> String,
        bold: bool,
        ops: &mut Vec<Op>,
    ) {
        let pad = 1.5;
        let mut x = t.x;
        for c in &t.columns {
            let anchor = match c.align {
                Align::Left => x + pad,
                Align::Right => x + c.width - pad,
                Align::Center => x + c.width / 2.0,
            };
            let top = y + (t.row - t.size / PT_PER_MM) / 2.0;
            ops.push(Op::Text {
                x: anchor,
                y: top,
                text: text_of(c),
                size: t.size,
                bold,
                color: Color(0, 0, 0),
                align: c.align,
                width: None,
            });
            x += c.width;
        }
    }

    fn draw(&self, surface: &mut Surface, op: &Op) {
        match op {
            Op::Shape(s) => {
                let mut pb = PathBuilder::new();
                if s.fill.is_none() && (s.w == 0.0 || s.h == 0.0) {
                    // A line.
                    pb.move_to(s.x * PT_PER_MM, s.y * PT_PER_MM);
                    pb.line_to((s.x + s.w) * PT_PER_MM, (s.y + s.h) * PT_PER_MM);
                } else if let Some(r) = Rect::from_xywh(
                    s.x * PT_PER_MM,
                    s.y * PT_PER_MM,
                    s.w * PT_PER_MM,
                    s.h * PT_PER_MM,
                ) {
                    pb.push_rect(r);
                }
                let Some(path) = pb.finish() else { return };
                surface.set_fill(s.fill.map(|c| Fill {
                    paint: rgb::Color::new(c.0, c.1, c.2).into(),
                    ..Fill::default()
                }));
                surface.set_stroke(s.stroke.map(|(c, w, dashed)| Stroke {
                    paint: rgb::Color::new(c.0, c.1, c.2).into(),
                    width: w,
                    opacity: NormalizedF32::ONE,
                    dash: dashed.then(|| StrokeDash {
                        array: vec![3.0, 2.0],
                        offset: 0.0,
                    }),
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
            Op::Text {
                x,
                y,
                text,
                size,
                bold,
                color,
                align,
                width,
            } => {
                let face = if *bold {
                    &self.fonts.bold
                } else {
                    &self.fonts.regular
                };
                surface.set_fill(Some(Fill {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    ..Fill::default()
                }));
                let lines = match width {
                    Some(w) => face.wrap(text, *size, w * PT_PER_MM),
                    None => vec![text.as_str()],
                };
                let mut top = y * PT_PER_MM;
                for line in lines {
                    let (glyphs, advance) = face.glyphs(line);
                    let left = match align {
                        Align::Left => x * PT_PER_MM,
                        Align::Right => x * PT_PER_MM - advance * size,
                        Align::Center => x * PT_PER_MM - advance * size / 2.0,
                    };
                    surface.draw_glyphs(
                        Point::from_xy(left, top + face.ascent * size),
                        &glyphs,
                        face.font.clone(),
                        line,
                        *size,
                        false,
                    );
                    top += size * self.leading;
                }
            }
        }
    }
}

/// Something to draw, in mm from the page's top-left corner.
enum Op {
    Shape(Shape),
    Text {
        x: f32,
        y: f32,
        text: String,
        size: f32,
        bold: bool,
        color: Color,
        align: Align,
        width: Option<f32>,
    },
}

impl Op {
    fn text(t: &Text, dy: f32, text: String) -> Op {
        Op::Text {
            x: t.x,
            y: t.y + dy,
            text,
            size: t.size,
            bold: t.bold,
            color: t.color,
            align: t.align,
            width: t.width,
        }
    }
}

fn parse_color(hex: &str, name: &str, place: &str) -> Result<Color> {
    let bad = || {
        BillingError::Template(format!(
            "{place}: the colour \"{name}\" is neither a name of [colors] nor #rrggbb"
        ))
    };
    let h = hex.strip_prefix('#').ok_or_else(bad)?;
    if h.len() != 6 {
        return Err(bad());
    }
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| bad());
    Ok(Color(byte(0)?, byte(2)?, byte(4)?))
}

#[cfg(test)]
mod tests;
