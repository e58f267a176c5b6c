//! The catalogue of rules: stable ids, default severities, and their one-line descriptions
//! in French (for the reports) and English (for logs and the README).
//!
//! This is the only place that spells a rule id. Everywhere else a rule is a `Rule`, so a
//! typo is a compile error; the id text is what findings.parquet, report.json, fingerprints
//! and `inputs/acknowledged.toml` hold, so it never changes once published.

use crate::model::Severity;
use std::fmt;
use std::str::FromStr;

/// One rule of the catalogue, with what the reports say of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuleInfo {
    #[serde(skip)]
    pub rule: Rule,
    /// The stable id, e.g. "total.sum_mismatch".
    pub id: &'static str,
    /// Default severity of its findings.
    pub severity: Severity,
    pub fr: &'static str,
    pub en: &'static str,
}

/// Declares `Rule` and `RULES` from one list, so that the enum and the table cannot drift
/// apart: `RULES[rule as usize]` is always `rule`'s entry.
macro_rules! catalogue {
    ($(
        $variant:ident {
            id: $id:literal,
            severity: $severity:ident,
            fr: $fr:literal,
            en: $en:literal $(,)?
        }
    )*) => {
        /// A rule of the catalogue. Ordered by its id (findings are listed by rule id).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule {
            $(
                #[doc = concat!("`", $id, "`: ", $en)]
                $variant,
            )*
        }

        /// Every rule, in the order the README lists them.
        pub const RULES: &[RuleInfo] = &[
            $(RuleInfo { rule: Rule::$variant, id: $id, severity: $severity, fr: $fr, en: $en },)*
        ];
    };
}

use Severity::{Error, Info, Warning};

catalogue! {
    TotalSumMismatch {
        id: "total.sum_mismatch",
        severity: Error,
        fr: "La somme des composantes ne correspond pas au total annoncé, au-delà de la précision de l'annonce.",
        en: "Components do not add up to the declared total, beyond the declared figure's precision.",
    }
    TotalRowMismatch {
        id: "total.row_mismatch",
        severity: Error,
        fr: "Le total déclaré dans la description et la ligne « Total » du tableau diffèrent.",
        en: "The declared total and the table's Total row differ.",
    }
    NestedChildNotFound {
        id: "nested.child_not_found",
        severity: Error,
        fr: "Une sous-enveloppe désigne une enveloppe parente qu'aucune publication ne décrit.",
        en: "A sub-envelope names a parent envelope that no publication describes.",
    }
    NestedChildMismatch {
        id: "nested.child_mismatch",
        severity: Error,
        fr: "Une sous-enveloppe ne totalise pas le montant de la ligne de son enveloppe parente qui la désigne.",
        en: "A sub-envelope does not add up to the line of its parent that stands for it.",
    }
    NestedParentMissing {
        id: "nested.parent_missing",
        severity: Warning,
        fr: "Une enveloppe totalise exactement une ligne d'une autre sans lui être rattachée (`parent`) : ses euros seraient comptés deux fois.",
        en: "An envelope totals exactly a line of another without being linked to it (`parent`): its euros would count twice.",
    }
    NestedRemainderDerived {
        id: "nested.remainder_derived",
        severity: Info,
        fr: "Un reliquat nommé mais non chiffré par la source est calculé par différence.",
        en: "A remainder the source names but does not state is derived by difference.",
    }
    NestedRemainderNegative {
        id: "nested.remainder_negative",
        severity: Error,
        fr: "Les composantes dépassent déjà le total : le reliquat annoncé serait négatif.",
        en: "Components already exceed the total: the named remainder would be negative.",
    }
    CompletenessRegionMissing {
        id: "completeness.region_missing",
        severity: Error,
        fr: "Une répartition régionale ne nomme pas chacune des régions qu'elle couvre (les 18, ou celles de `coverage`).",
        en: "A regional breakdown does not name each region it covers (the 18, or those of `coverage`).",
    }
    CompletenessRegionDuplicate {
        id: "completeness.region_duplicate",
        severity: Error,
        fr: "Une région apparaît plusieurs fois dans une même répartition.",
        en: "A region appears more than once in one breakdown.",
    }
    CompletenessRegionOutsideCoverage {
        id: "completeness.region_outside_coverage",
        severity: Error,
        fr: "Une répartition régionale nomme une région hors de la couverture que déclare sa description (`coverage`).",
        en: "A regional breakdown names a region outside the coverage its description declares (`coverage`).",
    }
    EnvelopeRestatement {
        id: "envelope.restatement",
        severity: Info,
        fr: "Une page de presse reprend, sous un autre identifiant, une enveloppe qu'un texte plus officiel publie : ses montants sont vérifiés contre elle et ne comptent pas.",
        en: "A press page restates, under another id, an envelope a more authoritative text states: its figures are checked against it and count nothing.",
    }
    DuplicateBeneficiary {
        id: "duplicate.beneficiary",
        severity: Error,
        fr: "Un bénéficiaire apparaît plusieurs fois dans une même enveloppe.",
        en: "A beneficiary appears more than once in one envelope.",
    }
    AgreementDeclaredTotal {
        id: "agreement.declared_total",
        severity: Error,
        fr: "Deux publications annoncent des totaux incompatibles pour la même enveloppe.",
        en: "Two publications declare incompatible totals for the same envelope.",
    }
    AgreementAmount {
        id: "agreement.amount",
        severity: Error,
        fr: "Deux publications donnent des montants incompatibles pour la même ligne.",
        en: "Two publications give incompatible amounts for the same line.",
    }
    AgreementRegion {
        id: "agreement.region",
        severity: Error,
        fr: "Deux publications rattachent le même bénéficiaire à des régions différentes.",
        en: "Two publications place the same beneficiary in different regions.",
    }
    AgreementMissing {
        id: "agreement.missing",
        severity: Warning,
        fr: "Une ligne d'une publication est absente de l'autre publication de la même enveloppe.",
        en: "A line of one publication is missing from the other publication of the same envelope.",
    }
    AgreementMetadata {
        id: "agreement.metadata",
        severity: Warning,
        fr: "Deux descriptions de la même enveloppe diffèrent (exercice, phase, canal ou ventilation).",
        en: "Two descriptions of the same envelope differ (exercise, phase, channel or breakdown).",
    }
    EnvelopePossibleDuplicate {
        id: "envelope.possible_duplicate",
        severity: Warning,
        fr: "Deux enveloppes d'identifiants différents ont le même exercice, la même ventilation et les mêmes montants : un identifiant mal saisi ?",
        en: "Two envelopes with different ids have the same exercise, breakdown and figures: a mistyped id?",
    }
    RevisionTotal {
        id: "revision.total",
        severity: Error,
        fr: "Une liste (avant ou après révision) ne correspond pas au total annoncé.",
        en: "A list (before or after a revision) does not add up to the declared total.",
    }
    RevisionUnnamedChanged {
        id: "revision.unnamed_changed",
        severity: Error,
        fr: "Une région non citée par la révision est réputée inchangée, mais l'arithmétique implique qu'elle a changé.",
        en: "A region the revision does not name is assumed unchanged, but the arithmetic implies it changed.",
    }
    RevisionBaseMismatch {
        id: "revision.base_mismatch",
        severity: Error,
        fr: "Un montant « avant révision » ne correspond pas à celui de la publication que la révision modifie.",
        en: "An amount a revision says it replaces differs from the one in the publication it amends.",
    }
    RevisionUnchanged {
        id: "revision.unchanged",
        severity: Warning,
        fr: "Une ligne de révision donne le même montant avant et après.",
        en: "A revision line gives the same amount before and after.",
    }
    MagnitudeUnitSlip {
        id: "magnitude.unit_slip",
        severity: Error,
        fr: "Un montant est mille fois (ou plus) plus grand ou plus petit que celui auquel il est comparé : une erreur d'unité probable (k€ lus comme des €, millions pour milliers).",
        en: "A figure is a thousand times (or more) larger or smaller than the one it is compared with: a likely unit slip (k€ read as €, millions for thousands).",
    }
    ClaimAmount {
        id: "claim.amount",
        severity: Error,
        fr: "Un montant cité dans le texte ne correspond pas aux montants qu'il reprend.",
        en: "A figure quoted in prose does not match the figures it restates.",
    }
    ClaimRegion {
        id: "claim.region",
        severity: Error,
        fr: "Un texte rattache un bénéficiaire à une autre région que la publication de référence.",
        en: "Prose places a beneficiary in another region than the reference publication.",
    }
    ClaimCount {
        id: "claim.count",
        severity: Error,
        fr: "Un nombre de projets cité dans le texte ne correspond pas à la liste.",
        en: "A number of projects quoted in prose does not match the list.",
    }
    ClaimUnmatched {
        id: "claim.unmatched",
        severity: Warning,
        fr: "Un montant cité dans le texte ne peut être rattaché à aucune ligne ni à aucun total.",
        en: "A figure quoted in prose matches no line and no total.",
    }
    PlausibilityRegionShare {
        id: "plausibility.region_share",
        severity: Warning,
        fr: "La part d'une région dans une enveloppe s'écarte fortement de sa part dans les autres enveloppes.",
        en: "A region's share of an envelope is far from its share in the other envelopes.",
    }
    RegionAliasUnused {
        id: "region.alias_unused",
        severity: Warning,
        fr: "Un alias de région de la description ne correspond à aucun libellé de la source.",
        en: "A region alias of the description matches no label of the source.",
    }
    RegionUnknown {
        id: "region.unknown",
        severity: Error,
        fr: "Nom de région inconnu.",
        en: "Unknown region name.",
    }
    RegionAmbiguous {
        id: "region.ambiguous",
        severity: Error,
        fr: "Nom de région ambigu, non rattaché.",
        en: "Ambiguous region name, not mapped.",
    }
    RegionLegacy {
        id: "region.legacy",
        severity: Warning,
        fr: "Nom de région antérieur à 2016, rattaché à la région actuelle.",
        en: "Pre-2016 region name, mapped to its successor.",
    }
    RegionTerritory {
        id: "region.territory",
        severity: Info,
        fr: "Collectivité d'outre-mer hors des 18 régions (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin…) : son montant compte, sans région.",
        en: "A collectivité d'outre-mer outside the 18 regions (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin…): its figure counts, with no region.",
    }
    RegionInferred {
        id: "region.inferred",
        severity: Info,
        fr: "Région déduite du nom du bénéficiaire.",
        en: "Region read from the beneficiary's name.",
    }
    RegionMissing {
        id: "region.missing",
        severity: Warning,
        fr: "Bénéficiaire sans région.",
        en: "Beneficiary without a region.",
    }
    SheetFloatNoise {
        id: "sheet.float_noise",
        severity: Warning,
        fr: "Montant d'une cellule avec des décimales au-delà du centime.",
        en: "A cell's amount has decimals beyond the cent.",
    }
    SheetSubtotalMismatch {
        id: "sheet.subtotal_mismatch",
        severity: Error,
        fr: "Un sous-total du tableau ne correspond pas à ses lignes.",
        en: "A subtotal row of the table does not match its rows.",
    }
    SheetRegionCarried {
        id: "sheet.region_carried",
        severity: Info,
        fr: "Cellule de région vide sous une région (cellule fusionnée non signalée par le format) : la région du dessus est reportée.",
        en: "Empty region cell under a region (a merged cell the format does not report): the region above is carried down.",
    }
    IdentifierChecksum {
        id: "identifier.checksum",
        severity: Warning,
        fr: "Identifiant FINESS ou SIREN dont la clé de contrôle est fausse.",
        en: "FINESS or SIREN identifier whose check digit fails.",
    }
    DeclaredNotInSource {
        id: "declared.not_in_source",
        severity: Warning,
        fr: "Le total déclaré dans la description ne figure pas dans la source ; il est rattaché à la description.",
        en: "The declared total is not in the source; it is located in the description.",
    }
    ExtractionEmpty {
        id: "extraction.empty",
        severity: Error,
        fr: "Aucun montant trouvé après l'ancre de l'enveloppe : la description ne désigne pas les chiffres.",
        en: "No figure after the envelope's anchor: the description does not point at the figures.",
    }
    ExtractionDetail {
        id: "extraction.detail",
        severity: Info,
        fr: "Un montant introduit par « dont » détaille le précédent : il n'est pas compté comme une ligne.",
        en: "A figure introduced by \"dont\" details the one before it: not counted as a line.",
    }
    ExtractionNote {
        id: "extraction.note",
        severity: Warning,
        fr: "Remarque de l'extraction.",
        en: "Extraction remark.",
    }
    AcknowledgementUnused {
        id: "acknowledgement.unused",
        severity: Warning,
        fr: "Un acquittement ne correspond plus à aucun constat.",
        en: "An acknowledgement matches no finding any more.",
    }
}

impl Rule {
    /// The rule's entry in the catalogue.
    pub fn info(self) -> &'static RuleInfo {
        &RULES[self as usize]
    }

    /// The stable id, e.g. "total.sum_mismatch".
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Default severity of the rule's findings.
    pub fn severity(self) -> Severity {
        self.info().severity
    }
}

// Findings are sorted by rule id, as they were when rules were strings: reports keep their
// order.
impl Ord for Rule {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id().cmp(other.id())
    }
}

impl PartialOrd for Rule {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// A text that is not the id of any rule of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a rule id (`esms-ledger rules` lists them)")]
pub struct UnknownRule(pub String);

impl FromStr for Rule {
    type Err = UnknownRule;

    /// Reads a rule id back ("total.sum_mismatch"), exactly as the catalogue spells it.
    fn from_str(id: &str) -> Result<Self, Self::Err> {
        RULES
            .iter()
            .find(|info| info.id == id)
            .map(|info| info.rule)
            .ok_or_else(|| UnknownRule(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_is_its_own_entry_of_the_catalogue() {
        for (index, info) in RULES.iter().enumerate() {
            assert_eq!(info.rule as usize, index);
            assert_eq!(info.rule.info(), info);
        }
    }

    #[test]
    fn every_rule_round_trips_through_its_id() {
        for info in RULES {
            assert_eq!(info.id.parse::<Rule>(), Ok(info.rule));
            assert_eq!(info.rule.to_string(), info.id);
        }
        assert_eq!(
            "total.sum_mismatch".parse::<Rule>(),
            Ok(Rule::TotalSumMismatch)
        );
        assert_eq!(Rule::SheetSubtotalMismatch.id(), "sheet.subtotal_mismatch");
    }

    #[test]
    fn a_mistyped_id_is_no_rule() {
        assert_eq!(
            "total.sum_mismatch ".parse::<Rule>(),
            Err(UnknownRule("total.sum_mismatch ".to_string()))
        );
        assert!("total.summismatch".parse::<Rule>().is_err());
        assert!("".parse::<Rule>().is_err());
    }

    #[test]
    fn rules_order_by_their_id_not_by_the_catalogue() {
        // "agreement.amount" comes before "total.sum_mismatch" although the catalogue
        // lists the totals first.
        assert!(Rule::AgreementAmount < Rule::TotalSumMismatch);
        assert!(Rule::AcknowledgementUnused < Rule::AgreementAmount);
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let mut rules: Vec<Rule> = RULES.iter().map(|r| r.rule).collect();
        rules.sort();
        assert_eq!(rules.iter().map(|r| r.id()).collect::<Vec<_>>(), ids);
    }

    #[test]
    fn a_rule_serialises_as_its_id() {
        assert_eq!(
            serde_json::to_string(&Rule::ClaimCount).unwrap(),
            "\"claim.count\""
        );
        let info = serde_json::to_value(Rule::RegionMissing.info()).unwrap();
        let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["en", "fr", "id", "severity"]);
    }
}
