//! Stage 4: the rules. Each rule reads normalised statements and produces `Finding`s: data
//! (rule, severity, the arithmetic, every location, the facts of its sentence), put into
//! English and French sentences only by `render`.
//! The rules stay quiet where the sources hold together, and say by how much where they
//! do not.

mod agreement;
mod claims;
mod magnitude;
mod plausibility;
#[cfg(test)]
mod tests;
mod totals;

pub use crate::model::{Detail, RULES, Rule, RuleInfo, UnknownRule};

use crate::core::amount::SumExact;
use crate::core::region::RegionCode;
use crate::core::sha256_hex;
use crate::model::{FactRef, Location, Severity};
use crate::model::{RegionIssue, Statement};
use rust_decimal::Decimal;
use serde::Serialize;

/// One inconsistency, doubt or remark about the sources: data, put into sentences only by
/// `render` (`message`, `message_fr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub envelope_id: Option<String>,
    /// What the finding is about, stable across runs: "total", a region code, a
    /// beneficiary's name.
    pub subject: String,
    /// The facts its sentences state.
    pub detail: Detail,
    /// The arithmetic, for every rule that compares amounts: `difference` is
    /// `actual − expected`, `tolerance` the gap the check allowed.
    pub expected: Option<Decimal>,
    pub actual: Option<Decimal>,
    pub difference: Option<Decimal>,
    pub tolerance: Option<Decimal>,
    /// The first `MAX_LOCATIONS` places the finding is about.
    pub locations: Vec<Location>,
    /// How many more places it is about (the sum of a million rows names every row; the
    /// rows are in allocations.parquet).
    pub more_locations: usize,
    /// Stable id for acknowledgements: rule, envelope, subject and the publication that
    /// makes the statement, never amounts' positions or file names.
    pub fingerprint: String,
    pub acknowledged: Option<Acknowledgement>,
}

impl Finding {
    /// English one-liner (logs, `check`, findings.parquet's `message`).
    pub fn message(&self) -> String {
        crate::render::en(&self.detail)
    }

    /// French sentence with the arithmetic (the reports, findings.parquet's `message_fr`).
    pub fn message_fr(&self) -> String {
        crate::render::fr(&self.detail)
    }
}

/// report.json's shape of a finding: its sentences rendered, in both languages.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            rule: Rule,
            severity: Severity,
            envelope_id: &'a Option<String>,
            subject: &'a str,
            message: String,
            message_fr: String,
            #[serde(with = "rust_decimal::serde::str_option")]
            expected: Option<Decimal>,
            #[serde(with = "rust_decimal::serde::str_option")]
            actual: Option<Decimal>,
            #[serde(with = "rust_decimal::serde::str_option")]
            difference: Option<Decimal>,
            #[serde(with = "rust_decimal::serde::str_option")]
            tolerance: Option<Decimal>,
            locations: &'a [Location],
            #[serde(skip_serializing_if = "is_zero")]
            more_locations: usize,
            fingerprint: &'a str,
            acknowledged: &'a Option<Acknowledgement>,
        }
        Shown {
            rule: self.rule,
            severity: self.severity,
            envelope_id: &self.envelope_id,
            subject: &self.subject,
            message: self.message(),
            message_fr: self.message_fr(),
            expected: self.expected,
            actual: self.actual,
            difference: self.difference,
            tolerance: self.tolerance,
            locations: &self.locations,
            more_locations: self.more_locations,
            fingerprint: &self.fingerprint,
            acknowledged: &self.acknowledged,
        }
        .serialize(serializer)
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// How many places a finding lists (report.json, .md and .html alike); it counts the
/// others. A sum over a million rows is about every row: the rows are in
/// allocations.parquet.
pub const MAX_LOCATIONS: usize = 200;

/// Why a finding no longer fails the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    pub fingerprint: String,
    /// The rule id, for readers of the file; checked against the finding's (an id that
    /// names no rule matches no finding).
    #[serde(default)]
    pub rule: Option<String>,
    pub reason: String,
    pub by: String,
    pub on: toml::value::Date,
}

/// Outcome of one check, for the report's list of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Fail,
    Unevaluated,
}

/// One check run on one envelope statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub rule: Rule,
    pub envelope_id: String,
    pub publication_id: String,
    pub status: CheckStatus,
}

/// The reconciliation of one statement of one envelope: envelopes.parquet and the report's
/// tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub envelope_id: String,
    pub publication_id: String,
    pub primary: bool,
    /// Sum of the current components, sub-envelopes included at their declared totals.
    #[serde(with = "rust_decimal::serde::str")]
    pub computed_total: Decimal,
    pub components: u32,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub declared_total: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub difference: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub tolerance: Option<Decimal>,
    /// Sub-envelopes counted in this one that no line of its own stands for.
    pub children: Vec<ChildPart>,
    /// Lines of this statement that stand for a sub-envelope ("67 M€ destinés aux ARS" for
    /// the regional split): the sub-envelope's lines detail them, so they are not counted
    /// in the dataset's totals.
    pub detailed_by: Vec<ChildPart>,
    /// A remainder the source names but does not state, derived here.
    pub remainder: Option<DerivedRemainder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildPart {
    pub envelope_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedRemainder {
    pub label: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// How far the derived amount may be from the truth, given the rounded figures.
    #[serde(with = "rust_decimal::serde::str")]
    pub tolerance: Decimal,
    pub location: Location,
}

/// Everything validation found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Validation {
    pub findings: Vec<Finding>,
    pub checks: Vec<Check>,
    pub reconciliations: Vec<Reconciliation>,
}

impl Validation {
    /// Records a check run on a statement: `Some(passed)`, or `None` when it could not be
    /// evaluated (nothing to compare with).
    pub(crate) fn check(&mut self, rule: Rule, s: &Statement, passed: Option<bool>) {
        self.checks.push(Check {
            rule,
            envelope_id: s.spec.id.clone(),
            publication_id: s.publication_id.clone(),
            status: match passed {
                Some(true) => CheckStatus::Pass,
                Some(false) => CheckStatus::Fail,
                None => CheckStatus::Unevaluated,
            },
        });
    }

    pub fn count(&self, severity: Severity, acknowledged: bool) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && f.acknowledged.is_some() == acknowledged)
            .count()
    }
}

/// Builds findings with their fingerprints.
pub(crate) struct FindingBuilder {
    pub rule: Rule,
    pub envelope_id: Option<String>,
    pub subject: String,
    /// The publication whose statement the finding is about.
    pub publication_id: String,
    pub detail: Detail,
    pub expected: Option<Decimal>,
    pub actual: Option<Decimal>,
    pub tolerance: Option<Decimal>,
    pub locations: Vec<Location>,
    pub more_locations: usize,
}

impl FindingBuilder {
    pub fn new(
        rule: Rule,
        envelope_id: &str,
        publication_id: &str,
        subject: impl Into<String>,
        detail: Detail,
    ) -> Self {
        FindingBuilder {
            rule,
            envelope_id: Some(envelope_id.to_string()),
            subject: subject.into(),
            publication_id: publication_id.to_string(),
            detail,
            expected: None,
            actual: None,
            tolerance: None,
            locations: Vec::new(),
            more_locations: 0,
        }
    }
    pub fn arithmetic(
        mut self,
        expected: Decimal,
        actual: Decimal,
        tolerance: Option<Decimal>,
    ) -> Self {
        self.expected = Some(expected);
        self.actual = Some(actual);
        self.tolerance = tolerance;
        self
    }
    pub fn at(mut self, location: &Location) -> Self {
        if self.locations.contains(location) {
            return self;
        }
        if self.locations.len() < MAX_LOCATIONS {
            self.locations.push(location.clone());
        } else {
            self.more_locations += 1;
        }
        self
    }
    /// Where each fact's amount stands; beyond `MAX_LOCATIONS`, only counted (a location is
    /// built for the listed ones only).
    pub fn at_facts<'a>(mut self, facts: impl IntoIterator<Item = FactRef<'a>>) -> Self {
        for fact in facts {
            if self.locations.len() < MAX_LOCATIONS {
                self = self.at(&fact.location());
            } else {
                self.more_locations += 1;
            }
        }
        self
    }
    pub fn build(self) -> Finding {
        // The difference belongs to the fingerprint: an acknowledged gap of 2 000 € that
        // becomes 2 002 000 € is another finding, raised again.
        let difference = match (self.expected, self.actual) {
            (Some(e), Some(a)) => (a - e).normalize().to_string(),
            _ => String::new(),
        };
        let key = format!(
            "{}|{}|{}|{}|{}",
            self.rule.id(),
            self.envelope_id.as_deref().unwrap_or(""),
            self.subject,
            self.publication_id,
            difference
        );
        Finding {
            rule: self.rule,
            severity: self.rule.severity(),
            envelope_id: self.envelope_id,
            subject: self.subject,
            detail: self.detail,
            expected: self.expected,
            actual: self.actual,
            difference: match (self.expected, self.actual) {
                (Some(e), Some(a)) => Some(a - e),
                _ => None,
            },
            tolerance: self.tolerance,
            locations: self.locations,
            more_locations: self.more_locations,
            fingerprint: sha256_hex(key.as_bytes())[..16].to_string(),
            acknowledged: None,
        }
    }
}

/// Runs every rule over the statements.
pub fn validate(statements: &[Statement]) -> Validation {
    let mut v = Validation::default();
    for s in statements {
        region_findings(s, &mut v.findings);
        note_findings(s, &mut v.findings);
    }
    totals::check_all(statements, &mut v);
    agreement::check(statements, &mut v);
    claims::check(statements, &mut v);
    plausibility::check(statements, &mut v);
    duplicate_envelopes(statements, &mut v);
    unlinked_children(statements, &mut v);
    v.findings.sort_by(|a, b| {
        (
            b.severity,
            a.envelope_id.as_deref(),
            a.rule,
            &a.subject,
            &a.fingerprint,
        )
            .cmp(&(
                a.severity,
                b.envelope_id.as_deref(),
                b.rule,
                &b.subject,
                &b.fingerprint,
            ))
    });
    v.findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    v
}

/// Marks the findings a user has acknowledged, and reports the acknowledgements that match
/// nothing (stale ones) as findings of their own.
pub fn apply_acknowledgements(v: &mut Validation, acks: &[Acknowledgement]) {
    for ack in acks {
        let mut used = false;
        for f in v
            .findings
            .iter_mut()
            .filter(|f| f.fingerprint.eq_ignore_ascii_case(ack.fingerprint.trim()))
        {
            if ack
                .rule
                .as_deref()
                .is_none_or(|r| r.parse::<Rule>() == Ok(f.rule))
            {
                f.acknowledged = Some(ack.clone());
                used = true;
            }
        }
        // An acknowledgement that matches nothing any more is itself reported.
        if !used {
            let mut f = FindingBuilder::new(
                Rule::AcknowledgementUnused,
                "",
                "acknowledged",
                ack.fingerprint.clone(),
                Detail::AcknowledgementUnused {
                    fingerprint: ack.fingerprint.clone(),
                    reason: ack.reason.clone(),
                },
            )
            .build();
            f.envelope_id = None;
            v.findings.push(f);
        }
    }
}

/// Two envelope ids with the same exercise, breakdown and figures are most likely one
/// envelope whose id was mistyped in a description: its euros would count twice.
fn duplicate_envelopes(statements: &[Statement], v: &mut Validation) {
    let figures = |s: &Statement| {
        let mut amounts: Vec<Decimal> = s.current().map(|f| f.value()).collect();
        amounts.sort();
        amounts
    };
    // Envelopes are told apart by how many figures they have and their sum first: the
    // figures of a million-line list are sorted only if another list matches it so far.
    let references: Vec<(&Statement, usize, Decimal)> = statements
        .iter()
        .filter(|s| s.primary && s.current().next().is_some())
        .map(|s| {
            (
                s,
                s.current().count(),
                s.current().map(|f| f.value()).sum_exact(),
            )
        })
        .collect();
    for (k, &(a, count_a, sum_a)) in references.iter().enumerate() {
        for &(b, count_b, sum_b) in &references[k + 1..] {
            let alike = a.spec.exercise == b.spec.exercise
                && a.spec.breakdown == b.spec.breakdown
                && count_a == count_b
                && sum_a == sum_b;
            if !alike {
                continue;
            }
            let fa = figures(a);
            if fa != figures(b) {
                continue;
            }
            let total: Decimal = fa.iter().sum();
            let mut f = FindingBuilder::new(
                Rule::EnvelopePossibleDuplicate,
                &b.spec.id,
                &b.publication_id,
                a.spec.id.clone(),
                Detail::PossibleDuplicate {
                    first: a.spec.id.clone(),
                    first_publication: a.publication_id.clone(),
                    second: b.spec.id.clone(),
                    second_publication: b.publication_id.clone(),
                    figures: fa.len(),
                    total,
                },
            );
            if let (Some(x), Some(y)) = (a.current().next(), b.current().next()) {
                f = f.at(&x.location()).at(&y.location());
            }
            v.findings.push(f.build());
        }
    }
}

/// An envelope whose total is exactly a line of a budget of the same exercise, with no
/// `parent` linking them: its euros would count twice (the line and its own lines).
fn unlinked_children(statements: &[Statement], v: &mut Validation) {
    let linked: std::collections::BTreeSet<&str> = statements
        .iter()
        .filter(|s| s.spec.parent.is_some())
        .map(|s| s.spec.id.as_str())
        .collect();
    let floor = Decimal::from(100_000);
    for child in statements
        .iter()
        .filter(|s| s.primary && !linked.contains(s.spec.id.as_str()))
    {
        let Some(total) = child.declared().map(|d| d.amount.value).or_else(|| {
            child
                .current()
                .next()
                .map(|_| child.current().map(|f| f.value()).sum_exact())
        }) else {
            continue;
        };
        if total < floor {
            continue;
        }
        for budget in statements.iter().filter(|b| {
            b.primary
                && b.spec.id != child.spec.id
                && b.spec.breakdown == crate::model::Breakdown::BudgetLine
                && b.spec.exercise == child.spec.exercise
                && b.spec.parent.as_deref() != Some(child.spec.id.as_str())
        }) {
            let Some(line) = budget
                .current()
                .find(|f| f.value() == total && f.amount().kind() == "exact")
            else {
                continue;
            };
            v.findings.push(
                FindingBuilder::new(
                    Rule::NestedParentMissing,
                    &child.spec.id,
                    &child.publication_id,
                    budget.spec.id.clone(),
                    Detail::ParentMissing {
                        envelope: child.spec.id.clone(),
                        total,
                        line_label: line.raw_label().to_string(),
                        budget: budget.spec.id.clone(),
                    },
                )
                .at(&line.location())
                .build(),
            );
        }
    }
}

fn region_findings(s: &Statement, out: &mut Vec<Finding>) {
    for issue in &s.region_issues {
        let (rule, label, detail) = match issue {
            RegionIssue::Unknown { label, suggestions } => (
                Rule::RegionUnknown,
                label,
                Detail::RegionUnknown {
                    label: label.text.clone(),
                    suggestions: suggestions.clone(),
                },
            ),
            RegionIssue::Ambiguous {
                label,
                candidates,
                reason,
            } => (
                Rule::RegionAmbiguous,
                label,
                Detail::RegionAmbiguous {
                    label: label.text.clone(),
                    candidates: candidates.clone(),
                    reason: reason.clone(),
                },
            ),
            RegionIssue::Legacy {
                label,
                region,
                warning,
            } => (
                Rule::RegionLegacy,
                label,
                Detail::RegionLegacy {
                    label: label.text.clone(),
                    region: *region,
                    warning: warning.clone(),
                },
            ),
            RegionIssue::Territory { label, territory } => (
                Rule::RegionTerritory,
                label,
                Detail::RegionTerritory {
                    label: label.text.clone(),
                    territory: *territory,
                },
            ),
            RegionIssue::InferredFromName { label, region } => (
                Rule::RegionInferred,
                label,
                Detail::RegionInferred {
                    label: label.text.clone(),
                    region: *region,
                },
            ),
            RegionIssue::Missing { label } => (
                Rule::RegionMissing,
                label,
                Detail::RegionMissing {
                    label: label.text.clone(),
                },
            ),
        };
        out.push(
            FindingBuilder::new(
                rule,
                &s.spec.id,
                &s.publication_id,
                label.text.clone(),
                detail,
            )
            .at(&label.location)
            .build(),
        );
    }
}

/// Notes of one rule in one envelope beyond which they are one finding (`Detail::Repeated`):
/// a column of a hundred thousand failed check digits is one thing to fix, not a hundred
/// thousand findings.
pub const MAX_NOTES_PER_RULE: usize = 100;

fn note_findings(s: &Statement, out: &mut Vec<Finding>) {
    let mut per_rule: std::collections::BTreeMap<Rule, usize> = std::collections::BTreeMap::new();
    for note in &s.notes {
        *per_rule.entry(note.rule).or_default() += 1;
    }
    let mut grouped: std::collections::BTreeSet<Rule> = std::collections::BTreeSet::new();
    for note in &s.notes {
        let times = per_rule.get(&note.rule).copied().unwrap_or(1);
        if times > MAX_NOTES_PER_RULE {
            // The group stands where its first note does, once.
            if grouped.insert(note.rule) {
                let mut f = FindingBuilder::new(
                    note.rule,
                    &s.spec.id,
                    &s.publication_id,
                    "repeated",
                    Detail::Repeated {
                        first: Box::new(note.detail.clone()),
                        times,
                    },
                );
                for other in s.notes.iter().filter(|n| n.rule == note.rule) {
                    if f.locations.len() < MAX_LOCATIONS {
                        f = f.at(&other.location);
                    } else {
                        f.more_locations += 1;
                    }
                }
                out.push(f.build());
            }
            continue;
        }
        let mut f = FindingBuilder::new(
            note.rule,
            &s.spec.id,
            &s.publication_id,
            note.location.to_string(),
            note.detail.clone(),
        )
        .at(&note.location)
        .build();
        // A note's arithmetic is set after its fingerprint: a note is keyed by where it
        // stands, and notes had no arithmetic when the acknowledgements in use were
        // written, so their fingerprints must not move.
        f.expected = note.expected;
        f.actual = note.actual;
        f.difference = note.difference();
        f.tolerance = note.tolerance;
        out.push(f);
    }
}

/// Sum of the current facts of a statement by region.
pub(crate) fn by_region(s: &Statement) -> std::collections::BTreeMap<RegionCode, Decimal> {
    let mut m: std::collections::BTreeMap<RegionCode, crate::core::amount::ExactSum> =
        std::collections::BTreeMap::new();
    for f in s.current() {
        if let Some(r) = f.region() {
            m.entry(r).or_default().add(f.value());
        }
    }
    m.into_iter().map(|(r, sum)| (r, sum.value())).collect()
}
