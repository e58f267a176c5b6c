//! Spreadsheet extraction (issue 5): one envelope's table out of an annex re-typed as a
//! workbook (xlsx, xls, xlsb or ods), every figure and label located by sheet and A1 cell.
//!
//! The shell (`Workbook`) is the only part that talks to calamine; it hands over each sheet
//! as a `Grid` of cached values, formulas and merged regions. Everything after is a walk over
//! that grid: find the header row(s), give each column its role, read the rows until the
//! table ends.
//!
//! The layouts handled are those of the official annexes: title and note rows above the
//! header, a header on two rows or in merged cells, blank and sub-total rows, a "Total" row,
//! a "Source : …" note below, amounts as numbers or as French text, scaled by the header
//! ("en k€", "en M€").

use crate::core::amount::{Amount, Precision, Qualifier, parse_number};
use crate::error::Error;
use crate::extract::{Extraction, declared_totals};
use crate::model::{Breakdown, DescriptionRef, EnvelopeSpec, Unit, WrittenAmount};
use crate::model::{Detail, Rule};
use crate::model::cell::{a1, column_letters, parse_a1, parse_column_letters};
use crate::model::{Located, Location, Note, RawItem, StatedAmount};
use calamine::{Data, Dimensions, Range, Reader, SheetType, SheetVisible, Sheets};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

/// How far below the top of a sheet (or of an anchor range) the header may stand. Annexes
/// put a title, a reference and a note or two above their table; thirty rows is generous.
const HEADER_SCAN_ROWS: u32 = 30;

/// Excel stores money as binary floats, so a sum of cents comes back as
/// 8348102.000000001. Below a millionth of a euro the difference is float noise, not a
/// figure the table states (french-reference-data.md §3.5 rule 5); above it the cell really
/// holds sub-cent digits that rounding to the cent drops, which an analyst should see.
const FLOAT_NOISE_EUR: Decimal = Decimal::from_parts(1, 0, 0, false, 6);

/// Extract one envelope's table from a spreadsheet source.
///
/// `source_name` goes into every `Location::Cell`; `description` is where the envelope's
/// keys stand, for a `declared_total` that no cell of the sheet holds.
pub fn extract_sheet(
    source_name: &str,
    bytes: &[u8],
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Extraction, Error> {
    let mut workbook = Workbook::open(source_name, bytes)?;
    let anchor = spec.anchor.as_deref().map(Anchor::parse);
    let (grid, bounds, layout) = match &anchor {
        Some(anchor) => {
            let sheet = workbook.find_sheet(&anchor.sheet)?;
            let grid = workbook.grid(&sheet)?;
            // A range is clipped to the cells in use: "A1:XFD1048576" must not mean a
            // billion empty cells to walk.
            let bounds = match (anchor.range, grid.used_bounds()) {
                (Some(range), Some(used)) => range.intersect(used),
                (None, used) => used,
                (Some(_), None) => None,
            };
            let Some(bounds) = bounds else {
                let place = match anchor.range {
                    Some(range) => format!("range {} of sheet '{}'", range.a1(), grid.name),
                    None => format!("sheet '{}'", grid.name),
                };
                return Err(Error::extraction(
                    sheet_location(source_name, &grid.name),
                    format!(
                        "{place} named by the anchor is empty: point `anchor` at the sheet or range that holds the table"
                    ),
                ));
            };
            match find_layout(source_name, &grid, bounds, spec)? {
                Some(layout) => (grid, bounds, layout),
                None => {
                    let place = match anchor.range {
                        Some(range) => format!("range {} of sheet '{}'", range.a1(), grid.name),
                        None => format!("sheet '{}'", grid.name),
                    };
                    return Err(Error::extraction(
                        sheet_location(source_name, &grid.name),
                        format!(
                            "no table found in {place}: looked in its first {HEADER_SCAN_ROWS} rows for {}",
                            looked_for(spec)
                        ),
                    ));
                }
            }
        }
        None => discover(source_name, &mut workbook, spec)?,
    };
    tracing::debug!(
        source = source_name,
        sheet = %grid.name,
        header = %a1(layout.header_rows.1, layout.label),
        "spreadsheet table found"
    );
    let mut layout = layout;
    if !layout.scale_stated
        && let Some(scale) = unit_in_notes(&grid)
    {
        // "Annexe – Délégation de crédits 2025 (en milliers d'euros)" above the table, or a
        // note below it, gives the unit the header does not.
        layout.amount_scale = scale;
        layout.previous = layout.previous.map(|(col, _)| (col, scale));
    }
    let mut extraction = read_rows(source_name, &grid, bounds, &layout)?;
    if extraction.total_row.is_none() {
        extraction.total_row = total_above_header(source_name, &grid, bounds, &layout)?;
    }
    declared_totals(
        spec,
        description,
        source_name,
        &mut extraction,
        |declared| declared_cell(source_name, &grid, declared),
    );
    Ok(extraction)
}

// ---------------------------------------------------------------------------------------
// The shell: calamine.
// ---------------------------------------------------------------------------------------

/// An open workbook. calamine picks the format from the bytes (xls, xlsx, xlsb, ods in that
/// order), never from the file name.
struct Workbook<'a> {
    source: &'a str,
    reader: Sheets<Cursor<&'a [u8]>>,
    sheets: Vec<calamine::Sheet>,
}

impl<'a> Workbook<'a> {
    fn open(source: &'a str, bytes: &'a [u8]) -> Result<Self, Error> {
        guarded(source, || {
            let reader = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
                Error::extraction(
                    source,
                    format!(
                        "cannot be read as a spreadsheet (xlsx, xls, xlsb or ods): {e}; \
                         check that the file is complete and not password-protected, or re-save it from Excel or LibreOffice"
                    ),
                )
            })?;
            let sheets = reader.sheets_metadata().to_vec();
            Ok(Workbook {
                source,
                reader,
                sheets,
            })
        })
    }

    /// The sheet an anchor names: by its exact name, else ignoring case, accents and spaces
    /// (a description typed by hand says "annexe 2" for "Annexe 2 ").
    fn find_sheet(&self, wanted: &str) -> Result<String, Error> {
        if let Some(sheet) = self.sheets.iter().find(|s| s.name == wanted) {
            return Ok(sheet.name.clone());
        }
        let folded = fold(wanted).trim().to_string();
        if let Some(sheet) = self.sheets.iter().find(|s| fold(&s.name).trim() == folded) {
            return Ok(sheet.name.clone());
        }
        let present: Vec<String> = self
            .sheets
            .iter()
            .map(|s| match s.visible {
                SheetVisible::Visible => format!("'{}'", s.name),
                SheetVisible::Hidden | SheetVisible::VeryHidden => {
                    format!("'{}' (hidden)", s.name)
                }
            })
            .collect();
        Err(Error::extraction(
            self.source,
            format!(
                "no sheet '{wanted}' (named by the envelope's anchor); the sheets present are {}. \
                 A range is written \"Sheet!A4:C23\"",
                if present.is_empty() {
                    "none".to_string()
                } else {
                    present.join(", ")
                }
            ),
        ))
    }

    /// One sheet's cached values, formulas and merged regions.
    fn grid(&mut self, name: &str) -> Result<Grid, Error> {
        let location = sheet_location(self.source, name);
        let reader = &mut self.reader;
        guarded(&location, || {
            let values = reader.worksheet_range(name).map_err(|e| {
                Error::extraction(&location, format!("cannot read sheet '{name}': {e}"))
            })?;
            // Formulas only serve to tell an uncomputed formula from an empty cell; a format
            // that cannot list them leaves that check to the cached values alone.
            let formulas = reader.worksheet_formula(name).unwrap_or_else(|e| {
                tracing::debug!(sheet = name, error = ?e, "formulas not available");
                Range::default()
            });
            // Only xlsx and xls readers expose merged regions; for ods and xlsb the header
            // falls back on `fill_merged_header` below.
            let merges = match reader {
                Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).ok(),
                Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).ok(),
                Sheets::Xlsb(_) | Sheets::Ods(_) => None,
            };
            Ok(Grid {
                name: name.to_string(),
                values,
                formulas,
                merges,
            })
        })
    }
}

/// calamine parses untrusted bytes; a panic deep inside it must become an error naming the
/// file, not abort the batch.
fn guarded<T>(location: &str, read: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(Error::extraction(
            location,
            "the spreadsheet reader failed on malformed content; re-save the file from Excel or LibreOffice",
        ))
    })
}

/// The first visible worksheet holding a table of the envelope's breakdown.
fn discover(
    source_name: &str,
    workbook: &mut Workbook<'_>,
    spec: &EnvelopeSpec,
) -> Result<(Grid, Bounds, Layout), Error> {
    let mut searched = Vec::new();
    let mut skipped = Vec::new();
    let candidates: Vec<calamine::Sheet> = workbook.sheets.clone();
    for sheet in candidates {
        let visible = sheet.visible == SheetVisible::Visible;
        if !visible || sheet.typ != SheetType::WorkSheet {
            skipped.push(format!("'{}'", sheet.name));
            continue;
        }
        searched.push(format!("'{}'", sheet.name));
        let grid = workbook.grid(&sheet.name)?;
        let Some(bounds) = grid.used_bounds() else {
            continue;
        };
        if let Some(layout) = find_layout(source_name, &grid, bounds, spec)? {
            return Ok((grid, bounds, layout));
        }
    }
    let mut message = format!(
        "no table found: looked in the first {HEADER_SCAN_ROWS} rows of the visible sheets ({}) for {}",
        if searched.is_empty() {
            "none".to_string()
        } else {
            searched.join(", ")
        },
        looked_for(spec)
    );
    if !skipped.is_empty() {
        message.push_str(&format!(
            "; hidden sheets and chart sheets are skipped ({}): name one in `anchor` to use it",
            skipped.join(", ")
        ));
    } else {
        message.push_str("; set `anchor` to the sheet or range (\"Sheet!A4:C23\")");
    }
    Err(Error::extraction(source_name, message))
}

/// What discovery looks for, in the user's words.
fn looked_for(spec: &EnvelopeSpec) -> String {
    let amount = "an amount column (Montant, Crédits, Dotation, Enveloppe, Subvention, \"en €\", \"en M€\"…)";
    let label = match spec.breakdown {
        Breakdown::Region => "a region column (Région, ARS, Territoire…)",
        Breakdown::Beneficiary => {
            "a beneficiary column (Organisme gestionnaire, Bénéficiaire, Porteur, Structure, Gestionnaire, Raison sociale…)"
        }
        Breakdown::BudgetLine => "a budget-line column (Libellé, Objet, Poste, Ligne…)",
        Breakdown::Revision => {
            return "a header row with a region column (Région, ARS…), a previous-amount column (avant, initial, ancien, précédent) and a new-amount column (après, modifié, nouveau, révisé, définitif)".to_string();
        }
    };
    let mut text = format!("a header row with {label} and {amount}");
    if spec.columns.is_some() {
        text.push_str(", with the columns named by `columns`");
    }
    text
}

// ---------------------------------------------------------------------------------------
// The grid: one sheet's cells, addressed as in the sheet (0-based row and column).
// ---------------------------------------------------------------------------------------

static EMPTY: Data = Data::Empty;

struct Grid {
    name: String,
    values: Range<Data>,
    formulas: Range<String>,
    /// `None` when the format does not tell (ods, xlsb).
    merges: Option<Vec<Dimensions>>,
}

/// A rectangle of the sheet, inclusive, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bounds {
    first_row: u32,
    first_col: u32,
    last_row: u32,
    last_col: u32,
}

impl Bounds {
    fn a1(&self) -> String {
        format!(
            "{}:{}",
            a1(self.first_row, self.first_col),
            a1(self.last_row, self.last_col)
        )
    }
    fn columns(&self) -> std::ops::RangeInclusive<u32> {
        self.first_col..=self.last_col
    }
    fn intersect(&self, other: Bounds) -> Option<Bounds> {
        let bounds = Bounds {
            first_row: self.first_row.max(other.first_row),
            first_col: self.first_col.max(other.first_col),
            last_row: self.last_row.min(other.last_row),
            last_col: self.last_col.min(other.last_col),
        };
        (bounds.first_row <= bounds.last_row && bounds.first_col <= bounds.last_col)
            .then_some(bounds)
    }
}

impl Grid {
    fn value(&self, row: u32, col: u32) -> &Data {
        self.values.get_value((row, col)).unwrap_or(&EMPTY)
    }

    fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas
            .get_value((row, col))
            .map(|f| f.trim())
            .filter(|f| !f.is_empty())
    }

    /// The rectangle holding every value and every formula.
    fn used_bounds(&self) -> Option<Bounds> {
        let mut bounds: Option<Bounds> = None;
        for (start, end) in [
            (self.values.start(), self.values.end()),
            (self.formulas.start(), self.formulas.end()),
        ] {
            if let (Some(start), Some(end)) = (start, end) {
                bounds = Some(match bounds {
                    None => Bounds {
                        first_row: start.0,
                        first_col: start.1,
                        last_row: end.0,
                        last_col: end.1,
                    },
                    Some(b) => Bounds {
                        first_row: b.first_row.min(start.0),
                        first_col: b.first_col.min(start.1),
                        last_row: b.last_row.max(end.0),
                        last_col: b.last_col.max(end.1),
                    },
                });
            }
        }
        bounds
    }

    /// The top-left cell of the merged region holding (row, col), or the cell itself.
    fn merge_origin(&self, row: u32, col: u32) -> (u32, u32) {
        self.merges
            .iter()
            .flatten()
            .find(|d| d.start.0 <= row && row <= d.end.0 && d.start.1 <= col && col <= d.end.1)
            .map_or((row, col), |d| d.start)
    }

    fn location(&self, source: &str, row: u32, col: u32) -> Location {
        Location::Cell {
            file: source.to_string(),
            sheet: self.name.clone(),
            cell: a1(row, col),
        }
    }

    fn is_blank_cell(&self, row: u32, col: u32) -> bool {
        cell_text(self.value(row, col)).is_none() && self.formula(row, col).is_none()
    }

    fn is_blank_row(&self, row: u32, bounds: Bounds) -> bool {
        bounds.columns().all(|col| self.is_blank_cell(row, col))
    }

    /// The text of a cell, following merged regions: a region written once over the four
    /// beneficiaries it groups labels each of them.
    fn merged_text(&self, row: u32, col: u32) -> (Option<String>, (u32, u32)) {
        let origin = self.merge_origin(row, col);
        (cell_text(self.value(origin.0, origin.1)), origin)
    }

    /// A cell that should hold something: an empty cell whose formula has no cached value is
    /// an error, since its figure cannot be known without recomputing the workbook.
    fn checked(&self, source: &str, row: u32, col: u32) -> Result<&Data, Error> {
        let data = self.value(row, col);
        if cell_text(data).is_none()
            && let Some(formula) = self.formula(row, col)
        {
            return Err(Error::extraction(
                self.location(source, row, col),
                format!(
                    "formula without a cached value (={formula}): open and save the file in Excel/LibreOffice so that its values are stored"
                ),
            ));
        }
        Ok(data)
    }
}

/// A cell's content as text, `None` when it is empty or only spaces.
fn cell_text(data: &Data) -> Option<String> {
    let text = match data {
        Data::Empty => return None,
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        other => other.to_string(),
    };
    let trimmed = text.trim_matches(is_space);
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{a0}' | '\u{202f}' | '\u{2007}' | '\u{2009}')
}

fn sheet_location(source: &str, sheet: &str) -> String {
    format!("{source}[{sheet}]")
}

// ---------------------------------------------------------------------------------------
// Anchors and A1 notation.
// ---------------------------------------------------------------------------------------

/// `anchor = "Annexe 1"` (a sheet) or `"Annexe 1!A4:C23"` (a range of it).
struct Anchor {
    sheet: String,
    range: Option<Bounds>,
}

impl Anchor {
    fn parse(anchor: &str) -> Anchor {
        if let Some((sheet, range)) = anchor.rsplit_once('!')
            && let Some(bounds) = parse_range(range)
        {
            let sheet = sheet.trim();
            // Excel quotes sheet names with spaces: 'Annexe 1'!A4:C23.
            let sheet = sheet
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .unwrap_or(sheet);
            return Anchor {
                sheet: sheet.replace("''", "'"),
                range: Some(bounds),
            };
        }
        Anchor {
            sheet: anchor.to_string(),
            range: None,
        }
    }
}

/// "A4:C23" (dollars allowed) → bounds, corners in any order.
fn parse_range(text: &str) -> Option<Bounds> {
    let (from, to) = text.trim().split_once(':')?;
    let (r1, c1) = parse_a1(from)?;
    let (r2, c2) = parse_a1(to)?;
    Some(Bounds {
        first_row: r1.min(r2),
        first_col: c1.min(c2),
        last_row: r1.max(r2),
        last_col: c1.max(c2),
    })
}

// ---------------------------------------------------------------------------------------
// Header words.
// ---------------------------------------------------------------------------------------

/// Lower case, accents dropped, every kind of space made a plain space, typographic
/// apostrophes made straight: the form header words and sheet names are compared in.
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            c if is_space(c) => ' ',
            '\u{2019}' | '\u{2018}' | '\u{2032}' | '`' => '\'',
            c => c,
        })
        .collect()
}

/// The folded words of a header, space-separated with a space at each end, so that a
/// phrase is searched as `" millions d euros "`. "€" sticks to its word ("m€", "k€") and
/// "%" is a word of its own.
fn words(text: &str) -> String {
    let mut out = String::from(" ");
    let mut word = String::new();
    for c in fold(text).chars() {
        if c.is_alphanumeric() || c == '€' {
            word.push(c);
        } else {
            if !word.is_empty() {
                out.push_str(&word);
                out.push(' ');
                word.clear();
            }
            if c == '%' {
                out.push_str("% ");
            }
        }
    }
    if !word.is_empty() {
        out.push_str(&word);
        out.push(' ');
    }
    out
}

fn has_any(words: &str, phrases: &[&str]) -> bool {
    phrases
        .iter()
        .any(|phrase| words.contains(&format!(" {phrase} ")))
}

const IGNORED: &[&str] = &[
    "%",
    "part",
    "parts",
    "taux",
    "pourcentage",
    "commentaire",
    "commentaires",
    "observation",
    "observations",
    "remarque",
    "remarques",
    // The differences of a revision table are not its amounts.
    "ecart",
    "ecarts",
    "variation",
    "variations",
    "evolution",
    "difference",
    "delta",
];
const IDENTIFIER: &[&str] = &["finess", "siren", "siret"];
const REGION: &[&str] = &[
    "region",
    "regions",
    "ars",
    "territoire",
    "territoires",
    "agence regionale de sante",
    "agences regionales de sante",
];
const BENEFICIARY: &[&str] = &[
    "organisme gestionnaire",
    "organismes gestionnaires",
    "organisme",
    "beneficiaire",
    "beneficiaires",
    "porteur",
    "porteurs",
    "porteuse",
    "structure",
    "structures",
    "gestionnaire",
    "gestionnaires",
    "raison sociale",
    "laureat",
    "laureats",
    "attributaire",
    "attributaires",
];
const BUDGET_LINE: &[&str] = &["libelle", "objet", "poste", "ligne", "lignes", "intitule"];
const AMOUNT: &[&str] = &[
    "montant",
    "montants",
    "credit",
    "credits",
    "dotation",
    "dotations",
    "enveloppe",
    "enveloppes",
    "subvention",
    "subventions",
    "financement",
    "financements",
    "somme",
    "sommes",
];
const PREVIOUS: &[&str] = &[
    "avant",
    "initial",
    "initiale",
    "initiaux",
    "ancien",
    "ancienne",
    "precedent",
    "precedente",
];
const NEW: &[&str] = &[
    "apres",
    "modifie",
    "modifiee",
    "nouveau",
    "nouvelle",
    "revise",
    "revisee",
    "definitif",
    "definitive",
    "rectifie",
    "rectifiee",
    "corrige",
    "corrigee",
];

/// The scale a header gives its column's numbers, if it gives one.
fn header_scale(words: &str) -> Option<Decimal> {
    crate::core::vocab::unit_in_header(words)
}

/// What a column's header says it holds.
#[derive(Debug, Clone, Default)]
struct Traits {
    ignored: bool,
    identifier: bool,
    region: bool,
    region_code: bool,
    beneficiary: bool,
    budget_line: bool,
    amount: bool,
    previous: bool,
    new: bool,
    scale: Option<Decimal>,
}

impl Traits {
    fn of(words: &str) -> Traits {
        let scale = header_scale(words);
        Traits {
            ignored: has_any(words, IGNORED),
            identifier: has_any(words, IDENTIFIER),
            // "Code région" beside the region's name: the name is the label.
            region: has_any(words, REGION) && !has_any(words, &["code"]),
            region_code: has_any(words, REGION) && has_any(words, &["code"]),
            beneficiary: has_any(words, BENEFICIARY),
            budget_line: has_any(words, BUDGET_LINE),
            amount: has_any(words, AMOUNT) || scale.is_some(),
            previous: has_any(words, PREVIOUS),
            new: has_any(words, NEW),
            scale,
        }
    }

    fn labels(&self, breakdown: Breakdown) -> bool {
        match breakdown {
            Breakdown::Region => self.region,
            Breakdown::Beneficiary => self.beneficiary,
            Breakdown::BudgetLine => self.budget_line,
            // An amendment is per region, or per beneficiary or budget line when it has no
            // region column.
            Breakdown::Revision => self.region || self.beneficiary || self.budget_line,
        }
    }

    fn any(&self) -> bool {
        self.ignored
            || self.identifier
            || self.region
            || self.region_code
            || self.beneficiary
            || self.budget_line
            || self.amount
            || self.previous
            || self.new
    }
}

// ---------------------------------------------------------------------------------------
// Finding the header and giving columns their roles.
// ---------------------------------------------------------------------------------------

/// One column of a candidate header: its text (both rows joined for a two-row header) and
/// the cell that holds it, for messages.
#[derive(Debug, Clone)]
struct HeaderCell {
    text: String,
    traits: Traits,
    cell: (u32, u32),
}

type HeaderCells = BTreeMap<u32, HeaderCell>;

/// Where the table's parts stand.
#[derive(Debug, Clone)]
struct Layout {
    /// First and last header rows (equal for a one-row header).
    header_rows: (u32, u32),
    label: u32,
    region: Option<u32>,
    identifier: Option<u32>,
    amount: u32,
    amount_scale: Decimal,
    /// Whether the header or the description gives the amounts' unit.
    scale_stated: bool,
    previous: Option<(u32, Decimal)>,
}

enum Assignment {
    NotATable,
    Table(Layout),
    Ambiguous(Error),
}

/// The table's header in `bounds`: the first row (or pair of rows) within
/// `HEADER_SCAN_ROWS` whose columns include a label and an amount.
fn find_layout(
    source: &str,
    grid: &Grid,
    bounds: Bounds,
    spec: &EnvelopeSpec,
) -> Result<Option<Layout>, Error> {
    let scan_last = bounds
        .last_row
        .min(bounds.first_row.saturating_add(HEADER_SCAN_ROWS - 1));
    for row in bounds.first_row..=scan_last {
        let next = (row < bounds.last_row).then_some(row + 1);
        let single = header_cells(grid, bounds, row, None);
        match assign(source, grid, spec, &single, (row, row)) {
            Assignment::Table(layout) => {
                // A header whose second row carries the detail ("Crédits 2023" over
                // "Montant (en €)" and "Part (en %)"): read both rows together.
                if let Some(next) = next
                    && is_header_continuation(grid, bounds, next, layout.label)
                {
                    let combined = header_cells(grid, bounds, row, Some(next));
                    match assign(source, grid, spec, &combined, (row, next)) {
                        Assignment::Table(two_rows) => return Ok(Some(two_rows)),
                        Assignment::Ambiguous(error) => return Err(error),
                        Assignment::NotATable => {}
                    }
                }
                return Ok(Some(layout));
            }
            Assignment::Ambiguous(error) => {
                // "Montant" over "avant | après": the second row may settle it.
                if let Some(next) = next
                    && is_textual_row(grid, bounds, next)
                {
                    let combined = header_cells(grid, bounds, row, Some(next));
                    if let Assignment::Table(two_rows) =
                        assign(source, grid, spec, &combined, (row, next))
                    {
                        return Ok(Some(two_rows));
                    }
                }
                return Err(error);
            }
            Assignment::NotATable => {
                // A header split over two rows where neither row alone has both columns. A
                // title or note row has a single cell and is never the top of a header.
                let filled = bounds
                    .columns()
                    .filter(|&col| cell_text(grid.value(row, col)).is_some())
                    .count();
                if let Some(next) = next
                    && filled >= 2
                    && is_textual_row(grid, bounds, next)
                {
                    let combined = header_cells(grid, bounds, row, Some(next));
                    match assign(source, grid, spec, &combined, (row, next)) {
                        Assignment::Table(two_rows) => return Ok(Some(two_rows)),
                        Assignment::Ambiguous(error) => return Err(error),
                        Assignment::NotATable => {}
                    }
                }
            }
        }
    }
    Ok(None)
}

/// The header text of each column of `row` (and `lower`, joined column-wise).
fn header_cells(grid: &Grid, bounds: Bounds, row: u32, lower: Option<u32>) -> HeaderCells {
    // A figure is never header text: "ARS Bretagne | 2 636 303 €" is a row of data even
    // though "ARS" and "€" are header words.
    let header_text = |row: u32, col: u32| match grid.merged_text(row, col) {
        (Some(text), origin) if !looks_like_number(&text) => Some((text, origin)),
        _ => None,
    };
    let mut upper: BTreeMap<u32, (String, (u32, u32))> = BTreeMap::new();
    for col in bounds.columns() {
        if let Some(entry) = header_text(row, col) {
            upper.insert(col, entry);
        }
    }
    let mut cells = HeaderCells::new();
    let Some(lower_row) = lower else {
        for (col, (text, origin)) in upper {
            let traits = Traits::of(&words(&text));
            cells.insert(
                col,
                HeaderCell {
                    text,
                    traits,
                    cell: origin,
                },
            );
        }
        return cells;
    };
    let mut lower_cells: BTreeMap<u32, (String, (u32, u32))> = BTreeMap::new();
    for col in bounds.columns() {
        if let Some(entry) = header_text(lower_row, col) {
            lower_cells.insert(col, entry);
        }
    }
    if grid.merges.is_none() {
        fill_merged_header(&mut upper, &lower_cells, row);
    }
    for col in bounds.columns() {
        let top = upper.get(&col);
        let bottom = lower_cells.get(&col);
        let (text, cell) = match (top, bottom) {
            (None, None) => continue,
            (Some((t, c)), None) | (None, Some((t, c))) => (t.clone(), *c),
            // A cell merged over both rows reads the same twice.
            (Some((t, _)), Some((b, c))) if t == b => (t.clone(), *c),
            (Some((t, _)), Some((b, c))) => (format!("{t} {b}"), *c),
        };
        let traits = Traits::of(&words(&text));
        cells.insert(col, HeaderCell { text, traits, cell });
    }
    cells
}

/// Without the merged regions (ods and xlsb readers do not give them), a group header
/// written once over sub-headers ("Montant (en €)" over "avant | après") applies to the
/// empty cells on its right that have a sub-header, as long as it heads a sub-header
/// itself. A header merged down over both rows ("Région") has no sub-header and spreads
/// nowhere.
fn fill_merged_header(
    upper: &mut BTreeMap<u32, (String, (u32, u32))>,
    lower: &BTreeMap<u32, (String, (u32, u32))>,
    row: u32,
) {
    let Some(last) = lower.keys().next_back().copied() else {
        return;
    };
    let mut group: Option<(String, (u32, u32))> = None;
    let first = upper.keys().next().copied().unwrap_or(0);
    for col in first..=last {
        match upper.get(&col) {
            Some(entry) => {
                group = lower.contains_key(&col).then(|| entry.clone());
            }
            None => {
                if lower.contains_key(&col)
                    && let Some((text, _)) = &group
                {
                    upper.insert(col, (text.clone(), (row, col)));
                }
            }
        }
    }
}

/// The row under a header that carries its second line: text only, no figure, and either
/// nothing under the label column (merged down) or header words.
fn is_header_continuation(grid: &Grid, bounds: Bounds, row: u32, label_col: u32) -> bool {
    if !is_textual_row(grid, bounds, row) {
        return false;
    }
    let label_empty = cell_text(grid.value(row, label_col)).is_none();
    label_empty
        || bounds.columns().any(|col| {
            cell_text(grid.value(row, col)).is_some_and(|text| {
                let w = words(&text);
                Traits::of(&w).any()
            })
        })
}

/// A non-blank row of text cells none of which reads as a number.
fn is_textual_row(grid: &Grid, bounds: Bounds, row: u32) -> bool {
    let mut any = false;
    for col in bounds.columns() {
        match grid.value(row, col) {
            Data::Empty => {}
            Data::String(text) => {
                if text.trim_matches(is_space).is_empty() {
                    continue;
                }
                if looks_like_number(text) || total_kind(text).is_some() {
                    return false;
                }
                any = true;
            }
            _ => return false,
        }
    }
    any
}

fn looks_like_number(text: &str) -> bool {
    let stripped = strip_currency(text);
    !stripped.is_empty() && parse_number(&stripped).is_ok()
}

/// The column a `columns.*` override names: a header's text, else a column letter.
fn resolve_column(cells: &HeaderCells, wanted: &str) -> Option<u32> {
    let folded = fold(wanted).trim().to_string();
    if let Some((col, _)) = cells
        .iter()
        .find(|(_, cell)| fold(&cell.text).trim() == folded)
    {
        return Some(*col);
    }
    if let Some(col) = parse_column_letters(wanted.trim()) {
        return cells.contains_key(&col).then_some(col);
    }
    let wanted_words = words(wanted);
    let mut containing = cells
        .iter()
        .filter(|(_, cell)| words(&cell.text).contains(&wanted_words));
    match (containing.next(), containing.next()) {
        (Some((col, _)), None) => Some(*col),
        _ => None,
    }
}

/// Gives the columns of a candidate header their roles.
fn assign(
    source: &str,
    grid: &Grid,
    spec: &EnvelopeSpec,
    cells: &HeaderCells,
    header_rows: (u32, u32),
) -> Assignment {
    let columns = spec.columns.clone().unwrap_or_default();
    let overridden = |wanted: &Option<String>| wanted.as_deref().map(|w| resolve_column(cells, w));

    let usable = |cell: &HeaderCell| !cell.traits.ignored && !cell.traits.identifier;

    // For a regional table, `columns.region` names the label column when `columns.label`
    // does not.
    let by_region = matches!(spec.breakdown, Breakdown::Region | Breakdown::Revision);
    let label_wanted = match (&columns.label, &columns.region) {
        (Some(label), _) => Some(label.clone()),
        (None, Some(region)) if by_region => Some(region.clone()),
        _ => None,
    };
    let label = match overridden(&label_wanted) {
        Some(Some(col)) => col,
        Some(None) => return Assignment::NotATable,
        None => {
            let mut candidates: Vec<u32> = cells
                .iter()
                .filter(|(_, cell)| usable(cell) && cell.traits.labels(spec.breakdown))
                .map(|(col, _)| *col)
                .collect();
            // Only a "Code région" column: the codes are the labels.
            if candidates.is_empty() && by_region {
                candidates = cells
                    .iter()
                    .filter(|(_, cell)| usable(cell) && cell.traits.region_code)
                    .map(|(col, _)| *col)
                    .collect();
            }
            // A header such as "Montant par région" is an amount first.
            let plain = candidates
                .iter()
                .copied()
                .find(|col| cells.get(col).is_some_and(|c| !c.traits.amount));
            match plain.or_else(|| candidates.first().copied()) {
                Some(col) => col,
                None => return Assignment::NotATable,
            }
        }
    };

    let region = match overridden(&columns.region) {
        Some(Some(col)) => Some(col),
        Some(None) => return Assignment::NotATable,
        None if spec.breakdown == Breakdown::Beneficiary => cells
            .iter()
            .find(|(col, cell)| {
                **col != label && usable(cell) && cell.traits.region && !cell.traits.amount
            })
            .map(|(col, _)| *col),
        None => None,
    };

    let identifier = match overridden(&columns.identifier) {
        Some(Some(col)) => Some(col),
        Some(None) => return Assignment::NotATable,
        None => cells
            .iter()
            .find(|(col, cell)| **col != label && cell.traits.identifier && !cell.traits.ignored)
            .map(|(col, _)| *col),
    };

    let taken = |col: u32| col == label || Some(col) == region || Some(col) == identifier;
    let amount_candidates: Vec<u32> = cells
        .iter()
        .filter(|(col, cell)| usable(cell) && cell.traits.amount && !taken(**col))
        .map(|(col, _)| *col)
        .collect();

    let scale_of = |col: u32| {
        cells
            .get(&col)
            .and_then(|c| c.traits.scale)
            .or_else(|| spec.unit.map(Unit::scale))
            .unwrap_or(Decimal::ONE)
    };
    let ambiguous = |cols: &[u32], key: &str, what: &str| {
        let first = cols
            .first()
            .and_then(|c| cells.get(c))
            .map_or(header_rows.1, |c| c.cell.0);
        let first_col = cols
            .first()
            .and_then(|c| cells.get(c))
            .map_or(0, |c| c.cell.1);
        let listed: Vec<String> = cols
            .iter()
            .filter_map(|c| cells.get(c))
            .map(|c| format!("{} '{}'", a1(c.cell.0, c.cell.1), c.text))
            .collect();
        Assignment::Ambiguous(Error::extraction(
            grid.location(source, first, first_col),
            format!(
                "{what}: {}; set `columns.{key}` in the envelope's description to the column's letter (\"{}\") or header text",
                listed.join(", "),
                cols.first()
                    .map_or_else(String::new, |c| column_letters(*c)),
            ),
        ))
    };

    let (amount, previous) = if spec.breakdown == Breakdown::Revision {
        let previous = match overridden(&columns.previous) {
            Some(Some(col)) => col,
            Some(None) => return Assignment::NotATable,
            None => {
                let found: Vec<u32> = amount_candidates
                    .iter()
                    .copied()
                    .filter(|c| cells.get(c).is_some_and(|h| h.traits.previous))
                    .collect();
                match found.as_slice() {
                    [] => return Assignment::NotATable,
                    [col] => *col,
                    _ => {
                        return ambiguous(
                            &found,
                            "previous",
                            "several columns could hold the amounts before the revision",
                        );
                    }
                }
            }
        };
        let amount = match overridden(&columns.amount) {
            Some(Some(col)) => col,
            Some(None) => return Assignment::NotATable,
            None => {
                let others: Vec<u32> = amount_candidates
                    .iter()
                    .copied()
                    .filter(|c| *c != previous)
                    .collect();
                let new: Vec<u32> = others
                    .iter()
                    .copied()
                    .filter(|c| cells.get(c).is_some_and(|h| h.traits.new))
                    .collect();
                match (new.as_slice(), others.as_slice()) {
                    ([col], _) => *col,
                    ([], [col]) => *col,
                    ([], []) => return Assignment::NotATable,
                    ([], many) => {
                        return ambiguous(
                            many,
                            "amount",
                            "several columns could hold the amounts after the revision",
                        );
                    }
                    (many, _) => {
                        return ambiguous(
                            many,
                            "amount",
                            "several columns could hold the amounts after the revision",
                        );
                    }
                }
            }
        };
        (amount, Some((previous, scale_of(previous))))
    } else {
        let amount = match overridden(&columns.amount) {
            Some(Some(col)) => col,
            Some(None) => return Assignment::NotATable,
            None => match amount_candidates.as_slice() {
                [] => return Assignment::NotATable,
                [col] => *col,
                // One merged cell over several columns ("Répartition des crédits … entre
                // les ARS" above the table) is a title, not a header.
                many if label_cell_spans(cells, label, many) => return Assignment::NotATable,
                many => {
                    return ambiguous(many, "amount", "several columns could hold the amounts");
                }
            },
        };
        (amount, None)
    };

    Assignment::Table(Layout {
        header_rows,
        label,
        region,
        identifier,
        amount,
        amount_scale: scale_of(amount),
        scale_stated: spec.unit.is_some()
            || cells.get(&amount).is_some_and(|c| c.traits.scale.is_some()),
        previous,
    })
}

// ---------------------------------------------------------------------------------------
// Reading the rows.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TotalKind {
    /// "Total", "TOTAL", "Total général", "Total national": the table's total.
    Total,
    /// "Sous-total", "Total Bretagne": a partial sum of the rows above it.
    Subtotal,
}

/// Whether a label opens a total or sub-total row (see `vocab::total_row`).
fn total_kind(label: &str) -> Option<TotalKind> {
    crate::core::vocab::total_row(label).map(|kind| match kind {
        crate::core::vocab::TotalRow::Grand => TotalKind::Total,
        crate::core::vocab::TotalRow::Sub => TotalKind::Subtotal,
    })
}

/// A note under a table (see `vocab::is_note`).
fn is_note(text: &str) -> bool {
    crate::core::vocab::is_note(text)
}

/// "8 348 102 €", "8.348.102,00 EUR", "645 000 euros", "€ 12" → the number text for
/// `parse_number`, which takes no unit.
fn strip_currency(text: &str) -> String {
    const UNITS: [&str; 4] = ["euros", "euro", "eur", "€"];
    let mut rest = text.trim_matches(is_space);
    loop {
        let before = rest;
        for unit in UNITS {
            if let Some(cut) = rest.len().checked_sub(unit.len())
                && rest.is_char_boundary(cut)
                && rest[cut..].eq_ignore_ascii_case(unit)
            {
                rest = rest[..cut].trim_matches(is_space);
                break;
            }
            if rest.len() >= unit.len()
                && rest.is_char_boundary(unit.len())
                && rest[..unit.len()].eq_ignore_ascii_case(unit)
            {
                rest = rest[unit.len()..].trim_matches(is_space);
                break;
            }
        }
        if rest == before {
            return rest.to_string();
        }
    }
}

/// The first text of a row, where a "Total" or a note is written.
fn first_text(grid: &Grid, bounds: Bounds, row: u32) -> Option<String> {
    bounds.columns().find_map(|col| match grid.value(row, col) {
        Data::String(s) => {
            let text = s.trim_matches(is_space);
            (!text.is_empty()).then(|| text.to_string())
        }
        _ => None,
    })
}

/// An amount cell read, scaled and rounded to the cent.
struct ReadAmount {
    stated: StatedAmount,
    note: Option<Note>,
}

fn read_amount(
    source: &str,
    grid: &Grid,
    row: u32,
    col: u32,
    scale: Decimal,
) -> Result<Option<ReadAmount>, Error> {
    let data = grid.checked(source, row, col)?;
    let location = grid.location(source, row, col);
    let fail = |message: String| Error::extraction(grid.location(source, row, col), message);
    let (value, raw, from_float) = match data {
        Data::Empty => return Ok(None),
        Data::Int(i) => (Decimal::from(*i), i.to_string(), false),
        Data::Float(f) => {
            // The shortest text that reads back as the same float is what Excel showed;
            // parsing it (never the float's binary expansion) keeps 0.1 as 0.1.
            let text = format!("{f}");
            let value = if f.is_finite() {
                Decimal::from_str(&text).ok()
            } else {
                None
            };
            match value {
                Some(v) => (v, text, true),
                None => return Err(fail(format!("the number {text} is not a money amount"))),
            }
        }
        Data::String(text) => {
            let number = strip_currency(text);
            if number.is_empty() {
                return Ok(None);
            }
            match parse_number(&number) {
                Ok(value) => (value, text.clone(), false),
                Err(e) => {
                    return Err(fail(format!(
                        "cannot read the amount: {e}; write it as a number or in French format (\"8 348 102\", \"8.348.102,00 €\")"
                    )));
                }
            }
        }
        Data::Bool(_) | Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            return Err(fail(format!(
                "'{data}' is a date, a duration or a boolean where an amount is expected"
            )));
        }
        Data::Error(e) => {
            return Err(fail(format!(
                "the cell holds the error value {e} where an amount is expected: fix the formula in the spreadsheet"
            )));
        }
    };
    let scaled = value
        .checked_mul(scale)
        .ok_or_else(|| fail(format!("'{raw}' is too large")))?;
    // Normalised so that 8348102, "8 348 102" and "8.348.102,00 €" read alike.
    let rounded = scaled
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    let dropped = (scaled - rounded).abs();
    let note = if from_float && dropped > FLOAT_NOISE_EUR {
        Some(Note::new(
            Rule::SheetFloatNoise,
            Detail::FloatNoise {
                held: scaled,
                read: rounded,
            },
            location.clone(),
        ))
    } else if !from_float && !dropped.is_zero() {
        // Typed text with a third decimal: the same rule (a cell's amount beyond the cent,
        // validate/rules.rs), with a message that quotes the text.
        Some(Note::new(
            Rule::SheetFloatNoise,
            Detail::ExtraDecimals {
                raw: raw.to_string(),
                value: scaled,
                read: rounded,
            },
            location.clone(),
        ))
    } else {
        None
    };
    // A table in k€ or M€ shows figures rounded to their last digit (8 412 k€ is 8 412 000
    // € give or take 500 €): the same half-unit rule as the texts.
    let amount = if scale > Decimal::ONE {
        Amount {
            value: rounded,
            precision: Precision::Rounded {
                // Float noise ("59.999999999999" k€) must not make a unit below the cent.
                unit: (scale / Decimal::from(10u64.pow(value.normalize().scale().min(18))))
                    .max(Decimal::new(1, 2)),
            },
            qualifier: Qualifier::Equal,
        }
    } else {
        Amount::exact(rounded)
    };
    Ok(Some(ReadAmount {
        stated: StatedAmount {
            amount,
            raw,
            location,
        },
        note,
    }))
}

/// Whether the label and the amount candidates are one merged cell.
fn label_cell_spans(cells: &HeaderCells, label: u32, amounts: &[u32]) -> bool {
    let origin = |col: &u32| cells.get(col).map(|c| c.cell);
    let label_origin = origin(&label);
    label_origin.is_some() && amounts.iter().all(|col| origin(col) == label_origin)
}

/// A summary first: a "Total" row above the header, its amount in the amount column.
fn total_above_header(
    source: &str,
    grid: &Grid,
    bounds: Bounds,
    layout: &Layout,
) -> Result<Option<StatedAmount>, Error> {
    for row in bounds.first_row..layout.header_rows.0 {
        let is_total =
            first_text(grid, bounds, row).is_some_and(|t| total_kind(&t) == Some(TotalKind::Total));
        if is_total
            && let Some(read) = read_amount(source, grid, row, layout.amount, layout.amount_scale)?
        {
            return Ok(Some(read.stated));
        }
    }
    Ok(None)
}

/// The unit a title or note cell of the sheet states explicitly ("en milliers d'euros",
/// "(en M€)"): only "en …" forms, which no figure of a title takes.
fn unit_in_notes(grid: &Grid) -> Option<Decimal> {
    grid.values
        .used_cells()
        .find_map(|(_, _, data)| match data {
            Data::String(text) => crate::core::vocab::unit_declared(text),
            _ => None,
        })
}

/// A FINESS or SIREN kept as its 9 characters (french-reference-data.md §3.4).
fn read_identifier(
    source: &str,
    grid: &Grid,
    row: u32,
    col: u32,
) -> Result<Option<(Located, Option<Note>)>, Error> {
    let data = grid.checked(source, row, col)?;
    let location = grid.location(source, row, col);
    let fail = |message: String| Error::extraction(grid.location(source, row, col), message);
    let text = match data {
        Data::Empty => return Ok(None),
        Data::Int(i) => i.to_string(),
        // A number cell: Excel dropped the leading zero of "010002345".
        Data::Float(f) if f.is_finite() && f.fract() == 0.0 && *f >= 0.0 => format!("{f}"),
        Data::String(s) => {
            let compact: String = s.chars().filter(|c| !is_space(*c)).collect();
            if compact.is_empty() {
                return Ok(None);
            }
            compact
        }
        other => {
            return Err(fail(format!(
                "'{other}' is not a FINESS or SIREN identifier (9 characters)"
            )));
        }
    };
    if is_scientific(&text) {
        return Err(fail(format!(
            "'{text}' is an identifier in scientific notation: its digits are lost; format the column as text and type the 9 characters again"
        )));
    }
    let identifier = if text.chars().all(|c| c.is_ascii_digit()) && text.len() < 9 {
        format!("{text:0>9}")
    } else {
        text.to_ascii_uppercase()
    };
    let corsican = identifier.starts_with("2A") || identifier.starts_with("2B");
    let well_formed = identifier.len() == 9
        && (identifier.chars().all(|c| c.is_ascii_digit())
            || (corsican && identifier[2..].chars().all(|c| c.is_ascii_digit())));
    if !well_formed {
        return Err(fail(format!(
            "'{text}' is not a FINESS or SIREN identifier (9 digits, or 2A/2B and 7 digits)"
        )));
    }
    // The FINESS check digit is not published; Luhn held on every real number sampled, so
    // a failure is a warning, never a rejection. Corsican numbers follow an unknown rule.
    let note = super::identifier_note(&identifier, &location);
    Ok(Some((
        Located {
            text: identifier,
            location,
        },
        note,
    )))
}

/// "2,601E+13", "2.601e13": what Excel shows of a long number it could not keep.
fn is_scientific(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some((mantissa, exponent)) = lower.split_once('e') else {
        return false;
    };
    let exponent = exponent.trim_start_matches(['+', '-']);
    !mantissa.is_empty()
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
}

/// A label-ish cell as written, located at the cell that holds the text (the top-left of a
/// merged region).
fn read_text(source: &str, grid: &Grid, row: u32, col: u32) -> Result<Option<Located>, Error> {
    let (text, origin) = grid.merged_text(row, col);
    if text.is_none() {
        grid.checked(source, row, col)?;
    }
    Ok(text.map(|text| Located {
        text,
        location: grid.location(source, origin.0, origin.1),
    }))
}

/// Whether a row after a blank one still belongs to the table.
fn is_table_row(grid: &Grid, bounds: Bounds, layout: &Layout, row: u32) -> bool {
    if first_text(grid, bounds, row).is_some_and(|t| total_kind(&t).is_some()) {
        return true;
    }
    let labelled = grid.merged_text(row, layout.label).0.is_some();
    let figured = match grid.value(row, layout.amount) {
        Data::Int(_) | Data::Float(_) => true,
        Data::String(text) => looks_like_number(text),
        Data::Empty => grid.formula(row, layout.amount).is_some(),
        _ => false,
    };
    labelled && figured
}

fn read_rows(
    source: &str,
    grid: &Grid,
    bounds: Bounds,
    layout: &Layout,
) -> Result<Extraction, Error> {
    let mut extraction = Extraction::default();
    let mut since_subtotal = Decimal::ZERO;
    let mut last_region: Option<Located> = None;
    let mut rows_since_subtotal = 0usize;
    let mut after_blank = false;
    let mut after_total = false;
    for row in layout.header_rows.1.saturating_add(1)..=bounds.last_row {
        if grid.is_blank_row(row, bounds) {
            after_blank = true;
            continue;
        }
        let first = first_text(grid, bounds, row);
        let kind = first.as_deref().and_then(total_kind);
        if after_total && kind != Some(TotalKind::Total) {
            // The table ends at its total row (the last of consecutive ones).
            break;
        }
        // "dont Saint-Martin et Saint-Barthélemy | 150 000" under Guadeloupe details the row
        // above it: not another line.
        if kind.is_none()
            && let Some(label) = grid.merged_text(row, layout.label).0
            && words(&label).starts_with(" dont ")
        {
            extraction.notes.push(Note::new(
                Rule::ExtractionDetail,
                Detail::DetailOfRow { label },
                grid.location(source, row, layout.label),
            ));
            continue;
        }
        let amount_empty = grid.is_blank_cell(row, layout.amount);
        if amount_empty && kind.is_none() && first.as_deref().is_some_and(is_note) {
            break;
        }
        if after_blank && !is_table_row(grid, bounds, layout, row) {
            // A blank row, then something that is not a row of the table: a note, a
            // second table. Blank rows inside the table are skipped.
            break;
        }
        after_blank = false;

        match kind {
            Some(kind) => {
                let Some(read) =
                    read_amount(source, grid, row, layout.amount, layout.amount_scale)?
                else {
                    let label = first.unwrap_or_default();
                    return Err(Error::extraction(
                        grid.location(source, row, layout.amount),
                        format!("the row '{label}' has no amount: fill it in or delete the row"),
                    ));
                };
                extraction.notes.extend(read.note);
                match kind {
                    TotalKind::Total => {
                        extraction.total_row = Some(read.stated);
                        after_total = true;
                    }
                    // "Total France entière" after "Sous-total Métropole" and "Sous-total
                    // DROM": no row since the last sub-total, so it totals the table.
                    TotalKind::Subtotal
                        if rows_since_subtotal == 0 && !extraction.items.is_empty() =>
                    {
                        extraction.total_row = Some(read.stated);
                        after_total = true;
                    }
                    TotalKind::Subtotal => {
                        let stated = read.stated.amount.value;
                        if stated != since_subtotal {
                            // Checked to the cent: the row and its rows are read alike.
                            extraction.notes.push(
                                Note::new(
                                    Rule::SheetSubtotalMismatch,
                                    Detail::SubtotalOfRows {
                                        label: first.unwrap_or_default(),
                                        stated,
                                        rows: rows_since_subtotal,
                                        rows_sum: since_subtotal,
                                    },
                                    read.stated.location,
                                )
                                .arithmetic(
                                    stated,
                                    since_subtotal,
                                    Decimal::ZERO,
                                ),
                            );
                        }
                        since_subtotal = Decimal::ZERO;
                        rows_since_subtotal = 0;
                    }
                }
            }
            None => {
                let label = read_text(source, grid, row, layout.label)?;
                let amount = read_amount(source, grid, row, layout.amount, layout.amount_scale)?;
                let previous = match layout.previous {
                    Some((col, scale)) => read_amount(source, grid, row, col, scale)?,
                    None => None,
                };
                let (label, amount) = match (label, amount) {
                    (None, None) if previous.is_none() => continue,
                    (Some(label), Some(amount)) => (label, amount),
                    (Some(label), None) => {
                        return Err(Error::extraction(
                            grid.location(source, row, layout.amount),
                            format!(
                                "'{}' has no amount: fill it in, or delete the row if it is not part of the table",
                                label.text
                            ),
                        ));
                    }
                    (None, _) => {
                        return Err(Error::extraction(
                            grid.location(source, row, layout.label),
                            format!(
                                "a figure without a label: row {} has an amount but column {} is empty",
                                u64::from(row) + 1,
                                column_letters(layout.label)
                            ),
                        ));
                    }
                };
                let mut region_hint = match layout.region {
                    Some(col) => read_text(source, grid, row, col)?,
                    None => None,
                };
                // ODS and xlsb do not report merged cells: a region merged down over its
                // beneficiaries reads as one value then empty cells. The region above is
                // carried down, and said.
                if region_hint.is_none()
                    && grid.merges.is_none()
                    && let Some(above) = &last_region
                {
                    if let Some(col) = layout.region {
                        extraction.notes.push(Note::new(
                            Rule::SheetRegionCarried,
                            Detail::RegionCarried {
                                region: above.text.clone(),
                                from: above.location.clone(),
                            },
                            grid.location(source, row, col),
                        ));
                    }
                    region_hint = Some(above.clone());
                }
                last_region.clone_from(&region_hint);
                let identifier = match layout.identifier {
                    Some(col) => match read_identifier(source, grid, row, col)? {
                        Some((identifier, note)) => {
                            extraction.notes.extend(note);
                            Some(identifier)
                        }
                        None => None,
                    },
                    None => None,
                };
                extraction.notes.extend(amount.note);
                let previous = previous.map(|p| {
                    extraction.notes.extend(p.note);
                    p.stated
                });
                since_subtotal += amount.stated.amount.value;
                rows_since_subtotal += 1;
                extraction.items.push(RawItem {
                    label,
                    region_hint,
                    identifier,
                    amount: amount.stated,
                    previous,
                });
            }
        }
    }
    Ok(extraction)
}

/// The cell of the sheet that states the description's `declared_total` (compared without
/// spaces, so "67 000 000 €" matches "67 000 000 €"), if one does.
fn declared_cell(source: &str, grid: &Grid, declared: &WrittenAmount) -> Option<StatedAmount> {
    let compact = |s: &str| -> String {
        fold(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    let wanted = compact(&declared.written);
    let (row, col) = grid
        .values
        .used_cells()
        .filter_map(|(row, col, data)| match data {
            Data::String(s) if compact(s).contains(&wanted) => Some((row, col)),
            _ => None,
        })
        .min()?;
    let start = grid.values.start()?;
    let row = u32::try_from(row).ok()? + start.0;
    let col = u32::try_from(col).ok()? + start.1;
    Some(StatedAmount {
        amount: declared.amount,
        raw: declared.written.clone(),
        location: grid.location(source, row, col),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_is_a_sheet_or_a_range() {
        let a = Anchor::parse("Annexe 1!A4:C23");
        assert_eq!(a.sheet, "Annexe 1");
        assert_eq!(a.range.map(|r| r.a1()), Some("A4:C23".to_string()));
        let a = Anchor::parse("'L''annexe'!C23:A4");
        assert_eq!(a.sheet, "L'annexe");
        assert_eq!(a.range.map(|r| r.a1()), Some("A4:C23".to_string()));
        let a = Anchor::parse("Attention!");
        assert_eq!(a.sheet, "Attention!");
        assert!(a.range.is_none());
    }

    #[test]
    fn header_words_are_matched_whole_and_folded() {
        assert!(Traits::of(&words("Région")).region);
        assert!(!Traits::of(&words("Répartition régionale")).region);
        assert!(Traits::of(&words("Agence régionale de santé")).region);
        assert!(Traits::of(&words("Montant de la subvention (en €)")).amount);
        assert!(Traits::of(&words("Part (en %)")).ignored);
        assert!(Traits::of(&words("N° FINESS EJ")).identifier);
        assert_eq!(
            header_scale(&words("Crédits (en M€)")),
            Some(Decimal::from(1_000_000))
        );
        assert_eq!(
            header_scale(&words("en milliers d’euros")),
            Some(Decimal::from(1_000))
        );
        assert_eq!(header_scale(&words("Montant (€)")), Some(Decimal::ONE));
        assert_eq!(header_scale(&words("Montant")), None);
    }

    #[test]
    fn totals_and_subtotals_are_told_apart() {
        assert_eq!(total_kind("Total"), Some(TotalKind::Total));
        assert_eq!(total_kind("TOTAL GÉNÉRAL"), Some(TotalKind::Total));
        assert_eq!(total_kind("Total national"), Some(TotalKind::Total));
        assert_eq!(total_kind("Sous-total"), Some(TotalKind::Subtotal));
        assert_eq!(total_kind("Sous total Nord"), Some(TotalKind::Subtotal));
        assert_eq!(total_kind("Total Île-de-France"), Some(TotalKind::Subtotal));
        assert_eq!(total_kind("Totalement autre"), None);
        assert_eq!(total_kind("Bretagne"), None);
    }

    #[test]
    fn currency_is_stripped_before_parsing() {
        assert_eq!(strip_currency("8.348.102,00 €"), "8.348.102,00");
        assert_eq!(strip_currency("645 000 euros"), "645 000");
        assert_eq!(strip_currency("12 EUR"), "12");
        assert_eq!(strip_currency("€ 12"), "12");
        assert_eq!(
            strip_currency("\u{a0}2\u{a0}763\u{a0}000,00\u{a0}€"),
            "2\u{a0}763\u{a0}000,00"
        );
        assert_eq!(strip_currency("€"), "");
        assert_eq!(strip_currency("Montant"), "Montant");
    }

    #[test]
    fn luhn_and_scientific_notation() {
        // 732829320 is a real SIREN (it opens the SIRET 732 829 320 00074).
        assert!(crate::extract::luhn_valid("732829320"));
        assert!(!crate::extract::luhn_valid("732829321"));
        assert!(is_scientific("2,601E+13"));
        assert!(is_scientific("2.601e13"));
        assert!(!is_scientific("010002345"));
        assert!(!is_scientific("E12"));
    }

    #[test]
    fn notes_under_a_table() {
        assert!(is_note("Source : instruction du 16 janvier 2023"));
        assert!(is_note("* montants arrondis"));
        assert!(is_note("NB : hors Mayotte"));
        assert!(!is_note("Bretagne"));
    }
}
