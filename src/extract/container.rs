//! What a spreadsheet file must be before calamine reads it, so that a damaged or hostile
//! workbook is a clear error in bounded memory and time rather than a crash of the batch:
//!
//! - a zip container (xlsx, xlsb, ods) that is whole: a download cut short is named as such;
//! - not password-protected (an encrypted xlsx is an OLE file holding an `EncryptedPackage`
//!   stream; an encrypted ods lists `encryption-data` in its manifest);
//! - inflating to at most `MAX_INFLATED_BYTES`, counted while inflating (a zip's declared
//!   sizes may lie): a "zip bomb" stops there;
//! - each sheet spanning at most `MAX_SHEET_CELLS` cells, first cell to last: calamine holds a
//!   sheet as one dense rectangle, so two cells at A1 and XFD1048576 would ask for 17 billion
//!   cells, and the allocation failure would abort the process.
//!
//! xls (BIFF) is bounded by its format (65 536 rows × 256 columns).

use crate::error::Error;
use std::io::Read;

/// A full allocation workbook of a million rows inflates to about 375 MB (its sheet's XML
/// with inline strings): 1 GiB reads it, and refuses a "zip bomb" long before memory does.
pub const MAX_INFLATED_BYTES: u64 = 1024 * 1024 * 1024;
/// A sheet of a million rows × 20 columns; an annex has a few hundred rows, an export of
/// every allocation a million.
pub const MAX_SHEET_CELLS: u64 = 20_000_000;
const MAX_ENTRIES: usize = 10_000;

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Checks the container of the workbook at `path`; `source` names the file in errors,
/// `named_by` the description line that names it ("inputs/annexe.toml:7").
///
/// The worksheets of an xlsx are not inflated here: they are read as a stream, never held
/// whole, and their reader refuses them past `MAX_INFLATED_BYTES` as it goes.
pub fn check(source: &str, named_by: &str, path: &std::path::Path) -> Result<(), Error> {
    let checked = (|| {
        let mut file = std::fs::File::open(path)
            .map_err(|e| unreadable(source, format!("cannot open it: {e}")))?;
        let mut head = [0u8; 8];
        let read = file
            .read(&mut head)
            .map_err(|e| unreadable(source, format!("cannot read it: {e}")))?;
        let head = &head[..read];
        if head.starts_with(OLE) {
            // An xls: small by its format (65 536 rows × 256 columns).
            let bytes = std::fs::read(path)
                .map_err(|e| unreadable(source, format!("cannot read it: {e}")))?;
            if contains_utf16le(&bytes, "EncryptedPackage") {
                return Err(password_protected(source));
            }
            Ok(())
        } else if head.starts_with(ZIP) {
            let file = std::io::BufReader::new(
                std::fs::File::open(path)
                    .map_err(|e| unreadable(source, format!("cannot open it: {e}")))?,
            );
            check_zip(source, file)
        } else {
            Ok(())
        }
    })();
    checked.map_err(|e| match e {
        Error::Extraction { location, message } => Error::Extraction {
            location,
            message: format!("{message} (the source named by {named_by}, publication.source)"),
        },
        other => other,
    })
}

fn unreadable(source: &str, why: String) -> Error {
    Error::extraction(
        source,
        format!("cannot be read as a spreadsheet (xlsx, xls, xlsb or ods): {why}"),
    )
}

fn password_protected(source: &str) -> Error {
    unreadable(
        source,
        "it is password-protected (encrypted); remove the password (Excel: Fichier > Informations > Protéger le classeur; LibreOffice: Fichier > Propriétés > Sécurité) and save it again".to_string(),
    )
}

fn contains_utf16le(bytes: &[u8], text: &str) -> bool {
    let needle: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

fn check_zip<R: Read + std::io::Seek>(source: &str, reader: R) -> Result<(), Error> {
    let damaged = |e: &dyn std::fmt::Display| {
        unreadable(
            source,
            format!(
                "its zip container is damaged or cut short ({e}); the file is incomplete: download or copy it again, or re-save it from Excel or LibreOffice"
            ),
        )
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| damaged(&e))?;
    // An xlsx package: its worksheets are streamed (see `check`).
    let streamed = archive.index_for_name("xl/workbook.xml").is_some();
    if archive.len() > MAX_ENTRIES {
        return Err(unreadable(
            source,
            format!(
                "its zip container holds {} entries, more than the {MAX_ENTRIES} a workbook has",
                archive.len()
            ),
        ));
    }
    // An encrypted ods's parts do not inflate: its manifest says why first.
    if let Ok(manifest) = archive.by_name("META-INF/manifest.xml") {
        let mut content = Vec::new();
        manifest
            .take(1024 * 1024)
            .read_to_end(&mut content)
            .map_err(|e| damaged(&format!("entry META-INF/manifest.xml: {e}")))?;
        if find(&content, b"encryption-data").is_some() {
            return Err(password_protected(source));
        }
    }
    let mut inflated: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::UnsupportedArchive(why)) if why.contains("assword") => {
                return Err(password_protected(source));
            }
            Err(e) => return Err(damaged(&e)),
        };
        if entry.encrypted() {
            return Err(password_protected(source));
        }
        let name = entry
            .name()
            .map_or_else(|_| format!("#{index}"), |n| n.into_owned());
        let part = Part::of(&name);
        if streamed && part == Some(Part::XlsxSheet) {
            continue;
        }
        let budget = MAX_INFLATED_BYTES - inflated;
        // One byte more than the budget tells a bomb from a file that fills it exactly.
        let mut limited = (&mut entry).take(budget + 1);
        let mut content = Vec::new();
        let read = match part {
            Some(_) => limited.read_to_end(&mut content),
            None => std::io::copy(&mut limited, &mut std::io::sink())
                .and_then(|n| usize::try_from(n).map_err(std::io::Error::other)),
        }
        .map_err(|e| damaged(&format!("entry {name}: {e}")))?;
        inflated += read as u64;
        if inflated > MAX_INFLATED_BYTES {
            return Err(unreadable(
                source,
                format!(
                    "it inflates to more than {} MiB (entry {name}), far beyond any annex workbook: a damaged or hostile file (\"zip bomb\"); re-save the table alone from Excel or LibreOffice",
                    MAX_INFLATED_BYTES / (1024 * 1024)
                ),
            ));
        }
        match part {
            Some(Part::XlsxSheet) => check_extent(
                source,
                &format!("the sheet stored as {name}"),
                xlsx_extent(&content),
            )?,
            Some(Part::XlsbSheet) => check_extent(
                source,
                &format!("the sheet stored as {name}"),
                xlsb_extent(&content),
            )?,
            Some(Part::OdsContent) => {
                for (sheet, extent) in ods_extents(&content) {
                    check_extent(source, &format!("sheet '{sheet}'"), Some(extent))?;
                }
            }
            None => {}
        }
    }
    Ok(())
}

/// The parts of a workbook whose cells are counted, read whole (within the budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `xl/worksheets/sheetN.xml`: one sheet's cells.
    XlsxSheet,
    /// `xl/worksheets/sheetN.bin`: one sheet's cells, as binary records.
    XlsbSheet,
    /// `content.xml`: every sheet of an ods.
    OdsContent,
}

impl Part {
    fn of(name: &str) -> Option<Part> {
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            Some(Part::XlsxSheet)
        } else if name.starts_with("xl/worksheets/") && name.ends_with(".bin") {
            Some(Part::XlsbSheet)
        } else if name == "content.xml" {
            Some(Part::OdsContent)
        } else {
            None
        }
    }
}

/// The rectangle from the first to the last cell holding something, 0-based, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Extent {
    first_row: u64,
    first_col: u64,
    last_row: u64,
    last_col: u64,
}

impl Extent {
    fn cells(&self) -> u64 {
        (self.last_row - self.first_row + 1).saturating_mul(self.last_col - self.first_col + 1)
    }

    fn add(extent: &mut Option<Extent>, rows: (u64, u64), cols: (u64, u64)) {
        *extent = Some(match *extent {
            None => Extent {
                first_row: rows.0,
                first_col: cols.0,
                last_row: rows.1,
                last_col: cols.1,
            },
            Some(e) => Extent {
                first_row: e.first_row.min(rows.0),
                first_col: e.first_col.min(cols.0),
                last_row: e.last_row.max(rows.1),
                last_col: e.last_col.max(cols.1),
            },
        });
    }

    fn a1(&self) -> String {
        let cell = |row: u64, col: u64| format!("{}{}", column_letters(col), row + 1);
        format!(
            "{}:{}",
            cell(self.first_row, self.first_col),
            cell(self.last_row, self.last_col)
        )
    }
}

fn column_letters(col: u64) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn check_extent(source: &str, what: &str, extent: Option<Extent>) -> Result<(), Error> {
    match extent {
        Some(extent) if extent.cells() > MAX_SHEET_CELLS => Err(unreadable(
            source,
            format!(
                "{what} spans {} ({} cells), more than the {MAX_SHEET_CELLS} this tool reads: delete the stray cells far from the table (Ctrl+End shows the last one) and save it again",
                extent.a1(),
                extent.cells()
            ),
        )),
        _ => Ok(()),
    }
}

/// Each start tag of an XML text: its name without namespace prefix, its attributes' text,
/// and whether it closes itself. End tags, comments and declarations are skipped.
fn start_tags(xml: &[u8]) -> impl Iterator<Item = (&[u8], &[u8], bool)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let open = at + find(&xml[at..], b"<")?;
            let close = open + find(&xml[open..], b">")?;
            at = close + 1;
            let tag = &xml[open + 1..close];
            if tag.first().is_some_and(|c| matches!(c, b'/' | b'?' | b'!')) {
                continue;
            }
            let self_closing = tag.last() == Some(&b'/');
            let end = tag
                .iter()
                .position(|c| c.is_ascii_whitespace() || *c == b'/')
                .unwrap_or(tag.len());
            let qualified = &tag[..end];
            let name = qualified
                .iter()
                .rposition(|c| *c == b':')
                .map_or(qualified, |i| &qualified[i + 1..]);
            return Some((name, &tag[end..], self_closing));
        }
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of attribute `name` (with its prefix, if any: `table:name`).
fn attribute<'a>(attributes: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(found) = find(&attributes[from..], name) {
        let start = from + found;
        let after = &attributes[start + name.len()..];
        let preceded = start == 0 || attributes[start - 1].is_ascii_whitespace();
        if preceded && let Some(rest) = after.strip_prefix(b"=") {
            let quote = *rest.first()?;
            let value = &rest[1..];
            return value
                .iter()
                .position(|c| *c == quote)
                .map(|end| &value[..end]);
        }
        from = start + 1;
    }
    None
}

fn number(value: Option<&[u8]>) -> Option<u64> {
    std::str::from_utf8(value?).ok()?.trim().parse().ok()
}

/// "XFD1048576" → (1048575, 16383).
fn parse_a1(value: &[u8]) -> Option<(u64, u64)> {
    let letters = value.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = value[..letters].iter().fold(0u64, |col, c| {
        col * 26 + u64::from(c.to_ascii_uppercase() - b'A') + 1
    }) - 1;
    let row: u64 = number(Some(&value[letters..]))?;
    Some((row.checked_sub(1)?, col))
}

/// The extent of an xlsx sheet's cells that hold something (`<c>` with content; an empty
/// `<c …/>` only carries a style). Rows and cells without a reference follow the previous.
fn xlsx_extent(xml: &[u8]) -> Option<Extent> {
    let mut extent = None;
    let mut row: u64 = 0;
    let mut next_row: u64 = 0;
    let mut next_col: u64 = 0;
    for (name, attributes, self_closing) in start_tags(xml) {
        match name {
            b"row" => {
                row = number(attribute(attributes, b"r"))
                    .and_then(|r| r.checked_sub(1))
                    .unwrap_or(next_row);
                next_row = row + 1;
                next_col = 0;
            }
            b"c" => {
                let (cell_row, col) = attribute(attributes, b"r")
                    .and_then(parse_a1)
                    .unwrap_or((row, next_col));
                next_col = col + 1;
                if !self_closing {
                    Extent::add(&mut extent, (cell_row, cell_row), (col, col));
                }
            }
            _ => {}
        }
    }
    extent
}

/// The extent of an xlsb sheet's cells, read from its records (MS-XLSB 2.1.4: a type and a
/// length, each a little-endian base-128 number): a row header (`BrtRowHdr`, type 0) gives
/// the row, each cell record but a blank one (types 2 to 11) starts with its column. The
/// records are read as calamine reads them, up to the end of the sheet data (type 0x92).
fn xlsb_extent(bytes: &[u8]) -> Option<Extent> {
    fn varint(bytes: &[u8], at: &mut usize, most: usize) -> Option<usize> {
        let mut value = 0usize;
        for i in 0..most {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= usize::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                break;
            }
        }
        Some(value)
    }
    let u32_at = |data: &[u8]| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            data.get(..4)?.try_into().ok()?,
        )))
    };
    let mut extent = None;
    let mut row: u64 = 0;
    let mut at = 0;
    while at < bytes.len() {
        let Some(kind) = varint(bytes, &mut at, 2) else {
            break;
        };
        let Some(length) = varint(bytes, &mut at, 4) else {
            break;
        };
        let Some(data) = bytes.get(at..at.saturating_add(length)) else {
            break;
        };
        at += length;
        match kind {
            0x0000 => match u32_at(data) {
                Some(r) if r <= 0x0010_0000 => row = r,
                _ => break,
            },
            0x0002..=0x000B => {
                if let Some(col) = u32_at(data) {
                    Extent::add(&mut extent, (row, row), (col, col));
                }
            }
            0x0092 => break,
            _ => {}
        }
    }
    extent
}

/// The extent of each sheet of an ods's `content.xml`, with repeated rows and columns
/// (`table:number-rows-repeated`) counted as calamine expands them.
fn ods_extents(xml: &[u8]) -> Vec<(String, Extent)> {
    let mut sheets = Vec::new();
    let mut current: Option<(String, Option<Extent>)> = None;
    let mut row: u64 = 0;
    let mut rows_repeated: u64 = 1;
    let mut col: u64 = 0;
    let mut finish = |current: &mut Option<(String, Option<Extent>)>| {
        if let Some((name, Some(extent))) = current.take() {
            sheets.push((name, extent));
        }
    };
    for (name, attributes, self_closing) in start_tags(xml) {
        match name {
            b"table" => {
                finish(&mut current);
                let sheet = attribute(attributes, b"table:name")
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .unwrap_or_default();
                current = Some((sheet, None));
                row = 0;
                rows_repeated = 0;
            }
            b"table-row" => {
                row = row.saturating_add(rows_repeated);
                rows_repeated = number(attribute(attributes, b"table:number-rows-repeated"))
                    .unwrap_or(1)
                    .max(1);
                col = 0;
            }
            b"table-cell" | b"covered-table-cell" => {
                let repeated = number(attribute(attributes, b"table:number-columns-repeated"))
                    .unwrap_or(1)
                    .max(1);
                let filled = !self_closing
                    || attribute(attributes, b"office:value-type").is_some()
                    || attribute(attributes, b"table:formula").is_some();
                if filled && let Some((_, extent)) = current.as_mut() {
                    Extent::add(
                        extent,
                        (row, row.saturating_add(rows_repeated - 1)),
                        (col, col.saturating_add(repeated - 1)),
                    );
                }
                col = col.saturating_add(repeated);
            }
            _ => {}
        }
    }
    finish(&mut current);
    sheets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xlsx_sheet_extent_runs_from_its_first_to_its_last_filled_cell() {
        let xml = br#"<worksheet><sheetData><row r="2"><c r="B2" t="s"><v>0</v></c><c s="1"/></row><row><c><v>1</v></c><c r="D3" s="2"/></row></sheetData></worksheet>"#;
        let extent = xlsx_extent(xml).unwrap();
        assert_eq!(extent.a1(), "A2:B3");
        let far = br#"<x:worksheet><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row><x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>"#;
        let extent = xlsx_extent(far).unwrap();
        assert_eq!(extent.a1(), "A1:XFD1048576");
        assert_eq!(extent.cells(), 1_048_576 * 16_384);
    }

    #[test]
    fn ods_extents_count_repeated_rows_and_columns() {
        let xml = br#"<office:body><table:table table:name="Annexe"><table:table-row><table:table-cell office:value-type="string"><text:p>R</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1020"/></table:table-row><table:table-row table:number-rows-repeated="3"><table:table-cell/><table:table-cell office:value-type="float" office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table><table:table table:name="Bombe"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row></table:table></office:body>"#;
        let extents = ods_extents(xml);
        assert_eq!(extents.len(), 2);
        assert_eq!(extents[0].0, "Annexe");
        assert_eq!(extents[0].1.a1(), "A1:B4");
        assert_eq!(extents[1].0, "Bombe");
        assert_eq!(extents[1].1.cells(), 1_048_576 * 16_384);
    }

    #[test]
    fn an_xlsb_sheet_extent_runs_from_its_first_to_its_last_cell_record() {
        let record = |kind: u8, data: &[u8]| {
            let mut r = vec![kind, u8::try_from(data.len()).unwrap()];
            r.extend_from_slice(data);
            r
        };
        let cell = |col: u32| [col.to_le_bytes().as_slice(), &[0; 12]].concat();
        let sheet = [
            record(0x00, &1u32.to_le_bytes()),
            record(0x07, &cell(0)),
            record(0x01, &cell(9)), // a blank cell: only a style
            record(0x00, &1_048_575u32.to_le_bytes()),
            record(0x05, &cell(16_383)),
            vec![0x92, 0x01, 0x00],
        ]
        .concat();
        let extent = xlsb_extent(&sheet).unwrap();
        assert_eq!(extent.a1(), "A2:XFD1048576");
    }

    #[test]
    fn attributes_are_matched_whole() {
        assert_eq!(attribute(b" xr:r=\"Z9\" r=\"B2\"", b"r"), Some(&b"B2"[..]));
        assert_eq!(attribute(b" spans=\"1:2\"", b"r"), None);
        assert_eq!(parse_a1(b"AA10"), Some((9, 26)));
        assert_eq!(parse_a1(b"A0"), None);
    }
}
