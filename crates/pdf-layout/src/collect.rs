//! Receives every glyph pdf-extract draws and keeps what the layout needs.
//!
//! pdf-extract interprets the content streams (text state, `TJ` kerning, fonts, encodings,
//! widths) and calls [`pdf_extract::OutputDev::output_character`] once per character code
//! with the full text rendering matrix. We keep the position, advance and size of each
//! visible glyph, and lay the page out when it ends so memory stays bounded by one page.

use std::cell::Cell;

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use crate::layout::{self, Glyph, LaidPage, RawPage};

pub(crate) struct Collector<'a> {
    max_glyphs: u64,
    glyphs_seen: u64,
    over_limit: bool,
    current_page: &'a Cell<u32>,
    page: Option<RawPage>,
    done: Vec<LaidPage>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(max_glyphs: u64, current_page: &'a Cell<u32>) -> Self {
        Collector {
            max_glyphs,
            glyphs_seen: 0,
            over_limit: false,
            current_page,
            page: None,
            done: Vec::new(),
        }
    }

    pub(crate) fn over_limit(&self) -> bool {
        self.over_limit
    }

    pub(crate) fn into_pages(mut self) -> Vec<LaidPage> {
        self.finish_page();
        self.done
    }

    fn finish_page(&mut self) {
        if let Some(page) = self.page.take() {
            self.done.push(layout::layout_page(page));
        }
    }
}

impl OutputDev for Collector<'_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.finish_page();
        self.current_page.set(page_num);
        self.page = Some(RawPage {
            index: page_num,
            media_box: [media_box.llx, media_box.lly, media_box.urx, media_box.ury],
            glyphs: Vec::new(),
            space_widths: Vec::new(),
        });
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.finish_page();
        Ok(())
    }

    /// `trm` maps text space to user space (text matrix × CTM, with horizontal scaling);
    /// `width` is the glyph's advance in text space units of 1 em; `spacing` is the
    /// character (plus word) spacing added after it.
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        self.glyphs_seen += 1;
        if self.glyphs_seen > self.max_glyphs {
            self.over_limit = true;
            // Any error stops pdf-extract; `over_limit` tells `read` which error it was.
            return Err(OutputError::FormatError(std::fmt::Error));
        }
        let Some(page) = self.page.as_mut() else {
            return Ok(());
        };
        let x_axis = (trm.m11, trm.m12);
        let y_axis = (trm.m21, trm.m22);
        let x_scale = x_axis.0.hypot(x_axis.1);
        let y_scale = y_axis.0.hypot(y_axis.1);
        let size = (font_size * y_scale).abs();
        let values = [trm.m31, trm.m32, x_scale, size, width, spacing];
        // A glyph without a usable font size or matrix cannot be placed; skip it rather than
        // poison the layout with NaN.
        if values.iter().any(|v| !v.is_finite()) || x_scale < 1e-9 || size < 1e-6 {
            return Ok(());
        }
        if text.chars().all(is_blank) {
            // Spaces are not kept as glyphs: the gap they leave decides word and column
            // breaks. Their width calibrates what "one space" means on this page.
            if width > 0.0 {
                page.space_widths.push(width);
            }
            return Ok(());
        }
        let text = clean(text);
        if text.is_empty() {
            return Ok(());
        }
        page.glyphs.push(Glyph {
            text,
            origin: (trm.m31, trm.m32),
            direction: (x_axis.0 / x_scale, x_axis.1 / x_scale),
            width: width * font_size * x_scale,
            advance: (width * font_size + spacing) * x_scale,
            size,
            x: 0.0,
            y: 0.0,
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Spaces of every width, including the no-break and thin spaces French typography puts
/// in amounts: they all become gaps.
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{200b}' | '\u{feff}'
        )
}

/// Unfolds typographic ligatures (so "ﬁnancement" matches "financement") and drops control
/// characters that some fonts map glyphs to.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            c if c.is_control() || is_blank(c) => {}
            c => out.push(c),
        }
    }
    out
}
