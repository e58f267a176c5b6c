//! The 18 INSEE regions (COG 2024), and the spellings official texts give them. Pure: no I/O.
//!
//! Rules: reference notes §3.1 (the official table), §3.2 (normalisation pipeline and
//! aliases) and §3.3 (pre-2016 regions, provisional 2016 names, ARS history). A name is
//! never guessed: fuzzy matching only produces suggestions, old names map with a warning,
//! and names that could mean a part or the whole of a current region are errors.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// One of the 18 current regions, in INSEE code order. Serialised as its 2-character
/// code ("01", "84"): codes are strings, "01" is not 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RegionCode {
    #[serde(rename = "01")]
    Guadeloupe,
    #[serde(rename = "02")]
    Martinique,
    #[serde(rename = "03")]
    Guyane,
    #[serde(rename = "04")]
    LaReunion,
    #[serde(rename = "06")]
    Mayotte,
    #[serde(rename = "11")]
    IleDeFrance,
    #[serde(rename = "24")]
    CentreValDeLoire,
    #[serde(rename = "27")]
    BourgogneFrancheComte,
    #[serde(rename = "28")]
    Normandie,
    #[serde(rename = "32")]
    HautsDeFrance,
    #[serde(rename = "44")]
    GrandEst,
    #[serde(rename = "52")]
    PaysDeLaLoire,
    #[serde(rename = "53")]
    Bretagne,
    #[serde(rename = "75")]
    NouvelleAquitaine,
    #[serde(rename = "76")]
    Occitanie,
    #[serde(rename = "84")]
    AuvergneRhoneAlpes,
    #[serde(rename = "93")]
    ProvenceAlpesCoteDAzur,
    #[serde(rename = "94")]
    Corse,
}

impl RegionCode {
    /// The 18 regions in code order: 01 02 03 04 06 11 24 27 28 32 44 52 53 75 76 84 93 94.
    pub const ALL: [RegionCode; 18] = [
        RegionCode::Guadeloupe,
        RegionCode::Martinique,
        RegionCode::Guyane,
        RegionCode::LaReunion,
        RegionCode::Mayotte,
        RegionCode::IleDeFrance,
        RegionCode::CentreValDeLoire,
        RegionCode::BourgogneFrancheComte,
        RegionCode::Normandie,
        RegionCode::HautsDeFrance,
        RegionCode::GrandEst,
        RegionCode::PaysDeLaLoire,
        RegionCode::Bretagne,
        RegionCode::NouvelleAquitaine,
        RegionCode::Occitanie,
        RegionCode::AuvergneRhoneAlpes,
        RegionCode::ProvenceAlpesCoteDAzur,
        RegionCode::Corse,
    ];

    /// The INSEE COG code (REG column).
    pub fn code(self) -> &'static str {
        match self {
            RegionCode::Guadeloupe => "01",
            RegionCode::Martinique => "02",
            RegionCode::Guyane => "03",
            RegionCode::LaReunion => "04",
            RegionCode::Mayotte => "06",
            RegionCode::IleDeFrance => "11",
            RegionCode::CentreValDeLoire => "24",
            RegionCode::BourgogneFrancheComte => "27",
            RegionCode::Normandie => "28",
            RegionCode::HautsDeFrance => "32",
            RegionCode::GrandEst => "44",
            RegionCode::PaysDeLaLoire => "52",
            RegionCode::Bretagne => "53",
            RegionCode::NouvelleAquitaine => "75",
            RegionCode::Occitanie => "76",
            RegionCode::AuvergneRhoneAlpes => "84",
            RegionCode::ProvenceAlpesCoteDAzur => "93",
            RegionCode::Corse => "94",
        }
    }

    /// The official COG LIBELLE, with its ASCII apostrophe: what the dataset shows,
    /// whatever the source wrote.
    pub fn name(self) -> &'static str {
        match self {
            RegionCode::Guadeloupe => "Guadeloupe",
            RegionCode::Martinique => "Martinique",
            RegionCode::Guyane => "Guyane",
            RegionCode::LaReunion => "La Réunion",
            RegionCode::Mayotte => "Mayotte",
            RegionCode::IleDeFrance => "Île-de-France",
            RegionCode::CentreValDeLoire => "Centre-Val de Loire",
            RegionCode::BourgogneFrancheComte => "Bourgogne-Franche-Comté",
            RegionCode::Normandie => "Normandie",
            RegionCode::HautsDeFrance => "Hauts-de-France",
            RegionCode::GrandEst => "Grand Est",
            RegionCode::PaysDeLaLoire => "Pays de la Loire",
            RegionCode::Bretagne => "Bretagne",
            RegionCode::NouvelleAquitaine => "Nouvelle-Aquitaine",
            RegionCode::Occitanie => "Occitanie",
            RegionCode::AuvergneRhoneAlpes => "Auvergne-Rhône-Alpes",
            RegionCode::ProvenceAlpesCoteDAzur => "Provence-Alpes-Côte d'Azur",
            RegionCode::Corse => "Corse",
        }
    }

    /// Guadeloupe, Martinique, Guyane, La Réunion and Mayotte: the regions that are also
    /// overseas departments (codes 01 to 06).
    pub fn is_overseas(self) -> bool {
        matches!(
            self,
            RegionCode::Guadeloupe
                | RegionCode::Martinique
                | RegionCode::Guyane
                | RegionCode::LaReunion
                | RegionCode::Mayotte
        )
    }

    /// The region of a current 2-character code; `None` for "05", retired codes ("42")
    /// and anything else. No trimming, no padding: "1" is not "01".
    pub fn from_code(code: &str) -> Option<RegionCode> {
        RegionCode::ALL
            .into_iter()
            .find(|region| region.code() == code)
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A French territory that is not one of the 18 regions: the collectivités d'outre-mer and
/// Nouvelle-Calédonie, by their COG code (reference notes §3.1 and §3.4: "97x", "98x").
/// National tables list some of them beside the regions, often at 0 € ("l'ATS de
/// Saint-Pierre-et-Miquelon"); their figures count in the sums but belong to no region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Territory {
    #[serde(rename = "975")]
    SaintPierreEtMiquelon,
    #[serde(rename = "977")]
    SaintBarthelemy,
    #[serde(rename = "978")]
    SaintMartin,
    #[serde(rename = "986")]
    WallisEtFutuna,
    #[serde(rename = "987")]
    PolynesieFrancaise,
    #[serde(rename = "988")]
    NouvelleCaledonie,
}

impl Territory {
    pub const ALL: [Territory; 6] = [
        Territory::SaintPierreEtMiquelon,
        Territory::SaintBarthelemy,
        Territory::SaintMartin,
        Territory::WallisEtFutuna,
        Territory::PolynesieFrancaise,
        Territory::NouvelleCaledonie,
    ];

    /// The COG code of the collectivity ("975").
    pub fn code(self) -> &'static str {
        match self {
            Territory::SaintPierreEtMiquelon => "975",
            Territory::SaintBarthelemy => "977",
            Territory::SaintMartin => "978",
            Territory::WallisEtFutuna => "986",
            Territory::PolynesieFrancaise => "987",
            Territory::NouvelleCaledonie => "988",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Territory::SaintPierreEtMiquelon => "Saint-Pierre-et-Miquelon",
            Territory::SaintBarthelemy => "Saint-Barthélemy",
            Territory::SaintMartin => "Saint-Martin",
            Territory::WallisEtFutuna => "Wallis-et-Futuna",
            Territory::PolynesieFrancaise => "Polynésie française",
            Territory::NouvelleCaledonie => "Nouvelle-Calédonie",
        }
    }

    /// The territory a label names, by its name or its code, with the prefixes a region
    /// label may carry ("ATS de Saint-Pierre-et-Miquelon", "Collectivité de Saint-Martin",
    /// "975 - Saint-Pierre-et-Miquelon"). Exact after folding, never fuzzy: "ARS de
    /// Guadeloupe, Saint-Martin et Saint-Barthélemy" is Guadeloupe, not a territory.
    pub fn of_label(label: &str) -> Option<Territory> {
        let key = normalise_key(label);
        if key.len() > MAX_KEY_BYTES {
            return None;
        }
        let mut stage = key.as_str();
        loop {
            let (first, rest) = stage.split_once(' ').unwrap_or((stage, ""));
            let by_code = Territory::ALL.into_iter().find(|t| t.code() == first);
            if let Some(territory) = by_code
                && (rest.is_empty() || normalise_key(territory.name()) == rest)
            {
                return Some(territory);
            }
            if let Some(territory) = Territory::ALL
                .into_iter()
                .find(|t| normalise_key(t.name()) == stage)
            {
                return Some(territory);
            }
            // "ATS" (administration territoriale de santé) is Saint-Pierre-et-Miquelon's ARS.
            let rest = stage
                .strip_prefix("ats ")
                .or_else(|| stage.strip_prefix("administration territoriale de sante "))
                .or_else(|| strip_one_prefix(stage));
            match rest {
                Some(rest) => stage = rest,
                None => return None,
            }
        }
    }
}

impl std::fmt::Display for Territory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a name was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    /// The official name, up to case, accents, dashes, apostrophes and prefixes ("ARS",
    /// "Région", articles).
    Official,
    /// Another current name: an acronym ("PACA"), a brand ("Région Sud"), a demonym
    /// ("franciliens"), an ARS long name.
    Alias,
    /// By INSEE code ("84"), alone or agreeing with the name beside it ("11 - Île-de-France").
    Code,
    /// A pre-2016 region or a provisional 2016 name, mapped to its successor with a warning.
    Legacy,
}

/// A region name resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionMatch {
    pub code: RegionCode,
    pub rule: MatchRule,
    /// The normalised key that matched, after prefixes were stripped: "paca",
    /// "ile de france", "84".
    pub matched: String,
    /// For the validation report, in English; set for legacy names and for a code that
    /// had to settle an ambiguous name.
    pub warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// Not a region name; `suggestions` are the closest current regions (Jaro-Winkler on
    /// normalised keys), best first, at most three, for "did you mean…" in the report.
    #[error("unknown region '{input}'{}", did_you_mean(suggestions))]
    Unknown {
        input: String,
        suggestions: Vec<RegionCode>,
    },
    /// A name that may mean more than one thing: a pre-2016 region that is also the
    /// beginning of a current one ("Auvergne"), "ARS Océan Indien" (La Réunion and
    /// Mayotte until 2019), a code that contradicts the name beside it.
    #[error("ambiguous region '{input}': {reason}")]
    Ambiguous {
        input: String,
        candidates: Vec<RegionCode>,
        reason: String,
    },
    #[error("empty region name")]
    Empty,
}

fn did_you_mean(suggestions: &[RegionCode]) -> String {
    if suggestions.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = suggestions.iter().map(|region| region.name()).collect();
    format!("; did you mean {}?", names.join(", "))
}

/// Resolves a region name as a label (a table row, a spreadsheet cell, an ARS name).
///
/// Pipeline (reference §3.2): NFKC; case and accents folded; dashes, apostrophes and any
/// other punctuation act as word separators ("Côte d’Azur" ≡ "Cote-d'Azur" ≡ "COTE D
/// AZUR"); then the leading "ARS", "Agence régionale de santé", "Région", "Collectivité
/// (territoriale) de" and articles (de, d', du, des, la, le, les, l') are stripped one at
/// a time, looking the key up after each step, so that "La Réunion" is official,
/// "Région Sud" an alias and "Pays de la Loire" keeps its "la". A leading 2-digit code
/// is read as an INSEE code.
///
/// Outcomes:
/// - official names and current aliases map silently (rules `Official`, `Alias`);
/// - a code alone, or agreeing with the name after it, maps (rule `Code`); a code that
///   contradicts the name is `Ambiguous`;
/// - unmistakable pre-2016 names ("Rhône-Alpes", "Alsace") and provisional 2016 names
///   ("ACAL") map to their successor with a warning (rule `Legacy`), as do retired
///   pre-2016 codes ("42");
/// - old names that are also the beginning of a current name ("Auvergne", "Bourgogne",
///   "Aquitaine", "Centre") and "Océan Indien" are `Ambiguous`: a figure for them may
///   cover part of a region only, and the reader must decide;
/// - anything else is `Unknown`, with suggestions; a bare "NA" (non applicable in
///   spreadsheets) is never read as Nouvelle-Aquitaine.
pub fn normalise_region(input: &str) -> Result<RegionMatch, RegionError> {
    let key = normalise_key(input);
    if key.is_empty() {
        return Err(RegionError::Empty);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(RegionError::Unknown {
            input: input.to_string(),
            suggestions: Vec::new(),
        });
    }
    resolve(input, &key, CodePrefix::Allowed)
}

/// The longest label ("ARS de Guadeloupe, Saint-Martin et Saint-Barthélemy" and a
/// code) is far below this; longer input is prose, and stripping prefixes from it one
/// at a time would cost time quadratic in its length.
const MAX_KEY_BYTES: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CodePrefix {
    Allowed,
    /// The name after a code: "11 11 Île-de-France" is not read twice.
    NotAllowed,
}

fn resolve(input: &str, key: &str, code_prefix: CodePrefix) -> Result<RegionMatch, RegionError> {
    let mut stage = key;
    loop {
        if code_prefix == CodePrefix::Allowed
            && let Some((code, rest)) = split_code(stage)
        {
            return resolve_with_code(input, stage, code, rest);
        }
        if let Some(entry) = TABLE.get(stage) {
            return entry.resolve(input, stage);
        }
        match strip_one_prefix(stage) {
            Some(rest) => stage = rest,
            None => break,
        }
    }
    Err(RegionError::Unknown {
        input: input.to_string(),
        suggestions: suggestions(stage),
    })
}

/// "84 auvergne rhone alpes" → ("84", "auvergne rhone alpes"); "84" → ("84", "").
fn split_code(key: &str) -> Option<(&str, &str)> {
    let (first, rest) = key.split_once(' ').unwrap_or((key, ""));
    (first.len() == 2 && first.bytes().all(|b| b.is_ascii_digit())).then_some((first, rest))
}

fn resolve_with_code(
    input: &str,
    key: &str,
    code: &str,
    name: &str,
) -> Result<RegionMatch, RegionError> {
    let current = RegionCode::from_code(code);
    let retired = RETIRED_CODES
        .iter()
        .find(|(retired_code, _, _)| *retired_code == code)
        .map(|&(_, old_name, successor)| (old_name, successor));
    let by_code = current.or(retired.map(|(_, successor)| successor));
    let retired_warning = retired.map(|(old_name, successor)| {
        format!(
            "'{code}' is a pre-2016 region code ({old_name}); mapped to its successor {}",
            successor.name()
        )
    });
    let matched = |region: RegionCode, rule: MatchRule, warning: Option<String>| RegionMatch {
        code: region,
        rule,
        matched: key.to_string(),
        warning,
    };

    if name.is_empty() {
        return match (current, retired) {
            (Some(region), _) => Ok(matched(region, MatchRule::Code, None)),
            (None, Some((_, successor))) => {
                Ok(matched(successor, MatchRule::Legacy, retired_warning))
            }
            (None, None) => Err(RegionError::Unknown {
                input: input.to_string(),
                suggestions: Vec::new(),
            }),
        };
    }

    let by_name = resolve(input, name, CodePrefix::NotAllowed);
    match (by_code, by_name) {
        (Some(region), Ok(named)) if named.code == region => {
            let legacy_warning = named.warning.or(retired_warning);
            Ok(match legacy_warning {
                Some(warning) => matched(region, MatchRule::Legacy, Some(warning)),
                None => matched(region, MatchRule::Code, None),
            })
        }
        (
            Some(region),
            Err(RegionError::Ambiguous {
                reason, candidates, ..
            }),
        ) if candidates.contains(&region) => {
            let rule = if retired.is_some() {
                MatchRule::Legacy
            } else {
                MatchRule::Code
            };
            let warning =
                format!("the name alone is ambiguous ({reason}); the code {code} settles it");
            Ok(matched(region, rule, Some(warning)))
        }
        (Some(region), Ok(named)) => Err(RegionError::Ambiguous {
            input: input.to_string(),
            candidates: vec![region, named.code],
            reason: format!(
                "the code {code} is {} but the name is {}",
                region.name(),
                named.code.name()
            ),
        }),
        (Some(region), Err(_)) => Err(RegionError::Ambiguous {
            input: input.to_string(),
            candidates: vec![region],
            reason: format!(
                "the code {code} is {} but the rest of the label is not a region name",
                region.name()
            ),
        }),
        (None, Ok(named)) => Err(RegionError::Ambiguous {
            input: input.to_string(),
            candidates: vec![named.code],
            reason: format!(
                "'{code}' is not a region code, but the name is {} ({})",
                named.code.name(),
                named.code.code()
            ),
        }),
        (None, Err(error)) => Err(error),
    }
}

/// Prefixes stripped one at a time from the start of a key (reference §3.2 step 5).
const PREFIXES: &[&str] = &[
    "agence regionale de sante",
    "collectivite territoriale de",
    "collectivite de",
    "ars",
    "region",
    "de",
    "d",
    "du",
    "des",
    "la",
    "le",
    "les",
    "l",
];

fn strip_one_prefix(key: &str) -> Option<&str> {
    PREFIXES.iter().find_map(|prefix| {
        key.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(' '))
    })
}

/// The comparison key of a label: NFKC, lower case, accents dropped, every run of
/// non-alphanumeric characters (blanks, dashes, apostrophes, commas…) one space.
fn normalise_key(text: &str) -> String {
    let lower: String = text.nfkc().flat_map(char::to_lowercase).collect();
    let unaccented: String = lower.nfd().filter(|&c| !is_combining_mark(c)).collect();
    unaccented
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Current names other than the official ones (reference §3.2). "GE" and a bare "NA"
/// are left out on purpose: too short, and "NA" means "non applicable" in spreadsheets.
const ALIASES: &[(&str, RegionCode)] = &[
    (
        "Guadeloupe, Saint-Martin et Saint-Barthélemy",
        RegionCode::Guadeloupe,
    ),
    (
        "Guadeloupe, Saint-Martin, Saint-Barthélemy",
        RegionCode::Guadeloupe,
    ),
    ("Guyane française", RegionCode::Guyane),
    ("Réunion", RegionCode::LaReunion),
    ("Île de la Réunion", RegionCode::LaReunion),
    ("IDF", RegionCode::IleDeFrance),
    ("FR-IDF", RegionCode::IleDeFrance),
    ("francilien", RegionCode::IleDeFrance),
    ("franciliens", RegionCode::IleDeFrance),
    ("francilienne", RegionCode::IleDeFrance),
    ("franciliennes", RegionCode::IleDeFrance),
    ("CVL", RegionCode::CentreValDeLoire),
    ("FR-CVL", RegionCode::CentreValDeLoire),
    ("BFC", RegionCode::BourgogneFrancheComte),
    ("FR-BFC", RegionCode::BourgogneFrancheComte),
    ("FR-NOR", RegionCode::Normandie),
    ("HDF", RegionCode::HautsDeFrance),
    ("FR-HDF", RegionCode::HautsDeFrance),
    ("FR-GES", RegionCode::GrandEst),
    ("PDL", RegionCode::PaysDeLaLoire),
    ("FR-PDL", RegionCode::PaysDeLaLoire),
    ("FR-BRE", RegionCode::Bretagne),
    ("NAQ", RegionCode::NouvelleAquitaine),
    ("FR-NAQ", RegionCode::NouvelleAquitaine),
    ("FR-OCC", RegionCode::Occitanie),
    ("AURA", RegionCode::AuvergneRhoneAlpes),
    ("ARA", RegionCode::AuvergneRhoneAlpes),
    ("FR-ARA", RegionCode::AuvergneRhoneAlpes),
    ("PACA", RegionCode::ProvenceAlpesCoteDAzur),
    // The regional council's brand since 2017, not the legal name.
    ("Région Sud", RegionCode::ProvenceAlpesCoteDAzur),
    ("FR-PAC", RegionCode::ProvenceAlpesCoteDAzur),
    ("FR-20R", RegionCode::Corse),
];

/// Pre-2016 regions and provisional 2016 names that can only mean one current region
/// (reference §3.3): (spelling, old name shown in the warning, successor, what it is).
const LEGACY: &[(&str, &str, RegionCode, &str)] = &[
    ("Alsace", "Alsace", RegionCode::GrandEst, PRE_2016),
    ("Lorraine", "Lorraine", RegionCode::GrandEst, PRE_2016),
    (
        "Champagne-Ardenne",
        "Champagne-Ardenne",
        RegionCode::GrandEst,
        PRE_2016,
    ),
    (
        "Champagne-Ardennes",
        "Champagne-Ardenne",
        RegionCode::GrandEst,
        PRE_2016,
    ),
    (
        "Limousin",
        "Limousin",
        RegionCode::NouvelleAquitaine,
        PRE_2016,
    ),
    (
        "Poitou-Charentes",
        "Poitou-Charentes",
        RegionCode::NouvelleAquitaine,
        PRE_2016,
    ),
    (
        "Rhône-Alpes",
        "Rhône-Alpes",
        RegionCode::AuvergneRhoneAlpes,
        PRE_2016,
    ),
    (
        "Languedoc-Roussillon",
        "Languedoc-Roussillon",
        RegionCode::Occitanie,
        PRE_2016,
    ),
    (
        "Midi-Pyrénées",
        "Midi-Pyrénées",
        RegionCode::Occitanie,
        PRE_2016,
    ),
    (
        "Nord-Pas-de-Calais",
        "Nord-Pas-de-Calais",
        RegionCode::HautsDeFrance,
        PRE_2016,
    ),
    ("Picardie", "Picardie", RegionCode::HautsDeFrance, PRE_2016),
    (
        "Basse-Normandie",
        "Basse-Normandie",
        RegionCode::Normandie,
        PRE_2016,
    ),
    (
        "Haute-Normandie",
        "Haute-Normandie",
        RegionCode::Normandie,
        PRE_2016,
    ),
    (
        "Franche-Comté",
        "Franche-Comté",
        RegionCode::BourgogneFrancheComte,
        PRE_2016,
    ),
    (
        "Alsace-Champagne-Ardenne-Lorraine",
        "Alsace-Champagne-Ardenne-Lorraine",
        RegionCode::GrandEst,
        PROVISIONAL_2016,
    ),
    ("ACAL", "ACAL", RegionCode::GrandEst, PROVISIONAL_2016),
    (
        "Aquitaine-Limousin-Poitou-Charentes",
        "Aquitaine-Limousin-Poitou-Charentes",
        RegionCode::NouvelleAquitaine,
        PROVISIONAL_2016,
    ),
    (
        "ALPC",
        "ALPC",
        RegionCode::NouvelleAquitaine,
        PROVISIONAL_2016,
    ),
    (
        "Languedoc-Roussillon-Midi-Pyrénées",
        "Languedoc-Roussillon-Midi-Pyrénées",
        RegionCode::Occitanie,
        PROVISIONAL_2016,
    ),
    ("LRMP", "LRMP", RegionCode::Occitanie, PROVISIONAL_2016),
    (
        "Nord-Pas-de-Calais-Picardie",
        "Nord-Pas-de-Calais-Picardie",
        RegionCode::HautsDeFrance,
        PROVISIONAL_2016,
    ),
    (
        "NPDCP",
        "NPDCP",
        RegionCode::HautsDeFrance,
        PROVISIONAL_2016,
    ),
];
const PRE_2016: &str = "a pre-2016 region";
const PROVISIONAL_2016: &str = "a provisional 2016 region name";

/// Codes of the pre-2016 regions that were retired in 2016 (reference §3.3); the
/// others (11, 24, 52, 53, 93, 94) were kept for the same territory.
const RETIRED_CODES: &[(&str, &str, RegionCode)] = &[
    ("21", "Champagne-Ardenne", RegionCode::GrandEst),
    ("22", "Picardie", RegionCode::HautsDeFrance),
    ("23", "Haute-Normandie", RegionCode::Normandie),
    ("25", "Basse-Normandie", RegionCode::Normandie),
    ("26", "Bourgogne", RegionCode::BourgogneFrancheComte),
    ("31", "Nord-Pas-de-Calais", RegionCode::HautsDeFrance),
    ("41", "Lorraine", RegionCode::GrandEst),
    ("42", "Alsace", RegionCode::GrandEst),
    ("43", "Franche-Comté", RegionCode::BourgogneFrancheComte),
    ("54", "Poitou-Charentes", RegionCode::NouvelleAquitaine),
    ("72", "Aquitaine", RegionCode::NouvelleAquitaine),
    ("73", "Midi-Pyrénées", RegionCode::Occitanie),
    ("74", "Limousin", RegionCode::NouvelleAquitaine),
    ("82", "Rhône-Alpes", RegionCode::AuvergneRhoneAlpes),
    ("83", "Auvergne", RegionCode::AuvergneRhoneAlpes),
    ("91", "Languedoc-Roussillon", RegionCode::Occitanie),
];

/// The last exercise of the map of 22 metropolitan regions (loi n° 2015-29: 13 regions from
/// 1 January 2016).
pub const LAST_EXERCISE_OF_22_REGIONS: i32 = 2015;

/// A region of the map before 2016, as a publication of that time names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FormerRegion {
    /// Its COG code of the time ("72" Aquitaine, "24" Centre).
    pub code: &'static str,
    pub name: &'static str,
    pub successor: RegionCode,
}

/// The regions of the map before 2016 whose name is not a current one: the 16 merged in
/// 2016 and "Centre" (renamed Centre-Val de Loire in 2015, same territory and code).
const FORMER_NAMES: &[(&str, &str, RegionCode)] = &[("24", "Centre", RegionCode::CentreValDeLoire)];

/// For a publication of an exercise up to 2015, the regions of its map a label names:
/// "Aquitaine", "Auvergne", "Bourgogne" and "Centre" are then plain names of their time,
/// not ambiguous ones, whatever the layout of the table. Exact after the usual folding and
/// prefixes ("ARS d'Aquitaine", "Nord - Pas-de-Calais"); `None` for the names the map
/// shares with today's (Bretagne, Corse…), which resolve as usual.
pub fn former_region(input: &str) -> Option<FormerRegion> {
    let key = normalise_key(input);
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return None;
    }
    let mut stage = key.as_str();
    loop {
        let found = RETIRED_CODES
            .iter()
            .chain(FORMER_NAMES)
            .find(|(_, name, _)| normalise_key(name) == stage);
        if let Some(&(code, name, successor)) = found {
            return Some(FormerRegion {
                code,
                name,
                successor,
            });
        }
        stage = strip_one_prefix(stage)?;
    }
}

/// The map of regions of an exercise up to 2015, by code of the time: the 22 metropolitan
/// regions and the overseas ones (Mayotte from 2011, when it became a department).
pub fn former_map(exercise: i32) -> Vec<FormerRegion> {
    let kept = [
        RegionCode::IleDeFrance,
        RegionCode::PaysDeLaLoire,
        RegionCode::Bretagne,
        RegionCode::ProvenceAlpesCoteDAzur,
        RegionCode::Corse,
        RegionCode::Guadeloupe,
        RegionCode::Martinique,
        RegionCode::Guyane,
        RegionCode::LaReunion,
    ]
    .into_iter()
    .chain((exercise >= 2011).then_some(RegionCode::Mayotte))
    .map(|region| FormerRegion {
        code: region.code(),
        name: region.name(),
        successor: region,
    });
    let mut map: Vec<FormerRegion> = RETIRED_CODES
        .iter()
        .chain(FORMER_NAMES)
        .map(|&(code, name, successor)| FormerRegion {
            code,
            name,
            successor,
        })
        .chain(kept)
        .collect();
    map.sort_by_key(|r| r.code);
    map
}

/// Names that must not be mapped silently (reference §3.2 rules, §3.3): an old region
/// that is also the beginning of a current name may be a truncation of that name or the
/// old, smaller region, and its figure would then cover part of the current region only.
const AMBIGUOUS: &[(&str, &[RegionCode], &str)] = &[
    (
        "Auvergne",
        &[RegionCode::AuvergneRhoneAlpes],
        "'Auvergne' is a pre-2016 region, now part of Auvergne-Rhône-Alpes, or a truncated \
         'Auvergne-Rhône-Alpes'; probably Auvergne-Rhône-Alpes (84), but its figure may \
         cover only the old region",
    ),
    (
        "Bourgogne",
        &[RegionCode::BourgogneFrancheComte],
        "'Bourgogne' is a pre-2016 region, now part of Bourgogne-Franche-Comté, or a \
         truncated 'Bourgogne-Franche-Comté'; probably Bourgogne-Franche-Comté (27), but its \
         figure may cover only the old region",
    ),
    (
        "Aquitaine",
        &[RegionCode::NouvelleAquitaine],
        "'Aquitaine' is a pre-2016 region, now part of Nouvelle-Aquitaine, or \
         'Nouvelle-Aquitaine' without 'Nouvelle'; probably Nouvelle-Aquitaine (75), but its \
         figure may cover only the old region",
    ),
    (
        "Centre",
        &[RegionCode::CentreValDeLoire],
        "'Centre' is the pre-2015 name of Centre-Val de Loire (24), same territory, but also \
         a common word in labels; write 'Centre-Val de Loire'",
    ),
    (
        "Océan Indien",
        &[RegionCode::LaReunion, RegionCode::Mayotte],
        "ARS Océan Indien (2010-2019) covered both La Réunion (04) and Mayotte (06); its \
         figures must be split between them",
    ),
];

/// What a key in the lookup table stands for.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Current {
        code: RegionCode,
        rule: MatchRule,
    },
    Legacy {
        successor: RegionCode,
        old_name: &'static str,
        what: &'static str,
    },
    Ambiguous {
        candidates: &'static [RegionCode],
        reason: &'static str,
    },
}

impl Entry {
    fn resolve(self, input: &str, key: &str) -> Result<RegionMatch, RegionError> {
        match self {
            Entry::Current { code, rule } => Ok(RegionMatch {
                code,
                rule,
                matched: key.to_string(),
                warning: None,
            }),
            Entry::Legacy {
                successor,
                old_name,
                what,
            } => Ok(RegionMatch {
                code: successor,
                rule: MatchRule::Legacy,
                matched: key.to_string(),
                warning: Some(format!(
                    "'{old_name}' is {what}; mapped to its successor {}",
                    successor.name()
                )),
            }),
            Entry::Ambiguous { candidates, reason } => Err(RegionError::Ambiguous {
                input: input.to_string(),
                candidates: candidates.to_vec(),
                reason: reason.to_string(),
            }),
        }
    }
}

/// Every spelling with its meaning, keyed by its normalised form: the same pipeline runs
/// on the table and on the input (reference §3.2).
fn table_entries() -> Vec<(String, Entry)> {
    let official = RegionCode::ALL.into_iter().map(|code| {
        (
            normalise_key(code.name()),
            Entry::Current {
                code,
                rule: MatchRule::Official,
            },
        )
    });
    let aliases = ALIASES.iter().map(|&(spelling, code)| {
        (
            normalise_key(spelling),
            Entry::Current {
                code,
                rule: MatchRule::Alias,
            },
        )
    });
    let legacy = LEGACY.iter().map(|&(spelling, old_name, successor, what)| {
        (
            normalise_key(spelling),
            Entry::Legacy {
                successor,
                old_name,
                what,
            },
        )
    });
    let ambiguous = AMBIGUOUS.iter().map(|&(spelling, candidates, reason)| {
        (
            normalise_key(spelling),
            Entry::Ambiguous { candidates, reason },
        )
    });
    official
        .chain(aliases)
        .chain(legacy)
        .chain(ambiguous)
        .collect()
}

static TABLE: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    // A test checks that no key is listed twice; were one, the first listed would win.
    for (key, entry) in table_entries() {
        table.entry(key).or_insert(entry);
    }
    table
});

/// Below this Jaro-Winkler similarity a name is not worth suggesting.
const SUGGESTION_THRESHOLD: f64 = 0.8;
/// Beyond this length a key is prose, not a misspelt name: no suggestion.
const SUGGESTION_MAX_CHARS: usize = 100;

/// The closest current regions to an unknown key, best first, at most three.
fn suggestions(key: &str) -> Vec<RegionCode> {
    if key.is_empty() || key.chars().count() > SUGGESTION_MAX_CHARS {
        return Vec::new();
    }
    let mut best: Vec<(f64, RegionCode)> = Vec::new();
    for (candidate, entry) in TABLE.iter() {
        let Entry::Current { code, .. } = *entry else {
            continue;
        };
        let score = strsim::jaro_winkler(key, candidate);
        if score < SUGGESTION_THRESHOLD {
            continue;
        }
        match best.iter_mut().find(|(_, region)| *region == code) {
            Some(existing) if existing.0 < score => existing.0 = score,
            Some(_) => {}
            None => best.push((score, code)),
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    best.into_iter().take(3).map(|(_, code)| code).collect()
}

/// How a prose pattern must be capitalised as written.
#[derive(Debug, Clone, Copy)]
enum Case {
    Any,
    /// Words whose first letter must be upper case, by index: "La Réunion" (la réunion is
    /// a meeting) and "Grand Est" ("le plus grand est…").
    Capitalised(&'static [usize]),
    /// All upper case ("IDF", "AURA"), or also title case when `title` ("Paca").
    Acronym {
        title: bool,
    },
}

/// Prose patterns: current names and unmistakable aliases (`Some`), and legacy or
/// ambiguous names (`None`) that are matched only to be skipped, so that
/// "Basse-Normandie" is not read as a mention of Normandie.
const PROSE_EXTRAS: &[(&str, Option<RegionCode>, Case)] = &[
    (
        "Réunion",
        Some(RegionCode::LaReunion),
        Case::Capitalised(&[0]),
    ),
    (
        "Île de la Réunion",
        Some(RegionCode::LaReunion),
        Case::Capitalised(&[3]),
    ),
    ("Guyane française", Some(RegionCode::Guyane), Case::Any),
    ("francilien", Some(RegionCode::IleDeFrance), Case::Any),
    ("franciliens", Some(RegionCode::IleDeFrance), Case::Any),
    ("francilienne", Some(RegionCode::IleDeFrance), Case::Any),
    ("franciliennes", Some(RegionCode::IleDeFrance), Case::Any),
    // "Aura" or "Ara" in title case begin sentences ("Aura-t-il…"); only "Paca" is
    // commonly written so.
    (
        "PACA",
        Some(RegionCode::ProvenceAlpesCoteDAzur),
        Case::Acronym { title: true },
    ),
    (
        "IDF",
        Some(RegionCode::IleDeFrance),
        Case::Acronym { title: false },
    ),
    (
        "AURA",
        Some(RegionCode::AuvergneRhoneAlpes),
        Case::Acronym { title: false },
    ),
    (
        "ARA",
        Some(RegionCode::AuvergneRhoneAlpes),
        Case::Acronym { title: false },
    ),
    (
        "BFC",
        Some(RegionCode::BourgogneFrancheComte),
        Case::Acronym { title: false },
    ),
    (
        "CVL",
        Some(RegionCode::CentreValDeLoire),
        Case::Acronym { title: false },
    ),
    (
        "HDF",
        Some(RegionCode::HautsDeFrance),
        Case::Acronym { title: false },
    ),
    (
        "NAQ",
        Some(RegionCode::NouvelleAquitaine),
        Case::Acronym { title: false },
    ),
    (
        "PDL",
        Some(RegionCode::PaysDeLaLoire),
        Case::Acronym { title: false },
    ),
];

struct ProsePattern {
    /// Lower-case words with the official accents.
    words: Vec<Vec<char>>,
    region: Option<RegionCode>,
    case: Case,
}

static PROSE_PATTERNS: LazyLock<Vec<ProsePattern>> = LazyLock::new(|| {
    let pattern = |spelling: &str, region, case| ProsePattern {
        words: spelling_words(spelling),
        region,
        case,
    };
    let official = RegionCode::ALL.into_iter().map(|code| {
        let case = match code {
            RegionCode::LaReunion => Case::Capitalised(&[1]),
            RegionCode::GrandEst => Case::Capitalised(&[0, 1]),
            _ => Case::Any,
        };
        pattern(code.name(), Some(code), case)
    });
    let extras = PROSE_EXTRAS
        .iter()
        .map(|&(spelling, region, case)| pattern(spelling, region, case));
    let skipped = LEGACY
        .iter()
        .map(|&(spelling, ..)| spelling)
        .chain(AMBIGUOUS.iter().map(|&(spelling, ..)| spelling))
        .map(|spelling| pattern(spelling, None, Case::Any));
    official
        .chain(extras)
        .chain(skipped)
        .filter(|pattern| !pattern.words.is_empty())
        .collect()
});

fn spelling_words(spelling: &str) -> Vec<Vec<char>> {
    let chars: Vec<char> = spelling.chars().collect();
    words(&chars)
        .into_iter()
        .map(|(start, end)| comparable(&chars[start..end]))
        .collect()
}

/// Word spans in chars: runs of letters, digits and combining marks (so that a
/// decomposed "corsé" stays one word, unlike "Corse").
fn words(chars: &[char]) -> Vec<(usize, usize)> {
    let is_word_char = |c: char| c.is_alphanumeric() || is_combining_mark(c);
    let mut spans = Vec::new();
    let mut position = 0;
    while position < chars.len() {
        if is_word_char(chars[position]) {
            let start = position;
            while position < chars.len() && is_word_char(chars[position]) {
                position += 1;
            }
            spans.push((start, position));
        } else {
            position += 1;
        }
    }
    spans
}

/// A word as compared: NFKC, lower case, composed (NFC), accents kept.
fn comparable(word: &[char]) -> Vec<char> {
    let lower: String = word
        .iter()
        .collect::<String>()
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect();
    lower.nfc().collect()
}

/// A written word matches a pattern word letter by letter, each letter either as in the
/// official name or without its accent ("Ile" for "Île"); an accent the official name
/// does not have is a different word ("corsé" is not "Corse").
fn word_matches(written: &[char], official: &[char]) -> bool {
    written.len() == official.len()
        && written
            .iter()
            .zip(official)
            .all(|(&w, &o)| w == o || w == base_letter(o))
}

fn base_letter(c: char) -> char {
    std::iter::once(c).nfd().next().unwrap_or(c)
}

/// Between the words of one name: blanks, dashes and apostrophes only ("Auvergne –
/// Rhône-Alpes", "Côte d’Azur"); a comma or a full stop ends the name.
fn joins_words(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
        )
        || matches!(
            c,
            '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '`'
        )
}

fn case_ok(case: Case, written: &[&[char]]) -> bool {
    let starts_upper = |word: &[char]| word.first().is_some_and(|c| c.is_uppercase());
    match case {
        Case::Any => true,
        Case::Capitalised(indices) => indices
            .iter()
            .all(|&index| written.get(index).is_some_and(|word| starts_upper(word))),
        Case::Acronym { title } => written.iter().all(|word| {
            let letters = || word.iter().filter(|c| c.is_alphabetic());
            let all_upper = letters().all(|c| c.is_uppercase());
            let title_case = starts_upper(word) && letters().skip(1).all(|c| c.is_lowercase());
            all_upper || (title && title_case)
        }),
    }
}

/// Region mentions in running prose: char spans (start, end exclusive, in chars) and code,
/// longest non-overlapping matches at word boundaries, left to right.
///
/// Only current official names (case-insensitive, accents optional: "Ile-de-France"),
/// a few unmistakable aliases ("Guyane française", "Île de la Réunion", the demonyms
/// "francilien(ne)(s)") and acronyms as written in upper case ("PACA", "IDF", "AURA",
/// "BFC"…, and "Paca") count. Legacy and ambiguous names ("Rhône-Alpes", "Centre",
/// "Basse-Normandie") are never mentions: they are read and skipped. "Réunion" and
/// "Grand Est" need their capitals, being ordinary French words otherwise.
pub fn find_regions(text: &str) -> Vec<(usize, usize, RegionCode)> {
    let chars: Vec<char> = text.chars().collect();
    let spans = words(&chars);
    let compared: Vec<Vec<char>> = spans
        .iter()
        .map(|&(start, end)| comparable(&chars[start..end]))
        .collect();
    // Whether word i and word i + 1 may belong to one name.
    let joined: Vec<bool> = spans
        .windows(2)
        .map(|pair| chars[pair[0].1..pair[1].0].iter().all(|&c| joins_words(c)))
        .collect();

    let mut mentions = Vec::new();
    let mut index = 0;
    while index < spans.len() {
        let longest = PROSE_PATTERNS
            .iter()
            .filter(|pattern| {
                let count = pattern.words.len();
                index + count <= spans.len()
                    && (index..index + count - 1).all(|i| joined[i])
                    && pattern
                        .words
                        .iter()
                        .zip(&compared[index..index + count])
                        .all(|(official, written)| word_matches(written, official))
                    && {
                        let written: Vec<&[char]> = spans[index..index + count]
                            .iter()
                            .map(|&(start, end)| &chars[start..end])
                            .collect();
                        case_ok(pattern.case, &written)
                    }
            })
            .max_by_key(|pattern| pattern.words.len());
        match longest {
            Some(pattern) => {
                let count = pattern.words.len();
                if let Some(region) = pattern.region {
                    mentions.push((spans[index].0, spans[index + count - 1].1, region));
                }
                index += count;
            }
            None => index += 1,
        }
    }
    mentions
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegionCode::*;

    #[test]
    fn all_lists_the_18_regions_in_code_order() {
        let codes: Vec<&str> = RegionCode::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75",
                "76", "84", "93", "94"
            ]
        );
        let mut sorted = RegionCode::ALL;
        sorted.sort();
        assert_eq!(sorted, RegionCode::ALL);
    }

    #[test]
    fn names_are_the_cog_libelles() {
        let names: Vec<&str> = RegionCode::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(
            names,
            [
                "Guadeloupe",
                "Martinique",
                "Guyane",
                "La Réunion",
                "Mayotte",
                "Île-de-France",
                "Centre-Val de Loire",
                "Bourgogne-Franche-Comté",
                "Normandie",
                "Hauts-de-France",
                "Grand Est",
                "Pays de la Loire",
                "Bretagne",
                "Nouvelle-Aquitaine",
                "Occitanie",
                "Auvergne-Rhône-Alpes",
                "Provence-Alpes-Côte d'Azur",
                "Corse",
            ]
        );
        assert_eq!(
            ProvenceAlpesCoteDAzur.to_string(),
            "Provence-Alpes-Côte d'Azur"
        );
    }

    #[test]
    fn from_code_reads_current_codes_only() {
        for region in RegionCode::ALL {
            assert_eq!(RegionCode::from_code(region.code()), Some(region));
        }
        for code in ["05", "1", "6", "42", " 84", "84 ", "", "2A", "١١"] {
            assert_eq!(RegionCode::from_code(code), None, "{code:?}");
        }
    }

    #[test]
    fn serialises_as_the_code_string() {
        assert_eq!(serde_json::to_string(&Guadeloupe).unwrap(), "\"01\"");
        assert_eq!(
            serde_json::to_string(&AuvergneRhoneAlpes).unwrap(),
            "\"84\""
        );
        assert_eq!(
            serde_json::from_str::<RegionCode>("\"06\"").unwrap(),
            Mayotte
        );
        assert_eq!(
            serde_json::to_string(&MatchRule::Official).unwrap(),
            "\"official\""
        );
    }

    #[test]
    fn every_spelling_maps_to_its_region_by_the_expected_rule() {
        use MatchRule::{Alias, Code, Official};
        let cases: &[(&str, RegionCode, MatchRule, &str)] = &[
            // Seeds.
            (
                "Auvergne – Rhône-Alpes",
                AuvergneRhoneAlpes,
                Official,
                "auvergne rhone alpes",
            ),
            (
                "Auvergne\u{a0}\u{2013}\u{a0}Rhône-Alpes",
                AuvergneRhoneAlpes,
                Official,
                "auvergne rhone alpes",
            ),
            (
                "Auvergne-Rhône-Alpes",
                AuvergneRhoneAlpes,
                Official,
                "auvergne rhone alpes",
            ),
            (
                "Bourgogne – Franche-Comté",
                BourgogneFrancheComte,
                Official,
                "bourgogne franche comte",
            ),
            (
                "Bourgogne-Franche-Comté",
                BourgogneFrancheComte,
                Official,
                "bourgogne franche comte",
            ),
            (
                "Provence-Alpes-Côte-d'Azur",
                ProvenceAlpesCoteDAzur,
                Official,
                "provence alpes cote d azur",
            ),
            (
                "Provence-Alpes-Côte d\u{2019}Azur",
                ProvenceAlpesCoteDAzur,
                Official,
                "provence alpes cote d azur",
            ),
            (
                "Provence-Alpes-Côte-d\u{2019}Azur",
                ProvenceAlpesCoteDAzur,
                Official,
                "provence alpes cote d azur",
            ),
            (
                "Provence Alpes Côte d'Azur",
                ProvenceAlpesCoteDAzur,
                Official,
                "provence alpes cote d azur",
            ),
            ("Paca", ProvenceAlpesCoteDAzur, Alias, "paca"),
            ("PACA", ProvenceAlpesCoteDAzur, Alias, "paca"),
            ("Région Sud", ProvenceAlpesCoteDAzur, Alias, "region sud"),
            ("Grand-Est", GrandEst, Official, "grand est"),
            ("Grand Est", GrandEst, Official, "grand est"),
            (
                "Nouvelle Aquitaine",
                NouvelleAquitaine,
                Official,
                "nouvelle aquitaine",
            ),
            (
                "Nouvelle-Aquitaine",
                NouvelleAquitaine,
                Official,
                "nouvelle aquitaine",
            ),
            ("Réunion", LaReunion, Alias, "reunion"),
            ("La Réunion", LaReunion, Official, "la reunion"),
            ("ARS de La Réunion", LaReunion, Official, "la reunion"),
            ("Ile de la Réunion", LaReunion, Alias, "ile de la reunion"),
            ("ARS Ile-de-France", IleDeFrance, Official, "ile de france"),
            ("Ile-de-France", IleDeFrance, Official, "ile de france"),
            ("Île-de-France", IleDeFrance, Official, "ile de france"),
            ("ÎLE-DE-FRANCE", IleDeFrance, Official, "ile de france"),
            (
                "Région d'Île-de-France",
                IleDeFrance,
                Official,
                "ile de france",
            ),
            (
                "Agence régionale de santé d\u{2019}Île-de-France",
                IleDeFrance,
                Official,
                "ile de france",
            ),
            ("francilien", IleDeFrance, Alias, "francilien"),
            ("Franciliens", IleDeFrance, Alias, "franciliens"),
            ("francilienne", IleDeFrance, Alias, "francilienne"),
            ("franciliennes", IleDeFrance, Alias, "franciliennes"),
            ("IDF", IleDeFrance, Alias, "idf"),
            (
                "Centre-Val de Loire",
                CentreValDeLoire,
                Official,
                "centre val de loire",
            ),
            (
                "Centre-Val-de-Loire",
                CentreValDeLoire,
                Official,
                "centre val de loire",
            ),
            (
                "Centre - Val de Loire",
                CentreValDeLoire,
                Official,
                "centre val de loire",
            ),
            (
                "ARS du Centre-Val de Loire",
                CentreValDeLoire,
                Official,
                "centre val de loire",
            ),
            ("CVL", CentreValDeLoire, Alias, "cvl"),
            (
                "Hauts de France",
                HautsDeFrance,
                Official,
                "hauts de france",
            ),
            (
                "ARS des Hauts-de-France",
                HautsDeFrance,
                Official,
                "hauts de france",
            ),
            ("HDF", HautsDeFrance, Alias, "hdf"),
            ("AURA", AuvergneRhoneAlpes, Alias, "aura"),
            ("ARA", AuvergneRhoneAlpes, Alias, "ara"),
            ("BFC", BourgogneFrancheComte, Alias, "bfc"),
            ("NAQ", NouvelleAquitaine, Alias, "naq"),
            ("PDL", PaysDeLaLoire, Alias, "pdl"),
            (
                "Pays de la Loire",
                PaysDeLaLoire,
                Official,
                "pays de la loire",
            ),
            (
                "Pays-de-la-Loire",
                PaysDeLaLoire,
                Official,
                "pays de la loire",
            ),
            ("Guyane française", Guyane, Alias, "guyane francaise"),
            ("Guyane", Guyane, Official, "guyane"),
            ("Collectivité de Corse", Corse, Official, "corse"),
            ("Corse", Corse, Official, "corse"),
            (
                "ARS Guadeloupe, Saint-Martin et Saint-Barthélemy",
                Guadeloupe,
                Alias,
                "guadeloupe saint martin et saint barthelemy",
            ),
            (
                "ARS de Guadeloupe, Saint-Martin et Saint-Barthélemy",
                Guadeloupe,
                Alias,
                "guadeloupe saint martin et saint barthelemy",
            ),
            ("Guadeloupe", Guadeloupe, Official, "guadeloupe"),
            ("Martinique", Martinique, Official, "martinique"),
            ("ARS Mayotte", Mayotte, Official, "mayotte"),
            ("Normandie", Normandie, Official, "normandie"),
            ("Bretagne", Bretagne, Official, "bretagne"),
            ("Occitanie", Occitanie, Official, "occitanie"),
            ("FR-IDF", IleDeFrance, Alias, "fr idf"),
            // Codes.
            ("84", AuvergneRhoneAlpes, Code, "84"),
            ("06", Mayotte, Code, "06"),
            ("11 - Île-de-France", IleDeFrance, Code, "11 ile de france"),
            (
                "84 Auvergne-Rhône-Alpes",
                AuvergneRhoneAlpes,
                Code,
                "84 auvergne rhone alpes",
            ),
            ("ARS 93", ProvenceAlpesCoteDAzur, Code, "93"),
        ];
        for &(input, code, rule, matched) in cases {
            assert_eq!(
                normalise_region(input),
                Ok(RegionMatch {
                    code,
                    rule,
                    matched: matched.to_string(),
                    warning: None,
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn the_map_before_2016_reads_old_names_as_plain_names() {
        let former = |label: &str| former_region(label).map(|r| (r.code, r.successor));
        assert_eq!(
            former("Aquitaine"),
            Some(("72", RegionCode::NouvelleAquitaine))
        );
        assert_eq!(
            former("ARS d'Auvergne"),
            Some(("83", RegionCode::AuvergneRhoneAlpes))
        );
        assert_eq!(
            former("Nord - Pas-de-Calais"),
            Some(("31", RegionCode::HautsDeFrance))
        );
        assert_eq!(former("Centre"), Some(("24", RegionCode::CentreValDeLoire)));
        assert_eq!(former("Bretagne"), None);
        assert_eq!(former("Nouvelle-Aquitaine"), None);
        // 22 metropolitan regions, and 5 overseas from 2011 (Mayotte), 4 before.
        assert_eq!(former_map(2012).len(), 27);
        assert_eq!(former_map(2010).len(), 26);
    }

    #[test]
    fn legacy_names_map_to_their_successor_with_a_warning() {
        let cases: &[(&str, RegionCode, &str)] = &[
            (
                "Alsace",
                GrandEst,
                "'Alsace' is a pre-2016 region; mapped to its successor Grand Est",
            ),
            (
                "Lorraine",
                GrandEst,
                "'Lorraine' is a pre-2016 region; mapped to its successor Grand Est",
            ),
            (
                "Champagne-Ardenne",
                GrandEst,
                "'Champagne-Ardenne' is a pre-2016 region; mapped to its successor Grand Est",
            ),
            (
                "Limousin",
                NouvelleAquitaine,
                "'Limousin' is a pre-2016 region; mapped to its successor Nouvelle-Aquitaine",
            ),
            (
                "Poitou-Charentes",
                NouvelleAquitaine,
                "'Poitou-Charentes' is a pre-2016 region; mapped to its successor Nouvelle-Aquitaine",
            ),
            (
                "Rhône-Alpes",
                AuvergneRhoneAlpes,
                "'Rhône-Alpes' is a pre-2016 region; mapped to its successor Auvergne-Rhône-Alpes",
            ),
            (
                "ARS Rhône-Alpes",
                AuvergneRhoneAlpes,
                "'Rhône-Alpes' is a pre-2016 region; mapped to its successor Auvergne-Rhône-Alpes",
            ),
            (
                "Languedoc-Roussillon",
                Occitanie,
                "'Languedoc-Roussillon' is a pre-2016 region; mapped to its successor Occitanie",
            ),
            (
                "Midi-Pyrénées",
                Occitanie,
                "'Midi-Pyrénées' is a pre-2016 region; mapped to its successor Occitanie",
            ),
            (
                "Nord-Pas-de-Calais",
                HautsDeFrance,
                "'Nord-Pas-de-Calais' is a pre-2016 region; mapped to its successor Hauts-de-France",
            ),
            (
                "Picardie",
                HautsDeFrance,
                "'Picardie' is a pre-2016 region; mapped to its successor Hauts-de-France",
            ),
            (
                "Basse-Normandie",
                Normandie,
                "'Basse-Normandie' is a pre-2016 region; mapped to its successor Normandie",
            ),
            (
                "Haute-Normandie",
                Normandie,
                "'Haute-Normandie' is a pre-2016 region; mapped to its successor Normandie",
            ),
            (
                "Franche-Comté",
                BourgogneFrancheComte,
                "'Franche-Comté' is a pre-2016 region; mapped to its successor Bourgogne-Franche-Comté",
            ),
            (
                "Alsace-Champagne-Ardenne-Lorraine",
                GrandEst,
                "'Alsace-Champagne-Ardenne-Lorraine' is a provisional 2016 region name; mapped to its successor Grand Est",
            ),
            (
                "ACAL",
                GrandEst,
                "'ACAL' is a provisional 2016 region name; mapped to its successor Grand Est",
            ),
            (
                "ALPC",
                NouvelleAquitaine,
                "'ALPC' is a provisional 2016 region name; mapped to its successor Nouvelle-Aquitaine",
            ),
            (
                "LRMP",
                Occitanie,
                "'LRMP' is a provisional 2016 region name; mapped to its successor Occitanie",
            ),
            (
                "NPDCP",
                HautsDeFrance,
                "'NPDCP' is a provisional 2016 region name; mapped to its successor Hauts-de-France",
            ),
            (
                "42",
                GrandEst,
                "'42' is a pre-2016 region code (Alsace); mapped to its successor Grand Est",
            ),
            (
                "42 Alsace",
                GrandEst,
                "'Alsace' is a pre-2016 region; mapped to its successor Grand Est",
            ),
            (
                "44 Alsace",
                GrandEst,
                "'Alsace' is a pre-2016 region; mapped to its successor Grand Est",
            ),
        ];
        for &(input, code, warning) in cases {
            let resolved = normalise_region(input).unwrap();
            assert_eq!(
                (resolved.code, resolved.rule, resolved.warning.as_deref()),
                (code, MatchRule::Legacy, Some(warning)),
                "{input}"
            );
        }
    }

    #[test]
    fn old_names_that_begin_a_current_name_are_ambiguous() {
        let cases: &[(&str, &[RegionCode])] = &[
            ("Auvergne", &[AuvergneRhoneAlpes]),
            ("Bourgogne", &[BourgogneFrancheComte]),
            ("Aquitaine", &[NouvelleAquitaine]),
            ("Centre", &[CentreValDeLoire]),
            ("Région Centre", &[CentreValDeLoire]),
            ("ARS Océan Indien", &[LaReunion, Mayotte]),
            ("Ocean indien", &[LaReunion, Mayotte]),
        ];
        for &(input, expected) in cases {
            match normalise_region(input) {
                Err(RegionError::Ambiguous {
                    input: echoed,
                    candidates,
                    reason,
                }) => {
                    assert_eq!(echoed, input);
                    assert_eq!(candidates, expected, "{input}");
                    assert!(!reason.is_empty());
                }
                other => panic!("{input}: {other:?}"),
            }
        }
        assert_eq!(
            normalise_region("Auvergne").unwrap_err().to_string(),
            "ambiguous region 'Auvergne': 'Auvergne' is a pre-2016 region, now part of \
             Auvergne-Rhône-Alpes, or a truncated 'Auvergne-Rhône-Alpes'; probably \
             Auvergne-Rhône-Alpes (84), but its figure may cover only the old region"
        );
    }

    #[test]
    fn a_code_that_contradicts_its_name_is_ambiguous() {
        assert_eq!(
            normalise_region("84 Île-de-France"),
            Err(RegionError::Ambiguous {
                input: "84 Île-de-France".to_string(),
                candidates: vec![AuvergneRhoneAlpes, IleDeFrance],
                reason: "the code 84 is Auvergne-Rhône-Alpes but the name is Île-de-France"
                    .to_string(),
            })
        );
        assert_eq!(
            normalise_region("05 Mayotte"),
            Err(RegionError::Ambiguous {
                input: "05 Mayotte".to_string(),
                candidates: vec![Mayotte],
                reason: "'05' is not a region code, but the name is Mayotte (06)".to_string(),
            })
        );
        assert_eq!(
            normalise_region("11 Atlantide"),
            Err(RegionError::Ambiguous {
                input: "11 Atlantide".to_string(),
                candidates: vec![IleDeFrance],
                reason: "the code 11 is Île-de-France but the rest of the label is not a \
                         region name"
                    .to_string(),
            })
        );
    }

    #[test]
    fn a_code_settles_an_ambiguous_name_with_a_warning() {
        let resolved = normalise_region("84 Auvergne").unwrap();
        assert_eq!(resolved.code, AuvergneRhoneAlpes);
        assert_eq!(resolved.rule, MatchRule::Code);
        assert_eq!(resolved.matched, "84 auvergne");
        assert!(
            resolved
                .warning
                .as_deref()
                .is_some_and(|w| w.ends_with("; the code 84 settles it"))
        );
    }

    #[test]
    fn unknown_names_come_with_suggestions_best_first() {
        let suggested = |input: &str| match normalise_region(input) {
            Err(RegionError::Unknown { suggestions, .. }) => suggestions,
            other => panic!("{input}: {other:?}"),
        };
        assert_eq!(suggested("Nouvele-Aquitaine")[0], NouvelleAquitaine);
        assert_eq!(suggested("Bretange")[0], Bretagne);
        assert_eq!(suggested("Ile de Frnace")[0], IleDeFrance);
        assert_eq!(suggested("Occitania")[0], Occitanie);
        assert_eq!(suggested("Hauts-de-Seine"), vec![HautsDeFrance]);
        assert_eq!(suggested("Atlantide"), vec![]);
        assert!(suggested("Nouvele-Aquitaine").len() <= 3);
        assert_eq!(
            normalise_region("Nouvele-Aquitaine")
                .unwrap_err()
                .to_string(),
            format!(
                "unknown region 'Nouvele-Aquitaine'; did you mean {}?",
                suggested("Nouvele-Aquitaine")
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }

    #[test]
    fn bare_na_and_ge_are_not_regions() {
        for input in ["NA", "na", "N/A", "GE", "Sud", "05", "1", "ARS"] {
            assert!(
                matches!(normalise_region(input), Err(RegionError::Unknown { .. })),
                "{input}: {:?}",
                normalise_region(input)
            );
        }
    }

    #[test]
    fn blank_input_is_empty() {
        for input in ["", "   ", "\u{a0}", " - ", "’"] {
            assert_eq!(
                normalise_region(input),
                Err(RegionError::Empty),
                "{input:?}"
            );
        }
    }

    #[test]
    fn no_key_is_listed_twice() {
        let mut seen = std::collections::HashSet::new();
        for (key, _) in table_entries() {
            assert!(seen.insert(key.clone()), "{key} is listed twice");
        }
    }

    #[test]
    fn find_regions_in_seed_prose() {
        type Mention = (usize, usize, RegionCode);
        let cases: &[(&str, &[Mention])] = &[
            (
                "Ainsi,\u{a0}l\u{2019}ARS Auvergne-Rhône-Alpes\u{a0}est autorisée à engager 645.000\u{a0}€",
                &[(13, 33, AuvergneRhoneAlpes)],
            ),
            (
                "L\u{2019}ARS Provence-Alpes-Côte d\u{2019}Azur (Paca)\u{a0}est autorisée à engager",
                &[
                    (6, 32, ProvenceAlpesCoteDAzur),
                    (34, 38, ProvenceAlpesCoteDAzur),
                ],
            ),
            (
                "Trois projets franciliens ont été retenus. Ainsi\u{a0}l\u{2019}ARS Ile-de-France\u{a0}attribue",
                &[(14, 25, IleDeFrance), (55, 68, IleDeFrance)],
            ),
            (
                "L\u{2019}ARS Normandie\u{a0}a alloué 495.000\u{a0}€ au service d\u{2019}aide et de maintien à domicile Bien à la maison et l\u{2019}ARS Hauts-de-France a débloqué 790.000\u{a0}€ pour financer le projet de la Fondation Partage et vie.",
                &[(6, 15, Normandie), (105, 120, HautsDeFrance)],
            ),
            (
                "  \u{2022} Caisse nationale d\u{2019}assurance maladie Bourgogne\u{a0}\u{2013}\u{a0}Franche-Comté (755\u{a0}000\u{a0}euros)\u{a0};",
                &[(41, 66, BourgogneFrancheComte)],
            ),
            (
                "entre les régions\u{a0}:\u{a0}Auvergne\u{a0}\u{2013}\u{a0}Rhône-Alpes (9\u{a0}336\u{a0}527\u{a0}euros), Grand-Est (5\u{a0}818\u{a0}710\u{a0}euros), La Réunion (500\u{a0}000\u{a0}euros).",
                &[
                    (20, 42, AuvergneRhoneAlpes),
                    (62, 71, GrandEst),
                    (91, 101, LaReunion),
                ],
            ),
            (
                "  \u{2022} Provence-Alpes-Côte-d'Azur: 5.806.637 euros.",
                &[(4, 30, ProvenceAlpesCoteDAzur)],
            ),
        ];
        for &(text, expected) in cases {
            assert_eq!(find_regions(text), expected, "{text}");
        }
    }

    #[test]
    fn find_regions_reads_acronyms_only_as_written() {
        assert_eq!(
            find_regions("en IDF, en AURA et en PACA ou Paca"),
            vec![
                (3, 6, IleDeFrance),
                (11, 15, AuvergneRhoneAlpes),
                (22, 26, ProvenceAlpesCoteDAzur),
                (30, 34, ProvenceAlpesCoteDAzur),
            ]
        );
        assert_eq!(find_regions("paca idf aura Aura-t-il Idf"), vec![]);
    }

    #[test]
    fn find_regions_skips_common_words_legacy_and_ambiguous_names() {
        for text in [
            "le Centre communal d'action sociale",
            "un vin corsé",
            "un vin corse\u{301}",
            "la réunion du comité",
            "le plus grand est le premier",
            "l'ARS Rhône-Alpes",
            "en Basse-Normandie",
            "en Auvergne et en Bourgogne",
            "l'ARS Océan Indien",
            "un projet en Aquitaine",
            "NA",
        ] {
            assert_eq!(find_regions(text), vec![], "{text}");
        }
    }

    #[test]
    fn find_regions_reads_names_without_accents_or_in_capitals() {
        assert_eq!(
            find_regions("ILE-DE-FRANCE et Rhone-Alpes, Auvergne Rhone Alpes; la Réunion"),
            vec![
                (0, 13, IleDeFrance),
                (30, 50, AuvergneRhoneAlpes),
                (52, 62, LaReunion)
            ]
        );
        assert_eq!(find_regions("Corse-du-Sud"), vec![(0, 5, Corse)]);
        assert_eq!(
            find_regions("l'île de la Réunion"),
            vec![(2, 19, LaReunion)]
        );
    }

    #[test]
    fn nothing_panics_on_nasty_input() {
        let long = "Île-de-France ".repeat(5_000);
        let nasty = [
            String::new(),
            "\u{0}".to_string(),
            "\u{301}\u{301}Corse".to_string(),
            "11 ".repeat(10_000),
            "ARS ".repeat(10_000),
            "de la ".repeat(10_000),
            "ǅ İ ẞ ﷺ 𝟙𝟚 \u{10ffff}".to_string(),
            long.clone(),
            "a".repeat(100_000),
        ];
        for text in &nasty {
            let _ = normalise_region(text);
            let _ = find_regions(text);
        }
        assert_eq!(find_regions(&long).len(), 5_000);
    }
}
