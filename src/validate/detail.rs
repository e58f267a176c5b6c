//! What a finding or a note says, as data: one variant per kind of sentence, holding the
//! facts that sentence needs (amounts as `Decimal`, labels and ids as written, regions as
//! codes). The sentences themselves are written by `render::en` and `render::fr`, and
//! nowhere else.

use crate::model::Location;
use crate::region::RegionCode;
use rust_decimal::Decimal;
use serde::Serialize;

/// The facts of one finding's sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    // --- totals and nesting ---
    /// `total.sum_mismatch`: the components against the declared total.
    SumMismatch {
        components: usize,
        computed: Decimal,
        declared: Decimal,
        /// The declared total as written ("75 millions d'euros").
        declared_raw: String,
        tolerance: Decimal,
    },
    /// `total.sum_mismatch`: the components against the table's Total row.
    SumMismatchTotalRow {
        components: u32,
        computed: Decimal,
        row: Decimal,
        tolerance: Decimal,
    },
    /// `total.row_mismatch`.
    TotalRowMismatch {
        declared: Decimal,
        declared_raw: String,
        row: Decimal,
    },
    /// `nested.child_not_found`.
    ParentNotFound { parent: String },
    /// `nested.child_mismatch`: a sub-envelope against the line of its parent naming it.
    ChildMismatch {
        child: String,
        child_total: Decimal,
        envelope: String,
        line: Decimal,
        line_raw: String,
        tolerance: Decimal,
    },
    /// `nested.parent_missing`.
    ParentMissing {
        envelope: String,
        total: Decimal,
        line_label: String,
        budget: String,
    },
    /// `nested.remainder_negative`.
    RemainderNegative {
        label: String,
        declared: Decimal,
        computed: Decimal,
    },
    /// `nested.remainder_derived`: `remainder` = `declared` − `computed` (never below 0).
    RemainderDerived {
        label: String,
        declared: Decimal,
        computed: Decimal,
        remainder: Decimal,
        tolerance: Decimal,
    },

    // --- completeness and duplicates ---
    /// `completeness.region_missing`.
    RegionsMissing {
        named: usize,
        missing: Vec<RegionCode>,
    },
    /// `completeness.region_duplicate`.
    RegionDuplicate { region: RegionCode, times: usize },
    /// `duplicate.beneficiary`.
    BeneficiaryDuplicate { name: String, times: usize },
    /// `envelope.possible_duplicate`.
    PossibleDuplicate {
        first: String,
        first_publication: String,
        second: String,
        second_publication: String,
        figures: usize,
        total: Decimal,
    },

    // --- revisions ---
    /// `revision.unchanged`.
    RevisionUnchanged { label: String, amount: Decimal },
    /// `revision.total`, for a revision checked on its own: one of its lists.
    RevisionTotal {
        list: RevisionList,
        sum: Decimal,
        declared: Decimal,
        declared_raw: String,
        tolerance: Decimal,
    },
    /// `revision.total`, for a revision amending the reference: the amended list.
    AmendedTotal {
        base_publication: String,
        revision: String,
        sum: Decimal,
        declared: Decimal,
        declared_raw: String,
        tolerance: Decimal,
    },
    /// `revision.unnamed_changed`: the regions the revision does not name imply
    /// `declared_before − listed_before` before and `declared − listed_after` after.
    RevisionUnnamedChanged {
        unnamed: Vec<RegionCode>,
        declared: Decimal,
        declared_raw: String,
        declared_before: Decimal,
        listed_before: Decimal,
        listed_after: Decimal,
    },
    /// `revision.base_mismatch`: the amount a revision replaces is not the reference's.
    RevisionBaseMismatch {
        revision: String,
        label: String,
        revised_from: Decimal,
        base_publication: String,
        base: Decimal,
    },
    /// `revision.base_mismatch`: the line a revision replaces is not in the reference.
    RevisionBaseMissing {
        revision: String,
        label: String,
        base_publication: String,
    },

    // --- agreement between publications ---
    /// `agreement.metadata`.
    MetadataDiffers {
        envelope: String,
        publication: String,
        reference_publication: String,
        differences: Vec<FieldDifference>,
    },
    /// `agreement.declared_total`.
    DeclaredTotalsDisagree {
        publication: String,
        restated: Decimal,
        restated_raw: String,
        reference_publication: String,
        reference: Decimal,
        /// The reference's total as written; `None` when it is the sum of its components.
        reference_raw: Option<String>,
    },
    /// `agreement.amount`: one line (or one region's lines) in two publications.
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
    /// `agreement.missing`: a line one publication has and the other lacks.
    LineMissing {
        line: MissingLine,
        publication: String,
        reference_publication: String,
        /// The reference publication has the line (else the restating one has it).
        in_reference: bool,
    },
    /// `agreement.region`, `claim.region`: one beneficiary placed in two regions.
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
    /// `claim.amount`: a figure quoted for a line.
    ClaimedLine {
        line: String,
        claimed: Decimal,
        claimed_raw: String,
        publication: String,
        reference: Decimal,
        reference_publication: String,
    },
    /// `claim.amount`: a figure quoted for a subtotal or the total.
    ClaimedAggregate {
        claimed: Decimal,
        claimed_raw: String,
        publication: String,
        target: ClaimTarget,
        reference: Decimal,
        reference_publication: String,
    },
    /// `claim.unmatched`.
    ClaimUnmatched {
        claimed_raw: String,
        publication: String,
        target: ClaimTarget,
        reference_publication: String,
    },
    /// `claim.count`: `listed` are the lines the reference counts.
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
    /// `plausibility.region_share`: shares as fractions of the envelope (0.12 for 12 %).
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
    /// `region.unknown`.
    RegionUnknown {
        label: String,
        suggestions: Vec<RegionCode>,
    },
    /// `region.ambiguous`; `reason` is the region matcher's explanation (English).
    RegionAmbiguous {
        label: String,
        candidates: Vec<RegionCode>,
        reason: String,
    },
    /// `region.legacy`; `warning` is the region matcher's explanation (English), the
    /// English sentence of this finding.
    RegionLegacy {
        label: String,
        region: RegionCode,
        warning: String,
    },
    /// `region.inferred`.
    RegionInferred { label: String, region: RegionCode },
    /// `region.missing`.
    RegionMissing { label: String },
    /// `region.alias_unused`.
    AliasUnused { alias: String, envelope: String },

    // --- extraction notes ---
    /// `extraction.empty`.
    NothingExtracted { envelope: String },
    /// `declared.not_in_source`.
    DeclaredNotInSource {
        declared_raw: String,
        envelope: String,
        source: String,
    },
    /// `extraction.detail`: a figure of a list introduced by "dont".
    DetailOfFigure { raw: String },
    /// `extraction.detail`: a row of a table introduced by "dont".
    DetailOfRow { label: String },
    /// `sheet.subtotal_mismatch`, in a text table.
    SubtotalOfLines {
        stated: Decimal,
        stated_raw: String,
        lines_sum: Decimal,
    },
    /// `sheet.subtotal_mismatch`, in a spreadsheet.
    SubtotalOfRows {
        label: String,
        stated: Decimal,
        rows: usize,
        rows_sum: Decimal,
    },
    /// `sheet.float_noise`: a number cell with decimals beyond the cent.
    FloatNoise { held: Decimal, read: Decimal },
    /// `sheet.float_noise`: a text cell with a third decimal.
    ExtraDecimals {
        raw: String,
        value: Decimal,
        read: Decimal,
    },
    /// `sheet.region_carried`.
    RegionCarried { region: String, from: Location },
    /// `identifier.checksum`.
    IdentifierChecksum { identifier: String },

    // --- acknowledgements ---
    /// `acknowledgement.unused`.
    AcknowledgementUnused { fingerprint: String, reason: String },
}

/// Which list of a revision a `revision.total` finding is about.
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
