//! The English one-liners: for logs, `esms-ledger check` and findings.parquet's `message`.
//! Amounts are plain decimals ("4893594"), as a script reading them would want.

use super::{missing_line, region_names, region_or_unknown, regions_with_codes};
use crate::model::detail::{ClaimTarget, ComparedLine, Detail, MetadataField, RevisionList, Slip};
use rust_decimal::Decimal;

/// The English sentence of a finding or a note.
pub fn en(detail: &Detail) -> String {
    match detail {
        Detail::SumMismatch {
            components,
            computed,
            declared,
            declared_raw,
            tolerance,
        } => {
            let difference = computed - declared;
            format!(
                "{components} components sum to {computed}, declared {declared} (\"{declared_raw}\"): difference {difference}, tolerance {tolerance}"
            )
        }
        Detail::SumMismatchTotalRow {
            components,
            computed,
            row,
            ..
        } => format!("{components} components sum to {computed}, the Total row says {row}"),
        Detail::TotalRowMismatch { declared, row, .. } => {
            format!("declared total {declared} vs Total row {row}")
        }
        Detail::ParentNotFound { parent } => {
            format!("parent envelope '{parent}' is described by no publication")
        }
        Detail::ChildMismatch {
            child,
            child_total,
            envelope,
            line,
            line_raw,
            ..
        } => format!(
            "sub-envelope '{child}' totals {child_total}, its line in '{envelope}' says {line} (\"{line_raw}\")"
        ),
        Detail::ParentMissing {
            envelope,
            total,
            line_label,
            budget,
        } => format!(
            "envelope '{envelope}' totals {total}, exactly the line \"{line_label}\" of '{budget}': declare parent = \"{budget}\"?"
        ),
        Detail::RemainderNegative {
            declared, computed, ..
        } => {
            let excess = -(declared - computed);
            format!("components {computed} already exceed the total {declared} by {excess}")
        }
        Detail::RemainderDerived {
            label,
            remainder,
            tolerance,
            ..
        } => format!("remainder '{label}' derived: {remainder} (± {tolerance})"),
        Detail::RegionsMissing {
            named,
            covered,
            missing,
        } => format!(
            "{named} of {covered} regions named; missing: {}",
            regions_with_codes(missing)
        ),
        Detail::FormerRegionsMissing {
            exercise,
            named,
            covered,
            missing,
        } => format!(
            "{named} of the {covered} regions of the {exercise} map named; missing: {}",
            missing.join(", ")
        ),
        Detail::Restatement {
            envelope,
            restated,
            restated_publication,
            figures,
        } => format!(
            "envelope '{envelope}' restates the {figures} figures of '{restated}' ({restated_publication}): checked against it, not counted"
        ),
        Detail::UnitSlip {
            figure,
            figure_raw,
            reference,
            compared_with,
            factor,
            larger,
        } => format!(
            "\"{figure_raw}\" ({figure}) is about {factor} times {} {compared_with} ({reference}): a unit slip?",
            if *larger { "more than" } else { "less than" }
        ),
        Detail::RegionOutsideCoverage { region, coverage } => format!(
            "{} ({}) is named, outside the envelope's coverage \"{coverage}\"",
            region.name(),
            region.code()
        ),
        Detail::RegionDuplicate { region, times } => {
            format!("{} appears {times} times", region.name())
        }
        Detail::BeneficiaryDuplicate { name, times } => format!("'{name}' appears {times} times"),
        Detail::PossibleDuplicate {
            first,
            first_publication,
            second,
            second_publication,
            figures,
            total,
        } => format!(
            "envelopes '{first}' ({first_publication}) and '{second}' ({second_publication}) have the same exercise, breakdown and {figures} figures ({total}): one envelope under two ids?"
        ),
        Detail::RevisionUnchanged { label, amount } => {
            format!("'{label}' revised from {amount} to the same amount")
        }
        Detail::RevisionTotal {
            list,
            sum,
            declared,
            ..
        } => {
            let list = match list {
                RevisionList::Before => "before",
                RevisionList::After => "after",
            };
            format!("the list {list} the revision sums to {sum}, declared {declared}")
        }
        Detail::AmendedTotal {
            revision,
            sum,
            declared,
            ..
        } => format!("the list amended by {revision} sums to {sum}, declared {declared}"),
        Detail::RevisionUnnamedChanged {
            unnamed,
            declared,
            declared_before,
            listed_before,
            listed_after,
            ..
        } => {
            let implied_before = declared_before - listed_before;
            let implied_after = declared - listed_after;
            format!(
                "regions not named by the revision ({}) are assumed unchanged, but they imply {implied_before} before and {implied_after} after (declared {declared}; listed {listed_before} before, {listed_after} after)",
                regions_with_codes(unnamed)
            )
        }
        Detail::RevisionBaseMismatch {
            label,
            revised_from,
            base_publication,
            base,
            ..
        } => format!(
            "'{label}' was {revised_from} according to the revision, {base} in {base_publication}"
        ),
        Detail::RevisionBaseMissing {
            label,
            base_publication,
            ..
        } => format!("'{label}' is revised but not in {base_publication}"),
        Detail::MetadataDiffers {
            envelope,
            differences,
            ..
        } => {
            let differences: Vec<String> = differences
                .iter()
                .map(|d| format!("{} '{}' vs '{}'", field(d.field), d.ours, d.theirs))
                .collect();
            format!(
                "descriptions of '{envelope}' differ: {}",
                differences.join("; ")
            )
        }
        Detail::DeclaredTotalsDisagree {
            publication,
            restated,
            restated_raw,
            reference_publication,
            reference,
            ..
        } => format!(
            "{publication} declares {restated} (\"{restated_raw}\"), {reference_publication} declares {reference}"
        ),
        Detail::AmountsDisagree {
            line,
            publication,
            restated,
            reference_publication,
            reference,
            ..
        } => {
            let line = match line {
                ComparedLine::Line(label) => format!("'{label}'"),
                ComparedLine::Region(region) => region.name().to_string(),
            };
            format!("{line}: {restated} in {publication}, {reference} in {reference_publication}")
        }
        Detail::LineMissing {
            line,
            publication,
            reference_publication,
            in_reference,
        } => {
            let (has, lacks) = if *in_reference {
                (reference_publication, publication)
            } else {
                (publication, reference_publication)
            };
            format!("{} is in {has} but not in {lacks}", missing_line(line))
        }
        Detail::RegionsDisagree {
            beneficiary,
            region,
            publication,
            at,
            reference_region,
            reference_publication,
            reference_at,
        } => format!(
            "'{beneficiary}': {} according to {publication} ({at}), {} according to {reference_publication} ({reference_at})",
            region_or_unknown(*region),
            region_or_unknown(*reference_region)
        ),
        Detail::ClaimedLine {
            line,
            claimed_raw,
            publication,
            reference,
            reference_publication,
            ..
        } => format!(
            "'{line}' quoted as \"{claimed_raw}\" in {publication}, but {reference} in {reference_publication}"
        ),
        Detail::ClaimedAggregate {
            claimed_raw,
            publication,
            target,
            reference,
            reference_publication,
            ..
        } => format!(
            "\"{claimed_raw}\" in {publication} vs {} {reference} in {reference_publication}",
            claim_target(target)
        ),
        Detail::ClaimUnmatched {
            claimed_raw,
            publication,
            target,
            ..
        } => format!(
            "\"{claimed_raw}\" in {publication} matches no line and no {}",
            claim_target(target)
        ),
        Detail::ClaimedCount {
            publication,
            claimed,
            region,
            reference_publication,
            listed,
            ..
        } => {
            let scope = region.map_or("in all".to_string(), |r| format!("in {}", r.name()));
            format!(
                "{publication} claims {claimed} projects {scope}; {reference_publication} lists {}",
                listed.len()
            )
        }
        Detail::RegionShare {
            region,
            amount,
            share,
            median,
            slip,
            ..
        } => {
            let mut sentence = format!(
                "{}: {amount} is {}% of the envelope, vs a median {}% elsewhere",
                region.name(),
                percent(*share),
                percent(*median)
            );
            if let Some(slip) = slip {
                let digit = match slip.slip {
                    Slip::LostDigit => "lost",
                    Slip::ExtraDigit => "extra",
                };
                sentence.push_str(&format!(
                    "; likely a {digit} digit: {}, the total would become {}",
                    slip.corrected, slip.new_sum
                ));
            }
            sentence
        }
        Detail::RegionUnknown { label, suggestions } => format!(
            "'{label}' is not a region; {}; to map it, add to the envelope: region_aliases = {{ \"{label}\" = \"{}\" }}",
            if suggestions.is_empty() {
                "no region name is close".to_string()
            } else {
                format!("closest: {}", region_names(suggestions))
            },
            suggestions.first().map_or("<INSEE code>", |r| r.code())
        ),
        Detail::RegionTerritory { label, territory } => format!(
            "'{label}' is {} ({}), a territory outside the 18 regions: counted, with no region",
            territory.name(),
            territory.code()
        ),
        Detail::RegionAmbiguous { label, reason, .. } => {
            format!("'{label}' is ambiguous ({reason}); not mapped")
        }
        Detail::RegionLegacy { warning, .. } => warning.clone(),
        Detail::RegionInferred { label, region } => format!(
            "no region beside '{label}'; used {} named in it",
            region.name()
        ),
        Detail::RegionMissing { label } => format!("no region for '{label}'"),
        Detail::AliasUnused { alias, envelope } => format!(
            "region alias \"{alias}\" of envelope '{envelope}' matches no label of the source"
        ),
        Detail::NothingExtracted { envelope } => format!(
            "no figure after the anchor of envelope '{envelope}': check `anchor`, `until` and `items`"
        ),
        Detail::DeclaredNotInSource {
            declared_raw,
            envelope,
            source,
        } => format!(
            "declared_total \"{declared_raw}\" of envelope '{envelope}' is not in {source}: taken from the description"
        ),
        Detail::DetailOfFigure { raw } => {
            format!("\"{raw}\" details the figure before it (\"dont\"): not counted as a line")
        }
        Detail::DetailOfRow { label } => {
            format!("'{label}' details the row above it (\"dont\"): not counted as a line")
        }
        Detail::SubtotalOfLines {
            stated,
            stated_raw,
            lines_sum,
        } => format!(
            "sub-total {stated} (\"{stated_raw}\") but its lines sum to {lines_sum}: difference {}",
            lines_sum - stated
        ),
        Detail::SubtotalOfRows {
            label,
            stated,
            rows,
            rows_sum,
        } => format!(
            "sub-total '{label}' states {stated} € but the {rows} row(s) above it sum to {rows_sum} € (difference {} €)",
            stated - rows_sum
        ),
        Detail::FloatNoise { held, read } => {
            format!("the cell holds {held} €, beyond the cent; read as {read} €")
        }
        Detail::ExtraDecimals { raw, value, read } => {
            format!("'{raw}' is {value} €, beyond the cent; read as {read} €")
        }
        Detail::RegionCarried { region, from } => format!(
            "empty region cell: '{region}' carried down from {from} (a merged cell this format does not report)"
        ),
        Detail::IdentifierChecksum { identifier } => {
            format!("identifier {identifier} fails its check digit (Luhn)")
        }
        Detail::AcknowledgementUnused { fingerprint, .. } => {
            format!("acknowledgement {fingerprint} matches no finding")
        }
        Detail::Repeated { first, times } => format!(
            "{} (and {} more like it in this envelope: {times} in all)",
            en(first),
            times.saturating_sub(1)
        ),
    }
}

fn field(field: MetadataField) -> &'static str {
    match field {
        MetadataField::Exercise => "exercise",
        MetadataField::Phase => "phase",
        MetadataField::Channel => "channel",
        MetadataField::Programme => "programme",
        MetadataField::Breakdown => "breakdown",
    }
}

fn claim_target(target: &ClaimTarget) -> String {
    match target {
        ClaimTarget::RegionSubtotal { region, .. } => format!("subtotal of {}", region.name()),
        ClaimTarget::DeclaredTotal { .. } => "declared total".to_string(),
        ClaimTarget::SumOfLines => "sum of the lines".to_string(),
    }
}

/// A share as a percentage with two decimals ("12.30").
fn percent(share: Decimal) -> Decimal {
    (share * Decimal::ONE_HUNDRED).round_dp(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::region::RegionCode;
    use crate::model::Location;

    #[test]
    fn a_sum_short_of_its_total_gives_the_gap_and_the_tolerance() {
        let detail = Detail::SumMismatch {
            components: 17,
            computed: Decimal::from(70_106_406),
            declared: Decimal::from(75_000_000),
            declared_raw: "75 millions d’euros".to_string(),
            tolerance: Decimal::from(500_000),
        };
        assert_eq!(
            en(&detail),
            "17 components sum to 70106406, declared 75000000 (\"75 millions d’euros\"): difference -4893594, tolerance 500000"
        );
    }

    #[test]
    fn a_spreadsheet_subtotal_states_its_difference_from_the_rows() {
        let detail = Detail::SubtotalOfRows {
            label: "Total Île-de-France".to_string(),
            stated: Decimal::from(235_000),
            rows: 2,
            rows_sum: Decimal::from(225_000),
        };
        assert_eq!(
            en(&detail),
            "sub-total 'Total Île-de-France' states 235000 € but the 2 row(s) above it sum to 225000 € (difference 10000 €)"
        );
    }

    #[test]
    fn a_beneficiary_in_two_regions_names_both_places() {
        let at = |line| Location::Line {
            file: "a.txt".to_string(),
            line,
            span: (2, 9),
        };
        let detail = Detail::RegionsDisagree {
            beneficiary: "Fondation Partage et Vie".to_string(),
            region: Some(RegionCode::IleDeFrance),
            publication: "press".to_string(),
            at: at(3),
            reference_region: None,
            reference_publication: "bo".to_string(),
            reference_at: at(7),
        };
        assert_eq!(
            en(&detail),
            "'Fondation Partage et Vie': Île-de-France according to press (a.txt:3:3-9), ? according to bo (a.txt:7:3-9)"
        );
    }
}
