//! Stage 5b: the validation report. One data structure (`Report`, report.json, versioned
//! and deterministic: no clock in it) rendered to French for people (report.md, report.html).
//! Amounts are written the French way: 12 199 648 €.

use crate::core::amount::format_eur;
use crate::model::Statement;
use crate::model::{Location, Severity};
use crate::publish::dataset::{AllocationRow, Dataset, SCHEMA_VERSION};
use crate::publish::diff::Diff;
use crate::publish::tables::Allocations;
use crate::validate::{Check, CheckStatus, Finding, RULES, Reconciliation, RuleInfo, Validation};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Lines of one table, or sources of one finding, shown to people; report.json and the
/// Parquet tables hold them all.
const MAX_TABLE_ROWS: usize = 200;

/// The figures of one statement listed in the reports; the rest are in allocations.parquet.
pub const MAX_REPORT_COMPONENTS: usize = 1_000;

/// Version of report.json's schema.
pub const REPORT_VERSION: &str = "1.1.0";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub report_version: &'static str,
    pub tool_version: &'static str,
    pub schema_version: &'static str,
    /// sha256 over the tool version and every input's bytes: equal fingerprints, equal report.
    pub input_fingerprint: String,
    /// "published" or "rejected".
    pub status: String,
    pub summary: Summary,
    pub steps: Vec<Check>,
    pub publications: Vec<PublicationEntry>,
    pub envelopes: Vec<EnvelopeEntry>,
    pub findings: Vec<Finding>,
    pub rules: &'static [RuleInfo],
    /// This run against the last published dataset (set by the run, which reads it back).
    pub diff: Option<Diff>,
    /// Counted euros per exercise and region code, over every figure (the map's data).
    pub counted_by_region: BTreeMap<i32, BTreeMap<String, Decimal>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub publications: usize,
    pub envelopes: usize,
    pub statements: usize,
    /// Figures counted in the dataset (current components and derived remainders).
    pub counted_figures: usize,
    /// Sum of the counted figures: a line detailed by a sub-envelope is not counted, its
    /// sub-envelope's lines are, so that no euro is counted twice through nesting.
    #[serde(with = "rust_decimal::serde::str")]
    pub euros_covered: Decimal,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub acknowledged: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicationEntry {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub kind: String,
    pub published_on: String,
    pub source_file: String,
    pub source_sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvelopeEntry {
    pub id: String,
    pub programme: String,
    pub exercise: i32,
    pub phase: String,
    pub channel: String,
    pub breakdown: String,
    pub parent: Option<String>,
    pub statements: Vec<StatementEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementEntry {
    pub publication_id: String,
    pub primary: bool,
    /// For a revision of the reference: the reference's publication.
    pub amends: Option<String>,
    pub declared_as: Option<String>,
    pub declared_location: Option<Location>,
    pub reconciliation: Option<Reconciliation>,
    /// The statement's figures, the first `MAX_REPORT_COMPONENTS` of them: a report grows
    /// with the findings, not with the rows (allocations.parquet holds them all).
    pub components: Vec<AllocationRow>,
    /// How many figures the statement has in allocations.parquet, listed or not.
    pub components_total: usize,
}

pub fn build(
    input_fingerprint: &str,
    status: &str,
    statements: &[Statement],
    validation: &Validation,
    dataset: &Dataset,
    allocations: &Allocations<'_>,
) -> Report {
    let mut ids: Vec<&str> = statements.iter().map(|s| s.spec.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    let envelopes: Vec<EnvelopeEntry> = ids
        .iter()
        .filter_map(|id| {
            let mut of_id: Vec<(usize, &Statement)> = statements
                .iter()
                .enumerate()
                .filter(|(_, s)| s.spec.id == *id)
                .collect();
            of_id.sort_by_key(|(_, s)| (!s.primary, s.publication_id.clone()));
            let meta = &of_id.first()?.1.spec;
            Some(EnvelopeEntry {
                id: id.to_string(),
                programme: meta.programme.clone(),
                exercise: meta.exercise,
                phase: meta.phase.clone(),
                channel: meta.channel.clone(),
                breakdown: meta.breakdown.as_str().to_string(),
                // Any publication may place the envelope inside another.
                parent: of_id.iter().find_map(|(_, s)| s.spec.parent.clone()),
                statements: of_id
                    .iter()
                    .map(|&(i, s)| {
                        let components: Vec<AllocationRow> = allocations
                            .entries_of(i)
                            .take(MAX_REPORT_COMPONENTS)
                            .map(|e| allocations.row(i, e))
                            .collect();
                        let components_total = allocations.len_of(i);
                        StatementEntry {
                            publication_id: s.publication_id.clone(),
                            primary: s.primary,
                            amends: s.amends.clone(),
                            declared_as: s.declared().map(|d| d.raw.clone()),
                            declared_location: s.declared().map(|d| d.location.clone()),
                            reconciliation: validation
                                .reconciliations
                                .iter()
                                .find(|r| {
                                    r.envelope_id == *id && r.publication_id == s.publication_id
                                })
                                .cloned(),
                            components,
                            components_total,
                        }
                    })
                    .collect(),
            })
        })
        .collect();

    let (counted_figures, euros_covered) = allocations.counted_total();
    let euros_covered = euros_covered.normalize();
    let count = |sev: Severity| {
        validation
            .findings
            .iter()
            .filter(|f| f.severity == sev && f.acknowledged.is_none())
            .count()
    };
    Report {
        report_version: REPORT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
        input_fingerprint: input_fingerprint.to_string(),
        status: status.to_string(),
        summary: Summary {
            publications: dataset.publications.len(),
            envelopes: envelopes.len(),
            statements: statements.len(),
            counted_figures,
            euros_covered,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            acknowledged: validation
                .findings
                .iter()
                .filter(|f| f.acknowledged.is_some())
                .count(),
        },
        steps: validation.checks.clone(),
        publications: dataset
            .publications
            .iter()
            .map(|p| PublicationEntry {
                id: p.publication_id.clone(),
                title: p.title.clone(),
                issuer: p.issuer.clone(),
                kind: p.kind.clone(),
                published_on: p.published_on.to_string(),
                source_file: p.source_file.clone(),
                source_sha256: p.source_sha256.clone(),
            })
            .collect(),
        envelopes,
        findings: validation.findings.clone(),
        rules: RULES,
        diff: None,
        counted_by_region: allocations.counted_by_region(),
    }
}

pub fn to_json(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report).map(|mut s| {
        s.push('\n');
        s
    })
}

fn severity_fr(s: Severity) -> &'static str {
    match s {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
        Severity::Info => "information",
    }
}

fn kind_fr(kind: &str) -> &'static str {
    match kind {
        "exact" => "exact",
        "rounded" => "arrondi",
        "lower_bound" => "minimum (« plus de »)",
        "upper_bound" => "maximum",
        "approximate" => "approximatif",
        "derived" => "déduit",
        _ => "?",
    }
}

fn breakdown_fr(breakdown: &str) -> &'static str {
    match breakdown {
        "region" => "par région",
        "beneficiary" => "par bénéficiaire",
        "budget-line" => "par ligne budgétaire",
        "revision" => "révision (avant / après)",
        _ => "?",
    }
}

fn publication_kind_fr(kind: &str) -> &'static str {
    match kind {
        "bo-decision" => "décision (BO)",
        "bo-instruction" => "instruction (BO)",
        "annex-table" => "annexe (tableau)",
        "press-extract" => "article de presse",
        _ => "?",
    }
}

fn role_fr(role: &str) -> &'static str {
    match role {
        "component" => "composante",
        "superseded" => "remplacé",
        "remainder" => "reliquat",
        "restatement" => "reprise",
        "detailed" => "détaillée par une sous-enveloppe",
        "amended" => "modifié par une révision",
        _ => "?",
    }
}

fn status_fr(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "conforme",
        CheckStatus::Fail => "écart",
        CheckStatus::Unevaluated => "non évalué",
    }
}

/// Markdown table cells may not hold pipes or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
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

fn source_of(a: &AllocationRow) -> String {
    match (
        &a.source_sheet,
        &a.source_cell,
        a.source_page,
        a.source_line,
    ) {
        (Some(sheet), Some(cell_ref), _, _) => {
            format!("{} [{}!{}]", a.source_file, sheet, cell_ref)
        }
        // "bo.pdf p.2:9 (car. 77-85, page imprimée 46)": the PDF page and its line, then
        // the page number the publication prints, which is the one readers cite.
        (_, _, Some(page), Some(line)) => {
            let details: Vec<String> = a
                .source_span
                .iter()
                .map(|s| format!("car. {s}"))
                .chain(
                    a.source_printed_page
                        .iter()
                        .map(|p| format!("page imprimée {p}")),
                )
                .collect();
            let details = if details.is_empty() {
                String::new()
            } else {
                format!(" ({})", details.join(", "))
            };
            format!("{} p.{page}:{line}{details}", a.source_file)
        }
        (_, _, _, Some(line)) => format!(
            "{}:{}{}",
            a.source_file,
            line,
            a.source_span
                .as_ref()
                .map(|s| format!(" (car. {s})"))
                .unwrap_or_default()
        ),
        _ => a.source_file.clone(),
    }
}

fn finding_line(out: &mut String, f: &Finding) {
    let ack = match &f.acknowledged {
        Some(a) => format!(" — *acquitté par {} le {} : {}*", a.by, a.on, a.reason),
        None => String::new(),
    };
    let mut where_: Vec<String> = f
        .locations
        .iter()
        .take(MAX_TABLE_ROWS)
        .map(|l| format!("`{l}`"))
        .collect();
    let more = f.locations.len().saturating_sub(MAX_TABLE_ROWS) + f.more_locations;
    if more > 0 {
        where_.push(format!("… et {more} autres"));
    }
    let _ = writeln!(
        out,
        "- **{}** `{}` — {}{}",
        severity_fr(f.severity),
        f.rule,
        f.message_fr(),
        ack
    );
    if f.expected.is_some() || f.tolerance.is_some() {
        let _ = writeln!(
            out,
            "  - attendu {} · constaté {} · écart {} · tolérance {}",
            opt_eur(f.expected),
            opt_eur(f.actual),
            f.difference.map_or_else(|| "—".to_string(), signed_eur),
            opt_eur(f.tolerance)
        );
    }
    if !where_.is_empty() {
        let _ = writeln!(out, "  - sources : {}", where_.join(", "));
    }
    let _ = writeln!(out, "  - empreinte : `{}`", f.fingerprint);
}

/// The French report, in Markdown.
pub fn to_markdown(r: &Report) -> String {
    let mut out = String::new();
    let s = &r.summary;
    let _ = writeln!(out, "# Rapport de validation ESMS numérique\n");
    let _ = writeln!(
        out,
        "Statut : **{}** · outil esms-ledger {} · schéma {} · empreinte des entrées `{}`\n",
        if r.status == "published" {
            "publié"
        } else {
            "rejeté (rien n'a été publié)"
        },
        r.tool_version,
        r.schema_version,
        &r.input_fingerprint
    );
    let _ = writeln!(out, "## Synthèse\n");
    let _ = writeln!(
        out,
        "| Publications | Enveloppes | Déclarations | Montants comptés | Euros couverts | Erreurs | Avertissements | Informations | Acquittés |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        s.publications,
        s.envelopes,
        s.statements,
        s.counted_figures,
        format_eur(s.euros_covered),
        s.errors,
        s.warnings,
        s.infos,
        s.acknowledged
    );
    let _ = writeln!(
        out,
        "Les euros couverts additionnent les montants comptés (colonne `counted` d'allocations.parquet) : une ligne détaillée par une sous-enveloppe n'est pas comptée, les lignes de la sous-enveloppe le sont ; les reprises d'une autre publication et les montants remplacés ne le sont pas. Erreurs, avertissements et informations ne comptent que les constats non acquittés.\n"
    );

    if let Some(diff) = &r.diff {
        crate::publish::diff::write_markdown(&mut out, diff);
    }

    let _ = writeln!(out, "## Constats\n");
    if r.findings.is_empty() {
        let _ = writeln!(out, "Aucun constat : toutes les sources concordent.\n");
    }
    for f in &r.findings {
        finding_line(&mut out, f);
    }
    if !r.findings.is_empty() {
        out.push('\n');
    }

    let _ = writeln!(out, "## Publications\n");
    let _ = writeln!(
        out,
        "| Identifiant | Titre | Émetteur | Nature | Date | Fichier |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for p in &r.publications {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | `{}` |",
            p.id,
            cell(&p.title),
            cell(&p.issuer),
            publication_kind_fr(&p.kind),
            p.published_on,
            p.source_file
        );
    }
    out.push('\n');

    let _ = writeln!(out, "## Enveloppes\n");
    for e in &r.envelopes {
        let _ = writeln!(out, "### `{}`\n", e.id);
        let _ = writeln!(
            out,
            "{} · exercice {} · {} · {} · ventilation : {}{}\n",
            e.programme,
            e.exercise,
            e.phase,
            e.channel,
            breakdown_fr(&e.breakdown),
            e.parent
                .as_ref()
                .map(|p| format!(" · partie de `{p}`"))
                .unwrap_or_default()
        );
        for st in &e.statements {
            let role = if st.primary {
                "référence"
            } else if st.amends.is_some() {
                "révision de la référence : ses nouveaux montants comptent"
            } else {
                "reprise, contrôlée contre la référence"
            };
            let _ = writeln!(out, "#### Selon `{}` ({role})\n", st.publication_id);
            if let Some(rec) = &st.reconciliation {
                let declared = match (&st.declared_as, rec.declared_total) {
                    (Some(raw), Some(v)) => format!("« {raw} » = {}", format_eur(v)),
                    _ => "aucun".to_string(),
                };
                if rec.components == 0 {
                    // A statement that gives a total and quotes figures, but no list of its own.
                    let _ = writeln!(
                        out,
                        "Total annoncé : {declared} · pas de liste de composantes propre\n"
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "Total annoncé : {declared} · somme calculée : {} ({} composante(s)) · écart : {} · tolérance : {}\n",
                        format_eur(rec.computed_total),
                        rec.components,
                        rec.difference.map_or_else(|| "—".to_string(), signed_eur),
                        opt_eur(rec.tolerance)
                    );
                }
                for c in &rec.children {
                    let _ = writeln!(
                        out,
                        "- sous-enveloppe `{}` comptée pour {} (`{}`)",
                        c.envelope_id,
                        format_eur(c.amount),
                        c.location
                    );
                }
                if !rec.children.is_empty() {
                    out.push('\n');
                }
            } else if let Some(raw) = &st.declared_as {
                let _ = writeln!(out, "Total annoncé : « {raw} »\n");
            }
            if !st.components.is_empty() {
                let _ = writeln!(
                    out,
                    "| Libellé | Région | Bénéficiaire | Montant | Nature | Rôle | Source |"
                );
                let _ = writeln!(out, "|---|---|---|---:|---|---|---|");
                for a in st.components.iter().take(MAX_TABLE_ROWS) {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | `{}` |",
                        cell(&a.raw_label),
                        a.region_name.as_deref().map_or_else(
                            || "—".to_string(),
                            |n| format!("{n} ({})", a.region_code.as_deref().unwrap_or(""))
                        ),
                        a.beneficiary
                            .as_deref()
                            .map_or_else(|| "—".to_string(), cell),
                        format_eur(a.amount_eur),
                        kind_fr(&a.amount_kind),
                        role_fr(&a.role),
                        source_of(a)
                    );
                }
                if st.components_total > MAX_TABLE_ROWS {
                    let _ = writeln!(
                        out,
                        "\n… et {} autres lignes, dans allocations.parquet.",
                        st.components_total - MAX_TABLE_ROWS
                    );
                }
                out.push('\n');
            }
        }
        let related: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.envelope_id.as_deref() == Some(e.id.as_str()))
            .collect();
        if !related.is_empty() {
            let _ = writeln!(out, "Constats sur cette enveloppe :\n");
            for f in related {
                finding_line(&mut out, f);
            }
            out.push('\n');
        }
    }

    let _ = writeln!(out, "## Contrôles effectués\n");
    let _ = writeln!(out, "| Règle | Enveloppe | Publication | Résultat |");
    let _ = writeln!(out, "|---|---|---|---|");
    for c in &r.steps {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | `{}` | {} |",
            c.rule,
            c.envelope_id,
            c.publication_id,
            status_fr(c.status)
        );
    }
    out.push('\n');

    let _ = writeln!(out, "## Règles\n");
    let _ = writeln!(out, "| Règle | Gravité | Description |");
    let _ = writeln!(out, "|---|---|---|");
    for rule in r.rules {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            rule.id,
            severity_fr(rule.severity),
            rule.fr
        );
    }
    out
}

/// The same French report as a standalone HTML page.
pub fn to_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    use pulldown_cmark::{Options, Parser, html};
    let mut body = String::new();
    // Labels and titles come from the sources and descriptions: HTML in them ("<img
    // onerror=…>" in a pasted press extract) is shown as text, never rendered, and so are
    // their links and images (`[x](javascript:…)`, `<javascript:…>`, `![](http://…)`):
    // the report links nowhere and loads nothing. The report writes none of its own.
    let events =
        Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
            | Event::End(TagEnd::Link | TagEnd::Image) => None,
            other => Some(other),
        });
    html::push_html(&mut body, events);
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>Rapport de validation ESMS numérique</title>\n<style>\nbody{{font-family:system-ui,sans-serif;max-width:80rem;margin:2rem auto;padding:0 1rem;color:#222}}\ntable{{border-collapse:collapse;margin:1rem 0}}th,td{{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}}\ntd:nth-child(4){{white-space:nowrap}}code{{font-size:.9em}}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_sources_is_shown_never_run_nor_followed() {
        let html = to_html(
            "| Titre |\n|---|\n| <script>alert(1)</script> \"><img src=x onerror=alert(1)> |\n\n\
             [lien](javascript:alert(1)) <javascript:alert(2)> ![image](http://example.invalid/i.png) <b onmouseover=x>gras</b>\n",
        );
        let body = &html[html.find("<body>").unwrap()..];
        for active in ["<script", "<img", "<a ", "href=\"", "src=\"", "<b "] {
            assert!(!body.contains(active), "{active} in {body}");
        }
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{body}"
        );
        assert!(
            body.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{body}"
        );
        assert!(body.contains("javascript:alert(2)"), "{body}");
    }
}
