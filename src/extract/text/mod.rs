//! Text extraction: figures out of UTF-8 extracts (BO texts, press articles), driven by the
//! description's `anchor`, `until` and `items` keys.
//!
//! The same few shapes recur in official texts, whatever the wording:
//! - bullet lists, one figure per bullet ("• Auvergne-Rhône-Alpes: 8.348.102 euros");
//! - inline lists, figures separated by commas or semicolons
//!   ("Auvergne – Rhône-Alpes (9 336 527 euros), Bourgogne – Franche-Comté (…)");
//! - revisions, two figures per item ("Bretagne, de 1 264 784 euros à 1 160 000 euros");
//! - prose, figures scattered over sentences ("l'ARS Bretagne engage 758.710 €…").
//!
//! Items are cut *between* consecutive figures, at the strongest separator there
//! (";" before "," before " et "), so that a label may hold commas or "et" as long as a
//! stronger separator ends it, and labels may stand before or after their figure.

use crate::core::amount::{
    Amount, AmountMatch, Precision, Qualifier, find_amounts, parse_amount, parse_number,
};
use crate::core::region::{find_regions, normalise_region};
use crate::error::Error;
use crate::extract::pdf::{PageLine, PdfText};
use crate::extract::{Extraction, declared_totals};
pub use crate::model::DescriptionRef;
use crate::model::{Breakdown, EnvelopeSpec, ItemLayout, Unit, WrittenAmount};
use crate::model::{Claim, ClaimKind, Located, Location, Note, RawItem, StatedAmount};
use crate::model::{Detail, Rule};
use rust_decimal::{Decimal, RoundingStrategy};
use unicode_normalization::UnicodeNormalization;

mod doc;
mod flat;
mod items;
mod lines;
mod prose;

use doc::{Doc, Found, Piece, Pos, fold_phrase};
use items::{read_figures, read_piece, sentences, trim_label};
use lines::{ListBounds, bare_numbers, folded_string, read_lines};
use prose::{claims_from_phrases, read_prose_claims};
/// The char index after a bullet marker ("•", "-", "1.", "a)") and its spaces, if the line
/// is a bullet.
fn bullet_body(line: &[char]) -> Option<usize> {
    let mut i = line.iter().position(|c| !c.is_whitespace())?;
    let c = line[i];
    if matches!(
        c,
        '•' | '·' | '▪' | '◦' | '‣' | '-' | '–' | '—' | '*' | '○' | '■' | '□'
    ) {
        i += 1;
    } else if c == '(' {
        // "(1) Bretagne : …", "(a) Corse : …"
        let n = line[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if n == 0 || n > 2 || line.get(i + 1 + n) != Some(&')') {
            return None;
        }
        i += n + 2;
    } else {
        let digits = line[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let letter = usize::from(digits == 0 && line[i].is_ascii_lowercase());
        let n = digits + letter;
        // "1.", "a)", and the BO's ordinals "1°", "10°".
        if n == 0 || n > 3 || !matches!(line.get(i + n), Some('.' | ')' | '°')) {
            return None;
        }
        i += n + 1;
    }
    if !line.get(i).is_some_and(|c| c.is_whitespace()) {
        return None;
    }
    while line.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    Some(i)
}

/// Extracts one envelope's figures from a text source.
pub fn extract_text(
    source_name: &str,
    text: &str,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Extraction, Error> {
    extract_doc(Doc::new(source_name, text), spec, description)
}

/// Extracts one envelope's figures from the text layer of a PDF, read as a text whose
/// every figure is located on its page.
pub fn extract_pdf_text(
    source_name: &str,
    layer: &PdfText,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Extraction, Error> {
    extract_doc(Doc::of_pdf(source_name, layer), spec, description)
}

fn extract_doc(
    doc: Doc<'_>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Extraction, Error> {
    let source_name = doc.file;
    let mut extraction = Extraction::default();

    let anchor_end = match &spec.anchor {
        Some(anchor) => {
            let found = doc.find_all(anchor);
            // "ANNEXE" is also in "figurant en annexe": a line that begins with the anchor
            // (a heading) wins over a mention in running text.
            let heading = found.iter().find(|((line, col), _)| {
                doc.lines[*line][..*col]
                    .iter()
                    .all(|c| c.is_whitespace() || !c.is_alphanumeric())
            });
            if heading.is_none() && found.len() > 1 {
                let lines: Vec<usize> = found.iter().map(|((l, _), _)| *l).collect();
                return Err(Error::extraction(
                    description.at("anchor"),
                    format!(
                        "anchor \"{anchor}\" of envelope '{}' occurs {} times in {source_name} ({}): make it longer, so that it names one place",
                        spec.id,
                        found.len(),
                        doc.name_lines(&lines)
                    ),
                ));
            }
            let Some(&(_, end)) = heading.or(found.first()) else {
                let hint = doc
                    .closest(anchor)
                    .map(|(line, text)| {
                        format!("; closest: \"{text}\" ({})", doc.name_lines(&[line]))
                    })
                    .unwrap_or_default();
                return Err(Error::extraction(
                    description.at("anchor"),
                    format!(
                        "anchor \"{anchor}\" of envelope '{}' is not in {source_name}{hint}",
                        spec.id
                    ),
                ));
            };
            Some(end)
        }
        None => None,
    };

    declared_totals(spec, description, doc.file, &mut extraction, |declared| {
        locate_declared(&doc, declared, anchor_end)
    });

    let Some(anchor_end) = anchor_end else {
        extraction.claims = claims_from_phrases(&doc, spec, description)?;
        return Ok(extraction);
    };
    let (segments, list) = section(&doc, anchor_end, spec, description)?;
    if let Some(list) = list {
        read_lines(&doc, anchor_end.0, list, spec, &mut extraction)?;
    }
    let prose = spec.items == ItemLayout::Sentences;
    for paragraph in &segments {
        let pieces = if prose {
            sentences(paragraph)
        } else {
            vec![paragraph.clone()]
        };
        for piece in &pieces {
            read_piece(&doc, piece, spec, prose, &mut extraction)?;
        }
    }
    if let Some(remainder) = &spec.remainder {
        extraction.remainder = Some(locate_remainder(
            &doc,
            remainder,
            anchor_end,
            spec,
            description,
        )?);
    }
    extraction
        .claims
        .extend(claims_from_phrases(&doc, spec, description)?);
    if extraction.items.is_empty() && extraction.claims.is_empty() {
        let (line, col) = anchor_end;
        extraction.notes.push(Note::new(
            Rule::ExtractionEmpty,
            Detail::NothingExtracted {
                envelope: spec.id.clone(),
            },
            doc.location(line, col.saturating_sub(1), col),
        ));
    }
    Ok(extraction)
}

/// The declared total, as written in the description, found in the source: on the
/// anchor's line if it is there, else the last occurrence before the anchor, else the first;
/// written another way ("75 M€" for "75 millions d'euros"); or as a bare number.
fn locate_declared(
    doc: &Doc<'_>,
    declared: &WrittenAmount,
    anchor_end: Option<(usize, usize)>,
) -> Option<StatedAmount> {
    let amount = declared.amount;
    let declared = declared.written.as_str();
    let pick = |found: &[Found]| -> Option<Found> {
        match anchor_end {
            Some((anchor_line, _)) => found
                .iter()
                .find(|(s, _)| s.0 == anchor_line)
                .or_else(|| found.iter().rev().find(|(s, _)| s.0 < anchor_line))
                .or(found.first())
                .copied(),
            None => found.first().copied(),
        }
    };
    let stated_at = |line: usize, start: usize, end: usize, amount: Amount| {
        let located = doc.located(line, start, end);
        StatedAmount {
            amount,
            raw: located.text,
            location: located.location,
        }
    };
    if let Some(((line, start), (end_line, end))) = pick(&doc.find_all(declared)) {
        let end = if end_line == line {
            end
        } else {
            doc.lines[line].len()
        };
        return Some(stated_at(line, start, end, amount));
    }
    // Written another way in the source ("75 M€" for "75 millions d'euros"): the figure of
    // the same value, as the source states it.
    let same_value: Vec<(Pos, Pos, Amount)> = doc
        .lines
        .iter()
        .enumerate()
        .flat_map(|(l, chars)| {
            let text: String = chars.iter().collect();
            find_amounts(&text)
                .into_iter()
                .filter(|m| m.amount.value == amount.value)
                .map(move |m| ((l, m.start), (l, m.end), m.amount))
        })
        .collect();
    let spans: Vec<((usize, usize), (usize, usize))> =
        same_value.iter().map(|&(s, e, _)| (s, e)).collect();
    if let Some(((line, start), (_, end))) = pick(&spans) {
        let stated = same_value
            .iter()
            .find(|(s, _, _)| *s == (line, start))
            .map_or(amount, |&(_, _, a)| a);
        return Some(stated_at(line, start, end, stated));
    }
    // A table's total line without a unit ("Total	38 498 000" under a "(en euros)"
    // header): the same number, written alone.
    let bare: Vec<Found> = doc
        .lines
        .iter()
        .enumerate()
        .flat_map(|(l, chars)| {
            bare_numbers(chars)
                .into_iter()
                .filter(|&(_, _, n)| n == amount.value)
                .map(move |(s, e, _)| ((l, s), (l, e)))
        })
        .collect();
    if let Some(((line, start), (_, end))) = pick(&bare) {
        return Some(stated_at(line, start, end, amount));
    }
    None
}

fn locate_remainder(
    doc: &Doc<'_>,
    phrase: &str,
    anchor_end: (usize, usize),
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Located, Error> {
    let found = doc.find_all(phrase);
    let pick = found
        .iter()
        .find(|(s, _)| *s >= anchor_end)
        .or(found.first());
    match pick {
        Some(&((line, start), (end_line, end))) => {
            let end = if end_line == line {
                end
            } else {
                doc.lines[line].len()
            };
            Ok(doc.located(line, start, end))
        }
        None => Err(Error::extraction(
            description.at("remainder"),
            format!(
                "remainder \"{phrase}\" of envelope '{}' is not in {}",
                spec.id, doc.file
            ),
        )),
    }
}

/// The line segments holding the envelope's figures, after the anchor.
fn section(
    doc: &Doc<'_>,
    (line, col): (usize, usize),
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<(Vec<Piece>, Option<ListBounds>), Error> {
    let until = match &spec.until {
        Some(until) => {
            let found = doc.find_all(until);
            let Some(&(start, _)) = found.iter().find(|(s, _)| *s >= (line, col)) else {
                return Err(Error::extraction(
                    description.at("until"),
                    format!(
                        "\"until\" phrase \"{until}\" of envelope '{}' is not after its anchor in {}",
                        spec.id, doc.file
                    ),
                ));
            };
            Some(start)
        }
        None => None,
    };
    let end_of = |l: usize| match until {
        Some((ul, uc)) if ul == l => uc,
        _ => doc.lines[l].len(),
    };
    let rest_of_line = Piece::of_line(doc, line, col, end_of(line));
    let layout = match spec.items {
        // Inline when the anchor's sentence goes on with figures, even wrapped onto the next
        // lines ("… entre les régions : Auvergne-Rhône-Alpes (1 200" / "000 euros), …").
        ItemLayout::Auto => {
            let goes_on = rest_of_line.chars.iter().any(|c| c.is_alphanumeric());
            // (wrapped_lines only follows a line that breaks off mid-sentence)
            let paragraph = Piece::join(
                std::iter::once(rest_of_line.clone())
                    .chain(wrapped_lines(doc, &rest_of_line, line + 1, until))
                    .collect(),
            );
            // A table copied one cell per line under a title is no inline list, even
            // though the title's sentence seems to go on with figures.
            let flattened = flat::detect(
                doc,
                ListBounds {
                    first: line + 1,
                    until,
                    table: false,
                },
            )
            .is_some();
            if goes_on && !flattened && !find_amounts(&paragraph.text()).is_empty() {
                ItemLayout::Inline
            } else {
                ItemLayout::Bullets
            }
        }
        other => other,
    };
    if matches!(layout, ItemLayout::Bullets | ItemLayout::Table) {
        return Ok((
            Vec::new(),
            Some(ListBounds {
                first: line + 1,
                until,
                table: layout == ItemLayout::Table,
            }),
        ));
    }
    // Inline lists and prose: paragraphs from the anchor. With `until`, every line up to
    // it, blank lines separating paragraphs; without, the anchor's paragraph, wrapped
    // lines included, up to the line that ends its sentence.
    let last = match until {
        Some((ul, _)) => ul.min(doc.lines.len().saturating_sub(1)),
        None => doc.lines.len().saturating_sub(1),
    };
    if until.is_none() {
        let mut parts = vec![rest_of_line.clone()];
        parts.extend(wrapped_lines(doc, &rest_of_line, line + 1, None));
        return Ok((vec![Piece::join(parts)], None));
    }
    let mut paragraphs = Vec::new();
    let mut current = vec![rest_of_line];
    for l in line + 1..=last {
        if doc.lines[l].iter().all(|c| c.is_whitespace()) {
            paragraphs.push(Piece::join(std::mem::take(&mut current)));
            continue;
        }
        current.push(Piece::of_line(doc, l, 0, end_of(l)));
    }
    paragraphs.push(Piece::join(current));
    paragraphs.retain(|p| !p.chars.is_empty());
    Ok((paragraphs, None))
}

/// Whether a line ending with `last` breaks off mid-sentence (a PDF wrap): after a comma,
/// a digit or a lower-case word, yes; after ":", ")", a full stop or a heading in capitals,
/// no.
fn is_open(last: Option<char>) -> bool {
    last.is_some_and(|c| {
        matches!(c, ',' | ';' | '(' | '–' | '-') || c.is_ascii_digit() || c.is_lowercase()
    })
}

/// The lines after `first` that continue its sentence (a paragraph wrapped by a PDF export):
/// up to the line that ends the sentence, a blank line or a bullet.
fn wrapped_lines(doc: &Doc<'_>, first: &Piece, from: usize, until: Option<Pos>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut last_char = first
        .chars
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .copied();
    for l in from..doc.lines.len() {
        if until.is_some_and(|(ul, _)| l > ul) {
            break;
        }
        let line = &doc.lines[l];
        let blank = line.iter().all(|c| c.is_whitespace());
        if !is_open(last_char) || blank || bullet_body(line).is_some() {
            break;
        }
        let end = match until {
            Some((ul, uc)) if ul == l => uc,
            _ => line.len(),
        };
        let piece = Piece::of_line(doc, l, 0, end);
        last_char = piece
            .chars
            .iter()
            .rev()
            .find(|c| !c.is_whitespace())
            .copied();
        out.push(piece);
    }
    out
}

/// A number written right before a currency unit that `find_amounts` could not read
/// ("2.636.30 euros"): reported, never skipped.
fn malformed_figure(chars: &[char], found: &[AmountMatch]) -> Option<(usize, usize)> {
    const UNITS: [&str; 7] = ["€", "eur", "m€", "k€", "million", "milliard", "md€"];
    number_runs(chars).into_iter().find(|&(start, end)| {
        let after: String = chars[end..]
            .iter()
            .take(9)
            .collect::<String>()
            .to_lowercase();
        let unit_follows = UNITS.iter().any(|u| after.starts_with(u));
        let covered = found.iter().any(|m| m.start <= start && start < m.end);
        unit_follows && !covered
    })
}

/// Runs of digits and French group or decimal separators, each starting a word:
/// (start, end) where a number may be written.
fn number_runs(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || matches!(chars[i], ' ' | '\u{a0}' | '\u{202f}' | '.' | ','))
        {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

fn malformed_error(
    doc: &Doc<'_>,
    piece: &Piece,
    span: (usize, usize),
    spec: &EnvelopeSpec,
) -> Error {
    let raw: String = piece.chars[span.0..]
        .iter()
        .take(span.1 - span.0 + 9)
        .collect();
    let why = match parse_amount(raw.trim()) {
        Err(e) => e.to_string(),
        Ok(_) => "not a figure French texts write".to_string(),
    };
    Error::extraction(
        doc.loc(piece, span.0, span.1),
        format!("figure of envelope '{}' cannot be read: {why}", spec.id),
    )
}

#[cfg(test)]
mod tests {
    use super::items::split_point;
    use super::prose::find_counts;
    use super::*;

    #[test]
    fn bullet_markers() {
        let b = |s: &str| bullet_body(&s.chars().collect::<Vec<_>>());
        assert_eq!(b("  • Bretagne: 1 euros"), Some(4));
        assert_eq!(b("- Corse, de 1 euros à 2 euros"), Some(2));
        assert_eq!(b("12. Corse"), Some(4));
        assert_eq!(b("a) Corse"), Some(3));
        assert_eq!(b("10° ARS d'Île-de-France"), Some(4));
        assert_eq!(b("(2) Corse : 1 €"), Some(4));
        assert_eq!(b("(Corse)"), None);
        assert_eq!(b("Corse"), None);
        assert_eq!(b("-5 euros"), None);
        assert_eq!(b("2021. Année"), None);
    }

    #[test]
    fn strongest_separator_wins() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        // "Partage et Vie" keeps its "et" because a comma stands before it.
        assert_eq!(
            split_point(&c(" euros), Fondation Partage et Vie (")),
            Some(8)
        );
        assert_eq!(split_point(&c(" d'euros pour le soutien et ")), Some(28));
        assert_eq!(split_point(&c(" € à Groupe SOS; de ")), Some(16));
        assert_eq!(split_point(&c(" (Île-de-France, ")), None);
    }

    #[test]
    fn folding_ignores_case_accents_apostrophes_and_spacing() {
        let doc = Doc::new(
            "f.txt",
            "Les 75 millions d’euros  de crédits\nÎLE-DE-FRANCE",
        );
        assert_eq!(doc.find_all("75 millions d'euros").len(), 1);
        assert_eq!(doc.find_all("ile de-france"), vec![]);
        assert_eq!(doc.find_all("ile-de-france"), vec![((1, 0), (1, 13))]);
    }

    #[test]
    fn counts_of_projects() {
        let c: Vec<char> = "Trois projets franciliens et 10 projets lauréats, puis un projet"
            .chars()
            .collect();
        let counts: Vec<u32> = find_counts(&c).into_iter().map(|(_, _, n, _)| n).collect();
        assert_eq!(counts, vec![3, 10]);
    }

    #[test]
    fn counts_are_read_at_the_level_of_the_phrase_with_their_scope() {
        use crate::model::Scope;
        let c: Vec<char> = "deux cent vingt-quatre projets régionaux et neuf nationaux"
            .chars()
            .collect();
        let counts: Vec<(u32, Option<Scope>)> = find_counts(&c)
            .into_iter()
            .map(|(_, _, n, scope)| (n, scope))
            .collect();
        assert_eq!(
            counts,
            vec![(224, Some(Scope::Regional)), (9, Some(Scope::National))]
        );
    }
}
