//! Totals, nested envelopes, completeness, duplicates and revisions: what one statement of
//! an envelope says about itself.
//!
//! Tolerance rule (shown in every finding): a figure written to the euro must match to the
//! euro; a rounded figure ("67 M€", "16,7 M€") stands for any value within half a unit of
//! its last digit, so the bound on a sum is the sum of the half-units of every rounded
//! figure involved, the declared total's included. "plus de", "près de" and "environ" are
//! checked as what they say (see `Amount::admits`).

use super::{ChildPart, DerivedRemainder, FindingBuilder, Reconciliation, Rule, Validation};
use crate::core::amount::SumExact;
use crate::core::region::RegionCode;
use crate::model::Breakdown;
use crate::model::Statement;
use crate::model::detail::{Detail, RevisionList};
use crate::model::{FactRef, StatedAmount};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

fn half_units<'a>(facts: impl Iterator<Item = FactRef<'a>>) -> Decimal {
    facts.map(|f| f.half_unit()).sum_exact()
}

/// The amount a sub-envelope brings to its parent: its declared total, else its sum.
fn child_amount(child: &Statement) -> Option<(Decimal, Decimal, crate::model::Location)> {
    if let Some(d) = child.declared() {
        return Some((d.amount.value, d.amount.half_unit(), d.location.clone()));
    }
    let first = child.current().next()?;
    let sum = child.current().map(|f| f.value()).sum_exact();
    Some((sum, half_units(child.current()), first.location()))
}

pub fn check_all(statements: &[Statement], v: &mut Validation) {
    let known: BTreeSet<&str> = statements.iter().map(|s| s.spec.id.as_str()).collect();
    for s in statements {
        if let Some(parent) = &s.spec.parent
            && !known.contains(parent.as_str())
        {
            let mut f = FindingBuilder::new(
                Rule::NestedChildNotFound,
                &s.spec.id,
                &s.publication_id,
                parent.clone(),
                Detail::ParentNotFound {
                    parent: parent.clone(),
                },
            );
            if let Some(d) = s.declared() {
                f = f.at(&d.location);
            }
            v.findings.push(f.build());
        }
    }
    for s in statements {
        if s.spec.breakdown == Breakdown::Revision {
            revision(s, statements, v);
        } else {
            reconcile(s, statements, v);
        }
        completeness(s, v);
    }
}

fn reconcile(s: &Statement, all: &[Statement], v: &mut Validation) {
    let env = &s.spec.id;
    let facts = s.current();
    let mut computed: Decimal = facts.clone().map(|f| f.value()).sum_exact();
    let mut extra = half_units(facts.clone());
    let mut children = Vec::new();
    let mut detailed_by = Vec::new();

    // Sub-envelopes, level by level: a line of this statement may stand for a child
    // ("67 M€ destinés aux ARS" is the 67 M€ regional split); otherwise the child's total
    // adds to this envelope's.
    if s.primary {
        // A sub-envelope may be described as such by any of its publications (the press
        // article nests the 67 M€; the annex that states it best need not).
        let child_ids: BTreeSet<&str> = all
            .iter()
            .filter(|c| c.spec.parent.as_deref() == Some(env))
            .map(|c| c.spec.id.as_str())
            .collect();
        for child in all
            .iter()
            .filter(|c| c.primary && child_ids.contains(c.spec.id.as_str()))
        {
            let Some((amount, child_half, location)) = child_amount(child) else {
                continue;
            };
            let free =
                |f: &FactRef<'_>| !detailed_by.iter().any(|d: &ChildPart| f.is_at(&d.location));
            let exact_line = facts
                .clone()
                .filter(free)
                .find(|f| (f.value() - amount).abs() <= f.amount().half_unit() + child_half);
            // A line within 15 % of the sub-envelope designates it, with a discrepancy:
            // "38,5 millions d'euros délégués aux ARS" for an annex totalling 38 598 000 €.
            let close_line = exact_line.is_none().then(|| {
                facts
                    .clone()
                    .filter(free)
                    .filter(|f| {
                        (f.value() - amount).abs() * Decimal::from(100)
                            <= amount.abs() * Decimal::from(15)
                    })
                    .min_by_key(|f| (f.value() - amount).abs())
            });
            if let Some(line) = exact_line.or(close_line.flatten()) {
                if exact_line.is_none() {
                    let tolerance = line.amount().tolerance() + child_half;
                    v.findings.push(
                        FindingBuilder::new(
                            Rule::NestedChildMismatch,
                            env,
                            &s.publication_id,
                            child.spec.id.clone(),
                            Detail::ChildMismatch {
                                child: child.spec.id.clone(),
                                child_total: amount,
                                envelope: env.clone(),
                                line: line.value(),
                                line_raw: line.raw_amount().into_owned(),
                                tolerance,
                            },
                        )
                        .arithmetic(line.value(), amount, Some(tolerance))
                        .at(&line.location())
                        .at(&location)
                        .build(),
                    );
                }
                detailed_by.push(ChildPart {
                    envelope_id: child.spec.id.clone(),
                    amount: line.value(),
                    location: line.location(),
                });
            } else {
                computed += amount;
                extra += child_half;
                children.push(ChildPart {
                    envelope_id: child.spec.id.clone(),
                    amount,
                    location,
                });
            }
        }
    }
    let count = facts.clone().count();
    let components = u32::try_from(count + children.len()).unwrap_or(u32::MAX);

    let declared = s.declared();
    let mut remainder = None;
    if let (Some(label), Some(d)) = (&s.remainder, declared) {
        let tolerance = d.amount.tolerance() + extra;
        let left = d.amount.value - computed;
        if left < -tolerance {
            v.findings.push(
                FindingBuilder::new(
                    Rule::NestedRemainderNegative,
                    env,
                    &s.publication_id,
                    "remainder",
                    Detail::RemainderNegative {
                        label: label.text.clone(),
                        declared: d.amount.value,
                        computed,
                    },
                )
                .arithmetic(d.amount.value, computed, Some(tolerance))
                .at(&d.location)
                .at(&label.location)
                .build(),
            );
        } else {
            let amount = left.max(Decimal::ZERO);
            v.findings.push(
                FindingBuilder::new(
                    Rule::NestedRemainderDerived,
                    env,
                    &s.publication_id,
                    "remainder",
                    Detail::RemainderDerived {
                        label: label.text.clone(),
                        declared: d.amount.value,
                        computed,
                        remainder: amount,
                        tolerance,
                    },
                )
                .arithmetic(d.amount.value, computed, Some(tolerance))
                .at(&label.location)
                .at(&d.location)
                .build(),
            );
            computed += amount;
            remainder = Some(DerivedRemainder {
                label: label.text.clone(),
                amount,
                tolerance,
                location: label.location.clone(),
            });
        }
    }

    let mut difference = None;
    let mut tolerance = None;
    match declared {
        Some(d) if (components > 0 || remainder.is_some()) && !s.is_partial() => {
            let tol = d.amount.tolerance() + extra;
            difference = Some(computed - d.amount.value);
            tolerance = Some(tol);
            let ok = d.amount.admits(computed, extra);
            v.check(Rule::TotalSumMismatch, s, Some(ok));
            if !ok {
                let first = facts.clone().next().map(|f| f.location());
                let slip = super::magnitude::unit_slip(
                    s,
                    d.amount.value,
                    &d.raw,
                    &d.location,
                    computed,
                    "the sum of its lines",
                    first.as_ref(),
                );
                v.findings.push(slip.unwrap_or_else(|| {
                    sum_mismatch(s, d, computed, tol, facts.clone(), count, &children)
                }));
            }
        }
        _ => v.check(Rule::TotalSumMismatch, s, None),
    }

    // A rounded declared total ("71,5 millions") must not hide a table whose exact Total
    // row its own lines do not reach: the lines are checked against the row too.
    if let (Some(_), Some(row)) = (&s.declared_total, &s.total_row)
        && components > 0
        && !s.is_partial()
        && !row.amount.admits(computed, extra)
    {
        let tol = row.amount.tolerance() + extra;
        let f = FindingBuilder::new(
            Rule::TotalSumMismatch,
            env,
            &s.publication_id,
            "total row",
            Detail::SumMismatchTotalRow {
                components,
                computed,
                row: row.amount.value,
                tolerance: tol,
            },
        )
        .arithmetic(row.amount.value, computed, Some(tol))
        .at(&row.location)
        .at_facts(facts.clone());
        v.findings.push(f.build());
    }
    if let (Some(d), Some(row)) = (&s.declared_total, &s.total_row) {
        let ok = d.amount.admits(row.amount.value, row.amount.half_unit());
        v.check(Rule::TotalRowMismatch, s, Some(ok));
        if !ok {
            v.findings.push(
                FindingBuilder::new(
                    Rule::TotalRowMismatch,
                    env,
                    &s.publication_id,
                    "total",
                    Detail::TotalRowMismatch {
                        declared: d.amount.value,
                        declared_raw: d.raw.clone(),
                        row: row.amount.value,
                    },
                )
                .arithmetic(d.amount.value, row.amount.value, Some(d.amount.half_unit()))
                .at(&d.location)
                .at(&row.location)
                .build(),
            );
        }
    }

    v.reconciliations.push(Reconciliation {
        envelope_id: env.clone(),
        publication_id: s.publication_id.clone(),
        primary: s.primary,
        computed_total: computed,
        components,
        declared_total: declared.map(|d| d.amount.value),
        difference,
        tolerance,
        children,
        detailed_by,
        remainder,
    });
}

fn sum_mismatch<'a>(
    s: &Statement,
    d: &StatedAmount,
    computed: Decimal,
    tolerance: Decimal,
    facts: impl Iterator<Item = FactRef<'a>>,
    count: usize,
    children: &[ChildPart],
) -> super::Finding {
    FindingBuilder::new(
        Rule::TotalSumMismatch,
        &s.spec.id,
        &s.publication_id,
        "total",
        Detail::SumMismatch {
            components: count + children.len(),
            computed,
            declared: d.amount.value,
            declared_raw: d.raw.clone(),
            tolerance,
        },
    )
    .arithmetic(d.amount.value, computed, Some(tolerance))
    .at(&d.location)
    .at_facts(facts)
    .build()
}

/// A revision keeps the old and the new lists. Each is reconciled with the declared total;
/// regions it does not name are assumed unchanged, so the amount they imply must be the
/// same before and after.
fn revision(s: &Statement, all: &[Statement], v: &mut Validation) {
    if s.amends.is_some()
        && let Some(base) = all.iter().find(|b| b.primary && b.spec.id == s.spec.id)
    {
        amending_revision(s, base, all, v);
        return;
    }
    let env = &s.spec.id;
    let old: Vec<FactRef<'_>> = s.superseded().collect();
    let new: Vec<FactRef<'_>> = s.current().collect();
    let old_sum: Decimal = old.iter().map(|f| f.value()).sum_exact();
    let new_sum: Decimal = new.iter().map(|f| f.value()).sum_exact();
    let named: BTreeSet<RegionCode> = new.iter().filter_map(|f| f.region()).collect();
    let unnamed: Vec<RegionCode> = RegionCode::ALL
        .iter()
        .copied()
        .filter(|r| !named.contains(r))
        .collect();

    // A full table restates unchanged regions as a matter of course; a list of changes
    // that gives a region the same amount before and after is odd.
    let list_of_changes = !unnamed.is_empty();
    for f in new.iter().filter(|_| list_of_changes) {
        if let Some(prev) = old
            .iter()
            .find(|o| o.line() == f.line() && o.region() == f.region())
            && prev.value() == f.value()
        {
            v.findings.push(
                FindingBuilder::new(
                    Rule::RevisionUnchanged,
                    env,
                    &s.publication_id,
                    f.raw_label().to_string(),
                    Detail::RevisionUnchanged {
                        label: f.raw_label().to_string(),
                        amount: f.value(),
                    },
                )
                .at(&f.location())
                .build(),
            );
        }
    }

    let Some(d) = s.declared() else {
        v.check(Rule::RevisionTotal, s, None);
        push_revision_reconciliation(s, v, new_sum, new.len(), None);
        return;
    };
    let declared = d.amount.value;
    // "Le montant est porté de 66 400 000 € à 66 500 000 €": the old list has its own total.
    let d_before = s.declared_before.as_ref().unwrap_or(d);
    let declared_old = d_before.amount.value;
    if unnamed.is_empty() {
        for (list, sum, facts, d) in [
            (RevisionList::Before, old_sum, &old, d_before),
            (RevisionList::After, new_sum, &new, d),
        ] {
            let declared = d.amount.value;
            let extra = half_units(facts.iter().copied());
            let ok = d.amount.admits(sum, extra);
            v.check(Rule::RevisionTotal, s, Some(ok));
            if !ok {
                let tol = d.amount.tolerance() + extra;
                let mut f = FindingBuilder::new(
                    Rule::RevisionTotal,
                    env,
                    &s.publication_id,
                    list.subject(),
                    Detail::RevisionTotal {
                        list,
                        sum,
                        declared,
                        declared_raw: d.raw.clone(),
                        tolerance: tol,
                    },
                )
                .arithmetic(declared, sum, Some(tol))
                .at(&d.location);
                f = f.at_facts(facts.iter().copied());
                v.findings.push(f.build());
            }
        }
    } else {
        // The declared total's rounding cancels out: both implied amounts come from it.
        let implied_old = declared_old - old_sum;
        let implied_new = declared - new_sum;
        let ok = implied_old == implied_new && implied_new >= Decimal::ZERO;
        v.check(Rule::RevisionUnnamedChanged, s, Some(ok));
        if !ok {
            let mut f = FindingBuilder::new(
                Rule::RevisionUnnamedChanged,
                env,
                &s.publication_id,
                unnamed
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(","),
                Detail::RevisionUnnamedChanged {
                    unnamed: unnamed.clone(),
                    declared,
                    declared_raw: d.raw.clone(),
                    declared_before: declared_old,
                    listed_before: old_sum,
                    listed_after: new_sum,
                },
            )
            .arithmetic(implied_old, implied_new, Some(Decimal::ZERO))
            .at(&d.location);
            if let (Some(first), Some(last)) = (new.first(), new.last()) {
                f = f.at(&first.location()).at(&last.location());
            }
            v.findings.push(f.build());
        }
    }
    push_revision_reconciliation(s, v, new_sum, new.len(), Some(d));
}

/// A revision of the reference statement: every amount it says it replaces must be the
/// reference's, and the amended list must add up to the total (the revision's, else the
/// reference's).
fn amending_revision(s: &Statement, base: &Statement, all: &[Statement], v: &mut Validation) {
    let env = &s.spec.id;
    let key = |f: &FactRef<'_>| crate::normalise::line_key(*f);
    let base_facts = crate::normalise::envelope_state(all, base, s.published_on, &s.publication_id);
    let mut ok = true;
    for old in s.superseded() {
        let before = key(&old).and_then(|k| {
            base_facts
                .iter()
                .find(|b| key(b).as_deref() == Some(k.as_str()))
        });
        let agrees = before.is_some_and(|b| old.amount().admits(b.value(), b.amount().half_unit()));
        if agrees {
            continue;
        }
        ok = false;
        let detail = match before {
            Some(b) => Detail::RevisionBaseMismatch {
                revision: s.publication_id.clone(),
                label: old.raw_label().to_string(),
                revised_from: old.value(),
                base_publication: base.publication_id.clone(),
                base: b.value(),
            },
            None => Detail::RevisionBaseMissing {
                revision: s.publication_id.clone(),
                label: old.raw_label().to_string(),
                base_publication: base.publication_id.clone(),
            },
        };
        let mut f = FindingBuilder::new(
            Rule::RevisionBaseMismatch,
            env,
            &s.publication_id,
            old.raw_label().to_string(),
            detail,
        )
        .at(&old.location());
        if let Some(b) = before {
            f = f
                .arithmetic(b.value(), old.value(), Some(b.amount().half_unit()))
                .at(&b.location());
        }
        v.findings.push(f.build());
    }
    v.check(Rule::RevisionBaseMismatch, s, Some(ok));

    // The reference's lines, each replaced by the revision's amount where it names one.
    let new: Vec<FactRef<'_>> = s.current().collect();
    let new_keys: BTreeSet<String> = new.iter().filter_map(key).collect();
    let mut amended: Vec<FactRef<'_>> = base_facts
        .iter()
        .copied()
        .filter(|b| key(b).is_none_or(|k| !new_keys.contains(&k)))
        .collect();
    amended.extend(new.iter().copied());
    let sum: Decimal = amended.iter().map(|f| f.value()).sum_exact();
    let declared = s.declared_total.as_ref().or(base.declared());
    if let Some(d) = declared {
        let extra = half_units(amended.iter().copied());
        let ok = d.amount.admits(sum, extra);
        v.check(Rule::RevisionTotal, s, Some(ok));
        if !ok {
            let tol = d.amount.tolerance() + extra;
            v.findings.push(
                FindingBuilder::new(
                    Rule::RevisionTotal,
                    env,
                    &s.publication_id,
                    RevisionList::After.subject(),
                    Detail::AmendedTotal {
                        base_publication: base.publication_id.clone(),
                        revision: s.publication_id.clone(),
                        sum,
                        declared: d.amount.value,
                        declared_raw: d.raw.clone(),
                        tolerance: tol,
                    },
                )
                .arithmetic(d.amount.value, sum, Some(tol))
                .at(&d.location)
                .build(),
            );
        }
    }
    push_revision_reconciliation(s, v, sum, amended.len(), declared);
}

fn push_revision_reconciliation(
    s: &Statement,
    v: &mut Validation,
    new_sum: Decimal,
    components: usize,
    declared: Option<&StatedAmount>,
) {
    v.reconciliations.push(Reconciliation {
        envelope_id: s.spec.id.clone(),
        publication_id: s.publication_id.clone(),
        primary: s.primary,
        computed_total: new_sum,
        components: u32::try_from(components).unwrap_or(u32::MAX),
        declared_total: declared.map(|d| d.amount.value),
        difference: declared.map(|d| new_sum - d.amount.value),
        tolerance: declared.map(|d| d.amount.half_unit() + half_units(s.current())),
        children: Vec::new(),
        detailed_by: Vec::new(),
        remainder: None,
    });
}

/// A regional breakdown names each region of its `coverage` (the 18 by default) exactly
/// once; a beneficiary appears once per envelope.
fn completeness(s: &Statement, v: &mut Validation) {
    let env = &s.spec.id;
    let Some(first) = s.current().next() else {
        return;
    };
    match s.spec.breakdown {
        Breakdown::Region | Breakdown::Revision => {
            // Pre-2016 regions of one successor ("Alsace", "Lorraine", "Champagne-Ardenne")
            // are parts of it, summed, not duplicates. (A label's issue is recorded once;
            // every line of that label shares it.)
            let legacy: BTreeSet<&str> = s
                .region_issues
                .iter()
                .filter_map(|i| match i {
                    crate::model::RegionIssue::Legacy { label, .. } => Some(label.text.as_str()),
                    _ => None,
                })
                .collect();
            // Each region's lines: how many, whether all are pre-2016 names, the first ones
            // (a finding lists no more).
            struct Lines<'a> {
                count: usize,
                all_legacy: bool,
                first: Vec<FactRef<'a>>,
            }
            let mut seen: BTreeMap<RegionCode, Lines<'_>> = BTreeMap::new();
            for f in s.current() {
                if let Some(r) = f.region() {
                    let lines = seen.entry(r).or_insert(Lines {
                        count: 0,
                        all_legacy: true,
                        first: Vec::new(),
                    });
                    lines.count += 1;
                    lines.all_legacy &= legacy.contains(f.raw_label());
                    if lines.first.len() < super::MAX_LOCATIONS {
                        lines.first.push(f);
                    }
                }
            }
            let mut dup_ok = true;
            for (region, lines) in &seen {
                if lines.count > 1 && !lines.all_legacy {
                    dup_ok = false;
                    let mut f = FindingBuilder::new(
                        Rule::CompletenessRegionDuplicate,
                        env,
                        &s.publication_id,
                        region.code(),
                        Detail::RegionDuplicate {
                            region: *region,
                            times: lines.count,
                        },
                    );
                    f = f.at_facts(lines.first.iter().copied());
                    f.more_locations += lines.count - lines.first.len();
                    v.findings.push(f.build());
                }
            }
            v.check(Rule::CompletenessRegionDuplicate, s, Some(dup_ok));
            // A revision names only the regions that change: the revision rule accounts for
            // the others.
            let coverage = &s.spec.coverage;
            let firsts: BTreeMap<RegionCode, Vec<FactRef<'_>>> = seen
                .iter()
                .map(|(region, lines)| (*region, lines.first.clone()))
                .collect();
            outside_coverage(s, &firsts, v);
            if s.spec.breakdown == Breakdown::Region
                && !s.is_partial()
                && s.spec.exercise <= crate::core::region::LAST_EXERCISE_OF_22_REGIONS
            {
                let current: Vec<FactRef<'_>> = s.current().collect();
                former_map_completeness(s, &current, v);
            } else if s.spec.breakdown == Breakdown::Region && !s.is_partial() {
                let missing: Vec<RegionCode> = coverage
                    .regions()
                    .into_iter()
                    .filter(|r| !seen.contains_key(r))
                    .collect();
                v.check(Rule::CompletenessRegionMissing, s, Some(missing.is_empty()));
                if !missing.is_empty() {
                    let f = FindingBuilder::new(
                        Rule::CompletenessRegionMissing,
                        env,
                        &s.publication_id,
                        missing
                            .iter()
                            .map(|r| r.code())
                            .collect::<Vec<_>>()
                            .join(","),
                        Detail::RegionsMissing {
                            named: seen.keys().filter(|r| coverage.contains(**r)).count(),
                            covered: coverage.regions().len(),
                            missing: missing.clone(),
                        },
                    )
                    .at(&first.location());
                    v.findings.push(f.build());
                }
            }
        }
        Breakdown::Beneficiary => {
            let duplicates = duplicate_beneficiaries(s);
            let ok = duplicates.is_empty();
            for list in duplicates {
                let name = list[0].beneficiary().unwrap_or_default().to_string();
                let f = FindingBuilder::new(
                    Rule::DuplicateBeneficiary,
                    env,
                    &s.publication_id,
                    name.clone(),
                    Detail::BeneficiaryDuplicate {
                        name,
                        times: list.len(),
                    },
                )
                .at_facts(list);
                v.findings.push(f.build());
            }
            v.check(Rule::DuplicateBeneficiary, s, Some(ok));
        }
        Breakdown::BudgetLine => {}
    }
}

/// An exercise up to 2015 is checked against the map of its time: each of its regions (22
/// metropolitan ones, and the overseas regions) named once, "Alsace", "Lorraine" and
/// "Champagne-Ardenne" each, not "Grand Est" once.
fn former_map_completeness(s: &Statement, facts: &[FactRef<'_>], v: &mut Validation) {
    use crate::core::region::{former_map, former_region};
    let coverage = &s.spec.coverage;
    let map: Vec<_> = former_map(s.spec.exercise)
        .into_iter()
        .filter(|r| coverage.contains(r.successor))
        .collect();
    let named: BTreeSet<&str> = facts
        .iter()
        .filter_map(|f| match former_region(f.raw_label()) {
            Some(former) => Some(former.code),
            None => f.region().map(RegionCode::code),
        })
        .collect();
    let missing: Vec<String> = map
        .iter()
        .filter(|r| !named.contains(r.code))
        .map(|r| format!("{} ({})", r.name, r.code))
        .collect();
    v.check(Rule::CompletenessRegionMissing, s, Some(missing.is_empty()));
    if missing.is_empty() {
        return;
    }
    let mut f = FindingBuilder::new(
        Rule::CompletenessRegionMissing,
        &s.spec.id,
        &s.publication_id,
        missing.join(","),
        Detail::FormerRegionsMissing {
            exercise: s.spec.exercise,
            named: map.iter().filter(|r| named.contains(r.code)).count(),
            covered: map.len(),
            missing,
        },
    );
    if let Some(first) = facts.first() {
        f = f.at(&first.location());
    }
    v.findings.push(f.build());
}

/// A region the breakdown names outside the envelope's declared `coverage` (Guadeloupe in
/// an arrêté for the metropolitan regions): either the description or the source is wrong.
fn outside_coverage(
    s: &Statement,
    seen: &BTreeMap<RegionCode, Vec<FactRef<'_>>>,
    v: &mut Validation,
) {
    let coverage = &s.spec.coverage;
    if *coverage == crate::model::Coverage::Regions {
        return;
    }
    let mut ok = true;
    for (region, list) in seen.iter().filter(|(r, _)| !coverage.contains(**r)) {
        ok = false;
        let mut f = FindingBuilder::new(
            Rule::CompletenessRegionOutsideCoverage,
            &s.spec.id,
            &s.publication_id,
            region.code(),
            Detail::RegionOutsideCoverage {
                region: *region,
                coverage: coverage.written(),
            },
        );
        for fact in list {
            f = f.at(&fact.location());
        }
        v.findings.push(f.build());
    }
    v.check(Rule::CompletenessRegionOutsideCoverage, s, Some(ok));
}

/// The lines of a beneficiary list that name one beneficiary more than once, in groups, in
/// the order of their keys (name key, identifier, region). Two lines with different
/// FINESS/SIREN are two establishments of one organisation, not a duplicate, and one
/// organisation's projects in two regions are two lines.
///
/// A million lines are keyed without a string each (names by their distinct spellings,
/// identifiers packed), and found twice by sorting their keys' hashes: sixteen bytes a
/// line, where a map of the keys took six times as much.
fn duplicate_beneficiaries(s: &Statement) -> Vec<Vec<FactRef<'_>>> {
    use std::collections::HashMap;
    // By text number: a vector, not a map (a million lookups).
    let mut name_keys: Vec<Option<u32>> = Vec::new();
    let mut key_numbers: HashMap<String, u32, crate::core::intern::BuildFx> = HashMap::default();
    // A line's key: its name's spelling key, its identifier, its region.
    type Key = (u32, u64, Option<RegionCode>);
    let mut key_of = |f: &FactRef<'_>| -> Option<Key> {
        let id = f.beneficiary_id()?;
        let slot = id.number() as usize;
        if name_keys.len() <= slot {
            name_keys.resize(slot + 1, None);
        }
        let name_key = match name_keys[slot] {
            Some(key) => key,
            None => {
                let name = f.beneficiary()?;
                let next = u32::try_from(key_numbers.len()).unwrap_or(u32::MAX);
                let key = *key_numbers
                    .entry(crate::core::names::name_key(name))
                    .or_insert(next);
                name_keys[slot] = Some(key);
                key
            }
        };
        Some((name_key, f.identifier_key(), f.region()))
    };
    // Sorting groups equal keys; the hash only has to spread them.
    let hash = |(name, identifier, region): Key| {
        let mut bytes = [0u8; 13];
        bytes[..4].copy_from_slice(&name.to_le_bytes());
        bytes[4..12].copy_from_slice(&identifier.to_le_bytes());
        bytes[12] = region.map_or(0, |r| 1 + r as u8);
        crate::core::intern::hash(&bytes)
    };
    // Each line as one number: the top bits of its key's hash, then its index (24 bits for
    // up to sixteen million lines). Equal top bits are told apart by the keys themselves.
    let index_bits = (usize::BITS - s.facts.len().leading_zeros()).max(24);
    let mask = (1u64 << index_bits) - 1;
    let mut keyed: Vec<u64> = Vec::new();
    for f in s.current() {
        if let Some(key) = key_of(&f) {
            let index = u64::try_from(f.index()).unwrap_or(u64::MAX) & mask;
            keyed.push((hash(key) & !mask) | index);
        }
    }
    keyed.sort_unstable();
    let top = |entry: u64| entry & !mask;
    let mut groups: Vec<Vec<FactRef<'_>>> = Vec::new();
    let mut run = 0;
    while run < keyed.len() {
        let end = run
            + keyed[run..]
                .iter()
                .position(|&e| top(e) != top(keyed[run]))
                .unwrap_or(keyed.len() - run);
        if end - run > 1 {
            // Equal hashes: the keys themselves tell the lines apart, in their order.
            let mut by_key: Vec<(Key, Vec<FactRef<'_>>)> = Vec::new();
            for &entry in &keyed[run..end] {
                let index = entry & mask;
                let f = s.facts.get(usize::try_from(index).unwrap_or(usize::MAX));
                let Some(key) = key_of(&f) else {
                    continue;
                };
                match by_key.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, list)) => list.push(f),
                    None => by_key.push((key, vec![f])),
                }
            }
            groups.extend(
                by_key
                    .into_iter()
                    .map(|(_, list)| list)
                    .filter(|list| list.len() > 1),
            );
        }
        run = end;
    }
    let key = |f: &FactRef<'_>| {
        (
            crate::core::names::name_key(f.beneficiary().unwrap_or_default()),
            f.identifier().unwrap_or_default().into_owned(),
            f.region().map_or("", |r| r.code()),
        )
    };
    groups.sort_by_cached_key(|list| key(&list[0]));
    groups
}
