//! A readable rendering of extracted facts, shared by the snapshot tests.

use esms_ledger::model::Statement;
use esms_ledger::model::{ClaimKind, FactRole};

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
