//! A1 notation of spreadsheet cells: row and column 0-based inside, "B7" outside.

/// "B7" → (6, 1); `$` signs (absolute references) are ignored, letters in any case.
pub fn parse_a1(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().replace('$', "");
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    let col = parse_column_letters(letters)?;
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col))
}

/// "A" → 0, "AA" → 26; at most three letters (XFD is Excel's last column).
pub fn parse_column_letters(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 3 || !text.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut col: u32 = 0;
    for c in text.chars() {
        col = col * 26 + (u32::from(c.to_ascii_uppercase()) - u32::from('A') + 1);
    }
    col.checked_sub(1)
}

/// 0 → "A", 26 → "AA".
pub fn column_letters(col: u32) -> String {
    let mut out = String::new();
    push_column_letters(&mut out, col);
    out
}

fn push_column_letters(out: &mut String, col: u32) {
    let mut n = u64::from(col) + 1;
    let mut letters = [0u8; 8];
    let mut len = 0;
    while n > 0 && len < letters.len() {
        let rem = (n - 1) % 26;
        letters[len] = b'A' + u8::try_from(rem).unwrap_or(0);
        len += 1;
        n = (n - 1) / 26;
    }
    out.extend(letters[..len].iter().rev().map(|&b| char::from(b)));
}

/// (6, 1) → "B7".
pub fn a1(row: u32, col: u32) -> String {
    let mut out = String::with_capacity(8);
    push_a1(&mut out, row, col);
    out
}

/// Appends "B7" for (6, 1) to `out`, without allocating a string of its own: a
/// million-row table writes a million cell names.
pub fn push_a1(out: &mut String, row: u32, col: u32) {
    use std::fmt::Write as _;
    push_column_letters(out, col);
    let _ = write!(out, "{}", u64::from(row) + 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_round_trips() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 1), "B7");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(9, 701), "ZZ10");
        assert_eq!(a1(0, 702), "AAA1");
        assert_eq!(a1(u32::MAX, 16_383), "XFD4294967296");
        assert_eq!(parse_a1("B7"), Some((6, 1)));
        assert_eq!(parse_a1("$AA$1"), Some((0, 26)));
        assert_eq!(parse_a1("A0"), None);
        assert_eq!(parse_column_letters("XFD"), Some(16_383));
        assert_eq!(parse_column_letters("ABCD"), None);
    }
}
