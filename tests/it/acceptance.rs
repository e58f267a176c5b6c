//! Acceptance of the shipped run as BI users read it: allocations.parquet read back with
//! an independent Parquet reader holds every euro exactly, with its line or cell; findings
//! keep their fingerprints when unrelated publications arrive; a spreadsheet and a text
//! stating the same envelope are checked cell against line.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{fixture, inputs_copy, rule_id, shipped};

fn run(inputs: &Path, out: &Path) -> i32 {
    Command::new(env!("CARGO_BIN_EXE_esms-ledger"))
        .args(["-q", "run", "--inputs"])
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run")
        .status
        .code()
        .expect("exit code")
}

type Row = BTreeMap<String, Field>;

fn rows(path: &Path) -> Vec<Row> {
    let reader = SerializedFileReader::new(fs::File::open(path).expect("open")).expect("parquet");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| {
            r.expect("row")
                .get_column_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect()
}

fn money(f: &Field) -> Decimal {
    match f {
        Field::Decimal(d) => {
            assert_eq!((d.precision(), d.scale()), (18, 2));
            let unscaled = i64::from_be_bytes(d.data().try_into().expect("INT64 decimal"));
            Decimal::from_i128_with_scale(i128::from(unscaled), 2)
        }
        other => panic!("not a decimal: {other:?}"),
    }
}

fn text(f: &Field) -> Option<&str> {
    match f {
        Field::Str(s) => Some(s),
        Field::Null => None,
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn allocations_parquet_holds_every_euro_with_its_line_or_cell() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&shipped(), out.path()), 0);
    let rows = rows(&out.path().join("allocations.parquet"));
    let counted: Decimal = rows
        .iter()
        .filter(|r| matches!(r["counted"], Field::Bool(true)))
        .map(|r| money(&r["amount_eur"]))
        .sum();
    assert_eq!(counted, Decimal::from(353_106_054));
    for r in &rows {
        let located_in_text =
            matches!(r["source_line"], Field::Int(l) if l > 0) && text(&r["source_span"]).is_some();
        let located_in_sheet =
            text(&r["source_sheet"]).is_some() && text(&r["source_cell"]).is_some();
        assert!(
            located_in_text || located_in_sheet,
            "row without provenance: {r:?}"
        );
    }
    // The temps 2 regional list, exactly as published, region by region.
    let temps2: BTreeMap<&str, Decimal> = rows
        .iter()
        .filter(|r| {
            text(&r["envelope_id"]) == Some("esms-2021-amorcage-temps2-ars")
                && text(&r["role"]) == Some("component")
        })
        .map(|r| {
            (
                text(&r["region_code"]).expect("region"),
                money(&r["amount_eur"]),
            )
        })
        .collect();
    assert_eq!(temps2.len(), 18);
    assert_eq!(temps2["28"], Decimal::from(430_000));
    assert_eq!(temps2["11"], Decimal::from(10_162_272));
    assert_eq!(
        temps2.values().copied().sum::<Decimal>(),
        Decimal::from(70_106_406)
    );
    // The 2023 split comes from the annex's cells; the text's lines are restatements.
    let ara_2023: Vec<(&str, Option<&str>)> = rows
        .iter()
        .filter(|r| {
            text(&r["envelope_id"]) == Some("esms-2023-ars")
                && text(&r["region_code"]) == Some("84")
        })
        .map(|r| (text(&r["role"]).unwrap(), text(&r["source_cell"])))
        .collect();
    assert!(
        ara_2023
            .iter()
            .any(|(role, cell)| *role == "component" && cell.is_some_and(|c| c.starts_with('B'))),
        "{ara_2023:?}"
    );
    assert!(
        ara_2023
            .iter()
            .any(|(role, cell)| *role == "restatement" && cell.is_none()),
        "{ara_2023:?}"
    );
}

#[test]
fn envelopes_parquet_reports_the_temps2_difference() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&shipped(), out.path()), 0);
    let rows = rows(&out.path().join("envelopes.parquet"));
    let temps2 = rows
        .iter()
        .find(|r| {
            text(&r["envelope_id"]) == Some("esms-2021-amorcage-temps2-ars")
                && text(&r["role"]) == Some("primary")
        })
        .expect("temps 2 envelope");
    assert_eq!(
        money(&temps2["declared_total_eur"]),
        Decimal::from(75_000_000)
    );
    assert_eq!(
        money(&temps2["computed_total_eur"]),
        Decimal::from(70_106_406)
    );
    assert_eq!(money(&temps2["difference_eur"]), Decimal::from(-4_893_594));
}

fn fingerprints(out: &Path) -> BTreeMap<String, String> {
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["fingerprint"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_an_unrelated_publication() {
    let before = tempfile::tempdir().unwrap();
    assert_eq!(run(&shipped(), before.path()), 0);
    let inputs = inputs_copy();
    fs::write(
        inputs.path().join("zz-autre.txt"),
        "Crédits d'ingénierie 2025 : une enveloppe de 2 M€ répartie ainsi :\n- 1,5 M€ pour les ARS ;\n- 0,5 M€ pour la CNSA.\n",
    )
    .unwrap();
    fs::write(
        inputs.path().join("zz-autre.toml"),
        "[publication]\nid = \"autre-2025\"\ntitle = \"Autre\"\nissuer = \"CNSA\"\nkind = \"press-extract\"\npublished_on = 2025-01-10\nsource = \"zz-autre.txt\"\n\n[[envelopes]]\nid = \"ingenierie-2025\"\nprogramme = \"Autre\"\nexercise = 2025\nphase = \"—\"\nchannel = \"—\"\nbreakdown = \"budget-line\"\ndeclared_total = \"2 M€\"\nanchor = \"répartie ainsi :\"\n",
    )
    .unwrap();
    let after = tempfile::tempdir().unwrap();
    assert_eq!(run(inputs.path(), after.path()), 0);
    let (a, b) = (fingerprints(before.path()), fingerprints(after.path()));
    assert!(!a.is_empty());
    for (fingerprint, rule) in &a {
        assert_eq!(
            b.get(fingerprint),
            Some(rule),
            "finding {rule} {fingerprint} changed"
        );
    }
}

#[test]
fn a_spreadsheet_cell_and_a_text_line_that_disagree_are_reported_with_both_locations() {
    let dir = tempfile::tempdir().unwrap();
    // The text: the 2023 split as the press gave it (shipped seed).
    for name in [
        "2023-02-instruction-150-millions-2023.txt",
        "2023-02-instruction-150-millions-2023.toml",
    ] {
        fs::copy(shipped().join(name), dir.path().join(name)).unwrap();
    }
    // The annex, re-typed with one region wrong by a digit.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Annexe 2").unwrap();
    sheet
        .write_string(
            0,
            0,
            "Répartition régionale des crédits ESMS numérique 2023",
        )
        .unwrap();
    sheet.write_string(2, 0, "Région").unwrap();
    sheet.write_string(2, 1, "Montant (en €)").unwrap();
    let figures = [
        ("Auvergne-Rhône-Alpes", 8_348_102.0),
        ("Bourgogne-Franche-Comté", 3_608_190.0),
        ("Bretagne", 2_636_303.0),
        ("Centre-Val de Loire", 2_645_200.0),
        ("Corse", 1_517_659.0),
        ("Grand Est", 4_837_618.0),
        ("Guadeloupe", 1_152_000.0),
        ("Guyane", 749_500.0),
        ("Hauts-de-France", 5_100_588.0),
        ("Île-de-France", 10_344_806.0),
        ("La Réunion", 689_000.0),
        ("Martinique", 328_500.0),
        ("Mayotte", 1_098_598.0),
        ("Normandie", 3_682_476.0),
        ("Nouvelle-Aquitaine", 5_601_011.0),
        ("Occitanie", 6_102_173.0),
        ("Pays de la Loire", 2_751_639.0),
        ("Provence-Alpes-Côte d'Azur", 5_806_673.0),
    ];
    for (i, (region, amount)) in figures.iter().enumerate() {
        let row = u32::try_from(i).unwrap() + 3;
        sheet.write_string(row, 0, *region).unwrap();
        sheet.write_number(row, 1, *amount).unwrap();
    }
    workbook.save(dir.path().join("annexe.xlsx")).unwrap();
    fs::write(
        dir.path().join("annexe.toml"),
        "[publication]\nid = \"annexe-2023\"\ntitle = \"Annexe\"\nissuer = \"DGCS/DNS/CNSA\"\nkind = \"annex-table\"\npublished_on = 2023-02-15\nsource = \"annexe.xlsx\"\n\n[[envelopes]]\nid = \"esms-2023-ars\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"appels à projets régionaux (ARS)\"\nbreakdown = \"region\"\nanchor = \"Annexe 2\"\n",
    )
    .unwrap();
    let (_, _, validation, _) = esms_ledger::run::analyse(dir.path()).expect("analyse");
    let conflict = validation
        .findings
        .iter()
        .find(|f| rule_id(&f.rule) == "agreement.amount")
        .expect("the PACA line disagrees");
    assert_eq!(conflict.subject, "93");
    assert_eq!(conflict.expected, Some(Decimal::from(5_806_673)));
    assert_eq!(conflict.actual, Some(Decimal::from(5_806_637)));
    let places: Vec<String> = conflict.locations.iter().map(ToString::to_string).collect();
    assert_eq!(
        places,
        [
            "2023-02-instruction-150-millions-2023.txt:51:33-47",
            "annexe.xlsx[Annexe 2!B21]"
        ]
    );
}

/// The dataset and validation of a folder of `tests/fixtures/`.
fn dataset_of(
    folder: &str,
) -> (
    esms_ledger::publish::dataset::Dataset,
    esms_ledger::validate::Validation,
) {
    let dir = fixture(folder);
    let (publications, statements, validation, _) =
        esms_ledger::run::analyse(&dir).expect("analyse");
    let dataset = esms_ledger::publish::tables::build(&publications, &statements, &validation);
    (dataset, validation)
}

/// What a BI sum over `counted` rows gives.
fn counted_sum(dataset: &esms_ledger::publish::dataset::Dataset) -> Decimal {
    dataset
        .allocations
        .iter()
        .filter(|a| a.counted)
        .map(|a| a.amount_eur)
        .sum()
}

#[test]
fn a_later_decision_amends_the_lines_it_names_and_counts_once() {
    let (dataset, validation) = dataset_of("rules/revision.total/quiet-amending-new-total");
    let counted = counted_sum(&dataset);
    // 9 800 000 € decided, Bretagne +100 000 €, Corse −50 000 €: the new total.
    assert_eq!(counted, Decimal::from(9_850_000));
    let bretagne: Vec<(&str, &str, Decimal, bool)> = dataset
        .allocations
        .iter()
        .filter(|a| a.region_code.as_deref() == Some("53"))
        .map(|a| {
            (
                a.publication_id.as_str(),
                a.role.as_str(),
                a.amount_eur,
                a.counted,
            )
        })
        .collect();
    assert_eq!(
        bretagne,
        [
            ("decision", "amended", Decimal::from(500_000), false),
            ("modificative", "superseded", Decimal::from(500_000), false),
            ("modificative", "component", Decimal::from(600_000), true),
        ]
    );
    assert!(validation.findings.is_empty(), "{:#?}", validation.findings);
}

/// The old binary Excel format (BIFF8, .xls) goes through calamine like the others; the
/// fixture is written by `tests/fixtures/acceptance/gen_xls.py` (xlwt), since no Rust crate of the
/// project writes xls.
#[test]
fn an_xls_annex_is_read_and_agrees_with_its_text_twin() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "2023-02-instruction-150-millions-2023.txt",
        "2023-02-instruction-150-millions-2023.toml",
    ] {
        fs::copy(shipped().join(name), dir.path().join(name)).unwrap();
    }
    fs::copy(
        fixture("acceptance/annexe-2023.xls"),
        dir.path().join("annexe.xls"),
    )
    .unwrap();
    fs::write(
        dir.path().join("annexe.toml"),
        "[publication]\nid = \"annexe-2023-xls\"\ntitle = \"Annexe\"\nissuer = \"DGCS/DNS/CNSA\"\nkind = \"annex-table\"\npublished_on = 2023-02-15\nsource = \"annexe.xls\"\n\n[[envelopes]]\nid = \"esms-2023-ars\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"appels à projets régionaux (ARS)\"\nbreakdown = \"region\"\n",
    )
    .unwrap();
    let (_, statements, validation, _) = esms_ledger::run::analyse(dir.path()).expect("analyse");
    let annex = statements
        .iter()
        .find(|s| s.publication_id == "annexe-2023-xls")
        .expect("xls statement");
    assert!(annex.primary);
    assert_eq!(annex.current().count(), 18);
    assert_eq!(
        annex.current().map(|f| f.value()).sum::<Decimal>(),
        Decimal::from(67_000_000)
    );
    assert_eq!(
        annex
            .total_row
            .as_ref()
            .map(|t| t.location.to_string())
            .as_deref(),
        Some("annexe.xls[Annexe 2!B23]")
    );
    let on_annex: Vec<String> = validation
        .findings
        .iter()
        .filter(|f| f.envelope_id.as_deref() == Some("esms-2023-ars"))
        .map(|f| rule_id(&f.rule))
        .collect();
    assert!(on_annex.is_empty(), "{on_annex:?}");
}

#[test]
fn revisions_in_a_row_count_the_latest_amounts_once() {
    let (dataset, validation) = dataset_of("rules/revision.base_mismatch/quiet-chained-then-press");
    let counted = counted_sum(&dataset);
    // 9 800 000 €, Bretagne 500 000 → 550 000 → 600 000 €, Corse 100 000 → 50 000 €.
    assert_eq!(counted, Decimal::from(9_850_000));
    let bretagne: Vec<(&str, Decimal)> = dataset
        .allocations
        .iter()
        .filter(|a| a.region_code.as_deref() == Some("53") && a.counted)
        .map(|a| (a.publication_id.as_str(), a.amount_eur))
        .collect();
    assert_eq!(bretagne, [("modificative2", Decimal::from(600_000))]);
    assert!(validation.findings.is_empty(), "{:#?}", validation.findings);
}

/// A sub-total that its lines do not reach shows the arithmetic in findings.parquet, while
/// its fingerprint stays keyed by rule, envelope, place and publication, as before notes
/// had arithmetic: acknowledgements written for it still match.
#[test]
fn a_subtotal_mismatch_shows_its_arithmetic_and_keeps_its_fingerprint() {
    let (dataset, _) = dataset_of("rules/sheet.subtotal_mismatch/trigger");
    let [row] = dataset.findings.as_slice() else {
        panic!("one finding expected: {:#?}", dataset.findings);
    };
    assert_eq!(row.rule, "sheet.subtotal_mismatch");
    assert_eq!(
        (
            row.expected_eur,
            row.actual_eur,
            row.difference_eur,
            row.tolerance_eur
        ),
        (
            Some(Decimal::from(2_535_000)),
            Some(Decimal::from(2_535_700)),
            Some(Decimal::from(700)),
            Some(Decimal::ZERO)
        )
    );
    // sha256("sheet.subtotal_mismatch|env-laureats|decision.txt:6:18-26|decision|")
    assert_eq!(row.fingerprint, "c0b06eeb24e69d57");
    assert_eq!(
        row.message_fr,
        "Le sous-total « 2 535 000 » (2 535 000 €) ne correspond pas à ses lignes, qui totalisent 2 535 700 € : écart 700 €."
    );
}
