//! A bulletin as Markdown, in the words a caller's catalogue gives for each
//! key (`t`), so the same document reads in English or Arabic. Keys are the
//! web catalogue's (`bulletin.*`, `verdict.*`, `status.*`).

use super::*;
use std::fmt::Write;

type Labels<'a> = &'a dyn Fn(&str) -> String;

pub fn markdown(bulletin: &Bulletin, t: Labels) -> String {
    let mut out = String::new();
    let kind = t(&format!("bulletin.kind.{}", bulletin.period.kind.as_str()));
    let _ = writeln!(out, "# {}: {kind}, {}\n", bulletin.title, bulletin.period.label);
    let _ = writeln!(
        out,
        "{}: {} {}, {} `{}`\n",
        t("bulletin.checkpoint"),
        t("bulletin.size"),
        bulletin.checkpoint.size,
        t("bulletin.root"),
        bulletin.checkpoint.root
    );
    incidents(&mut out, bulletin, t);
    violations(&mut out, bulletin, t);
    casualties(&mut out, bulletin, t);
    determinations(&mut out, bulletin, t);
    penalties(&mut out, bulletin, t);
    status(&mut out, bulletin, t);
    out
}

/// "10 (8–12)": the best figure, then low to high.
pub fn figure(f: &Figure) -> String {
    format!("{} ({}–{})", f.best, f.low, f.high)
}

fn table(out: &mut String, header: &[String], rows: Vec<Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn incidents(out: &mut String, b: &Bulletin, t: Labels) {
    let counts = &b.incidents;
    let _ = writeln!(out, "## {}\n", t("bulletin.incidents"));
    let _ = writeln!(
        out,
        "{}: {} ({}: {})\n",
        t("bulletin.total"),
        counts.total.current,
        t("bulletin.previous_period"),
        counts.total.previous
    );
    for (label, rows) in [
        ("bulletin.by_party", &counts.by_party),
        ("bulletin.by_act", &counts.by_act),
        ("bulletin.by_zone", &counts.by_zone),
    ] {
        let _ = writeln!(out, "### {}\n", t(label));
        if rows.is_empty() {
            let _ = writeln!(out, "{}\n", t("bulletin.none"));
            continue;
        }
        let header = [t(label), t("bulletin.this_period"), t("bulletin.previous_period")];
        let body = rows
            .iter()
            .map(|row| {
                let key = row.key.clone().unwrap_or_else(|| t("bulletin.not_said"));
                vec![key, row.count.current.to_string(), row.count.previous.to_string()]
            })
            .collect();
        table(out, &header, body);
    }
}

fn violations(out: &mut String, b: &Bulletin, t: Labels) {
    let _ = writeln!(out, "## {}\n", t("bulletin.violations"));
    let header = [t("bulletin.party"), t("bulletin.count")];
    let rows = b
        .violations_confirmed
        .iter()
        .map(|v| vec![v.party.to_string(), v.count.to_string()])
        .collect();
    table(out, &header, rows);
}

fn claims_text(claims: &[PartyClaim], t: Labels) -> String {
    if claims.is_empty() {
        return t("bulletin.none");
    }
    let items: Vec<String> = claims
        .iter()
        .map(|c| format!("{}: {}", c.party, figure(&c.deaths)))
        .collect();
    items.join("; ")
}

fn casualties(out: &mut String, b: &Bulletin, t: Labels) {
    let c = &b.casualties;
    let _ = writeln!(out, "## {}\n", t("bulletin.casualties"));
    let others = |f: &Option<Figure>| f.as_ref().map_or_else(|| t("bulletin.none"), figure);
    let header = [
        t("bulletin.incident"),
        t("bulletin.estimate"),
        t("bulletin.party_claims"),
        t("bulletin.others_highest"),
    ];
    let mut rows = vec![vec![
        t("bulletin.total"),
        figure(&c.estimate),
        claims_text(&c.party_claims, t),
        others(&c.others_highest),
    ]];
    for row in &c.incidents {
        let basis = t(if row.verified {
            "bulletin.verified"
        } else {
            "bulletin.rule_estimate"
        });
        rows.push(vec![
            row.incident.to_string(),
            format!("{} {basis}", figure(&row.estimate)),
            claims_text(&row.party_claims, t),
            others(&row.others_highest),
        ]);
    }
    table(out, &header, rows);
    let _ = writeln!(out, "{}\n", t("bulletin.sources_note"));
}

fn determinations(out: &mut String, b: &Bulletin, t: Labels) {
    let _ = writeln!(out, "## {}\n", t("bulletin.determinations"));
    if b.determinations.is_empty() {
        let _ = writeln!(out, "{}\n", t("bulletin.none"));
        return;
    }
    let header = [
        t("bulletin.incident"),
        t("bulletin.verdict"),
        t("bulletin.responsible"),
        t("bulletin.provisions"),
        t("bulletin.finalized"),
    ];
    let rows = b
        .determinations
        .iter()
        .map(|d| {
            vec![
                d.incident.to_string(),
                t(&format!("verdict.{}", d.verdict.as_str())),
                d.responsible_party
                    .as_ref()
                    .map_or_else(|| t("bulletin.none"), ToString::to_string),
                d.provisions
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                d.finalized_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            ]
        })
        .collect();
    table(out, &header, rows);
}

fn penalties(out: &mut String, b: &Bulletin, t: Labels) {
    let _ = writeln!(out, "## {}\n", t("bulletin.penalties"));
    if b.penalties.is_empty() {
        let _ = writeln!(out, "{}\n", t("bulletin.none"));
        return;
    }
    let header = [
        t("bulletin.penalty"),
        t("bulletin.incident"),
        t("bulletin.party"),
        t("bulletin.state"),
        t("bulletin.in_effect_from"),
    ];
    let rows = b
        .penalties
        .iter()
        .map(|p| {
            vec![
                format!("{} {}: {}", p.penalty, p.code, p.description),
                p.incident.to_string(),
                p.party.to_string(),
                t(&format!("bulletin.penalty_state.{}", p.state)),
                p.in_effect_from
                    .map_or_else(|| t("bulletin.none"), |at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
            ]
        })
        .collect();
    table(out, &header, rows);
}

fn status(out: &mut String, b: &Bulletin, t: Labels) {
    let point = &b.status;
    let _ = writeln!(out, "## {}\n", t("bulletin.status"));
    let _ = writeln!(
        out,
        "{}: **{}** ({})\n",
        t("bulletin.agreement_status"),
        t(&format!("status.{}", point.agreement.as_str())),
        point.at.format("%Y-%m-%d %H:%M UTC")
    );
    let header = [t("bulletin.party"), t("bulletin.status")];
    let rows = point
        .parties
        .iter()
        .map(|p| vec![p.party.to_string(), t(&format!("status.{}", p.status.as_str()))])
        .collect();
    table(out, &header, rows);
}
