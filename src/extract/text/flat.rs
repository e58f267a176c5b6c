//! Tables copied one cell per line, as Légifrance and PDF viewers give them: the header's
//! cells one per line ("RÉGIONS", "MONTANT (en euros)"), then each row's label on a line and
//! its amounts on the next ones, sub-totals and totals in the same shape:
//!
//! ```text
//! RÉGIONS
//! MONTANT (en euros)
//! Auvergne-Rhône-Alpes
//! 6 958 943
//! …
//! Sous-total Métropole
//! 55 200 000
//! ```
//!
//! The number of cells per row comes from the rows themselves (a label, then as many
//! numbers as every other row has), the header is the lines before the first row, and the
//! rows are then read like those of any table: the same columns, vocabulary and checks.

use super::lines::{Columns, HeaderProblem, Subtotal, TotalKind, header_columns};
use super::*;

/// The most lines a flattened table's title, notes and header cells take before its first
/// row.
const MAX_HEADER_LINES: usize = 12;

/// What a line of a flattened table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// A number alone on its line (its span, trimmed).
    Number(usize, usize),
    /// Anything else: a header cell, a label, a title.
    Text(usize, usize),
}

/// A row: its label's line and its numbers' lines (each cell a whole line, trimmed).
struct Row {
    label: (usize, usize, usize),
    numbers: Vec<(usize, usize, usize)>,
}

/// The trimmed span of a line and whether it is a number alone ("6 958 943", "258 543 €").
fn classify(line: &[char]) -> Option<Cell> {
    let start = line.iter().position(|c| !c.is_whitespace())?;
    let end = line.len() - line.iter().rev().position(|c| !c.is_whitespace())?;
    let text: String = line[start..end].iter().collect();
    let numeric = text.chars().any(|c| c.is_ascii_digit())
        && text
            .trim_end_matches(['€', ' ', '\u{a0}'])
            .trim_end_matches("euros")
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '.' | ','))
        && parse_number(
            text.trim_end_matches(['€', ' ', '\u{a0}'])
                .trim_end_matches("euros")
                .trim(),
        )
        .is_ok();
    Some(if numeric {
        Cell::Number(start, end)
    } else {
        Cell::Text(start, end)
    })
}

/// A table copied one cell per line, as found: its header lines and its rows.
pub(super) struct Flattened {
    header: Vec<(usize, usize, usize)>,
    rows: Vec<Row>,
    /// Figures per row.
    width: usize,
}

/// The flattened table that starts at `bounds.first`, if the lines there have that shape:
/// at least two rows of a label and the same number of figures, after a header of
/// single-cell lines. A list of "Région : montant" lines never has it.
pub(super) fn detect(doc: &Doc<'_>, bounds: ListBounds) -> Option<Flattened> {
    let last = match bounds.until {
        // The line holding `until` is never part of the table.
        Some((ul, _)) => ul,
        None => doc.lines.len(),
    };
    let mut cells: Vec<(usize, Cell)> = Vec::new();
    for l in bounds.first..last.min(doc.lines.len()) {
        let line = &doc.lines[l];
        if lines::is_page_furniture(line) {
            continue;
        }
        let Some(cell) = classify(line) else {
            continue;
        };
        // A line of several cells is a table of another shape (or the prose after one).
        if let Cell::Text(s, e) = cell
            && lines::cells(line, s, e).len() > 1
        {
            if cells.iter().any(|(_, c)| matches!(c, Cell::Number(..))) {
                break;
            }
            return None;
        }
        cells.push((l, cell));
    }
    let first_number = cells
        .iter()
        .position(|(_, c)| matches!(c, Cell::Number(..)))?;
    // The header is the text lines before the first row's label: a few lines right after
    // the anchor, without figures. A list whose lines carry their figures, or a table of
    // another envelope further down, is not this shape.
    if !(2..=MAX_HEADER_LINES).contains(&first_number) {
        return None;
    }
    if cells[..first_number]
        .iter()
        .any(|&(l, _)| !find_amounts(&doc.lines[l].iter().collect::<String>()).is_empty())
    {
        return None;
    }
    let header: Vec<(usize, usize, usize)> = cells[..first_number - 1]
        .iter()
        .map(|&(l, c)| match c {
            Cell::Text(s, e) | Cell::Number(s, e) => (l, s, e),
        })
        .collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut i = first_number - 1;
    let mut width: Option<usize> = None;
    while i < cells.len() {
        let Cell::Text(s, e) = cells[i].1 else {
            break;
        };
        let label = (cells[i].0, s, e);
        let numbers: Vec<(usize, usize, usize)> = cells[i + 1..]
            .iter()
            .take_while(|(_, c)| matches!(c, Cell::Number(..)))
            .map(|&(l, c)| match c {
                Cell::Number(s, e) | Cell::Text(s, e) => (l, s, e),
            })
            .collect();
        // "Métropole", "Outre-mer": a group heading between rows, followed by a row.
        if numbers.is_empty()
            && !rows.is_empty()
            && matches!(cells.get(i + 1), Some((_, Cell::Text(..))))
            && cells
                .get(i + 2)
                .is_some_and(|(_, c)| matches!(c, Cell::Number(..)))
        {
            i += 1;
            continue;
        }
        let expected = *width.get_or_insert(numbers.len());
        if numbers.is_empty() || numbers.len() != expected {
            break;
        }
        i += 1 + numbers.len();
        rows.push(Row { label, numbers });
    }
    let width = width.filter(|_| rows.len() >= 2)?;
    Some(Flattened {
        header,
        rows,
        width,
    })
}

/// Reads the section as a flattened table if it is one; `Ok(false)` leaves it to the other
/// readers.
pub(super) fn read_flattened(
    doc: &Doc<'_>,
    bounds: ListBounds,
    spec: &EnvelopeSpec,
    scale: Option<Decimal>,
    extraction: &mut Extraction,
) -> Result<bool, Error> {
    let Some(Flattened {
        header,
        rows,
        width,
    }) = detect(doc, bounds)
    else {
        return Ok(false);
    };
    // The header's cells: the last `width + 1` lines before the rows (titles and notes may
    // stand above them, a group heading such as "Métropole" between them and the rows).
    let folded_cells = |cells: &[(usize, usize, usize)]| -> Vec<String> {
        cells
            .iter()
            .map(|&(l, s, e)| folded_string(&doc.lines[l][s..e].iter().collect::<String>()))
            .collect()
    };
    let header_at = |skip: usize| {
        let end = header.len().checked_sub(skip)?;
        let start = end.checked_sub(width + 1)?;
        Some(&header[start..end])
    };
    let header_cells = (0..=2)
        .filter_map(header_at)
        // Rows read label first: a header that puts its amounts in the first column is
        // not this table's ("MONTANT (en euros)" above a "Métropole" heading).
        .find(|cells| match header_columns(&folded_cells(cells), spec) {
            Some(Ok(columns)) => columns.label_first(),
            Some(Err(_)) => true,
            None => false,
        })
        .or_else(|| header_at(0))
        .unwrap_or(&header[..0]);
    let texts = folded_cells(header_cells);
    let header_scale = header.iter().find_map(|&(l, s, e)| {
        lines::scale_in(&folded_string(
            &doc.lines[l][s..e].iter().collect::<String>(),
        ))
    });
    let columns = if texts.len() == width + 1 {
        match header_columns(&texts, spec) {
            Some(Ok(columns)) => Some(columns),
            Some(Err(problem)) => return Err(header_error(doc, header_cells, problem, spec)),
            None => None,
        }
    } else {
        None
    };
    let columns = match columns {
        Some(columns) => columns,
        // No header naming the columns: one figure per row is unambiguous, several are not.
        None if width == 1 => Columns::label_and_amount(),
        None => {
            return Err(Error::extraction(
                doc.location(rows[0].label.0, rows[0].label.1, rows[0].label.2),
                format!(
                    "the table of envelope '{}' is copied one cell per line with {width} figures per row and no header naming them: say which column holds its figures with `columns = {{ amount = \"2\" }}` (1-based position, label first)",
                    spec.id
                ),
            ));
        }
    };
    let scale = columns.scale().or(header_scale).or(scale);
    let mut subtotal = Subtotal::default();
    for row in &rows {
        let cells: Vec<(usize, usize, usize)> = std::iter::once(row.label)
            .chain(row.numbers.iter().copied())
            .collect();
        let label: String = doc.lines[row.label.0][row.label.1..row.label.2]
            .iter()
            .collect();
        if crate::core::vocab::is_detail(&label) {
            continue;
        }
        let item = lines::table_item(doc, &cells, &columns, scale, spec)?;
        match lines::total_kind(&folded_string(&label)) {
            Some(TotalKind::Grand) => extraction.total_row = Some(item.amount),
            Some(TotalKind::Sub) => subtotal.check(&item.amount, extraction),
            None => {
                subtotal.add(item.amount.amount.value);
                if let Some(id) = &item.identifier {
                    extraction
                        .notes
                        .extend(crate::extract::identifier_note(&id.text, &id.location));
                }
                extraction.items.push(item);
            }
        }
    }
    Ok(true)
}

/// The error for a header whose amount column the tool will not guess, at its first cell.
fn header_error(
    doc: &Doc<'_>,
    header: &[(usize, usize, usize)],
    problem: HeaderProblem,
    spec: &EnvelopeSpec,
) -> Error {
    let texts: Vec<String> = header
        .iter()
        .map(|&(l, s, e)| doc.lines[l][s..e].iter().collect())
        .collect();
    let location = header
        .first()
        .map_or_else(|| doc.location(0, 0, 0), |&(l, s, e)| doc.location(l, s, e));
    Error::extraction(location, lines::header_message(&texts, problem, spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_alone_is_a_cell_of_figures() {
        let line = |t: &str| t.chars().collect::<Vec<char>>();
        assert!(matches!(
            classify(&line("  6 958 943 ")),
            Some(Cell::Number(2, 11))
        ));
        assert!(matches!(
            classify(&line("258 543 €")),
            Some(Cell::Number(..))
        ));
        assert!(matches!(classify(&line("Article 2")), Some(Cell::Text(..))));
        assert!(matches!(
            classify(&line("Sous-total Métropole")),
            Some(Cell::Text(..))
        ));
        assert!(classify(&line("   ")).is_none());
    }
}
