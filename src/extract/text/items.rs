//! Items out of a piece of text: cut between figures, labels trimmed of joining words,
//! regions and identifiers read beside the label, revisions read old and new.

use super::*;

/// Splits a segment into sentences: at ".", "!", "?" followed by a space or the end, but
/// not inside numbers ("8.348.102") nor after a one-letter abbreviation.
pub(super) fn sentences(piece: &Piece) -> Vec<Piece> {
    let chars = &piece.chars;
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let next_is_space = i + 1 >= chars.len() || chars[i + 1].is_whitespace();
        if matches!(chars[i], '.' | '!' | '?') && next_is_space {
            out.push(piece.slice(start, i + 1));
            start = i + 1;
        }
    }
    if chars[start..].iter().any(|c| c.is_alphanumeric()) {
        out.push(piece.slice(start, chars.len()));
    }
    out
}

/// Separator strength between two figures: ";" > "," > " et ". Returns the char index
/// (relative to `between`) where the next item starts.
pub(super) fn split_point(between: &[char]) -> Option<usize> {
    let mut depth: i32 = 0;
    // For each separator class, the first and the last position.
    let mut first: [Option<usize>; 3] = [None; 3];
    let mut best: [Option<usize>; 3] = [None; 3];
    for (i, &c) in between.iter().enumerate() {
        match c {
            '(' | '[' | '«' => depth += 1,
            ')' | ']' | '»' => depth = (depth - 1).max(0),
            ';' if depth == 0 => {
                first[0].get_or_insert(i + 1);
                best[0] = Some(i + 1);
            }
            ',' if depth == 0 => {
                first[1].get_or_insert(i + 1);
                best[1] = Some(i + 1);
            }
            ' ' if depth == 0 && between.get(i + 1..i + 4) == Some(&['e', 't', ' '][..]) => {
                first[2].get_or_insert(i + 4);
                best[2] = Some(i + 4);
            }
            _ => {}
        }
    }
    // Labels before their figures ("…), ARS de Guadeloupe, Saint-Martin et …  (") start
    // right after the figure's closing words: the first separator ends the item. Labels
    // after their figures ("… € pour l'ARS de Guadeloupe, Saint-Martin …, ") end at the last.
    let class = (0..3).find(|&k| best[k].is_some())?;
    let cut = first[class].unwrap_or(0);
    let label_after_figure = between[..cut.saturating_sub(1)]
        .iter()
        .any(|c| c.is_alphabetic());
    if label_after_figure {
        best[class]
    } else {
        first[class]
    }
}

/// Reads one piece (a bullet, an inline list, a sentence) into items or claims.
pub(super) fn read_piece(
    doc: &Doc<'_>,
    piece: &Piece,
    spec: &EnvelopeSpec,
    prose: bool,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let matches = find_amounts(&piece.text());
    read_figures(doc, piece, matches, spec, prose, extraction)
}

/// A figure introduced by "dont" details the one before it ("3 521 700 €, dont 500 000 €
/// au titre de …"): it is not another line.
pub(super) fn is_detail(chars: &[char], m: &AmountMatch) -> bool {
    let before: String = chars[..m.start.min(chars.len())]
        .iter()
        .collect::<String>()
        .to_lowercase();
    let before = before.trim_end();
    before.ends_with("dont") || before.ends_with("dont notamment") || before.ends_with("y compris")
}

/// The figures introduced by "dont", and those that go on the same enumeration ("dont
/// 500 000 € au titre de …, 200 000 € … et 250 000 € …", up to a ";").
pub(super) fn details(chars: &[char], matches: &[AmountMatch]) -> Vec<bool> {
    let mut out = Vec::with_capacity(matches.len());
    for (k, m) in matches.iter().enumerate() {
        let continues = k > 0 && out[k - 1] && {
            let between: String = chars[matches[k - 1].end..m.start].iter().collect();
            let between = between.to_lowercase();
            !between.contains(';')
                && (between.trim_end().ends_with(" et")
                    || between.trim_end().ends_with(',')
                    || between.trim_end().ends_with("ainsi que"))
        };
        out.push(is_detail(chars, m) || continues || named_detail(chars, matches, k));
    }
    out
}

/// "1 250 K€, dont SI SAMU : 42,5 K€": a "dont" that names the detail before its figure
/// details the figure before it all the same (the clause, up to a ";" or a sentence's end).
fn named_detail(chars: &[char], matches: &[AmountMatch], k: usize) -> bool {
    let Some(previous) = k.checked_sub(1).map(|p| &matches[p]) else {
        return false;
    };
    let between: String = chars[previous.end.min(chars.len())..matches[k].start.min(chars.len())]
        .iter()
        .collect::<String>()
        .to_lowercase();
    !between.contains(';')
        && !between.contains(". ")
        && between
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .take(2)
            .any(|word| word == "dont")
}

/// "deux millions d'euros (2 000 000 €)": the figure in digits restates the one in words
/// and gives its exact value; one figure is kept, at the words, with the exact amount.
/// "un million cinq cent mille euros" is more than "un million": words that go on with
/// more number words are not read, the bracketed digits are.
pub(super) fn merge_restated(chars: &[char], mut matches: Vec<AmountMatch>) -> Vec<AmountMatch> {
    let in_words = |m: &AmountMatch| {
        m.raw
            .chars()
            .find(|c| !c.is_whitespace())
            .is_some_and(char::is_alphabetic)
    };
    let mut k = 0;
    while k < matches.len() {
        if in_words(&matches[k]) {
            let after: String = chars[matches[k].end..]
                .iter()
                .take(20)
                .collect::<String>()
                .to_lowercase();
            let next_word = after
                .split(|c: char| !c.is_alphabetic())
                .find(|w| !w.is_empty())
                .unwrap_or("");
            let goes_on =
                crate::core::amount::number_word(next_word).is_some() || next_word == "mille";
            if goes_on {
                matches.remove(k);
                continue;
            }
        }
        if k + 1 < matches.len() {
            let between: String = chars[matches[k].end..matches[k + 1].start].iter().collect();
            let bracketed = between.trim() == "(" || between.trim() == "[";
            if bracketed && matches[k + 1].amount.value == matches[k].amount.value {
                matches[k].amount = matches[k + 1].amount;
                matches.remove(k + 1);
            }
        }
        k += 1;
    }
    matches
}

/// Reads a piece whose figures are already found.
pub(super) fn read_figures(
    doc: &Doc<'_>,
    piece: &Piece,
    matches: Vec<AmountMatch>,
    spec: &EnvelopeSpec,
    prose: bool,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let chars = &piece.chars;
    let text = piece.text();
    if let Some(span) = malformed_figure(chars, &matches) {
        return Err(malformed_error(doc, piece, span, spec));
    }
    let per_item = if spec.breakdown == Breakdown::Revision {
        2
    } else {
        1
    };
    // Prose about a region or beneficiary breakdown restates figures: claims, not items.
    let claims_only = prose && spec.breakdown != Breakdown::BudgetLine;
    if claims_only {
        read_prose_claims(
            doc,
            piece,
            &matches,
            spec.breakdown == Breakdown::Region,
            extraction,
        );
        return Ok(());
    }
    let matches = merge_restated(chars, matches);
    let is_detail = details(chars, &matches);
    let mut details = Vec::new();
    let mut lines = Vec::new();
    for (m, detail) in matches.into_iter().zip(is_detail) {
        if detail {
            details.push(m);
        } else {
            lines.push(m);
        }
    }
    let matches = lines;
    for d in &details {
        extraction.notes.push(Note::new(
            Rule::ExtractionDetail,
            Detail::DetailOfFigure { raw: d.raw.clone() },
            doc.loc(piece, d.start, d.end),
        ));
    }
    if matches.is_empty() {
        if !prose {
            return Err(Error::extraction(
                doc.loc(piece, 0, chars.len()),
                format!(
                    "no figure in this item of envelope '{}': \"{}\"",
                    spec.id,
                    text.trim()
                ),
            ));
        }
        return Ok(());
    }
    if !matches.len().is_multiple_of(per_item) {
        return Err(Error::extraction(
            doc.loc(piece, 0, chars.len()),
            format!(
                "a revision item needs two figures (\"de X à Y\"), found {}: \"{}\"",
                matches.len(),
                text.trim()
            ),
        ));
    }
    let groups: Vec<&[AmountMatch]> = matches.chunks(per_item).collect();
    let bounds = item_bounds(chars, &groups);
    for (group, (start, end)) in groups.iter().zip(bounds) {
        let end = before_detail(chars, group, &details, end);
        let item = build_item(doc, piece, start, end, group, spec.breakdown);
        if let Some(id) = &item.identifier {
            extraction
                .notes
                .extend(crate::extract::identifier_note(&id.text, &id.location));
        }
        extraction.items.push(item);
    }
    Ok(())
}

/// "autres mesures : 1 250 K€, dont SI SAMU : 42,5 K€": the item's label ends where the
/// detail its figure is followed by begins (at its "dont"), so the detail's words are not
/// part of the line's label.
fn before_detail(
    chars: &[char],
    group: &[AmountMatch],
    details: &[AmountMatch],
    end: usize,
) -> usize {
    let Some(after) = group.last().map(|m| m.end) else {
        return end;
    };
    let Some(detail) = details.iter().find(|d| d.start >= after && d.start < end) else {
        return end;
    };
    let between: String = chars[after..detail.start]
        .iter()
        .collect::<String>()
        .to_lowercase();
    match between.find("dont") {
        Some(byte) => after + between[..byte].chars().count(),
        None => end,
    }
}

/// Cuts a piece into one char range per group of figures.
pub(super) fn item_bounds(chars: &[char], groups: &[&[AmountMatch]]) -> Vec<(usize, usize)> {
    let mut bounds = Vec::with_capacity(groups.len());
    let mut start = 0;
    for k in 0..groups.len() {
        let end = match groups.get(k + 1) {
            Some(next) => {
                let from = groups[k].last().map_or(0, |m| m.end);
                let to = next.first().map_or(from, |m| m.start);
                from + split_point(&chars[from..to]).unwrap_or(to - from)
            }
            None => chars.len(),
        };
        bounds.push((start, end));
        start = end;
    }
    bounds
}

pub(super) fn is_label_noise(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';' | ':' | '.' | '-' | '–' | '—' | '•' | '·' | '*' | '(' | ')'
        )
}

/// Words that join a label to its figure and belong to neither.
/// Phrases that introduce a figure and belong to no label ("…, la somme de 2 000 000 €").
pub(super) const EDGE_PHRASES: [&str; 6] = [
    "la somme de",
    "la somme d'",
    "un montant de",
    "une subvention de",
    "pour un montant de",
    "à hauteur de",
];

pub(super) const EDGE_WORDS: [&str; 9] = [
    "de", "d'", "à", "pour", "soit", "et", "puis", "enfin", "dont",
];

/// Trims punctuation and joining words from both ends of `range` of `chars`.
pub(super) fn trim_label(chars: &[char], mut start: usize, mut end: usize) -> (usize, usize) {
    loop {
        let before = (start, end);
        while start < end && is_label_noise(chars[start]) {
            start += 1;
        }
        while end > start && is_label_noise(chars[end - 1]) {
            // "Groupement … (GNCHR)": a parenthesis closed inside the label belongs to it.
            let balanced = chars[end - 1] == ')'
                && chars[start..end].iter().filter(|&&c| c == '(').count()
                    >= chars[start..end].iter().filter(|&&c| c == ')').count();
            if balanced {
                break;
            }
            end -= 1;
        }
        let text: String = chars[start..end].iter().collect();
        let lower = text.to_lowercase();
        // "la somme de", or "la somme" once "de" is gone: one phrase per pass.
        let tail = EDGE_PHRASES
            .iter()
            .flat_map(|phrase| {
                let short = phrase
                    .trim_end_matches(['\'', ' '])
                    .trim_end_matches(" de")
                    .trim_end_matches(" d");
                [*phrase, short]
            })
            .find(|tail| lower.ends_with(&format!(" {tail}")));
        if let Some(tail) = tail {
            end -= tail.chars().count() + 1;
            continue;
        }
        if (start, end) != before {
            continue;
        }
        for word in EDGE_WORDS {
            let n = word.chars().count();
            if text.ends_with(&format!(" {word}")) {
                end -= n + 1;
            } else if text.starts_with(&format!("{word} ")) {
                start += n + 1;
            }
        }
        if (start, end) == before {
            return (start, end);
        }
    }
}

/// The parenthesis group around `[from, to)` within `[lo, hi)`, if any.
pub(super) fn enclosing_parens(
    chars: &[char],
    lo: usize,
    hi: usize,
    from: usize,
    to: usize,
) -> Option<(usize, usize)> {
    let mut depth = 0;
    let mut open = None;
    for i in (lo..from).rev() {
        match chars[i] {
            ')' => depth += 1,
            '(' if depth == 0 => {
                open = Some(i);
                break;
            }
            '(' => depth -= 1,
            _ => {}
        }
    }
    let open = open?;
    let close = (to..hi).find(|&i| chars[i] == ')')?;
    Some((open, close + 1))
}

/// Words between the two figures of a revision that put the new amount first:
/// "3 087 450 € (au lieu de 2 987 450 €)", "412 300 € contre 512 300 € précédemment".
pub(super) const NEW_FIRST: [&str; 5] = [
    "au lieu de",
    "contre",
    "precedemment",
    "auparavant",
    "initialement",
];

pub(super) fn build_item(
    doc: &Doc<'_>,
    piece: &Piece,
    start: usize,
    end: usize,
    group: &[AmountMatch],
    breakdown: Breakdown,
) -> RawItem {
    let chars = &piece.chars;
    let at = |s: usize, e: usize| doc.lcd(piece, s, e);
    let stated = |m: &AmountMatch| StatedAmount {
        amount: m.amount,
        raw: m.raw.clone(),
        location: doc.loc(piece, m.start, m.end),
    };
    let first = &group[0];
    let last = &group[group.len() - 1];
    let (amount, previous) = match group {
        [a, b] => {
            let between = folded_string(&chars[a.end..b.start].iter().collect::<String>());
            if NEW_FIRST.iter().any(|w| between.contains(w)) {
                (stated(a), Some(stated(b)))
            } else {
                (stated(b), Some(stated(a)))
            }
        }
        _ => (stated(first), None),
    };

    // A figure in parentheses shares them with its region: "(Île-de-France, 406 472 euros)".
    let mut region_hint = None;
    let (cut_start, cut_end) = match enclosing_parens(chars, start, end, first.start, last.end) {
        Some((open, close)) => {
            let inner_parts = split_top_level(chars, open + 1, close - 1);
            for (s, e) in inner_parts {
                let overlaps_figure = s < last.end && first.start < e;
                let (s, e) = trim_label(chars, s, e);
                if !overlaps_figure && s < e && chars[s..e].iter().any(|c| c.is_alphabetic()) {
                    region_hint = Some(at(s, e));
                    break;
                }
            }
            (open, close)
        }
        None => (first.start, last.end),
    };

    // "ADAPEI 69 (FINESS EJ 690793310), Auvergne-Rhône-Alpes : 873 200 €": the identifier
    // is kept apart, the name before it is the label, a region after it is the hint.
    let found_id = find_identifier(chars, start, cut_start);
    let identifier = found_id.as_ref().map(|id| Located {
        text: id.value.clone(),
        location: doc.loc(piece, id.digits.0, id.digits.1),
    });
    let label = if breakdown == Breakdown::BudgetLine {
        let (s, e) = trim_label(chars, start, end);
        at(s, e)
    } else {
        // The label is what stands outside the figure, before it if anything does.
        let label_end = found_id.as_ref().map_or(cut_start, |id| id.group.0);
        let (bs, mut be) = trim_label(chars, start, label_end);
        if breakdown == Breakdown::Beneficiary && region_hint.is_none() {
            // "à la Fondation Alpha (Île-de-France), la somme de …": a region in
            // parentheses after the name.
            let in_parens = (bs..be).filter(|&i| chars[i] == '(').find_map(|open| {
                let close = (open..be).find(|&j| chars[j] == ')')?;
                let inner: String = chars[open + 1..close].iter().collect();
                normalise_region(&inner).is_ok().then_some((open, close))
            });
            if let Some((open, close)) = in_parens {
                region_hint = Some(at(open + 1, close));
                be = trim_label(chars, bs, open).1;
            }
        }
        if breakdown == Breakdown::Beneficiary && region_hint.is_none() {
            let tail = match &found_id {
                Some(id) => Some(trim_label(chars, id.group.1, cut_start)),
                // "Fondation Alpha, Bretagne : 300 000 €"
                None => split_top_level(chars, bs, be)
                    .last()
                    .filter(|&&(s, _)| s > bs)
                    .map(|&(s, e)| trim_label(chars, s, e)),
            };
            if let Some((ts, te)) = tail.filter(|(ts, te)| ts < te)
                && normalise_region(&chars[ts..te].iter().collect::<String>()).is_ok()
            {
                region_hint = Some(at(ts, te));
                if found_id.is_none() {
                    be = trim_label(chars, bs, ts).1;
                }
            }
        }
        let (as_, ae) = trim_label(chars, cut_end, end);
        let label = if bs < be { at(bs, be) } else { at(as_, ae) };
        // "Le montant « 1 843 120 € » figurant à la ligne « ARS de Bretagne » est remplacé
        // par …": the region is named after the figure, not before. When the label names no
        // region and the item names exactly one, that mention is the label.
        let by_region = matches!(breakdown, Breakdown::Region | Breakdown::Revision);
        if by_region
            && find_regions(&label.text).is_empty()
            && normalise_region(&label.text).is_err()
        {
            let item: String = chars[start..end].iter().collect();
            let mentions = find_regions(&item);
            let distinct: std::collections::BTreeSet<_> =
                mentions.iter().map(|&(_, _, r)| r).collect();
            match (distinct.len(), mentions.first()) {
                (1, Some(&(ms, me, _))) => at(start + ms, start + me),
                _ => label,
            }
        } else {
            label
        }
    };
    RawItem {
        label,
        region_hint,
        identifier,
        amount,
        previous,
        exercise: None,
    }
}

/// A FINESS or SIREN number written in a label.
pub(super) struct FoundIdentifier {
    /// The 9 characters, spaces removed.
    value: String,
    /// Where the digits stand.
    digits: (usize, usize),
    /// The words and parentheses around them, to cut from the label.
    group: (usize, usize),
}

/// "(FINESS EJ 690793310)", "FINESS : 75 000 001 2", "SIREN 775 672 272".
pub(super) fn find_identifier(chars: &[char], start: usize, end: usize) -> Option<FoundIdentifier> {
    let lower: Vec<char> = chars[..end]
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    for keyword in ["finess", "siren", "siret"] {
        let k: Vec<char> = keyword.chars().collect();
        let Some(at) =
            (start..end.saturating_sub(k.len() - 1)).find(|&i| lower[i..].starts_with(&k))
        else {
            continue;
        };
        // Skip "EJ", "ET", "n°", ":" between the word and the digits.
        let mut i = at + k.len();
        while i < end && !lower[i].is_ascii_digit() {
            let word: String = lower[i..end.min(i + 2)].iter().collect();
            if lower[i].is_whitespace() || matches!(lower[i], ':' | '°' | '.' | '-') {
                i += 1;
            } else if ["ej", "et", "n°", "no"].contains(&word.as_str()) {
                i += 2;
            } else {
                break;
            }
        }
        let digits_start = i;
        let mut value = String::new();
        while i < end && value.len() < 9 {
            let c = chars[i];
            let corsican = value.len() == 1 && value == "2" && matches!(c, 'A' | 'B' | 'a' | 'b');
            if c.is_ascii_digit() || corsican {
                value.push(c.to_ascii_uppercase());
            } else if !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '.') {
                break;
            }
            i += 1;
        }
        if value.len() != 9 {
            continue;
        }
        // A SIRET goes on with its 5-digit establishment number: the SIREN is kept.
        while i < end && (chars[i].is_ascii_digit() || chars[i] == ' ') && keyword == "siret" {
            i += 1;
        }
        let digits = (digits_start, i);
        let before_open = chars[start..at]
            .iter()
            .rposition(|c| !c.is_whitespace())
            .map(|p| start + p);
        let group = match before_open {
            Some(p) if chars[p] == '(' => {
                let close = (i..end).find(|&j| chars[j] == ')').map_or(i, |j| j + 1);
                (p, close)
            }
            _ => (at, i),
        };
        return Some(FoundIdentifier {
            value,
            digits,
            group,
        });
    }
    None
}

/// Comma-separated parts of `[lo, hi)` at parenthesis depth 0, keeping decimal commas.
pub(super) fn split_top_level(chars: &[char], lo: usize, hi: usize) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = lo;
    for i in lo..hi {
        match chars[i] {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' | ';'
                if depth == 0
                    && !(i > lo
                        && chars[i - 1].is_ascii_digit()
                        && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())) =>
            {
                parts.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push((start, hi));
    parts
}
