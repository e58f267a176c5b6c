//! Sources as readers see them, for report.html: the lines of a text or of a PDF's text
//! layer (as the extraction numbers them), or the cells of a spreadsheet's sheets.

use crate::extract::Source;
use crate::model::source_view::{SheetGrid, SourceLine, SourceView};

/// A sheet larger than this is shown in part: report.html stays small enough to open.
const MAX_ROWS: usize = 400;
const MAX_COLUMNS: usize = 40;

pub fn view(file: &str, source: &Source<'_>) -> SourceView {
    match source {
        Source::Text(text) => SourceView::Lines {
            file: file.to_string(),
            lines: text
                .lines()
                .enumerate()
                .map(|(i, line)| SourceLine {
                    page: None,
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    printed_page: None,
                    text: line.to_string(),
                })
                .collect(),
        },
        Source::Pdf(layer) => SourceView::Lines {
            file: file.to_string(),
            lines: layer
                .lines
                .iter()
                .zip(layer.text.lines())
                .map(|(at, text)| SourceLine {
                    page: Some(at.page),
                    line: at.line,
                    printed_page: at.printed_page.clone(),
                    text: text.to_string(),
                })
                .collect(),
        },
        Source::Spreadsheet(bytes) => SourceView::Sheets {
            file: file.to_string(),
            sheets: sheets(bytes),
        },
    }
}

fn sheets(bytes: &[u8]) -> Vec<SheetGrid> {
    use calamine::Reader;
    let Ok(mut workbook) = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in workbook.sheet_names() {
        let Ok(range) = workbook.worksheet_range(&name) else {
            continue;
        };
        let origin = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .take(MAX_ROWS)
            .map(|row| {
                row.iter()
                    .take(MAX_COLUMNS)
                    .map(ToString::to_string)
                    .collect()
            })
            .collect();
        out.push(SheetGrid { name, origin, rows });
    }
    out
}
