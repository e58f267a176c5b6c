//! Magnitude: a figure a thousand times or more away from the one it is compared with is
//! not a gap but a unit slip ("190 000 millions d'euros" for a programme of a few hundred
//! millions, k€ read as €). It is its own finding, naming the likely slip with both
//! figures, rather than a difference of hundreds of millions that reads as a real gap.

use super::{Finding, FindingBuilder, Rule};
use crate::model::detail::Detail;
use crate::model::{Location, Statement};
use rust_decimal::Decimal;

/// The power of ten (1 000, 1 000 000, …) nearest to how far `figure` is from `reference`,
/// when it is 1 000 or more in either direction; `None` for figures of one magnitude.
pub fn slip_factor(figure: Decimal, reference: Decimal) -> Option<Decimal> {
    let (figure, reference) = (figure.abs(), reference.abs());
    if figure.is_zero() || reference.is_zero() {
        return None;
    }
    let ratio = if figure >= reference {
        figure.checked_div(reference)?
    } else {
        reference.checked_div(figure)?
    };
    if ratio < Decimal::ONE_THOUSAND {
        return None;
    }
    // The power of ten whose ratio to `ratio` is closest to 1: "190 000 M€" against
    // "190 M€" is a slip of 1 000, against "200 M€" still 1 000.
    let mut factor = Decimal::ONE_THOUSAND;
    while let Some(next) = factor.checked_mul(Decimal::TEN) {
        // Closer to `next` than to `factor` in ratio: ratio² > factor × next.
        if ratio.checked_mul(ratio)? > factor.checked_mul(next)? {
            factor = next;
        } else {
            break;
        }
    }
    Some(factor)
}

/// The finding for `figure` (as written `raw`, at `at`) compared with `reference` (what it
/// should restate, described by `compared_with`, at `reference_at`), when their
/// magnitudes differ by a thousand or more.
#[allow(clippy::too_many_arguments)]
pub fn unit_slip(
    s: &Statement,
    figure: Decimal,
    raw: &str,
    at: &Location,
    reference: Decimal,
    compared_with: &str,
    reference_at: Option<&Location>,
) -> Option<Finding> {
    let factor = slip_factor(figure, reference)?;
    let mut f = FindingBuilder::new(
        Rule::MagnitudeUnitSlip,
        &s.spec.id,
        &s.publication_id,
        format!("{compared_with} / {raw}"),
        Detail::UnitSlip {
            figure,
            figure_raw: raw.to_string(),
            reference,
            compared_with: compared_with.to_string(),
            factor,
            larger: figure.abs() > reference.abs(),
        },
    )
    .arithmetic(reference, figure, None)
    .at(at);
    if let Some(l) = reference_at {
        f = f.at(l);
    }
    Some(f.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_times_or_more_is_a_slip_of_the_nearest_power_of_ten() {
        let d = |v: i64| Decimal::from(v);
        assert_eq!(
            slip_factor(d(190_000_000_000), d(190_000_000)),
            Some(d(1_000))
        );
        assert_eq!(slip_factor(d(67_150), d(67_150_000)), Some(d(1_000)));
        assert_eq!(slip_factor(d(42), d(42_000_000)), Some(d(1_000_000)));
        assert_eq!(slip_factor(d(999), d(1)), None);
        assert_eq!(slip_factor(d(75), d(70_106_406)), Some(d(1_000_000)));
        assert_eq!(slip_factor(d(0), d(70_106_406)), None);
    }
}
