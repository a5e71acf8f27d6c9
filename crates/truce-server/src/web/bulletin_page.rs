//! A published bulletin as HTML, from its document alone (the JSON whose
//! SHA-256 the log holds): the figures, the chart of the period's confirmed
//! violations, the map of its findings, the casualties with each party's
//! claim beside the estimate, the determinations, the penalties and the
//! status. It prints well (see `@media print` in `truce.css`).

use super::bulletin_map::{self, Point};
use super::chart::{self, DayCount};
use super::i18n::Catalogue;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use truce_domain::agreement::Agreement;
use truce_domain::bulletin::{Bulletin, KeyedCount, PartyClaim, figure};
use truce_domain::report::Figure;

/// The agreement's parties as (code, name), in its order (the colours' order).
pub fn parties(agreement: &Agreement) -> Vec<(String, String)> {
    agreement
        .parties
        .iter()
        .map(|p| (p.code.to_string(), p.name.clone()))
        .collect()
}

/// The bulletin's content; `index` is its log index, which names it.
pub fn content(lang: &Catalogue, parties: &[(String, String)], bulletin: &Bulletin, index: u64) -> Markup {
    let kind = lang
        .t(&format!("bulletin.kind.{}", bulletin.period.kind.as_str()))
        .to_string();
    html! {
        article.bulletin {
            h1 { (bulletin.title) ": " (kind) ", " (bulletin.period.label) }
            p.checkpoint {
                (lang.f("bulletin.covers", &[
                    ("size", &bulletin.checkpoint.size.to_string()),
                    ("root", &bulletin.checkpoint.root),
                    ("index", &index.to_string()),
                ]))
            }
            p.downloads {
                a href={ "/bulletins/" (index) ".json" } { (lang.t("bulletin.download_json")) }
                " · "
                a href={ "/bulletins/" (index) ".md?lang=" (lang.code) } { (lang.t("bulletin.download_md")) }
            }
            (incidents(lang, bulletin))
            (violations(lang, parties, bulletin))
            (casualties(lang, bulletin))
            (determinations(lang, parties, bulletin))
            (penalties(lang, bulletin))
            (status(lang, bulletin))
        }
    }
}

/// A whole page for a file (`truce bulletin --format html`): the styles inline, no script.
pub fn standalone(lang: &Catalogue, agreement: &Agreement, bulletin: &Bulletin, index: u64) -> String {
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code) dir=(lang.dir) {
            head {
                meta charset="utf-8";
                title { (bulletin.title) " · " (bulletin.period.label) }
                style { (PreEscaped(include_str!("../../assets/truce.css"))) }
            }
            body { main { (content(lang, &parties(agreement), bulletin, index)) } }
        }
    };
    page.into_string()
}

fn counts_table(lang: &Catalogue, label: &str, rows: &[KeyedCount]) -> Markup {
    html! {
        table.figures {
            caption { (lang.t(label)) }
            thead { tr {
                th scope="col" { (lang.t(label)) }
                th scope="col" { (lang.t("bulletin.this_period")) }
                th scope="col" { (lang.t("bulletin.previous_period")) }
            } }
            tbody {
                @for row in rows {
                    tr {
                        th scope="row" { bdi { (row.key.as_deref().unwrap_or(lang.t("bulletin.not_said"))) } }
                        td { (row.count.current) }
                        td { (row.count.previous) }
                    }
                }
            }
        }
    }
}

fn incidents(lang: &Catalogue, b: &Bulletin) -> Markup {
    let total = b.incidents.total;
    html! {
        section.part aria-labelledby="incidents-heading" {
            h2 #incidents-heading { (lang.t("bulletin.incidents")) }
            p.headline #headline-incidents {
                (lang.f("bulletin.total_line", &[
                    ("current", &total.current.to_string()),
                    ("previous", &total.previous.to_string()),
                ]))
            }
            div.tables {
                (counts_table(lang, "bulletin.by_party", &b.incidents.by_party))
                (counts_table(lang, "bulletin.by_act", &b.incidents.by_act))
                (counts_table(lang, "bulletin.by_zone", &b.incidents.by_zone))
            }
        }
    }
}

fn violations(lang: &Catalogue, parties: &[(String, String)], b: &Bulletin) -> Markup {
    let mut days: Vec<DayCount> = Vec::new();
    for d in b
        .determinations
        .iter()
        .filter(|d| d.verdict.as_str() == "violation_confirmed")
    {
        let (day, party) = (
            d.finalized_at.date_naive(),
            d.responsible_party.as_ref().map(|p| p.to_string()),
        );
        let Some(party) = party else { continue };
        match days.iter_mut().find(|c| c.day == day && c.party == party) {
            Some(count) => count.count += 1,
            None => days.push(DayCount { day, party, count: 1 }),
        }
    }
    html! {
        section.part aria-labelledby="violations-heading" {
            h2 #violations-heading { (lang.t("bulletin.violations")) }
            ul.violations {
                @for v in &b.violations_confirmed {
                    li data-party=(v.party) { bdi { (party_name(parties, v.party.as_str())) } ": " strong { (v.count) } }
                }
            }
            (chart::render(lang, &days, parties))
        }
    }
}

fn party_name(parties: &[(String, String)], code: &str) -> String {
    parties
        .iter()
        .find(|(c, _)| c == code)
        .map_or(code.to_string(), |(_, name)| name.clone())
}

fn claims(lang: &Catalogue, claims: &[PartyClaim]) -> Markup {
    html! {
        @if claims.is_empty() { (lang.t("bulletin.none")) }
        @for claim in claims {
            span.claim data-party=(claim.party) { (claim.party) ": " (figure(&claim.deaths)) } " "
        }
    }
}

fn casualties(lang: &Catalogue, b: &Bulletin) -> Markup {
    let c = &b.casualties;
    let others = |f: &Option<Figure>| f.as_ref().map_or(lang.t("bulletin.none").to_string(), figure);
    html! {
        section.part aria-labelledby="casualties-heading" {
            h2 #casualties-heading { (lang.t("bulletin.casualties")) }
            table.figures.casualties {
                thead { tr {
                    th scope="col" { (lang.t("bulletin.incident")) }
                    th scope="col" { (lang.t("bulletin.estimate")) }
                    th scope="col" { (lang.t("bulletin.party_claims")) }
                    th scope="col" { (lang.t("bulletin.others_highest")) }
                } }
                tbody {
                    tr.total {
                        th scope="row" { (lang.t("bulletin.total")) }
                        td { (figure(&c.estimate)) }
                        td { (claims(lang, &c.party_claims)) }
                        td { (others(&c.others_highest)) }
                    }
                    @for row in &c.incidents {
                        tr data-incident=(row.incident) {
                            th scope="row" { a href={ "/incidents/" (row.incident) } { (row.incident) } }
                            td.estimate {
                                (figure(&row.estimate)) " "
                                small { (lang.t(if row.verified { "bulletin.verified" } else { "bulletin.rule_estimate" })) }
                            }
                            td { (claims(lang, &row.party_claims)) }
                            td { (others(&row.others_highest)) }
                        }
                    }
                }
            }
            p.note { (lang.t("bulletin.sources_note")) }
        }
    }
}

fn determinations(lang: &Catalogue, parties: &[(String, String)], b: &Bulletin) -> Markup {
    let position = |code: &str| parties.iter().position(|(c, _)| c == code);
    let points: Vec<Point> = b
        .determinations
        .iter()
        .filter_map(|d| {
            let party = d.responsible_party.as_ref().map(|p| p.to_string());
            Some(Point {
                incident: d.incident,
                latitude: d.latitude?,
                longitude: d.longitude?,
                party: party.as_deref().and_then(position),
                title: format!(
                    "{}: {}",
                    lang.f("map.incident", &[("id", &d.incident.to_string())]),
                    lang.t(&format!("verdict.{}", d.verdict.as_str()))
                ),
            })
        })
        .collect();
    html! {
        section.part aria-labelledby="determinations-heading" {
            h2 #determinations-heading { (lang.t("bulletin.determinations")) }
            @if b.determinations.is_empty() { p { (lang.t("bulletin.none")) } } @else {
                table.figures.determinations {
                    thead { tr {
                        th scope="col" { (lang.t("bulletin.incident")) }
                        th scope="col" { (lang.t("bulletin.verdict")) }
                        th scope="col" { (lang.t("bulletin.responsible")) }
                        th scope="col" { (lang.t("bulletin.provisions")) }
                        th scope="col" { (lang.t("bulletin.finalized")) }
                    } }
                    tbody { @for d in &b.determinations {
                        tr data-incident=(d.incident) data-verdict=(d.verdict.as_str()) {
                            th scope="row" { a href={ "/incidents/" (d.incident) } { (d.incident) } }
                            td { (lang.t(&format!("verdict.{}", d.verdict.as_str()))) }
                            td { bdi { (d.responsible_party.as_ref().map_or(lang.t("bulletin.none").to_string(), |p| party_name(parties, p.as_str()))) } }
                            td { (d.provisions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                            td { (d.finalized_at.format("%Y-%m-%d %H:%M UTC")) }
                        }
                    } }
                }
            }
            (bulletin_map::render(lang, &points))
        }
    }
}

fn penalties(lang: &Catalogue, b: &Bulletin) -> Markup {
    html! {
        section.part aria-labelledby="penalties-heading" {
            h2 #penalties-heading { (lang.t("bulletin.penalties")) }
            @if b.penalties.is_empty() { p { (lang.t("bulletin.none")) } } @else {
                table.figures.penalties {
                    thead { tr {
                        th scope="col" { (lang.t("bulletin.penalty")) }
                        th scope="col" { (lang.t("bulletin.incident")) }
                        th scope="col" { (lang.t("bulletin.party")) }
                        th scope="col" { (lang.t("bulletin.state")) }
                        th scope="col" { (lang.t("bulletin.in_effect_from")) }
                    } }
                    tbody { @for p in &b.penalties {
                        tr data-penalty=(p.penalty) {
                            th scope="row" { (p.code) ": " (p.description) }
                            td { (p.incident) }
                            td { (p.party) }
                            td { (lang.t(&format!("bulletin.penalty_state.{}", p.state))) }
                            td { (p.in_effect_from.map_or(lang.t("bulletin.none").to_string(), |at| at.format("%Y-%m-%d %H:%M UTC").to_string())) }
                        }
                    } }
                }
            }
        }
    }
}

fn status(lang: &Catalogue, b: &Bulletin) -> Markup {
    let point = &b.status;
    let agreement = point.agreement.as_str();
    html! {
        section.part aria-labelledby="status-heading" {
            h2 #status-heading { (lang.t("bulletin.status")) }
            p {
                (lang.t("bulletin.agreement_status")) ": "
                strong class={ "status status-" (agreement) } { (lang.t(&format!("status.{agreement}"))) }
                " (" (point.at.format("%Y-%m-%d %H:%M UTC")) ")"
            }
            ul.status-cards {
                @for party in &point.parties {
                    li.status-card {
                        h3 { (party.party) }
                        p { strong class={ "status status-" (party.status.as_str()) } { (lang.t(&format!("status.{}", party.status.as_str()))) } }
                        ul.reasons { @for reason in &party.reasons { li { (reason) } } }
                    }
                }
            }
        }
    }
}
