//! Small inline SVG charts, written by hand: bars against a target line, and monthly series
//! against the standards' limits. Static markup, no script; labels are escaped.

use canali_domain::lang::Lang;
use canali_domain::locale;
use std::fmt::Write as _;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const W: f64 = 640.0;
const H: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 52.0;

/// A dashed horizontal line with its label.
pub struct Target {
    pub value: f64,
    pub label: String,
}

fn frame(out: &mut String, title: &str, top: f64, lang: Lang) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"{}\" style=\"width:100%;max-width:48rem;height:auto;background:#fff;\
         border:1px solid #d8dee6;border-radius:6px\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    let plot_h = H - TOP - BOTTOM;
    for i in 0..=4 {
        let v = top * f64::from(i) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eef1f4\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#5b6775\">{}</text>",
            W - RIGHT,
            LEFT - 4.0,
            y + 3.0,
            trim(v, lang)
        );
    }
}

/// An axis or point value: whole, or with one decimal, in the page's language (`7,5`).
fn trim(v: f64, lang: Lang) -> String {
    locale::short(v, lang)
}

fn targets(out: &mut String, targets: &[Target], top: f64) {
    let plot_h = H - TOP - BOTTOM;
    let colors = ["#a4330d", "#7a4dbb", "#b07d00"];
    for (i, t) in targets.iter().enumerate() {
        let y = TOP + plot_h - plot_h * (t.value / top).clamp(0.0, 1.0);
        let c = colors[i % colors.len()];
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{c}\" \
             stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"{c}\">{}</text>",
            W - RIGHT,
            W - RIGHT - 2.0,
            y - 3.0,
            esc(&t.label)
        );
    }
}

fn top_of(values: impl Iterator<Item = f64>, targets: &[Target]) -> f64 {
    let max = values
        .chain(targets.iter().map(|t| t.value))
        .fold(0.0f64, f64::max);
    if max <= 0.0 {
        1.0
    } else {
        // A round top a little above the highest value.
        let step = 10f64.powf((max * 1.1).log10().floor());
        ((max * 1.1) / step).ceil() * step
    }
}

/// One bar per label (none: no data, drawn as a gap), with target lines.
pub fn bars(title: &str, bars: &[(String, Option<f64>)], lines: &[Target], lang: Lang) -> String {
    let top = top_of(bars.iter().filter_map(|b| b.1), lines);
    let mut out = String::new();
    frame(&mut out, title, top, lang);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let n = bars.len().max(1) as f64;
    let slot = plot_w / n;
    let width = (slot * 0.7).max(1.0);
    for (i, (label, v)) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - width) / 2.0;
        if let Some(v) = v {
            let h = plot_h * (v / top).clamp(0.0, 1.0);
            let over = lines.first().is_some_and(|t| *v > t.value);
            let fill = if over { "#d9734a" } else { "#0b6e4f" };
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" fill=\"{fill}\">\
                 <title>{}: {}</title></rect>",
                TOP + plot_h - h,
                esc(label),
                trim(*v, lang)
            );
        }
        if bars.len() <= 40 {
            let cx = x + width / 2.0;
            let cy = TOP + plot_h + 12.0;
            let _ = write!(
                out,
                "<text x=\"{cx:.1}\" y=\"{cy:.1}\" font-size=\"9\" text-anchor=\"end\" \
                 transform=\"rotate(-45 {cx:.1} {cy:.1})\" fill=\"#1d2733\">{}</text>",
                esc(label)
            );
        }
    }
    targets(&mut out, lines, top);
    out.push_str("</svg>");
    out
}

/// A series of points (none: a gap), with target lines; `labels` every `label_every` points.
pub fn series(
    title: &str,
    points: &[(String, Option<f64>)],
    lines: &[Target],
    label_every: usize,
    lang: Lang,
) -> String {
    let top = top_of(points.iter().filter_map(|b| b.1), lines);
    let mut out = String::new();
    frame(&mut out, title, top, lang);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let n = points.len().max(2) as f64;
    let x_of = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / n;
    let y_of = |v: f64| TOP + plot_h - plot_h * (v / top).clamp(0.0, 1.0);
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (_, v)) in points.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x_of(i),
                    y_of(*v)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(
        out,
        "<path d=\"{}\" fill=\"none\" stroke=\"#0b6e4f\" stroke-width=\"2\"/>",
        path.trim()
    );
    for (i, (label, v)) in points.iter().enumerate() {
        if let Some(v) = v
            && points.len() <= 60
        {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#0b6e4f\"><title>{}: {}</title></circle>",
                x_of(i),
                y_of(*v),
                esc(label),
                trim(*v, lang)
            );
        }
        if label_every > 0 && i % label_every == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#1d2733\">{}</text>",
                x_of(i),
                TOP + plot_h + 14.0,
                esc(label)
            );
        }
    }
    targets(&mut out, lines, top);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_draw_targets() {
        let svg = bars(
            "Attesa <media>",
            &[("BO01".into(), Some(12.0)), ("B&O".into(), None)],
            &[Target {
                value: 20.0,
                label: "20 min".into(),
            }],
            Lang::It,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Attesa &lt;media&gt;") && svg.contains("B&amp;O"));
        assert!(svg.contains("stroke-dasharray"));
        let s = series(
            "TMA",
            &[("gen".into(), Some(30.0)), ("feb".into(), None)],
            &[],
            1,
            Lang::It,
        );
        assert!(s.contains("<path d=\"M"));
        // Values in the page's language: 1,5 in Italian.
        let it = bars("x", &[("a".into(), Some(1.5))], &[], Lang::It);
        assert!(it.contains("1,5") && !it.contains("1.5<"), "{it}");
    }
}
