//! Fonts: glyphs and widths, read once per process.

use super::*;

pub(super) struct Face {
    pub(super) font: Font,
    /// Glyph and advance (in em) of each character of the font.
    pub(super) glyphs: HashMap<char, (u32, f32)>,
    /// The glyph drawn for a character the font lacks.
    pub(super) fallback: (u32, f32),
    pub(super) ascent: f32,
}

impl Face {
    pub(super) fn new(data: &'static [u8]) -> Face {
        let font_ref = skrifa::FontRef::new(data).expect("the embedded font is valid");
        let font_metrics = font_ref.metrics(Size::unscaled(), LocationRef::default());
        let upem = font_metrics.units_per_em as f32;
        let metrics = font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut glyphs = HashMap::new();
        for (code, gid) in font_ref.charmap().mappings() {
            if let Some(ch) = char::from_u32(code) {
                let adv = metrics.advance_width(gid).unwrap_or(0.0) / upem;
                glyphs.insert(ch, (gid.to_u32(), adv));
            }
        }
        let fallback = glyphs.get(&'?').copied().unwrap_or((0, 0.5));
        let ascent = font_metrics.ascent / upem;
        Face {
            font: Font::new(krilla::Data::from(data), 0).expect("the embedded font is valid"),
            glyphs,
            fallback,
            ascent,
        }
    }

    /// The glyphs of a line and its width in em.
    pub(super) fn glyphs(&self, text: &str) -> (Vec<KrillaGlyph>, f32) {
        let mut out = Vec::with_capacity(text.len());
        let mut width = 0.0;
        for (i, ch) in text.char_indices() {
            let (gid, adv) = self.glyphs.get(&ch).copied().unwrap_or(self.fallback);
            width += adv;
            out.push(KrillaGlyph {
                glyph_id: GlyphId::new(gid),
                text_range: i..i + ch.len_utf8(),
                x_advance: adv,
                x_offset: 0.0,
                y_offset: 0.0,
                y_advance: 0.0,
                location: None,
            });
        }
        (out, width)
    }

    pub(super) fn width(&self, text: &str) -> f32 {
        text.chars()
            .map(|c| self.glyphs.get(&c).map_or(self.fallback.1, |g| g.1))
            .sum()
    }

    /// The text broken at spaces into lines no wider than `max` points (a word longer than
    /// a line stands alone on its line).
    pub(super) fn wrap<'t>(&self, text: &'t str, size: f32, max: f32) -> Vec<&'t str> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let (mut start, mut end, mut pos) = (0, 0, 0);
            for word in paragraph.split(' ') {
                let (word_start, word_end) = (pos, pos + word.len());
                pos = word_end + 1;
                if end > start && self.width(&paragraph[start..word_end]) * size > max {
                    lines.push(&paragraph[start..end]);
                    start = word_start;
                }
                end = word_end;
            }
            lines.push(&paragraph[start..end.max(start)]);
        }
        lines
    }
}

pub(super) struct Fonts {
    pub(super) regular: Face,
    pub(super) bold: Face,
}

pub(super) fn fonts() -> Arc<Fonts> {
    static FONTS: std::sync::OnceLock<Arc<Fonts>> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            Arc::new(Fonts {
                regular: Face::new(dejavu::sans::regular()),
                bold: Face::new(dejavu::sans::bold()),
            })
        })
        .clone()
}
