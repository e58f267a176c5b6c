//! Plausibility: a region's share of a regional envelope is compared with its share of the
//! other regional envelopes. Allocation keys change between years, but not tenfold: a share
//! more than `FACTOR` times away from the median of the region's other shares is a warning,
//! and when multiplying or dividing the figure by 10 or 100 brings it back in line, the
//! likely cause (a lost or extra digit) is named with the corrected figure and the total it
//! would give.

use super::{FindingBuilder, Rule, Validation, by_region};
use crate::core::region::RegionCode;
use crate::model::Breakdown;
use crate::model::Statement;
use crate::model::detail::{Detail, DigitSlip, Slip};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// How far (as a ratio) a share may stray from the region's usual share before a warning.
const FACTOR: i64 = 4;

pub fn check(all: &[Statement], v: &mut Validation) {
    let regional: Vec<(&Statement, BTreeMap<RegionCode, Decimal>, Decimal)> = all
        .iter()
        .filter(|s| {
            s.primary && matches!(s.spec.breakdown, Breakdown::Region | Breakdown::Revision)
        })
        .filter_map(|s| {
            let amounts = by_region(s);
            let sum: Decimal = amounts.values().sum();
            // Shares mean little on a partial list (of the regions the envelope covers).
            let enough = 12.min(s.spec.coverage.regions().len());
            (amounts.len() >= enough && sum > Decimal::ZERO).then_some((s, amounts, sum))
        })
        .collect();
    if regional.len() < 3 {
        return;
    }
    let factor = Decimal::from(FACTOR);
    for (k, (s, amounts, sum)) in regional.iter().enumerate() {
        // An envelope that covers part of France by design (`coverage`) is compared with
        // the other envelopes' shares of the same part: Île-de-France's share of the 13
        // metropolitan regions, not of the 18.
        let covered = s.spec.coverage.regions();
        for (&region, &amount) in amounts {
            let mut others: Vec<Decimal> = regional
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .filter_map(|(_, (_, a, _))| {
                    let part: Decimal = a
                        .iter()
                        .filter(|(r, _)| covered.contains(r))
                        .map(|(_, x)| *x)
                        .sum();
                    (part > Decimal::ZERO)
                        .then_some(())
                        .and_then(|()| a.get(&region).map(|x| *x / part))
                })
                .collect();
            if others.len() < 2 || amount <= Decimal::ZERO {
                continue;
            }
            others.sort();
            let n = others.len();
            let median = if n % 2 == 1 {
                others[n / 2]
            } else {
                (others[n / 2 - 1] + others[n / 2]) / Decimal::TWO
            };
            if median <= Decimal::ZERO {
                continue;
            }
            let share = amount / *sum;
            let ratio = share / median;
            if ratio <= factor && ratio * factor >= Decimal::ONE {
                continue;
            }
            let likely = [
                Decimal::TEN,
                Decimal::ONE_HUNDRED,
                Decimal::new(1, 1),
                Decimal::new(1, 2),
            ]
            .into_iter()
            .map(|m| (m, amount * m))
            .find(|(_, corrected)| {
                let new_sum = *sum - amount + corrected;
                let r = (*corrected / new_sum) / median;
                r <= Decimal::TWO && r * Decimal::TWO >= Decimal::ONE
            });
            let slip = likely.map(|(m, corrected)| {
                let corrected = corrected.round_dp(2);
                DigitSlip {
                    slip: if m > Decimal::ONE {
                        Slip::LostDigit
                    } else {
                        Slip::ExtraDigit
                    },
                    corrected,
                    new_sum: *sum - amount + corrected,
                    declared: s.declared().map(|d| d.amount.value),
                }
            });
            let expected = slip.as_ref().map(|slip| slip.corrected);
            let location = s
                .current()
                .find(|f| f.region() == Some(region))
                .map(|f| f.location());
            let mut f = FindingBuilder::new(
                Rule::PlausibilityRegionShare,
                &s.spec.id,
                &s.publication_id,
                region.code(),
                Detail::RegionShare {
                    region,
                    amount,
                    share,
                    median,
                    others: n,
                    slip,
                },
            );
            if let Some(e) = expected {
                f = f.arithmetic(e, amount, None);
            }
            if let Some(l) = &location {
                f = f.at(l);
            }
            v.findings.push(f.build());
        }
    }
}
