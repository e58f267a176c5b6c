//! Prose: figures and counts of projects stated in sentences, read as claims about an
//! envelope (or as a regional split's lines), with the region each sentence names.

use super::*;

/// Prose about a region or beneficiary breakdown: every figure is a claim (the region is
/// the nearest one named before it in the sentence, else after it), and so is every count
/// of projects.
pub(super) fn read_prose_claims(
    doc: &Doc<'_>,
    piece: &Piece,
    matches: &[AmountMatch],
    region_items: bool,
    extraction: &mut Extraction,
) {
    let chars = &piece.chars;
    let regions = find_regions(&piece.text());
    let at = |s: usize, e: usize| doc.lcd(piece, s, e);
    let region_near = |pos: usize| {
        regions
            .iter()
            .rev()
            .find(|(_, e, _)| *e <= pos)
            .or_else(|| regions.iter().find(|(s, _, _)| *s >= pos))
            .map(|&(s, e, _)| at(s, e))
    };
    for (k, m) in matches.iter().enumerate() {
        // The context runs from the previous figure to the next: beneficiaries are named on
        // either side of their figure in French prose.
        let from = if k == 0 { 0 } else { matches[k - 1].end };
        let to = matches.get(k + 1).map_or(chars.len(), |n| n.start);
        let (s, e) = trim_label(chars, from, to);
        let amount = StatedAmount {
            amount: m.amount,
            raw: m.raw.clone(),
            location: doc.loc(piece, m.start, m.end),
        };
        let region = region_near(m.start);
        let aggregate = is_aggregate(chars, m);
        // A regional split told in prose ("L'ARS Bretagne reçoit 500 000 €.") gives items:
        // the region named is the label. Beneficiaries cannot be told apart from prose,
        // so their figures stay claims, checked against a list.
        if region_items
            && !aggregate
            && let Some(label) = region
        {
            extraction.items.push(RawItem {
                label,
                region_hint: None,
                identifier: None,
                amount,
                previous: None,
                exercise: None,
            });
            continue;
        }
        extraction.claims.push(Claim {
            kind: ClaimKind::Money { amount },
            region,
            context: at(s, e),
            aggregate,
            scope: None,
        });
    }
    for (s, e, count, scope) in find_counts(chars) {
        // "trois projets franciliens": the adjective names the region; otherwise the
        // sentence's region, if it names one.
        let adjective_region = regions
            .iter()
            .find(|(rs, _, _)| *rs >= e && *rs <= e + 1)
            .map(|&(rs, re, _)| at(rs, re));
        extraction.claims.push(Claim {
            kind: ClaimKind::Count { count },
            region: adjective_region.or_else(|| region_near(s)),
            context: at(0, chars.len()),
            aggregate: true,
            scope,
        });
    }
}

/// Words right after a figure, or right before it, that make it an aggregate rather than
/// one line: "5,3 millions d'euros au total", "la répartition des 12,2 millions d'euros".
pub(super) fn is_aggregate(chars: &[char], m: &AmountMatch) -> bool {
    let after: String = chars[m.end.min(chars.len())..]
        .iter()
        .take(24)
        .collect::<String>()
        .to_lowercase();
    let before: String = chars[..m.start.min(chars.len())]
        .iter()
        .collect::<String>()
        .to_lowercase();
    let before = before.trim_end();
    after.contains("total")
        || after.contains("en tout")
        || before.ends_with(" des")
        || before.ends_with(" les")
        || before.ends_with("total de")
        || before.ends_with("total,")
}

/// Counts of projects: "10 projets", "trois projets", "Trois projets franciliens", "deux
/// cent vingt-quatre projets" (words up to the hundreds), each read at the level of its
/// phrase: "224 projets régionaux et neuf nationaux" holds two counts, each with its scope.
/// Returns (start, end of the word "projets" or of the scope, count, scope).
pub(super) fn find_counts(chars: &[char]) -> Vec<(usize, usize, u32, Option<crate::model::Scope>)> {
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphanumeric() {
            let s = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '-') {
                i += 1;
            }
            words.push((s, i));
        } else {
            i += 1;
        }
    }
    let word = |(s, e): (usize, usize)| chars[s..e].iter().collect::<String>().to_lowercase();
    // The count written just before word `j`: digits, or number words (at most five).
    let count_before = |j: usize| -> Option<(usize, u32)> {
        let first = word(*words.get(j.checked_sub(1)?)?);
        if let Ok(n) = first.parse::<u32>() {
            return Some((j - 1, n));
        }
        let mut start = j;
        while start > 0
            && j - start < 5
            && crate::core::amount::count_in_words(&[word(words[start - 1]).as_str()]).is_some()
        {
            start -= 1;
        }
        let spelled: Vec<String> = (start..j).map(|k| word(words[k])).collect();
        let spelled: Vec<&str> = spelled.iter().map(String::as_str).collect();
        // "un projet" is an article more often than a count: counting starts at two.
        crate::core::amount::count_in_words(&spelled)
            .filter(|&n| n >= 2)
            .map(|n| (start, n))
    };
    let scope_at = |k: usize| {
        words
            .get(k)
            .and_then(|&w| crate::model::Scope::of_word(&word(w)))
    };
    let mut out = Vec::new();
    for (j, pair) in words.windows(2).enumerate() {
        let noun = word(pair[1]);
        // The things a list counts: projects, laureates, organisations, structures.
        const COUNTED: [&str; 10] = [
            "projet",
            "projets",
            "laureat",
            "laureats",
            "lauréat",
            "lauréats",
            "organismes",
            "structures",
            "gestionnaires",
            "beneficiaires",
        ];
        if !COUNTED.contains(&noun.as_str()) {
            continue;
        }
        let Some((start, count)) = count_before(j + 1) else {
            continue;
        };
        let scope = scope_at(j + 2);
        out.push((words[start].0, pair[1].1, count, scope));
        // "… et neuf nationaux": a second count of the same noun, with its own scope.
        if scope.is_some()
            && words.get(j + 3).is_some_and(|&w| word(w) == "et")
            && let Some(other) =
                (j + 4..(j + 9).min(words.len())).find(|&k| scope_at(k).is_some() && k > j + 4)
            && let Some((other_start, other_count)) = count_before(other)
            && other_start == j + 4
        {
            out.push((
                words[other_start].0,
                words[other].1,
                other_count,
                scope_at(other),
            ));
        }
    }
    out
}

/// Claims made by the sentences holding the description's `claims` phrases.
pub(super) fn claims_from_phrases(
    doc: &Doc<'_>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Vec<Claim>, Error> {
    let mut extraction = Extraction::default();
    for (index, phrase) in spec.claims.iter().enumerate() {
        let found = doc.find_all(phrase);
        let Some(&((line, col), _)) = found.first() else {
            return Err(Error::extraction(
                description.at(&format!("claims[{index}]")),
                format!(
                    "claim \"{phrase}\" of envelope '{}' is not in {}",
                    spec.id, doc.file
                ),
            ));
        };
        // The sentence holding the phrase, within its paragraph (wrapped lines included).
        let paragraph = paragraph_around(doc, line);
        let sentence = sentences(&paragraph)
            .into_iter()
            .find(|s| s.origin.last().is_some_and(|&o| o >= (line, col)))
            .unwrap_or(paragraph);
        let matches = find_amounts(&sentence.text());
        // Phrases named as claims stay claims, whatever the breakdown.
        read_prose_claims(doc, &sentence, &matches, false, &mut extraction);
    }
    Ok(extraction.claims)
}

/// The paragraph holding `line`: the lines around it up to blank lines, or up to short
/// lines standing alone (a date, a title), which no PDF wrapping produces.
pub(super) fn paragraph_around(doc: &Doc<'_>, line: usize) -> Piece {
    let blank = |l: usize| {
        let text = &doc.lines[l];
        text.iter().all(|c| c.is_whitespace()) || (l != line && text.len() < 25)
    };
    let mut first = line;
    while first > 0 && !blank(first - 1) {
        first -= 1;
    }
    let mut last = line;
    while last + 1 < doc.lines.len() && !blank(last + 1) {
        last += 1;
    }
    Piece::join(
        (first..=last)
            .map(|l| Piece::of_line(doc, l, 0, doc.lines[l].len()))
            .collect(),
    )
}
