//! The French sentences, with their arithmetic: for the reports (report.md, report.html,
//! report.json) and findings.parquet's `message_fr`. Amounts are written the French way
//! (12 199 648 €).

use super::{missing_line, region_names, region_or_unknown, regions_with_codes};
use crate::core::amount::format_eur;
use crate::model::detail::{ClaimTarget, ComparedLine, Detail, MetadataField, RevisionList, Slip};
use crate::sources::ACKNOWLEDGED_FILE;
use rust_decimal::Decimal;

/// The French sentence of a finding or a note.
pub fn fr(detail: &Detail) -> String {
    match detail {
        Detail::SumMismatch {
            components,
            computed,
            declared,
            declared_raw,
            tolerance,
        } => {
            let difference = computed - declared;
            let direction = if difference < Decimal::ZERO {
                "manque"
            } else {
                "excède"
            };
            format!(
                "Les {components} composantes totalisent {} alors que le total annoncé est {} (« {declared_raw} ») : il {direction} {} (tolérance {}).",
                format_eur(*computed),
                format_eur(*declared),
                format_eur(difference.abs()),
                format_eur(*tolerance)
            )
        }
        Detail::SumMismatchTotalRow {
            components,
            computed,
            row,
            tolerance,
        } => format!(
            "Les {components} composantes totalisent {} alors que la ligne Total du tableau indique {} : écart {} (tolérance {}).",
            format_eur(*computed),
            format_eur(*row),
            format_eur(computed - row),
            format_eur(*tolerance)
        ),
        Detail::TotalRowMismatch {
            declared,
            declared_raw,
            row,
        } => format!(
            "Le total déclaré ({}, « {declared_raw} ») et la ligne Total du tableau ({}) diffèrent de {}.",
            format_eur(*declared),
            format_eur(*row),
            format_eur(row - declared)
        ),
        Detail::ParentNotFound { parent } => {
            format!("L'enveloppe parente « {parent} » n'est décrite par aucune publication.")
        }
        Detail::ChildMismatch {
            child,
            child_total,
            envelope,
            line,
            line_raw,
            tolerance,
        } => format!(
            "La sous-enveloppe « {child} » totalise {}, mais la ligne de « {envelope} » qui la désigne indique {} (« {line_raw} ») : écart {} (tolérance {}).",
            format_eur(*child_total),
            format_eur(*line),
            format_eur(child_total - line),
            format_eur(*tolerance)
        ),
        Detail::ParentMissing {
            envelope,
            total,
            line_label,
            budget,
        } => format!(
            "L'enveloppe « {envelope} » totalise {}, exactement la ligne « {line_label} » de « {budget} » : sans `parent = \"{budget}\"` dans sa description, ces euros sont comptés deux fois.",
            format_eur(*total)
        ),
        Detail::RemainderNegative {
            label,
            declared,
            computed,
        } => format!(
            "Les composantes ({}) dépassent déjà le total annoncé ({}) de {} : le reliquat nommé (« {label} ») serait négatif.",
            format_eur(*computed),
            format_eur(*declared),
            format_eur(-(declared - computed))
        ),
        Detail::RemainderDerived {
            label,
            declared,
            computed,
            remainder,
            tolerance,
        } => format!(
            "Reliquat « {label} » calculé par différence : {} − {} = {} (à ± {} près, du fait des montants arrondis).",
            format_eur(*declared),
            format_eur(*computed),
            format_eur(*remainder),
            format_eur(*tolerance)
        ),
        Detail::RegionsMissing {
            named,
            covered,
            missing,
        } => format!(
            "{named} régions sur {covered} sont nommées ; manquent : {}.",
            regions_with_codes(missing)
        ),
        Detail::FormerRegionsMissing {
            exercise,
            named,
            covered,
            missing,
        } => format!(
            "{named} régions sur les {covered} de la carte de {exercise} (avant 2016) sont nommées ; manquent : {}.",
            missing.join(", ")
        ),
        Detail::Restatement {
            envelope,
            restated,
            restated_publication,
            figures,
        } => format!(
            "L'enveloppe « {envelope} » reprend les {figures} montants de « {restated} » ({restated_publication}) : vérifiés contre elle, ils ne comptent pas."
        ),
        Detail::UnitSlip {
            figure,
            figure_raw,
            reference,
            factor,
            larger,
            ..
        } => format!(
            "« {figure_raw} » ({}) est environ {} fois {} que le montant auquel il est comparé ({}) : probable erreur d'unité (k€ et €, millions et milliers), à corriger dans la source ou la description.",
            format_eur(*figure),
            format_eur(*factor).trim_end_matches(" €"),
            if *larger { "plus grand" } else { "plus petit" },
            format_eur(*reference)
        ),
        Detail::RegionOutsideCoverage { region, coverage } => format!(
            "La région {} ({}) est nommée alors que l'enveloppe ne couvre que « {coverage} » (clé `coverage` de la description).",
            region.name(),
            region.code()
        ),
        Detail::RegionDuplicate { region, times } => format!(
            "La région {} ({}) apparaît {times} fois dans la répartition.",
            region.name(),
            region.code()
        ),
        Detail::BeneficiaryDuplicate { name, times } => {
            format!("Le bénéficiaire « {name} » apparaît {times} fois dans l'enveloppe.")
        }
        Detail::PossibleDuplicate {
            first,
            first_publication,
            second,
            second_publication,
            figures,
            total,
        } => format!(
            "Les enveloppes « {first} » ({first_publication}) et « {second} » ({second_publication}) ont le même exercice, la même ventilation et les mêmes {figures} montants ({}) : une seule enveloppe décrite sous deux identifiants ? Ses euros seraient comptés deux fois ; harmoniser `id` dans les descriptions.",
            format_eur(*total)
        ),
        Detail::RevisionUnchanged { label, amount } => format!(
            "« {label} » : la révision donne le même montant avant et après ({}).",
            format_eur(*amount)
        ),
        Detail::RevisionTotal {
            list,
            sum,
            declared,
            declared_raw,
            tolerance,
        } => {
            let when = match list {
                RevisionList::Before => "avant",
                RevisionList::After => "après",
            };
            format!(
                "La liste {when} révision totalise {} pour un total annoncé de {} (« {declared_raw} ») : écart {} (tolérance {}).",
                format_eur(*sum),
                format_eur(*declared),
                format_eur(sum - declared),
                format_eur(*tolerance)
            )
        }
        Detail::AmendedTotal {
            base_publication,
            revision,
            sum,
            declared,
            declared_raw,
            tolerance,
        } => format!(
            "La liste de {base_publication} modifiée par {revision} totalise {} pour un total annoncé de {} (« {declared_raw} ») : écart {} (tolérance {}).",
            format_eur(*sum),
            format_eur(*declared),
            format_eur(sum - declared),
            format_eur(*tolerance)
        ),
        Detail::RevisionUnnamedChanged {
            unnamed,
            declared,
            declared_raw,
            declared_before,
            listed_before,
            listed_after,
        } => {
            let implied_before = declared_before - listed_before;
            let implied_after = declared - listed_after;
            format!(
                "Les régions que la révision ne cite pas ({}) sont réputées inchangées, mais le total annoncé de {} (« {declared_raw} ») implique pour elles {} avant révision ({} − {} listés) et {} après ({} − {} listés) : écart de {}. Soit ces régions ont aussi changé, soit le total avant révision n'était pas {}.",
                regions_with_codes(unnamed),
                format_eur(*declared),
                format_eur(implied_before),
                format_eur(*declared_before),
                format_eur(*listed_before),
                format_eur(implied_after),
                format_eur(*declared),
                format_eur(*listed_after),
                format_eur(implied_after - implied_before),
                format_eur(*declared_before)
            )
        }
        Detail::RevisionBaseMismatch {
            revision,
            label,
            revised_from,
            base_publication,
            base,
        } => format!(
            "La révision {revision} donne à « {label} » un montant antérieur de {}, mais la publication qu'elle modifie ({base_publication}) indiquait {} : écart {}.",
            format_eur(*revised_from),
            format_eur(*base),
            format_eur(revised_from - base)
        ),
        Detail::RevisionBaseMissing {
            revision,
            label,
            base_publication,
        } => format!(
            "La révision {revision} modifie « {label} », absent de la publication qu'elle modifie ({base_publication})."
        ),
        Detail::MetadataDiffers {
            envelope,
            publication,
            reference_publication,
            differences,
        } => {
            let differences: Vec<String> = differences
                .iter()
                .map(|d| format!("{} « {} » contre « {} »", field(d.field), d.ours, d.theirs))
                .collect();
            format!(
                "Les descriptions de l'enveloppe « {envelope} » par {publication} et {reference_publication} diffèrent : {}.",
                differences.join(" ; ")
            )
        }
        Detail::DeclaredTotalsDisagree {
            publication,
            restated,
            restated_raw,
            reference_publication,
            reference,
            reference_raw,
        } => format!(
            "{publication} annonce « {restated_raw} » ({}) pour cette enveloppe, {reference_publication} annonce {} (« {} ») : écart {}.",
            format_eur(*restated),
            format_eur(*reference),
            reference_raw.as_deref().unwrap_or("somme des composantes"),
            format_eur(restated - reference)
        ),
        Detail::AmountsDisagree {
            line,
            publication,
            restated,
            restated_raw,
            reference_publication,
            reference,
            reference_raw,
        } => {
            let line = match line {
                ComparedLine::Line(label) => label.as_str(),
                ComparedLine::Region(region) => region.name(),
            };
            format!(
                "« {line} » : {} selon {publication} (« {} »), {} selon {reference_publication} (« {} ») : écart {}.",
                format_eur(*restated),
                restated_raw.join(" + "),
                format_eur(*reference),
                reference_raw.join(" + "),
                format_eur(restated - reference)
            )
        }
        Detail::LineMissing {
            line,
            publication,
            reference_publication,
            in_reference,
        } => {
            let line = missing_line(line);
            if *in_reference {
                format!(
                    "{line} figure dans la publication de référence {reference_publication} mais pas dans {publication}."
                )
            } else {
                format!(
                    "{line} figure dans {publication} mais pas dans la publication de référence {reference_publication}."
                )
            }
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
            "« {beneficiary} » : région {} selon {publication} ({at}), mais {} selon {reference_publication} ({reference_at}).",
            region_or_unknown(*region),
            region_or_unknown(*reference_region)
        ),
        Detail::ClaimedLine {
            line,
            claimed,
            claimed_raw,
            publication,
            reference,
            reference_publication,
        } => format!(
            "« {line} » est cité pour « {claimed_raw} » dans {publication}, mais vaut {} dans {reference_publication} : écart {}.",
            format_eur(*reference),
            format_eur(claimed - reference)
        ),
        Detail::ClaimedAggregate {
            claimed,
            claimed_raw,
            publication,
            target,
            reference,
            reference_publication,
        } => format!(
            "« {claimed_raw} » ({publication}) ne correspond pas {} : {} dans {reference_publication} ; écart {}.",
            claim_target(target),
            format_eur(*reference),
            format_eur(claimed - reference)
        ),
        Detail::ClaimUnmatched {
            claimed_raw,
            publication,
            target,
            reference_publication,
        } => format!(
            "« {claimed_raw} » ({publication}) ne correspond à aucune ligne ni {} de la publication de référence {reference_publication}.",
            claim_target(target)
        ),
        Detail::ClaimedCount {
            publication,
            claimed,
            region,
            context,
            reference_publication,
            listed,
        } => {
            let scope = region.map_or("au total".to_string(), |r| format!("en {}", r.name()));
            let names = if listed.is_empty() {
                String::new()
            } else {
                format!(" : {}", listed.join(", "))
            };
            format!(
                "{publication} annonce {claimed} projet(s) {scope} (« {context} ») ; la publication de référence {reference_publication} en compte {}{names}.",
                listed.len()
            )
        }
        Detail::RegionShare {
            region,
            amount,
            share,
            median,
            others,
            slip,
        } => {
            let mut sentence = format!(
                "{} reçoit {}, soit {} % de l'enveloppe, contre une part médiane de {} % dans les {others} autres répartitions régionales.",
                region.name(),
                format_eur(*amount),
                percent(*share),
                percent(*median)
            );
            if let Some(slip) = slip {
                let cause = match slip.slip {
                    Slip::LostDigit => "chiffre perdu",
                    Slip::ExtraDigit => "chiffre en trop",
                };
                sentence.push_str(&format!(
                    " Cause probable : un {cause} ; le montant serait {}, et la somme des composantes deviendrait {}",
                    format_eur(slip.corrected),
                    format_eur(slip.new_sum)
                ));
                if let Some(declared) = slip.declared {
                    sentence.push_str(&format!(
                        " (total annoncé {}, écart restant {})",
                        format_eur(declared),
                        format_eur(slip.new_sum - declared)
                    ));
                }
                sentence.push('.');
            }
            sentence
        }
        Detail::RegionUnknown { label, suggestions } => format!(
            "« {label} » n'est pas une région connue{} Pour le rattacher, ajouter à l'enveloppe : `region_aliases = {{ \"{label}\" = \"{}\" }}`.",
            if suggestions.is_empty() {
                ".".to_string()
            } else {
                format!(" ; vouliez-vous dire : {} ?", region_names(suggestions))
            },
            suggestions.first().map_or("<code INSEE>", |r| r.code())
        ),
        Detail::RegionTerritory { label, territory } => format!(
            "« {label} » est {} ({}), collectivité hors des 18 régions : son montant compte, sans région.",
            territory.name(),
            territory.code()
        ),
        Detail::RegionAmbiguous {
            label, candidates, ..
        } => format!(
            "« {label} » est ambigu (candidats : {}) : non rattaché à une région. Le rattacher dans la description (`region_aliases = {{ \"{label}\" = \"{}\" }}`, avec le bon code) ou acquitter le constat.",
            region_names(candidates),
            candidates.first().map_or("…", |c| c.code())
        ),
        Detail::RegionLegacy { label, region, .. } => format!(
            "« {label} » est un nom de région antérieur à 2016 ; rattaché à {} ({}).",
            region.name(),
            region.code()
        ),
        Detail::RegionInferred { label, region } => format!(
            "Aucune région indiquée pour « {label} » : la région {} ({}) figurant dans son nom a été retenue.",
            region.name(),
            region.code()
        ),
        Detail::RegionMissing { label } => format!("Aucune région pour « {label} »."),
        Detail::AliasUnused { alias, envelope } => format!(
            "L'alias de région « {alias} » de l'enveloppe « {envelope} » ne correspond à aucun libellé de la source : l'écrire exactement comme la source."
        ),
        Detail::NothingExtracted { envelope } => format!(
            "Aucun montant n'a été lu après l'ancre de l'enveloppe « {envelope} » : vérifier `anchor`, `until` et `items` dans la description."
        ),
        Detail::DeclaredNotInSource {
            declared_raw,
            envelope,
            source,
        } => format!(
            "Le total déclaré « {declared_raw} » de l'enveloppe « {envelope} » ne figure pas dans {source} : il est pris dans la description."
        ),
        Detail::DetailOfFigure { raw } => format!(
            "« {raw} » détaille le montant qui le précède (« dont ») : il n'est pas compté comme une ligne."
        ),
        Detail::DetailOfRow { label } => format!(
            "« {label} » détaille la ligne du dessus (« dont ») : elle n'est pas comptée comme une ligne."
        ),
        Detail::SubtotalOfLines {
            stated,
            stated_raw,
            lines_sum,
        } => format!(
            "Le sous-total « {stated_raw} » ({}) ne correspond pas à ses lignes, qui totalisent {} : écart {}.",
            format_eur(*stated),
            format_eur(*lines_sum),
            format_eur(lines_sum - stated)
        ),
        Detail::SubtotalOfRows {
            label,
            stated,
            rows,
            rows_sum,
        } => format!(
            "Le sous-total « {label} » indique {} mais les {rows} ligne(s) au-dessus totalisent {} : écart {}.",
            format_eur(*stated),
            format_eur(*rows_sum),
            format_eur(stated - rows_sum)
        ),
        Detail::FloatNoise { held, read } => format!(
            "La cellule contient {held} €, au-delà du centime ; lu {}.",
            format_eur(*read)
        ),
        Detail::ExtraDecimals { raw, value, read } => format!(
            "« {raw} » vaut {value} €, au-delà du centime ; lu {}.",
            format_eur(*read)
        ),
        Detail::RegionCarried { region, from } => format!(
            "Cellule de région vide : « {region} » reportée depuis {from} (cellule fusionnée que ce format ne signale pas)."
        ),
        Detail::IdentifierChecksum { identifier } => {
            format!("L'identifiant {identifier} a une clé de contrôle fausse (Luhn) : à vérifier.")
        }
        Detail::AcknowledgementUnused {
            fingerprint,
            reason,
        } => format!(
            "L'acquittement `{fingerprint}` (« {reason} ») ne correspond plus à aucun constat : le retirer de {ACKNOWLEDGED_FILE}."
        ),
        Detail::Repeated { first, times } => format!(
            "{} Et {} autres constats semblables dans cette enveloppe : {times} en tout (les premiers emplacements sont listés).",
            fr(first),
            times.saturating_sub(1)
        ),
    }
}

fn field(field: MetadataField) -> &'static str {
    match field {
        MetadataField::Exercise => "exercice",
        MetadataField::Phase => "phase",
        MetadataField::Channel => "canal",
        MetadataField::Programme => "programme",
        MetadataField::Breakdown => "ventilation",
    }
}

/// Completes "ne correspond pas …" and "ne correspond à aucune ligne ni …".
fn claim_target(target: &ClaimTarget) -> String {
    match target {
        ClaimTarget::RegionSubtotal { region, lines } => {
            format!("au sous-total {} ({lines} ligne(s))", region.name())
        }
        ClaimTarget::DeclaredTotal { raw } => format!("le total annoncé (« {raw} »)"),
        ClaimTarget::SumOfLines => "à la somme des lignes".to_string(),
    }
}

/// A share as a French percentage: "12,3".
fn percent(share: Decimal) -> String {
    (share * Decimal::ONE_HUNDRED)
        .round_dp(2)
        .normalize()
        .to_string()
        .replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::region::RegionCode;
    use crate::model::detail::DigitSlip;

    #[test]
    fn a_sum_short_of_its_total_says_what_is_missing() {
        let detail = Detail::SumMismatch {
            components: 17,
            computed: Decimal::from(70_106_406),
            declared: Decimal::from(75_000_000),
            declared_raw: "75 millions d’euros".to_string(),
            tolerance: Decimal::from(500_000),
        };
        assert_eq!(
            fr(&detail),
            "Les 17 composantes totalisent 70 106 406 € alors que le total annoncé est 75 000 000 € (« 75 millions d’euros ») : il manque 4 893 594 € (tolérance 500 000 €)."
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
            fr(&detail),
            "Le sous-total « Total Île-de-France » indique 235 000 € mais les 2 ligne(s) au-dessus totalisent 225 000 € : écart 10 000 €."
        );
    }

    #[test]
    fn a_region_share_with_a_lost_digit_names_the_corrected_figure() {
        let detail = Detail::RegionShare {
            region: RegionCode::Normandie,
            amount: Decimal::from(180_000),
            share: Decimal::new(36, 4),
            median: Decimal::new(45, 3),
            others: 3,
            slip: Some(DigitSlip {
                slip: Slip::LostDigit,
                corrected: Decimal::from(1_800_000),
                new_sum: Decimal::from(51_620_000),
                declared: Some(Decimal::from(51_600_000)),
            }),
        };
        assert_eq!(
            fr(&detail),
            "Normandie reçoit 180 000 €, soit 0,36 % de l'enveloppe, contre une part médiane de 4,5 % dans les 3 autres répartitions régionales. Cause probable : un chiffre perdu ; le montant serait 1 800 000 €, et la somme des composantes deviendrait 51 620 000 € (total annoncé 51 600 000 €, écart restant 20 000 €)."
        );
    }

    #[test]
    fn a_count_claim_lists_the_lines_it_is_checked_against() {
        let detail = Detail::ClaimedCount {
            publication: "dsih-2022-01-04".to_string(),
            claimed: 3,
            region: Some(RegionCode::IleDeFrance),
            context: "trois projets franciliens".to_string(),
            reference_publication: "bo-2021-37".to_string(),
            listed: vec!["Association A".to_string(), "Fondation B".to_string()],
        };
        assert_eq!(
            fr(&detail),
            "dsih-2022-01-04 annonce 3 projet(s) en Île-de-France (« trois projets franciliens ») ; la publication de référence bo-2021-37 en compte 2 : Association A, Fondation B."
        );
    }
}
