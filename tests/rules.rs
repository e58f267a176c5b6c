//! Every validation rule, proven by a pair of inputs: `tests/rules/<rule>/trigger` raises it,
//! `tests/rules/<rule>/quiet*` does not. Each case's findings are snapshotted, so the
//! arithmetic of every rule is reviewed once and then guarded.

use esms_ledger::run::analyse;
use esms_ledger::validate::{Finding, RULES, Rule};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct Shown {
    rule: &'static str,
    severity: &'static str,
    subject: String,
    message_fr: String,
    expected: Option<String>,
    actual: Option<String>,
    difference: Option<String>,
    tolerance: Option<String>,
    locations: Vec<String>,
    acknowledged: bool,
}

fn shown(f: &Finding) -> Shown {
    Shown {
        rule: f.rule.id(),
        severity: f.severity.as_str(),
        subject: f.subject.clone(),
        message_fr: f.message_fr(),
        expected: f.expected.map(|d| d.to_string()),
        actual: f.actual.map(|d| d.to_string()),
        difference: f.difference.map(|d| d.to_string()),
        tolerance: f.tolerance.map(|d| d.to_string()),
        locations: f.locations.iter().map(ToString::to_string).collect(),
        acknowledged: f.acknowledged.is_some(),
    }
}

/// Every case as (rule, its folder's name, variant, folder).
fn cases() -> Vec<(Rule, String, String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root).expect("tests/rules") {
        let rule = rule.expect("entry").path();
        let name = rule.file_name().unwrap().to_string_lossy().into_owned();
        let id: Rule = name
            .parse()
            .unwrap_or_else(|e| panic!("tests/rules/{name}: {e}"));
        for variant in std::fs::read_dir(&rule).expect("rule folder") {
            let variant = variant.expect("entry").path();
            out.push((
                id,
                name.clone(),
                variant.file_name().unwrap().to_string_lossy().into_owned(),
                variant,
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn each_rule_fires_on_its_trigger_and_stays_quiet_otherwise() {
    for (id, rule, variant, dir) in cases() {
        // The inputs are read relative to the crate so that locations are stable.
        let (_, _, validation, _) =
            analyse(&dir).unwrap_or_else(|e| panic!("{rule}/{variant}: {e}"));
        let fired = validation.findings.iter().any(|f| f.rule == id);
        if variant.starts_with("trigger") {
            assert!(
                fired,
                "{rule}/{variant} should raise {rule}: {:#?}",
                validation.findings
            );
        } else {
            assert!(
                !fired,
                "{rule}/{variant} should not raise {rule}: {:#?}",
                validation.findings
            );
        }
        let findings: Vec<Shown> = validation.findings.iter().map(shown).collect();
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("findings of tests/rules/{rule}/{variant}"),
        }, {
            insta::assert_yaml_snapshot!(format!("rule__{rule}__{variant}"), findings);
        });
    }
}

/// Rules that only spreadsheets can raise are proven by the spreadsheet gallery
/// (`tests/sheet_gallery.rs`); `extraction.note` files notes no rule names.
const SHEET_RULES: [Rule; 4] = [
    Rule::SheetFloatNoise,
    Rule::SheetRegionCarried,
    Rule::IdentifierChecksum,
    Rule::ExtractionNote,
];

#[test]
fn every_rule_of_the_catalogue_has_its_pair_of_cases() {
    let cases = cases();
    for rule in RULES.iter().filter(|r| !SHEET_RULES.contains(&r.rule)) {
        let variants: Vec<&str> = cases
            .iter()
            .filter(|(r, ..)| *r == rule.rule)
            .map(|(_, _, v, _)| v.as_str())
            .collect();
        assert!(
            variants.contains(&"trigger"),
            "no trigger case for {}",
            rule.id
        );
        assert!(
            variants.iter().any(|v| v.starts_with("quiet")),
            "no quiet case for {}",
            rule.id
        );
    }
}
