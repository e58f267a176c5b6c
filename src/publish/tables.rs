//! Stage 5a: the published tables, assembled from the normalised statements and the
//! validation. Rows are sorted by stable keys so that identical inputs give identical bytes.

use crate::core::amount::ExactSum;
use crate::core::region::RegionCode;
use crate::model::Publication;
use crate::model::Statement;
use crate::model::{ClaimKind, FactRef, FactRole, Location};
use crate::publish::dataset::{
    AllocationRow, Dataset, EnvelopeRow, FindingRow, PublicationRow, RegionRow,
};
use crate::publish::diff::{AmountKey, KeyRef, key_label};
use crate::validate::Reconciliation;
use crate::validate::Validation;
use rust_decimal::Decimal;

/// Published money is DECIMAL(18,2): tolerances and differences derived from rounded
/// figures are shown to the cent (a half-unit of 0,005 € is 0,01 €).
fn cents(d: rust_decimal::Decimal) -> rust_decimal::Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// "35-52": 1-based inclusive characters, as editors show columns.
fn span_text(location: &Location) -> Option<String> {
    location.span().map(|(s, e)| format!("{}-{}", s + 1, e))
}

fn printed_page(location: &Location) -> Option<String> {
    location.printed_page().map(str::to_string)
}

fn role_name(role: FactRole) -> &'static str {
    match role {
        FactRole::Component => "component",
        FactRole::Superseded => "superseded",
        FactRole::Remainder => "remainder",
        FactRole::Restatement => "restatement",
        FactRole::Amended => "amended",
    }
}

/// One row of allocations.parquet as its statement holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Fact(u32),
    /// A figure quoted in prose: kept with its line, never counted.
    Claim(u32),
    /// A remainder derived by validation.
    Remainder,
}

/// The rows of allocations.parquet in their published order, read from the statements
/// when they are written: a million facts are never copied into a million rows.
///
/// Rows are sorted by envelope, publication, file and position (line or cell, with cells
/// and spans by their numbers: "97-105" before "150-177", "B9" before "B10"), a figure
/// before the one replacing it. The facts of a spreadsheet come in that order already and
/// need no sorting.
pub struct Allocations<'a> {
    statements: &'a [Statement],
    /// Each statement's reconciliation, by statement.
    reconciliations: Vec<Option<&'a Reconciliation>>,
    /// Statements in published order, each with its rows in order (`None`: its facts in
    /// their own order, and nothing else).
    order: Vec<(usize, Option<Vec<Entry>>)>,
}

/// Where a row stands: a line and span, or a cell (its row, then its column letters, as
/// bytes padded with zeros so that they compare as the letters do: "AA" before "B").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Position<'a> {
    file: std::borrow::Cow<'a, str>,
    /// A PDF's lines are numbered on their page: the page sorts first.
    page: Option<u32>,
    line: Option<u32>,
    row: u64,
    column: [u8; 8],
    span: u64,
    superseded: bool,
}

/// The key of column `col` (0 is "A"), without spelling it in a string.
fn column_key_of(col: u32) -> [u8; 8] {
    let mut reversed = [0u8; 8];
    let mut len = 0;
    let mut n = u64::from(col) + 1;
    while n > 0 && len < reversed.len() {
        reversed[len] = b'A' + u8::try_from((n - 1) % 26).unwrap_or(0);
        len += 1;
        n = (n - 1) / 26;
    }
    let mut key = [0u8; 8];
    for k in 0..len {
        key[k] = reversed[len - 1 - k];
    }
    key
}

fn column_key(letters: &str) -> [u8; 8] {
    let mut key = [0u8; 8];
    for (k, b) in key.iter_mut().zip(letters.bytes()) {
        *k = b;
    }
    key
}

impl<'a> Allocations<'a> {
    pub fn new(statements: &'a [Statement], validation: &'a Validation) -> Self {
        let reconciliations = statements
            .iter()
            .map(|s| {
                validation
                    .reconciliations
                    .iter()
                    .find(|r| r.envelope_id == s.spec.id && r.publication_id == s.publication_id)
            })
            .collect();
        let mut by_key: Vec<usize> = (0..statements.len()).collect();
        by_key.sort_by(|&a, &b| {
            let (a, b) = (&statements[a], &statements[b]);
            (&a.spec.id, &a.publication_id).cmp(&(&b.spec.id, &b.publication_id))
        });
        let mut allocations = Allocations {
            statements,
            reconciliations,
            order: Vec::new(),
        };
        allocations.order = by_key
            .into_iter()
            .map(|i| (i, allocations.entries_in_order(i)))
            .collect();
        allocations
    }

    /// A statement's rows in published order, `None` when its facts alone are, as they are.
    fn entries_in_order(&self, i: usize) -> Option<Vec<Entry>> {
        let s = &self.statements[i];
        let claims = s
            .claims
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.kind, ClaimKind::Money { .. }))
            .map(|(k, _)| Entry::Claim(u32::try_from(k).unwrap_or(u32::MAX)));
        let remainder = self.remainder(i).map(|_| Entry::Remainder);
        let mut extra: Vec<Entry> = claims.chain(remainder).collect();
        let facts_sorted = s
            .facts
            .iter()
            .map(|f| self.position(i, Entry::Fact(index(f.index()))))
            .is_sorted();
        if extra.is_empty() && facts_sorted {
            return None;
        }
        let mut entries: Vec<Entry> = (0..s.facts.len()).map(|k| Entry::Fact(index(k))).collect();
        entries.append(&mut extra);
        // Stable: equal positions keep facts, then claims, then the remainder.
        entries.sort_by_cached_key(|&e| self.position(i, e));
        Some(entries)
    }

    fn remainder(&self, i: usize) -> Option<&'a crate::validate::DerivedRemainder> {
        self.reconciliations[i].and_then(|r| r.remainder.as_ref())
    }

    fn position(&self, i: usize, entry: Entry) -> Position<'a> {
        let s = &self.statements[i];
        let of_location = |location: &Location, superseded: bool| -> Position<'a> {
            let (row, column) = match location.cell() {
                Some(cell) => cell_position(cell),
                None => (0, String::new()),
            };
            Position {
                file: if location.file() == s.source_name {
                    std::borrow::Cow::Borrowed(s.source_name.as_str())
                } else {
                    std::borrow::Cow::Owned(location.file().to_string())
                },
                page: location.page(),
                line: location.line(),
                row,
                column: column_key(&column),
                span: location.span().map_or(0, |(start, _)| u64::from(start) + 1),
                superseded,
            }
        };
        match entry {
            Entry::Fact(k) => {
                let f = s.facts.get(k as usize);
                let superseded = matches!(f.role(), FactRole::Superseded | FactRole::Amended);
                match f.cell() {
                    Some((file, _, row, col)) => Position {
                        file: std::borrow::Cow::Borrowed(file),
                        page: None,
                        line: None,
                        row: u64::from(row) + 1,
                        column: column_key_of(col),
                        span: 0,
                        superseded,
                    },
                    None => of_location(&f.location(), superseded),
                }
            }
            Entry::Claim(k) => match &s.claims[k as usize].kind {
                ClaimKind::Money { amount } => of_location(&amount.location, false),
                ClaimKind::Count { .. } => {
                    of_location(&s.claims[k as usize].context.location, false)
                }
            },
            Entry::Remainder => match self.remainder(i) {
                Some(rem) => of_location(&rem.location, false),
                None => of_location(
                    &Location::Line {
                        file: String::new(),
                        line: 0,
                        span: (0, 0),
                    },
                    false,
                ),
            },
        }
    }

    /// How many rows the table has.
    pub fn len(&self) -> usize {
        self.statements
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.facts.len()
                    + s.claims
                        .iter()
                        .filter(|c| matches!(c.kind, ClaimKind::Money { .. }))
                        .count()
                    + usize::from(self.remainder(i).is_some())
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every row, in published order: (statement, entry).
    pub fn entries(&self) -> impl Iterator<Item = (usize, Entry)> + '_ {
        self.order.iter().flat_map(|(i, entries)| {
            let i = *i;
            let facts = self.statements[i].facts.len();
            let listed: Box<dyn Iterator<Item = Entry> + '_> = match entries {
                Some(entries) => Box::new(entries.iter().copied()),
                None => Box::new((0..facts).map(|k| Entry::Fact(index(k)))),
            };
            listed.map(move |e| (i, e))
        })
    }

    /// One statement's rows when they are listed; `None` when its facts alone are, as
    /// they are. A statement without rows has an empty list.
    fn listed(&self, statement: usize) -> Option<&[Entry]> {
        match self.order.iter().find(|(i, _)| *i == statement) {
            Some((_, entries)) => entries.as_deref(),
            None => Some(&[]),
        }
    }

    /// How many rows one statement has (`entries_of`'s length).
    pub fn len_of(&self, statement: usize) -> usize {
        match self.listed(statement) {
            Some(entries) => entries.len(),
            None => self.statements[statement].facts.len(),
        }
    }

    /// The rows of one statement, in published order.
    pub fn entries_of(&self, statement: usize) -> Box<dyn Iterator<Item = Entry> + '_> {
        match self.listed(statement) {
            Some(entries) => Box::new(entries.iter().copied()),
            None => {
                Box::new((0..self.statements[statement].facts.len()).map(|k| Entry::Fact(index(k))))
            }
        }
    }

    /// Whether a fact stands for a sub-envelope whose own lines are counted instead.
    fn detailed(&self, i: usize, f: FactRef<'_>) -> bool {
        self.reconciliations[i].is_some_and(|r| r.detailed_by.iter().any(|d| f.is_at(&d.location)))
    }

    /// Whether a row counts in the dataset's totals, and its amount.
    pub fn counted(&self, i: usize, entry: Entry) -> Option<Decimal> {
        let s = &self.statements[i];
        match entry {
            Entry::Fact(k) => {
                let f = s.facts.get(k as usize);
                (matches!(f.role(), FactRole::Component | FactRole::Remainder)
                    && !self.detailed(i, f))
                .then(|| f.value())
            }
            Entry::Claim(_) => None,
            Entry::Remainder => self
                .remainder(i)
                .filter(|_| s.primary)
                .map(|rem| rem.amount),
        }
    }

    /// The number of counted rows and their sum.
    pub fn counted_total(&self) -> (usize, Decimal) {
        let mut count = 0;
        let mut sum = ExactSum::default();
        for (i, s) in self.statements.iter().enumerate() {
            let entries = (0..s.facts.len())
                .map(|k| Entry::Fact(index(k)))
                .chain(self.remainder(i).map(|_| Entry::Remainder));
            for entry in entries {
                if let Some(amount) = self.counted(i, entry) {
                    count += 1;
                    sum.add(amount);
                }
            }
        }
        (count, sum.value())
    }

    /// The counted euros of each key (its digest, `KeyRef::digest`), with where its first
    /// row stands (`origin`, which `key_at` spells again); a key may come once per
    /// statement.
    pub fn for_each_counted(&self, mut visit: impl FnMut(u128, Decimal, u64)) {
        type Ids = (
            Option<RegionCode>,
            Option<crate::core::intern::TextId>,
            Option<crate::core::intern::TextId>,
        );
        for (i, s) in self.statements.iter().enumerate() {
            // Summed by the ids of their texts first, a key digested once: a million rows
            // name a few hundred thousand keys.
            let mut sums: std::collections::HashMap<
                Ids,
                (Decimal, usize),
                crate::core::intern::BuildFx,
            > = std::collections::HashMap::default();
            for f in &s.facts {
                if let Some(amount) = self.counted(i, Entry::Fact(index(f.index()))) {
                    let (region, beneficiary) = (f.region(), f.beneficiary_id());
                    let label = key_label(&region, &beneficiary, || f.label_id());
                    sums.entry((region, beneficiary, label))
                        .and_modify(|(sum, _)| *sum += amount)
                        .or_insert((amount, f.index()));
                }
            }
            for (sum, first) in sums.into_values() {
                visit(
                    fact_key(s, s.facts.get(first)).digest(),
                    sum,
                    origin(i, first),
                );
            }
            if let Some(amount) = self.counted(i, Entry::Remainder)
                && let Some(rem) = self.remainder(i)
            {
                visit(remainder_key(s, rem).digest(), amount, origin(i, REMAINDER));
            }
        }
    }

    /// The key of the row `for_each_counted` gave `origin`.
    pub fn key_at(&self, origin: u64) -> Option<AmountKey> {
        let i = usize::try_from(origin >> 32).ok()?;
        let k = usize::try_from(origin & u64::from(u32::MAX)).ok()?;
        let s = self.statements.get(i)?;
        if k == REMAINDER {
            return self.remainder(i).map(|rem| remainder_key(s, rem).to_key());
        }
        (k < s.facts.len()).then(|| fact_key(s, s.facts.get(k)).to_key())
    }

    /// The counted euros of each region, by exercise (a row's own, else its envelope's).
    pub fn counted_by_region(
        &self,
    ) -> std::collections::BTreeMap<i32, std::collections::BTreeMap<String, Decimal>> {
        let mut by_year: std::collections::BTreeMap<
            i32,
            std::collections::BTreeMap<RegionCode, ExactSum>,
        > = std::collections::BTreeMap::new();
        for (i, s) in self.statements.iter().enumerate() {
            for f in &s.facts {
                if let Some(region) = f.region()
                    && let Some(amount) = self.counted(i, Entry::Fact(index(f.index())))
                {
                    by_year
                        .entry(f.exercise().unwrap_or(s.spec.exercise))
                        .or_default()
                        .entry(region)
                        .or_default()
                        .add(amount);
                }
            }
        }
        by_year
            .into_iter()
            .map(|(year, regions)| {
                let regions = regions
                    .into_iter()
                    .map(|(r, amount)| (r.code().to_string(), amount.value()))
                    .collect();
                (year, regions)
            })
            .collect()
    }

    /// One row as the table publishes it.
    pub fn row(&self, i: usize, entry: Entry) -> AllocationRow {
        let s = &self.statements[i];
        let meta = &s.spec;
        let base = AllocationRow {
            publication_id: s.publication_id.clone(),
            envelope_id: meta.id.clone(),
            programme: meta.programme.clone(),
            exercise: meta.exercise,
            phase: meta.phase.clone(),
            channel: meta.channel.clone(),
            region_code: None,
            region_name: None,
            beneficiary: None,
            amount_eur: Decimal::ZERO,
            amount_kind: String::new(),
            superseded: false,
            raw_label: String::new(),
            raw_amount: String::new(),
            source_file: String::new(),
            source_line: None,
            source_span: None,
            role: String::new(),
            counted: false,
            identifier: None,
            source_sheet: None,
            source_cell: None,
            label_line: None,
            label_span: None,
            source_page: None,
            source_printed_page: None,
            territory_code: None,
        };
        match entry {
            Entry::Fact(k) => {
                let f = s.facts.get(k as usize);
                let detailed = self.detailed(i, f);
                let location = f.location();
                let label_location = f.label_location();
                AllocationRow {
                    // A table that gives each row its year ("Exercice") publishes each row
                    // in it.
                    exercise: f.exercise().unwrap_or(meta.exercise),
                    region_code: f.region().map(|r| r.code().to_string()),
                    territory_code: f.territory().map(|t| t.code().to_string()),
                    region_name: f.region().map(|r| r.name().to_string()),
                    beneficiary: f.beneficiary().map(str::to_string),
                    amount_eur: f.value(),
                    amount_kind: f.amount().kind().to_string(),
                    superseded: matches!(f.role(), FactRole::Superseded | FactRole::Amended),
                    raw_label: f.raw_label().to_string(),
                    raw_amount: f.raw_amount().into_owned(),
                    source_file: location.file().to_string(),
                    source_line: location.line(),
                    source_span: span_text(&location),
                    role: role_of(f.role(), detailed).to_string(),
                    counted: self.counted(i, entry).is_some(),
                    identifier: f.identifier().map(|i| i.into_owned()),
                    source_sheet: location.sheet().map(str::to_string),
                    source_cell: location.cell().map(str::to_string),
                    label_line: label_location.as_ref().and_then(Location::line),
                    label_span: label_location.as_ref().and_then(span_text),
                    source_page: location.page(),
                    source_printed_page: printed_page(&location),
                    ..base
                }
            }
            Entry::Claim(k) => {
                let c = &s.claims[k as usize];
                let ClaimKind::Money { amount } = &c.kind else {
                    return base;
                };
                let region = s.claim_region(c);
                AllocationRow {
                    region_code: region.map(|r| r.code().to_string()),
                    region_name: region.map(|r| r.name().to_string()),
                    amount_eur: amount.amount.value,
                    amount_kind: amount.amount.kind().to_string(),
                    raw_label: c.context.text.trim().to_string(),
                    raw_amount: amount.raw.clone(),
                    source_file: amount.location.file().to_string(),
                    source_line: amount.location.line(),
                    source_span: span_text(&amount.location),
                    role: role_name(FactRole::Restatement).to_string(),
                    label_line: c.context.location.line(),
                    label_span: span_text(&c.context.location),
                    source_page: amount.location.page(),
                    source_printed_page: printed_page(&amount.location),
                    ..base
                }
            }
            Entry::Remainder => {
                let Some(rem) = self.remainder(i) else {
                    return base;
                };
                AllocationRow {
                    amount_eur: rem.amount,
                    amount_kind: "derived".to_string(),
                    raw_label: rem.label.clone(),
                    raw_amount: String::new(),
                    source_file: rem.location.file().to_string(),
                    source_line: rem.location.line(),
                    source_span: span_text(&rem.location),
                    role: role_name(FactRole::Remainder).to_string(),
                    counted: s.primary,
                    source_page: rem.location.page(),
                    source_printed_page: printed_page(&rem.location),
                    ..base
                }
            }
        }
    }

    pub fn statement(&self, i: usize) -> &'a Statement {
        &self.statements[i]
    }

    pub fn is_detailed(&self, i: usize, f: FactRef<'_>) -> bool {
        self.detailed(i, f)
    }
}

/// The `k` of a statement's remainder in an origin (no statement has that many facts).
const REMAINDER: usize = u32::MAX as usize;

fn origin(statement: usize, k: usize) -> u64 {
    ((statement as u64) << 32) | (k as u64 & u64::from(u32::MAX))
}

fn fact_key<'a>(s: &'a Statement, f: FactRef<'a>) -> KeyRef<'a> {
    KeyRef {
        envelope_id: &s.spec.id,
        region_code: f.region().map(RegionCode::code),
        beneficiary: f.beneficiary(),
        label: f.raw_label(),
    }
}

fn remainder_key<'a>(s: &'a Statement, rem: &'a crate::validate::DerivedRemainder) -> KeyRef<'a> {
    KeyRef {
        envelope_id: &s.spec.id,
        region_code: None,
        beneficiary: None,
        label: &rem.label,
    }
}

fn index(k: usize) -> u32 {
    // A statement holds fewer than 2^32 facts: a sheet has at most 2^20 rows.
    u32::try_from(k).unwrap_or(u32::MAX)
}

/// "B10" → (10, "B").
fn cell_position(cell: &str) -> (u64, String) {
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let number = cell[letters.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>();
    (number.parse().unwrap_or(0), letters)
}

/// A fact's role as published: a line detailed by a sub-envelope says so.
pub fn role_of(role: FactRole, detailed: bool) -> &'static str {
    if detailed {
        "detailed"
    } else {
        role_name(role)
    }
}

pub fn build(
    publications: &[Publication],
    statements: &[Statement],
    validation: &Validation,
) -> Dataset {
    let allocations = Allocations::new(statements, validation);
    let mut dataset = build_without_allocations(publications, statements, validation);
    dataset.allocations = allocations
        .entries()
        .map(|(i, e)| allocations.row(i, e))
        .collect();
    dataset
}

/// The tables but allocations, which `Allocations` writes row group by row group.
pub fn build_without_allocations(
    publications: &[Publication],
    statements: &[Statement],
    validation: &Validation,
) -> Dataset {
    let mut envelopes = Vec::new();
    for s in statements {
        let meta = &s.spec;
        let rec = validation
            .reconciliations
            .iter()
            .find(|r| r.envelope_id == meta.id && r.publication_id == s.publication_id);
        let declared = s.declared();
        let location = declared
            .map(|d| d.location.clone())
            .or_else(|| s.facts.first().map(|f| f.location()));
        envelopes.push(EnvelopeRow {
            envelope_id: meta.id.clone(),
            publication_id: s.publication_id.clone(),
            exercise: meta.exercise,
            phase: meta.phase.clone(),
            channel: meta.channel.clone(),
            breakdown: meta.breakdown.as_str().to_string(),
            declared_total_eur: declared.map(|d| d.amount.value),
            declared_as: declared.map(|d| d.raw.clone()),
            computed_total_eur: rec
                .map_or(rust_decimal::Decimal::ZERO, |r| cents(r.computed_total)),
            components: rec.map_or(0, |r| r.components),
            difference_eur: rec.and_then(|r| r.difference).map(cents),
            programme: meta.programme.clone(),
            parent_envelope_id: meta.parent.clone(),
            role: if s.primary {
                "primary"
            } else if s.amends.is_some() {
                "revision"
            } else {
                "restatement"
            }
            .to_string(),
            declared_kind: declared.map(|d| d.amount.kind().to_string()),
            tolerance_eur: rec.and_then(|r| r.tolerance).map(cents),
            source_file: location
                .as_ref()
                .map_or_else(|| s.source_name.clone(), |l| l.file().to_string()),
            source_line: location.as_ref().and_then(Location::line),
            source_sheet: location
                .as_ref()
                .and_then(|l| l.sheet().map(str::to_string)),
            source_cell: location.as_ref().and_then(|l| l.cell().map(str::to_string)),
            source_page: location.as_ref().and_then(Location::page),
            source_printed_page: location.as_ref().and_then(printed_page),
        });
    }
    envelopes.sort_by(|a, b| {
        (&a.envelope_id, &a.role, &a.publication_id).cmp(&(
            &b.envelope_id,
            &b.role,
            &b.publication_id,
        ))
    });

    let findings = validation
        .findings
        .iter()
        .map(|f| {
            let first = f.locations.first();
            FindingRow {
                rule: f.rule.id().to_string(),
                severity: f.severity.as_str().to_string(),
                envelope_id: f.envelope_id.clone(),
                message: f.message(),
                expected_eur: f.expected.map(cents),
                actual_eur: f.actual.map(cents),
                difference_eur: f.difference.map(cents),
                source_file: first.map(|l| l.file().to_string()),
                source_line: first.and_then(Location::line),
                fingerprint: f.fingerprint.clone(),
                acknowledged: f.acknowledged.is_some(),
                tolerance_eur: f.tolerance.map(cents),
                subject: f.subject.clone(),
                source_sheet: first.and_then(|l| l.sheet().map(str::to_string)),
                source_cell: first.and_then(|l| l.cell().map(str::to_string)),
                message_fr: f.message_fr(),
                source_page: first.and_then(Location::page),
                source_printed_page: first.and_then(printed_page),
            }
        })
        .collect();

    let mut publications: Vec<PublicationRow> = publications
        .iter()
        .map(|p| PublicationRow {
            publication_id: p.meta.id.clone(),
            title: p.meta.title.clone(),
            issuer: p.meta.issuer.clone(),
            kind: p.meta.kind.as_str().to_string(),
            published_on: p.meta.published_on,
            source_file: p.source_name.clone(),
            source_sha256: p.source_sha256.clone(),
            reference: p.meta.reference.clone(),
            url: p.meta.url.clone(),
        })
        .collect();
    publications.sort_by(|a, b| a.publication_id.cmp(&b.publication_id));

    let regions = RegionCode::ALL
        .iter()
        .map(|r| RegionRow {
            region_code: r.code().to_string(),
            region_name: r.name().to_string(),
        })
        .collect();

    Dataset {
        allocations: Vec::new(),
        envelopes,
        findings,
        publications,
        regions,
    }
}
