//! The source text as lines of chars, with a folded copy for matching phrases, and the
//! pieces of it that items are read from.

use super::*;

/// A source text split in lines of chars, with a folded copy for matching phrases
/// whatever their case, accents, apostrophes, dashes and spacing.
pub(super) struct Doc<'a> {
    pub(super) file: &'a str,
    /// For a PDF's text layer, where each line stands in the PDF (one entry per line);
    /// `None` for a text, whose lines are its own.
    pub(super) pages: Option<&'a [PageLine]>,
    pub(super) lines: Vec<Vec<char>>,
    pub(super) folded: Vec<char>,
    /// For each folded char: (line index, char index in that line).
    pub(super) origin: Vec<(usize, usize)>,
}

/// (line index, char index in that line).
pub(super) type Pos = (usize, usize);
/// Start and end (exclusive) of a phrase found in a document.
pub(super) type Found = (Pos, Pos);

/// Text cut from the document, over one line or several lines joined by a space (a
/// bullet or a paragraph wrapped by a PDF export), with where each char comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece {
    pub(super) chars: Vec<char>,
    pub(super) origin: Vec<Pos>,
}

impl Piece {
    pub(super) fn of_line(doc: &Doc<'_>, line: usize, start: usize, end: usize) -> Piece {
        let end = end.min(doc.lines[line].len());
        let start = start.min(end);
        Piece {
            chars: doc.lines[line][start..end].to_vec(),
            origin: (start..end).map(|c| (line, c)).collect(),
        }
    }

    /// Parts joined by one space, which stands where the earlier part ends.
    pub(super) fn join(parts: Vec<Piece>) -> Piece {
        let mut out = Piece {
            chars: Vec::new(),
            origin: Vec::new(),
        };
        for part in parts {
            if part.chars.is_empty() {
                continue;
            }
            if let Some(&(line, col)) = out.origin.last() {
                out.chars.push(' ');
                out.origin.push((line, col + 1));
            }
            out.chars.extend(part.chars);
            out.origin.extend(part.origin);
        }
        out
    }

    pub(super) fn slice(&self, start: usize, end: usize) -> Piece {
        Piece {
            chars: self.chars[start..end].to_vec(),
            origin: self.origin[start..end].to_vec(),
        }
    }

    pub(super) fn text(&self) -> String {
        self.chars.iter().collect()
    }
}

pub(super) fn fold_char(c: char, out: &mut Vec<char>) {
    match c {
        '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}' | '\t' | '\r' => out.push(' '),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}' => out.push('-'),
        '\u{2019}' | '\u{2018}' | '\u{2bc}' | '\u{b4}' | '`' => out.push('\''),
        '«' | '»' | '“' | '”' => out.push('"'),
        'œ' | 'Œ' => out.extend(['o', 'e']),
        'æ' | 'Æ' => out.extend(['a', 'e']),
        _ => {
            for d in c.to_string().nfd() {
                if !unicode_normalization::char::is_combining_mark(d) {
                    out.extend(d.to_lowercase());
                }
            }
        }
    }
}

/// Folds a phrase the way `Doc` folds its text: trimmed, single spaces.
pub(super) fn fold_phrase(phrase: &str) -> Vec<char> {
    let mut raw = Vec::new();
    for c in phrase.chars() {
        fold_char(c, &mut raw);
    }
    let mut out: Vec<char> = Vec::with_capacity(raw.len());
    for c in raw {
        if c == ' ' && (out.is_empty() || out.last() == Some(&' ')) {
            continue;
        }
        out.push(c);
    }
    while out.last() == Some(&' ') {
        out.pop();
    }
    out
}

impl<'a> Doc<'a> {
    pub(super) fn new(file: &'a str, text: &str) -> Self {
        let lines: Vec<Vec<char>> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).chars().collect())
            .collect();
        let mut folded = Vec::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        let mut buf = Vec::new();
        for (li, line) in lines.iter().enumerate() {
            for (ci, &c) in line.iter().enumerate() {
                buf.clear();
                fold_char(c, &mut buf);
                for &f in &buf {
                    if f == ' ' && folded.last() == Some(&' ') {
                        continue;
                    }
                    folded.push(f);
                    origin.push((li, ci));
                }
            }
            // A line break is a space: phrases wrap in PDF exports.
            if folded.last() != Some(&' ') {
                folded.push(' ');
                origin.push((li, line.len()));
            }
        }
        Doc {
            file,
            pages: None,
            lines,
            folded,
            origin,
        }
    }

    /// The body text of a PDF, whose lines are located on their pages.
    pub(super) fn of_pdf(file: &'a str, layer: &'a PdfText) -> Self {
        Doc {
            pages: Some(&layer.lines),
            ..Doc::new(file, &layer.text)
        }
    }

    /// How a message names lines of the source: "lines 4, 7" in a text, "p.1:4, p.2:3" in
    /// a PDF (page and line on the page, as locations are shown).
    pub(super) fn name_lines(&self, lines: &[usize]) -> String {
        match self.pages {
            None => {
                let numbers: Vec<String> = lines.iter().map(|l| (l + 1).to_string()).collect();
                let word = if lines.len() == 1 { "line" } else { "lines" };
                format!("{word} {}", numbers.join(", "))
            }
            Some(pages) => {
                let places: Vec<String> = lines
                    .iter()
                    .map(|&l| match pages.get(l) {
                        Some(at) => format!("p.{}:{}", at.page, at.line),
                        None => format!("line {}", l + 1),
                    })
                    .collect();
                places.join(", ")
            }
        }
    }

    /// Every occurrence of `phrase` as (start, end) positions in the source, end exclusive.
    pub(super) fn find_all(&self, phrase: &str) -> Vec<Found> {
        let needle = fold_phrase(phrase);
        if needle.is_empty() || needle.len() > self.folded.len() {
            return Vec::new();
        }
        let mut found = Vec::new();
        for i in 0..=self.folded.len() - needle.len() {
            if self.folded[i..i + needle.len()] == needle[..] {
                let start = self.origin[i];
                let (last_line, last_col) = self.origin[i + needle.len() - 1];
                found.push((start, (last_line, last_col + 1)));
            }
        }
        found
    }

    /// Where chars `start..end` of a piece stand: the line of the first char, up to the end
    /// of that line when the range runs over a line break.
    /// The passage of the source most like `phrase` ("répartie comme suit" for "répartis
    /// comme suit"), for the error of an anchor not found: (line, text as written).
    pub(super) fn closest(&self, phrase: &str) -> Option<(usize, String)> {
        let needle: String = fold_phrase(phrase).into_iter().collect();
        let n = needle.chars().count();
        if n == 0 {
            return None;
        }
        let mut best: Option<(f64, usize, usize, usize)> = None;
        for (l, line) in self.lines.iter().enumerate() {
            let folded: Vec<char> = line
                .iter()
                .flat_map(|&c| {
                    let mut out = Vec::new();
                    fold_char(c, &mut out);
                    // One char per source char keeps positions: accents and case folded.
                    out.into_iter().next()
                })
                .collect();
            if folded.len() < n {
                continue;
            }
            for start in 0..=folded.len() - n {
                let window: String = folded[start..start + n].iter().collect();
                let score = strsim::normalized_levenshtein(&needle, &window);
                if best.is_none_or(|(b, ..)| score > b) {
                    best = Some((score, l, start, start + n));
                }
            }
        }
        let (score, line, start, end) = best?;
        (score >= 0.7).then(|| (line, self.lines[line][start..end].iter().collect()))
    }

    pub(super) fn loc(&self, piece: &Piece, start: usize, end: usize) -> Location {
        // The space joining two lines stands at the end of the first: a range that begins
        // or ends on it is located by its text, not by the join.
        let (mut start, mut end) = (start, end.min(piece.chars.len()));
        while start < end && piece.chars[start].is_whitespace() {
            start += 1;
        }
        while end > start && piece.chars[end - 1].is_whitespace() {
            end -= 1;
        }
        let Some(&(line, first)) = piece.origin.get(start).or(piece.origin.last()) else {
            return self.location(0, 0, 0);
        };
        let last = if end > start {
            piece.origin.get(end - 1).copied()
        } else {
            None
        };
        let end_col = match last {
            Some((l, c)) if l == line => c + 1,
            Some(_) => self.lines[line].len(),
            None => first,
        };
        self.location(line, first, end_col)
    }

    pub(super) fn lcd(&self, piece: &Piece, start: usize, end: usize) -> Located {
        Located {
            text: piece.chars[start.min(end)..end].iter().collect(),
            location: self.loc(piece, start, end),
        }
    }

    pub(super) fn location(&self, line: usize, start: usize, end: usize) -> Location {
        let span = (
            u32::try_from(start).unwrap_or(u32::MAX),
            u32::try_from(end).unwrap_or(u32::MAX),
        );
        if let Some(at) = self.pages.and_then(|pages| pages.get(line)) {
            return at.location(self.file, span);
        }
        Location::Line {
            file: self.file.to_string(),
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            span: (
                u32::try_from(start).unwrap_or(u32::MAX),
                u32::try_from(end).unwrap_or(u32::MAX),
            ),
        }
    }

    pub(super) fn located(&self, line: usize, start: usize, end: usize) -> Located {
        Located {
            text: self.lines[line][start..end].iter().collect(),
            location: self.location(line, start, end),
        }
    }
}
