//! The vocabulary of French financial tables, in one place for every kind of source: which
//! rows close a table or a part of it ("Total", "TOTAUX", "Sous-total DOM/ TOM"), which
//! words state a unit ("en milliers d'euros", "(M€)"), which lines are notes under a table
//! ("(1) …", "Source : …") and which are a PDF page's running head or footer. A new wording
//! from the next BO is added here once, and texts and spreadsheets read it alike.

use rust_decimal::Decimal;
use unicode_normalization::UnicodeNormalization;

/// What a row opening with a total word closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalRow {
    /// "Total", "TOTAUX", "Total général", "Ensemble", "France entière": the whole table.
    Grand,
    /// "Sous-total …", "Total Métropole", "Total DOM/TOM", "Total Bretagne": the rows above
    /// it since the previous sub-total or group heading.
    Sub,
}

/// The folded words of a text: lower case, accents dropped, split on anything that is not
/// a letter or a digit ("€" sticks to its word, "m€"; "%" is a word of its own).
pub fn words(text: &str) -> Vec<String> {
    Words::of(text).collect()
}

/// `words`, one at a time: the text is folded only as far as the words asked for.
struct Words<I: Iterator<Item = char>> {
    folded: I,
    /// A "%" met right after a word, which is then the next word.
    percent: bool,
}

impl Words<std::iter::Empty<char>> {
    fn of(text: &str) -> Words<impl Iterator<Item = char> + '_> {
        Words {
            folded: text
                .nfd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase),
            percent: false,
        }
    }
}

impl<I: Iterator<Item = char>> Iterator for Words<I> {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        if std::mem::take(&mut self.percent) {
            return Some("%".to_string());
        }
        let mut word = String::new();
        for c in self.folded.by_ref() {
            if c.is_alphanumeric() || c == '€' {
                word.push(c);
            } else if !word.is_empty() {
                self.percent = c == '%';
                return Some(word);
            } else if c == '%' {
                return Some("%".to_string());
            }
        }
        (!word.is_empty()).then_some(word)
    }
}

/// The first of `words(text)`, folding no more of the text: a million-row table asks each
/// row's first cell whether it opens a total.
fn first_word(text: &str) -> Option<String> {
    // Plain ASCII up to the end of the first word: folding is lower-casing.
    let bytes = text.as_bytes();
    let start = bytes
        .iter()
        .position(|b| b.is_ascii_alphanumeric() || !b.is_ascii())
        .unwrap_or(bytes.len());
    let end = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .map_or(bytes.len(), |i| start + i);
    let ascii_word = bytes.get(end).is_none_or(u8::is_ascii)
        && bytes[..start].iter().all(|&b| b.is_ascii() && b != b'%');
    if ascii_word {
        return (start < end).then(|| text[start..end].to_ascii_lowercase());
    }
    Words::of(text).next()
}

/// The first words that can open a total row (see `total_row`).
const OPENS_TOTAL: [&str; 12] = [
    "sous",
    "s",
    "soustotal",
    "soustotaux",
    "soit",
    "au",
    "ensemble",
    "montant",
    "france",
    "total",
    "totaux",
    "totals",
];

/// Words after "Total" that make it the whole table's total ("Total général", "Total des
/// crédits", "Total national et régional", "Total 2023").
const WHOLE_TABLE: [&str; 17] = [
    "general",
    "generale",
    "generaux",
    "national",
    "nationale",
    "global",
    "globale",
    "credits",
    "ars",
    "regions",
    "enveloppe",
    "enveloppes",
    "ensemble",
    "toutes",
    "montants",
    "programme",
    "annexe",
];

/// Words that make a total partial whatever else it says ("Total France métropolitaine",
/// "Total général Outre-mer").
const PART: [&str; 11] = [
    "metropole",
    "metropolitaine",
    "metropolitaines",
    "hexagone",
    "outre",
    "dom",
    "tom",
    "drom",
    "com",
    "zone",
    "territoires",
];

/// Words that only link or state the unit: "Total (en €)", "Total des crédits".
const FILLER: [&str; 10] = [
    "des", "de", "du", "la", "l", "en", "€", "euros", "eur", "k€",
];

/// Whether `label` (a row's first cell, or a line's words before its figure) opens a total
/// row, and of what.
pub fn total_row(label: &str) -> Option<TotalRow> {
    let first = first_word(label)?;
    if !OPENS_TOTAL.contains(&first.as_str()) {
        return None;
    }
    let w = words(label);
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["sous" | "s", "total" | "totaux", ..] | ["soustotal" | "soustotaux", ..] => {
            Some(TotalRow::Sub)
        }
        // "soit un total de …", "Soit, au total, …", "Au total : …".
        ["soit", rest @ ..] if rest.contains(&"total") => Some(TotalRow::Grand),
        ["au", "total", ..] | ["ensemble", ..] | ["montant", "total", ..] => Some(TotalRow::Grand),
        ["france", "entiere", ..] => Some(TotalRow::Grand),
        ["total" | "totaux" | "totals", rest @ ..] => {
            let rest: Vec<&str> = rest
                .iter()
                .copied()
                .skip_while(|t| FILLER.contains(t))
                .filter(|t| !FILLER.contains(t))
                .collect();
            let partial = rest.iter().any(|t| PART.contains(t));
            let whole = match rest.as_slice() {
                [] | ["france"] | ["france", "entiere"] => true,
                [year] if year.chars().all(|c| c.is_ascii_digit()) => true,
                [head, ..] => WHOLE_TABLE.contains(head),
            };
            Some(if whole && !partial {
                TotalRow::Grand
            } else {
                TotalRow::Sub
            })
        }
        _ => None,
    }
}

/// A figure introduced by "dont" ("dont projet DUI mutualisé   100 000") details the one
/// before it: it is never a line of its own.
pub fn is_detail(label: &str) -> bool {
    first_word(label).is_some_and(|w| w == "dont")
}

const MILLIONS: [&[&str]; 7] = [
    &["m€"],
    &["meur"],
    &["millions", "d", "euros"],
    &["million", "d", "euros"],
    &["millions", "€"],
    &["en", "millions"],
    &["m", "euros"],
];
const THOUSANDS: [&[&str]; 8] = [
    &["k€"],
    &["keur"],
    &["milliers", "d", "euros"],
    &["millier", "d", "euros"],
    &["milliers", "€"],
    &["en", "milliers"],
    &["k", "euros"],
    &["keuros"],
];
/// In a column header any euro word states the unit ("Montant (€)", "Crédits en euros").
const EUROS_IN_HEADER: [&[&str]; 4] = [&["€"], &["eur"], &["euro"], &["euros"]];
/// In a title or a note, only a phrase that states it ("Montants en euros", "(en €)"):
/// "75 millions d'euros" in running text is a figure, not a unit.
const EUROS_IN_NOTE: [&[&str]; 4] = [
    &["en", "euros"],
    &["en", "€"],
    &["montant", "€"],
    &["montants", "€"],
];

fn has_phrase(words: &[String], phrase: &[&str]) -> bool {
    words
        .windows(phrase.len())
        .any(|w| w.iter().zip(phrase).all(|(a, b)| a == b))
}

fn scale_of(words: &[String], euros: &[&[&str]]) -> Option<Decimal> {
    let any = |phrases: &[&[&str]]| phrases.iter().any(|p| has_phrase(words, p));
    if any(&MILLIONS) {
        Some(Decimal::from(1_000_000))
    } else if any(&THOUSANDS) {
        Some(Decimal::ONE_THOUSAND)
    } else if any(euros) {
        Some(Decimal::ONE)
    } else {
        None
    }
}

/// The scale (euros per unit) a column header gives its numbers: "Montant (k€)" → 1 000.
pub fn unit_in_header(header: &str) -> Option<Decimal> {
    scale_of(&words(header), &EUROS_IN_HEADER)
}

/// The scale a title, a heading or a note gives a table's bare numbers: "Montants en
/// milliers d'euros" → 1 000, "(en euros)" → 1.
pub fn unit_in_note(text: &str) -> Option<Decimal> {
    let mut w = words(text);
    // "(€)" and "(euros)" alone are a unit too.
    if w.len() == 1 && matches!(w[0].as_str(), "€" | "euros") {
        w.insert(0, "en".to_string());
    }
    scale_of(&w, &EUROS_IN_NOTE)
}

/// A unit a title, heading or note declares for the figures around it, with "en":
/// "(en milliers d'euros)", "Montants en M€". Stricter than [`unit_in_note`]: any line of a
/// sheet or of the text around a table may be read for it.
pub fn unit_declared(text: &str) -> Option<Decimal> {
    let w = words(text);
    let declared = |phrases: &[&[&str]]| {
        phrases.iter().any(|p| {
            if p.first() == Some(&"en") {
                has_phrase(&w, p)
            } else {
                let with_en: Vec<&str> = std::iter::once("en").chain(p.iter().copied()).collect();
                has_phrase(&w, &with_en)
            }
        })
    };
    if declared(&THOUSANDS) {
        Some(Decimal::ONE_THOUSAND)
    } else if declared(&MILLIONS) {
        Some(Decimal::from(1_000_000))
    } else {
        None
    }
}

/// Words after which a bare number is a reference, never an amount: "Article 2", "Annexe
/// 3", "Page 12", "Décision n° 37", "exercice 2024".
const REFERENCE_WORDS: [&str; 27] = [
    "article",
    "art",
    "articles",
    "annexe",
    "annexes",
    "chapitre",
    "section",
    "titre",
    "page",
    "pages",
    "paragraphe",
    "alinea",
    "point",
    "tableau",
    "figure",
    "decision",
    "arrete",
    "instruction",
    "circulaire",
    "loi",
    "decret",
    "n",
    "no",
    "numero",
    "exercice",
    "annee",
    "campagne",
];

/// The months, folded (lower case, no accents): a number after one is a date's year.
pub const MONTHS: [&str; 12] = [
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];

/// Whether a bare number after `before` (the text of its line up to it) is a reference or
/// a date ("Article 2", "du 6 mars 2020", "n° 2021-37"), which is never a euro.
pub fn is_reference_number(before: &str) -> bool {
    let w = words(before);
    w.last().is_some_and(|last| {
        REFERENCE_WORDS.contains(&last.as_str()) || MONTHS.contains(&last.as_str())
    }) || before.trim_end().ends_with('°')
}

/// A cell that only states a unit ("(en euros)", "en k€"): the second line of a header
/// that gives each column its unit, not a header of its own.
pub fn is_unit_only(text: &str) -> bool {
    const UNIT_WORDS: [&str; 12] = [
        "en", "euros", "euro", "eur", "€", "k€", "m€", "keur", "meur", "milliers", "millions", "d",
    ];
    let w = words(text);
    !w.is_empty()
        && w.iter().all(|t| UNIT_WORDS.contains(&t.as_str()))
        && unit_in_header(text).is_some()
}

/// A note under a table: "(1) …", "(a) …", "* …", "¹ …", "Source : …", "NB : …".
pub fn is_note(text: &str) -> bool {
    let t = text.trim_start();
    let call = t
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .is_some_and(|(inside, _)| {
            (1..=2).contains(&inside.chars().count())
                && inside.chars().all(|c| c.is_alphanumeric() || c == '*')
        });
    call || t.starts_with(['*', '¹', '²', '³', '⁴', '⁵'])
        || matches!(
            words(t).first().map(String::as_str),
            Some("source" | "sources" | "note" | "notes" | "nb" | "lecture" | "champ" | "remarque")
        ) && t.contains(':')
}

/// A PDF page's running head or footer: "BO Santé – Protection sociale – Solidarité n°
/// 2024/12, Page 45", "Bulletin officiel …", "- 12 -", "3/7".
pub fn is_page_furniture(text: &str) -> bool {
    let w = words(text);
    let t = text.trim();
    let page_number = w
        .windows(2)
        .any(|p| p[0] == "page" && p[1].starts_with(|c: char| c.is_ascii_digit()));
    let numbering = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '/' | '–'))
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars().any(|c| matches!(c, '-' | '/' | '–'));
    let head = |first: &[&str]| w.len() >= first.len() && w.iter().zip(first).all(|(a, b)| a == b);
    page_number
        || head(&["bo", "sante"])
        || head(&["bulletin", "officiel"])
        || head(&["journal", "officiel"])
        || numbering
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_one_at_a_time_are_all_the_words() {
        for text in [
            "Total 12 % des crédits",
            "100%",
            "% x%y",
            "",
            "€ m€ k€",
            "a%%b",
        ] {
            let mut expected = Vec::new();
            let mut word = String::new();
            for c in text
                .nfd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
            {
                if c.is_alphanumeric() || c == '€' {
                    word.push(c);
                } else {
                    if !word.is_empty() {
                        expected.push(std::mem::take(&mut word));
                    }
                    if c == '%' {
                        expected.push("%".to_string());
                    }
                }
            }
            if !word.is_empty() {
                expected.push(word);
            }
            assert_eq!(words(text), expected, "{text:?}");
        }
    }

    #[test]
    fn the_first_word_is_that_of_all_the_words() {
        for text in [
            "Total général",
            "  Sous-total DOM",
            "% des crédits",
            "—",
            "",
            "Ẽnsemble",
            "dont Saint-Martin",
            "Île-de-France",
            "İstanbul",
            "(1) Source",
            "Première délégation",
        ] {
            assert_eq!(first_word(text), words(text).first().cloned(), "{text:?}");
        }
    }

    #[test]
    fn grand_totals_whatever_their_wording() {
        for label in [
            "Total",
            "TOTAL",
            "TOTAUX",
            "Total général",
            "TOTAL GÉNÉRAL",
            "Total national",
            "Total des crédits",
            "Total de l'enveloppe",
            "Total (en €)",
            "Total France",
            "Total France entière",
            "France entière",
            "Ensemble",
            "Ensemble des régions",
            "Montant total",
            "soit un total de",
            "Au total",
            "Total 2023",
            "Total national et régional",
        ] {
            assert_eq!(total_row(label), Some(TotalRow::Grand), "{label}");
        }
    }

    #[test]
    fn sub_totals_whatever_their_wording() {
        for label in [
            "Sous-total",
            "Sous total Nord",
            "SOUS-TOTAL MÉTROPOLE",
            "Sous-total DOM/ TOM",
            "S/total Outre-mer",
            "Total Métropole",
            "Total France métropolitaine",
            "Total Outre-mer",
            "Total DOM/TOM",
            "Total Île-de-France",
            "Total général Outre-mer",
        ] {
            assert_eq!(total_row(label), Some(TotalRow::Sub), "{label}");
        }
    }

    #[test]
    fn other_labels_are_no_totals() {
        for label in [
            "Totalement autre",
            "Bretagne",
            "Montant",
            "Totalisation des crédits",
        ] {
            assert_eq!(total_row(label), None, "{label}");
        }
    }

    #[test]
    fn units_in_headers_and_notes() {
        assert_eq!(
            unit_in_header("Crédits (en M€)"),
            Some(Decimal::from(1_000_000))
        );
        assert_eq!(
            unit_in_header("en milliers d’euros"),
            Some(Decimal::ONE_THOUSAND)
        );
        assert_eq!(unit_in_header("Montant (K€)"), Some(Decimal::ONE_THOUSAND));
        assert_eq!(unit_in_header("Montant (€)"), Some(Decimal::ONE));
        assert_eq!(unit_in_header("Montant"), None);
        assert_eq!(
            unit_in_note("Montants en milliers d'euros"),
            Some(Decimal::ONE_THOUSAND)
        );
        assert_eq!(unit_in_note("(en euros)"), Some(Decimal::ONE));
        assert_eq!(unit_in_note("(€)"), Some(Decimal::ONE));
        assert_eq!(unit_in_note("Les crédits délégués aux ARS"), None);
        assert_eq!(
            unit_declared("Annexe – Délégation de crédits 2025 (en milliers d'euros)"),
            Some(Decimal::ONE_THOUSAND)
        );
        assert_eq!(
            unit_declared("Montants en M€"),
            Some(Decimal::from(1_000_000))
        );
        assert_eq!(unit_declared("75 millions d'euros sont délégués"), None);
    }

    #[test]
    fn notes_and_page_furniture() {
        assert!(is_note("(1) dont 100 000 € au titre de 2022"));
        assert!(is_note("Source : instruction du 16 janvier 2023"));
        assert!(is_note("* montants arrondis"));
        assert!(is_note("NB : hors Mayotte"));
        assert!(!is_note("Bretagne"));
        assert!(!is_note("Champagne-Ardenne : 12 €"));
        assert!(is_page_furniture(
            "BO Santé – Protection sociale – Solidarité n° 2023/3 du 15 février 2023, Page 45"
        ));
        assert!(is_page_furniture("- 46 -"));
        assert!(is_page_furniture("3/7"));
        assert!(!is_page_furniture("Bretagne  1 000"));
    }

    #[test]
    fn references_and_dates_are_no_amounts() {
        assert!(is_reference_number("Article "));
        assert!(is_reference_number("ANNEXE "));
        assert!(is_reference_number("Arrêté du 6 mars "));
        assert!(is_reference_number("Décision n° "));
        assert!(is_reference_number("Crédits de l'exercice "));
        assert!(!is_reference_number("Bretagne\t"));
        assert!(!is_reference_number("Total général "));
    }

    #[test]
    fn unit_only_cells() {
        assert!(is_unit_only("(en euros)"));
        assert!(is_unit_only("en k€"));
        assert!(is_unit_only("(en milliers d'euros)"));
        assert!(!is_unit_only("Montant (en euros)"));
        assert!(!is_unit_only("en"));
    }

    #[test]
    fn dont_rows_are_details() {
        assert!(is_detail("dont projet DUI mutualisé"));
        assert!(is_detail("  Dont : SI SAMU"));
        assert!(!is_detail("Dordogne"));
    }
}
