//! What a finding or a note says, as data: one variant per kind of sentence, holding the
//! facts that sentence needs (amounts as `Decimal`, labels and ids as written, regions as
//! codes). The sentences themselves are written by `render::en` and `render::fr`, and
//! nowhere else.

#[cfg(doc)]
use super::Rule;
use crate::core::region::RegionCode;
use crate::model::Location;
use rust_decimal::Decimal;
use serde::Serialize;

/// The facts of one finding's sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    // --- totals and nesting ---
    /// [`Rule::TotalSumMismatch`]: the components against the declared total.
    SumMismatch {
        components: usize,
        computed: Decimal,
        declared: Decimal,
        /// The declared total as written ("75 millions d'euros").
        declared_raw: String,
        tolerance: Decimal,
    },
    /// [`Rule::TotalSumMismatch`]: the components against the table's Total row.
    SumMismatchTotalRow {
        components: u32,
        computed: Decimal,
        row: Decimal,
        tolerance: Decimal,
    },
    /// [`Rule::TotalRowMismatch`].
    TotalRowMismatch {
        declared: Decimal,
        declared_raw: String,
        row: Decimal,
    },
    /// [`Rule::NestedChildNotFound`].
    ParentNotFound { parent: String },
    /// [`Rule::NestedChildMismatch`]: a sub-envelope against the line of its parent naming it.
    ChildMismatch {
        child: String,
        child_total: Decimal,
        envelope: String,
        line: Decimal,
        line_raw: String,
        tolerance: Decimal,
    },
    /// [`Rule::NestedParentMissing`].
    ParentMissing {
        envelope: String,
        total: Decimal,
        line_label: String,
        budget: String,
    },
    /// [`Rule::NestedRemainderNegative`].
    RemainderNegative {
        label: String,
        declared: Decimal,
        computed: Decimal,
    },
    /// [`Rule::NestedRemainderDerived`]: `remainder` = `declared` − `computed` (never below 0).
    RemainderDerived {
        label: String,
        declared: Decimal,
        computed: Decimal,
        remainder: Decimal,
        tolerance: Decimal,
    },

    // --- completeness and duplicates ---
    /// [`Rule::CompletenessRegionMissing`].
    RegionsMissing {
        named: usize,
        /// How many regions the envelope covers: 18, or fewer by its `coverage`.
        covered: usize,
        missing: Vec<RegionCode>,
    },
    /// [`Rule::CompletenessRegionMissing`] for an exercise up to 2015, against the map of
    /// its time; `missing` as "Limousin (74)".
    FormerRegionsMissing {
        exercise: i32,
        named: usize,
        covered: usize,
        missing: Vec<String>,
    },
    /// [`Rule::EnvelopeRestatement`].
    Restatement {
        envelope: String,
        restated: String,
        restated_publication: String,
        figures: usize,
    },
    /// [`Rule::MagnitudeUnitSlip`]: `figure` (as written) against `reference`, what it is
    /// `compared_with`; `factor` the power of ten between them.
    UnitSlip {
        figure: Decimal,
        figure_raw: String,
        reference: Decimal,
        compared_with: String,
        factor: Decimal,
        larger: bool,
    },
    /// [`Rule::CompletenessRegionOutsideCoverage`]; `coverage` as the description writes it.
    RegionOutsideCoverage {
        region: RegionCode,
        coverage: String,
    },
    /// [`Rule::CompletenessRegionDuplicate`].
    RegionDuplicate { region: RegionCode, times: usize },
    /// [`Rule::DuplicateBeneficiary`].
    BeneficiaryDuplicate { name: String, times: usize },
    /// [`Rule::EnvelopePossibleDuplicate`].
    PossibleDuplicate {
        first: String,
        first_publication: String,
        second: String,
        second_publication: String,
        figures: usize,
        total: Decimal,
    },

    // --- revisions ---
    /// [`Rule::RevisionUnchanged`].
    RevisionUnchanged { label: String, amount: Decimal },
    /// [`Rule::RevisionTotal`], for a revision checked on its own: one of its lists.
    RevisionTotal {
        list: RevisionList,
        sum: Decimal,
        declared: Decimal,
        declared_raw: String,
        tolerance: Decimal,
    },
    /// [`Rule::RevisionTotal`], for a revision amending the reference: the amended list.
    AmendedTotal {
        base_publication: String,
        revision: String,
        sum: Decimal,
        declared: Decimal,
        declared_raw: String,
        tolerance: Decimal,
    },
    /// [`Rule::RevisionUnnamedChanged`]: the regions the revision does not name imply
    /// `declared_before − listed_before` before and `declared − listed_after` after.
    RevisionUnnamedChanged {
        unnamed: Vec<RegionCode>,
        declared: Decimal,
        declared_raw: String,
        declared_before: Decimal,
        listed_before: Decimal,
        listed_after: Decimal,
    },
    /// [`Rule::RevisionBaseMismatch`]: the amount a revision replaces is not the reference's.
    RevisionBaseMismatch {
        revision: String,
        label: String,
        revised_from: Decimal,
        base_publication: String,
        base: Decimal,
    },
    /// [`Rule::RevisionBaseMismatch`]: the line a revision replaces is not in the reference.
    RevisionBaseMissing {
        revision: String,
        label: String,
        base_publication: String,
    },

    // --- agreement between publications ---
    /// [`Rule::AgreementMetadata`].
    MetadataDiffers {
        envelope: String,
        publication: String,
        reference_publication: String,
        differences: Vec<FieldDifference>,
    },
    /// [`Rule::AgreementDeclaredTotal`].
    DeclaredTotalsDisagree {
        publication: String,
        restated: Decimal,
        restated_raw: String,
        reference_publication: String,
        reference: Decimal,
        /// The reference's total as written; `None` when it is the sum of its components.
        reference_raw: Option<String>,
    },
    /// [`Rule::AgreementAmount`]: one line (or one region's lines) in two publications.
    AmountsDisagree {
        line: ComparedLine,
        publication: String,
        restated: Decimal,
        /// The amounts as written (several for a region stated in several lines).
        restated_raw: Vec<String>,
        reference_publication: String,
        reference: Decimal,
        reference_raw: Vec<String>,
    },
    /// [`Rule::AgreementMissing`]: a line one publication has and the other lacks.
    LineMissing {
        line: MissingLine,
        publication: String,
        reference_publication: String,
        /// The reference publication has the line (else the restating one has it).
        in_reference: bool,
    },
    /// [`Rule::AgreementRegion`], [`Rule::ClaimRegion`]: one beneficiary placed in two regions.
    RegionsDisagree {
        beneficiary: String,
        region: Option<RegionCode>,
        publication: String,
        at: Location,
        reference_region: Option<RegionCode>,
        reference_publication: String,
        reference_at: Location,
    },

    // --- claims in prose ---
    /// [`Rule::ClaimAmount`]: a figure quoted for a line.
    ClaimedLine {
        line: String,
        claimed: Decimal,
        claimed_raw: String,
        publication: String,
        reference: Decimal,
        reference_publication: String,
    },
    /// [`Rule::ClaimAmount`]: a figure quoted for a subtotal or the total.
    ClaimedAggregate {
        claimed: Decimal,
        claimed_raw: String,
        publication: String,
        target: ClaimTarget,
        reference: Decimal,
        reference_publication: String,
    },
    /// [`Rule::ClaimUnmatched`].
    ClaimUnmatched {
        claimed_raw: String,
        publication: String,
        target: ClaimTarget,
        reference_publication: String,
    },
    /// [`Rule::ClaimCount`]: `listed` are the lines the reference counts.
    ClaimedCount {
        publication: String,
        claimed: u32,
        region: Option<RegionCode>,
        /// The clause holding the claim.
        context: String,
        reference_publication: String,
        listed: Vec<String>,
    },

    // --- plausibility ---
    /// [`Rule::PlausibilityRegionShare`]: shares as fractions of the envelope (0.12 for 12 %).
    RegionShare {
        region: RegionCode,
        amount: Decimal,
        share: Decimal,
        median: Decimal,
        /// How many other regional envelopes the median is taken over.
        others: usize,
        slip: Option<DigitSlip>,
    },

    // --- regions ---
    /// [`Rule::RegionUnknown`].
    RegionUnknown {
        label: String,
        suggestions: Vec<RegionCode>,
    },
    /// [`Rule::RegionTerritory`].
    RegionTerritory {
        label: String,
        territory: crate::core::region::Territory,
    },
    /// [`Rule::RegionAmbiguous`]; `reason` is the region matcher's explanation (English).
    RegionAmbiguous {
        label: String,
        candidates: Vec<RegionCode>,
        reason: String,
    },
    /// [`Rule::RegionLegacy`]; `warning` is the region matcher's explanation (English), the
    /// English sentence of this finding.
    RegionLegacy {
        label: String,
        region: RegionCode,
        warning: String,
    },
    /// [`Rule::RegionInferred`].
    RegionInferred { label: String, region: RegionCode },
    /// [`Rule::RegionMissing`].
    RegionMissing { label: String },
    /// [`Rule::RegionAliasUnused`].
    AliasUnused { alias: String, envelope: String },

    // --- extraction notes ---
    /// [`Rule::ExtractionEmpty`].
    NothingExtracted { envelope: String },
    /// [`Rule::DeclaredNotInSource`].
    DeclaredNotInSource {
        declared_raw: String,
        envelope: String,
        source: String,
    },
    /// [`Rule::ExtractionDetail`]: a figure of a list introduced by "dont".
    DetailOfFigure { raw: String },
    /// [`Rule::ExtractionDetail`]: a row of a table introduced by "dont".
    DetailOfRow { label: String },
    /// [`Rule::SheetSubtotalMismatch`], in a text table.
    SubtotalOfLines {
        stated: Decimal,
        stated_raw: String,
        lines_sum: Decimal,
    },
    /// [`Rule::SheetSubtotalMismatch`], in a spreadsheet.
    SubtotalOfRows {
        label: String,
        stated: Decimal,
        rows: usize,
        rows_sum: Decimal,
    },
    /// [`Rule::SheetFloatNoise`]: a number cell with decimals beyond the cent.
    FloatNoise { held: Decimal, read: Decimal },
    /// [`Rule::SheetFloatNoise`]: a text cell with a third decimal.
    ExtraDecimals {
        raw: String,
        value: Decimal,
        read: Decimal,
    },
    /// [`Rule::SheetRegionCarried`].
    RegionCarried { region: String, from: Location },
    /// [`Rule::IdentifierChecksum`].
    IdentifierChecksum { identifier: String },

    // --- acknowledgements ---
    /// [`Rule::AcknowledgementUnused`].
    AcknowledgementUnused { fingerprint: String, reason: String },

    // --- floods ---
    /// Any rule raised by a source more than `validate::MAX_NOTES_PER_RULE` times in one
    /// envelope (a column of identifiers whose check digits all fail): one finding, its
    /// first occurrence's facts and how many there are.
    Repeated { first: Box<Detail>, times: usize },
}

/// Which list of a revision a [`Rule::RevisionTotal`] finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionList {
    Before,
    After,
}

impl RevisionList {
    /// The finding's subject.
    pub fn subject(self) -> &'static str {
        match self {
            RevisionList::Before => "before",
            RevisionList::After => "after",
        }
    }
}

/// A field of an envelope's description that two publications give differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDifference {
    pub field: MetadataField,
    pub ours: String,
    pub theirs: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataField {
    Exercise,
    Phase,
    Channel,
    Programme,
    Breakdown,
}

/// What two publications' amounts are compared for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum ComparedLine {
    /// One line, by its label.
    Line(String),
    /// The lines of one region, summed.
    Region(RegionCode),
}

/// A line present in one publication only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MissingLine {
    Line { label: String, amount: Decimal },
    Region { region: RegionCode },
}

/// What a figure of prose is checked against when it names no line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClaimTarget {
    /// The subtotal of the region the sentence names, over `lines` lines.
    RegionSubtotal { region: RegionCode, lines: usize },
    /// The reference's declared total, as written.
    DeclaredTotal { raw: String },
    /// The sum of the reference's lines (it declares no total).
    SumOfLines,
}

impl ClaimTarget {
    /// The finding's subject: fixed words, because fingerprints (and so acknowledgements)
    /// depend on them.
    pub fn subject(&self) -> String {
        match self {
            ClaimTarget::RegionSubtotal { region, .. } => format!("subtotal of {}", region.name()),
            ClaimTarget::DeclaredTotal { .. } => "declared total".to_string(),
            ClaimTarget::SumOfLines => "sum of the lines".to_string(),
        }
    }
}

/// A figure that would fit the region's usual share with a digit more or less.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigitSlip {
    pub slip: Slip,
    /// The figure with the digit restored (or removed).
    pub corrected: Decimal,
    /// The sum of the components with the corrected figure.
    pub new_sum: Decimal,
    /// The envelope's declared total, if any, to show what gap would remain.
    pub declared: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Slip {
    /// The figure is ten or a hundred times too small.
    LostDigit,
    /// The figure is ten or a hundred times too large.
    ExtraDigit,
}
