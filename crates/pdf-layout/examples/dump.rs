//! Prints the laid-out lines of a PDF: `cargo run --example dump -- file.pdf`.
//! Furniture lines are marked with `#`, body lines with `|`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump FILE.pdf");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    match pdf_layout::read(&bytes, pdf_layout::Limits::default()) {
        Ok(doc) => {
            for page in doc.pages {
                println!("=== page {} (printed {:?})", page.index, page.printed);
                for line in page.lines {
                    let mark = if line.furniture { '#' } else { '|' };
                    println!("{:3} {mark} {}", line.number, line.text);
                }
            }
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
