//! What a million-row allocation workbook spends its time on: French amounts, region
//! spellings, and the whole spreadsheet extraction of a generated 10 000-row workbook of
//! the benchmark's layout (bench/README.md), described by `bench/repartition.toml`.
//!
//! `cargo bench --bench hot_paths` (add a filter, e.g. `-- region`, to run one group).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use esms_ledger::core::amount::{parse_amount, parse_number};
use esms_ledger::core::region::normalise_region;
use esms_ledger::extract::sheet::extract_sheet;
use esms_ledger::model::Description;
use esms_ledger::model::{DescriptionRef, KeyLines};
use rust_xlsxwriter::{Format, Workbook};
use std::hint::black_box;
use std::time::Duration;

/// Whole figures as the sources write them: a text cell of a spreadsheet, a list item,
/// prose. `parse_amount` wants a unit ("12 199 648" alone is `NoUnit`): bare numbers are
/// `parse_number`'s.
const AMOUNTS: &[&str] = &[
    "1 234 567,89 €",
    "12 199 648 €",
    "1 234 567 euros",
    "75 millions d’euros",
];

/// Numbers without their unit, as a spreadsheet cell or a table column gives them (the
/// unit stripped); spreadsheets also group thousands with no-break and narrow no-break
/// spaces.
const NUMBERS: &[&str] = &[
    "1 234 567,89",
    "12 199 648",
    "1 234 567",
    "1\u{a0}234\u{a0}567,89",
    "1\u{202f}234\u{202f}567,89",
];

/// Region labels seen in official tables: official, prefixed, acronym, unaccented,
/// article, pre-2016.
const REGIONS: &[&str] = &[
    "Auvergne-Rhône-Alpes",
    "ARS Grand Est",
    "PACA",
    "Ile de France",
    "La Réunion",
    "Nord-Pas-de-Calais",
];

const SHEET_ROWS: u32 = 10_000;
const DESCRIPTION: &str = include_str!("../bench/repartition.toml");
const SOURCE: &str = "repartition.xlsx";

fn amounts(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_amount");
    for &text in AMOUNTS {
        parse_amount(text).expect("a benchmark amount parses");
        group.bench_with_input(BenchmarkId::from_parameter(text), text, |b, text| {
            b.iter(|| parse_amount(black_box(text)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse_number");
    for &text in NUMBERS {
        parse_number(text).expect("a benchmark number parses");
        let name = if text.contains('\u{a0}') {
            format!("{} (no-break spaces)", text.replace('\u{a0}', " "))
        } else if text.contains('\u{202f}') {
            format!("{} (narrow no-break spaces)", text.replace('\u{202f}', " "))
        } else {
            text.to_string()
        };
        group.bench_with_input(BenchmarkId::from_parameter(name), text, |b, text| {
            b.iter(|| parse_number(black_box(text)))
        });
    }
    group.finish();
}

fn regions(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalise_region");
    for &label in REGIONS {
        normalise_region(label).expect("a benchmark region label resolves");
        group.bench_with_input(BenchmarkId::from_parameter(label), label, |b, label| {
            b.iter(|| normalise_region(black_box(label)))
        });
    }
    group.finish();
}

fn sheet(c: &mut Criterion) {
    let bytes = allocation_workbook(SHEET_ROWS);
    let description: Description = toml::from_str(DESCRIPTION).expect("bench/repartition.toml");
    let envelope = &description.envelopes[0];
    let keys = KeyLines::of(DESCRIPTION);
    let path = std::path::PathBuf::from("repartition.toml");
    let fallback = DescriptionRef {
        path: &path,
        keys: &keys,
        envelope: 0,
    };
    let items = extract_sheet(SOURCE, &bytes, envelope, &fallback)
        .expect("the generated workbook extracts")
        .items
        .len();
    assert_eq!(items, SHEET_ROWS as usize, "one item per row");

    // The same workbook through the whole analysis (load, extract, normalise, validate),
    // from an inputs folder as a user would lay it out.
    let inputs = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(inputs.path().join(SOURCE), &bytes).expect("workbook written");
    std::fs::write(inputs.path().join("repartition.toml"), DESCRIPTION)
        .expect("description written");
    let (_, _, validation, _) =
        esms_ledger::run::analyse(inputs.path()).expect("the inputs analyse");
    let errors: Vec<_> = validation
        .findings
        .iter()
        .filter(|f| f.severity == esms_ledger::model::Severity::Error)
        .map(|f| format!("{}: {}", f.rule, f.message()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "the generated workbook has error findings: {errors:#?}"
    );

    let mut group = c.benchmark_group("sheet_10k_rows");
    group.throughput(Throughput::Elements(u64::from(SHEET_ROWS)));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("extract_sheet", |b| {
        b.iter(|| extract_sheet(SOURCE, black_box(&bytes), envelope, &fallback))
    });
    group.bench_function("analyse", |b| {
        b.iter(|| esms_ledger::run::analyse(black_box(inputs.path())))
    });
    group.finish();
}

/// The layout of ../shared/bench/gen_workbook.py, in small: a title row, a blank row, the
/// header, one row per establishment (amounts mostly numbers, some French text; FINESS
/// numbers mostly text, some typed as numbers that lost their leading zero; region names in
/// several spellings), then a "Total" row with the exact sum.
fn allocation_workbook(rows: u32) -> Vec<u8> {
    // (spelling, département of its establishments)
    const PLACES: &[(&str, &str)] = &[
        ("Auvergne-Rhône-Alpes", "69"),
        ("AURA", "01"),
        ("Bourgogne-Franche-Comté", "21"),
        ("Bretagne ", "35"),
        ("Centre-Val de Loire", "45"),
        ("Corse", "2A"),
        ("Grand-Est", "67"),
        ("Hauts de France", "59"),
        ("11 - Île-de-France", "75"),
        ("Ile-de-France", "93"),
        ("NORMANDIE", "14"),
        ("Nouvelle Aquitaine", "33"),
        ("Occitanie", "31"),
        ("Pays de la Loire", "44"),
        ("Provence-Alpes-Côte d’Azur", "13"),
        ("PACA", "06"),
        ("Guadeloupe", "971"),
        ("Martinique", "972"),
        ("Guyane", "973"),
        ("La Réunion", "974"),
        ("Mayotte", "976"),
    ];
    const ORGANISATIONS: &[&str] = &[
        "Association Les Tilleuls",
        "Fondation Saint-Joseph",
        "EHPAD La Providence",
        "Centre hospitalier Marie-Curie",
        "CCAS de Lyon",
        "ADAPEI Les Peupliers",
        "APF France handicap - Rennes",
        "Croix-Rouge française - Lille",
    ];
    let mut random = XorShift(0x5EED_2025_0101);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Répartition").expect("a valid sheet name");
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let mut write = || -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.write_string_with_format(
            0,
            0,
            "Répartition des crédits entre organismes gestionnaires - campagne budgétaire",
            &bold,
        )?;
        let header = [
            "Exercice",
            "Phase",
            "Région",
            "Organisme gestionnaire",
            "N° FINESS",
            "Montant (€)",
        ];
        for (col, title) in (0u16..).zip(header) {
            sheet.write_string_with_format(2, col, title, &bold)?;
        }
        let mut total_cents: u64 = 0;
        for i in 0..rows {
            let row = 3 + i;
            let (region, department) = PLACES[random.below(PLACES.len())];
            let organisation = ORGANISATIONS[random.below(ORGANISATIONS.len())];
            // Each row its own establishment: a serial unique in the département.
            let body = format!("{department}{:0width$}", i, width = 8 - department.len());
            let finess = with_check_digit(&body);
            let cents = 5_000 + random.next() % 500_000_000;
            total_cents += cents;
            sheet.write_number(row, 0, f64::from(2024 + (i & 1)))?;
            sheet.write_string(row, 1, "Première délégation")?;
            sheet.write_string(row, 2, region)?;
            sheet.write_string(row, 3, organisation)?;
            match finess.parse::<u32>() {
                Ok(number) if random.below(10) == 0 => sheet.write_number(row, 4, number)?,
                _ => sheet.write_string(row, 4, &finess)?,
            };
            if random.below(100) < 15 {
                sheet.write_string(row, 5, french_text(cents))?;
            } else {
                sheet.write_number_with_format(row, 5, cents as f64 / 100.0, &money)?;
            }
        }
        let total_row = 3 + rows;
        sheet.write_string_with_format(total_row, 0, "Total", &bold)?;
        sheet.write_number_with_format(total_row, 5, total_cents as f64 / 100.0, &money)?;
        Ok(())
    };
    write().expect("workbook cells written");
    workbook.save_to_buffer().expect("workbook saved")
}

/// "1 234 567,89 €" with narrow no-break spaces, as French spreadsheets type amounts.
fn french_text(cents: u64) -> String {
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (k, digit) in euros.chars().enumerate() {
        if k > 0 && (euros.len() - k).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    format!("{grouped},{:02} €", cents % 100)
}

/// The eight first characters of a FINESS number completed with its Luhn check digit;
/// Corsican numbers (2A, 2B) follow another rule and get a 0.
fn with_check_digit(body: &str) -> String {
    if !body.chars().all(|c| c.is_ascii_digit()) {
        return format!("{body}0");
    }
    let sum: u32 = body
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(k, d)| match k % 2 {
            // The check digit is position 0 from the right, so the body's last digit doubles.
            0 if d * 2 > 9 => d * 2 - 9,
            0 => d * 2,
            _ => d,
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A small deterministic generator: the same workbook on every run, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

criterion_group!(benches, amounts, regions, sheet);
criterion_main!(benches);
