//! The spreadsheet gallery: one workbook per real-world layout, each in its folder of
//! `tests/fixtures/sheets/` beside the `envelope.toml` that describes it. The workbooks are
//! written by `examples/gen_sheet_fixtures.rs` and committed; the tests only read them.
//!
//! - Every case of `reads/` must extract, and what it says is its own snapshot
//!   (`snapshots/sheets/reads@<case>.snap`): every item's label, region hint, identifier and
//!   amount with their cells, the total row, the declared total and the notes.
//! - Every case of `refused/` must fail with an extraction error (exit 65), and its message
//!   is its own snapshot (`snapshots/sheets/refused@<case>.snap`).
//! - The tests below, named after a behaviour, say in code what a case must give (the cases
//!   of `asserted/` have no snapshot): the figures, the cells, and for a refusal the file,
//!   the sheet and the cell a user has to fix.
//!
//! Then the shipped annexes, and workbooks built at random or damaged, which must never make
//! extraction panic.

use crate::support::workbook::{self, Cell, SheetSpec, e, f, merge, n, t};
use crate::support::{self, Failures, rule_id};
use calamine::{Data, Reader};
use esms_ledger::error::Error;
use esms_ledger::extract::Extraction;
use esms_ledger::extract::sheet::extract_sheet;
use esms_ledger::model::{Description, EnvelopeSpec, SourceFormat};
use esms_ledger::model::{Location, StatedAmount};
use rust_decimal::Decimal;
use serde::Serialize;
use std::io::Cursor;
use std::path::Path;

// ---------------------------------------------------------------------------------------
// Harness.
// ---------------------------------------------------------------------------------------

/// A case of `tests/fixtures/sheets/`: a workbook, and the envelope a user would describe
/// for it (`envelope.toml`).
struct Case {
    /// The workbook's file name, as notes and errors cite it.
    file: String,
    bytes: Vec<u8>,
    spec: EnvelopeSpec,
}

/// The case in `dir`: its `envelope.toml` and the one workbook beside it.
fn case_in(dir: &Path) -> Case {
    let description = std::fs::read_to_string(dir.join("envelope.toml"))
        .unwrap_or_else(|e| panic!("{}/envelope.toml: {e}", dir.display()));
    let spec = toml::from_str(&description)
        .unwrap_or_else(|e| panic!("{}/envelope.toml: {e}", dir.display()));
    let mut workbooks: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.file_name().is_some_and(|name| name != "envelope.toml"))
        .collect();
    assert_eq!(
        workbooks.len(),
        1,
        "{}: one workbook beside envelope.toml",
        dir.display()
    );
    let path = workbooks.remove(0);
    Case {
        file: path.file_name().unwrap().to_string_lossy().into_owned(),
        bytes: std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        spec,
    }
}

/// `case("reads/subtotals")`.
fn case(name: &str) -> Case {
    case_in(&support::fixture("sheets").join(name))
}

impl Case {
    fn extract(&self) -> Result<Extraction, Error> {
        extract_sheet(
            &self.file,
            &self.bytes,
            &self.spec,
            &Described::of(&self.file).r(),
        )
    }

    /// The extraction of a layout that must read.
    fn reads(&self) -> Extraction {
        self.extract()
            .unwrap_or_else(|error| panic!("{} should extract, got: {error}", self.file))
    }

    /// The message of a layout that must be refused with an extraction error (exit 65), or
    /// why it is not.
    fn refusal(&self) -> Result<String, String> {
        let error = match self.extract() {
            Ok(extraction) => {
                return Err(format!(
                    "{} should be refused, got {} item(s)",
                    self.file,
                    extraction.items.len()
                ));
            }
            Err(error) => error,
        };
        if !matches!(error, Error::Extraction { .. }) {
            return Err(format!("{}: not an extraction error: {error:?}", self.file));
        }
        if error.exit_code() != 65 {
            return Err(format!(
                "{}: exit code {}: {error}",
                self.file,
                error.exit_code()
            ));
        }
        Ok(error.to_string())
    }

    /// The message of a layout that must be refused, which must name `fragments`.
    fn refused(&self, fragments: &[&str]) -> String {
        let message = self.refusal().unwrap_or_else(|failure| panic!("{failure}"));
        for fragment in fragments {
            assert!(
                message.contains(fragment),
                "{}: the message should contain {fragment:?}: {message}",
                self.file
            );
        }
        message
    }
}

/// Where a declared total absent from the workbook is located: the description.
fn fallback(file: &str) -> Location {
    Location::Line {
        file: file.replace(['.'], "-") + ".toml",
        line: 1,
        span: (0, 0),
    }
}

/// The description of a workbook's one envelope, as if written beside it: its keys start
/// at line 1.
struct Described {
    path: std::path::PathBuf,
    keys: esms_ledger::model::KeyLines,
}

impl Described {
    fn of(file: &str) -> Self {
        Described {
            path: std::path::PathBuf::from(file.replace(['.'], "-") + ".toml"),
            keys: esms_ledger::model::KeyLines::of("[[envelopes]]\nid = \"e\"\n"),
        }
    }
    fn r(&self) -> esms_ledger::model::DescriptionRef<'_> {
        esms_ledger::model::DescriptionRef {
            path: &self.path,
            keys: &self.keys,
            envelope: 0,
        }
    }
}

/// What a snapshot shows: cells as "B7" when on the table's sheet of the file, in full
/// otherwise.
#[derive(Serialize)]
struct View {
    source: String,
    sheet: Option<String>,
    items: Vec<ItemView>,
    total_row: Option<String>,
    declared_total: Option<String>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct ItemView {
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    region_hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<String>,
}

fn view(source: &str, extraction: &Extraction) -> View {
    let sheet = extraction
        .items
        .first()
        .map(|i| &i.amount.location)
        .or(extraction.total_row.as_ref().map(|t| &t.location))
        .and_then(|l| l.sheet())
        .map(str::to_string);
    let at = |location: &Location| match location {
        Location::Cell {
            file,
            sheet: s,
            cell,
        } if file == source && Some(s) == sheet.as_ref() => cell.clone(),
        other => other.to_string(),
    };
    let amount = |a: &StatedAmount| {
        format!(
            "{} {} @ {} (raw {:?})",
            a.amount.value,
            a.amount.kind(),
            at(&a.location),
            a.raw
        )
    };
    View {
        source: source.to_string(),
        sheet: sheet.clone(),
        items: extraction
            .items
            .iter()
            .map(|item| ItemView {
                label: format!("{} @ {}", item.label.text, at(&item.label.location)),
                region_hint: item
                    .region_hint
                    .as_ref()
                    .map(|r| format!("{} @ {}", r.text, at(&r.location))),
                identifier: item
                    .identifier
                    .as_ref()
                    .map(|i| format!("{} @ {}", i.text, at(&i.location))),
                amount: amount(&item.amount),
                previous: item.previous.as_ref().map(amount),
            })
            .collect(),
        total_row: extraction.total_row.as_ref().map(amount),
        declared_total: extraction.declared_total.as_ref().map(amount),
        notes: extraction
            .notes
            .iter()
            .map(|n| {
                format!(
                    "{} {} @ {}: {}",
                    n.severity().as_str(),
                    n.rule,
                    at(&n.location),
                    esms_ledger::render::en(&n.detail)
                )
            })
            .collect(),
    }
}

fn eur(value: i64) -> Decimal {
    Decimal::from(value)
}

fn amounts(extraction: &Extraction) -> Vec<Decimal> {
    extraction
        .items
        .iter()
        .map(|i| i.amount.amount.value)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Each case its own snapshot.
// ---------------------------------------------------------------------------------------

#[test]
fn each_layout_of_reads_extracts() {
    let mut failures = Failures::default();
    insta::with_settings!({
        snapshot_path => "../../snapshots/sheets",
        prepend_module_to_snapshot => false,
    }, {
        insta::glob!("../fixtures", "sheets/reads/*", |dir| {
            let case = case_in(dir);
            match case.extract() {
                Ok(extraction) => {
                    insta::assert_yaml_snapshot!("reads", view(&case.file, &extraction));
                }
                Err(error) => failures.add(format!(
                    "{}: {} should extract, got: {error}",
                    dir.display(),
                    case.file
                )),
            }
        });
    });
    failures.assert_none();
}

#[test]
fn each_layout_of_refused_is_refused_naming_the_file() {
    let mut failures = Failures::default();
    insta::with_settings!({
        snapshot_path => "../../snapshots/sheets",
        prepend_module_to_snapshot => false,
    }, {
        insta::glob!("../fixtures", "sheets/refused/*", |dir| {
            let case = case_in(dir);
            match case.refusal() {
                Ok(message) => {
                    if !message.contains(&case.file) {
                        failures.add(format!("{}: the message should name {}: {message}", dir.display(), case.file));
                    }
                    insta::assert_snapshot!("refused", message);
                }
                Err(failure) => failures.add(format!("{}: {failure}", dir.display())),
            }
        });
    });
    failures.assert_none();
}

// ---------------------------------------------------------------------------------------
// Layouts that read.
// ---------------------------------------------------------------------------------------

#[test]
fn header_on_row_six_under_title_and_note_rows() {
    let extraction = case("reads/header-under-title-rows").reads();
    assert_eq!(amounts(&extraction), [eur(2_636_303), eur(3_363_697)]);
    assert_eq!(
        extraction.declared_total.map(|d| d.location.to_string()),
        Some("header-row-6.xlsx[Annexe 1!A3]".to_string())
    );
}

#[test]
fn declared_total_not_in_the_sheet_is_located_at_the_description() {
    let extraction = case("asserted/declared-total-not-in-the-sheet").reads();
    let declared = extraction.declared_total.expect("a declared total");
    assert_eq!(declared.location, fallback("sans-total.xlsx"));
    assert_eq!(declared.amount.value, eur(1_000));
}

/// "Région" merged down over two rows, "Crédits 2023" merged across "Montant (en €)" and
/// "Part (en %)": the share column is ignored, the title merged across the table is not a
/// header.
#[test]
fn merged_two_row_header_xlsx() {
    let extraction = case("reads/merged-two-row-header").reads();
    assert_eq!(
        amounts(&extraction),
        [eur(1_517_659), eur(749_500), eur(732_841)]
    );
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(3_000_000))
    );
}

/// ods readers do not report merged regions: the spans must be understood from the empty
/// covered cells. Same table, same figures, same cells. The ods bytes go by a ".xlsx" name:
/// the format is told from the content, not the extension.
#[test]
fn merged_two_row_header_ods_reads_like_xlsx() {
    let from_xlsx = case("reads/merged-two-row-header").reads();
    let from_ods = case("asserted/merged-two-row-header-ods").reads();
    assert_eq!(from_ods, from_xlsx);
}

#[test]
fn subtotal_rows_checked_and_skipped() {
    let extraction = case("reads/subtotals").reads();
    assert_eq!(extraction.items.len(), 4);
    let mismatches: Vec<&str> = extraction
        .notes
        .iter()
        .filter(|n| rule_id(&n.rule) == "sheet.subtotal_mismatch")
        .filter_map(|n| n.location.cell())
        .collect();
    assert_eq!(mismatches, ["C8"]);
}

#[test]
fn amounts_typed_as_french_text() {
    let extraction = case("reads/french-text-amounts").reads();
    assert_eq!(
        amounts(&extraction),
        [
            eur(8_348_102),
            eur(3_608_190),
            eur(2_636_303),
            eur(2_645_200),
            eur(1_517_659),
            Decimal::new(483_761_813, 2),
        ]
    );
}

#[test]
fn amounts_in_millions_by_header() {
    let extraction = case("reads/millions-by-header").reads();
    assert_eq!(amounts(&extraction), [eur(8_348_102), eur(3_608_190)]);
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(11_956_292))
    );
}

#[test]
fn thousands_from_the_description_when_the_header_is_silent() {
    let extraction = case("reads/thousands-by-description").reads();
    assert_eq!(amounts(&extraction), [eur(71_500_000), eur(12_500_000)]);
}

#[test]
fn identifiers_padded_and_check_digit_warned() {
    let extraction = case("reads/identifiers").reads();
    let identifiers: Vec<&str> = extraction
        .items
        .iter()
        .filter_map(|i| i.identifier.as_ref().map(|l| l.text.as_str()))
        .collect();
    assert_eq!(
        identifiers,
        [
            "010002343",
            "750712341",
            "130012340",
            "2A0001234",
            "590001236"
        ]
    );
    let warned: Vec<&str> = extraction
        .notes
        .iter()
        .filter(|n| rule_id(&n.rule) == "identifier.checksum")
        .filter_map(|n| n.location.cell())
        .collect();
    assert_eq!(warned, ["A4"]);
}

#[test]
fn hidden_sheet_skipped_by_discovery() {
    let extraction = case("reads/hidden-skipped").reads();
    assert_eq!(amounts(&extraction), [eur(1_000_000)]);
    // The same in an ods file.
    let from_ods = case("asserted/hidden-skipped-ods").reads();
    assert_eq!(from_ods, extraction);
}

#[test]
fn hidden_sheet_used_when_named() {
    let extraction = case("reads/hidden-named").reads();
    assert_eq!(amounts(&extraction), [eur(999_999)]);
}

#[test]
fn formulas_read_from_their_cached_values() {
    let extraction = case("reads/formulas-cached").reads();
    assert_eq!(amounts(&extraction), [eur(2_636_303), eur(3_682_476)]);
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(6_318_779))
    );
}

#[test]
fn empty_sheet_skipped_by_discovery() {
    let extraction = case("reads/empty-sheet-skipped").reads();
    assert_eq!(amounts(&extraction), [eur(3_682_476)]);
}

#[test]
fn two_tables_without_range_reads_the_first() {
    let extraction = case("reads/two-tables-first").reads();
    assert_eq!(amounts(&extraction), [eur(100), eur(200)]);
}

#[test]
fn two_tables_range_anchor_picks_the_second() {
    let extraction = case("reads/two-tables-range").reads();
    assert_eq!(amounts(&extraction), [eur(1_000), eur(2_000)]);
    assert_eq!(
        extraction.total_row.map(|t| t.location.to_string()),
        Some("two-tables.xlsx[Tableaux!B11]".to_string())
    );
}

#[test]
fn whole_sheet_range_is_clipped_to_the_cells_in_use() {
    let extraction = case("asserted/whole-sheet-range").reads();
    assert_eq!(amounts(&extraction), [eur(100), eur(200)]);
}

/// An amendment table in ods: "Montant (en €)" spanned over "avant | après", "Région"
/// spanned down, amounts as numbers and French text, the total a formula with its value.
#[test]
fn ods_revision_with_spanned_header() {
    let extraction = case("reads/ods-revision").reads();
    assert_eq!(amounts(&extraction), [eur(1_200_000), eur(750_000)]);
    let previous: Vec<Option<Decimal>> = extraction
        .items
        .iter()
        .map(|i| i.previous.as_ref().map(|p| p.amount.value))
        .collect();
    assert_eq!(previous, [Some(eur(1_000_000)), Some(eur(800_000))]);
}

#[test]
fn float_noise_dropped_sub_cent_noted() {
    let extraction = case("reads/float-noise").reads();
    assert_eq!(
        amounts(&extraction),
        [eur(8_348_102), Decimal::new(123_457, 2), Decimal::new(3, 1)]
    );
    let noted: Vec<&str> = extraction
        .notes
        .iter()
        .filter(|n| rule_id(&n.rule) == "sheet.float_noise")
        .filter_map(|n| n.location.cell())
        .collect();
    assert_eq!(noted, ["B3"]);
}

#[test]
fn percentage_and_comment_columns_ignored() {
    let extraction = case("reads/ignored-columns").reads();
    assert_eq!(amounts(&extraction), [eur(600_000), eur(400_000)]);
}

#[test]
fn amount_column_named_by_the_description() {
    let by_letter = case("asserted/amount-column-by-letter").reads();
    assert_eq!(amounts(&by_letter), [eur(2)]);
    assert_eq!(by_letter.items[0].amount.location.cell(), Some("C2"));
    // By header text, when the headers differ.
    let by_header = case("asserted/amount-column-by-header").reads();
    assert_eq!(by_header.items[0].amount.location.cell(), Some("B2"));
}

#[test]
fn region_merged_over_its_beneficiaries_labels_each_of_them() {
    let extraction = case("asserted/region-merged-over-beneficiaries").reads();
    let hints: Vec<String> = extraction
        .items
        .iter()
        .filter_map(|i| i.region_hint.as_ref())
        .map(|r| format!("{} @ {}", r.text, r.location.cell().unwrap_or("?")))
        .collect();
    // The text stands in A2: both rows point there.
    assert_eq!(
        hints,
        ["Île-de-France @ A2", "Île-de-France @ A2", "Normandie @ A4"]
    );
}

/// ODS does not report merged cells: a region merged down over its beneficiaries reads as
/// one value then empty cells, and is carried down with a note per row.
#[test]
fn ods_region_merged_down_is_carried_to_the_rows_below() {
    let extraction = case("reads/ods-region-merged-down").reads();
    let regions: Vec<Option<&str>> = extraction
        .items
        .iter()
        .map(|i| i.region_hint.as_ref().map(|r| r.text.as_str()))
        .collect();
    assert_eq!(
        regions,
        [
            Some("Île-de-France"),
            Some("Île-de-France"),
            Some("Île-de-France"),
            Some("Bretagne")
        ]
    );
    let carried: Vec<String> = extraction
        .notes
        .iter()
        .map(|n| rule_id(&n.rule))
        .filter(|rule| rule == "sheet.region_carried")
        .collect();
    assert_eq!(carried.len(), 2);
}

/// A table whose only region column holds INSEE codes, some typed as numbers that lost
/// their leading zero: the codes are the labels (normalisation restores the zero).
#[test]
fn region_codes_alone_label_a_regional_table() {
    let extraction = case("asserted/region-codes").reads();
    let labels: Vec<&str> = extraction
        .items
        .iter()
        .map(|i| i.label.text.as_str())
        .collect();
    assert_eq!(labels, ["1", "84", "6"]);
}

/// A summary first: the "Total" row stands above the header; it is still the table's total.
#[test]
fn a_total_row_above_the_header_is_the_total_row() {
    let extraction = case("asserted/total-above-the-header").reads();
    assert_eq!(extraction.items.len(), 2);
    let total = extraction.total_row.expect("the total above the header");
    assert_eq!(total.amount.value, eur(600_000));
    assert_eq!(total.location.cell(), Some("B1"));
}

/// Sub-totals by zone then "Total France entière"; a "dont" row details the row above it.
#[test]
fn zone_subtotals_then_grand_total_and_dont_rows() {
    let extraction = case("asserted/zone-subtotals").reads();
    assert_eq!(
        amounts(&extraction),
        [eur(400_000), eur(100_000), eur(300_000)]
    );
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(800_000))
    );
    let rules: Vec<String> = extraction.notes.iter().map(|n| rule_id(&n.rule)).collect();
    assert_eq!(rules, ["extraction.detail"]);
}

/// A title merged over the table's columns, naming its subject with header words, is not
/// the header: the real header below it is found.
#[test]
fn a_merged_title_with_header_words_is_not_the_header() {
    let extraction = case("asserted/merged-title").reads();
    assert_eq!(amounts(&extraction), [eur(400_000), eur(100_000)]);
}

// ---------------------------------------------------------------------------------------
// Layouts that must be refused, with a message naming file, sheet and cell.
// ---------------------------------------------------------------------------------------

#[test]
fn unreadable_bytes_name_the_file() {
    case("refused/unreadable").refused(&["notes.xlsx", "cannot be read as a spreadsheet"]);
    // A zip cut short (a download interrupted).
    case("asserted/cut-short").refused(&["cut.xlsx", "cannot be read as a spreadsheet"]);
}

#[test]
fn a_row_of_data_is_never_taken_for_a_header() {
    // No recognisable header: the first rows hold "ARS" and "€", header words, but as data.
    case("asserted/no-header").refused(&["no-header.xlsx", "no table found"]);
}

#[test]
fn ambiguous_amount_columns_name_the_header_cells() {
    case("refused/ambiguous-amounts").refused(&[
        "ambiguous.xlsx[Annexe!B2]",
        "B2 'Montant'",
        "C2 'Montant'",
        "columns.amount",
    ]);
}

#[test]
fn unknown_anchor_sheet_lists_the_sheets() {
    case("refused/unknown-anchor").refused(&[
        "annexes.xlsx",
        "Annexe 3",
        "'Annexe 1'",
        "'Annexe 2' (hidden)",
    ]);
}

#[test]
fn unparseable_text_amount_names_the_cell() {
    case("refused/unparseable-amount").refused(&["text.xlsx[Annexe!B3]", "huit millions"]);
    // A dot that is not a thousands separator is not guessed either.
    case("asserted/dot-not-a-separator").refused(&["dot.xlsx[Annexe!B2]", "8348102.5"]);
}

#[test]
fn formula_without_cached_value_names_the_cell() {
    // rust_xlsxwriter stores 0 as a formula's value unless told otherwise; the builder sets
    // an empty default, so the cell is written `<v></v>`, what a file saved without
    // computing holds.
    let uncomputed = case("refused/formula-without-value");
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(&uncomputed.bytes[..])).expect("opens");
    let values = workbook.worksheet_range("Annexe").expect("values");
    let formulas = workbook.worksheet_formula("Annexe").expect("formulas");
    assert!(
        matches!(values.get_value((3, 1)), None | Some(Data::Empty))
            || values.get_value((3, 1)) == Some(&Data::String(String::new())),
        "calamine should see no value in B4: {:?}",
        values.get_value((3, 1))
    );
    assert_eq!(
        formulas.get_value((3, 1)).map(String::as_str),
        Some("SUM(B2:B3)")
    );
    uncomputed.refused(&[
        "uncomputed.xlsx[Annexe!B4]",
        "formula without a cached value",
    ]);

    // A writer that leaves the value out altogether (`<c r="B4"><f>…</f></c>`).
    let crafted = case("asserted/formula-without-value-element");
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(&crafted.bytes[..])).expect("opens");
    let values = workbook.worksheet_range("Annexe").expect("values");
    assert!(matches!(values.get_value((3, 1)), None | Some(Data::Empty)));
    crafted.refused(&[
        "uncomputed.xlsx[Annexe!B4]",
        "formula without a cached value",
    ]);

    // The same in ods: `table:formula` without `office:value`.
    case("asserted/formula-without-value-ods").refused(&[
        "uncomputed.ods[Annexe!B4]",
        "formula without a cached value",
    ]);
}

#[test]
fn empty_sheet_as_anchor_is_an_error() {
    case("refused/empty-anchor").refused(&["empty-first.xlsx[Feuil1]", "empty"]);
}

#[test]
fn scientific_notation_identifier_names_the_cell() {
    case("refused/scientific-identifier")
        .refused(&["siren.xlsx[Annexe!A2]", "scientific notation"]);
}

#[test]
fn empty_amount_beside_a_label_names_the_cell() {
    case("refused/empty-amount").refused(&["hole.xlsx[Annexe!B3]", "Normandie"]);
}

#[test]
fn no_table_says_what_was_looked_for() {
    case("refused/no-table").refused(&[
        "no-table.xlsx",
        "'Notes'",
        "Région",
        "Montant",
        "'Masquée'",
    ]);
}

// ---------------------------------------------------------------------------------------
// The shipped annexes.
// ---------------------------------------------------------------------------------------

fn shipped(stem: &str) -> (Description, Vec<u8>) {
    let description: Description = toml::from_str(
        &std::fs::read_to_string(support::shipped().join(format!("{stem}.toml")))
            .expect("description"),
    )
    .expect("a valid description");
    let bytes =
        std::fs::read(support::shipped().join(&description.publication.source)).expect("source");
    (description, bytes)
}

#[test]
fn shipped_2023_annex_states_the_67_millions() {
    let (description, bytes) = shipped("2023-annexe-repartition-regionale");
    let envelope = &description.envelopes[0];
    let source = &description.publication.source;
    let extraction =
        extract_sheet(source, &bytes, envelope, &Described::of(source).r()).expect("extracts");
    let read: Vec<(String, Decimal)> = extraction
        .items
        .iter()
        .map(|i| (i.label.text.clone(), i.amount.amount.value))
        .collect();
    let expected: Vec<(String, Decimal)> = workbook::REPARTITION_2023
        .iter()
        .map(|(label, amount)| (label.to_string(), eur(*amount)))
        .collect();
    assert_eq!(read, expected);
    let sum: Decimal = extraction.items.iter().map(|i| i.amount.amount.value).sum();
    assert_eq!(sum, eur(67_000_000));
    let total = extraction.total_row.expect("a Total row");
    assert_eq!(total.amount.value, eur(67_000_000));
    assert_eq!(
        total.location.to_string(),
        format!("{source}[Annexe 2!B24]")
    );
    assert_eq!(
        extraction.items[0].amount.location.to_string(),
        format!("{source}[Annexe 2!B6]")
    );
    assert!(extraction.notes.is_empty(), "{:?}", extraction.notes);
}

#[test]
fn shipped_2021_annex_states_the_ten_laureates() {
    let (description, bytes) = shipped("2021-annexe-appel-national");
    let envelope = &description.envelopes[0];
    assert!(envelope.declared_total.is_none());
    let source = &description.publication.source;
    let extraction =
        extract_sheet(source, &bytes, envelope, &Described::of(source).r()).expect("extracts");
    // Found without the anchor too.
    let mut discovered_spec = envelope.clone();
    discovered_spec.anchor = None;
    let discovered = extract_sheet(source, &bytes, &discovered_spec, &Described::of(source).r())
        .expect("discovered");
    assert_eq!(discovered, extraction);

    let read: Vec<(String, String, Decimal)> = extraction
        .items
        .iter()
        .map(|i| {
            (
                i.region_hint
                    .as_ref()
                    .map(|r| r.text.clone())
                    .unwrap_or_default(),
                i.label.text.clone(),
                i.amount.amount.value,
            )
        })
        .collect();
    let expected: Vec<(String, String, Decimal)> = workbook::LAUREATS_2021
        .iter()
        .map(|(region, beneficiary, amount)| {
            (region.to_string(), beneficiary.to_string(), eur(*amount))
        })
        .collect();
    assert_eq!(read, expected);
    let sum: Decimal = extraction.items.iter().map(|i| i.amount.amount.value).sum();
    assert_eq!(sum, eur(12_199_648));
    let total = extraction.total_row.expect("a Total row");
    assert_eq!(total.amount.value, eur(12_199_648));
    assert_eq!(total.location.to_string(), format!("{source}[Annexe!C14]"));
    // The amounts typed as text keep their text.
    let raws: Vec<&str> = extraction
        .items
        .iter()
        .filter(|i| i.amount.raw.contains('€') || i.amount.raw.contains('\u{a0}'))
        .map(|i| i.amount.raw.as_str())
        .collect();
    assert_eq!(
        raws,
        [
            "406\u{a0}472",
            "1\u{202f}053\u{202f}254 €",
            "2\u{a0}763\u{a0}000,00\u{a0}€"
        ]
    );
}

/// Every sheet's values and formulas, for comparing two builds of a workbook.
fn cells_of(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("opens");
    let names = workbook.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let values = workbook.worksheet_range(&name).expect("values");
            let formulas = workbook.worksheet_formula(&name).unwrap_or_default();
            let mut cells: Vec<String> = values
                .cells()
                .filter(|(_, _, v)| **v != Data::Empty)
                .map(|(r, c, v)| format!("{r},{c}={v:?}"))
                .collect();
            cells.extend(
                formulas
                    .cells()
                    .filter(|(_, _, f)| !f.is_empty())
                    .map(|(r, c, f)| format!("{r},{c}:={f}")),
            );
            (name, cells)
        })
        .collect()
}

#[test]
fn shipped_annexes_are_what_the_generator_builds() {
    let (_, xlsx_bytes) = shipped("2023-annexe-repartition-regionale");
    let built = workbook::annexe_2023_xlsx().expect("builds");
    assert_eq!(cells_of(&xlsx_bytes), cells_of(&built));
    let (_, ods_bytes) = shipped("2021-annexe-appel-national");
    let built = workbook::annexe_2021_ods().expect("builds");
    assert_eq!(cells_of(&ods_bytes), cells_of(&built));
    // Two builds in a row give the same bytes: the generator can be rerun without noise in
    // the diff.
    assert_eq!(
        workbook::annexe_2023_xlsx().expect("builds"),
        workbook::annexe_2023_xlsx().expect("builds")
    );
    assert_eq!(
        workbook::annexe_2021_ods().expect("builds"),
        workbook::annexe_2021_ods().expect("builds")
    );
}

#[test]
fn shipped_descriptions_load_as_spreadsheets() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for stem in [
        "2023-annexe-repartition-regionale",
        "2021-annexe-appel-national",
    ] {
        let (description, bytes) = shipped(stem);
        std::fs::copy(
            support::shipped().join(format!("{stem}.toml")),
            dir.path().join(format!("{stem}.toml")),
        )
        .expect("description copied");
        std::fs::write(dir.path().join(&description.publication.source), bytes)
            .expect("source copied");
    }
    let publications = esms_ledger::sources::load_publications(dir.path()).expect("loads");
    assert_eq!(publications.len(), 2);
    assert!(
        publications
            .iter()
            .all(|p| p.format == SourceFormat::Spreadsheet)
    );
}

// ---------------------------------------------------------------------------------------
// No input makes extraction panic.
// ---------------------------------------------------------------------------------------

/// An envelope description as a user would write it, plus `extra` keys: for the workbooks
/// built at random below.
fn spec(breakdown: &str, extra: &str) -> EnvelopeSpec {
    let text = format!(
        "id = \"gallery\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"test\"\nbreakdown = \"{breakdown}\"\n{extra}\n"
    );
    toml::from_str(&text).expect("a valid envelope description")
}

fn xlsx(sheets: &[SheetSpec]) -> Vec<u8> {
    workbook::xlsx(sheets).expect("xlsx built")
}

fn ods(sheets: &[SheetSpec]) -> Vec<u8> {
    workbook::ods(sheets).expect("ods built")
}

fn sheet(name: &str, rows: Vec<Vec<Cell>>) -> SheetSpec {
    SheetSpec::new(name, rows)
}

/// A small deterministic generator (xorshift64), so that a failure replays.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % sides as u64).expect("small")
    }
}

#[test]
fn random_layouts_never_panic() {
    let headers: [&[&str]; 5] = [
        &["Région", "Montant (en €)"],
        &["ARS", "Bénéficiaire", "Crédits (en k€)", "Part (%)"],
        &["N° FINESS", "Raison sociale", "Région", "Montant (en M€)"],
        &["Région", "Montant avant", "Montant après"],
        &["Libellé", "Dotation", "Commentaire"],
    ];
    let labels = [
        "Bretagne",
        "ARS Normandie",
        "Fondation OVE",
        "Total",
        "TOTAL GÉNÉRAL",
        "Sous-total",
        "Total Bretagne",
        "Source : DGCS",
        "* arrondis",
        "(1) hors Mayotte",
        "",
    ];
    let figures = [
        "8 348 102",
        "8.348.102,00 €",
        "1.5",
        "2,601E+13",
        "010002343",
        "2A0001234",
        "huit",
        "",
        "€",
        "-1 000",
    ];
    let breakdowns = ["region", "beneficiary", "budget-line", "revision"];
    let mut dice = Dice(0x5eed_cafe_f00d_d00d);
    let mut read = 0;
    for round in 0..300 {
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for _ in 0..dice.roll(3) {
            rows.push(vec![t("Annexe – répartition des crédits")]);
        }
        if dice.roll(5) > 0 {
            rows.push(
                headers[dice.roll(headers.len())]
                    .iter()
                    .map(|h| t(h))
                    .collect(),
            );
        }
        for _ in 0..dice.roll(10) {
            let mut row = vec![t(labels[dice.roll(labels.len())])];
            for _ in 0..dice.roll(4) {
                row.push(match dice.roll(6) {
                    0 => e(),
                    1 | 2 => n(dice.roll(100_000_000) as f64 / 100.0),
                    3 => f("SUM(B2:B3)", (dice.roll(2) == 0).then_some(42.0)),
                    _ => t(figures[dice.roll(figures.len())]),
                });
            }
            rows.push(row);
        }
        let mut layout = sheet("Feuille", rows);
        if dice.roll(3) == 0 {
            layout = layout.merged(vec![merge(0, 0, 1, 1)]);
        }
        let bytes = if round % 2 == 0 {
            xlsx(&[layout])
        } else {
            ods(&[layout])
        };
        let anchor = match dice.roll(3) {
            0 => "",
            1 => "anchor = \"Feuille\"",
            _ => "anchor = \"Feuille!A2:F9\"",
        };
        let envelope = spec(breakdowns[dice.roll(breakdowns.len())], anchor);
        // Either result is fine; a panic fails the test.
        if extract_sheet(
            "random.xlsx",
            &bytes,
            &envelope,
            &Described::of("random.xlsx").r(),
        )
        .is_ok()
        {
            read += 1;
        }
    }
    // The layouts are close enough to tables that a good share reads: the rows are walked,
    // not only the headers.
    assert!(read >= 20, "only {read} of 300 random layouts read");
}

#[test]
fn damaged_files_never_panic() {
    let originals = [
        workbook::annexe_2023_xlsx().expect("builds"),
        workbook::annexe_2021_ods().expect("builds"),
    ];
    let mut dice = Dice(0xdead_beef_1234_5678);
    for original in &originals {
        for _ in 0..100 {
            let mut bytes = original.clone();
            for _ in 0..1 + dice.roll(8) {
                let at = dice.roll(bytes.len());
                bytes[at] = u8::try_from(dice.roll(256)).expect("a byte");
            }
            if dice.roll(4) == 0 {
                bytes.truncate(dice.roll(bytes.len()));
            }
            let _ = extract_sheet(
                "damaged.xlsx",
                &bytes,
                &spec("region", ""),
                &Described::of("damaged.xlsx").r(),
            );
        }
    }
}
