//! The HTML report's inline SVG charts, drawn with plotters' SVG backend (text is emitted as SVG
//! `<text>`, so no font files are needed). Every label comes from the report.

use crate::ReportError;
use crate::document::waiting_indicators;
use crate::format::{self, Lang};
use crate::model::{ChannelFigures, YearReport};
use crate::prose::{self, Unit};
use crate::texts;
use canali_domain::Channel;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Narrow enough that text stays legible when a phone scales the chart to its width.
const WIDTH: u32 = 520;
const TEXT: RGBColor = RGBColor(33, 33, 33);
const GRID: RGBColor = RGBColor(200, 200, 200);
const MET: RGBColor = RGBColor(46, 125, 50);
const MISSED: RGBColor = RGBColor(198, 40, 40);

/// One colour per channel: the two call centers share a hue, as they share the prose.
fn channel_color(channel: Channel) -> RGBColor {
    match channel {
        Channel::CallCenterResidential => RGBColor(21, 101, 192),
        Channel::CallCenterBusiness => RGBColor(100, 181, 246),
        Channel::Branch => RGBColor(239, 108, 0),
        Channel::Web => RGBColor(46, 160, 67),
        Channel::Mail => RGBColor(142, 36, 170),
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn chart_error<E: std::fmt::Debug>(e: E) -> ReportError {
    ReportError::Chart(format!("{e:?}"))
}

/// Draws on a fresh SVG of `WIDTH x height` and returns it sized to its container, so that it
/// shrinks on a phone: the fixed width and height plotters writes become a fluid width.
fn svg(
    height: u32,
    title: &str,
    draw: impl FnOnce(&Area) -> Result<(), ReportError>,
) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        draw(&root)?;
        root.present().map_err(chart_error)?;
    }
    let fixed = format!("width=\"{WIDTH}\" height=\"{height}\"");
    let fluid = format!(
        "class=\"chart\" role=\"img\" aria-label=\"{}\"",
        crate::html::escape(title)
    );
    Ok(out.replacen(&fixed, &fluid, 1))
}

fn text_style(size: u32, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: ("sans-serif", size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

fn text(
    area: &Area,
    s: &str,
    at: (i32, i32),
    style: TextStyle<'static>,
) -> Result<(), ReportError> {
    area.draw(&Text::new(s.to_string(), at, style))
        .map_err(chart_error)
}

/// A legend of coloured squares in two columns, from `top`.
fn legend(area: &Area, items: &[(String, RGBColor)], top: i32) -> Result<(), ReportError> {
    let column = (WIDTH / 2) as i32;
    for (i, (label, color)) in items.iter().enumerate() {
        let x = 20 + column * (i as i32 % 2);
        let y = top + 22 * (i as i32 / 2);
        area.draw(&Rectangle::new([(x, y), (x + 14, y + 14)], color.filled()))
            .map_err(chart_error)?;
        text(
            area,
            label,
            (x + 20, y + 7),
            text_style(15, TEXT, HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}

/// Channel names short enough for a two-column legend.
fn short_label(channel: Channel, lang: Lang) -> &'static str {
    match channel {
        Channel::CallCenterResidential => texts::get(lang, "report.residential_call_center"),
        Channel::CallCenterBusiness => texts::get(lang, "report.business_call_center"),
        Channel::Branch => texts::get(lang, "report.branches"),
        Channel::Web => texts::get(lang, "report.online_branch"),
        Channel::Mail => texts::get(lang, "report.postal_mail"),
    }
}

fn channel_legend(lang: Lang) -> Vec<(String, RGBColor)> {
    Channel::ALL
        .iter()
        .map(|c| (short_label(*c, lang).to_string(), channel_color(*c)))
        .collect()
}

/// Two 100% bars, the previous year above the year, split by channel.
pub fn channel_mix(r: &YearReport, lang: Lang) -> Result<String, ReportError> {
    let title = texts::get(lang, "report.channel_mix_of_contacts");
    svg(200, title, |area| {
        let bars = [
            (r.previous_year, r.contacts.previous_total, false),
            (r.year, r.contacts.total, true),
        ];
        for (i, (year, total, current)) in bars.into_iter().enumerate() {
            let y = 14 + 52 * i as i32;
            text(
                area,
                &year.to_string(),
                (8, y + 18),
                text_style(16, TEXT, HPos::Left, VPos::Center),
            )?;
            if total == 0 {
                let none = texts::get(lang, "report.no_data");
                text(
                    area,
                    none,
                    (70, y + 18),
                    text_style(15, TEXT, HPos::Left, VPos::Center),
                )?;
                continue;
            }
            stacked_bar(area, r, current, y, lang)?;
        }
        legend(area, &channel_legend(lang), 130)
    })
}

fn stacked_bar(
    area: &Area,
    r: &YearReport,
    current: bool,
    y: i32,
    lang: Lang,
) -> Result<(), ReportError> {
    let (left, width): (f64, f64) = (64.0, f64::from(WIDTH) - 84.0);
    let mut x: f64 = left;
    for row in &r.contacts.by_channel {
        let share = share_of(&row.figures, current).unwrap_or(0.0);
        let w = width * share / 100.0;
        let (x0, x1) = (x.round() as i32, (x + w).round() as i32);
        let color = channel_color(row.channel);
        area.draw(&Rectangle::new([(x0, y), (x1, y + 36)], color.filled()))
            .map_err(chart_error)?;
        // Only label a segment wide enough for its text.
        if w >= 44.0 {
            let label = format::pct(share, lang);
            let ink = if row.channel == Channel::CallCenterBusiness {
                TEXT
            } else {
                WHITE
            };
            text(
                area,
                &label,
                ((x0 + x1) / 2, y + 18),
                text_style(14, ink, HPos::Center, VPos::Center),
            )?;
        }
        x += w;
    }
    Ok(())
}

fn share_of(f: &ChannelFigures, current: bool) -> Option<f64> {
    if current {
        f.share_pct
    } else {
        f.previous_share_pct
    }
}

/// Monthly contacts of the year, one line per channel.
pub fn monthly(r: &YearReport, lang: Lang) -> Result<String, ReportError> {
    let title = texts::get(lang, "report.monthly_contacts_by_channel");
    svg(400, title, |area| {
        let (plot, key) = area.split_vertically(320);
        let top = r
            .contacts
            .monthly
            .iter()
            .flat_map(|m| m.by_channel.values())
            .copied()
            .max()
            .unwrap_or(0);
        let y_max = (top + top / 10).max(10);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(32)
            .x_label_area_size(28)
            .y_label_area_size(70)
            .build_cartesian_2d(1u32..12u32, 0i64..y_max)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(12)
            .x_label_formatter(&|m| format::month_abbrev(*m as u8, lang))
            .y_labels(6)
            .y_label_formatter(&|v| format::int(*v, lang))
            .label_style(("sans-serif", 14).into_font().color(&TEXT))
            .draw()
            .map_err(chart_error)?;
        for channel in Channel::ALL {
            let points = r.contacts.monthly.iter().map(|m| {
                (
                    u32::from(m.month),
                    m.by_channel.get(channel).copied().unwrap_or(0),
                )
            });
            let style = channel_color(*channel).stroke_width(3);
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(chart_error)?;
        }
        legend(&key, &channel_legend(lang), 8)
    })
}

/// Each waiting indicator as a bar against its target, green when met and red when not.
pub fn waiting(r: &YearReport, lang: Lang) -> Result<String, ReportError> {
    let title = texts::get(lang, "report.waiting_times_against_targets");
    let indicators = waiting_indicators(r, lang);
    let row_height = 58;
    let rows = indicators.len() as u32;
    svg(56 + row_height * rows, title, |area| {
        for (i, (label, indicator, unit)) in indicators.iter().enumerate() {
            let y = 10 + row_height as i32 * i as i32;
            text(
                area,
                label,
                (20, y + 8),
                text_style(15, TEXT, HPos::Left, VPos::Center),
            )?;
            indicator_bar(area, indicator, *unit, y + 20, lang)?;
        }
        let key = [
            (texts::get(lang, "report.target_met").to_string(), MET),
            (texts::get(lang, "report.not_met").to_string(), MISSED),
        ];
        legend(area, &key, 20 + (row_height * rows) as i32)
    })
}

fn indicator_bar(
    area: &Area,
    i: &crate::model::Indicator,
    unit: Unit,
    y: i32,
    lang: Lang,
) -> Result<(), ReportError> {
    let (left, width) = (20.0, f64::from(WIDTH) - 100.0);
    // Each row has its own scale (seconds, minutes, percent): the target sits at 80%.
    let scale = width / (i.target.max(i.value.unwrap_or(0.0)) * 1.25).max(f64::MIN_POSITIVE);
    let target_x = (left + i.target * scale).round() as i32;
    let target = format!(
        "{} {}",
        texts::get(lang, "report.target"),
        prose::indicator_target(i.target, unit, lang)
    );
    if let Some(value) = i.value {
        let color = if i.met == Some(true) { MET } else { MISSED };
        let x1 = (left + value * scale).round() as i32;
        area.draw(&Rectangle::new(
            [(left as i32, y), (x1.max(left as i32 + 1), y + 22)],
            color.filled(),
        ))
        .map_err(chart_error)?;
        let shown = prose::indicator_value(value, unit, lang);
        text(
            area,
            &shown,
            (x1.max(target_x) + 8, y + 11),
            text_style(15, TEXT, HPos::Left, VPos::Center),
        )?;
    } else {
        text(
            area,
            texts::get(lang, "report.no_data"),
            (left as i32, y + 11),
            text_style(14, TEXT, HPos::Left, VPos::Center),
        )?;
    }
    area.draw(&PathElement::new(
        vec![(target_x, y - 4), (target_x, y + 26)],
        TEXT.stroke_width(2),
    ))
    .map_err(chart_error)?;
    // On the label's line, right-aligned: the bar's line keeps its room for the value.
    let right = WIDTH as i32 - 12;
    text(
        area,
        &target,
        (right, y - 12),
        text_style(14, TEXT, HPos::Right, VPos::Center),
    )
}
