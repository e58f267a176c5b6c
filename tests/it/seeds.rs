//! The five seed publications: every money figure they print comes out, traced to its line,
//! and the facts extracted from each are snapshotted.

use esms_ledger::core::amount::find_amounts;
use esms_ledger::model::Statement;
use esms_ledger::model::{ClaimKind, Location};
use esms_ledger::run::analyse;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

use crate::support::describe::describe;
use crate::support::shipped;

fn statements() -> Vec<Statement> {
    analyse(&shipped()).expect("shipped inputs analyse").1
}

/// (file, line, start, end) of every figure the statements hold: facts, claims, declared
/// totals, total rows.
fn extracted_spans(statements: &[Statement]) -> BTreeSet<(String, u32, u32, u32)> {
    let mut out = BTreeSet::new();
    let mut add = |l: &Location| {
        if let (Some(line), Some((s, e))) = (l.line(), l.span()) {
            out.insert((l.file().to_string(), line, s, e));
        }
    };
    for s in statements {
        s.facts.iter().for_each(|f| add(&f.location()));
        s.declared_total.iter().for_each(|d| add(&d.location));
        for c in &s.claims {
            if let ClaimKind::Money { amount } = &c.kind {
                add(&amount.location);
            }
        }
    }
    out
}

#[test]
fn every_money_figure_of_the_seed_texts_is_extracted_with_its_line() {
    let statements = statements();
    let spans = extracted_spans(&statements);
    let mut missing = Vec::new();
    let mut figures = 0;
    for entry in std::fs::read_dir(shipped()).expect("inputs") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("seed text");
        for (i, line) in text.lines().enumerate() {
            for m in find_amounts(line) {
                figures += 1;
                let line_no = u32::try_from(i + 1).unwrap();
                // The extracted span may include qualifier words the scan also includes, or
                // be the declared total written in the description: overlap is enough.
                let covered = spans.iter().any(|(f, l, s, e)| {
                    *f == name && *l == line_no && (*s as usize) < m.end && m.start < (*e as usize)
                });
                if !covered {
                    missing.push(format!("{name}:{line_no}: {}", m.raw));
                }
            }
        }
    }
    assert!(figures >= 100, "only {figures} figures found in the seeds");
    assert!(
        missing.is_empty(),
        "figures not extracted:\n{}",
        missing.join("\n")
    );
}

fn envelope<'a>(statements: &'a [Statement], id: &str, publication: &str) -> &'a Statement {
    statements
        .iter()
        .find(|s| s.spec.id == id && s.publication_id == publication)
        .unwrap_or_else(|| panic!("no statement of {id} by {publication}"))
}

fn current_sum(s: &Statement) -> Decimal {
    s.current().map(|f| f.value()).sum()
}

#[test]
fn national_call_2021_adds_up_to_the_euro() {
    let statements = statements();
    let s = envelope(&statements, "esms-2021-aap-national", "dsih-2022-01-04");
    assert_eq!(s.current().count(), 10);
    assert_eq!(current_sum(s), Decimal::from(12_199_648));
    assert_eq!(
        s.declared().map(|d| d.amount.value),
        Some(Decimal::from(12_199_648))
    );
}

#[test]
fn regional_split_2023_adds_up_to_67_millions() {
    let statements = statements();
    let s = envelope(&statements, "esms-2023-ars", "ticsante-2023-02-23");
    assert_eq!(s.current().count(), 18);
    assert_eq!(current_sum(s), Decimal::from(67_000_000));
}

#[test]
fn temps2_sum_falls_short_of_75m() {
    let statements = statements();
    let s = envelope(
        &statements,
        "esms-2021-amorcage-temps2-ars",
        "dsih-2022-01-04",
    );
    assert_eq!(current_sum(s), Decimal::from(70_106_406));
    assert_eq!(
        Decimal::from(75_000_000) - current_sum(s),
        Decimal::from(4_893_594)
    );
}

#[test]
fn temps1_revision_keeps_old_and_new_amounts() {
    let statements = statements();
    let s = envelope(
        &statements,
        "esms-2021-amorcage-temps1-ars",
        "nexem-2021-08-temps1-revision",
    );
    let old: Decimal = s.superseded().map(|f| f.value()).sum();
    assert_eq!(s.superseded().count(), 17);
    assert_eq!(s.current().count(), 17);
    assert_eq!(old, Decimal::from(22_288_612));
    assert_eq!(current_sum(s), Decimal::from(22_100_000));
    assert!(s.facts.iter().all(|f| f.region().is_some()));
}

#[test]
fn facts_extracted_from_each_publication() {
    let statements = statements();
    let mut publications: Vec<&str> = statements
        .iter()
        .map(|s| s.publication_id.as_str())
        .collect();
    publications.dedup();
    for publication in publications {
        let of: Vec<(String, Vec<String>)> = statements
            .iter()
            .filter(|s| s.publication_id == publication)
            .map(|s| {
                let role = if s.primary {
                    "reference"
                } else {
                    "restatement"
                };
                (format!("{} ({role})", s.spec.id), describe(s))
            })
            .collect();
        insta::with_settings!({
            snapshot_path => "../../snapshots/seeds",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            snapshot_suffix => publication,
            description => format!("facts extracted from publication {publication}"),
        }, {
            insta::assert_yaml_snapshot!("facts", of);
        });
    }
}
