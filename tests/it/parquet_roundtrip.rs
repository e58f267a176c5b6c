//! The published Parquet files as a BI reader sees them: written through the public API,
//! read back with the `parquet` crate (an independent implementation, not polars), compared
//! value by value, and their footer schema snapshotted. Also the all-or-nothing `Release`.

use chrono::NaiveDate;
use esms_ledger::core::region::RegionCode;
use esms_ledger::error::Error;
use esms_ledger::publish::dataset::{
    AllocationRow, Dataset, EnvelopeRow, FindingRow, PublicationRow, RegionRow, SCHEMA_VERSION,
};
use esms_ledger::publish::{self, PublishedFile, Release};
use parquet::basic::{ConvertedType, LogicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;

const FINGERPRINT: &str = "3f1c0d5e-test-fingerprint";

fn euros(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn metadata() -> Vec<(String, String)> {
    vec![(
        "esms.input_fingerprint".to_string(),
        FINGERPRINT.to_string(),
    )]
}

/// A small dataset shaped like a real run: the 2022 "Temps 1" ARS envelope of the BO
/// instruction, one allocation superseded by a later revision, a national row with no
/// region nor beneficiary, and a finding without an expected amount.
fn dataset() -> Dataset {
    let allocation = AllocationRow {
        publication_id: "bo-2022-01".to_string(),
        envelope_id: "2022-t1-ars".to_string(),
        programme: "esms-numerique".to_string(),
        exercise: 2022,
        phase: "temps-1".to_string(),
        channel: "ars".to_string(),
        region_code: Some(RegionCode::AuvergneRhoneAlpes.code().to_string()),
        region_name: Some(RegionCode::AuvergneRhoneAlpes.name().to_string()),
        beneficiary: Some("ARS Auvergne-Rhône-Alpes".to_string()),
        amount_eur: euros("1234.56"),
        amount_kind: "exact".to_string(),
        superseded: false,
        raw_label: "Auvergne-Rhône-Alpes".to_string(),
        raw_amount: "1 234,56 €".to_string(),
        source_file: "inputs/bo-2022-01.txt".to_string(),
        source_line: Some(42),
        source_span: Some("35-52".to_string()),
        role: "component".to_string(),
        counted: true,
        identifier: None,
        source_sheet: None,
        source_cell: None,
        label_line: Some(42),
        label_span: Some("1-20".to_string()),
        source_page: None,
        source_printed_page: None,
        territory_code: None,
    };
    let allocations = vec![
        allocation.clone(),
        AllocationRow {
            region_code: None,
            region_name: None,
            beneficiary: None,
            amount_eur: euros("12199648.00"),
            raw_label: "Total national".to_string(),
            raw_amount: "12 199 648 euros".to_string(),
            source_line: Some(57),
            source_span: Some("18-34".to_string()),
            role: "remainder".to_string(),
            label_line: None,
            label_span: None,
            ..allocation.clone()
        },
        AllocationRow {
            region_code: Some(RegionCode::Mayotte.code().to_string()),
            region_name: Some(RegionCode::Mayotte.name().to_string()),
            beneficiary: Some("ARS Mayotte".to_string()),
            amount_eur: euros("645000"),
            amount_kind: "rounded".to_string(),
            superseded: true,
            raw_label: "Mayotte".to_string(),
            raw_amount: "645 k€".to_string(),
            source_file: "inputs/annexe-2022.xlsx".to_string(),
            source_line: None,
            source_span: None,
            role: "superseded".to_string(),
            counted: false,
            identifier: Some("FINESS 976000000".to_string()),
            source_sheet: Some("Annexe 1".to_string()),
            source_cell: Some("C12".to_string()),
            label_line: None,
            label_span: None,
            ..allocation.clone()
        },
        // A figure of a PDF: line 9 of PDF page 1, which the BO prints as its page 45.
        AllocationRow {
            amount_eur: euros("8348102"),
            raw_amount: "8 348 102".to_string(),
            source_file: "inputs/bo-2023-3.pdf".to_string(),
            source_line: Some(9),
            source_span: Some("77-85".to_string()),
            label_line: Some(9),
            label_span: Some("4-23".to_string()),
            source_page: Some(1),
            source_printed_page: Some("45".to_string()),
            ..allocation.clone()
        },
        // A collectivité d'outre-mer: no region, its territory's code.
        AllocationRow {
            region_code: None,
            region_name: None,
            beneficiary: None,
            amount_eur: euros("64500"),
            raw_label: "Saint-Pierre-et-Miquelon".to_string(),
            raw_amount: "64 500 €".to_string(),
            territory_code: Some("975".to_string()),
            ..allocation.clone()
        },
    ];
    let envelope = EnvelopeRow {
        envelope_id: "2022-t1-ars".to_string(),
        publication_id: "bo-2022-01".to_string(),
        exercise: 2022,
        phase: "temps-1".to_string(),
        channel: "ars".to_string(),
        breakdown: "by-region".to_string(),
        declared_total_eur: Some(euros("12200882.56")),
        declared_as: Some("12 200 882,56 €".to_string()),
        computed_total_eur: euros("12200882.56"),
        components: 2,
        difference_eur: Some(euros("0.00")),
        programme: "esms-numerique".to_string(),
        parent_envelope_id: None,
        role: "primary".to_string(),
        declared_kind: Some("exact".to_string()),
        tolerance_eur: Some(euros("0.01")),
        source_file: "inputs/bo-2022-01.txt".to_string(),
        source_line: Some(12),
        source_sheet: None,
        source_cell: None,
        source_page: None,
        source_printed_page: None,
    };
    let envelopes = vec![
        envelope.clone(),
        EnvelopeRow {
            envelope_id: "2022-t1-ars-press".to_string(),
            publication_id: "press-2022-02".to_string(),
            breakdown: "total-only".to_string(),
            declared_total_eur: None,
            declared_as: None,
            computed_total_eur: euros("-150.25"),
            components: 0,
            difference_eur: None,
            parent_envelope_id: Some("2022-t1-ars".to_string()),
            role: "restatement".to_string(),
            declared_kind: None,
            tolerance_eur: None,
            source_line: None,
            ..envelope
        },
    ];
    let findings = vec![
        FindingRow {
            rule: "declared-total-matches".to_string(),
            severity: "error".to_string(),
            envelope_id: Some("2022-t1-ars".to_string()),
            message: "declared total differs from the sum of its components".to_string(),
            expected_eur: Some(euros("12200882.56")),
            actual_eur: Some(euros("12200882.55")),
            difference_eur: Some(euros("-0.01")),
            source_file: Some("inputs/bo-2022-01.txt".to_string()),
            source_line: Some(12),
            fingerprint: "a1b2c3".to_string(),
            acknowledged: true,
            tolerance_eur: Some(euros("0.00")),
            subject: "envelope".to_string(),
            source_sheet: None,
            source_cell: None,
            message_fr: "la somme des composantes diffère du total annoncé : écart -0,01 €"
                .to_string(),
            source_page: None,
            source_printed_page: None,
        },
        FindingRow {
            rule: "region-unknown".to_string(),
            severity: "warning".to_string(),
            envelope_id: None,
            message: "label names no region".to_string(),
            expected_eur: None,
            actual_eur: Some(euros("645000.00")),
            difference_eur: None,
            source_file: None,
            source_line: None,
            fingerprint: "d4e5f6".to_string(),
            acknowledged: false,
            tolerance_eur: None,
            subject: "allocation".to_string(),
            source_sheet: Some("Annexe 1".to_string()),
            source_cell: Some("B12".to_string()),
            message_fr: "« Région Ouest » ne nomme aucune région.".to_string(),
            source_page: None,
            source_printed_page: None,
        },
        FindingRow {
            rule: "claim.unmatched".to_string(),
            severity: "warning".to_string(),
            envelope_id: Some("2022-t1-ars".to_string()),
            message: "a figure quoted in prose matches no line".to_string(),
            expected_eur: None,
            actual_eur: Some(euros("1234567")),
            difference_eur: None,
            source_file: Some("inputs/bo-2023-3.pdf".to_string()),
            source_line: Some(6),
            fingerprint: "0a1b2c".to_string(),
            acknowledged: false,
            tolerance_eur: None,
            subject: "1 234 567 €".to_string(),
            source_sheet: None,
            source_cell: None,
            message_fr: "« 1 234 567 € » ne correspond à aucune ligne.".to_string(),
            source_page: Some(2),
            source_printed_page: None,
        },
    ];
    let publications = vec![PublicationRow {
        publication_id: "bo-2022-01".to_string(),
        title: "Instruction relative au programme ESMS numérique".to_string(),
        issuer: "CNSA".to_string(),
        kind: "bo-instruction".to_string(),
        published_on: NaiveDate::from_ymd_opt(2022, 1, 4).expect("a date"),
        source_file: "inputs/bo-2022-01.txt".to_string(),
        source_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            .to_string(),
        reference: Some("NOR : SSAA2200001J".to_string()),
        url: None,
    }];
    // The reference table as published: all 18 regions, "06" keeps its leading zero.
    let regions = RegionCode::ALL
        .iter()
        .map(|region| RegionRow {
            region_code: region.code().to_string(),
            region_name: region.name().to_string(),
        })
        .collect();
    Dataset {
        allocations,
        envelopes,
        findings,
        publications,
        regions,
    }
}

/// One value as a Parquet reader sees it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Int(i32),
    Bool(bool),
    Money(Decimal),
    /// Days since 1970-01-01.
    Date(i32),
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

fn opt_text(value: &Option<String>) -> Cell {
    value.as_deref().map_or(Cell::Null, text)
}

fn money(value: &Decimal) -> Cell {
    Cell::Money(*value)
}

fn opt_money(value: &Option<Decimal>) -> Cell {
    value.as_ref().map_or(Cell::Null, money)
}

fn count(value: Option<u32>) -> Cell {
    value.map_or(Cell::Null, |n| Cell::Int(i32::try_from(n).unwrap()))
}

type Record = Vec<(String, Cell)>;

fn record(cells: Vec<(&str, Cell)>) -> Record {
    cells
        .into_iter()
        .map(|(name, cell)| (name.to_string(), cell))
        .collect()
}

// The `expect_*` functions destructure every field without `..`: a new field in a row
// struct fails to compile here until the test says what it must read back as.

fn expect_allocation(row: &AllocationRow) -> Record {
    let AllocationRow {
        publication_id,
        envelope_id,
        programme,
        exercise,
        phase,
        channel,
        region_code,
        region_name,
        beneficiary,
        amount_eur,
        amount_kind,
        superseded,
        raw_label,
        raw_amount,
        source_file,
        source_line,
        source_span,
        role,
        counted,
        identifier,
        source_sheet,
        source_cell,
        label_line,
        label_span,
        source_page,
        source_printed_page,
        territory_code,
    } = row;
    record(vec![
        ("publication_id", text(publication_id)),
        ("envelope_id", text(envelope_id)),
        ("programme", text(programme)),
        ("exercise", Cell::Int(*exercise)),
        ("phase", text(phase)),
        ("channel", text(channel)),
        ("region_code", opt_text(region_code)),
        ("region_name", opt_text(region_name)),
        ("beneficiary", opt_text(beneficiary)),
        ("amount_eur", money(amount_eur)),
        ("amount_kind", text(amount_kind)),
        ("superseded", Cell::Bool(*superseded)),
        ("raw_label", text(raw_label)),
        ("raw_amount", text(raw_amount)),
        ("source_file", text(source_file)),
        ("source_line", count(*source_line)),
        ("source_span", opt_text(source_span)),
        ("role", text(role)),
        ("counted", Cell::Bool(*counted)),
        ("identifier", opt_text(identifier)),
        ("source_sheet", opt_text(source_sheet)),
        ("source_cell", opt_text(source_cell)),
        ("label_line", count(*label_line)),
        ("label_span", opt_text(label_span)),
        ("source_page", count(*source_page)),
        ("source_printed_page", opt_text(source_printed_page)),
        ("territory_code", opt_text(territory_code)),
    ])
}

fn expect_envelope(row: &EnvelopeRow) -> Record {
    let EnvelopeRow {
        envelope_id,
        publication_id,
        exercise,
        phase,
        channel,
        breakdown,
        declared_total_eur,
        declared_as,
        computed_total_eur,
        components,
        difference_eur,
        programme,
        parent_envelope_id,
        role,
        declared_kind,
        tolerance_eur,
        source_file,
        source_line,
        source_sheet,
        source_cell,
        source_page,
        source_printed_page,
    } = row;
    record(vec![
        ("envelope_id", text(envelope_id)),
        ("publication_id", text(publication_id)),
        ("exercise", Cell::Int(*exercise)),
        ("phase", text(phase)),
        ("channel", text(channel)),
        ("breakdown", text(breakdown)),
        ("declared_total_eur", opt_money(declared_total_eur)),
        ("declared_as", opt_text(declared_as)),
        ("computed_total_eur", money(computed_total_eur)),
        ("components", count(Some(*components))),
        ("difference_eur", opt_money(difference_eur)),
        ("programme", text(programme)),
        ("parent_envelope_id", opt_text(parent_envelope_id)),
        ("role", text(role)),
        ("declared_kind", opt_text(declared_kind)),
        ("tolerance_eur", opt_money(tolerance_eur)),
        ("source_file", text(source_file)),
        ("source_line", count(*source_line)),
        ("source_sheet", opt_text(source_sheet)),
        ("source_cell", opt_text(source_cell)),
        ("source_page", count(*source_page)),
        ("source_printed_page", opt_text(source_printed_page)),
    ])
}

fn expect_finding(row: &FindingRow) -> Record {
    let FindingRow {
        rule,
        severity,
        envelope_id,
        message,
        expected_eur,
        actual_eur,
        difference_eur,
        source_file,
        source_line,
        fingerprint,
        acknowledged,
        tolerance_eur,
        subject,
        source_sheet,
        source_cell,
        message_fr,
        source_page,
        source_printed_page,
    } = row;
    record(vec![
        ("rule", text(rule)),
        ("severity", text(severity)),
        ("envelope_id", opt_text(envelope_id)),
        ("message", text(message)),
        ("expected_eur", opt_money(expected_eur)),
        ("actual_eur", opt_money(actual_eur)),
        ("difference_eur", opt_money(difference_eur)),
        ("source_file", opt_text(source_file)),
        ("source_line", count(*source_line)),
        ("fingerprint", text(fingerprint)),
        ("acknowledged", Cell::Bool(*acknowledged)),
        ("tolerance_eur", opt_money(tolerance_eur)),
        ("subject", text(subject)),
        ("source_sheet", opt_text(source_sheet)),
        ("source_cell", opt_text(source_cell)),
        ("message_fr", text(message_fr)),
        ("source_page", count(*source_page)),
        ("source_printed_page", opt_text(source_printed_page)),
    ])
}

fn expect_publication(row: &PublicationRow) -> Record {
    let PublicationRow {
        publication_id,
        title,
        issuer,
        kind,
        published_on,
        source_file,
        source_sha256,
        reference,
        url,
    } = row;
    record(vec![
        ("publication_id", text(publication_id)),
        ("title", text(title)),
        ("issuer", text(issuer)),
        ("kind", text(kind)),
        (
            "published_on",
            Cell::Date(
                i32::try_from(
                    published_on
                        .signed_duration_since(NaiveDate::default())
                        .num_days(),
                )
                .expect("days"),
            ),
        ),
        ("source_file", text(source_file)),
        ("source_sha256", text(source_sha256)),
        ("reference", opt_text(reference)),
        ("url", opt_text(url)),
    ])
}

fn expect_region(row: &RegionRow) -> Record {
    let RegionRow {
        region_code,
        region_name,
    } = row;
    record(vec![
        ("region_code", text(region_code)),
        ("region_name", text(region_name)),
    ])
}

fn expected_records(dataset: &Dataset) -> Vec<(&'static str, Vec<Record>)> {
    vec![
        (
            publish::ALLOCATIONS,
            dataset.allocations.iter().map(expect_allocation).collect(),
        ),
        (
            publish::ENVELOPES,
            dataset.envelopes.iter().map(expect_envelope).collect(),
        ),
        (
            publish::FINDINGS,
            dataset.findings.iter().map(expect_finding).collect(),
        ),
        (
            publish::PUBLICATIONS,
            dataset
                .publications
                .iter()
                .map(expect_publication)
                .collect(),
        ),
        (
            publish::REGIONS,
            dataset.regions.iter().map(expect_region).collect(),
        ),
    ]
}

/// Every published file of `dataset`, as bytes.
fn written_files(dataset: &Dataset) -> Vec<(&'static str, Vec<u8>)> {
    publish::frames(dataset)
        .unwrap()
        .into_iter()
        .map(|(name, mut df)| (name, publish::parquet_bytes(&mut df, &metadata()).unwrap()))
        .collect()
}

fn reader(bytes: &[u8]) -> SerializedFileReader<fs::File> {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(bytes).unwrap();
    SerializedFileReader::new(file).unwrap()
}

fn cell(field: &Field) -> Cell {
    match field {
        Field::Null => Cell::Null,
        Field::Str(value) => Cell::Text(value.clone()),
        Field::Int(value) => Cell::Int(*value),
        Field::Bool(value) => Cell::Bool(*value),
        Field::Date(days) => Cell::Date(*days),
        Field::Decimal(decimal) => {
            assert_eq!((decimal.precision(), decimal.scale()), (18, 2));
            let unscaled = i64::from_be_bytes(decimal.data().try_into().unwrap());
            Cell::Money(Decimal::from_i128_with_scale(i128::from(unscaled), 2))
        }
        other => panic!("unexpected Parquet value {other:?}"),
    }
}

fn read_records(bytes: &[u8]) -> Vec<Record> {
    reader(bytes)
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .get_column_iter()
                .map(|(name, field)| (name.clone(), cell(field)))
                .collect()
        })
        .collect()
}

#[test]
fn every_value_reads_back_as_written() {
    let dataset = dataset();
    let expected = expected_records(&dataset);
    let written = written_files(&dataset);
    assert_eq!(
        written.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        expected.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
    );
    for ((name, bytes), (_, records)) in written.iter().zip(&expected) {
        assert_eq!(&read_records(bytes), records, "{name}");
    }
}

#[test]
fn money_and_dates_keep_their_exact_values() {
    let written = written_files(&dataset());
    let allocations = read_records(&written[0].1);
    let amount = |row: usize| allocations[row][9].1.clone();
    assert_eq!(allocations[0][9].0, "amount_eur");
    // Compared as decimals, and as the exact text a BI user sees, cents included.
    assert_eq!(amount(0), Cell::Money(euros("1234.56")));
    assert_eq!(amount(1), Cell::Money(euros("12199648.00")));
    match amount(1) {
        Cell::Money(value) => assert_eq!(value.to_string(), "12199648.00"),
        other => panic!("{other:?}"),
    }
    let publications = read_records(&written[3].1);
    assert_eq!(publications[0][4].0, "published_on");
    // 2022-01-04 is day 18 996 of the Unix epoch (52 years, 13 of them leap, plus 3 days).
    assert_eq!(publications[0][4].1, Cell::Date(52 * 365 + 13 + 3));
    // Region codes stay text: "01" is not 1.
    let regions = read_records(&written[4].1);
    assert_eq!(regions.len(), 18);
    assert_eq!(regions[0][0], ("region_code".to_string(), text("01")));
}

/// One column of a Parquet footer, as BI readers interpret it.
#[derive(Debug, Serialize)]
struct ColumnSchema {
    name: String,
    physical: String,
    logical: Option<String>,
    converted: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<i32>,
    repetition: String,
}

#[derive(Debug, Serialize)]
struct FileSchema {
    /// Distinct codecs over every column chunk.
    compression: BTreeSet<String>,
    /// Key-value metadata; `ARROW:schema` shown by key only (a base64 blob).
    key_value_metadata: Vec<String>,
    columns: Vec<ColumnSchema>,
}

fn logical_name(logical: &LogicalType) -> String {
    match logical {
        LogicalType::String => "STRING".to_string(),
        LogicalType::Date => "DATE".to_string(),
        LogicalType::Decimal(decimal) => {
            format!("DECIMAL({},{})", decimal.precision, decimal.scale)
        }
        LogicalType::Integer(int) => format!(
            "INT({},{})",
            int.bit_width,
            if int.is_signed { "signed" } else { "unsigned" }
        ),
        other => format!("{other:?}"),
    }
}

fn file_schema(bytes: &[u8]) -> FileSchema {
    let reader = reader(bytes);
    let metadata = reader.metadata();
    let compression = metadata
        .row_groups()
        .iter()
        .flat_map(|group| group.columns())
        .map(|column| format!("{:?}", column.compression()))
        .collect();
    let key_value_metadata = metadata
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .map(|kv| match kv.key.as_str() {
            "ARROW:schema" => kv.key.clone(),
            _ => format!("{}={}", kv.key, kv.value.as_deref().unwrap_or("")),
        })
        .collect();
    let columns = metadata
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|column| {
            let is_decimal = column.converted_type() == ConvertedType::DECIMAL;
            ColumnSchema {
                name: column.name().to_string(),
                physical: column.physical_type().to_string(),
                logical: column.logical_type_ref().map(logical_name),
                converted: column.converted_type().to_string(),
                precision: is_decimal.then(|| column.type_precision()),
                scale: is_decimal.then(|| column.type_scale()),
                repetition: column.self_type().get_basic_info().repetition().to_string(),
            }
        })
        .collect();
    FileSchema {
        compression,
        key_value_metadata,
        columns,
    }
}

#[test]
fn footer_schema_is_the_bi_contract() {
    for (name, bytes) in written_files(&dataset()) {
        let schema = file_schema(&bytes);
        // Checked in code too, so that accepting a wrong snapshot cannot hide a money
        // column BI tools would read as a float or a 38-digit number.
        for column in &schema.columns {
            if column.name.ends_with("_eur") {
                assert_eq!(column.physical, "INT64", "{name}: {}", column.name);
                assert_eq!(
                    column.logical.as_deref(),
                    Some("DECIMAL(18,2)"),
                    "{name}: {}",
                    column.name
                );
                assert_eq!(column.converted, "DECIMAL", "{name}: {}", column.name);
                assert_eq!(
                    (column.precision, column.scale),
                    (Some(18), Some(2)),
                    "{name}: {}",
                    column.name
                );
            }
            // Counts and years are signed INT32 with no unsigned annotation, which every
            // reader takes as a plain integer.
            if column.name == "exercise"
                || column.name == "components"
                || column.name.ends_with("_line")
            {
                assert_eq!(column.physical, "INT32", "{name}: {}", column.name);
                assert_eq!(column.logical, None, "{name}: {}", column.name);
                assert_eq!(column.converted, "NONE", "{name}: {}", column.name);
            }
            if column.name == "published_on" {
                assert_eq!(column.physical, "INT32", "{name}: {}", column.name);
                assert_eq!(
                    column.logical.as_deref(),
                    Some("DATE"),
                    "{name}: {}",
                    column.name
                );
            }
            assert_ne!(
                column.logical.as_deref(),
                Some("Unknown"),
                "{name}: {}",
                column.name
            );
        }
        assert_eq!(
            schema.compression,
            BTreeSet::from(["SNAPPY".to_string()]),
            "{name}"
        );
        let stem = name.trim_end_matches(".parquet");
        insta::with_settings!({
            snapshot_path => "../../snapshots/parquet_roundtrip",
            prepend_module_to_snapshot => false,
            snapshot_suffix => stem,
        }, {
            insta::assert_yaml_snapshot!("schema", schema);
        });
    }
}

#[test]
fn metadata_carries_schema_version_arrow_schema_and_extras() {
    for (name, bytes) in written_files(&dataset()) {
        let reader = reader(&bytes);
        let pairs: Vec<(String, Option<String>)> = reader
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|kv| (kv.key, kv.value))
            .collect();
        let value = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.clone())
        };
        assert_eq!(
            value(publish::SCHEMA_VERSION_KEY).as_deref(),
            Some(SCHEMA_VERSION),
            "{name}"
        );
        assert_eq!(
            value("esms.input_fingerprint").as_deref(),
            Some(FINGERPRINT),
            "{name}"
        );
        assert!(
            value("ARROW:schema").is_some_and(|v| !v.is_empty()),
            "{name}"
        );
        // Exactly one ARROW:schema: ours replaced polars' instead of sitting beside it.
        assert_eq!(
            pairs.iter().filter(|(k, _)| k == "ARROW:schema").count(),
            1,
            "{name}"
        );
    }
}

#[test]
fn the_same_dataset_gives_the_same_bytes() {
    let dataset = dataset();
    for (name, mut df) in publish::frames(&dataset).unwrap() {
        let first = publish::parquet_bytes(&mut df, &metadata()).unwrap();
        let second = publish::parquet_bytes(&mut df, &metadata()).unwrap();
        assert!(first == second, "{name}: same frame, different bytes");
    }
    // Rebuilding the frames from the same rows changes nothing either.
    assert!(written_files(&dataset) == written_files(&dataset));
}

#[test]
fn an_empty_dataset_still_publishes_typed_columns() {
    let empty = written_files(&Dataset::default());
    let full = written_files(&dataset());
    for ((name, empty), (_, full)) in empty.iter().zip(&full) {
        assert!(read_records(empty).is_empty(), "{name}");
        let empty_schema = serde_json::to_value(&file_schema(empty).columns).unwrap();
        let full_schema = serde_json::to_value(&file_schema(full).columns).unwrap();
        assert_eq!(empty_schema, full_schema, "{name}");
    }
}

#[test]
fn unrepresentable_money_is_an_internal_error() {
    // A tenth of a cent: rounding it away would silently change a published figure.
    let mut too_precise = dataset();
    too_precise.allocations[0].amount_eur = euros("1234.567");
    assert!(matches!(
        publish::frames(&too_precise),
        Err(Error::Internal(_))
    ));
    // 10^16 euros is 19 digits with the cents: beyond DECIMAL(18,2).
    let mut too_large = dataset();
    too_large.findings[0].expected_eur = Some(euros("10000000000000000"));
    assert!(matches!(
        publish::frames(&too_large),
        Err(Error::Internal(_))
    ));
}

// --- Release ---

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn release_files_appear_only_after_commit() {
    let root = tempfile::tempdir().unwrap();
    let out_dir = root.path().join("outputs").join("esms");
    let mut release = Release::new(&out_dir).unwrap();
    release
        .add("allocations.parquet", b"PAR1 allocations")
        .unwrap();
    release.add("reports/report.json", b"{}").unwrap();
    release.add("_manifest.json", b"{\"manifest\":1}").unwrap();

    // Before commit: only the hidden staging directory, and no staged file that a
    // `*.parquet` or `*.json` glob would match anywhere under the output directory.
    let before = entries(&out_dir);
    assert_eq!(before.len(), 1, "{before:?}");
    assert!(before[0].starts_with(".staging-"), "{before:?}");
    let staged = entries(&out_dir.join(&before[0]));
    assert_eq!(staged.len(), 3, "{staged:?}");
    assert!(
        staged
            .iter()
            .all(|name| !name.ends_with(".parquet") && !name.ends_with(".json")),
        "{staged:?}"
    );

    let published = release.commit().unwrap();
    assert_eq!(
        published,
        vec![
            PublishedFile {
                name: "allocations.parquet".to_string(),
                bytes: 16,
                sha256: sha256(b"PAR1 allocations"),
            },
            PublishedFile {
                name: "reports/report.json".to_string(),
                bytes: 2,
                sha256: sha256(b"{}"),
            },
            PublishedFile {
                name: "_manifest.json".to_string(),
                bytes: 14,
                sha256: sha256(b"{\"manifest\":1}"),
            },
        ]
    );
    assert_eq!(
        entries(&out_dir),
        ["_manifest.json", "allocations.parquet", "reports"]
    );
    assert_eq!(
        fs::read(out_dir.join("allocations.parquet")).unwrap(),
        b"PAR1 allocations"
    );
    assert_eq!(
        fs::read(out_dir.join("reports/report.json")).unwrap(),
        b"{}"
    );
}

#[test]
fn a_dropped_release_leaves_previous_outputs_untouched() {
    let out_dir = tempfile::tempdir().unwrap();
    let previous = out_dir.path().join("allocations.parquet");
    fs::write(&previous, b"previous run").unwrap();

    let mut release = Release::new(out_dir.path()).unwrap();
    release.add("allocations.parquet", b"new run").unwrap();
    release.add("reports/report.json", b"{}").unwrap();
    drop(release);

    assert_eq!(fs::read(&previous).unwrap(), b"previous run");
    assert_eq!(entries(out_dir.path()), ["allocations.parquet"]);
}

#[test]
fn commit_replaces_an_existing_file() {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("allocations.parquet");
    fs::write(&target, b"previous run").unwrap();

    let mut release = Release::new(out_dir.path()).unwrap();
    release.add("allocations.parquet", b"new run").unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"previous run");
    release.commit().unwrap();

    assert_eq!(fs::read(&target).unwrap(), b"new run");
    assert_eq!(entries(out_dir.path()), ["allocations.parquet"]);
}

#[test]
fn published_parquet_files_read_back_from_disk() {
    let out_dir = tempfile::tempdir().unwrap();
    let dataset = dataset();
    let mut release = Release::new(out_dir.path()).unwrap();
    for (name, bytes) in written_files(&dataset) {
        release.add(name, &bytes).unwrap();
    }
    let published = release.commit().unwrap();
    for ((file, (name, records)), written) in published
        .iter()
        .zip(expected_records(&dataset))
        .zip(written_files(&dataset))
    {
        assert_eq!(file.name, name);
        let on_disk = fs::read(out_dir.path().join(name)).unwrap();
        assert!(on_disk == written.1, "{name}");
        assert_eq!(file.bytes, on_disk.len() as u64);
        assert_eq!(file.sha256, sha256(&on_disk));
        assert_eq!(read_records(&on_disk), records, "{name}");
    }
}

/// allocations.parquet written row group by row group, straight from the statements, is
/// the file the whole table gives at once: the same bytes for the shipped inputs, which fit
/// one row group.
#[test]
fn allocations_written_by_row_groups_are_the_table_written_at_once() {
    let (at_once, by_groups) = allocations_both_ways(&crate::support::shipped());
    assert_eq!(by_groups, at_once);
}

/// allocations.parquet of the publications in `inputs`, written at once from the whole
/// table (`parquet_bytes`) and row group by row group from the statements
/// (`write_allocations`).
fn allocations_both_ways(inputs: &Path) -> (Vec<u8>, Vec<u8>) {
    let (publications, statements, validation, _) =
        esms_ledger::run::analyse(inputs).expect("the inputs read");
    let dataset = esms_ledger::publish::tables::build(&publications, &statements, &validation);
    let (_, mut whole) = publish::frames(&dataset)
        .unwrap()
        .into_iter()
        .next()
        .expect("allocations first");
    let at_once = publish::parquet_bytes(&mut whole, &metadata()).unwrap();
    let allocations = esms_ledger::publish::tables::Allocations::new(&statements, &validation);
    assert_eq!(allocations.len(), dataset.allocations.len());
    let mut by_groups = Vec::new();
    publish::write_allocations(&allocations, &mut by_groups, &metadata()).unwrap();
    (at_once, by_groups)
}

/// A table of three row groups: the first of one statement whose labels recur (written as
/// a dictionary), the second of one statement whose labels do not (plain), the last with
/// rows from several statements and texts: allocations.parquet written row group by row
/// group reads back as the whole table written at once, value by value.
#[test]
fn allocations_of_several_row_groups_read_back_as_the_table_written_at_once() {
    use crate::support::workbook::{SheetSpec, e, n, t, xlsx};
    let inputs = crate::support::inputs_copy();
    let regions = [
        "Bretagne",
        "GRAND EST",
        "Île-de-France",
        "Occitanie",
        "Hauts-de-France",
    ];
    let mut rows = vec![
        vec![t("Répartition des crédits")],
        vec![],
        vec![
            t("Exercice"),
            t("Phase"),
            t("Région"),
            t("Organisme gestionnaire"),
            t("N° FINESS"),
            t("Montant (€)"),
        ],
    ];
    let count = 2 * publish::ROW_GROUP_ROWS + 4_000;
    let mut total = Decimal::ZERO;
    for i in 0..count {
        // Fifty organisations recur in the first rows (a dictionary); then each row names
        // an establishment of its own (plain text).
        let label = if i < 10_000 {
            format!("Association {}", i % 50)
        } else {
            format!("Établissement {i}")
        };
        let euros = Decimal::new(i as i64 * 100 + 50, 2);
        total += euros;
        let amount = if i % 7 == 0 {
            t(&format!("{},50 €", i))
        } else {
            n(i as f64 + 0.5)
        };
        rows.push(vec![
            n(2025.0),
            t("délégations"),
            t(regions[i % regions.len()]),
            t(&label),
            t(&format!("{:09}", 100_000_000 + i)),
            amount,
        ]);
    }
    let total: f64 = total.to_string().parse().unwrap();
    rows.push(vec![e(), e(), e(), t("Total"), e(), n(total)]);
    let bytes = xlsx(&[SheetSpec::new("Répartition", rows)]).expect("a workbook");
    fs::write(inputs.path().join("repartition.xlsx"), bytes).unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/repartition.toml"),
        inputs.path().join("repartition.toml"),
    )
    .unwrap();

    let (at_once, by_groups) = allocations_both_ways(inputs.path());
    assert_eq!(reader(&by_groups).metadata().num_row_groups(), 3);
    let (read, expected) = (read_records(&by_groups), read_records(&at_once));
    assert!(expected.len() > count);
    assert_eq!(read.len(), expected.len());
    for (i, (read, expected)) in read.iter().zip(&expected).enumerate() {
        assert_eq!(read, expected, "row {i}");
    }
}
