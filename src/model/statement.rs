//! One envelope as one publication states it, normalised: what validation reads.

use super::description::{EnvelopeSpec, ItemLayout, PublicationKind};
use super::{Claim, FactRef, FactRole, Facts, Located, Note, StatedAmount};
use crate::core::region::RegionCode;
use serde::Serialize;

/// Why a label did not resolve cleanly to one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegionIssue {
    /// No region has this name; the closest official names are suggested.
    Unknown {
        label: Located,
        suggestions: Vec<RegionCode>,
    },
    /// The name could mean several regions ("Aquitaine", "Océan Indien").
    Ambiguous {
        label: Located,
        candidates: Vec<RegionCode>,
        reason: String,
    },
    /// A pre-2016 name, mapped to its successor.
    Legacy {
        label: Located,
        region: RegionCode,
        warning: String,
    },
    /// A collectivité d'outre-mer ("Saint-Pierre-et-Miquelon", "975"): not a region, not an
    /// error; its figure counts, outside the regions.
    Territory {
        label: Located,
        territory: crate::core::region::Territory,
    },
    /// No region given beside a beneficiary; the one its name holds was used.
    InferredFromName { label: Located, region: RegionCode },
    /// A beneficiary with no region anywhere.
    Missing { label: Located },
}

/// One envelope as one publication states it, normalised.
#[derive(Debug, Clone)]
pub struct Statement {
    pub publication_id: String,
    pub publication_kind: PublicationKind,
    pub published_on: chrono::NaiveDate,
    pub source_name: String,
    pub spec: EnvelopeSpec,
    /// Whether this statement is the envelope's reference (its facts are counted).
    pub primary: bool,
    /// For a revision of the reference statement: the reference's publication.
    pub amends: Option<String>,
    /// For a press page restating, under another id, an envelope a more authoritative
    /// publication states: that envelope's id. Its figures are checked against it and
    /// count nothing.
    pub restates: Option<String>,
    pub declared_total: Option<StatedAmount>,
    /// A revision that changes the total too: the total before it.
    pub declared_before: Option<StatedAmount>,
    pub total_row: Option<StatedAmount>,
    pub remainder: Option<Located>,
    pub facts: Facts,
    pub claims: Vec<Claim>,
    pub region_issues: Vec<RegionIssue>,
    pub notes: Vec<Note>,
}

impl Statement {
    /// The region a claim's sentence names: the description's alias for it first (the
    /// user's word beats every rule), else the name, demonyms such as "franciliens"
    /// included; `None` when it names none, or none that resolves.
    pub fn claim_region(&self, claim: &Claim) -> Option<RegionCode> {
        let label = &claim.region.as_ref()?.text;
        self.spec.alias(label).or_else(|| {
            crate::core::region::normalise_region(label)
                .ok()
                .map(|m| m.code)
        })
    }

    /// Facts that are components of the envelope as this statement gives it (current
    /// figures, not superseded ones).
    pub fn current(&self) -> impl DoubleEndedIterator<Item = FactRef<'_>> + Clone {
        self.facts
            .iter()
            .filter(|f| f.role() != FactRole::Superseded)
    }
    pub fn superseded(&self) -> impl DoubleEndedIterator<Item = FactRef<'_>> + Clone {
        self.facts
            .iter()
            .filter(|f| f.role() == FactRole::Superseded)
    }
    /// A restatement in prose names the lines it wants to quote, not all of them: it is
    /// checked line by line against the reference, never for completeness.
    pub fn is_partial(&self) -> bool {
        !self.primary && self.spec.items == ItemLayout::Sentences
    }

    /// The total this statement declares: the description's, else the table's Total row.
    pub fn declared(&self) -> Option<&StatedAmount> {
        self.declared_total.as_ref().or(self.total_row.as_ref())
    }
}
