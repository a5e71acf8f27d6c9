//! The chart of confirmed violations per day and party, drawn on the server
//! as SVG: it needs no script, prints as it shows, and carries its figures
//! as text for screen readers (a table beside it) and as tooltips.

use super::i18n::Catalogue;
use chrono::NaiveDate;
use maud::{Markup, html};
pub use truce_store::worklists::{DayCount, confirmed_per_day};

/// Colours of the parties, in the agreement's order; assigned by position so any agreement gets distinct ones.
const PALETTE: [&str; 6] = ["#1b7837", "#2166ac", "#b2182b", "#762a83", "#e08214", "#4d4d4d"];

/// The colour of the `position`th party.
pub fn colour(position: usize) -> &'static str {
    PALETTE[position % PALETTE.len()]
}

/// Grouped bars, one group a day from the first to the last day with a
/// violation (at most 120 days, the latest), one bar a party.
/// `parties` are the agreement's (code, name), in its order: a party's colour is its position there, as on the map.
pub fn render(lang: &Catalogue, counts: &[DayCount], parties: &[(String, String)]) -> Markup {
    let Some(last) = counts.iter().map(|c| c.day).max() else {
        return html! { p.empty { (lang.t("front.chart_empty")) } };
    };
    let first = counts
        .iter()
        .map(|c| c.day)
        .min()
        .unwrap_or(last)
        .max(last - chrono::Duration::days(119));
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let party_name = |code: &str| {
        parties
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code.to_string(), |(_, name)| name.clone())
    };
    let mut codes: Vec<&str> = parties.iter().map(|(code, _)| code.as_str()).collect();
    // A party named in a finding but not in the agreement still gets a bar, after the agreement's.
    for count in counts {
        if !codes.contains(&count.party.as_str()) {
            codes.push(&count.party);
        }
    }
    let parties = codes;
    let count = |day: NaiveDate, party: &str| {
        counts
            .iter()
            .find(|c| c.day == day && c.party == party)
            .map_or(0, |c| c.count)
    };
    let highest = counts.iter().map(|c| c.count).max().unwrap_or(1).max(1);
    let (width, height, left, bottom, top) = (720.0, 240.0, 40.0, 40.0, 10.0);
    let plot_height = height - bottom - top;
    let group = (width - left) / days.len() as f64;
    let bar = (group * 0.8 / parties.len() as f64).min(24.0);
    let y = |n: u64| top + plot_height - plot_height * n as f64 / highest as f64;
    let label_every = (days.len() / 8).max(1);
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (width) " " (height) } role="img" dir="ltr"
                aria-label=(lang.t("chart.violations")) {
                line.axis x1=(left) y1=(top + plot_height) x2=(width) y2=(top + plot_height) {}
                line.axis x1=(left) y1=(top) x2=(left) y2=(top + plot_height) {}
                @for tick in [0, highest / 2, highest] {
                    text.tick x=(left - 6.0) y=(y(tick) + 4.0) text-anchor="end" { (tick) }
                }
                @for (i, day) in days.iter().enumerate() {
                    @for (p, party) in parties.iter().enumerate() {
                        @let n = count(*day, party);
                        @if n > 0 {
                            rect x=(left + group * i as f64 + group * 0.1 + bar * p as f64) y=(y(n))
                                width=(bar) height=(top + plot_height - y(n)) fill=(colour(p))
                                data-party=(party) data-day=(day) data-count=(n) {
                                title { (party_name(party)) ", " (day) ": " (n) }
                            }
                        }
                    }
                    @if i % label_every == 0 {
                        text.tick x=(left + group * i as f64 + group / 2.0) y=(height - bottom + 16.0) text-anchor="middle" {
                            (day.format("%m-%d"))
                        }
                    }
                }
            }
            figcaption.legend {
                @for (p, party) in parties.iter().enumerate() {
                    span.key { span class={ "swatch party-" (p % PALETTE.len()) } {} (party_name(party)) }
                }
            }
            table.figures {
                caption { (lang.t("chart.violations")) }
                thead { tr { th scope="col" { (lang.t("chart.day")) } @for party in &parties { th scope="col" { (party_name(party)) } } } }
                tbody {
                    @for day in days.iter().filter(|d| parties.iter().any(|p| count(**d, p) > 0)) {
                        tr { th scope="row" { (day) } @for party in &parties { td { (count(*day, party)) } } }
                    }
                }
            }
        }
    }
}
