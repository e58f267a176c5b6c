//! Running heads, footers and page numbers.
//!
//! Candidates are the outermost line(s) at the top and bottom of each page that lie in the
//! outer tenth of the page height (a second line only when it is stacked tightly on the
//! first and the first is furniture). A candidate is furniture when it
//! - gives a page number ("- 12 -", "12", "Page 12", "…, Page 45", "12/40"), or
//! - repeats on another page's candidates once digits are ignored, and stands apart from
//!   the body (smaller type, or a wider gap than the page's line spacing): a running head.
//!   The last table row of two pages can repeat too, but it sits at the usual spacing.

use std::collections::HashMap;

use crate::layout::{LaidLine, LaidPage};

pub(crate) struct Marks {
    pub(crate) furniture: Vec<bool>,
    pub(crate) printed: Option<String>,
}

/// Share of the page height, from each edge, where running heads and footers sit.
const EDGE_ZONE: f64 = 0.10;

pub(crate) fn mark(pages: &[LaidPage]) -> Vec<Marks> {
    let candidates: Vec<Vec<Vec<usize>>> = pages.iter().map(edge_groups).collect();
    // How many pages show each candidate text, digits ignored.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (page, groups) in pages.iter().zip(&candidates) {
        let mut keys: Vec<String> = groups
            .iter()
            .flatten()
            .filter_map(|&i| repeat_key(&page.lines[i].text))
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            *seen.entry(key).or_default() += 1;
        }
    }

    pages
        .iter()
        .zip(&candidates)
        .map(|(page, groups)| {
            let mut marks = Marks {
                furniture: vec![false; page.lines.len()],
                printed: None,
            };
            let spacing = Spacing::of(page);
            // Groups come in pairs: the outermost line(s) at an edge, then the next ones in.
            for pair in groups.chunks(2) {
                let mut outer_is_furniture = false;
                let next_apart = pair
                    .get(1)
                    .is_some_and(|g| !g.is_empty() && spacing.gap_after(page, g));
                for (depth, group) in pair.iter().enumerate() {
                    if depth == 1 && !outer_is_furniture {
                        break;
                    }
                    // A two-line running head stands apart as a block.
                    let block_apart = spacing.gap_after(page, group) || (depth == 0 && next_apart);
                    for &i in group {
                        let text = &page.lines[i].text;
                        let number = page_number(text);
                        let apart = block_apart || spacing.small_type(&page.lines[i]);
                        let repeated = apart
                            && repeat_key(text)
                                .is_some_and(|k| seen.get(&k).copied().unwrap_or(0) > 1);
                        if number.is_some() || repeated {
                            marks.furniture[i] = true;
                            outer_is_furniture |= depth == 0;
                            if marks.printed.is_none() {
                                marks.printed = number;
                            }
                        }
                    }
                }
            }
            marks
        })
        .collect()
}

/// The page's usual type size and line spacing.
struct Spacing {
    body_size: f64,
    pitch: f64,
}

impl Spacing {
    fn of(page: &LaidPage) -> Self {
        let mut sizes: Vec<f64> = page.lines.iter().map(|l| l.size).collect();
        sizes.sort_by(f64::total_cmp);
        let body_size = sizes
            .get(sizes.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(0.0);
        let mut ys: Vec<f64> = page.lines.iter().map(|l| l.y).collect();
        ys.sort_by(|a, b| b.total_cmp(a));
        let mut steps: Vec<f64> = ys
            .windows(2)
            .map(|w| w[0] - w[1])
            .filter(|d| *d > 0.5 * body_size)
            .collect();
        steps.sort_by(f64::total_cmp);
        let pitch = steps
            .get(steps.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(f64::MAX);
        Spacing { body_size, pitch }
    }

    /// Set in clearly smaller type than the body, as running heads usually are.
    fn small_type(&self, line: &LaidLine) -> bool {
        line.size < 0.9 * self.body_size
    }

    /// Whether the lines next to `group` towards the page centre are further away than the
    /// usual line spacing.
    fn gap_after(&self, page: &LaidPage, group: &[usize]) -> bool {
        let Some(&first) = group.first() else {
            return false;
        };
        let y = page.lines[first].y;
        let centre = (page.top + page.bottom) / 2.0;
        let towards_centre =
            |l: &LaidLine| (l.y - y) * (centre - y) > 0.0 && (l.y - y).abs() > 0.5 * l.size;
        let gap = page
            .lines
            .iter()
            .filter(|l| towards_centre(l))
            .map(|l| (l.y - y).abs())
            .fold(f64::MAX, f64::min);
        gap < f64::MAX && gap > 1.3 * self.pitch
    }
}

/// Indices of the lines at the page edges: [top outer, top next, bottom outer, bottom next]
/// (each a baseline group, possibly empty).
fn edge_groups(page: &LaidPage) -> Vec<Vec<usize>> {
    let height = page.top - page.bottom;
    let mut by_height: Vec<usize> = (0..page.lines.len()).collect();
    by_height.sort_by(|&a, &b| page.lines[b].y.total_cmp(&page.lines[a].y));
    let in_top = |l: &LaidLine| page.top - l.y <= EDGE_ZONE * height;
    let in_bottom = |l: &LaidLine| l.y - page.bottom <= EDGE_ZONE * height;
    let top = groups_from_edge(&page.lines, by_height.iter().copied(), in_top);
    let bottom = groups_from_edge(&page.lines, by_height.iter().rev().copied(), in_bottom);
    vec![top.0, top.1, bottom.0, bottom.1]
}

/// The first two baseline groups met walking in from an edge, inside the zone; the second
/// only if it is stacked within two line heights of the first.
fn groups_from_edge(
    lines: &[LaidLine],
    mut order: impl Iterator<Item = usize>,
    in_zone: impl Fn(&LaidLine) -> bool,
) -> (Vec<usize>, Vec<usize>) {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut last_y: Option<f64> = None;
    for i in order.by_ref() {
        let line = &lines[i];
        if !in_zone(line) {
            break;
        }
        match last_y {
            Some(y) if (line.y - y).abs() <= 0.5 * line.size => current.push(i),
            Some(y) => {
                groups.push(std::mem::take(&mut current));
                if groups.len() == 2 || (line.y - y).abs() > 2.0 * line.size.max(1.0) {
                    break;
                }
                current.push(i);
                last_y = Some(line.y);
            }
            None => {
                current.push(i);
                last_y = Some(line.y);
            }
        }
    }
    if !current.is_empty() && groups.len() < 2 {
        groups.push(current);
    }
    let second = if groups.len() > 1 {
        groups.pop().unwrap_or_default()
    } else {
        Vec::new()
    };
    let first = groups.pop().unwrap_or_default();
    (first, second)
}

/// Text compared across pages: digits and spacing ignored; none for lines with too few
/// letters to be a running head (so table rows of numbers never match).
fn repeat_key(text: &str) -> Option<String> {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 4 {
        return None;
    }
    let key: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                '#'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    Some(key)
}

/// The page number a running head or footer gives, if any.
pub(crate) fn page_number(text: &str) -> Option<String> {
    let t = text.trim();
    // "12", "- 12 -", "— 12 —"
    let bare = t.trim_matches(|c: char| matches!(c, '-' | '–' | '—') || c.is_whitespace());
    if is_number(bare) && (bare.len() == t.len() || t.starts_with(['-', '–', '—'])) {
        return Some(bare.to_string());
    }
    // "12/40", "12 / 40" (page of pages, so never more than the total)
    if let Some((n, m)) = t.split_once('/')
        && is_number(n.trim())
        && is_number(m.trim())
        && n.trim().parse::<u32>().ok() <= m.trim().parse::<u32>().ok()
    {
        return Some(n.trim().to_string());
    }
    // "Page 12", "…, Page 45", "page 3/12", "Page 3 sur 12", "p. 7"
    let lower = t.to_lowercase();
    for marker in ["page ", "p. "] {
        if let Some(pos) = lower.rfind(marker) {
            let before_ok = pos == 0
                || lower[..pos].ends_with(|c: char| c.is_whitespace() || c == ',' || c == '|');
            let rest = lower[pos + marker.len()..].trim_start();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let tail = rest[digits.len()..].trim();
            let tail_ok = tail.is_empty()
                || tail.strip_prefix('/').is_some_and(|m| is_number(m.trim()))
                || tail
                    .strip_prefix("sur ")
                    .is_some_and(|m| is_number(m.trim()))
                || tail
                    .strip_prefix("of ")
                    .is_some_and(|m| is_number(m.trim()));
            if before_ok && is_number(&digits) && tail_ok {
                return Some(digits);
            }
        }
    }
    None
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::page_number;

    #[test]
    fn page_numbers() {
        let n = |s: &str| page_number(s);
        assert_eq!(
            n(
                "Bulletin officiel Santé – Protection sociale – Solidarité n° 2023/3 du 15 février 2023, Page 45"
            ),
            Some("45".into())
        );
        assert_eq!(n("- 46 -"), Some("46".into()));
        assert_eq!(n("— 7 —"), Some("7".into()));
        assert_eq!(n("12"), Some("12".into()));
        assert_eq!(n("Page 3"), Some("3".into()));
        assert_eq!(n("Page 3/12"), Some("3".into()));
        assert_eq!(n("page 3 sur 12"), Some("3".into()));
        assert_eq!(n("3/12"), Some("3".into()));
        assert_eq!(n("Texte 12 sur 120"), None);
        assert_eq!(n("2023/3"), None);
        assert_eq!(n("n° 2023/3 du 15 février 2023"), None);
        assert_eq!(n("Montant 12"), None);
        assert_eq!(n("homepage 4"), None);
        assert_eq!(n("1 234 567"), None);
    }
}
