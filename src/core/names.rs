//! Names of organisations compared across publications: the same beneficiary written
//! "Groupe SOS Solidarités" in one text and "groupe SOS solidarites" in another. Used by
//! normalisation (a revision's line and its reference's) and by validation (agreement,
//! claims), so it sits below both.

use std::collections::{BTreeMap, BTreeSet};

/// Words that say nothing about which organisation a name designates.
const STOPWORDS: [&str; 16] = [
    "de", "la", "le", "les", "des", "du", "d", "l", "et", "a", "au", "aux", "en", "pour", "sur",
    "un",
];

/// Lower-case, accent-free alphanumeric words of a name, without stop words.
pub fn name_tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Lower case, accents dropped: the characters of the canonical decomposition (NFD) but
/// the combining marks, lower-cased. Each character is decomposed on its own (the marks
/// NFD would reorder are dropped anyway), ASCII without looking it up: sixty thousand
/// organisation names are folded when a million lines are checked for duplicates.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        unicode_normalization::char::decompose_canonical(c, |d| {
            if !unicode_normalization::char::is_combining_mark(d) {
                out.extend(d.to_lowercase());
            }
        });
    }
    out
}

/// A key under which two spellings of one name collide ("Groupe SOS Solidarités" and
/// "groupe sos solidarites").
pub fn name_key(text: &str) -> String {
    // Every word counts here, single letters included: "Association A" and "Association D"
    // are two organisations.
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Beneficiary names weighted so that words shared by several names ("fondation") count
/// less than distinctive ones ("OVE").
pub struct NameIndex {
    names: Vec<Vec<String>>,
    weight: BTreeMap<String, f64>,
}

impl NameIndex {
    pub fn new<'a>(names: impl Iterator<Item = &'a str>) -> Self {
        let names: Vec<Vec<String>> = names.map(name_tokens).collect();
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for tokens in &names {
            for t in tokens.iter().collect::<BTreeSet<_>>() {
                *df.entry(t.clone()).or_default() += 1;
            }
        }
        let weight = df.into_iter().map(|(t, n)| (t, 1.0 / n as f64)).collect();
        NameIndex { names, weight }
    }

    /// Share (0 to 1) of name `i`'s weight found among `words`.
    pub fn score(&self, i: usize, words: &BTreeSet<String>) -> f64 {
        let tokens = &self.names[i];
        let total: f64 = tokens
            .iter()
            .map(|t| self.weight.get(t).copied().unwrap_or(1.0))
            .sum();
        if total == 0.0 {
            return 0.0;
        }
        let found: f64 = tokens
            .iter()
            .filter(|t| words.contains(*t))
            .map(|t| self.weight.get(t).copied().unwrap_or(1.0))
            .sum();
        found / total
    }
}

/// More than half of a name's distinctive weight must be present for two names to be the same
/// organisation: "Caisse nationale de l'assurance maladie (Cnam)" matches "Caisse nationale
/// d'assurance maladie Bourgogne – Franche-Comté", "la fondation OVE" does not match
/// "Fondation Partage et Vie".
pub const MATCH_THRESHOLD: f64 = 0.5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_that_of_nfd_without_marks() {
        use unicode_normalization::UnicodeNormalization;
        for text in [
            "Fondation Partage et Vie",
            "Résidence Émile-Zola (Saint-Étienne)",
            "İSTANBUL ǅemal ﬁnance Ⅻ 한국 e\u{301}\u{327}",
            "L'Étoile du Berger – Pointe-à-Pitre",
        ] {
            let nfd: String = text
                .nfd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(fold(text), nfd, "{text:?}");
        }
    }

    #[test]
    fn spellings_of_one_name_share_a_key() {
        assert_eq!(name_key("Groupe SOS Solidarités"), "groupe sos solidarites");
        assert_eq!(
            name_key("groupe  SOS – solidarites"),
            "groupe sos solidarites"
        );
        assert_ne!(name_key("Association A"), name_key("Association D"));
    }

    #[test]
    fn tokens_drop_stop_words() {
        assert_eq!(
            name_tokens("Fondation de l'Armée du Salut"),
            ["fondation", "armee", "salut"]
        );
    }

    #[test]
    fn distinctive_words_weigh_more_than_shared_ones() {
        let index = NameIndex::new(["Fondation OVE", "Fondation Partage et Vie"].into_iter());
        let words = |text: &str| name_tokens(text).into_iter().collect::<BTreeSet<_>>();
        // "OVE" is distinctive: it alone matches; "fondation" alone does not.
        assert!(index.score(0, &words("la fondation OVE")) > MATCH_THRESHOLD);
        assert!(index.score(0, &words("OVE")) > MATCH_THRESHOLD);
        assert!(index.score(1, &words("la fondation OVE")) < MATCH_THRESHOLD);
    }
}
