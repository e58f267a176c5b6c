//! The catalogue of rules: stable ids, default severities, and their one-line descriptions
//! in French (for the reports) and English (for logs and the README).

use crate::model::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub fr: &'static str,
    pub en: &'static str,
}

const fn rule(
    id: &'static str,
    severity: Severity,
    fr: &'static str,
    en: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        severity,
        fr,
        en,
    }
}

use Severity::{Error, Info, Warning};

/// Every rule, in the order the README lists them.
pub const RULES: &[RuleInfo] = &[
    rule(
        "total.sum_mismatch",
        Error,
        "La somme des composantes ne correspond pas au total annoncé, au-delà de la précision de l'annonce.",
        "Components do not add up to the declared total, beyond the declared figure's precision.",
    ),
    rule(
        "total.row_mismatch",
        Error,
        "Le total déclaré dans la description et la ligne « Total » du tableau diffèrent.",
        "The declared total and the table's Total row differ.",
    ),
    rule(
        "nested.child_not_found",
        Error,
        "Une sous-enveloppe désigne une enveloppe parente qu'aucune publication ne décrit.",
        "A sub-envelope names a parent envelope that no publication describes.",
    ),
    rule(
        "nested.child_mismatch",
        Error,
        "Une sous-enveloppe ne totalise pas le montant de la ligne de son enveloppe parente qui la désigne.",
        "A sub-envelope does not add up to the line of its parent that stands for it.",
    ),
    rule(
        "nested.parent_missing",
        Warning,
        "Une enveloppe totalise exactement une ligne d'une autre sans lui être rattachée (`parent`) : ses euros seraient comptés deux fois.",
        "An envelope totals exactly a line of another without being linked to it (`parent`): its euros would count twice.",
    ),
    rule(
        "nested.remainder_derived",
        Info,
        "Un reliquat nommé mais non chiffré par la source est calculé par différence.",
        "A remainder the source names but does not state is derived by difference.",
    ),
    rule(
        "nested.remainder_negative",
        Error,
        "Les composantes dépassent déjà le total : le reliquat annoncé serait négatif.",
        "Components already exceed the total: the named remainder would be negative.",
    ),
    rule(
        "completeness.region_missing",
        Error,
        "Une répartition régionale ne nomme pas chacune des 18 régions.",
        "A regional breakdown does not name each of the 18 regions.",
    ),
    rule(
        "completeness.region_duplicate",
        Error,
        "Une région apparaît plusieurs fois dans une même répartition.",
        "A region appears more than once in one breakdown.",
    ),
    rule(
        "duplicate.beneficiary",
        Error,
        "Un bénéficiaire apparaît plusieurs fois dans une même enveloppe.",
        "A beneficiary appears more than once in one envelope.",
    ),
    rule(
        "agreement.declared_total",
        Error,
        "Deux publications annoncent des totaux incompatibles pour la même enveloppe.",
        "Two publications declare incompatible totals for the same envelope.",
    ),
    rule(
        "agreement.amount",
        Error,
        "Deux publications donnent des montants incompatibles pour la même ligne.",
        "Two publications give incompatible amounts for the same line.",
    ),
    rule(
        "agreement.region",
        Error,
        "Deux publications rattachent le même bénéficiaire à des régions différentes.",
        "Two publications place the same beneficiary in different regions.",
    ),
    rule(
        "agreement.missing",
        Warning,
        "Une ligne d'une publication est absente de l'autre publication de la même enveloppe.",
        "A line of one publication is missing from the other publication of the same envelope.",
    ),
    rule(
        "agreement.metadata",
        Warning,
        "Deux descriptions de la même enveloppe diffèrent (exercice, phase, canal ou ventilation).",
        "Two descriptions of the same envelope differ (exercise, phase, channel or breakdown).",
    ),
    rule(
        "envelope.possible_duplicate",
        Warning,
        "Deux enveloppes d'identifiants différents ont le même exercice, la même ventilation et les mêmes montants : un identifiant mal saisi ?",
        "Two envelopes with different ids have the same exercise, breakdown and figures: a mistyped id?",
    ),
    rule(
        "revision.total",
        Error,
        "Une liste (avant ou après révision) ne correspond pas au total annoncé.",
        "A list (before or after a revision) does not add up to the declared total.",
    ),
    rule(
        "revision.unnamed_changed",
        Error,
        "Une région non citée par la révision est réputée inchangée, mais l'arithmétique implique qu'elle a changé.",
        "A region the revision does not name is assumed unchanged, but the arithmetic implies it changed.",
    ),
    rule(
        "revision.base_mismatch",
        Error,
        "Un montant « avant révision » ne correspond pas à celui de la publication que la révision modifie.",
        "An amount a revision says it replaces differs from the one in the publication it amends.",
    ),
    rule(
        "revision.unchanged",
        Warning,
        "Une ligne de révision donne le même montant avant et après.",
        "A revision line gives the same amount before and after.",
    ),
    rule(
        "claim.amount",
        Error,
        "Un montant cité dans le texte ne correspond pas aux montants qu'il reprend.",
        "A figure quoted in prose does not match the figures it restates.",
    ),
    rule(
        "claim.region",
        Error,
        "Un texte rattache un bénéficiaire à une autre région que la publication de référence.",
        "Prose places a beneficiary in another region than the reference publication.",
    ),
    rule(
        "claim.count",
        Error,
        "Un nombre de projets cité dans le texte ne correspond pas à la liste.",
        "A number of projects quoted in prose does not match the list.",
    ),
    rule(
        "claim.unmatched",
        Warning,
        "Un montant cité dans le texte ne peut être rattaché à aucune ligne ni à aucun total.",
        "A figure quoted in prose matches no line and no total.",
    ),
    rule(
        "plausibility.region_share",
        Warning,
        "La part d'une région dans une enveloppe s'écarte fortement de sa part dans les autres enveloppes.",
        "A region's share of an envelope is far from its share in the other envelopes.",
    ),
    rule(
        "region.alias_unused",
        Warning,
        "Un alias de région de la description ne correspond à aucun libellé de la source.",
        "A region alias of the description matches no label of the source.",
    ),
    rule(
        "region.unknown",
        Error,
        "Nom de région inconnu.",
        "Unknown region name.",
    ),
    rule(
        "region.ambiguous",
        Error,
        "Nom de région ambigu, non rattaché.",
        "Ambiguous region name, not mapped.",
    ),
    rule(
        "region.legacy",
        Warning,
        "Nom de région antérieur à 2016, rattaché à la région actuelle.",
        "Pre-2016 region name, mapped to its successor.",
    ),
    rule(
        "region.inferred",
        Info,
        "Région déduite du nom du bénéficiaire.",
        "Region read from the beneficiary's name.",
    ),
    rule(
        "region.missing",
        Warning,
        "Bénéficiaire sans région.",
        "Beneficiary without a region.",
    ),
    rule(
        "sheet.float_noise",
        Warning,
        "Montant d'une cellule avec des décimales au-delà du centime.",
        "A cell's amount has decimals beyond the cent.",
    ),
    rule(
        "sheet.subtotal_mismatch",
        Error,
        "Un sous-total du tableau ne correspond pas à ses lignes.",
        "A subtotal row of the table does not match its rows.",
    ),
    rule(
        "sheet.region_carried",
        Info,
        "Cellule de région vide sous une région (cellule fusionnée non signalée par le format) : la région du dessus est reportée.",
        "Empty region cell under a region (a merged cell the format does not report): the region above is carried down.",
    ),
    rule(
        "identifier.checksum",
        Warning,
        "Identifiant FINESS ou SIREN dont la clé de contrôle est fausse.",
        "FINESS or SIREN identifier whose check digit fails.",
    ),
    rule(
        "declared.not_in_source",
        Warning,
        "Le total déclaré dans la description ne figure pas dans la source ; il est rattaché à la description.",
        "The declared total is not in the source; it is located in the description.",
    ),
    rule(
        "extraction.empty",
        Error,
        "Aucun montant trouvé après l'ancre de l'enveloppe : la description ne désigne pas les chiffres.",
        "No figure after the envelope's anchor: the description does not point at the figures.",
    ),
    rule(
        "extraction.detail",
        Info,
        "Un montant introduit par « dont » détaille le précédent : il n'est pas compté comme une ligne.",
        "A figure introduced by \"dont\" details the one before it: not counted as a line.",
    ),
    rule(
        "extraction.note",
        Warning,
        "Remarque de l'extraction.",
        "Extraction remark.",
    ),
    rule(
        "acknowledgement.unused",
        Warning,
        "Un acquittement ne correspond plus à aucun constat.",
        "An acknowledgement matches no finding any more.",
    ),
];

pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// The catalogue id for an extraction note's rule (unknown ones are grouped).
pub fn note_rule(id: &str) -> &'static str {
    rule_info(id).map_or("extraction.note", |r| r.id)
}
