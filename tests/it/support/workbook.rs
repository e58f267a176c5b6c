//! Workbooks built in code, for the spreadsheet tests (`tests/it/sheets.rs`) and the
//! generator of the shipped annexes (`examples/gen_annexes.rs`, which includes this file with
//! `#[path]`). One description of a sheet (`SheetSpec`) is written either as xlsx, through
//! rust_xlsxwriter, or as ods, by hand: there is no ods writer among our crates, and an ods
//! file is a zip of a few XML files that calamine must read back.
//!
//! Each user of this file takes a part of it, hence the blanket `dead_code` allowance.
#![allow(dead_code)]

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};
use std::io::{Cursor, Write};

/// One cell as an annex author would type it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A numeric cell. Test input only: the library never sees this float but the one
    /// calamine reads back from the file.
    Number(f64),
    /// A formula, with the value a spreadsheet program computed and stored, if any.
    Formula {
        formula: String,
        cached: Option<f64>,
    },
}

pub fn t(text: &str) -> Cell {
    Cell::Text(text.to_string())
}

pub fn n(value: f64) -> Cell {
    Cell::Number(value)
}

pub fn e() -> Cell {
    Cell::Empty
}

/// A formula in A1 notation without its "=", e.g. `f("SUM(B7:B9)", Some(6.0))`.
pub fn f(formula: &str, cached: Option<f64>) -> Cell {
    Cell::Formula {
        formula: formula.to_string(),
        cached,
    }
}

/// A merged region, inclusive, 0-based: the text of its top-left cell covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u16,
    pub last_row: u32,
    pub last_col: u16,
}

/// `merge(3, 0, 4, 0)`: A4:A5.
pub fn merge(first_row: u32, first_col: u16, last_row: u32, last_col: u16) -> Merge {
    Merge {
        first_row,
        first_col,
        last_row,
        last_col,
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SheetSpec {
    pub name: String,
    pub hidden: bool,
    /// Rows from A1 down; a row may be shorter than others.
    pub rows: Vec<Vec<Cell>>,
    pub merges: Vec<Merge>,
}

impl SheetSpec {
    pub fn new(name: &str, rows: Vec<Vec<Cell>>) -> SheetSpec {
        SheetSpec {
            name: name.to_string(),
            hidden: false,
            rows,
            merges: Vec::new(),
        }
    }

    pub fn hidden(mut self) -> SheetSpec {
        self.hidden = true;
        self
    }

    pub fn merged(mut self, merges: Vec<Merge>) -> SheetSpec {
        self.merges = merges;
        self
    }

    fn merge_at(&self, row: u32, col: u16) -> Option<&Merge> {
        self.merges
            .iter()
            .find(|m| m.first_row == row && m.first_col == col)
    }

    fn covered(&self, row: u32, col: u16) -> bool {
        self.merges.iter().any(|m| {
            (m.first_row..=m.last_row).contains(&row)
                && (m.first_col..=m.last_col).contains(&col)
                && !(m.first_row == row && m.first_col == col)
        })
    }
}

pub type BoxError = Box<dyn std::error::Error>;

/// The workbook as xlsx. Creation date fixed so that two runs give the same bytes.
pub fn xlsx(sheets: &[SheetSpec]) -> Result<Vec<u8>, BoxError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2023, 2, 15)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let plain = Format::new();
    let mut first_visible = true;
    for spec in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&spec.name)?;
        // rust_xlsxwriter stores 0 as the value of a formula given no result; an empty
        // default makes it write `<v></v>`, what a file saved without computing holds.
        sheet.set_formula_result_default("");
        for (r, row) in spec.rows.iter().enumerate() {
            let r = u32::try_from(r)?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c)?;
                if spec.covered(r, c) {
                    continue;
                }
                if let Some(m) = spec.merge_at(r, c) {
                    let text = match cell {
                        Cell::Text(text) => text.as_str(),
                        _ => "",
                    };
                    sheet.merge_range(
                        m.first_row,
                        m.first_col,
                        m.last_row,
                        m.last_col,
                        text,
                        &plain,
                    )?;
                    continue;
                }
                match cell {
                    Cell::Empty => {}
                    Cell::Text(text) => {
                        sheet.write_string(r, c, text)?;
                    }
                    Cell::Number(value) => {
                        sheet.write_number(r, c, *value)?;
                    }
                    Cell::Formula { formula, cached } => {
                        let formula = Formula::new(format!("={formula}"));
                        let formula = match cached {
                            Some(value) => formula.set_result(format!("{value}")),
                            None => formula,
                        };
                        sheet.write_formula(r, c, formula)?;
                    }
                }
            }
        }
        if spec.hidden {
            sheet.set_hidden(true);
        } else if first_visible {
            // Excel refuses a workbook whose active sheet is hidden.
            sheet.set_active(true);
            first_visible = false;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// The workbook as a minimal ODS (OpenDocument 1.2): `mimetype` first and stored, the
/// manifest, and `content.xml` with one `table:table` per sheet. Merged cells are written
/// as LibreOffice does: spans on the first cell, `covered-table-cell`s under it.
pub fn ods(sheets: &[SheetSpec]) -> Result<Vec<u8>, BoxError> {
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, DateTime, ZipWriter};

    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default());
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("mimetype", stored)?;
    zip.write_all(ODS_MIMETYPE.as_bytes())?;
    zip.start_file("META-INF/manifest.xml", deflated)?;
    zip.write_all(ods_manifest().as_bytes())?;
    zip.start_file("content.xml", deflated)?;
    zip.write_all(ods_content(sheets).as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

fn ods_manifest() -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">"#,
            r#"<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{}"/>"#,
            r#"<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>"#,
            r#"</manifest:manifest>"#
        ),
        ODS_MIMETYPE
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `content.xml`. No whitespace between the elements of a row: calamine's ods reader
/// takes text there for a malformed row.
fn ods_content(sheets: &[SheetSpec]) -> String {
    let mut xml = String::new();
    xml.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<office:document-content"#,
        r#" xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0""#,
        r#" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0""#,
        r#" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0""#,
        r#" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0""#,
        r#" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2""#,
        r#" office:version="1.2">"#,
        r#"<office:automatic-styles>"#,
        r#"<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>"#,
        r#"<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>"#,
        r#"</office:automatic-styles>"#,
        r#"<office:body><office:spreadsheet>"#,
    ));
    for spec in sheets {
        let style = if spec.hidden { "ta2" } else { "ta1" };
        let width = spec.rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
        xml.push_str(&format!(
            r#"<table:table table:name="{}" table:style-name="{style}"><table:table-column table:number-columns-repeated="{width}"/>"#,
            xml_escape(&spec.name)
        ));
        for (r, row) in spec.rows.iter().enumerate() {
            let r = u32::try_from(r).unwrap_or(u32::MAX);
            // A row holds at least one cell, and every cell a span covers, even past the
            // cells the row spells out (ODF 1.2, 9.1.3).
            let spanned = spec
                .merges
                .iter()
                .filter(|m| (m.first_row..=m.last_row).contains(&r))
                .map(|m| usize::from(m.last_col) + 1)
                .max()
                .unwrap_or(0);
            let width = row.len().max(spanned).max(1);
            xml.push_str("<table:table-row>");
            for c in 0..width {
                let cell = row.get(c).unwrap_or(&Cell::Empty);
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                if spec.covered(r, c) {
                    xml.push_str("<table:covered-table-cell/>");
                    continue;
                }
                let span = spec
                    .merge_at(r, c)
                    .map(|m| {
                        format!(
                            r#" table:number-columns-spanned="{}" table:number-rows-spanned="{}""#,
                            m.last_col - m.first_col + 1,
                            m.last_row - m.first_row + 1
                        )
                    })
                    .unwrap_or_default();
                xml.push_str(&ods_cell(cell, &span));
            }
            xml.push_str("</table:table-row>");
        }
        xml.push_str("</table:table>");
    }
    xml.push_str("</office:spreadsheet></office:body></office:document-content>");
    xml
}

fn ods_cell(cell: &Cell, span: &str) -> String {
    match cell {
        Cell::Empty => format!("<table:table-cell{span}/>"),
        Cell::Text(text) => format!(
            r#"<table:table-cell{span} office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
            xml_escape(text)
        ),
        Cell::Number(value) => format!(
            r#"<table:table-cell{span} office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>"#
        ),
        Cell::Formula { formula, cached } => {
            let formula = xml_escape(&ods_formula(formula));
            match cached {
                Some(value) => format!(
                    r#"<table:table-cell{span} table:formula="of:={formula}" office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>"#
                ),
                None => format!(r#"<table:table-cell{span} table:formula="of:={formula}"/>"#),
            }
        }
    }
}

/// "SUM(C4:C13)" → "SUM([.C4:.C13])", OpenFormula's references.
fn ods_formula(formula: &str) -> String {
    let mut out = String::new();
    let mut chars = formula.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_uppercase() {
            let mut token = String::from(c);
            while let Some(&next) = chars.peek() {
                if next.is_ascii_alphanumeric() {
                    token.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            let is_ref = token.chars().any(|c| c.is_ascii_digit())
                && token
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic());
            if is_ref {
                if chars.peek() == Some(&':') {
                    chars.next();
                    let mut end = String::new();
                    while let Some(&next) = chars.peek() {
                        if next.is_ascii_alphanumeric() {
                            end.push(next);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    out.push_str(&format!("[.{token}:.{end}]"));
                } else {
                    out.push_str(&format!("[.{token}]"));
                }
            } else {
                out.push_str(&token);
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The shipped annexes (inputs/). Their figures must agree to the euro with the text twins.
// ---------------------------------------------------------------------------------------

/// Annexe 2 of instruction n° DGCS/DNS/CNSA/2023/13 du 16 janvier 2023: the 67 M€ split
/// between the 18 ARS, as the annex labels them.
pub const REPARTITION_2023: [(&str, i64); 18] = [
    ("ARS Auvergne-Rhône-Alpes", 8_348_102),
    ("ARS Bourgogne-Franche-Comté", 3_608_190),
    ("ARS Bretagne", 2_636_303),
    ("ARS Centre-Val de Loire", 2_645_200),
    ("ARS Corse", 1_517_659),
    ("ARS Grand Est", 4_837_618),
    ("ARS Guadeloupe", 1_152_000),
    ("ARS Guyane", 749_500),
    ("ARS Hauts-de-France", 5_100_588),
    ("ARS Île-de-France", 10_344_806),
    ("ARS La Réunion", 689_000),
    ("ARS Martinique", 328_500),
    ("ARS Mayotte", 1_098_598),
    ("ARS Normandie", 3_682_476),
    ("ARS Nouvelle-Aquitaine", 5_601_011),
    ("ARS Occitanie", 6_102_173),
    ("ARS Pays de la Loire", 2_751_639),
    ("ARS Provence-Alpes-Côte d'Azur", 5_806_637),
];

pub const TOTAL_2023: i64 = 67_000_000;

/// The 2023 annex: title and reference rows, a two-row header whose "Crédits 2023" is
/// merged over "Montant (en €)" and "Part (en %)", 18 rows, a "Total" row computed by
/// formulas whose values are stored, a source note below.
pub fn annexe_2023_sheet() -> SheetSpec {
    let mut rows = vec![
        vec![t(
            "Annexe 2 – Répartition régionale des crédits ESMS numérique 2023",
        )],
        vec![t(
            "Crédits délégués aux ARS au titre de la généralisation (instruction n° DGCS/DNS/CNSA/2023/13 du 16 janvier 2023)",
        )],
        vec![],
        vec![t("Région"), t("Crédits 2023"), e()],
        vec![e(), t("Montant (en €)"), t("Part (en %)")],
    ];
    for (label, amount) in REPARTITION_2023 {
        // The share as the annex prints it, to four decimals: an ignored column.
        let share = (amount as f64 / TOTAL_2023 as f64 * 10_000.0).round() / 10_000.0;
        rows.push(vec![t(label), n(amount as f64), n(share)]);
    }
    let first = 6;
    let last = first + REPARTITION_2023.len() - 1;
    rows.push(vec![
        t("Total"),
        f(&format!("SUM(B{first}:B{last})"), Some(TOTAL_2023 as f64)),
        f(&format!("SUM(C{first}:C{last})"), Some(1.0)),
    ]);
    rows.push(vec![]);
    rows.push(vec![t(
        "Source : instruction n° DGCS/DNS/CNSA/2023/13 du 16 janvier 2023, annexe 2 (BO Santé – Protection sociale – Solidarité du 15 février 2023).",
    )]);
    SheetSpec::new("Annexe 2", rows).merged(vec![
        merge(0, 0, 0, 2),
        merge(3, 0, 4, 0),
        merge(3, 1, 3, 2),
    ])
}

pub fn annexe_2023_xlsx() -> Result<Vec<u8>, BoxError> {
    xlsx(&[annexe_2023_sheet()])
}

/// The annex of décision n° 2021-37 du 10 décembre 2021 (national call, 2021): region,
/// organisme gestionnaire, amount as written in the annex (a number, or French text).
pub const LAUREATS_2021: [(&str, &str, i64); 10] = [
    ("Auvergne-Rhône-Alpes", "Fondation OVE", 645_000),
    (
        "Bourgogne-Franche-Comté",
        "Caisse nationale d'assurance maladie",
        755_000,
    ),
    ("Île-de-France", "Groupe SOS Solidarités", 406_472),
    (
        "Provence-Alpes-Côte d'Azur",
        "Hôpital du Pays Salonais",
        1_053_254,
    ),
    (
        "Provence-Alpes-Côte d'Azur",
        "Fédération Addiction",
        4_295_000,
    ),
    ("Normandie", "Bien à la Maison", 495_000),
    ("Bretagne", "Union nationale des associations ADMR", 758_710),
    ("Île-de-France", "Fondation Partage et Vie", 790_000),
    ("Île-de-France", "APF France Handicap", 2_763_000),
    ("Île-de-France", "GNCHR", 238_212),
];

pub const TOTAL_2021: i64 = 12_199_648;

/// How the 2021 annex writes an amount: most as numbers, three as French text typed by
/// hand (no-break spaces, a narrow one, cents and the euro sign).
fn amount_2021(amount: i64) -> Cell {
    match amount {
        406_472 => t("406\u{a0}472"),
        1_053_254 => t("1\u{202f}053\u{202f}254 €"),
        2_763_000 => t("2\u{a0}763\u{a0}000,00\u{a0}€"),
        other => n(other as f64),
    }
}

pub fn annexe_2021_sheet() -> SheetSpec {
    let mut rows = vec![
        vec![t(
            "Annexe – Projets retenus au titre de l'appel à projets national ESMS numérique 2021",
        )],
        vec![],
        vec![
            t("ARS"),
            t("Organisme gestionnaire"),
            t("Montant de la subvention (en €)"),
        ],
    ];
    for (region, beneficiary, amount) in LAUREATS_2021 {
        rows.push(vec![t(region), t(beneficiary), amount_2021(amount)]);
    }
    // Typed, not a SUM: a spreadsheet's SUM skips amounts typed as text, so a formula
    // over this column would not give the annex's total.
    rows.push(vec![t("Total"), e(), n(TOTAL_2021 as f64)]);
    SheetSpec::new("Annexe", rows).merged(vec![merge(0, 0, 0, 2)])
}

pub fn annexe_2021_ods() -> Result<Vec<u8>, BoxError> {
    ods(&[annexe_2021_sheet()])
}
