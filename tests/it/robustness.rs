//! No input makes the pipeline panic: every seed text, cut short or damaged at a few hundred
//! places, gives either an extraction or an error, never a crash.

use esms_ledger::extract::text::extract_text;
use esms_ledger::model::SourceFormat;
use esms_ledger::sources::load_publications;

use crate::support::shipped;

#[test]
fn damaged_texts_give_results_or_errors_never_panics() {
    let publications = load_publications(&shipped()).expect("shipped inputs");
    let mut runs = 0;
    for p in publications
        .iter()
        .filter(|p| p.format == SourceFormat::Text)
    {
        let text = std::str::from_utf8(&p.bytes).expect("utf-8");
        let chars: Vec<char> = text.chars().collect();
        for k in (0..chars.len()).step_by(41) {
            let truncated: String = chars[..k].iter().collect();
            let without: String = chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != k)
                .map(|(_, c)| c)
                .collect();
            // Digits and separators swapped for their neighbours' look-alikes.
            let garbled: String = chars
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    if i % 11 == k % 11 && c.is_ascii_digit() {
                        '.'
                    } else {
                        c
                    }
                })
                .collect();
            for variant in [truncated, without, garbled] {
                for (index, spec) in p.envelopes.iter().enumerate() {
                    let description = p.description_of(index);
                    let _ = extract_text(&p.source_name, &variant, spec, &description);
                    runs += 1;
                }
            }
        }
    }
    assert!(runs > 1_000, "only {runs} runs");
}

#[test]
fn empty_bullets_and_odd_lines_give_results_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Répartition :\n- \n•\n- Bretagne : 1 000 €\n-\n1°\n| |\n\t\t\nTotal\n";
    std::fs::write(dir.path().join("a.txt"), text).unwrap();
    for items in ["auto", "bullets", "inline", "sentences", "table"] {
        for breakdown in ["region", "beneficiary", "budget-line", "revision"] {
            std::fs::write(
                dir.path().join("a.toml"),
                format!("[publication]\nid = \"a\"\ntitle = \"t\"\nissuer = \"CNSA\"\nkind = \"bo-decision\"\npublished_on = 2024-01-01\nsource = \"a.txt\"\n\n[[envelopes]]\nid = \"e\"\nprogramme = \"p\"\nexercise = 2024\nphase = \"p\"\nchannel = \"c\"\nbreakdown = \"{breakdown}\"\nanchor = \"Répartition :\"\nitems = \"{items}\"\n"),
            )
            .unwrap();
            let _ = esms_ledger::run::analyse(dir.path());
        }
    }
}
