//! A readable rendering of extracted facts, shared by the snapshot tests.

use esms_ledger::model::Statement;
use esms_ledger::model::{ClaimKind, FactRole};
use esms_ledger::validate::Validation;

/// The snapshot of one analysed publication: its figures, the first table's Total row, and
/// every finding.
pub fn facts_and_findings(statements: &[Statement], validation: &Validation) -> Vec<String> {
    let mut lines: Vec<String> = statements.iter().flat_map(describe).collect();
    if let Some(row) = statements.iter().find_map(|s| s.total_row.as_ref()) {
        lines.push(format!(
            "total row {} = {} @ {}",
            row.raw, row.amount.value, row.location
        ));
    }
    for f in &validation.findings {
        lines.push(format!(
            "finding {} {}: {}",
            f.severity.as_str(),
            f.rule,
            f.message()
        ));
    }
    lines
}

/// One readable line per figure: what a reviewer checks against the source by eye.
pub fn describe(s: &Statement) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(d) = &s.declared_total {
        lines.push(format!(
            "declared {} = {} [{}] @ {}",
            d.raw,
            d.amount.value,
            d.amount.kind(),
            d.location
        ));
    }
    if let Some(r) = &s.remainder {
        lines.push(format!("remainder \"{}\" @ {}", r.text, r.location));
    }
    for f in &s.facts {
        let role = match f.role() {
            FactRole::Component => "component",
            FactRole::Superseded => "superseded",
            FactRole::Remainder => "remainder",
            FactRole::Restatement => "restatement",
            FactRole::Amended => "amended",
        };
        lines.push(format!(
            "{role} {} | {} | {} = {} [{}] @ {}",
            f.region().map_or("--", |r| r.code()),
            f.name(),
            f.raw_amount(),
            f.value(),
            f.amount().kind(),
            f.location()
        ));
    }
    for c in &s.claims {
        let region = c
            .region
            .as_ref()
            .map_or("--".to_string(), |r| r.text.clone());
        match &c.kind {
            ClaimKind::Money { amount } => lines.push(format!(
                "claim {region} | {} = {} [{}] @ {}",
                amount.raw,
                amount.amount.value,
                amount.amount.kind(),
                amount.location
            )),
            ClaimKind::Count { count } => lines.push(format!(
                "count {region} | {count} projects @ {}",
                c.context.location
            )),
        }
    }
    lines
}
