//! Properties of the readers that see untrusted bytes: whatever a source holds, the amount
//! parser, the region resolver, the text table reader and the spreadsheet cell reader give
//! a result or an error, never a panic; every amount written the French way
//! (`amount::format_eur`, as the reports write it) reads back as itself; and the sums
//! validation makes (`amount::exact_sum`) are `Decimal`'s, value and scale.

use esms_ledger::core::amount::{exact_sum, find_amounts, format_eur, parse_amount, parse_number};
use esms_ledger::core::region::{RegionCode, find_regions, normalise_region};
use esms_ledger::extract::sheet::extract_sheet;
use esms_ledger::extract::text::extract_text;
use esms_ledger::model::{DescriptionRef, EnvelopeSpec, KeyLines};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::path::Path;

/// Text as sources write figures: digits, every separator and space they use, units,
/// signs and words around them; and, half of the time, any text at all.
fn figure_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9 .,\u{a0}\u{202f}\u{2009}€%()+\u{2212}-]{0,24}( ?(€|euros?|EUR|k€|K€|M€|millions?|milliards?|d['’]euros|de))?",
        "(plus de|près de|environ|moins de|jusqu'à|quelque|un|deux|dix) [0-9 ,.]{0,12} (millions?|milliards?|k€|M€|€)( d['’]euros)?",
        any::<String>(),
    ]
}

/// The region names as sources write them, mangled, and any text.
fn region_like() -> impl Strategy<Value = String> {
    let names: Vec<String> = RegionCode::ALL
        .iter()
        .map(|r| r.name().to_string())
        .collect();
    prop_oneof![
        (
            proptest::sample::select(names),
            "[ -~éèêàçÎîôÉ’'\u{a0}-]{0,6}",
            0usize..3
        )
            .prop_map(|(name, noise, how)| match how {
                0 => format!("{noise}{name}"),
                1 => format!("{}{noise}", name.to_uppercase()),
                _ => format!("ARS {}{noise}", name.to_lowercase()),
            }),
        any::<String>(),
    ]
}

fn spec(items: &str) -> EnvelopeSpec {
    toml::from_str(&format!(
        "id = \"e\"\nprogramme = \"p\"\nexercise = 2024\nphase = \"p\"\nchannel = \"c\"\nbreakdown = \"region\"\nanchor = \"Répartition\"\nitems = \"{items}\"\n"
    ))
    .expect("an envelope description")
}

/// One row of a table re-typed as text: cells of figures, region names and table words,
/// joined by the separators a copy from a PDF leaves.
fn table_line() -> impl Strategy<Value = String> {
    let cell = prop_oneof![
        figure_like(),
        region_like(),
        proptest::sample::select(vec![
            "Région".to_string(),
            "Montant (en k€)".to_string(),
            "Total".to_string(),
            "Sous-total".to_string(),
            "dont".to_string(),
            "(1) Source : CNSA".to_string(),
            "2024".to_string(),
            String::new(),
        ]),
    ];
    (
        proptest::collection::vec(cell, 0..5),
        proptest::sample::select(vec!["\t", " | ", "  ", " "]),
    )
        .prop_map(|(cells, separator)| cells.join(separator))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_amount_parser_never_panics(text in figure_like()) {
        let _ = parse_number(&text);
        let _ = parse_amount(&text);
        for found in find_amounts(&text) {
            prop_assert!(found.start <= found.end);
            prop_assert!(found.end <= text.chars().count());
        }
    }

    #[test]
    fn an_amount_written_the_french_way_reads_back_as_itself(
        cents in -999_999_999_999_999_999i64..=999_999_999_999_999_999i64
    ) {
        let value = Decimal::new(cents, 2);
        let written = format_eur(value);
        let read = parse_amount(&written)
            .unwrap_or_else(|e| panic!("{written:?} does not read back: {e}"));
        prop_assert_eq!(read.value, value, "{}", written);
    }

    #[test]
    fn an_exact_sum_is_the_decimal_sum(
        figures in proptest::collection::vec(
            (
                prop_oneof![
                    Just(0i128),
                    -3i128..=3,
                    any::<i64>().prop_map(i128::from),
                    // Near a `Decimal`'s 96-bit mantissa: the sum leaves the integer.
                    (-(1i128 << 95)..(1i128 << 95)),
                ],
                0u32..=28,
            )
                .prop_map(|(mantissa, scale)| Decimal::from_i128_with_scale(mantissa, scale)),
            0..64,
        )
    ) {
        // Where `Decimal` addition itself overflows (a panic either way), nothing to compare.
        let expected = figures
            .iter()
            .try_fold(Decimal::ZERO, |sum, figure| sum.checked_add(*figure));
        prop_assume!(expected.is_some());
        let expected = expected.unwrap_or_default();
        let sum = exact_sum(figures.iter().copied());
        prop_assert_eq!(sum.to_string(), expected.to_string());
        prop_assert_eq!(sum.scale(), expected.scale());
        prop_assert_eq!(sum.is_sign_negative(), expected.is_sign_negative());
    }

    #[test]
    fn the_region_resolver_never_panics(text in region_like()) {
        if let Ok(found) = normalise_region(&text) {
            prop_assert!(RegionCode::from_code(found.code.code()).is_some());
        }
        for (start, end, _) in find_regions(&text) {
            prop_assert!(start <= end);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_text_table_reader_never_panics(
        lines in proptest::collection::vec(table_line(), 0..12),
        items in proptest::sample::select(vec!["table", "auto", "bullets", "inline"]),
    ) {
        let text = format!("Répartition des crédits :\n{}\n", lines.join("\n"));
        let keys = KeyLines::default();
        let description = DescriptionRef { path: Path::new("t.toml"), keys: &keys, envelope: 0 };
        let _ = extract_text("t.txt", &text, &spec(items), &description);
    }
}

/// An amount cell as a workbook may hold it.
#[derive(Debug, Clone)]
enum AmountCell {
    Text(String),
    Number(f64),
    Boolean(bool),
    Formula(Option<f64>),
    Empty,
}

fn amount_cell() -> impl Strategy<Value = AmountCell> {
    prop_oneof![
        figure_like().prop_map(AmountCell::Text),
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-1.0e17),
            (-1.0e9f64..1.0e9)
        ]
        .prop_map(AmountCell::Number),
        any::<bool>().prop_map(AmountCell::Boolean),
        proptest::option::of(-1.0e9f64..1.0e9).prop_map(AmountCell::Formula),
        Just(AmountCell::Empty),
    ]
}

fn workbook(cells: &[(String, AmountCell)]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Annexe").expect("a name");
    sheet.set_formula_result_default("");
    sheet.write_string(0, 0, "Région").expect("write");
    sheet.write_string(0, 1, "Montant (en €)").expect("write");
    for (row, (label, cell)) in (1u32..).zip(cells) {
        sheet.write_string(row, 0, label).expect("write");
        match cell {
            AmountCell::Text(text) => sheet.write_string(row, 1, text),
            AmountCell::Number(number) => sheet.write_number(row, 1, *number),
            AmountCell::Boolean(flag) => sheet.write_boolean(row, 1, *flag),
            AmountCell::Formula(cached) => {
                let mut formula = rust_xlsxwriter::Formula::new("=B2*2");
                if let Some(value) = cached {
                    formula = formula.set_result(value.to_string());
                }
                sheet.write_formula(row, 1, formula)
            }
            AmountCell::Empty => Ok(&mut *sheet),
        }
        .expect("write");
    }
    workbook.save_to_buffer().expect("a workbook")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_spreadsheet_cell_reader_never_panics(
        cells in proptest::collection::vec((region_like(), amount_cell()), 1..8),
    ) {
        let bytes = workbook(&cells);
        let keys = KeyLines::default();
        let description = DescriptionRef { path: Path::new("a.toml"), keys: &keys, envelope: 0 };
        if let Ok(extraction) = extract_sheet("a.xlsx", &bytes, &spec("auto"), &description) {
            // What reads is money: finite, to the cent.
            for item in &extraction.items {
                prop_assert!(item.amount.amount.value.scale() <= 2);
            }
        }
    }
}
