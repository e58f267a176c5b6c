//! report.html: one self-contained French page (no network, no external script, style or
//! font) rendered from the same `Report` as report.json: the summary, the changes since the
//! last publication, a map of euros by region per exercise, every finding with its
//! arithmetic, each envelope with a bar chart of its split (declared total against the sum)
//! and its findings beside it, and the sources themselves, embedded: every location is a
//! link that opens the source at its line, the figure marked, or at its cell among its
//! neighbours.
//!
//! Everything taken from a source or a description is escaped; the only script is the
//! page's own, a few lines that mark the line or cell a link opens.

use crate::core::amount::format_eur;
use crate::core::region::RegionCode;
use crate::model::source_view::SourceView;
use crate::model::{Location, Severity};
use crate::publish::dataset::AllocationRow;
use crate::publish::diff::{Change, FindingChange};
use crate::publish::map;
use crate::publish::report::{EnvelopeEntry, Report};
use crate::validate::Finding;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Bars of one chart; the rest are in the table below it.
const MAX_BARS: usize = 60;

/// Text for an HTML text node or attribute value.
/// The catalogue's own descriptions mark keys as `code`: shown as such, after escaping (the
/// descriptions come from the code, never from a source).
fn code_spans(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Where the sources stand in the page: file name → its index, for the anchors' ids.
struct Anchors {
    files: BTreeMap<String, usize>,
    /// For spreadsheets: (file index, sheet name) → sheet index.
    sheets: BTreeMap<(usize, String), usize>,
}

impl Anchors {
    fn new(sources: &[SourceView]) -> Self {
        let mut files = BTreeMap::new();
        let mut sheets = BTreeMap::new();
        for (i, s) in sources.iter().enumerate() {
            files.insert(s.file().to_string(), i);
            if let SourceView::Sheets { sheets: grids, .. } = s {
                for (k, g) in grids.iter().enumerate() {
                    sheets.insert((i, g.name.clone()), k);
                }
            }
        }
        Anchors { files, sheets }
    }

    fn line_id(&self, file: &str, page: Option<u32>, line: u32) -> Option<String> {
        let i = self.files.get(file)?;
        Some(match page {
            Some(p) => format!("s{i}-p{p}-l{line}"),
            None => format!("s{i}-l{line}"),
        })
    }

    fn cell_id(&self, file: &str, sheet: &str, cell: &str) -> Option<String> {
        let i = *self.files.get(file)?;
        let k = self.sheets.get(&(i, sheet.to_string()))?;
        Some(format!("s{i}-t{k}-{cell}"))
    }

    fn of_location(&self, l: &Location) -> Option<String> {
        match l {
            Location::Line { file, line, .. } => self.line_id(file, None, *line),
            Location::Page {
                file, page, line, ..
            } => self.line_id(file, Some(*page), *line),
            Location::Cell { file, sheet, cell } => self.cell_id(file, sheet, cell),
        }
    }

    fn of_allocation(&self, a: &AllocationRow) -> Option<String> {
        match (&a.source_sheet, &a.source_cell, a.source_line) {
            (Some(sheet), Some(cell), _) => self.cell_id(&a.source_file, sheet, cell),
            (_, _, Some(line)) => self.line_id(&a.source_file, a.source_page, line),
            _ => None,
        }
    }
}

/// A link to a location when its source is embedded, else the location as text.
fn link(id: Option<String>, text: &str) -> String {
    match id {
        Some(id) => format!("<a class=\"src\" href=\"#{id}\">{}</a>", escape(text)),
        None => format!("<code>{}</code>", escape(text)),
    }
}

fn allocation_place(a: &AllocationRow) -> String {
    match (
        &a.source_sheet,
        &a.source_cell,
        a.source_page,
        a.source_line,
    ) {
        (Some(sheet), Some(cell), _, _) => format!("{} [{sheet}!{cell}]", a.source_file),
        (_, _, Some(page), Some(line)) => format!("{} p.{page}:{line}", a.source_file),
        (_, _, _, Some(line)) => format!("{}:{line}", a.source_file),
        _ => a.source_file.clone(),
    }
}

fn severity_fr(s: Severity) -> &'static str {
    match s {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
        Severity::Info => "information",
    }
}

fn opt_eur(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_string(), format_eur)
}

fn signed_eur(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", format_eur(d))
    } else {
        format_eur(d)
    }
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:82rem;margin:0 auto;padding:1rem 1.5rem 4rem;color:#1d2430;line-height:1.45}
h1{font-size:1.6rem;margin:.5rem 0}h2{border-bottom:2px solid #d8dee9;padding-bottom:.2rem;margin-top:2.5rem}
nav a{margin-right:1rem}
table{border-collapse:collapse;margin:.75rem 0}th,td{border:1px solid #d8dee9;padding:.2rem .5rem;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
.status-published{color:#1b6e3a}.status-rejected{color:#a11d1d}
.cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{border:1px solid #d8dee9;border-radius:.4rem;padding:.5rem .9rem;min-width:8rem}
.card b{display:block;font-size:1.3rem}
.finding{border-left:4px solid #8a94a6;padding:.3rem .8rem;margin:.6rem 0;background:#f7f8fa}
.finding.error{border-color:#c62828}.finding.warning{border-color:#e09b00}.finding.info{border-color:#2f6fb3}
.arith{font-variant-numeric:tabular-nums;color:#333}
.envelope{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}.envelope .side{flex:1;min-width:20rem}
svg text{font-family:inherit;font-size:11px}
.maps{display:flex;flex-wrap:wrap;gap:1rem}.maps figure{margin:0}
.map-region{stroke:#fff;stroke-width:1}
.map-region:hover{stroke:#000}
.legend{max-width:26rem;font-size:.85rem}.legend span{display:inline-block;width:1.2rem;height:.8rem;margin:0 .2rem 0 .8rem;vertical-align:middle}
.source{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.82rem}
.source td{border:none;padding:0 .5rem;white-space:pre-wrap}
.source td.n{color:#8a94a6;text-align:right;user-select:none}
.sheet td,.sheet th{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem;white-space:nowrap}
.sheet th{background:#f0f2f5;color:#5b6475}
mark.fig{background:#fff1b8;padding:0}
tr:target,tr.current{background:#ffe066}tr:target mark.fig,tr.current mark.fig{background:#ff9f1c}
td:target,td.current{background:#ff9f1c;outline:2px solid #c05800}
a.src{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
details{margin:.5rem 0}summary{cursor:pointer}
";

/// Opens the source a link points at: its `<details>` unfolded, the line or cell marked
/// (also on load, for a link followed from elsewhere).
const SCRIPT: &str = "
(function(){
function open(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;var el=document.getElementById(id);if(!el)return;
var prev=document.querySelectorAll('.current');for(var i=0;i<prev.length;i++)prev[i].classList.remove('current');
el.classList.add('current');for(var p=el.parentElement;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true;}
el.scrollIntoView({block:'center'});}
window.addEventListener('hashchange',open);window.addEventListener('DOMContentLoaded',open);
})();
";

/// The French report as one self-contained HTML page.
pub fn render(r: &Report, sources: &[SourceView]) -> String {
    let anchors = Anchors::new(sources);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Rapport de validation ESMS numérique</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let published = r.status == "published";
    let _ = writeln!(out, "<h1>Rapport de validation ESMS numérique</h1>");
    let _ = writeln!(
        out,
        "<p>Statut : <strong class=\"status-{}\">{}</strong> · outil esms-ledger {} · schéma {} · empreinte des entrées <code>{}</code></p>",
        if published { "published" } else { "rejected" },
        if published {
            "publié"
        } else {
            "rejeté (rien n'a été publié)"
        },
        escape(r.tool_version),
        escape(r.schema_version),
        escape(&r.input_fingerprint)
    );
    let _ = writeln!(
        out,
        "<nav><a href=\"#synthese\">Synthèse</a><a href=\"#changements\">Changements</a><a href=\"#carte\">Carte</a><a href=\"#constats\">Constats</a><a href=\"#enveloppes\">Enveloppes</a><a href=\"#sources\">Sources</a><a href=\"#regles\">Règles</a></nav>"
    );
    summary(&mut out, r);
    changes(&mut out, r);
    maps(&mut out, r);
    findings(&mut out, r, &anchors);
    envelopes(&mut out, r, &anchors);
    embedded_sources(&mut out, r, sources);
    rules(&mut out, r);
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

fn summary(out: &mut String, r: &Report) {
    let s = &r.summary;
    let _ = writeln!(
        out,
        "<section id=\"synthese\">\n<h2>Synthèse</h2>\n<div class=\"cards\">"
    );
    let cards = [
        ("Euros couverts", format_eur(s.euros_covered)),
        ("Publications", s.publications.to_string()),
        ("Enveloppes", s.envelopes.to_string()),
        ("Montants comptés", s.counted_figures.to_string()),
        ("Erreurs", s.errors.to_string()),
        ("Avertissements", s.warnings.to_string()),
        ("Informations", s.infos.to_string()),
        ("Acquittés", s.acknowledged.to_string()),
    ];
    for (label, value) in cards {
        let _ = writeln!(
            out,
            "<div class=\"card\"><b>{}</b>{}</div>",
            escape(&value),
            escape(label)
        );
    }
    let _ = writeln!(
        out,
        "</div>\n<p>Les euros couverts additionnent les montants comptés (colonne <code>counted</code> d'allocations.parquet) : une ligne détaillée par une sous-enveloppe n'est pas comptée, les lignes de la sous-enveloppe le sont ; les reprises d'une autre publication et les montants remplacés ne le sont pas.</p>"
    );
    let _ = writeln!(
        out,
        "<table>\n<tr><th>Publication</th><th>Titre</th><th>Émetteur</th><th>Date</th><th>Fichier</th></tr>"
    );
    for p in &r.publications {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.id),
            escape(&p.title),
            escape(&p.issuer),
            escape(&p.published_on),
            escape(&p.source_file)
        );
    }
    let _ = writeln!(out, "</table>\n</section>");
}

fn changes(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "<section id=\"changements\">\n<h2>Changements depuis la dernière publication</h2>"
    );
    let Some(d) = &r.diff else {
        let _ = writeln!(out, "<p>Non calculés pour ce rapport.</p>\n</section>");
        return;
    };
    if !d.has_baseline {
        let _ = writeln!(
            out,
            "<p>Aucune publication précédente dans ce dossier : tout est nouveau.</p>"
        );
    } else if d.is_empty() {
        let _ = writeln!(
            out,
            "<p>Aucun changement : mêmes publications, mêmes montants, mêmes constats.</p>"
        );
    }
    let added = d
        .envelopes
        .iter()
        .filter(|e| e.change == Change::Added)
        .count();
    let _ = writeln!(
        out,
        "<p>Publications : {} ajoutée(s), {} retirée(s) · enveloppes : {} ajoutée(s), {} retirée(s) · montants : {} changement(s) · constats : {} nouveau(x), {} persistant(s), {} résolu(s)</p>",
        d.publications_added.len(),
        d.publications_removed.len(),
        added,
        d.envelopes.len() - added,
        d.amounts_total,
        d.count_findings(FindingChange::New),
        d.count_findings(FindingChange::Persisting),
        d.count_findings(FindingChange::Resolved)
    );
    if !d.has_baseline {
        let _ = writeln!(out, "</section>");
        return;
    }
    let mut items = Vec::new();
    for p in &d.publications_added {
        items.push(format!("publication ajoutée <code>{}</code>", escape(p)));
    }
    for p in &d.publications_removed {
        items.push(format!("publication retirée <code>{}</code>", escape(p)));
    }
    for e in &d.envelopes {
        items.push(format!(
            "enveloppe {} <code>{}</code> (selon <code>{}</code>)",
            if e.change == Change::Added {
                "ajoutée"
            } else {
                "retirée"
            },
            escape(&e.envelope_id),
            escape(&e.publication_id)
        ));
    }
    for f in d
        .findings
        .iter()
        .filter(|f| f.change != FindingChange::Persisting)
    {
        items.push(format!(
            "constat {} <code>{}</code> — {}",
            if f.change == FindingChange::New {
                "nouveau"
            } else {
                "résolu"
            },
            escape(&f.rule),
            escape(&f.message_fr)
        ));
    }
    if !items.is_empty() {
        let _ = writeln!(out, "<ul>");
        for i in items {
            let _ = writeln!(out, "<li>{i}</li>");
        }
        let _ = writeln!(out, "</ul>");
    }
    if !d.amounts.is_empty() {
        let _ = writeln!(
            out,
            "<table>\n<tr><th>Enveloppe</th><th>Destinataire</th><th class=\"num\">Avant</th><th class=\"num\">Après</th><th class=\"num\">Écart</th></tr>"
        );
        for a in d
            .amounts
            .iter()
            .take(crate::publish::diff::MAX_SHOWN_AMOUNTS)
        {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&a.key.envelope_id),
                escape(&a.key.describe()),
                opt_eur(a.old_eur),
                opt_eur(a.new_eur),
                signed_eur(a.difference_eur)
            );
        }
        let _ = writeln!(out, "</table>");
        if d.amounts_total > crate::publish::diff::MAX_SHOWN_AMOUNTS {
            let _ = writeln!(
                out,
                "<p>… et {} autres changements de montants, dans diff.parquet.</p>",
                d.amounts_total - crate::publish::diff::MAX_SHOWN_AMOUNTS
            );
        }
    }
    let _ = writeln!(out, "</section>");
}

/// Five shades of blue, light to dark, and the grey of a region with nothing.
const SHADES: [&str; 5] = ["#d6e6f5", "#a8cbe8", "#6fa6d6", "#3b7fc0", "#1a4f8f"];
const NOTHING: &str = "#eceff3";

fn shade(amount: Decimal, max: Decimal) -> &'static str {
    if amount <= Decimal::ZERO || max <= Decimal::ZERO {
        return NOTHING;
    }
    let ratio = (amount / max).to_f64().unwrap_or(0.0);
    let index = ((ratio * 5.0).ceil() as usize).clamp(1, 5) - 1;
    SHADES[index]
}

fn maps(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "<section id=\"carte\">\n<h2>Carte : euros comptés par région et par exercice</h2>\n<p>Contours schématiques dessinés à la main pour ce rapport (ni données géographiques ni échelle ; licence du projet, MIT ou Apache-2.0). Outre-mer en encarts. Survoler une région donne son montant.</p>"
    );
    // Counted euros per exercise and region, over every figure (not only those listed).
    let by_year = &r.counted_by_region;
    if by_year.is_empty() {
        let _ = writeln!(out, "<p>Aucun montant rattaché à une région.</p>");
    }
    let _ = writeln!(out, "<div class=\"maps\">");
    for (year, amounts) in by_year {
        let max = amounts.values().copied().max().unwrap_or_default();
        let total: Decimal = amounts.values().copied().sum();
        let _ = writeln!(
            out,
            "<figure class=\"map\" data-exercise=\"{year}\">\n<figcaption>Exercice {year} : {} répartis entre {} région(s)</figcaption>",
            format_eur(total),
            amounts.len()
        );
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Carte des régions, exercice {year}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\">",
            map::WIDTH,
            map::HEIGHT,
            map::WIDTH * 0.55,
            map::HEIGHT * 0.55
        );
        let title = |code: RegionCode| {
            let amount = amounts.get(code.code()).copied().unwrap_or_default();
            (
                amount,
                format!("{} ({}) : {}", code.name(), code.code(), format_eur(amount)),
            )
        };
        for o in map::OUTLINES {
            let points: Vec<String> = o
                .points
                .iter()
                .map(|&(lon, lat)| {
                    let (x, y) = map::project(lon, lat);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let (amount, text) = title(o.code);
            let _ = writeln!(
                out,
                "<polygon class=\"map-region\" data-region=\"{}\" fill=\"{}\" points=\"{}\"><title>{}</title></polygon>",
                o.code.code(),
                shade(amount, max),
                points.join(" "),
                escape(&text)
            );
        }
        for inset in map::INSETS {
            let (x0, y0) = inset.at;
            let (w, h) = map::INSET_SIZE;
            let points: Vec<String> = inset
                .points
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", x0 + x, y0 + y))
                .collect();
            let (amount, text) = title(inset.code);
            let _ = writeln!(
                out,
                "<g class=\"inset\"><rect x=\"{x0}\" y=\"{y0}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"#b8c0cc\"/><polygon class=\"map-region\" data-region=\"{}\" fill=\"{}\" points=\"{}\"><title>{}</title></polygon><text x=\"{}\" y=\"{}\">{}</text></g>",
                inset.code.code(),
                shade(amount, max),
                points.join(" "),
                escape(&text),
                x0 + 3.0,
                y0 + h - 4.0,
                escape(inset.code.name())
            );
        }
        let _ = writeln!(out, "</svg>");
        let _ = write!(out, "<p class=\"legend\">Jusqu'à :");
        for (i, colour) in SHADES.iter().enumerate() {
            let bound = max * Decimal::from(i as u32 + 1) / Decimal::from(5u32);
            let _ = write!(
                out,
                "<span style=\"background:{colour}\"></span>{}",
                format_eur(bound.round())
            );
        }
        let _ = writeln!(
            out,
            "<span style=\"background:{NOTHING}\"></span>aucun</p>\n</figure>"
        );
    }
    let _ = writeln!(out, "</div>\n</section>");
}

fn finding_block(out: &mut String, f: &Finding, anchors: &Anchors) {
    let class = f.severity.as_str();
    let _ = writeln!(
        out,
        "<div class=\"finding {class}\" data-fingerprint=\"{}\"><strong>{}</strong> <code>{}</code> — {}",
        escape(&f.fingerprint),
        severity_fr(f.severity),
        escape(&f.rule.to_string()),
        escape(&f.message_fr())
    );
    if let Some(a) = &f.acknowledged {
        let _ = writeln!(
            out,
            "<br><em>acquitté par {} le {} : {}</em>",
            escape(&a.by),
            escape(&a.on.to_string()),
            escape(&a.reason)
        );
    }
    if f.expected.is_some() || f.tolerance.is_some() {
        let _ = writeln!(
            out,
            "<div class=\"arith\">attendu {} · constaté {} · écart {} · tolérance {}</div>",
            opt_eur(f.expected),
            opt_eur(f.actual),
            f.difference.map_or_else(|| "—".to_string(), signed_eur),
            opt_eur(f.tolerance)
        );
    }
    if !f.locations.is_empty() {
        let links: Vec<String> = f
            .locations
            .iter()
            .take(50)
            .map(|l| link(anchors.of_location(l), &l.to_string()))
            .collect();
        let more = f.locations.len().saturating_sub(50);
        let _ = writeln!(
            out,
            "<div>sources : {}{}</div>",
            links.join(", "),
            if more > 0 {
                format!(" … et {more} autres (report.json)")
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(out, "</div>");
}

fn findings(out: &mut String, r: &Report, anchors: &Anchors) {
    let _ = writeln!(out, "<section id=\"constats\">\n<h2>Constats</h2>");
    if r.findings.is_empty() {
        let _ = writeln!(out, "<p>Aucun constat : toutes les sources concordent.</p>");
    }
    for f in &r.findings {
        finding_block(out, f, anchors);
    }
    let _ = writeln!(out, "</section>");
}

/// A horizontal bar chart of the components, then the sum and the declared total.
fn chart(out: &mut String, e: &EnvelopeEntry, st_index: usize) {
    let st = &e.statements[st_index];
    let bars: Vec<(String, Decimal)> = st
        .components
        .iter()
        .filter(|a| a.role != "superseded")
        .take(MAX_BARS)
        .map(|a| {
            let label = a
                .beneficiary
                .clone()
                .or_else(|| a.region_name.clone())
                .unwrap_or_else(|| a.raw_label.clone());
            (label, a.amount_eur)
        })
        .collect();
    let rec = st.reconciliation.as_ref();
    let computed = rec.map(|r| r.computed_total);
    let declared = rec.and_then(|r| r.declared_total);
    let max = bars
        .iter()
        .map(|b| b.1)
        .chain(computed)
        .chain(declared)
        .max()
        .unwrap_or_default();
    let row = 18.0;
    let label_width = 230.0;
    let bar_width = 300.0;
    let rows = bars.len() + 2;
    let height = row * rows as f64 + 10.0;
    let width = label_width + bar_width + 110.0;
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"Répartition de {}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">",
        escape(&e.id)
    );
    let scale = |v: Decimal| {
        if max <= Decimal::ZERO {
            0.0
        } else {
            (v / max).to_f64().unwrap_or(0.0).max(0.0) * bar_width
        }
    };
    let mut y = 4.0;
    let mut bar = |out: &mut String, label: &str, value: Decimal, colour: &str, class: &str| {
        let shown: String = if label.chars().count() > 36 {
            label.chars().take(35).collect::<String>() + "…"
        } else {
            label.to_string()
        };
        let _ = writeln!(
            out,
            "<g class=\"{class}\"><text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text><rect x=\"{label_width}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"{:.0}\" fill=\"{colour}\"><title>{} : {}</title></rect><text x=\"{:.1}\" y=\"{:.0}\">{}</text></g>",
            label_width - 6.0,
            y + 12.0,
            escape(&shown),
            scale(value),
            row - 4.0,
            escape(label),
            format_eur(value),
            label_width + scale(value) + 4.0,
            y + 12.0,
            format_eur(value)
        );
        y += row;
    };
    for (label, value) in &bars {
        bar(out, label, *value, "#3b7fc0", "bar");
    }
    if let Some(c) = computed {
        bar(out, "Somme des composantes", c, "#1d2430", "bar-sum");
    }
    match declared {
        Some(d) => {
            let colour = if computed == Some(d) {
                "#1b6e3a"
            } else {
                "#c62828"
            };
            bar(out, "Total annoncé", d, colour, "bar-declared");
        }
        None => bar(
            out,
            "Total annoncé : aucun",
            Decimal::ZERO,
            "#8a94a6",
            "bar-declared",
        ),
    }
    let _ = writeln!(out, "</svg>");
}

fn envelopes(out: &mut String, r: &Report, anchors: &Anchors) {
    let _ = writeln!(out, "<section id=\"enveloppes\">\n<h2>Enveloppes</h2>");
    for e in &r.envelopes {
        let _ = writeln!(
            out,
            "<h3 id=\"env-{}\"><code>{}</code></h3>\n<p>{} · exercice {} · {} · {} · ventilation : {}{}</p>",
            escape(&e.id),
            escape(&e.id),
            escape(&e.programme),
            e.exercise,
            escape(&e.phase),
            escape(&e.channel),
            escape(&e.breakdown),
            e.parent
                .as_ref()
                .map(|p| format!(" · partie de <code>{}</code>", escape(p)))
                .unwrap_or_default()
        );
        let related: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.envelope_id.as_deref() == Some(e.id.as_str()))
            .collect();
        for (index, st) in e.statements.iter().enumerate() {
            let role = if st.primary {
                "référence"
            } else if st.amends.is_some() {
                "révision de la référence"
            } else {
                "reprise, contrôlée contre la référence"
            };
            let _ = writeln!(
                out,
                "<h4>Selon <code>{}</code> ({role})</h4>",
                escape(&st.publication_id)
            );
            if let Some(rec) = &st.reconciliation {
                let declared = match (&st.declared_as, rec.declared_total) {
                    (Some(raw), Some(v)) => format!("« {} » = {}", escape(raw), format_eur(v)),
                    _ => "aucun".to_string(),
                };
                let place = st
                    .declared_location
                    .as_ref()
                    .map(|l| format!(" ({})", link(anchors.of_location(l), &l.to_string())))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<p class=\"arith\">Total annoncé : {declared}{place} · somme calculée : {} ({} composante(s)) · écart : {} · tolérance : {}</p>",
                    format_eur(rec.computed_total),
                    rec.components,
                    rec.difference.map_or_else(|| "—".to_string(), signed_eur),
                    opt_eur(rec.tolerance)
                );
            }
            let _ = writeln!(out, "<div class=\"envelope\">");
            if !st.components.is_empty() {
                chart(out, e, index);
            }
            let _ = writeln!(out, "<div class=\"side\">");
            let mine: Vec<&&Finding> = related
                .iter()
                .filter(|f| {
                    f.locations
                        .iter()
                        .any(|l| st.components.iter().any(|a| a.source_file == l.file()))
                        || index == 0
                })
                .collect();
            if mine.is_empty() {
                let _ = writeln!(out, "<p>Aucun constat sur cette enveloppe.</p>");
            }
            for f in mine {
                finding_block(out, f, anchors);
            }
            let _ = writeln!(out, "</div>\n</div>");
            if !st.components.is_empty() {
                let _ = writeln!(
                    out,
                    "<details><summary>{} ligne(s){}</summary>\n<table>\n<tr><th>Libellé</th><th>Région</th><th>Bénéficiaire</th><th class=\"num\">Montant</th><th>Nature</th><th>Rôle</th><th>Source</th></tr>",
                    st.components_total,
                    if st.components_total > st.components.len() {
                        format!(
                            " ; les {} premières ici, toutes dans allocations.parquet",
                            st.components.len()
                        )
                    } else {
                        String::new()
                    }
                );
                for a in &st.components {
                    let _ = writeln!(
                        out,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&a.raw_label),
                        a.region_name
                            .as_deref()
                            .map_or_else(|| "—".to_string(), escape),
                        a.beneficiary
                            .as_deref()
                            .map_or_else(|| "—".to_string(), escape),
                        format_eur(a.amount_eur),
                        escape(&a.amount_kind),
                        escape(&a.role),
                        link(anchors.of_allocation(a), &allocation_place(a))
                    );
                }
                let _ = writeln!(out, "</table>\n</details>");
            }
        }
    }
    let _ = writeln!(out, "</section>");
}

/// A line of an embedded source: its file, PDF page (for a PDF) and line.
type LineKey = (String, Option<u32>, u32);

/// Figures to mark in the embedded sources: their character spans, line by line.
fn marks(r: &Report) -> BTreeMap<LineKey, BTreeSet<(usize, usize)>> {
    let mut out: BTreeMap<LineKey, BTreeSet<(usize, usize)>> = BTreeMap::new();
    for e in &r.envelopes {
        for st in &e.statements {
            for a in &st.components {
                let (Some(line), Some(span)) = (a.source_line, &a.source_span) else {
                    continue;
                };
                // "35-52": 1-based, inclusive.
                let Some((start, end)) = span.split_once('-') else {
                    continue;
                };
                if let (Ok(start), Ok(end)) = (start.parse::<usize>(), end.parse::<usize>()) {
                    out.entry((a.source_file.clone(), a.source_page, line))
                        .or_default()
                        .insert((start.saturating_sub(1), end));
                }
            }
        }
        for st in &e.statements {
            if let Some(
                Location::Line { file, line, span }
                | Location::Page {
                    file, line, span, ..
                },
            ) = &st.declared_location
                && span.1 > span.0
            {
                let page = st.declared_location.as_ref().and_then(Location::page);
                out.entry((file.clone(), page, *line))
                    .or_default()
                    .insert((span.0 as usize, span.1 as usize));
            }
        }
    }
    out
}

/// A line of source with its figures wrapped in `<mark>`, everything escaped.
fn marked_line(text: &str, spans: Option<&BTreeSet<(usize, usize)>>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let Some(spans) = spans else {
        return escape(text);
    };
    let mut out = String::new();
    let mut at = 0;
    for &(start, end) in spans {
        if start < at || end > chars.len() || start >= end {
            continue;
        }
        out.push_str(&escape(&chars[at..start].iter().collect::<String>()));
        out.push_str("<mark class=\"fig\">");
        out.push_str(&escape(&chars[start..end].iter().collect::<String>()));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&escape(&chars[at..].iter().collect::<String>()));
    out
}

fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn embedded_sources(out: &mut String, r: &Report, sources: &[SourceView]) {
    let _ = writeln!(
        out,
        "<section id=\"sources\">\n<h2>Sources</h2>\n<p>Le texte de chaque source, tel que l'outil l'a lu : un lien de source ouvre la ligne (le montant surligné) ou la cellule parmi ses voisines.</p>"
    );
    let marks = marks(r);
    for (i, source) in sources.iter().enumerate() {
        let _ = writeln!(
            out,
            "<details id=\"s{i}\"><summary><code>{}</code></summary>",
            escape(source.file())
        );
        match source {
            SourceView::Lines { file, lines } => {
                let _ = writeln!(out, "<table class=\"source\">");
                for l in lines {
                    let id = match l.page {
                        Some(p) => format!("s{i}-p{p}-l{}", l.line),
                        None => format!("s{i}-l{}", l.line),
                    };
                    let number = match (l.page, &l.printed_page) {
                        (Some(p), Some(printed)) => {
                            format!("p.{p} ({}) {}", escape(printed), l.line)
                        }
                        (Some(p), None) => format!("p.{p} {}", l.line),
                        _ => l.line.to_string(),
                    };
                    let spans = marks.get(&(file.clone(), l.page, l.line));
                    let _ = writeln!(
                        out,
                        "<tr id=\"{id}\"><td class=\"n\">{number}</td><td>{}</td></tr>",
                        marked_line(&l.text, spans)
                    );
                }
                let _ = writeln!(out, "</table>");
            }
            SourceView::Sheets { sheets, .. } => {
                for (k, sheet) in sheets.iter().enumerate() {
                    let (row0, col0) = sheet.origin;
                    let width = sheet.rows.iter().map(Vec::len).max().unwrap_or(0);
                    let _ = writeln!(
                        out,
                        "<p>Feuille « {} »</p>\n<table class=\"sheet\">\n<tr><th></th>{}</tr>",
                        escape(&sheet.name),
                        (0..width)
                            .map(|c| format!("<th>{}</th>", column_letters(col0 + c as u32)))
                            .collect::<String>()
                    );
                    for (r_index, row) in sheet.rows.iter().enumerate() {
                        let row_number = row0 + r_index as u32 + 1;
                        let _ = write!(out, "<tr><th>{row_number}</th>");
                        for (c, value) in row.iter().enumerate() {
                            let cell = format!("{}{row_number}", column_letters(col0 + c as u32));
                            let _ =
                                write!(out, "<td id=\"s{i}-t{k}-{cell}\">{}</td>", escape(value));
                        }
                        let _ = writeln!(out, "</tr>");
                    }
                    let _ = writeln!(out, "</table>");
                }
            }
        }
        let _ = writeln!(out, "</details>");
    }
    let _ = writeln!(out, "</section>");
}

fn rules(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "<section id=\"regles\">\n<h2>Règles</h2>\n<details><summary>{} règles, {} contrôles effectués</summary>\n<table>\n<tr><th>Règle</th><th>Gravité</th><th>Description</th></tr>",
        r.rules.len(),
        r.steps.len()
    );
    for rule in r.rules {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(rule.id),
            severity_fr(rule.severity),
            code_spans(&escape(rule.fr))
        );
    }
    let _ = writeln!(out, "</table>\n</details>\n</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_text_is_escaped_around_its_marked_figures() {
        let spans: BTreeSet<(usize, usize)> = [(13, 20)].into();
        assert_eq!(
            marked_line("<b>A & B</b> 600 000", Some(&spans)),
            "&lt;b&gt;A &amp; B&lt;/b&gt; <mark class=\"fig\">600 000</mark>"
        );
    }

    #[test]
    fn shades_run_from_light_to_dark() {
        let max = Decimal::from(100);
        assert_eq!(shade(Decimal::ZERO, max), NOTHING);
        assert_eq!(shade(Decimal::from(1), max), SHADES[0]);
        assert_eq!(shade(Decimal::from(100), max), SHADES[4]);
    }
}
