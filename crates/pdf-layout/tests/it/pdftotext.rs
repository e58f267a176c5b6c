//! Compares our body lines with poppler's `pdftotext -layout`, the quality bar, when it is
//! installed (`apt-get install poppler-utils`); prints "skipped" otherwise.
//!
//! Both sides are normalised the same way: each line trimmed and split on runs of two or
//! more spaces into cells, cells joined with " | ", blank lines dropped. pdftotext lines
//! equal to one of our furniture lines are dropped. Lines must match in order; on
//! two-column pages, where `-layout` prints the columns side by side and we read them one
//! after the other, the same cells must appear (order aside).

use std::process::Command;

use pdf_layout::{Limits, read};

const FIXTURES: [&str; 5] = [
    "bo_annex_two_pages.pdf",
    "three_columns_nbsp.pdf",
    "wrapped_names.pdf",
    "jo_two_columns.pdf",
    "fpdf2_dejavu_table.pdf",
];

fn cells(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut spaces = 0;
    for c in line.trim().chars() {
        if c.is_whitespace() {
            spaces += 1;
            continue;
        }
        if spaces >= 2 && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        } else if spaces == 1 {
            current.push(' ');
        }
        spaces = 0;
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn normalise(line: &str) -> String {
    cells(line).join(" | ")
}

#[test]
fn body_lines_match_pdftotext_layout() {
    let version = Command::new("pdftotext").arg("-v").output();
    let Ok(version) = version else {
        println!("skipped: pdftotext not installed");
        return;
    };
    let version = String::from_utf8_lossy(&version.stderr);
    println!(
        "comparing with {}",
        version.lines().next().unwrap_or("pdftotext")
    );

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut failures = Vec::new();
    for name in FIXTURES {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).expect("fixture");
        let doc = read(&bytes, Limits::default()).expect("readable fixture");
        let output = Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8", "-eol", "unix"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let poppler_pages: Vec<&str> = text.split('\u{c}').collect();

        for page in &doc.pages {
            let furniture: Vec<String> = page
                .lines
                .iter()
                .filter(|l| l.furniture)
                .map(|l| normalise(&l.text))
                .collect();
            let ours: Vec<String> = page
                .lines
                .iter()
                .filter(|l| !l.furniture)
                .map(|l| normalise(&l.text))
                .collect();
            let theirs: Vec<String> = poppler_pages
                .get(page.index as usize - 1)
                .copied()
                .unwrap_or("")
                .lines()
                .map(normalise)
                .filter(|l| !l.is_empty() && !furniture.contains(l))
                .collect();
            if ours == theirs {
                println!(
                    "{name} p{}: {} body lines identical",
                    page.index,
                    ours.len()
                );
                continue;
            }
            for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                if a != b {
                    println!(
                        "{name} p{} line {}:\n  ours      {a}\n  pdftotext {b}",
                        page.index,
                        i + 1
                    );
                }
            }
            if ours.len() != theirs.len() {
                println!(
                    "{name} p{}: {} lines here, {} from pdftotext",
                    page.index,
                    ours.len(),
                    theirs.len()
                );
            }
            let mut our_cells: Vec<String> = ours
                .iter()
                .flat_map(|l| cells(&l.replace(" | ", "  ")))
                .collect();
            let mut their_cells: Vec<String> = theirs
                .iter()
                .flat_map(|l| cells(&l.replace(" | ", "  ")))
                .collect();
            our_cells.sort();
            their_cells.sort();
            if our_cells == their_cells {
                println!(
                    "{name} p{}: same {} cells, in another order",
                    page.index,
                    our_cells.len()
                );
            } else {
                failures.push(format!("{name} p{}", page.index));
                for c in our_cells.iter().filter(|c| !their_cells.contains(c)) {
                    println!("  only ours:      {c}");
                }
                for c in their_cells.iter().filter(|c| !our_cells.contains(c)) {
                    println!("  only pdftotext: {c}");
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "cells differ from pdftotext on: {failures:?}"
    );
}
