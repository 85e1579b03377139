//! The dashboard as a picture: horizontal stacked bars in sections, drawn with plotters on a
//! bitmap and encoded as PNG. Text is laid out and rasterized with ab_glyph from the bundled
//! DejaVu Sans (never a system font), which has Cyrillic and every Kazakh letter. The caller
//! gives every text already in the organiser's language.
//!
//! Text is not drawn with plotters' own `ab_glyph` feature: its 0.3.7 drops each glyph's left
//! side bearing, so letters sit unevenly (a Kazakh word came out as two); this places glyphs
//! where the font says.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::coord::Shift;
use plotters::prelude::*;

/// DejaVu Sans 2.37 from Debian's fonts-dejavu-core (licence beside it).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Telegram shows a photo at most 1280 pixels wide; a wider one is scaled down, its text with it.
pub const WIDTH: u32 = 1280;
const MARGIN: i32 = 40;
const TITLE_SIZE: f64 = 34.0;
const SUBTITLE_SIZE: f64 = 20.0;
const SECTION_SIZE: f64 = 23.0;
const LABEL_SIZE: f64 = 19.0;
const INSIDE_SIZE: f64 = 15.0;
const NOTE_SIZE: f64 = 19.0;
/// A bar's row and the bar in it: the shipped campaign's 27 bars fit in Telegram's 1280 pixels.
const ROW: i32 = 31;
const BAR: i32 = 22;
const SECTION_HEAD: i32 = 46;
const NOTE_LINE: i32 = 31;
/// The label column's bounds: wide enough for the longest step's label in Kazakh, narrow enough to
/// leave the bars most of the width.
const LABEL_COLUMN: (i32, i32) = (220, 470);

const INK: RGBColor = RGBColor(0x2d, 0x34, 0x36);
const GREY_INK: RGBColor = RGBColor(0x63, 0x6e, 0x72);
const RULE: RGBColor = RGBColor(0xdf, 0xe4, 0xea);
const TRACK: RGBColor = RGBColor(0xf3, 0xf5, 0xf8);

/// A colour, as the caller picks it from `PALETTE` or `MUTED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Colours for the series, in order: blue, green, orange, purple.
pub const PALETTE: [Rgb; 4] =
    [Rgb(0x38, 0x67, 0xd6), Rgb(0x20, 0xbf, 0x6b), Rgb(0xfa, 0x82, 0x31), Rgb(0x88, 0x54, 0xd0)];
/// For a series that is "not known yet".
pub const MUTED: Rgb = Rgb(0xa5, 0xb1, 0xc2);

/// One part of every bar, shown in the legend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub label: String,
    pub colour: Rgb,
}

/// One bar: its label, its value for each series, and the text at its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartBar {
    pub label: String,
    pub values: Vec<i64>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub bars: Vec<ChartBar>,
}

/// Everything drawn, top to bottom: title, subtitle, legend, sections, notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    pub subtitle: String,
    pub series: Vec<Series>,
    pub sections: Vec<Section>,
    /// Lines under the bars.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the bundled font cannot be read")]
    Font,
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot encode the chart as PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

fn draw_error(error: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(error.to_string())
}

fn colour(rgb: Rgb) -> RGBColor {
    RGBColor(rgb.0, rgb.1, rgb.2)
}

/// Where a text's anchor is: its left end or its centre, on the text's vertical middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Left,
    Centre,
}

/// Lays out and draws one line of text in the bundled font.
struct Typesetter<'a, DB: DrawingBackend> {
    font: FontRef<'static>,
    area: &'a DrawingArea<DB, Shift>,
}

impl<DB: DrawingBackend> Typesetter<'_, DB> {
    /// The text's glyphs at `size` pixels with the caret starting at 0, and its advance width.
    fn layout(&self, text: &str, size: f64) -> (Vec<ab_glyph::Glyph>, f32) {
        let scale = PxScale::from(size as f32);
        let scaled = self.font.as_scaled(scale);
        let mut caret = 0.0;
        let mut previous = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for ch in text.chars() {
            let id = scaled.glyph_id(ch);
            if let Some(previous) = previous {
                caret += scaled.kern(previous, id);
            }
            glyphs.push(id.with_scale_and_position(scale, point(caret, 0.0)));
            caret += scaled.h_advance(id);
            previous = Some(id);
        }
        (glyphs, caret)
    }

    fn width(&self, text: &str, size: f64) -> i32 {
        self.layout(text, size).1.ceil() as i32
    }

    /// Draws `text` with its anchor at `at`, vertically centred on the height of a capital.
    fn draw(&self, text: &str, at: (i32, i32), size: f64, ink: RGBColor, anchor: Anchor) -> Result<(), ChartError> {
        let (glyphs, width) = self.layout(text, size);
        let left = match anchor {
            Anchor::Left => at.0 as f32,
            Anchor::Centre => at.0 as f32 - width / 2.0,
        };
        let cap = self.font.as_scaled(PxScale::from(size as f32)).ascent() * CAP_OF_ASCENT;
        let baseline = at.1 as f32 + cap / 2.0;
        for mut glyph in glyphs {
            glyph.position = point(left + glyph.position.x, baseline);
            let Some(outlined) = self.font.outline_glyph(glyph) else { continue };
            let bounds = outlined.px_bounds();
            let mut pixels = Vec::new();
            outlined.draw(|x, y, coverage| pixels.push((x, y, coverage)));
            for (x, y, coverage) in pixels {
                let at = (bounds.min.x as i32 + x as i32, bounds.min.y as i32 + y as i32);
                self.area.draw_pixel(at, &ink.mix(f64::from(coverage.min(1.0)))).map_err(draw_error)?;
            }
        }
        Ok(())
    }
}

/// DejaVu Sans's capitals are 0.729 em high and its ascent 0.928 em.
const CAP_OF_ASCENT: f32 = 0.729 / 0.928;

impl Chart {
    /// The picture's height: everything stacked, with margins.
    pub fn height(&self) -> u32 {
        let bars: usize = self.sections.iter().map(|section| section.bars.len()).sum();
        let height = Self::HEADER
            + SECTION_HEAD * self.sections.len() as i32
            + ROW * bars as i32
            + 24
            + NOTE_LINE * self.notes.len() as i32
            + 28;
        u32::try_from(height).unwrap_or(WIDTH)
    }

    /// Title, subtitle and legend.
    const HEADER: i32 = 140;

    /// The chart as a PNG of `WIDTH` × `height()`.
    pub fn render_png(&self) -> Result<Vec<u8>, ChartError> {
        let font = FontRef::try_from_slice(FONT).map_err(|_| ChartError::Font)?;
        let height = self.height();
        let mut pixels = vec![0u8; WIDTH as usize * height as usize * 3];
        {
            let area = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height)).into_drawing_area();
            self.draw(&Typesetter { font, area: &area })?;
            area.present().map_err(draw_error)?;
        }
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, WIDTH, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
        Ok(png)
    }

    fn draw<DB: DrawingBackend>(&self, type_: &Typesetter<'_, DB>) -> Result<(), ChartError> {
        let area = type_.area;
        let width = WIDTH as i32;
        area.fill(&WHITE).map_err(draw_error)?;
        let rect = |from: (i32, i32), to: (i32, i32), fill: RGBColor| {
            area.draw(&Rectangle::new([from, to], fill.filled())).map_err(draw_error)
        };

        type_.draw(&self.title, (MARGIN, 44), TITLE_SIZE, INK, Anchor::Left)?;
        type_.draw(&self.subtitle, (MARGIN, 84), SUBTITLE_SIZE, GREY_INK, Anchor::Left)?;
        let mut x = MARGIN;
        for series in &self.series {
            rect((x, 116), (x + 18, 134), colour(series.colour))?;
            type_.draw(&series.label, (x + 26, 125), LABEL_SIZE, INK, Anchor::Left)?;
            x += 26 + type_.width(&series.label, LABEL_SIZE) + 36;
        }

        let bars = self.sections.iter().flat_map(|section| &section.bars);
        let label_width = bars
            .clone()
            .map(|bar| type_.width(&bar.label, LABEL_SIZE) + 20)
            .fold(LABEL_COLUMN.0, i32::max)
            .min(LABEL_COLUMN.1);
        let note_width = bars.clone().map(|bar| type_.width(&bar.note, LABEL_SIZE)).max().unwrap_or(0);
        let bars_from = MARGIN + label_width;
        let bars_to = width - MARGIN - note_width - 14;
        let span = f64::from((bars_to - bars_from).max(1));
        let largest = bars.map(|bar| bar.values.iter().sum::<i64>()).max().unwrap_or(0).max(1) as f64;
        let length = |value: i64| {
            let pixels = (value as f64 / largest * span).round() as i32;
            if value > 0 { pixels.max(2) } else { 0 }
        };

        let mut y = Self::HEADER;
        for section in &self.sections {
            rect((MARGIN, y + 8), (width - MARGIN, y + 9), RULE)?;
            type_.draw(&section.title, (MARGIN, y + 29), SECTION_SIZE, INK, Anchor::Left)?;
            y += SECTION_HEAD;
            for bar in &section.bars {
                let middle = y + ROW / 2;
                let (top, bottom) = (middle - BAR / 2, middle + BAR / 2);
                let label = clip(&bar.label, label_width - 20, |text| type_.width(text, LABEL_SIZE));
                type_.draw(&label, (MARGIN, middle), LABEL_SIZE, INK, Anchor::Left)?;
                rect((bars_from, top), (bars_to, bottom), TRACK)?;
                let mut x = bars_from;
                for (value, series) in bar.values.iter().zip(&self.series) {
                    let pixels = length(*value);
                    if pixels == 0 {
                        continue;
                    }
                    rect((x, top), (x + pixels, bottom), colour(series.colour))?;
                    let number = group_digits(*value);
                    if type_.width(&number, INSIDE_SIZE) + 10 <= pixels {
                        type_.draw(&number, (x + pixels / 2, middle), INSIDE_SIZE, WHITE, Anchor::Centre)?;
                    }
                    x += pixels;
                }
                type_.draw(&bar.note, (x + 10, middle), LABEL_SIZE, INK, Anchor::Left)?;
                y += ROW;
            }
        }
        y += 12;
        rect((MARGIN, y), (width - MARGIN, y + 1), RULE)?;
        y += 12;
        for line in &self.notes {
            type_.draw(line, (MARGIN, y + NOTE_LINE / 2), NOTE_SIZE, INK, Anchor::Left)?;
            y += NOTE_LINE;
        }
        Ok(())
    }
}

/// The text, shortened with "…" until it fits `width` pixels.
fn clip(text: &str, width: i32, measure: impl Fn(&str) -> i32) -> String {
    if measure(text) <= width {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while chars.pop().is_some() {
        let shorter = format!("{}…", chars.iter().collect::<String>().trim_end());
        if measure(&shorter) <= width {
            return shorter;
        }
    }
    String::new()
}

/// `1234567` as `1 234 567`, with no-break spaces: how Kazakh and Russian group digits.
pub fn group_digits(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2 + 1);
    if value < 0 {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every letter of the Kazakh and Russian alphabets (as the locales spell them for sorting),
    /// both cases, and what the chart writes besides: digits, punctuation, the no-break space,
    /// the ellipsis.
    #[test]
    fn the_bundled_font_has_every_kazakh_and_russian_letter() {
        let font = ab_glyph::FontRef::try_from_slice(FONT).expect("the bundled font parses");
        let locales = crate::i18n::Locales::load().expect("the locales load");
        let alphabets: Vec<String> =
            crate::domain::Lang::ALL.iter().map(|lang| locales.t(*lang, "collation-alphabet")).collect();
        assert!(alphabets.iter().all(|alphabet| alphabet.chars().filter(|ch| ch.is_alphabetic()).count() >= 33));
        let others = "0123456789 %·…—–-:;.,()«»/\u{a0}QAZTESTRMI";
        let letters: String = alphabets.concat().chars().filter(|ch| !ch.is_whitespace()).collect();
        let upper: String = letters.chars().flat_map(char::to_uppercase).collect();
        let missing: Vec<char> = [letters.as_str(), upper.as_str(), others]
            .concat()
            .chars()
            .filter(|ch| font.glyph_id(*ch).0 == 0)
            .collect();
        assert!(missing.is_empty(), "no glyph for {missing:?}");
        assert!(FONT.len() < 1_000_000, "the font is {} bytes", FONT.len());
    }

    fn sample() -> Chart {
        let bar = |label: &str, values: Vec<i64>| ChartBar {
            label: label.to_owned(),
            note: group_digits(values.iter().sum()),
            values,
        };
        Chart {
            title: "Úmitkerler voronkasy".into(),
            subtitle: "05.09.2023 10:00".into(),
            series: vec![
                Series { label: "Astana".into(), colour: PALETTE[0] },
                Series { label: "Basqa qalalar".into(), colour: PALETTE[1] },
                Series { label: "Qala tañdalmağan".into(), colour: MUTED },
            ],
            sections: vec![Section {
                title: "Barlyğy".into(),
                bars: vec![bar("Bastady", vec![10, 1200, 30]), bar("Til tañdady", vec![10, 0, 3])],
            }],
            notes: vec!["Promokodtar: QRT 1 200".into()],
        }
    }

    #[test]
    fn the_chart_is_a_png_of_its_size() {
        let chart = sample();
        let png = chart.render_png().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (WIDTH, chart.height()));
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        // Something is drawn: the bars' colour is there, and not everything is white.
        let blue = [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2];
        assert!(pixels.chunks(3).any(|pixel| pixel == blue), "no bar of the first series");
        assert!(pixels.chunks(3).filter(|pixel| *pixel == [255, 255, 255]).count() < pixels.len() / 3);
    }

    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1\u{a0}000");
        assert_eq!(group_digits(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(group_digits(-12_345), "-12\u{a0}345");
    }
}
