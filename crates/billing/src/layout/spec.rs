//! The layout file as written: the serde shape of `bill-layout.toml`.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LayoutFile {
    pub(super) page: PageSpec,
    #[serde(default)]
    pub(super) colors: HashMap<String, String>,
    #[serde(default)]
    pub(super) footer: Vec<TextSpec>,
    pub(super) section: Vec<SectionSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PageSpec {
    pub(super) width: f32,
    pub(super) height: f32,
    /// Where the sections start on every page (mm from the top).
    pub(super) top: f32,
    /// Where the sections must end (mm from the top); the footer goes below.
    pub(super) bottom: f32,
    /// The text size when an item does not give one (pt).
    #[serde(default = "default_size")]
    pub(super) size: f32,
    /// Line height as a multiple of the text size, for wrapped texts.
    #[serde(default = "default_leading")]
    pub(super) leading: f32,
}

pub(super) fn default_size() -> f32 {
    9.0
}
pub(super) fn default_leading() -> f32 {
    1.3
}
pub(super) fn default_stroke_width() -> f32 {
    0.5
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub(super) enum Align {
    #[default]
    Left,
    Right,
    Center,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum When {
    Paper,
    Email,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TextSpec {
    pub(super) x: f32,
    /// The top of the text (mm).
    pub(super) y: f32,
    pub(super) text: String,
    pub(super) size: Option<f32>,
    #[serde(default)]
    pub(super) bold: bool,
    pub(super) color: Option<String>,
    #[serde(default)]
    pub(super) align: Align,
    /// Wrap at this width (mm) into as many lines as needed.
    pub(super) width: Option<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RectSpec {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) w: f32,
    pub(super) h: f32,
    pub(super) fill: Option<String>,
    pub(super) stroke: Option<String>,
    #[serde(default = "default_stroke_width")]
    pub(super) stroke_width: f32,
    #[serde(default)]
    pub(super) dashed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LineSpec {
    pub(super) x1: f32,
    pub(super) y1: f32,
    pub(super) x2: f32,
    pub(super) y2: f32,
    pub(super) color: Option<String>,
    #[serde(default = "default_stroke_width")]
    pub(super) width: f32,
    #[serde(default)]
    pub(super) dashed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SectionSpec {
    /// Height in mm (a table's height comes from its rows).
    #[serde(default)]
    pub(super) height: f32,
    /// Only on the paper bill, or only on the e-mail bill.
    pub(super) when: Option<When>,
    #[serde(default)]
    pub(super) text: Vec<TextSpec>,
    #[serde(default)]
    pub(super) rect: Vec<RectSpec>,
    #[serde(default)]
    pub(super) line: Vec<LineSpec>,
    pub(super) table: Option<TableSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableSpec {
    /// `lines` (the charges) or `vat` (the VAT summary).
    pub(super) rows: String,
    pub(super) x: f32,
    /// Row height (mm).
    pub(super) row: f32,
    pub(super) size: Option<f32>,
    pub(super) header_fill: Option<String>,
    /// The fill of every other row.
    pub(super) zebra: Option<String>,
    pub(super) column: Vec<ColumnSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ColumnSpec {
    pub(super) title: String,
    pub(super) width: f32,
    #[serde(default)]
    pub(super) align: Align,
    pub(super) value: String,
}
