//! The types passed between stages. They are the documentation of the pipeline:
//! a `Publication` described by its TOML declares `EnvelopeSpec`s; extraction turns
//! each source into `RawItem`s; normalisation turns those into `Fact`s (a figure with
//! its provenance); validation turns facts into `Finding`s.

pub mod cell;
pub mod description;
pub mod detail;
pub mod facts;
pub mod rule;
pub mod source_view;
pub mod statement;

pub use description::{
    Breakdown, Columns, Coverage, DeclaredTotal, Description, DescriptionRef, EnvelopeSpec,
    ItemLayout, KeyLines, Publication, PublicationKind, PublicationMeta, SourceFormat, Unit,
    WrittenAmount,
};
pub use detail::Detail;
pub use facts::{FactRef, Facts, NewFact, Place};
pub use rule::{RULES, Rule, RuleInfo, UnknownRule};
pub use statement::{RegionIssue, Statement};

use crate::core::amount::Amount;
use crate::core::region::RegionCode;
use rust_decimal::Decimal;
use serde::Serialize;

/// Where a figure or a label stands in its source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A text extract: 1-based line, and the character span (0-based, end exclusive,
    /// counted in Unicode scalar values) within that line.
    Line {
        file: String,
        line: u32,
        span: (u32, u32),
    },
    /// A spreadsheet cell, in A1 notation.
    Cell {
        file: String,
        sheet: String,
        cell: String,
    },
    /// A line of a PDF's text layer: the 1-based PDF page (as a viewer numbers it), the
    /// 1-based line on that page (running heads and footers counted, so the number is the
    /// one a reader counts down the page), the character span as for `Line`, and the page
    /// number printed on the page by the publication's own pagination (the BO's "Page 45"),
    /// when its running head or footer gives one.
    Page {
        file: String,
        page: u32,
        line: u32,
        span: (u32, u32),
        printed_page: Option<String>,
    },
}

impl Location {
    pub fn file(&self) -> &str {
        match self {
            Location::Line { file, .. }
            | Location::Cell { file, .. }
            | Location::Page { file, .. } => file,
        }
    }
    /// Line number for text sources (on its page, for PDFs), `None` for cells.
    pub fn line(&self) -> Option<u32> {
        match self {
            Location::Line { line, .. } | Location::Page { line, .. } => Some(*line),
            Location::Cell { .. } => None,
        }
    }
    pub fn span(&self) -> Option<(u32, u32)> {
        match self {
            Location::Line { span, .. } | Location::Page { span, .. } => Some(*span),
            Location::Cell { .. } => None,
        }
    }
    /// The span, to narrow it (a label whose region prefix is read apart).
    pub fn span_mut(&mut self) -> Option<&mut (u32, u32)> {
        match self {
            Location::Line { span, .. } | Location::Page { span, .. } => Some(span),
            Location::Cell { .. } => None,
        }
    }
    pub fn sheet(&self) -> Option<&str> {
        match self {
            Location::Cell { sheet, .. } => Some(sheet),
            Location::Line { .. } | Location::Page { .. } => None,
        }
    }
    pub fn cell(&self) -> Option<&str> {
        match self {
            Location::Cell { cell, .. } => Some(cell),
            Location::Line { .. } | Location::Page { .. } => None,
        }
    }
    /// The 1-based PDF page, for PDF sources.
    pub fn page(&self) -> Option<u32> {
        match self {
            Location::Page { page, .. } => Some(*page),
            Location::Line { .. } | Location::Cell { .. } => None,
        }
    }
    /// The page number printed on the PDF page, when its running head or footer gives one.
    pub fn printed_page(&self) -> Option<&str> {
        match self {
            Location::Page { printed_page, .. } => printed_page.as_deref(),
            Location::Line { .. } | Location::Cell { .. } => None,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // A line with no span is a whole line (a key of a description).
            Location::Line { file, line, span } if span.1 == 0 => write!(f, "{file}:{line}"),
            Location::Line { file, line, span } => {
                write!(f, "{file}:{line}:{}-{}", span.0 + 1, span.1)
            }
            Location::Cell { file, sheet, cell } => write!(f, "{file}[{sheet}!{cell}]"),
            // "bo.pdf p.2:9:77-85 [page 46]": the PDF page and the line on it as for a text,
            // then the page number the publication prints, which is the one it is cited by.
            Location::Page {
                file,
                page,
                line,
                span,
                printed_page,
            } => {
                write!(f, "{file} p.{page}:{line}")?;
                if span.1 != 0 {
                    write!(f, ":{}-{}", span.0 + 1, span.1)?;
                }
                match printed_page {
                    Some(printed) => write!(f, " [page {printed}]"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A piece of text as written in the source, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    pub text: String,
    pub location: Location,
}

/// A money figure as written, parsed, and located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatedAmount {
    pub amount: Amount,
    pub raw: String,
    pub location: Location,
}

/// What one line of a table, one bullet, one list item or one sentence of a source says,
/// before any normalisation: the output of the extraction stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawItem {
    /// The label as written: a region, a beneficiary, a budget line's wording.
    pub label: Located,
    /// A region named beside the label (the "(Île-de-France, 406 472 euros)" of a
    /// beneficiary bullet, or a region column of a spreadsheet).
    pub region_hint: Option<Located>,
    /// An identifier (FINESS, SIREN) kept as a 9-character string.
    pub identifier: Option<Located>,
    /// The figure. For a revision ("de X à Y") this is the new amount.
    pub amount: StatedAmount,
    /// For a revision, the amount it replaces.
    pub previous: Option<StatedAmount>,
    /// The row's own exercise, when its table gives one per row ("Exercice" column);
    /// otherwise the envelope's.
    pub exercise: Option<i32>,
}

/// A text read from a source and where it stands, borrowed from the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextAt<'a> {
    pub text: &'a str,
    pub at: Place<'a>,
}

impl TextAt<'_> {
    pub fn to_located(&self) -> Located {
        Located {
            text: self.text.to_string(),
            location: self.at.to_location(),
        }
    }
}

/// A figure read from a source, and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountAt<'a> {
    pub amount: Amount,
    /// As written; `None` when it is written as `amount.value` displays (a number cell read
    /// to the cent), so that a million such cells make no string.
    pub raw: Option<&'a str>,
    pub at: Place<'a>,
}

impl AmountAt<'_> {
    pub fn raw(&self) -> std::borrow::Cow<'_, str> {
        match self.raw {
            Some(raw) => std::borrow::Cow::Borrowed(raw),
            None => std::borrow::Cow::Owned(self.amount.value.to_string()),
        }
    }

    pub fn to_stated(&self) -> StatedAmount {
        StatedAmount {
            amount: self.amount,
            raw: self.raw().into_owned(),
            location: self.at.to_location(),
        }
    }
}

/// A `RawItem` as a reader hands it over, row by row, its texts borrowed: what
/// normalisation takes, one item at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemAt<'a> {
    pub label: TextAt<'a>,
    pub region_hint: Option<TextAt<'a>>,
    pub identifier: Option<TextAt<'a>>,
    pub amount: AmountAt<'a>,
    pub previous: Option<AmountAt<'a>>,
    /// The row's own exercise, when its table gives one per row.
    pub exercise: Option<i32>,
    /// A number the reader gives the label's text, where its source numbers its texts (a
    /// shared string of a workbook): within one source, one number, one text. A hint that
    /// spares looking the text up again; whoever uses it checks the text.
    pub label_key: Option<u32>,
}

impl ItemAt<'_> {
    pub fn to_raw_item(&self) -> RawItem {
        RawItem {
            label: self.label.to_located(),
            region_hint: self.region_hint.as_ref().map(TextAt::to_located),
            identifier: self.identifier.as_ref().map(TextAt::to_located),
            amount: self.amount.to_stated(),
            previous: self.previous.as_ref().map(AmountAt::to_stated),
            exercise: self.exercise,
        }
    }
}

/// Where a reader hands its items, one at a time, as it reads them.
pub trait Items {
    fn item(&mut self, item: &ItemAt<'_>) -> Result<(), crate::error::Error>;
    /// Forgets the items handed so far: the source is read again from its start (a sheet
    /// read before its merged regions were known, which turned out to matter).
    fn restart(&mut self);
}

/// Items collected as they are read.
impl Items for Vec<RawItem> {
    fn item(&mut self, item: &ItemAt<'_>) -> Result<(), crate::error::Error> {
        self.push(item.to_raw_item());
        Ok(())
    }
    fn restart(&mut self) {
        self.clear();
    }
}

impl RawItem {
    /// The item as normalisation takes it.
    pub fn at(&self) -> ItemAt<'_> {
        fn text(l: &Located) -> TextAt<'_> {
            TextAt {
                text: &l.text,
                at: Place::At(&l.location),
            }
        }
        fn amount(s: &StatedAmount) -> AmountAt<'_> {
            AmountAt {
                amount: s.amount,
                raw: Some(&s.raw),
                at: Place::At(&s.location),
            }
        }
        ItemAt {
            label: text(&self.label),
            region_hint: self.region_hint.as_ref().map(text),
            identifier: self.identifier.as_ref().map(text),
            amount: amount(&self.amount),
            previous: self.previous.as_ref().map(amount),
            exercise: self.exercise,
            label_key: None,
        }
    }
}

/// What an item says, as far as validation is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactRole {
    /// A component of its envelope, counted once in the dataset.
    Component,
    /// An amount replaced by a revision; kept for audit, not counted.
    Superseded,
    /// A remainder the source names ("le reliquat") but does not state: derived, counted.
    Remainder,
    /// A figure restating another publication's envelope: checked against it, not counted.
    Restatement,
    /// A line of the reference publication that a later revision changed: kept in its
    /// statement (which still reconciles as published), not counted.
    Amended,
}

/// A normalised figure with its provenance: one row of allocations.parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    pub publication_id: String,
    pub envelope_id: String,
    pub role: FactRole,
    pub region: Option<RegionCode>,
    /// A collectivité d'outre-mer outside the 18 regions (`region` is then `None`): its
    /// figure counts in the sums all the same.
    pub territory: Option<crate::core::region::Territory>,
    pub beneficiary: Option<String>,
    pub identifier: Option<String>,
    pub amount: Amount,
    pub raw_label: String,
    pub raw_amount: String,
    /// Where the amount stands.
    pub location: Location,
    /// Where the label stands.
    pub label_location: Option<Location>,
    /// The row's own exercise when its table gives one per row; else the envelope's.
    pub exercise: Option<i32>,
}

/// Severity of a finding. Errors fail the run unless acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Money is published as DECIMAL(18,2): 16 digits before the comma at most. A figure at or
/// beyond this is refused where it is read.
pub const MONEY_LIMIT: rust_decimal::Decimal = rust_decimal::Decimal::from_parts(
    // 10^16 = 0x002386F2_6FC10000
    0x6FC1_0000,
    0x0023_86F2,
    0,
    false,
    0,
);

/// A money figure inside a finding's arithmetic.
pub type Eur = Decimal;

/// Something extraction noticed that is not an error of the run but that an analyst should
/// see (float noise in a cell, an identifier whose check digit fails, a region read from a
/// beneficiary's name). Validation turns notes into findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub rule: Rule,
    /// The facts its sentences state (`Note::message`, `Note::message_fr`).
    pub detail: Detail,
    pub location: Location,
    /// The arithmetic of a note that compares amounts (a sub-total and its rows): the
    /// figure stated, the one computed, and the gap the check allowed.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub expected: Option<Eur>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub actual: Option<Eur>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub tolerance: Option<Eur>,
}

impl Note {
    /// A note with no arithmetic.
    pub fn new(rule: Rule, detail: Detail, location: Location) -> Self {
        Note {
            rule,
            detail,
            location,
            expected: None,
            actual: None,
            tolerance: None,
        }
    }

    /// The note compares `actual` (computed) with `expected` (stated), within `tolerance`.
    #[must_use]
    pub fn arithmetic(mut self, expected: Eur, actual: Eur, tolerance: Eur) -> Self {
        self.expected = Some(expected);
        self.actual = Some(actual);
        self.tolerance = Some(tolerance);
        self
    }

    /// `actual − expected`, when the note compares amounts.
    pub fn difference(&self) -> Option<Eur> {
        Some(self.actual? - self.expected?)
    }

    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }
}

/// What a claim in prose asserts about an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClaimKind {
    /// "trois projets franciliens", "10 projets lauréats": a number of components.
    Count { count: u32 },
    /// A money figure restating the envelope's total, a region's subtotal or a component.
    Money { amount: StatedAmount },
}

/// A figure or count stated in prose about an envelope, to be checked against the facts it
/// restates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub kind: ClaimKind,
    /// The region the sentence speaks of, if any.
    pub region: Option<Located>,
    /// The words around the claim (the clause), for matching beneficiaries and for reports.
    pub context: Located,
    /// The words say the figure sums several lines ("au total", "la répartition des …"):
    /// it is checked against a subtotal or the total, never against one line.
    pub aggregate: bool,
    /// What a count says it counts ("224 projets régionaux et neuf nationaux"): only the
    /// count of the envelope's own scope is compared with it.
    pub scope: Option<Scope>,
}

/// National or regional: what a count of projects or an envelope's channel is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    National,
    Regional,
}

impl Scope {
    /// "régionaux", "nationale", "national"… (folded, lower case); `None` for other words.
    pub fn of_word(word: &str) -> Option<Scope> {
        let folded = crate::core::names::name_key(word);
        if folded.starts_with("nationa") {
            Some(Scope::National)
        } else if folded.starts_with("regiona") {
            Some(Scope::Regional)
        } else {
            None
        }
    }

    /// The scope an envelope's channel states ("appel à projets national", "appels à
    /// projets régionaux"), if one.
    pub fn of_channel(channel: &str) -> Option<Scope> {
        let scopes: std::collections::BTreeSet<_> = channel
            .split(|c: char| !c.is_alphanumeric())
            .filter_map(Scope::of_word)
            .map(|s| s == Scope::National)
            .collect();
        match scopes.into_iter().collect::<Vec<_>>()[..] {
            [true] => Some(Scope::National),
            [false] => Some(Scope::Regional),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::core::amount::{Precision, Qualifier};
    use crate::model::Breakdown;
    use chrono::NaiveDate;

    pub fn spec(breakdown: Breakdown) -> EnvelopeSpec {
        EnvelopeSpec {
            id: "env".to_string(),
            programme: "ESMS numérique".to_string(),
            exercise: 2021,
            phase: "amorçage".to_string(),
            channel: "ARS".to_string(),
            breakdown,
            declared_total: None,
            anchor: Some("a".to_string()),
            until: None,
            items: ItemLayout::Auto,
            parent: None,
            remainder: None,
            claims: Vec::new(),
            unit: None,
            columns: None,
            region_aliases: std::collections::BTreeMap::new(),
            coverage: Coverage::Regions,
        }
    }

    pub fn fact(publication: &str, region: RegionCode, amount: Amount) -> Fact {
        let location = Location::Line {
            file: format!("{publication}.txt"),
            line: 1,
            span: (0, 1),
        };
        Fact {
            publication_id: publication.to_string(),
            envelope_id: "env".to_string(),
            role: FactRole::Component,
            region: Some(region),
            territory: None,
            beneficiary: None,
            identifier: None,
            amount,
            raw_label: region.name().to_string(),
            raw_amount: amount.value.to_string(),
            location,
            label_location: None,
            exercise: None,
        }
    }

    pub fn statement(
        publication: &str,
        kind: PublicationKind,
        on: (i32, u32, u32),
        breakdown: Breakdown,
        facts: Vec<Fact>,
    ) -> Statement {
        Statement {
            publication_id: publication.to_string(),
            publication_kind: kind,
            published_on: NaiveDate::from_ymd_opt(on.0, on.1, on.2).expect("a date"),
            source_name: format!("{publication}.txt"),
            spec: spec(breakdown),
            primary: false,
            amends: None,
            restates: None,
            declared_total: None,
            declared_before: None,
            total_row: None,
            remainder: None,
            facts: facts.into(),
            claims: Vec::new(),
            region_issues: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn eur(value: i64) -> Amount {
        Amount::exact(Decimal::from(value))
    }

    pub fn millions(value: i64) -> Amount {
        Amount {
            value: Decimal::from(value * 1_000_000),
            precision: Precision::Rounded {
                unit: Decimal::from(1_000_000),
            },
            qualifier: Qualifier::Equal,
        }
    }
}
