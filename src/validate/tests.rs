//! The rules on statements built by hand: each test states one behaviour of one rule, with
//! figures a reader can add up by eye.

use super::*;
use crate::core::amount::{Amount, Precision, Qualifier};
use crate::core::region::RegionCode;
use crate::model::testing::{eur, fact, statement};
use crate::model::{Breakdown, PublicationKind};
use crate::model::{Fact, StatedAmount};
use rust_decimal::Decimal;

/// A regional statement of the BO, declared total `declared`, one line per region given.
fn regional(declared: Amount, lines: Vec<(RegionCode, i64)>) -> Statement {
    let facts: Vec<Fact> = lines
        .into_iter()
        .map(|(region, amount)| fact("decision", region, eur(amount)))
        .collect();
    let mut s = statement(
        "decision",
        PublicationKind::BoDecision,
        (2021, 12, 10),
        Breakdown::Region,
        facts,
    );
    s.primary = true;
    s.declared_total = Some(StatedAmount {
        amount: declared,
        raw: declared.value.to_string(),
        location: crate::model::Location::Line {
            file: "decision.txt".to_string(),
            line: 3,
            span: (10, 20),
        },
    });
    s
}

/// Every region once, 1 000 € each but `last` for the last one.
fn all_regions(last: i64) -> Vec<(RegionCode, i64)> {
    RegionCode::ALL
        .iter()
        .enumerate()
        .map(|(i, &r)| (r, if i == 17 { last } else { 1_000 }))
        .collect()
}

fn rules_raised(v: &Validation) -> Vec<String> {
    v.findings.iter().map(|f| f.rule.to_string()).collect()
}

#[test]
fn eighteen_exact_lines_that_add_up_raise_nothing() {
    let s = regional(eur(18_000), all_regions(1_000));
    let v = validate(&[s]);
    assert!(v.findings.is_empty(), "{:?}", rules_raised(&v));
}

#[test]
fn an_exact_total_one_euro_off_is_a_sum_mismatch_with_its_arithmetic() {
    let s = regional(eur(18_000), all_regions(999));
    let v = validate(&[s]);
    assert_eq!(rules_raised(&v), ["total.sum_mismatch"]);
    let f = &v.findings[0];
    assert_eq!(f.expected, Some(Decimal::from(18_000)));
    assert_eq!(f.actual, Some(Decimal::from(17_999)));
    assert_eq!(f.difference, Some(Decimal::from(-1)));
    assert_eq!(f.tolerance, Some(Decimal::ZERO));
}

#[test]
fn a_rounded_total_admits_half_its_unit_and_no_more() {
    // "1 M€" stands for anything from 500 000 to 1 500 000 (a half-unit of 500 000).
    let declared = Amount {
        value: Decimal::from(1_000_000),
        precision: Precision::Rounded {
            unit: Decimal::from(1_000_000),
        },
        qualifier: Qualifier::Equal,
    };
    let within = regional(declared, all_regions(1_400_000 - 17_000));
    assert!(validate(&[within]).findings.is_empty());
    let beyond = regional(declared, all_regions(1_600_000 - 17_000));
    let v = validate(&[beyond]);
    assert_eq!(rules_raised(&v), ["total.sum_mismatch"]);
    assert_eq!(v.findings[0].tolerance, Some(Decimal::from(500_000)));
}

#[test]
fn a_missing_region_and_a_region_twice_are_each_reported() {
    let mut lines = all_regions(1_000);
    lines.pop();
    let missing = regional(eur(17_000), lines.clone());
    assert_eq!(
        rules_raised(&validate(&[missing])),
        ["completeness.region_missing"]
    );

    lines.push((RegionCode::Bretagne, 1_000));
    let twice = regional(eur(18_000), lines);
    let raised = rules_raised(&validate(&[twice]));
    assert!(
        raised.contains(&"completeness.region_duplicate".to_string()),
        "{raised:?}"
    );
}

#[test]
fn a_rounded_press_figure_agrees_with_the_exact_table_it_restates() {
    let reference = regional(eur(18_000), all_regions(1_000));
    let mut press = statement(
        "presse",
        PublicationKind::PressExtract,
        (2022, 1, 4),
        Breakdown::Region,
        vec![fact("presse", RegionCode::Bretagne, eur(0))],
    );
    let rounded = |value: i64| Amount {
        value: Decimal::from(value),
        precision: Precision::Rounded {
            unit: Decimal::from(1_000),
        },
        qualifier: Qualifier::Equal,
    };
    press.facts.set_amount(0, rounded(1_000));
    press.facts.set_role(0, crate::model::FactRole::Restatement);
    press.spec.items = crate::model::ItemLayout::Sentences;
    let v = validate(&[reference.clone(), press.clone()]);
    assert!(v.findings.is_empty(), "{:?}", rules_raised(&v));

    // Off by more than half a thousand: the two publications disagree.
    press.facts.set_amount(0, rounded(2_000));
    let v = validate(&[reference, press]);
    assert_eq!(rules_raised(&v), ["agreement.amount"]);
}

fn checksum_notes(s: &mut Statement, count: u32) {
    for row in 0..count {
        s.notes.push(crate::model::Note::new(
            Rule::IdentifierChecksum,
            Detail::IdentifierChecksum {
                identifier: format!("0{:08}", 10_000_000 + row),
            },
            crate::model::Location::Cell {
                file: "liste.xlsx".to_string(),
                sheet: "Liste".to_string(),
                cell: format!("E{}", row + 2),
            },
        ));
    }
}

#[test]
fn a_few_notes_of_one_rule_are_a_finding_each() {
    let mut s = regional(eur(18_000), all_regions(1_000));
    checksum_notes(&mut s, 3);
    let v = validate(&[s]);
    assert_eq!(rules_raised(&v), ["identifier.checksum"; 3]);
}

#[test]
fn a_flood_of_one_rule_in_one_envelope_is_one_finding_with_its_count() {
    let mut s = regional(eur(18_000), all_regions(1_000));
    checksum_notes(&mut s, 1_000);
    let v = validate(&[s]);
    assert_eq!(rules_raised(&v), ["identifier.checksum"]);
    let f = &v.findings[0];
    assert!(
        matches!(&f.detail, Detail::Repeated { times: 1_000, first } if matches!(**first, Detail::IdentifierChecksum { .. })),
        "{:?}",
        f.detail
    );
    assert_eq!(f.locations.len(), MAX_LOCATIONS);
    assert_eq!(f.locations.len() + f.more_locations, 1_000);
    assert_eq!(f.locations[0].to_string(), "liste.xlsx[Liste!E2]");
    assert!(
        f.message_fr().contains("Et 999 autres constats semblables"),
        "{}",
        f.message_fr()
    );
    // The count is not in the fingerprint: a flood that grows is the same finding.
    let mut s = regional(eur(18_000), all_regions(1_000));
    checksum_notes(&mut s, 2_000);
    assert_eq!(validate(&[s]).findings[0].fingerprint, f.fingerprint);
}
