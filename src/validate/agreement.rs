//! Agreement between publications: when two publications state the same envelope, their
//! totals, regions and lines must agree within what each states (a rounded "12,2 millions"
//! agrees with an exact 12 199 648 €). A conflict names both sources with their lines.

use super::{Finding, FindingBuilder, Rule, Validation};
use crate::core::amount::SumExact;
use crate::core::names::{MATCH_THRESHOLD, NameIndex, name_tokens};
use crate::model::Breakdown;
use crate::model::Statement;
use crate::model::detail::{ComparedLine, Detail, FieldDifference, MetadataField, MissingLine};
use crate::model::{FactRef, Location};
use std::collections::{BTreeMap, BTreeSet};

fn primary_of<'a>(all: &'a [Statement], id: &str) -> Option<&'a Statement> {
    all.iter().find(|s| s.primary && s.spec.id == id)
}

pub fn check(all: &[Statement], v: &mut Validation) {
    // A revision amending the reference is checked by the revision rules, not as a copy.
    for s in all.iter().filter(|s| !s.primary && s.amends.is_none()) {
        let Some(p) = primary_of(all, s.restates.as_deref().unwrap_or(&s.spec.id)) else {
            continue;
        };
        // A page restating another id's envelope describes it in its own words.
        if s.restates.is_none() {
            metadata(s, p, v);
        }
        declared_totals(s, p, v);
        if s.facts.is_empty() || p.facts.is_empty() {
            continue;
        }
        lines(all, s, p, v);
    }
}

fn metadata(s: &Statement, p: &Statement, v: &mut Validation) {
    let (a, b) = (&s.spec, &p.spec);
    let mut differences = Vec::new();
    let mut differ = |field: MetadataField, ours: String, theirs: String| {
        if ours != theirs {
            differences.push(FieldDifference {
                field,
                ours,
                theirs,
            });
        }
    };
    differ(
        MetadataField::Exercise,
        a.exercise.to_string(),
        b.exercise.to_string(),
    );
    differ(MetadataField::Phase, a.phase.clone(), b.phase.clone());
    differ(MetadataField::Channel, a.channel.clone(), b.channel.clone());
    differ(
        MetadataField::Programme,
        a.programme.clone(),
        b.programme.clone(),
    );
    // A revision states the same envelope as its reference, by nature in another breakdown.
    if a.breakdown != Breakdown::Revision && b.breakdown != Breakdown::Revision {
        differ(
            MetadataField::Breakdown,
            a.breakdown.as_str().to_string(),
            b.breakdown.as_str().to_string(),
        );
    }
    if differences.is_empty() {
        return;
    }
    let mut f = FindingBuilder::new(
        Rule::AgreementMetadata,
        &a.id,
        &s.publication_id,
        "metadata",
        Detail::MetadataDiffers {
            envelope: a.id.clone(),
            publication: s.publication_id.clone(),
            reference_publication: p.publication_id.clone(),
            differences,
        },
    );
    if let Some(d) = s.declared() {
        f = f.at(&d.location);
    }
    v.findings.push(f.build());
}

fn declared_totals(s: &Statement, p: &Statement, v: &mut Validation) {
    let Some(restated) = s.declared() else {
        return;
    };
    // The reference's total as written; `None` when it is the sum of its components.
    let reference = match p.declared() {
        Some(d) => (
            d.amount.value,
            d.amount.half_unit(),
            Some(d.location.clone()),
            Some(d.raw.clone()),
        ),
        None if !p.facts.is_empty() => {
            let sum = p.current().map(|f| f.value()).sum_exact();
            let half = p.current().map(|f| f.half_unit()).sum_exact();
            (sum, half, p.current().next().map(|f| f.location()), None)
        }
        None => return,
    };
    let (value, half, location, raw) = reference;
    let ok = restated.amount.admits(value, half);
    v.check(Rule::AgreementDeclaredTotal, s, Some(ok));
    if !ok {
        let mut f = FindingBuilder::new(
            Rule::AgreementDeclaredTotal,
            &s.spec.id,
            &s.publication_id,
            "total",
            Detail::DeclaredTotalsDisagree {
                publication: s.publication_id.clone(),
                restated: restated.amount.value,
                restated_raw: restated.raw.clone(),
                reference_publication: p.publication_id.clone(),
                reference: value,
                reference_raw: raw,
            },
        )
        .arithmetic(
            value,
            restated.amount.value,
            Some(half + restated.amount.half_unit()),
        )
        .at(&restated.location);
        if let Some(l) = &location {
            f = f.at(l);
        }
        v.findings.push(f.build());
    }
}

/// Line-by-line agreement of two lists of the same envelope (a spreadsheet and a text, or
/// two texts): matched by region, or by beneficiary name.
fn lines(all: &[Statement], s: &Statement, p: &Statement, v: &mut Validation) {
    if matches!(p.spec.breakdown, Breakdown::Region | Breakdown::Revision) {
        regions(all, s, p, v);
        return;
    }
    let env = &s.spec.id;
    let primary = crate::normalise::envelope_state(all, p, s.published_on, "");
    let restated: Vec<FactRef<'_>> = s.current().collect();
    let index = NameIndex::new(primary.iter().map(|f| f.name()));
    let mut matched_primary = BTreeSet::new();
    let mut ok = true;
    for r in &restated {
        let m = match p.spec.breakdown {
            Breakdown::Region | Breakdown::Revision => primary
                .iter()
                .position(|f| f.region().is_some() && f.region() == r.region()),
            // One organisation may hold several projects (in several regions): a line is
            // matched once, to the same region first, then to the closest amount.
            Breakdown::Beneficiary => {
                let words: BTreeSet<String> = name_tokens(r.name()).into_iter().collect();
                (0..primary.len())
                    .filter(|i| !matched_primary.contains(i))
                    .map(|i| (i, index.score(i, &words)))
                    .filter(|&(_, score)| score > MATCH_THRESHOLD)
                    .max_by(|&(i, a), &(j, b)| {
                        let same = |k: usize| {
                            primary[k].region().is_some() && primary[k].region() == r.region()
                        };
                        let gap = |k: usize| (primary[k].value() - r.value()).abs();
                        (same(i), std::cmp::Reverse(gap(i)))
                            .cmp(&(same(j), std::cmp::Reverse(gap(j))))
                            .then(a.total_cmp(&b))
                    })
                    .map(|(i, _)| i)
            }
            Breakdown::BudgetLine => primary.iter().position(|f| f.value() == r.value()),
        };
        let Some(i) = m else {
            ok = false;
            let line = MissingLine::Line {
                label: r.raw_label().to_string(),
                amount: r.value(),
            };
            v.findings
                .push(missing(s, p, r.raw_label(), line, &r.location(), false));
            continue;
        };
        matched_primary.insert(i);
        let f = primary[i];
        if !r.amount().admits(f.value(), f.amount().half_unit()) {
            ok = false;
            v.findings.push(
                FindingBuilder::new(
                    Rule::AgreementAmount,
                    env,
                    &s.publication_id,
                    subject(f),
                    Detail::AmountsDisagree {
                        line: ComparedLine::Line(f.raw_label().to_string()),
                        publication: s.publication_id.clone(),
                        restated: r.value(),
                        restated_raw: vec![r.raw_amount().into_owned()],
                        reference_publication: p.publication_id.clone(),
                        reference: f.value(),
                        reference_raw: vec![f.raw_amount().into_owned()],
                    },
                )
                .arithmetic(
                    f.value(),
                    r.value(),
                    Some(f.amount().half_unit() + r.amount().half_unit()),
                )
                .at(&r.location())
                .at(&f.location())
                .build(),
            );
        }
        if p.spec.breakdown == Breakdown::Beneficiary
            && r.region().is_some()
            && f.region().is_some()
            && r.region() != f.region()
        {
            ok = false;
            v.findings.push(region_conflict(
                Rule::AgreementRegion,
                env,
                s,
                r.region(),
                &r.location(),
                p,
                f,
            ));
        }
    }
    for (i, f) in primary.iter().enumerate() {
        if !matched_primary.contains(&i) && !s.is_partial() {
            ok = false;
            let line = MissingLine::Line {
                label: f.raw_label().to_string(),
                amount: f.value(),
            };
            v.findings
                .push(missing(s, p, f.raw_label(), line, &f.location(), true));
        }
    }
    v.check(Rule::AgreementAmount, s, Some(ok));
}

fn group_by_region<'a>(
    facts: impl Iterator<Item = FactRef<'a>>,
) -> BTreeMap<crate::core::region::RegionCode, Vec<FactRef<'a>>> {
    let mut m: BTreeMap<crate::core::region::RegionCode, Vec<FactRef<'a>>> = BTreeMap::new();
    for f in facts {
        if let Some(r) = f.region() {
            m.entry(r).or_default().push(f);
        }
    }
    m
}

/// Two regional splits compared region by region, each region's lines summed (a table of
/// pre-2016 regions gives several lines for one region).
fn regions(all: &[Statement], s: &Statement, p: &Statement, v: &mut Validation) {
    let env = &s.spec.id;
    let (ours, theirs) = (
        group_by_region(s.current()),
        group_by_region(crate::normalise::envelope_state(all, p, s.published_on, "").into_iter()),
    );
    let sum = |facts: &[FactRef<'_>]| -> (rust_decimal::Decimal, rust_decimal::Decimal) {
        (
            facts.iter().map(|f| f.value()).sum_exact(),
            facts.iter().map(|f| f.half_unit()).sum_exact(),
        )
    };
    let mut ok = true;
    for (region, restated) in &ours {
        let Some(reference) = theirs.get(region) else {
            ok = false;
            v.findings.push(missing(
                s,
                p,
                region.code(),
                MissingLine::Region { region: *region },
                &restated[0].location(),
                false,
            ));
            continue;
        };
        let (r_value, r_half) = sum(restated);
        let (p_value, p_half) = sum(reference);
        let admits = match restated.as_slice() {
            [one] => one.amount().admits(p_value, p_half),
            _ => (r_value - p_value).abs() <= r_half + p_half,
        };
        if admits {
            continue;
        }
        ok = false;
        let raw =
            |facts: &[FactRef<'_>]| facts.iter().map(|f| f.raw_amount().into_owned()).collect();
        let mut f = FindingBuilder::new(
            Rule::AgreementAmount,
            env,
            &s.publication_id,
            region.code(),
            Detail::AmountsDisagree {
                line: ComparedLine::Region(*region),
                publication: s.publication_id.clone(),
                restated: r_value,
                restated_raw: raw(restated),
                reference_publication: p.publication_id.clone(),
                reference: p_value,
                reference_raw: raw(reference),
            },
        )
        .arithmetic(p_value, r_value, Some(r_half + p_half));
        f = f.at_facts(restated.iter().chain(reference.iter()).copied());
        v.findings.push(f.build());
    }
    if !s.is_partial() {
        for (region, reference) in &theirs {
            if ours.contains_key(region) {
                continue;
            }
            ok = false;
            v.findings.push(missing(
                s,
                p,
                region.code(),
                MissingLine::Region { region: *region },
                &reference[0].location(),
                true,
            ));
        }
    }
    v.check(Rule::AgreementAmount, s, Some(ok));
}

/// A line one publication has and the other lacks. `in_reference`: the reference has it.
fn missing(
    s: &Statement,
    p: &Statement,
    subject: &str,
    line: MissingLine,
    location: &Location,
    in_reference: bool,
) -> Finding {
    FindingBuilder::new(
        Rule::AgreementMissing,
        &s.spec.id,
        &s.publication_id,
        subject,
        Detail::LineMissing {
            line,
            publication: s.publication_id.clone(),
            reference_publication: p.publication_id.clone(),
            in_reference,
        },
    )
    .at(location)
    .build()
}

pub(crate) fn subject(f: FactRef<'_>) -> String {
    f.beneficiary()
        .map(str::to_string)
        .or_else(|| f.region().map(|r| r.code().to_string()))
        .unwrap_or_else(|| f.raw_label().to_string())
}

/// The same beneficiary placed in two regions.
pub(crate) fn region_conflict(
    rule: Rule,
    env: &str,
    s: &Statement,
    region: Option<crate::core::region::RegionCode>,
    location: &crate::model::Location,
    p: &Statement,
    f: FactRef<'_>,
) -> super::Finding {
    FindingBuilder::new(
        rule,
        env,
        &s.publication_id,
        subject(f),
        Detail::RegionsDisagree {
            beneficiary: subject(f),
            region,
            publication: s.publication_id.clone(),
            at: location.clone(),
            reference_region: f.region(),
            reference_publication: p.publication_id.clone(),
            reference_at: f.location(),
        },
    )
    .at(location)
    .at(&f.location())
    .build()
}
