//! Quoted claims: prose that restates figures ("plus de 2,7 millions d'euros à APF France
//! handicap", "5,3 millions d'euros au total", "trois projets franciliens", "12,2 millions")
//! is checked against the facts it restates: a beneficiary's line when the words around the
//! figure name one, else the subtotal of the region the sentence names, else the envelope's
//! total. Bounds and rounding are read as written (`Amount::admits`).

use super::agreement::{region_conflict, subject};
use super::{FindingBuilder, Rule, Validation, by_region};
use crate::core::amount::SumExact;
use crate::core::names::{MATCH_THRESHOLD, NameIndex, name_tokens};
use crate::core::region::RegionCode;
use crate::model::Breakdown;
use crate::model::Statement;
use crate::model::detail::{ClaimTarget, Detail};
use crate::model::{Claim, ClaimKind, FactRef, Location, StatedAmount};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

fn located_words(claim: &Claim) -> BTreeSet<String> {
    name_tokens(&claim.context.text).into_iter().collect()
}

struct Target<'a> {
    primary: &'a Statement,
    facts: Vec<FactRef<'a>>,
    index: NameIndex,
    /// Other figures a claim about the whole may restate: the totals of the envelope's
    /// parent and children (a part, "67 M€" inside the 84 M€, is not a mismatch with the
    /// whole), and the sum of its lines.
    related_totals: Vec<Decimal>,
    /// A region's sum across the regional envelopes of the same programme and exercise (an
    /// ARS page stating its temps 1 + temps 2 budget).
    programme_regions: std::collections::BTreeMap<RegionCode, Decimal>,
}

/// The totals of the envelopes `p` nests in or holds, and the sum of its own lines.
fn related_totals(all: &[Statement], p: &Statement) -> Vec<Decimal> {
    let total = |s: &Statement| {
        s.declared().map(|d| d.amount.value).or_else(|| {
            s.current()
                .next()
                .map(|_| s.current().map(|f| f.value()).sum_exact())
        })
    };
    let parent = p
        .spec
        .parent
        .as_deref()
        .and_then(|id| all.iter().find(|s| s.primary && s.spec.id == id));
    let children = all
        .iter()
        .filter(|s| s.primary && s.spec.parent.as_deref() == Some(p.spec.id.as_str()));
    parent
        .into_iter()
        .chain(children)
        .filter_map(total)
        .chain(
            p.current()
                .next()
                .map(|_| p.current().map(|f| f.value()).sum_exact()),
        )
        .collect()
}

/// Each region's sum over the regional envelopes of `p`'s programme and exercise.
fn programme_regions(
    all: &[Statement],
    p: &Statement,
) -> std::collections::BTreeMap<RegionCode, Decimal> {
    let mut sums = std::collections::BTreeMap::new();
    for s in all.iter().filter(|s| {
        s.primary
            && s.spec.programme == p.spec.programme
            && s.spec.exercise == p.spec.exercise
            && s.spec.breakdown == Breakdown::Region
    }) {
        for (region, amount) in by_region(s) {
            *sums.entry(region).or_insert(Decimal::ZERO) += amount;
        }
    }
    sums
}

pub fn check(all: &[Statement], v: &mut Validation) {
    for s in all.iter().filter(|s| !s.claims.is_empty()) {
        let Some(p) = all.iter().find(|p| p.primary && p.spec.id == s.spec.id) else {
            continue;
        };
        let facts: Vec<FactRef<'_>> = crate::normalise::envelope_state(all, p, s.published_on, "");
        let index = NameIndex::new(facts.iter().map(|f| f.name()));
        let target = Target {
            primary: p,
            facts,
            index,
            related_totals: related_totals(all, p),
            programme_regions: programme_regions(all, p),
        };
        money_claims(s, &target, v);
        count_claims(s, &target, v);
    }
}

/// Money claims, each matched to a line when its words name a beneficiary. Claims with the
/// fewest candidate lines are matched first so that a sentence naming two beneficiaries
/// around two figures gives each figure its own.
fn money_claims(s: &Statement, t: &Target<'_>, v: &mut Validation) {
    let money: Vec<(&Claim, &StatedAmount)> = s
        .claims
        .iter()
        .filter_map(|c| match &c.kind {
            ClaimKind::Money { amount } => Some((c, amount)),
            ClaimKind::Count { .. } => None,
        })
        .collect();
    let by_name = t.primary.spec.breakdown == Breakdown::Beneficiary;
    let candidates: Vec<Vec<usize>> = money
        .iter()
        .map(|(claim, amount)| {
            if claim.aggregate {
                return Vec::new();
            }
            if by_name {
                let words = located_words(claim);
                let mut c: Vec<(usize, bool)> = (0..t.facts.len())
                    .filter(|&i| t.index.score(i, &words) > MATCH_THRESHOLD)
                    .map(|i| {
                        (
                            i,
                            amount
                                .amount
                                .admits(t.facts[i].value(), t.facts[i].amount().half_unit()),
                        )
                    })
                    .collect();
                // Lines whose amount fits the claim come first.
                c.sort_by_key(|&(i, fits)| (!fits, i));
                c.into_iter().map(|(i, _)| i).collect()
            } else {
                let region = s.claim_region(claim);
                (0..t.facts.len())
                    .filter(|&i| region.is_some() && t.facts[i].region() == region)
                    .collect()
            }
        })
        .collect();
    // "Deux organismes … pour 610 500 euros : la Fondation OVE et l'ADAPEI de la Loire":
    // a figure naming several lines, none of which it fits, but whose sum it is.
    let grouped: Vec<bool> = money
        .iter()
        .zip(&candidates)
        .map(|((_, amount), lines)| {
            let fits_one = lines.iter().any(|&i| {
                amount
                    .amount
                    .admits(t.facts[i].value(), t.facts[i].amount().half_unit())
            });
            let sum: Decimal = lines.iter().map(|&i| t.facts[i].value()).sum_exact();
            let half: Decimal = lines.iter().map(|&i| t.facts[i].half_unit()).sum_exact();
            by_name && lines.len() >= 2 && !fits_one && amount.amount.admits(sum, half)
        })
        .collect();
    let mut order: Vec<usize> = (0..money.len()).filter(|&k| !grouped[k]).collect();
    order.sort_by_key(|&k| (candidates[k].is_empty(), candidates[k].len(), k));
    let mut taken = BTreeSet::new();
    let mut assigned: Vec<Option<usize>> = vec![None; money.len()];
    for k in order {
        if let Some(&i) = candidates[k].iter().find(|i| !taken.contains(*i)) {
            taken.insert(i);
            assigned[k] = Some(i);
        }
    }
    let mut ok = true;
    for (k, (claim, amount)) in money.iter().enumerate() {
        let region = s.claim_region(claim);
        if grouped[k] {
            continue;
        }
        ok &= match assigned[k] {
            Some(i) => line_claim(s, t, claim, amount, region, t.facts[i], v),
            None => aggregate_claim(s, t, amount, region, v),
        };
    }
    if !money.is_empty() {
        v.check(
            Rule::ClaimAmount,
            s,
            if t.facts.is_empty() && t.primary.declared().is_none() {
                None
            } else {
                Some(ok)
            },
        );
    }
}

fn line_claim(
    s: &Statement,
    t: &Target<'_>,
    claim: &Claim,
    amount: &StatedAmount,
    region: Option<RegionCode>,
    f: FactRef<'_>,
    v: &mut Validation,
) -> bool {
    let env = &s.spec.id;
    let mut ok = true;
    // A region's line may be quoted as the region's sum over the programme's envelopes
    // of the exercise (an ARS page stating its temps 1 + temps 2 budget).
    let restates_region_sum = f.region().is_some_and(|r| {
        t.programme_regions
            .get(&r)
            .is_some_and(|&sum| amount.amount.admits(sum, Decimal::ZERO))
    });
    if !restates_region_sum && !amount.amount.admits(f.value(), f.amount().half_unit()) {
        ok = false;
        v.findings.push(
            FindingBuilder::new(
                Rule::ClaimAmount,
                env,
                &s.publication_id,
                format!("{} / {}", subject(f), amount.raw),
                Detail::ClaimedLine {
                    line: subject(f),
                    claimed: amount.amount.value,
                    claimed_raw: amount.raw.clone(),
                    publication: s.publication_id.clone(),
                    reference: f.value(),
                    reference_publication: t.primary.publication_id.clone(),
                },
            )
            .arithmetic(
                f.value(),
                amount.amount.value,
                Some(amount.amount.half_unit() + f.amount().half_unit()),
            )
            .at(&amount.location)
            .at(&f.location())
            .build(),
        );
    }
    if t.primary.spec.breakdown == Breakdown::Beneficiary
        && region.is_some()
        && f.region().is_some()
        && region != f.region()
    {
        ok = false;
        let at = claim
            .region
            .as_ref()
            .map_or(&amount.location, |r| &r.location);
        v.findings.push(region_conflict(
            Rule::ClaimRegion,
            env,
            s,
            region,
            at,
            t.primary,
            f,
        ));
    }
    ok
}

/// A claim that names no line: a region's subtotal when the sentence names a region,
/// else the envelope's total.
fn aggregate_claim(
    s: &Statement,
    t: &Target<'_>,
    amount: &StatedAmount,
    region: Option<RegionCode>,
    v: &mut Validation,
) -> bool {
    let env = &s.spec.id;
    let (target, reference, half, locations): (
        ClaimTarget,
        Option<Decimal>,
        Decimal,
        Vec<Location>,
    ) = match region {
        Some(r) => {
            let sums = by_region(t.primary);
            let facts: Vec<&FactRef<'_>> =
                t.facts.iter().filter(|f| f.region() == Some(r)).collect();
            (
                ClaimTarget::RegionSubtotal {
                    region: r,
                    lines: facts.len(),
                },
                sums.get(&r).copied(),
                facts.iter().map(|f| f.half_unit()).sum_exact(),
                facts.iter().map(|f| f.location()).collect(),
            )
        }
        None => match t.primary.declared() {
            Some(d) => (
                ClaimTarget::DeclaredTotal { raw: d.raw.clone() },
                Some(d.amount.value),
                d.amount.half_unit(),
                vec![d.location.clone()],
            ),
            None if !t.facts.is_empty() => (
                ClaimTarget::SumOfLines,
                Some(t.facts.iter().map(|f| f.value()).sum_exact()),
                t.facts.iter().map(|f| f.half_unit()).sum_exact(),
                Vec::new(),
            ),
            None => return true,
        },
    };
    // Before a claim is called unmatched or a mismatch, every figure it may restate.
    let restates_another = match region {
        Some(r) => t
            .programme_regions
            .get(&r)
            .is_some_and(|&sum| amount.amount.admits(sum, Decimal::ZERO)),
        None => t
            .related_totals
            .iter()
            .any(|&total| amount.amount.admits(total, Decimal::ZERO)),
    };
    if restates_another {
        return true;
    }
    let Some(reference) = reference else {
        v.findings.push(
            FindingBuilder::new(
                Rule::ClaimUnmatched,
                env,
                &s.publication_id,
                amount.raw.clone(),
                Detail::ClaimUnmatched {
                    claimed_raw: amount.raw.clone(),
                    publication: s.publication_id.clone(),
                    target,
                    reference_publication: t.primary.publication_id.clone(),
                },
            )
            .at(&amount.location)
            .build(),
        );
        return false;
    };
    if amount.amount.admits(reference, half) {
        return true;
    }
    if let Some(slip) = super::magnitude::unit_slip(
        s,
        amount.amount.value,
        &amount.raw,
        &amount.location,
        reference,
        &target.subject(),
        locations.first(),
    ) {
        v.findings.push(slip);
        return false;
    }
    let mut f = FindingBuilder::new(
        Rule::ClaimAmount,
        env,
        &s.publication_id,
        format!("{} / {}", target.subject(), amount.raw),
        Detail::ClaimedAggregate {
            claimed: amount.amount.value,
            claimed_raw: amount.raw.clone(),
            publication: s.publication_id.clone(),
            target,
            reference,
            reference_publication: t.primary.publication_id.clone(),
        },
    )
    .arithmetic(
        reference,
        amount.amount.value,
        Some(amount.amount.half_unit() + half),
    )
    .at(&amount.location);
    for l in &locations {
        f = f.at(l);
    }
    v.findings.push(f.build());
    false
}

/// "trois projets franciliens", "10 projets lauréats": the number of lines of the reference
/// publication (in the region, if the claim names one). Only beneficiary lists count
/// projects.
fn count_claims(s: &Statement, t: &Target<'_>, v: &mut Validation) {
    let env = &s.spec.id;
    let mut any = false;
    let mut ok = true;
    for claim in &s.claims {
        let ClaimKind::Count { count } = claim.kind else {
            continue;
        };
        if t.primary.spec.breakdown != Breakdown::Beneficiary || t.facts.is_empty() {
            continue;
        }
        // "224 projets régionaux" says nothing of a national call's ten laureates.
        if let (Some(said), Some(own)) = (
            claim.scope,
            crate::model::Scope::of_channel(&t.primary.spec.channel),
        ) && said != own
        {
            continue;
        }
        any = true;
        let region = s.claim_region(claim);
        let lines: Vec<FactRef<'_>> = t
            .facts
            .iter()
            .copied()
            .filter(|f| region.is_none() || f.region() == region)
            .collect();
        let actual = u32::try_from(lines.len()).unwrap_or(u32::MAX);
        if actual == count {
            continue;
        }
        ok = false;
        let mut f = FindingBuilder::new(
            Rule::ClaimCount,
            env,
            &s.publication_id,
            format!("{} / {count}", region.map_or("all", |r| r.code())),
            Detail::ClaimedCount {
                publication: s.publication_id.clone(),
                claimed: count,
                region,
                context: claim.context.text.trim().to_string(),
                reference_publication: t.primary.publication_id.clone(),
                listed: lines.iter().map(|f| subject(*f)).collect(),
            },
        )
        .at(&claim.context.location);
        f = f.at_facts(lines.iter().copied());
        v.findings.push(f.build());
    }
    if any {
        v.check(Rule::ClaimCount, s, Some(ok));
    }
}
