//! Glyphs → lines → text, for one page.
//!
//! 1. Glyphs are put in the page's reading frame (the dominant text direction, so pages
//!    whose content is drawn rotated read like upright ones).
//! 2. Lines: glyphs whose baselines are within 40 % of the larger font size of each other
//!    (superscripts stay on their line).
//! 3. Within a line, the gap between consecutive glyphs decides: nothing (kerning), one
//!    space (a word space, or a thousands separator, which is one space wide), or a column
//!    break (wider than 1.5 space widths and clearly wider than the line's ordinary word
//!    spaces, so stretched justified text does not split).
//! 4. A page with a narrow vertical gutter that splits most lines, with text filling up to
//!    it on the left, is read as two columns: bands between lines that cross the gutter are
//!    read left column first, then right column.
//! 5. Text: segments are placed at the character column their position implies (one
//!    column = half the body font size), at least two spaces apart.

use std::cmp::Ordering;

/// A glyph as drawn, plus its coordinates in the page's reading frame.
pub(crate) struct Glyph {
    pub(crate) text: String,
    /// Glyph origin in user space.
    pub(crate) origin: (f64, f64),
    /// Unit vector of the text baseline in user space.
    pub(crate) direction: (f64, f64),
    /// Visible advance width, user space units.
    pub(crate) width: f64,
    /// Pen advance including character spacing, user space units.
    pub(crate) advance: f64,
    /// Font size, user space units.
    pub(crate) size: f64,
    /// Position along the reading direction (set by the layout).
    pub(crate) x: f64,
    /// Position across it, increasing upwards on the page (set by the layout).
    pub(crate) y: f64,
}

pub(crate) struct RawPage {
    pub(crate) index: u32,
    /// llx, lly, urx, ury.
    pub(crate) media_box: [f64; 4],
    pub(crate) glyphs: Vec<Glyph>,
    /// Advance widths (in em) of the space glyphs drawn on the page.
    pub(crate) space_widths: Vec<f64>,
}

pub(crate) struct LaidLine {
    pub(crate) text: String,
    /// Baseline position, increasing upwards.
    pub(crate) y: f64,
    pub(crate) size: f64,
}

pub(crate) struct LaidPage {
    pub(crate) index: u32,
    pub(crate) lines: Vec<LaidLine>,
    /// Top and bottom edges of the page in the reading frame.
    pub(crate) top: f64,
    pub(crate) bottom: f64,
}

/// Space width in em when the page draws no space glyph (between Times' 0.25 and
/// Helvetica's 0.278).
const DEFAULT_SPACE_EM: f64 = 0.26;
/// A gap wider than this many space widths separates words (about 0.1 em, as poppler).
const WORD_GAP: f64 = 0.36;
/// A gap wider than this many space widths may separate columns.
const COLUMN_GAP: f64 = 1.5;
/// A gap wider than this many space widths always separates columns.
const WIDE_GAP: f64 = 4.0;
/// ... and between the two, it must be this much wider than the line's usual word gap.
const COLUMN_VS_WORD: f64 = 1.6;
/// Baselines closer than this fraction of the (larger) font size are one line.
const BASELINE_TOLERANCE: f64 = 0.4;
/// No line is indented or padded past this column, whatever the coordinates say.
const MAX_COLUMN: usize = 400;

pub(crate) fn layout_page(mut page: RawPage) -> LaidPage {
    let (axis, up) = dominant_frame(&page.glyphs);
    page.glyphs
        .retain(|g| g.direction.0 * axis.0 + g.direction.1 * axis.1 > 0.7);
    for g in &mut page.glyphs {
        g.x = g.origin.0 * axis.0 + g.origin.1 * axis.1;
        g.y = g.origin.0 * up.0 + g.origin.1 * up.1;
    }
    let [llx, lly, urx, ury] = page.media_box;
    let corners_y =
        [(llx, lly), (llx, ury), (urx, lly), (urx, ury)].map(|(x, y)| x * up.0 + y * up.1);
    let top = corners_y.iter().copied().fold(f64::MIN, f64::max);
    let bottom = corners_y.iter().copied().fold(f64::MAX, f64::min);
    let mut laid = LaidPage {
        index: page.index,
        lines: Vec::new(),
        top,
        bottom,
    };
    if page.glyphs.is_empty() {
        return laid;
    }

    let space_em = median(&mut page.space_widths).map_or(DEFAULT_SPACE_EM, |w| w.clamp(0.15, 0.6));
    let mut sizes: Vec<f64> = page.glyphs.iter().map(|g| g.size).collect();
    let body_size = median(&mut sizes).unwrap_or(10.0);
    let ctx = Ctx {
        glyphs: &page.glyphs,
        space_em,
        char_width: (body_size * 0.5).max(1e-3),
    };

    let all: Vec<usize> = (0..page.glyphs.len()).collect();
    let raw_lines = ctx.cluster(&all);
    let raw_segments: Vec<Vec<Segment>> =
        raw_lines.iter().map(|l| ctx.segments(&l.glyphs)).collect();
    let x_min = page.glyphs.iter().map(|g| g.x).fold(f64::MAX, f64::min);

    // Lines in reading order, each with the x its indentation counts from.
    let mut ordered: Vec<(Line, f64)> = Vec::new();
    match detect_gutter(&raw_segments) {
        None => ordered.extend(raw_lines.into_iter().map(|l| (l, x_min))),
        Some(gutter) => {
            let mid = (gutter.0 + gutter.1) / 2.0;
            let is_left = |i: usize| page.glyphs[i].x + page.glyphs[i].width / 2.0 < mid;
            let crosses: Vec<bool> = raw_segments
                .iter()
                .map(|segs| segs.iter().any(|s| s.x0 < gutter.1 && s.x1 > gutter.0))
                .collect();
            // Each column's indentation counts from its own left edge.
            let column_glyphs = || {
                raw_lines
                    .iter()
                    .zip(&crosses)
                    .filter(|(_, c)| !**c)
                    .flat_map(|(l, _)| l.glyphs.iter().copied())
            };
            let left_origin = column_glyphs()
                .filter(|&i| is_left(i))
                .map(|i| page.glyphs[i].x)
                .fold(f64::MAX, f64::min);
            let right_origin = column_glyphs()
                .filter(|&i| !is_left(i))
                .map(|i| page.glyphs[i].x)
                .fold(f64::MAX, f64::min);
            let mut band: Vec<usize> = Vec::new();
            let flush = |band: &mut Vec<usize>, ordered: &mut Vec<(Line, f64)>| {
                let (left, right): (Vec<usize>, Vec<usize>) =
                    band.drain(..).partition(|&i| is_left(i));
                ordered.extend(ctx.cluster(&left).into_iter().map(|l| (l, left_origin)));
                ordered.extend(ctx.cluster(&right).into_iter().map(|l| (l, right_origin)));
            };
            for (line, crosses) in raw_lines.into_iter().zip(crosses) {
                if crosses {
                    flush(&mut band, &mut ordered);
                    ordered.push((line, x_min));
                } else {
                    band.extend(line.glyphs);
                }
            }
            flush(&mut band, &mut ordered);
        }
    }

    for (line, origin) in ordered {
        let text = ctx.render(&ctx.segments(&line.glyphs), origin);
        if !text.is_empty() {
            laid.lines.push(LaidLine {
                text,
                y: line.y,
                size: line.size,
            });
        }
    }
    laid
}

/// The reading direction most glyphs share, snapped to a multiple of 90°, and the "up"
/// vector perpendicular to it.
fn dominant_frame(glyphs: &[Glyph]) -> ((f64, f64), (f64, f64)) {
    const AXES: [(f64, f64); 4] = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)];
    let mut counts = [0usize; 4];
    for g in glyphs {
        if let Some(k) = AXES
            .iter()
            .position(|a| g.direction.0 * a.0 + g.direction.1 * a.1 > 0.7)
        {
            counts[k] += 1;
        }
    }
    // Ties go to the first axis, upright text.
    let mut best = 0;
    for k in 1..4 {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    let axis = AXES[best];
    (axis, (-axis.1, axis.0))
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[(values.len() - 1) / 2])
}

struct Line {
    /// Glyph indices, left to right.
    glyphs: Vec<usize>,
    y: f64,
    size: f64,
}

/// Text between column breaks within one line.
struct Segment {
    text: String,
    x0: f64,
    x1: f64,
}

struct Ctx<'a> {
    glyphs: &'a [Glyph],
    space_em: f64,
    char_width: f64,
}

impl Ctx<'_> {
    /// Groups glyphs into lines by baseline, top to bottom; each line left to right, with
    /// glyphs drawn twice at the same place (fake bold, shadows) kept once.
    fn cluster(&self, indices: &[usize]) -> Vec<Line> {
        let g = self.glyphs;
        let mut order = indices.to_vec();
        order.sort_by(|&a, &b| g[b].y.total_cmp(&g[a].y).then(g[a].x.total_cmp(&g[b].x)));
        let mut lines: Vec<Line> = Vec::new();
        for i in order {
            match lines.last_mut() {
                // The larger size sets the tolerance so that superscripts ("1er", "Mme",
                // note calls) and subscripts stay on their line.
                Some(line)
                    if (g[i].y - line.y).abs() <= BASELINE_TOLERANCE * line.size.max(g[i].size) =>
                {
                    line.glyphs.push(i);
                    if g[i].size > line.size {
                        // The line's baseline is that of its main text, not of a superscript
                        // met first.
                        line.y = g[i].y;
                        line.size = g[i].size;
                    }
                }
                _ => lines.push(Line {
                    glyphs: vec![i],
                    y: g[i].y,
                    size: g[i].size,
                }),
            }
        }
        for line in &mut lines {
            line.glyphs
                .sort_by(|&a, &b| g[a].x.total_cmp(&g[b].x).then(a.cmp(&b)));
            let mut kept: Vec<usize> = Vec::with_capacity(line.glyphs.len());
            for &i in &line.glyphs {
                let duplicate = kept.last().is_some_and(|&p| {
                    g[p].text == g[i].text
                        && (g[p].x - g[i].x).abs() < 0.2 * g[i].size
                        && (g[p].y - g[i].y).abs() < 0.2 * g[i].size
                });
                if !duplicate {
                    kept.push(i);
                }
            }
            line.glyphs = kept;
        }
        lines
    }

    /// Splits a line (glyphs left to right) into segments at column gaps, with single
    /// spaces at word gaps.
    fn segments(&self, line: &[usize]) -> Vec<Segment> {
        let g = self.glyphs;
        // Gaps in space widths; the larger of the two font sizes makes mixed-size lines
        // err towards fewer breaks.
        let gaps: Vec<f64> = line
            .windows(2)
            .map(|w| {
                let (a, b) = (&g[w[0]], &g[w[1]]);
                let space = self.space_em * a.size.max(b.size);
                (b.x - (a.x + a.advance.max(a.width))) / space
            })
            .collect();
        let mut word_gaps: Vec<f64> = gaps.iter().copied().filter(|&n| n > WORD_GAP).collect();
        let typical = median(&mut word_gaps).unwrap_or(1.0);
        let is_column = |n: f64| n > COLUMN_GAP && (n > WIDE_GAP || n > COLUMN_VS_WORD * typical);

        let mut segments: Vec<Segment> = Vec::new();
        for (k, &i) in line.iter().enumerate() {
            let glyph = &g[i];
            let gap = if k == 0 { None } else { Some(gaps[k - 1]) };
            match (gap, segments.last_mut()) {
                (Some(n), Some(seg)) if !is_column(n) => {
                    if n > WORD_GAP {
                        seg.text.push(' ');
                    }
                    seg.text.push_str(&glyph.text);
                    seg.x1 = seg.x1.max(glyph.x + glyph.width);
                }
                _ => segments.push(Segment {
                    text: glyph.text.clone(),
                    x0: glyph.x,
                    x1: glyph.x + glyph.width,
                }),
            }
        }
        segments
    }

    /// Places each segment at the character column of its left edge, counted from
    /// `origin`, keeping at least two spaces between segments.
    fn render(&self, segments: &[Segment], origin: f64) -> String {
        let mut out = String::new();
        let mut len = 0usize;
        for (k, seg) in segments.iter().enumerate() {
            let column = ((seg.x0 - origin) / self.char_width).round();
            let column = if column.is_finite() && column > 0.0 {
                (column as usize).min(MAX_COLUMN)
            } else {
                0
            };
            let min_pad = if k == 0 { 0 } else { 2 };
            let pad = column.saturating_sub(len).max(min_pad);
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&seg.text);
            len += pad + seg.text.chars().count();
        }
        out.truncate(out.trim_end().len());
        out
    }
}

/// Finds the gutter of a two-column page: an x range that at most a quarter of the lines
/// cross, near the middle of the text, narrow (columns, unlike table cells, sit close), with
/// most lines having text on each side and the left column filled up to it.
fn detect_gutter(lines: &[Vec<Segment>]) -> Option<(f64, f64)> {
    let total = lines.iter().filter(|l| !l.is_empty()).count();
    if total < 3 {
        return None;
    }
    let x_min = lines
        .iter()
        .flatten()
        .map(|s| s.x0)
        .fold(f64::MAX, f64::min);
    let x_max = lines
        .iter()
        .flatten()
        .map(|s| s.x1)
        .fold(f64::MIN, f64::max);
    let width = x_max - x_min;
    if !(width.is_finite() && width > 0.0) {
        return None;
    }
    // At most 1000 buckets, whatever the coordinates: the scan stays linear in the text.
    let step = (width / 1000.0).max(0.5);
    let buckets = (width / step).ceil() as usize + 1;
    let mut diff = vec![0i64; buckets + 1];
    for seg in lines.iter().flatten() {
        let b0 = ((seg.x0 - x_min) / step).floor() as usize + 1;
        let b1 = (((seg.x1 - x_min) / step).ceil() as usize)
            .saturating_sub(1)
            .min(buckets - 1);
        if b0 <= b1 {
            diff[b0] += 1;
            diff[b1 + 1] -= 1;
        }
    }
    // "Free over most of the page": titles and running heads may cross a quarter of lines.
    let allowed = total.div_ceil(4) as i64;
    let mut runs: Vec<(f64, f64)> = Vec::new();
    let mut depth = 0i64;
    let mut start: Option<usize> = None;
    for (b, d) in diff.iter().take(buckets).enumerate() {
        depth += d;
        match (depth <= allowed, start) {
            (true, None) => start = Some(b),
            (false, Some(s)) => {
                runs.push((x_min + s as f64 * step, x_min + b as f64 * step));
                start = None;
            }
            _ => {}
        }
    }
    let centre = x_min + width / 2.0;
    // Bucket edges are only known to within a step: keep the part of each run that no
    // segment can reach.
    let mut runs: Vec<(f64, f64)> = runs
        .into_iter()
        .map(|(a, b)| (a + step, b - step))
        .collect();
    runs.retain(|&(a, b)| {
        let c = (a + b) / 2.0;
        b - a > step
            && c > x_min + 0.25 * width
            && c < x_max - 0.25 * width
            && b - a <= 0.12 * width
    });
    runs.sort_by(|p, q| {
        let dp = ((p.0 + p.1) / 2.0 - centre).abs();
        let dq = ((q.0 + q.1) / 2.0 - centre).abs();
        dp.partial_cmp(&dq).unwrap_or(Ordering::Equal)
    });
    runs.into_iter()
        .find(|&(a, b)| is_column_gutter(lines, total, x_min, a, b))
}

fn is_column_gutter(lines: &[Vec<Segment>], total: usize, x_min: f64, a: f64, b: f64) -> bool {
    let mut left = 0usize;
    let mut right = 0usize;
    let mut filled = 0usize;
    let reach = a - 0.25 * (a - x_min);
    for segs in lines {
        if segs.iter().any(|s| s.x0 < b && s.x1 > a) {
            continue;
        }
        let left_end = segs
            .iter()
            .filter(|s| s.x1 <= a)
            .map(|s| s.x1)
            .fold(f64::MIN, f64::max);
        if left_end > f64::MIN {
            left += 1;
            if left_end >= reach {
                filled += 1;
            }
        }
        if segs.iter().any(|s| s.x0 >= b) {
            right += 1;
        }
    }
    let share = |n: usize| n as f64 / total as f64;
    share(left) >= 0.35 && share(right) >= 0.35 && filled * 2 >= left
}
