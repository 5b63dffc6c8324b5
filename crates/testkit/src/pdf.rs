//! What a PDF says and which fonts it carries, read in Rust (pdf-extract and lopdf) rather than
//! with poppler's pdftotext and pdffonts.

use lopdf::{Dictionary, Document, Object};

/// The text of each page, through the fonts' ToUnicode maps.
pub fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    pdf_extract::extract_text_from_mem_by_pages(pdf)
        .unwrap_or_else(|e| panic!("the PDF's text cannot be read: {e}"))
}

/// The text of a PDF, its pages separated by form feeds (as pdftotext writes them).
pub fn pdf_text(pdf: &[u8]) -> String {
    pdf_pages(pdf).join("\u{c}")
}

/// A font of a PDF and whether its program is inside the file.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfFont {
    /// The BaseFont, with its subset prefix (e.g. `ABCDEF+DejaVuSans`).
    pub name: String,
    /// Type3 fonts draw their glyphs in the file itself.
    pub embedded: bool,
}

/// Every font dictionary of a PDF (each descendant of a composite font counts once, under the
/// composite font's name).
pub fn pdf_fonts(pdf: &[u8]) -> Vec<PdfFont> {
    let doc = Document::load_mem(pdf).unwrap_or_else(|e| panic!("the PDF cannot be read: {e}"));
    let mut fonts = Vec::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else {
            continue;
        };
        if !is_name(dict, b"Type", b"Font")
            || is_name(dict, b"Subtype", b"CIDFontType0")
            || is_name(dict, b"Subtype", b"CIDFontType2")
        {
            // Descendant fonts are checked through their composite (Type0) font.
            continue;
        }
        let name = dict
            .get(b"BaseFont")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let embedded = if is_name(dict, b"Subtype", b"Type3") {
            true
        } else if is_name(dict, b"Subtype", b"Type0") {
            let descendants = dict
                .get(b"DescendantFonts")
                .ok()
                .and_then(|o| resolve(&doc, o).as_array().ok().cloned())
                .unwrap_or_default();
            !descendants.is_empty()
                && descendants.iter().all(|d| {
                    resolve(&doc, d)
                        .as_dict()
                        .is_ok_and(|d| has_font_file(&doc, d))
                })
        } else {
            has_font_file(&doc, dict)
        };
        fonts.push(PdfFont { name, embedded });
    }
    fonts.sort_by(|a, b| a.name.cmp(&b.name));
    fonts
}

/// Asserts that the PDF has fonts, every one of them embedded, and one whose name holds `want`.
pub fn assert_fonts_embedded(pdf: &[u8], want: &str) {
    let fonts = pdf_fonts(pdf);
    assert!(
        fonts.iter().any(|f| f.name.contains(want)),
        "no font {want} in {fonts:?}"
    );
    let missing: Vec<&PdfFont> = fonts.iter().filter(|f| !f.embedded).collect();
    assert!(missing.is_empty(), "fonts not embedded: {missing:?}");
}

fn is_name(dict: &Dictionary, key: &[u8], value: &[u8]) -> bool {
    dict.get(key)
        .and_then(Object::as_name)
        .is_ok_and(|n| n == value)
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

/// A simple or descendant font whose descriptor holds a font program.
fn has_font_file(doc: &Document, font: &Dictionary) -> bool {
    let Ok(descriptor) = font.get(b"FontDescriptor") else {
        return false;
    };
    let Ok(descriptor) = resolve(doc, descriptor).as_dict() else {
        return false;
    };
    [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
        .iter()
        .any(|k| descriptor.get(k).is_ok())
}

/// The same PDF with every font program taken out of the font descriptors: what the fonts check
/// must refuse (a test of the test).
pub fn without_font_programs(pdf: &[u8]) -> Vec<u8> {
    let mut doc = Document::load_mem(pdf).expect("a PDF");
    for object in doc.objects.values_mut() {
        if let Ok(dict) = object.as_dict_mut() {
            for key in [&b"FontFile"[..], b"FontFile2", b"FontFile3"] {
                dict.remove(key);
            }
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("the PDF written back");
    out
}
