//! Fuzz-ish robustness: a few hundred deterministic random mutations of the fixtures must
//! never panic out of `read` and must finish quickly.

use std::time::{Duration, Instant};

use pdf_layout::{Limits, read};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that steer the parsers into their less travelled paths.
const TOKENS: [&[u8]; 16] = [
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b" 0 R",
    b"999999 0 R",
    b"/Length 99999",
    b"BT",
    b"ET",
    b"Tj",
    b"TJ",
    b" -1e308 ",
    b"/Type /Pages",
    b"q 1 0 0 1 0 0 cm",
];

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    // Same-length edits keep the xref offsets valid, so the damage reaches the object and
    // content-stream parsers rather than stopping at the cross-reference table; most
    // rounds use only those.
    let kinds = if rng.below(10) < 7 { 6 } else { 10 };
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(kinds) {
            0..=3 => bytes[at] = rng.next() as u8,
            4 => bytes[at] ^= 1 << rng.below(8),
            5 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let end = (at + token.len()).min(bytes.len());
                bytes[at..end].copy_from_slice(&token[..end - at]);
            }
            6 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            7 => {
                let len = rng.below(64).min(bytes.len() - at);
                bytes.drain(at..at + len);
            }
            8 => {
                let len = rng.below(256).min(bytes.len() - at);
                let chunk = bytes[at..at + len].to_vec();
                bytes.splice(at..at, chunk);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

#[test]
fn random_mutations_never_panic_and_finish_quickly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let originals: Vec<Vec<u8>> = [
        "bo_annex_two_pages.pdf",
        "three_columns_nbsp.pdf",
        "wrapped_names.pdf",
        "jo_two_columns.pdf",
        "no_text_layer.pdf",
        "encrypted.pdf",
        "fpdf2_dejavu_table.pdf",
    ]
    .iter()
    .map(|n| std::fs::read(dir.join(n)).expect("fixture"))
    .collect();

    // Panics inside `read` are caught and reported as errors; keep their default messages
    // from flooding the test output.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));

    let limits = Limits {
        max_pages: 20,
        max_glyphs: 200_000,
    };
    let mut rng = Rng(0x5eed_e5a5_2023_0003);
    let (mut ok, mut errors) = (0, std::collections::BTreeMap::<String, usize>::new());
    let mut slowest = Duration::ZERO;
    let start = Instant::now();
    for i in 0..400 {
        let original = &originals[i % originals.len()];
        let bytes = mutate(&mut rng, original);
        let t = Instant::now();
        let outcome = std::panic::catch_unwind(|| read(&bytes, limits));
        slowest = slowest.max(t.elapsed());
        match outcome {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                // MUTATION_DETAIL=1 groups by message instead of by variant.
                let kind = if std::env::var_os("MUTATION_DETAIL").is_some() {
                    e.to_string().chars().take(120).collect()
                } else {
                    format!("{e:?}")
                        .split(['(', ' '])
                        .next()
                        .unwrap_or("")
                        .to_string()
                };
                *errors.entry(kind).or_default() += 1;
            }
            Err(_) => {
                std::panic::set_hook(default_hook);
                panic!("read panicked on mutation {i}");
            }
        }
    }
    std::panic::set_hook(default_hook);
    println!(
        "400 mutations: {ok} read, errors {errors:?}, slowest {slowest:?}, total {:?}",
        start.elapsed()
    );
    assert!(
        slowest < Duration::from_secs(5),
        "one file took {slowest:?}"
    );
}
