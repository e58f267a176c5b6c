//! Stage 3: extracted items become facts. Region labels are resolved to the 18 INSEE
//! regions (never silently: every label that does not resolve cleanly is kept as an issue
//! for validation to report), revisions split into superseded and current figures, and the
//! statements of one envelope by several publications are ranked so that each euro is
//! counted once.

use crate::core::region::{MatchRule, RegionCode, RegionError, find_regions, normalise_region};
use crate::extract::Extraction;
use crate::model::Statement;
use crate::model::{Breakdown, EnvelopeSpec, Publication};
use crate::model::{Detail, Rule};
use crate::model::{Fact, FactRef, FactRole, Facts, Located, Location, Note, RegionIssue};

/// Resolves a region label, recording anything short of a clean match. The description's
/// `region_aliases` come first: the user's explicit word beats every rule.
fn resolve(
    label: &Located,
    spec: &EnvelopeSpec,
    issues: &mut Vec<RegionIssue>,
) -> Option<RegionCode> {
    if let Some(code) = spec.alias(&label.text) {
        return Some(code);
    }
    match normalise_region(&label.text) {
        Ok(m) => {
            if m.rule == MatchRule::Legacy {
                issues.push(RegionIssue::Legacy {
                    label: label.clone(),
                    region: m.code,
                    warning: m.warning.clone().unwrap_or_default(),
                });
            }
            Some(m.code)
        }
        Err(RegionError::Unknown { suggestions, .. }) => {
            // "Mayotte²", "Corse (1)": a footnote mark; "1", "6": a region code whose
            // leading zero a spreadsheet dropped.
            let unmarked = label
                .text
                .trim_end_matches(|c: char| "¹²³⁴⁵⁶⁷⁸⁹⁰*†‡".contains(c) || c.is_whitespace());
            let padded = match unmarked.trim() {
                d if d.len() == 1 && d.chars().all(|c| c.is_ascii_digit()) => format!("0{d}"),
                other => other.to_string(),
            };
            if padded != label.text
                && let Ok(m) = normalise_region(&padded)
            {
                return Some(m.code);
            }
            // "ARS Bretagne (35 ESSMS, 4 projets)", "pour la région Corse, un montant de":
            // a label that names one region, in full, among other words.
            let named: std::collections::BTreeSet<RegionCode> = find_regions(&label.text)
                .into_iter()
                .map(|(_, _, code)| code)
                .collect();
            if let [code] = named.into_iter().collect::<Vec<_>>()[..] {
                return Some(code);
            }
            issues.push(RegionIssue::Unknown {
                label: label.clone(),
                suggestions,
            });
            None
        }
        Err(RegionError::Ambiguous {
            candidates, reason, ..
        }) => {
            issues.push(RegionIssue::Ambiguous {
                label: label.clone(),
                candidates,
                reason,
            });
            None
        }
        Err(RegionError::Empty) => {
            issues.push(RegionIssue::Unknown {
                label: label.clone(),
                suggestions: Vec::new(),
            });
            None
        }
    }
}

/// A table of pre-2016 regions: "Aquitaine" beside "Limousin" and "Poitou-Charentes" is the
/// old region, not a misspelt "Nouvelle-Aquitaine"; either way it maps to 75. An ambiguous
/// name is resolved only when its candidates include a region that the table's other
/// pre-2016 names map to, and it is reported as such.
fn resolve_by_siblings(facts: &mut Facts, issues: &mut [RegionIssue]) {
    let legacy: std::collections::BTreeSet<RegionCode> = issues
        .iter()
        .filter_map(|i| match i {
            RegionIssue::Legacy { region, .. } => Some(*region),
            _ => None,
        })
        .collect();
    for issue in issues.iter_mut() {
        let RegionIssue::Ambiguous {
            label, candidates, ..
        } = issue
        else {
            continue;
        };
        let matching: Vec<RegionCode> = candidates
            .iter()
            .copied()
            .filter(|c| legacy.contains(c))
            .collect();
        let [region] = matching[..] else {
            continue;
        };
        let unresolved: Vec<usize> = facts
            .iter()
            .filter(|f| f.region().is_none() && f.label_is_at(&label.location))
            .map(|f| f.index())
            .collect();
        for index in unresolved {
            facts.set_region(index, Some(region));
        }
        *issue = RegionIssue::Legacy {
            label: label.clone(),
            region,
            warning: format!(
                "'{}' read as the pre-2016 region, as the other old names of the table are; mapped to {}",
                label.text,
                region.name()
            ),
        };
    }
}

/// "Bretagne – Fondation Normandie Générations": a label that begins with a region's
/// name and a dash. The region is taken from the prefix, the beneficiary is the rest.
fn split_region_prefix(
    mut item: crate::model::RawItem,
) -> (crate::model::RawItem, Option<RegionCode>) {
    if item.region_hint.is_some() {
        return (item, None);
    }
    let text = item.label.text.clone();
    for sep in [" – ", " — ", " - ", " : "] {
        if let Some((head, rest)) = text.split_once(sep)
            && !rest.trim().is_empty()
            && let Ok(m) = normalise_region(head.trim())
        {
            let skipped = head.chars().count() + sep.chars().count();
            if let Location::Line { span, .. } = &mut item.label.location {
                span.0 += u32::try_from(skipped).unwrap_or(0);
            }
            item.label.text = rest.trim().to_string();
            return (item, Some(m.code));
        }
    }
    (item, None)
}

/// An alias of the description that no label of the source used: most likely a label
/// written differently ("ARS Océan Indien (1)"), which then stayed unmapped.
fn unused_aliases(
    publication: &Publication,
    spec: &EnvelopeSpec,
    labels: &std::collections::BTreeSet<String>,
) -> Vec<Note> {
    let index = publication
        .envelopes
        .iter()
        .position(|e| e.id == spec.id)
        .unwrap_or_default();
    let description = publication.description_of(index);
    spec.region_aliases
        .keys()
        .filter(|alias| !labels.contains(alias.trim()))
        .map(|alias| {
            Note::new(
                Rule::RegionAliasUnused,
                Detail::AliasUnused {
                    alias: alias.clone(),
                    envelope: spec.id.clone(),
                },
                description.location(&format!("region_aliases.{alias}")),
            )
        })
        .collect()
}

/// Normalises one publication's extraction of one envelope.
pub fn normalise(
    publication: &Publication,
    spec: &EnvelopeSpec,
    extraction: Extraction,
) -> Statement {
    let mut issues = Vec::new();
    let mut facts = Facts::new();
    // Every label and region hint as written, to tell which aliases the source used.
    let labels: std::collections::BTreeSet<String> = extraction
        .items
        .iter()
        .flat_map(|i| std::iter::once(&i.label).chain(i.region_hint.as_ref()))
        .map(|l| l.text.trim().to_string())
        .collect();
    for item in extraction.items {
        // "Île-de-France – Groupe SOS Seniors": region and beneficiary in one cell.
        let (item, split) = if spec.breakdown == Breakdown::Beneficiary {
            split_region_prefix(item)
        } else {
            (item, None)
        };
        let (region, beneficiary) = match spec.breakdown {
            Breakdown::Region | Breakdown::Revision => {
                (resolve(&item.label, spec, &mut issues), None)
            }
            Breakdown::Beneficiary => {
                if let Some(code) = split {
                    let name = item.label.text.trim().to_string();
                    (Some(code), (!name.is_empty()).then_some(name))
                } else {
                    let region = match &item.region_hint {
                        Some(hint) => resolve(hint, spec, &mut issues),
                        None => {
                            // "Caisse nationale d'assurance maladie Bourgogne – Franche-Comté":
                            // a region named inside the beneficiary's name, used only when it is
                            // the only one there, and reported.
                            let found = find_regions(&item.label.text);
                            let distinct: std::collections::BTreeSet<RegionCode> =
                                found.iter().map(|&(_, _, code)| code).collect();
                            if distinct.len() == 1 {
                                let code = found[0].2;
                                issues.push(RegionIssue::InferredFromName {
                                    label: item.label.clone(),
                                    region: code,
                                });
                                Some(code)
                            } else {
                                issues.push(RegionIssue::Missing {
                                    label: item.label.clone(),
                                });
                                None
                            }
                        }
                    };
                    // "Fondation OVE Auvergne-Rhône-Alpes" (a table whose columns a PDF
                    // joined): the region named at the end is not part of the name.
                    let text = item.label.text.trim();
                    let chars: Vec<char> = text.chars().collect();
                    let name: String = match find_regions(text).last() {
                        Some(&(start, end, _))
                            if item.region_hint.is_none()
                                && start > 0
                                && chars[end..].iter().all(|c| !c.is_alphanumeric()) =>
                        {
                            chars[..start]
                                .iter()
                                .collect::<String>()
                                .trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')')
                                .to_string()
                        }
                        _ => text.to_string(),
                    };
                    (region, (!name.is_empty()).then_some(name))
                }
            }
            Breakdown::BudgetLine => (
                item.region_hint
                    .as_ref()
                    .and_then(|hint| resolve(hint, spec, &mut issues)),
                None,
            ),
        };
        let base = Fact {
            publication_id: publication.meta.id.clone(),
            envelope_id: spec.id.clone(),
            role: FactRole::Component,
            region,
            beneficiary,
            identifier: item.identifier.as_ref().map(|i| i.text.clone()),
            amount: item.amount.amount,
            raw_label: item.label.text.clone(),
            raw_amount: item.amount.raw.clone(),
            location: item.amount.location.clone(),
            label_location: Some(item.label.location.clone()),
        };
        if let Some(previous) = &item.previous {
            facts.push_fact(&Fact {
                role: FactRole::Superseded,
                amount: previous.amount,
                raw_amount: previous.raw.clone(),
                location: previous.location.clone(),
                ..base.clone()
            });
        }
        facts.push_fact(&base);
    }
    resolve_by_siblings(&mut facts, &mut issues);
    let mut notes = extraction.notes;
    notes.extend(unused_aliases(publication, spec, &labels));
    Statement {
        publication_id: publication.meta.id.clone(),
        publication_kind: publication.meta.kind,
        published_on: publication.meta.published_on,
        source_name: publication.source_name.clone(),
        spec: spec.clone(),
        primary: false,
        amends: None,
        declared_total: extraction.declared_total,
        declared_before: extraction.declared_before,
        total_row: extraction.total_row,
        remainder: extraction.remainder,
        facts,
        claims: extraction.claims,
        region_issues: issues,
        notes,
    }
}

/// Marks, for each envelope, the statement whose facts are counted: among those that give
/// components, the most authoritative kind of text, then the one with the most figures
/// stated exactly, then the earliest, then by id. The others' facts become restatements,
/// checked against it and never added twice.
pub fn rank_statements(statements: &mut [Statement]) {
    let mut ids: Vec<String> = statements.iter().map(|s| s.spec.id.clone()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        // Exact figures first (a table to the euro beats the same table in k€), then the
        // most authoritative kind of text.
        let rank = |s: &Statement| {
            let exact = s.current().filter(|f| f.amount().kind() == "exact").count();
            let rounded = s.current().any(|f| f.amount().kind() != "exact");
            (
                rounded,
                s.publication_kind.authority_rank(),
                std::cmp::Reverse(exact),
                s.published_on,
                s.publication_id.clone(),
            )
        };
        let is_revision = |s: &Statement| s.spec.breakdown == Breakdown::Revision;
        // The reference is a full statement of the envelope; a revision is the reference
        // only when no publication states the envelope in full.
        let full = statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.spec.id == id && !s.facts.is_empty() && !is_revision(s))
            .min_by_key(|(_, s)| rank(s))
            .map(|(i, _)| i);
        let best = full
            .or_else(|| {
                statements
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.spec.id == id && !s.facts.is_empty())
                    .min_by_key(|(_, s)| rank(s))
                    .map(|(i, _)| i)
            })
            // An envelope only ever restated (no components anywhere): its earliest
            // statement is the reference for its declared total.
            .or_else(|| {
                statements
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.spec.id == id)
                    .min_by_key(|(_, s)| {
                        (
                            s.publication_kind.authority_rank(),
                            s.published_on,
                            s.publication_id.clone(),
                        )
                    })
                    .map(|(i, _)| i)
            });
        let base = full.map(|i| statements[i].publication_id.clone());
        let base_date = full.map(|i| statements[i].published_on);
        for (i, statement) in statements.iter_mut().enumerate() {
            if statement.spec.id != id {
                continue;
            }
            statement.primary = Some(i) == best;
            // A later revision of the reference amends it: its new amounts count. An older
            // one is already in the reference (a consolidated annex): checked, not counted.
            let later = base_date.is_some_and(|d| statement.published_on >= d);
            if !statement.primary && is_revision(statement) && base.is_some() && later {
                statement.amends.clone_from(&base);
                continue;
            }
            if !statement.primary {
                for index in 0..statement.facts.len() {
                    if statement.facts.get(index).role() == FactRole::Component {
                        statement.facts.set_role(index, FactRole::Restatement);
                    }
                }
            }
        }
        if let Some(base) = full {
            apply_revisions(statements, base);
        }
    }
}

/// The key a revision and its reference share for one line: the region, else the
/// beneficiary's name.
pub(crate) fn line_key(f: FactRef<'_>) -> Option<String> {
    f.region()
        .map(|r| r.code().to_string())
        .or_else(|| f.beneficiary().map(crate::core::names::name_key))
}

/// The reference's lines as they stood on `as_of`: the revisions published by then (other
/// than `except`) applied in date order. Restatements and later revisions are checked
/// against this state, not against lines a revision had already replaced.
pub fn envelope_state<'a>(
    all: &'a [Statement],
    reference: &'a Statement,
    as_of: chrono::NaiveDate,
    except: &str,
) -> Vec<FactRef<'a>> {
    let mut lines: Vec<FactRef<'a>> = reference.current().collect();
    let mut revisions: Vec<&Statement> = all
        .iter()
        .filter(|s| {
            s.spec.id == reference.spec.id
                && s.amends.is_some()
                && s.publication_id != except
                && s.published_on <= as_of
        })
        .collect();
    revisions.sort_by_key(|s| (s.published_on, s.publication_id.clone()));
    for r in revisions {
        for new in r.current() {
            let key = line_key(new);
            lines.retain(|old| key.is_none() || line_key(*old) != key);
            lines.push(new);
        }
    }
    lines
}

/// Revisions of the reference, oldest first: each line they change stops counting (role
/// `Amended`) and their new amount counts instead.
fn apply_revisions(statements: &mut [Statement], base: usize) {
    let id = statements[base].spec.id.clone();
    let mut revisions: Vec<usize> = (0..statements.len())
        .filter(|&i| statements[i].spec.id == id && statements[i].amends.is_some())
        .collect();
    revisions.sort_by_key(|&i| {
        (
            statements[i].published_on,
            statements[i].publication_id.clone(),
        )
    });
    // Which statement and fact currently counts for each region (or beneficiary).
    let key = line_key;
    let mut holder: std::collections::BTreeMap<String, (usize, usize)> = statements[base]
        .facts
        .iter()
        .filter(|f| f.role() == FactRole::Component)
        .filter_map(|f| key(f).map(|key| (key, (base, f.index()))))
        .collect();
    for r in revisions {
        let changes: Vec<(String, usize)> = statements[r]
            .facts
            .iter()
            .filter(|f| f.role() == FactRole::Component)
            .filter_map(|f| key(f).map(|key| (key, f.index())))
            .collect();
        for (key, k) in changes {
            if let Some((s, f)) = holder.insert(key, (r, k)) {
                statements[s].facts.set_role(f, FactRole::Amended);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;
    use crate::model::PublicationKind;
    use crate::model::testing::{eur, fact, millions, spec, statement};
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    #[test]
    fn an_exact_table_is_the_reference_over_a_rounded_statement_of_higher_authority() {
        let mut statements = vec![
            statement(
                "bo",
                PublicationKind::BoDecision,
                (2021, 12, 10),
                Breakdown::Region,
                vec![fact("bo", RegionCode::Bretagne, millions(2))],
            ),
            statement(
                "annexe",
                PublicationKind::AnnexTable,
                (2021, 12, 10),
                Breakdown::Region,
                vec![fact("annexe", RegionCode::Bretagne, eur(2_000_100))],
            ),
        ];
        rank_statements(&mut statements);
        assert!(!statements[0].primary);
        assert!(statements[1].primary);
        // The other statement's figures are restatements: checked, never counted twice.
        assert_eq!(statements[0].facts.get(0).role(), FactRole::Restatement);
        assert_eq!(statements[1].facts.get(0).role(), FactRole::Component);
    }

    #[test]
    fn between_exact_statements_the_bo_text_is_the_reference() {
        let mut statements = vec![
            statement(
                "presse",
                PublicationKind::PressExtract,
                (2021, 1, 1),
                Breakdown::Region,
                vec![fact("presse", RegionCode::Bretagne, eur(10))],
            ),
            statement(
                "bo",
                PublicationKind::BoDecision,
                (2021, 6, 1),
                Breakdown::Region,
                vec![fact("bo", RegionCode::Bretagne, eur(10))],
            ),
        ];
        rank_statements(&mut statements);
        assert!(statements[1].primary && !statements[0].primary);
    }

    #[test]
    fn a_later_revision_amends_the_reference_and_an_earlier_one_does_not() {
        let reference = statement(
            "decision",
            PublicationKind::BoDecision,
            (2021, 6, 1),
            Breakdown::Region,
            vec![
                fact("decision", RegionCode::Bretagne, eur(100)),
                fact("decision", RegionCode::Normandie, eur(200)),
            ],
        );
        let revision = |id: &str, on| {
            let mut old = fact(id, RegionCode::Bretagne, eur(100));
            old.role = FactRole::Superseded;
            statement(
                id,
                PublicationKind::BoDecision,
                on,
                Breakdown::Revision,
                vec![old, fact(id, RegionCode::Bretagne, eur(150))],
            )
        };
        let mut statements = vec![
            reference,
            revision("later", (2021, 9, 1)),
            revision("older", (2021, 3, 1)),
        ];
        rank_statements(&mut statements);
        assert_eq!(statements[1].amends.as_deref(), Some("decision"));
        assert_eq!(statements[2].amends, None);
        // The reference's Bretagne line is amended (not counted); Normandie still counts.
        let roles: Vec<FactRole> = statements[0].facts.iter().map(|f| f.role()).collect();
        assert_eq!(roles, [FactRole::Amended, FactRole::Component]);

        // As of a date before the revision, the reference stands as published; after it,
        // Bretagne is the revised 150.
        let amounts_on = |on| {
            let date = NaiveDate::from_ymd_opt(2021, on, 15).expect("a date");
            let mut lines: Vec<Decimal> = envelope_state(&statements, &statements[0], date, "")
                .iter()
                .map(|f| f.value())
                .collect();
            lines.sort();
            lines
        };
        assert_eq!(amounts_on(7), [Decimal::from(100), Decimal::from(200)]);
        assert_eq!(amounts_on(10), [Decimal::from(150), Decimal::from(200)]);
    }

    #[test]
    fn the_description_alias_beats_every_rule() {
        let mut spec = spec(Breakdown::Region);
        spec.region_aliases
            .insert("ARS Océan Indien".to_string(), "04".to_string());
        let label = |text: &str| crate::model::Located {
            text: text.to_string(),
            location: Location::Line {
                file: "a.txt".to_string(),
                line: 1,
                span: (0, 1),
            },
        };
        let mut issues = Vec::new();
        assert_eq!(
            resolve(&label(" ARS Océan Indien "), &spec, &mut issues),
            Some(RegionCode::LaReunion)
        );
        assert!(issues.is_empty());
        // Without the alias the name is ambiguous (La Réunion or Mayotte): never guessed.
        assert_eq!(resolve(&label("Océan Indien"), &spec, &mut issues), None);
        assert_eq!(issues.len(), 1);
        // A pre-2016 name maps to its successor, and says so.
        let mut issues = Vec::new();
        assert_eq!(
            resolve(&label("Limousin"), &spec, &mut issues),
            Some(RegionCode::NouvelleAquitaine)
        );
        assert!(matches!(issues[..], [RegionIssue::Legacy { .. }]));
    }
}
