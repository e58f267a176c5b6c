//! Stage 5a: the published tables, assembled from the normalised statements and the
//! validation. Rows are sorted by stable keys so that identical inputs give identical bytes.

use crate::core::region::RegionCode;
use crate::model::Publication;
use crate::model::Statement;
use crate::model::{ClaimKind, FactRole, Location};
use crate::publish::dataset::{
    AllocationRow, Dataset, EnvelopeRow, FindingRow, PublicationRow, RegionRow,
};
use crate::validate::Validation;

/// Published money is DECIMAL(18,2): tolerances and differences derived from rounded
/// figures are shown to the cent (a half-unit of 0,005 € is 0,01 €).
fn cents(d: rust_decimal::Decimal) -> rust_decimal::Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// "35-52": 1-based inclusive characters, as editors show columns.
fn span_text(location: &Location) -> Option<String> {
    location.span().map(|(s, e)| format!("{}-{}", s + 1, e))
}

fn role_name(role: FactRole) -> &'static str {
    match role {
        FactRole::Component => "component",
        FactRole::Superseded => "superseded",
        FactRole::Remainder => "remainder",
        FactRole::Restatement => "restatement",
        FactRole::Amended => "amended",
    }
}

pub fn build(
    publications: &[Publication],
    statements: &[Statement],
    validation: &Validation,
) -> Dataset {
    let mut allocations = Vec::new();
    let mut envelopes = Vec::new();
    for s in statements {
        let meta = &s.spec;
        let base = |publication_id: &str| AllocationRow {
            publication_id: publication_id.to_string(),
            envelope_id: meta.id.clone(),
            programme: meta.programme.clone(),
            exercise: meta.exercise,
            phase: meta.phase.clone(),
            channel: meta.channel.clone(),
            region_code: None,
            region_name: None,
            beneficiary: None,
            amount_eur: rust_decimal::Decimal::ZERO,
            amount_kind: String::new(),
            superseded: false,
            raw_label: String::new(),
            raw_amount: String::new(),
            source_file: String::new(),
            source_line: None,
            source_span: None,
            role: String::new(),
            counted: false,
            identifier: None,
            source_sheet: None,
            source_cell: None,
            label_line: None,
            label_span: None,
        };
        let rec = validation
            .reconciliations
            .iter()
            .find(|r| r.envelope_id == meta.id && r.publication_id == s.publication_id);
        for f in &s.facts {
            let detailed = rec.is_some_and(|r| r.detailed_by.iter().any(|d| f.is_at(&d.location)));
            let location = f.location();
            let label_location = f.label_location();
            allocations.push(AllocationRow {
                region_code: f.region().map(|r| r.code().to_string()),
                region_name: f.region().map(|r| r.name().to_string()),
                beneficiary: f.beneficiary().map(str::to_string),
                amount_eur: f.value(),
                amount_kind: f.amount().kind().to_string(),
                superseded: matches!(f.role(), FactRole::Superseded | FactRole::Amended),
                raw_label: f.raw_label().to_string(),
                raw_amount: f.raw_amount().into_owned(),
                source_file: location.file().to_string(),
                source_line: location.line(),
                source_span: span_text(&location),
                role: if detailed {
                    "detailed"
                } else {
                    role_name(f.role())
                }
                .to_string(),
                counted: matches!(f.role(), FactRole::Component | FactRole::Remainder) && !detailed,
                identifier: f.identifier().map(|i| i.into_owned()),
                source_sheet: location.sheet().map(str::to_string),
                source_cell: location.cell().map(str::to_string),
                label_line: label_location.as_ref().and_then(Location::line),
                label_span: label_location.as_ref().and_then(span_text),
                ..base(&s.publication_id)
            });
        }
        // Figures quoted in prose: kept with their line, never counted.
        for c in &s.claims {
            let ClaimKind::Money { amount } = &c.kind else {
                continue;
            };
            let region = s.claim_region(c);
            allocations.push(AllocationRow {
                region_code: region.map(|r| r.code().to_string()),
                region_name: region.map(|r| r.name().to_string()),
                amount_eur: amount.amount.value,
                amount_kind: amount.amount.kind().to_string(),
                raw_label: c.context.text.trim().to_string(),
                raw_amount: amount.raw.clone(),
                source_file: amount.location.file().to_string(),
                source_line: amount.location.line(),
                source_span: span_text(&amount.location),
                role: role_name(FactRole::Restatement).to_string(),
                label_line: c.context.location.line(),
                label_span: span_text(&c.context.location),
                ..base(&s.publication_id)
            });
        }
        if let Some(rem) = rec.and_then(|r| r.remainder.as_ref()) {
            allocations.push(AllocationRow {
                amount_eur: rem.amount,
                amount_kind: "derived".to_string(),
                raw_label: rem.label.clone(),
                raw_amount: String::new(),
                source_file: rem.location.file().to_string(),
                source_line: rem.location.line(),
                source_span: span_text(&rem.location),
                role: role_name(FactRole::Remainder).to_string(),
                counted: s.primary,
                ..base(&s.publication_id)
            });
        }
        let declared = s.declared();
        let location = declared
            .map(|d| d.location.clone())
            .or_else(|| s.facts.first().map(|f| f.location()));
        envelopes.push(EnvelopeRow {
            envelope_id: meta.id.clone(),
            publication_id: s.publication_id.clone(),
            exercise: meta.exercise,
            phase: meta.phase.clone(),
            channel: meta.channel.clone(),
            breakdown: meta.breakdown.as_str().to_string(),
            declared_total_eur: declared.map(|d| d.amount.value),
            declared_as: declared.map(|d| d.raw.clone()),
            computed_total_eur: rec
                .map_or(rust_decimal::Decimal::ZERO, |r| cents(r.computed_total)),
            components: rec.map_or(0, |r| r.components),
            difference_eur: rec.and_then(|r| r.difference).map(cents),
            programme: meta.programme.clone(),
            parent_envelope_id: meta.parent.clone(),
            role: if s.primary {
                "primary"
            } else if s.amends.is_some() {
                "revision"
            } else {
                "restatement"
            }
            .to_string(),
            declared_kind: declared.map(|d| d.amount.kind().to_string()),
            tolerance_eur: rec.and_then(|r| r.tolerance).map(cents),
            source_file: location
                .as_ref()
                .map_or_else(|| s.source_name.clone(), |l| l.file().to_string()),
            source_line: location.as_ref().and_then(Location::line),
            source_sheet: location
                .as_ref()
                .and_then(|l| l.sheet().map(str::to_string)),
            source_cell: location.as_ref().and_then(|l| l.cell().map(str::to_string)),
        });
    }
    // Spans and cells sort by their numbers ("97-105" before "150-177", "B9" before "B10").
    let position = |a: &AllocationRow| {
        let digits = |s: &Option<String>| {
            s.as_deref().map_or((String::new(), 0u64), |t| {
                let letters: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                let number = t[letters.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>();
                (letters, number.parse().unwrap_or(0))
            })
        };
        let (col, row) = digits(&a.source_cell);
        (a.source_line, row, col, digits(&a.source_span).1)
    };
    allocations.sort_by(|a, b| {
        (
            &a.envelope_id,
            &a.publication_id,
            &a.source_file,
            position(a),
            a.superseded,
        )
            .cmp(&(
                &b.envelope_id,
                &b.publication_id,
                &b.source_file,
                position(b),
                b.superseded,
            ))
    });
    envelopes.sort_by(|a, b| {
        (&a.envelope_id, &a.role, &a.publication_id).cmp(&(
            &b.envelope_id,
            &b.role,
            &b.publication_id,
        ))
    });

    let findings = validation
        .findings
        .iter()
        .map(|f| {
            let first = f.locations.first();
            FindingRow {
                rule: f.rule.id().to_string(),
                severity: f.severity.as_str().to_string(),
                envelope_id: f.envelope_id.clone(),
                message: f.message(),
                expected_eur: f.expected.map(cents),
                actual_eur: f.actual.map(cents),
                difference_eur: f.difference.map(cents),
                source_file: first.map(|l| l.file().to_string()),
                source_line: first.and_then(Location::line),
                fingerprint: f.fingerprint.clone(),
                acknowledged: f.acknowledged.is_some(),
                tolerance_eur: f.tolerance.map(cents),
                subject: f.subject.clone(),
                source_sheet: first.and_then(|l| l.sheet().map(str::to_string)),
                source_cell: first.and_then(|l| l.cell().map(str::to_string)),
                message_fr: f.message_fr(),
            }
        })
        .collect();

    let mut publications: Vec<PublicationRow> = publications
        .iter()
        .map(|p| PublicationRow {
            publication_id: p.meta.id.clone(),
            title: p.meta.title.clone(),
            issuer: p.meta.issuer.clone(),
            kind: p.meta.kind.as_str().to_string(),
            published_on: p.meta.published_on,
            source_file: p.source_name.clone(),
            source_sha256: p.source_sha256.clone(),
            reference: p.meta.reference.clone(),
            url: p.meta.url.clone(),
        })
        .collect();
    publications.sort_by(|a, b| a.publication_id.cmp(&b.publication_id));

    let regions = RegionCode::ALL
        .iter()
        .map(|r| RegionRow {
            region_code: r.code().to_string(),
            region_name: r.name().to_string(),
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
