//! Stage 3: extracted items become facts. Region labels are resolved to the 18 INSEE
//! regions (never silently: every label that does not resolve cleanly is kept as an issue
//! for validation to report), revisions split into superseded and current figures, and the
//! statements of one envelope by several publications are ranked so that each euro is
//! counted once.

use crate::core::region::{
    LAST_EXERCISE_OF_22_REGIONS, MatchRule, RegionCode, RegionError, Territory, find_regions,
    former_region, normalise_region,
};
use crate::extract::Extraction;
use crate::model::Statement;
use crate::model::{Breakdown, EnvelopeSpec, Publication};
use crate::model::{Detail, Rule};
use crate::model::{FactRef, FactRole, Facts, Located, Note, RegionIssue};
use crate::model::{ItemAt, Items, NewFact, Place, TextAt};

/// A region label resolved: the region, and what an analyst should hear of it.
#[derive(Debug, Clone)]
struct Resolved {
    code: Option<RegionCode>,
    issue: Option<Issue>,
}

/// Why a label did not resolve cleanly, before it is located.
#[derive(Debug, Clone)]
enum Issue {
    Legacy {
        region: RegionCode,
        warning: String,
    },
    Unknown {
        suggestions: Vec<RegionCode>,
    },
    Ambiguous {
        candidates: Vec<RegionCode>,
        reason: String,
    },
    InferredFromName {
        region: RegionCode,
    },
    Missing,
    /// A collectivité d'outre-mer outside the 18 regions, named as a line.
    Territory {
        territory: Territory,
    },
}

impl Issue {
    fn at(self, label: Located) -> RegionIssue {
        match self {
            Issue::Legacy { region, warning } => RegionIssue::Legacy {
                label,
                region,
                warning,
            },
            Issue::Unknown { suggestions } => RegionIssue::Unknown { label, suggestions },
            Issue::Ambiguous { candidates, reason } => RegionIssue::Ambiguous {
                label,
                candidates,
                reason,
            },
            Issue::InferredFromName { region } => RegionIssue::InferredFromName { label, region },
            Issue::Missing => RegionIssue::Missing { label },
            Issue::Territory { territory } => RegionIssue::Territory { label, territory },
        }
    }
}

/// Resolves a region label, keeping anything short of a clean match. The description's
/// `region_aliases` come first: the user's explicit word beats every rule.
fn resolve(text: &str, spec: &EnvelopeSpec) -> Resolved {
    let clean = |code| Resolved {
        code: Some(code),
        issue: None,
    };
    if let Some(code) = spec.alias(text) {
        return clean(code);
    }
    // A publication of the 22-region map names its regions as they were: "Aquitaine" or
    // "Centre" are then plain names, mapped to their successor (reported, as every old
    // name is, when the region changed).
    if spec.exercise <= LAST_EXERCISE_OF_22_REGIONS
        && let Some(former) = former_region(text)
    {
        return Resolved {
            code: Some(former.successor),
            issue: (former.successor.code() != former.code).then(|| Issue::Legacy {
                region: former.successor,
                warning: format!(
                    "'{text}' is {}, a region of the map of {} (before 2016); mapped to its successor {}",
                    former.name,
                    spec.exercise,
                    former.successor.name()
                ),
            }),
        };
    }
    match normalise_region(text) {
        Ok(m) => Resolved {
            code: Some(m.code),
            issue: (m.rule == MatchRule::Legacy).then(|| Issue::Legacy {
                region: m.code,
                warning: m.warning.clone().unwrap_or_default(),
            }),
        },
        Err(RegionError::Unknown { suggestions, .. }) => {
            // "Mayotte²", "Corse (1)": a footnote mark; "1", "6": a region code whose
            // leading zero a spreadsheet dropped.
            let unmarked =
                text.trim_end_matches(|c: char| "¹²³⁴⁵⁶⁷⁸⁹⁰*†‡".contains(c) || c.is_whitespace());
            let padded = match unmarked.trim() {
                d if d.len() == 1 && d.chars().all(|c| c.is_ascii_digit()) => format!("0{d}"),
                other => other.to_string(),
            };
            if padded != text
                && let Ok(m) = normalise_region(&padded)
            {
                return clean(m.code);
            }
            // "ARS Bretagne (35 ESSMS, 4 projets)", "pour la région Corse, un montant de":
            // a label that names one region, in full, among other words.
            let named: std::collections::BTreeSet<RegionCode> = find_regions(text)
                .into_iter()
                .map(|(_, _, code)| code)
                .collect();
            if let [code] = named.into_iter().collect::<Vec<_>>()[..] {
                return clean(code);
            }
            Resolved {
                code: None,
                issue: Some(Issue::Unknown { suggestions }),
            }
        }
        Err(RegionError::Ambiguous {
            candidates, reason, ..
        }) => Resolved {
            code: None,
            issue: Some(Issue::Ambiguous { candidates, reason }),
        },
        Err(RegionError::Empty) => Resolved {
            code: None,
            issue: Some(Issue::Unknown {
                suggestions: Vec::new(),
            }),
        },
    }
}

/// A collectivité d'outre-mer named as a line of a regional table: recognised by name or
/// code when no alias of the description and no region name claims the label.
fn territory(text: &str, spec: &EnvelopeSpec) -> Option<Territory> {
    if spec.alias(text).is_some() || normalise_region(text).is_ok() {
        return None;
    }
    Territory::of_label(text)
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
        // Every line of that label resolved alike: each had its own issue once, and is
        // mapped now.
        let unresolved: Vec<usize> = facts
            .iter()
            .filter(|f| f.region().is_none() && f.raw_label() == label.text)
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
/// name and a dash. The region is taken from the prefix; returns it, the beneficiary (the
/// rest) and how many characters the prefix takes.
fn split_region_prefix(text: &str) -> Option<(RegionCode, String, u32)> {
    for sep in [" – ", " — ", " - ", " : "] {
        if let Some((head, rest)) = text.split_once(sep)
            && !rest.trim().is_empty()
            && let Ok(m) = normalise_region(head.trim())
        {
            let skipped = head.chars().count() + sep.chars().count();
            return Some((
                m.code,
                rest.trim().to_string(),
                u32::try_from(skipped).unwrap_or(0),
            ));
        }
    }
    None
}

/// A beneficiary label without a region beside it: the region its name holds (used only
/// when it is the only one there, and reported), and the name without a region written at
/// its end ("Fondation OVE Auvergne-Rhône-Alpes", a table whose columns a PDF joined).
fn beneficiary_alone(text: &str) -> (Resolved, String) {
    let found = find_regions(text);
    let distinct: std::collections::BTreeSet<RegionCode> =
        found.iter().map(|&(_, _, code)| code).collect();
    let resolved = if distinct.len() == 1 {
        let code = found[0].2;
        Resolved {
            code: Some(code),
            issue: Some(Issue::InferredFromName { region: code }),
        }
    } else {
        Resolved {
            code: None,
            issue: Some(Issue::Missing),
        }
    };
    let trimmed = text.trim();
    let chars: Vec<char> = trimmed.chars().collect();
    let name: String = match find_regions(trimmed).last() {
        Some(&(start, end, _))
            if start > 0 && chars[end..].iter().all(|c| !c.is_alphanumeric()) =>
        {
            chars[..start]
                .iter()
                .collect::<String>()
                .trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')')
                .to_string()
        }
        _ => trimmed.to_string(),
    };
    (resolved, name)
}

/// Results kept by the text they were computed from, up to a bound: a million-row table
/// writes a few hundred region spellings, and its beneficiaries' names far fewer times
/// than it has rows.
struct Cache<V> {
    map: std::collections::HashMap<Box<str>, V, crate::core::intern::BuildFx>,
}

impl<V: Clone> Cache<V> {
    /// Distinct texts remembered; beyond, results are computed again.
    const BOUND: usize = 100_000;

    fn new() -> Self {
        Cache {
            map: std::collections::HashMap::default(),
        }
    }

    fn get_or(&mut self, text: &str, compute: impl FnOnce() -> V) -> V {
        if let Some(v) = self.map.get(text) {
            return v.clone();
        }
        let v = compute();
        if self.map.len() < Self::BOUND {
            self.map.insert(text.into(), v.clone());
        }
        v
    }
}

/// Normalises one envelope's items as extraction reads them, one at a time: each label is
/// resolved once per spelling, each issue recorded once per label.
pub struct Normaliser<'p> {
    publication: &'p Publication,
    spec: &'p EnvelopeSpec,
    facts: Facts,
    issues: Vec<RegionIssue>,
    /// The labels an issue was recorded for: the same label twice is one issue, at its
    /// first place.
    issued: std::collections::HashSet<(u8, Box<str>)>,
    regions: Cache<Resolved>,
    alone: Cache<(Resolved, String)>,
    prefixes: Cache<Option<(RegionCode, String, u32)>>,
    territories: Cache<Option<Territory>>,
    /// The aliases of the description (trimmed) that a label or region of the source uses.
    aliases_used: std::collections::BTreeSet<String>,
}

impl<'p> Normaliser<'p> {
    pub fn new(publication: &'p Publication, spec: &'p EnvelopeSpec) -> Self {
        Normaliser {
            publication,
            spec,
            facts: Facts::new(),
            issues: Vec::new(),
            issued: std::collections::HashSet::new(),
            regions: Cache::new(),
            alone: Cache::new(),
            prefixes: Cache::new(),
            territories: Cache::new(),
            aliases_used: std::collections::BTreeSet::new(),
        }
    }

    /// Records an issue about a label, once per label and kind.
    fn issue(&mut self, issue: Issue, label: &TextAt<'_>) {
        let kind = match &issue {
            Issue::Legacy { .. } => 0,
            Issue::Unknown { .. } => 1,
            Issue::Ambiguous { .. } => 2,
            Issue::InferredFromName { .. } => 3,
            Issue::Missing => 4,
            Issue::Territory { .. } => 5,
        };
        if self.issued.insert((kind, label.text.into())) {
            self.issues.push(issue.at(label.to_located()));
        }
    }

    /// The region a label (or a region cell) names.
    fn region(&mut self, label: &TextAt<'_>) -> Option<RegionCode> {
        let spec = self.spec;
        let resolved = self
            .regions
            .get_or(label.text, || resolve(label.text, spec));
        if let Some(issue) = resolved.issue {
            self.issue(issue, label);
        }
        resolved.code
    }

    fn note_alias_use(&mut self, text: &str) {
        if !self.spec.region_aliases.is_empty() {
            let text = text.trim();
            if self
                .spec
                .region_aliases
                .keys()
                .any(|alias| alias.trim() == text)
            {
                self.aliases_used.insert(text.to_string());
            }
        }
    }

    /// Normalises one item.
    pub fn push(&mut self, item: &ItemAt<'_>) {
        let spec = self.spec;
        self.note_alias_use(item.label.text);
        if let Some(hint) = &item.region_hint {
            self.note_alias_use(hint.text);
        }
        // "Île-de-France – Groupe SOS Seniors": region and beneficiary in one cell.
        let split = if spec.breakdown == Breakdown::Beneficiary && item.region_hint.is_none() {
            let text = item.label.text;
            self.prefixes.get_or(text, || split_region_prefix(text))
        } else {
            None
        };
        let shifted;
        let (label_text, label_at, split_code) = match &split {
            Some((code, rest, skipped)) => {
                let mut location = item.label.at.to_location();
                if let Some(span) = location.span_mut() {
                    span.0 += skipped;
                }
                shifted = location;
                (rest.as_str(), Place::At(&shifted), Some(*code))
            }
            None => (item.label.text, item.label.at, None),
        };
        let label = TextAt {
            text: label_text,
            at: label_at,
        };
        let territory = match spec.breakdown {
            Breakdown::Region | Breakdown::Revision => {
                let text = label.text;
                self.territories.get_or(text, || territory(text, spec))
            }
            Breakdown::Beneficiary | Breakdown::BudgetLine => None,
        };
        if let Some(territory) = territory {
            self.issue(Issue::Territory { territory }, &label);
        }
        let name_alone;
        let (region, beneficiary) = match spec.breakdown {
            Breakdown::Region | Breakdown::Revision if territory.is_some() => (None, None),
            Breakdown::Region | Breakdown::Revision => (self.region(&label), None),
            Breakdown::Beneficiary => match (split_code, &item.region_hint) {
                (Some(code), _) => (Some(code), Some(label.text.trim())),
                (None, Some(hint)) => (self.region(hint), Some(label.text.trim())),
                (None, None) => {
                    let text = label.text;
                    let (resolved, name) = self.alone.get_or(text, || beneficiary_alone(text));
                    if let Some(issue) = resolved.issue {
                        self.issue(issue, &label);
                    }
                    name_alone = name;
                    (resolved.code, Some(name_alone.as_str()))
                }
            },
            Breakdown::BudgetLine => (
                item.region_hint.as_ref().and_then(|hint| self.region(hint)),
                None,
            ),
        };
        let beneficiary = beneficiary.filter(|name| !name.is_empty());
        let identifier = item.identifier.as_ref().map(|i| i.text);
        let fact = NewFact {
            role: FactRole::Component,
            region,
            territory,
            exercise: item.exercise,
            beneficiary,
            identifier,
            amount: item.amount.amount,
            raw_label: label.text,
            // The reader's number for the label stands for the label as written, not for a
            // part of it.
            raw_label_key: item.label_key.filter(|_| split.is_none()),
            raw_amount: item.amount.raw,
            location: item.amount.at,
            label_location: Some(label.at),
        };
        if let Some(previous) = &item.previous {
            self.facts.push(NewFact {
                role: FactRole::Superseded,
                amount: previous.amount,
                raw_amount: previous.raw,
                location: previous.at,
                ..fact
            });
        }
        self.facts.push(fact);
    }

    /// The statement, once every item is in; `extraction` holds the rest of what the source
    /// says (totals, claims, notes).
    pub fn finish(mut self, extraction: Extraction) -> Statement {
        let publication = self.publication;
        let spec = self.spec;
        resolve_by_siblings(&mut self.facts, &mut self.issues);
        let mut notes = extraction.notes;
        notes.extend(unused_aliases(publication, spec, &self.aliases_used));
        Statement {
            publication_id: publication.meta.id.clone(),
            publication_kind: publication.meta.kind,
            published_on: publication.meta.published_on,
            source_name: publication.source_name.clone(),
            spec: spec.clone(),
            primary: false,
            amends: None,
            restates: None,
            declared_total: extraction.declared_total,
            declared_before: extraction.declared_before,
            total_row: extraction.total_row,
            remainder: extraction.remainder,
            facts: self.facts,
            claims: extraction.claims,
            region_issues: self.issues,
            notes,
        }
    }
}

impl Items for Normaliser<'_> {
    fn item(&mut self, item: &ItemAt<'_>) -> Result<(), crate::error::Error> {
        self.push(item);
        Ok(())
    }

    fn restart(&mut self) {
        self.facts = Facts::new();
        self.issues.clear();
        self.issued.clear();
        self.aliases_used.clear();
    }
}

/// An alias of the description that no label of the source used: most likely a label
/// written differently ("ARS Océan Indien (1)"), which then stayed unmapped.
fn unused_aliases(
    publication: &Publication,
    spec: &EnvelopeSpec,
    used: &std::collections::BTreeSet<String>,
) -> Vec<Note> {
    let index = publication
        .envelopes
        .iter()
        .position(|e| e.id == spec.id)
        .unwrap_or_default();
    let description = publication.description_of(index);
    spec.region_aliases
        .keys()
        .filter(|alias| !used.contains(alias.trim()))
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

/// Normalises one publication's extraction of one envelope, its items included.
pub fn normalise(
    publication: &Publication,
    spec: &EnvelopeSpec,
    mut extraction: Extraction,
) -> Statement {
    let mut normaliser = Normaliser::new(publication, spec);
    for item in std::mem::take(&mut extraction.items) {
        normaliser.push(&item.at());
    }
    normaliser.finish(extraction)
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

/// A press page that restates, under an id of its own, an envelope that a more
/// authoritative publication states in full (same programme, exercise and breakdown, every
/// line it gives found there with an amount that admits the reference's): its figures are
/// a restatement of that envelope, checked against it line by line, and count nothing.
/// Otherwise the same euros would count twice under two ids.
pub fn mark_restatements(statements: &mut [Statement]) {
    let mut found: Vec<(usize, String, String, usize)> = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        if !s.primary
            || s.publication_kind != crate::model::PublicationKind::PressExtract
            || s.current().next().is_none()
        {
            continue;
        }
        let reference = statements.iter().find(|r| {
            r.primary
                && r.spec.id != s.spec.id
                && r.publication_kind.authority_rank() < s.publication_kind.authority_rank()
                && r.spec.programme == s.spec.programme
                && r.spec.exercise == s.spec.exercise
                && r.spec.breakdown == s.spec.breakdown
                && s.current().all(|f| {
                    let key = line_key(f);
                    key.is_some()
                        && r.current().any(|g| {
                            line_key(g) == key
                                && f.amount().admits(g.value(), g.amount().half_unit())
                        })
                })
        });
        if let Some(r) = reference {
            found.push((
                i,
                r.spec.id.clone(),
                r.publication_id.clone(),
                s.current().count(),
            ));
        }
    }
    for (i, envelope, publication, figures) in found {
        let s = &mut statements[i];
        s.primary = false;
        for index in 0..s.facts.len() {
            if s.facts.get(index).role() == FactRole::Component {
                s.facts.set_role(index, FactRole::Restatement);
            }
        }
        let location = s.facts.first().map(|f| f.location());
        if let Some(location) = location {
            s.notes.push(Note::new(
                Rule::EnvelopeRestatement,
                Detail::Restatement {
                    envelope: s.spec.id.clone(),
                    restated: envelope.clone(),
                    restated_publication: publication,
                    figures,
                },
                location,
            ));
        }
        s.restates = Some(envelope);
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
    if revisions.is_empty() {
        // Nothing amends the reference: its lines are not even keyed.
        return;
    }
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
        let resolved = resolve(&label(" ARS Océan Indien ").text, &spec);
        assert_eq!(resolved.code, Some(RegionCode::LaReunion));
        assert!(resolved.issue.is_none());
        // Without the alias the name is ambiguous (La Réunion or Mayotte): never guessed.
        let resolved = resolve(&label("Océan Indien").text, &spec);
        assert_eq!(resolved.code, None);
        assert!(matches!(resolved.issue, Some(Issue::Ambiguous { .. })));
        // A pre-2016 name maps to its successor, and says so.
        let resolved = resolve(&label("Limousin").text, &spec);
        assert_eq!(resolved.code, Some(RegionCode::NouvelleAquitaine));
        assert!(matches!(resolved.issue, Some(Issue::Legacy { .. })));
    }
}
