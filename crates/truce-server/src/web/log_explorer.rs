//! The log explorer, `/log`, public: the latest signed checkpoint, the
//! log's verifier key, the newest entries a page at a time (older pages by
//! index), and a form whose script (`assets/log-explorer.js`) checks an
//! entry's inclusion and the checkpoint's signature in the reader's own
//! browser with WebCrypto, against a key the reader pastes (the server's
//! word is what is being checked, so it cannot be what the check trusts),
//! then the witnesses' cosignatures against the reader's trust policy
//! (C2SP tlog-policy; the agreement's, all witnesses required, is
//! prefilled), then each opening the reader may see against the entry's
//! commitments. The page shows who cosigned the current checkpoint and when.
//!
//! A page reads only its own entries (`LogReader::entries`: one or two
//! bundles), so it costs the same with millions of entries.

use super::i18n::{Catalogue, Lang};
use super::layout::{Shell, page};
use super::{page_caller, utc_seconds};
use crate::api::auth::Caller;
use crate::log_api::{agreed_policy, latest_checkpoint, read};
use crate::witnesses::WitnessStanding;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use truce_log::checkpoint::parse_canonical_u64;
use truce_store::StoredCheckpoint;

/// Entries a page.
const PAGE: u64 = 50;

/// The messages the script shows, by key under `log.js.` in the catalogue;
/// the page carries them (the script holds no text of its own).
const SCRIPT_MESSAGES: &[&str] = &[
    "unavailable_insecure",
    "unavailable_ed25519",
    "checking",
    "bad_index",
    "beyond",
    "bad_key_format",
    "bad_key_type",
    "bad_key_id",
    "bad_checkpoint",
    "wrong_name",
    "key_id_mismatch",
    "bad_signature",
    "signature_ok",
    "proof_length",
    "root_mismatch",
    "included",
    "fetch_failed",
    "no_commitments",
    "openings_ok",
    "opening_mismatch",
    "bad_policy",
    "policy_no_quorum",
    "policy_other_log",
    "cosigned",
    "fallback",
    "quorum_not_met",
    "beyond_witnessed",
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/log", get(explorer))
}

async fn explorer(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
    RawQuery(raw): RawQuery,
) -> Result<maud::Markup, Problem> {
    let caller = page_caller(caller);
    let checkpoint = latest_checkpoint(&state)?;
    let before = page_end(raw.as_deref().unwrap_or_default(), checkpoint.size)?;
    let start = before.saturating_sub(PAGE);
    let entries = read(&state, move |log| log.entries(start..before)).await?;
    let witnessing = if state.witnesses.count() == 0 {
        None
    } else {
        let current = checkpoint.clone();
        let note = read(&state, move |log| log.cosigned_note(&current)).await?;
        Some(Witnessing::of(&note, state.witnesses.standings()))
    };
    let policy = agreed_policy(&state)?;
    let rows: Vec<Row> = entries
        .iter()
        .rev()
        .map(|(index, bytes)| Row::of(*index, bytes))
        .collect();
    let content = html! {
        h1 { (lang.t("log.heading")) }
        p.intro { (lang.t("log.intro")) }
        (checkpoint_section(lang, &checkpoint, witnessing.as_ref()))
        (check_section(lang, &state.log_vkey, &policy))
        (entries_section(lang, &rows, start, before, checkpoint.size))
    };
    let shell = Shell {
        lang,
        caller: &caller,
        title: lang.t("log.heading"),
        path: "/log",
        checkpoint: Some(&checkpoint),
    };
    Ok(page(&shell, content))
}

/// The end (exclusive) of the page asked for: `before`, or the log's size.
/// Any other parameter but `lang`, or a `before` that is not a canonical
/// decimal within the log, is the reader's mistake, said by name.
fn page_end(query: &str, size: u64) -> Result<u64, Problem> {
    let mut before = size;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "lang" => {}
            "before" => {
                before = parse_canonical_u64(value).ok_or_else(|| {
                    Problem::bad_request(
                        "before",
                        format!("before must be a non-negative decimal integer, not {value:?}"),
                    )
                })?;
                if before > size {
                    return Err(Problem::bad_request(
                        "before",
                        format!("before ({before}) is beyond the log, which has {size} entries"),
                    ));
                }
            }
            other => {
                return Err(Problem::bad_request(
                    other,
                    format!("unknown query parameter {other:?}; expected \"before\" or \"lang\""),
                ));
            }
        }
    }
    Ok(before)
}

/// What the table shows of an entry: read from its envelope's own fields,
/// without decoding the event (an entry of a newer kind still shows). Not
/// who caused it: the page is public, and a report's account would tell a
/// party which team reported against it.
struct Row {
    index: u64,
    head: Option<Head>,
}

#[derive(Deserialize)]
struct Head {
    at: String,
    #[serde(rename = "type")]
    kind: String,
}

impl Row {
    fn of(index: u64, bytes: &[u8]) -> Row {
        Row {
            index,
            head: serde_json::from_slice(bytes).ok(),
        }
    }
}

/// An envelope's RFC 3339 time to the second, in UTC; as written if it is not one.
fn shown_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |at| at.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// Who cosigned the current checkpoint, and when; the note with their cosignatures.
struct Witnessing {
    note: String,
    witnesses: Vec<(WitnessStanding, Option<u64>)>,
}

impl Witnessing {
    /// Each witness's cosignature on `note`, verified with its key (one that
    /// does not verify is shown as missing, as a verifier would count it).
    fn of(note: &str, standings: Vec<WitnessStanding>) -> Witnessing {
        let parsed = truce_log::Note::parse(note.as_bytes()).ok();
        let witnesses = standings
            .into_iter()
            .map(|standing| {
                let at = parsed
                    .as_ref()
                    .and_then(|note| truce_log::cosignature::verify_cosignature(note, &standing.vkey).ok());
                (standing, at)
            })
            .collect();
        Witnessing {
            note: note.to_string(),
            witnesses,
        }
    }
}

fn witnessing_part(lang: &Catalogue, witnessing: &Witnessing) -> Markup {
    html! {
        h3 #cosigners-heading { (lang.t("log.cosigners")) }
        table.cosigners aria-labelledby="cosigners-heading" {
            thead { tr {
                th scope="col" { (lang.t("log.col_witness")) }
                th scope="col" { (lang.t("log.col_cosigned")) }
            } }
            tbody {
                @for (standing, at) in &witnessing.witnesses {
                    tr data-witness=(standing.name) data-cosigned=(at.is_some()) {
                        th scope="row" { bdi { (standing.name) } }
                        td {
                            @match (at, standing.cosigned_size, standing.cosigned_at) {
                                (Some(at), _, _) => { time datetime=(utc_seconds(*at)) { (utc_seconds(*at)) } }
                                (None, Some(size), Some(when)) => {
                                    strong.warning { (lang.t("log.not_cosigned")) } " "
                                    (lang.f("log.cosigned_earlier", &[("size", &size.to_string()), ("time", &utc_seconds(when))]))
                                }
                                _ => { strong.warning { (lang.t("log.never_cosigned")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn checkpoint_section(lang: &Catalogue, checkpoint: &StoredCheckpoint, witnessing: Option<&Witnessing>) -> Markup {
    let origin = checkpoint.note.lines().next().unwrap_or_default();
    let note = witnessing.map_or(checkpoint.note.as_str(), |w| w.note.as_str());
    html! {
        section aria-labelledby="checkpoint-heading" {
            h2 #checkpoint-heading { (lang.t("log.checkpoint")) }
            dl.checkpoint {
                dt { (lang.t("log.origin")) } dd #checkpoint-origin { code { (origin) } }
                dt { (lang.t("log.size")) } dd #checkpoint-size { (checkpoint.size) }
                dt { (lang.t("log.root")) } dd #checkpoint-root { code { (checkpoint.root.to_base64()) } }
            }
            @if let Some(witnessing) = witnessing { (witnessing_part(lang, witnessing)) }
            p.note { (lang.t("log.note_explained")) }
            pre.signed-note #checkpoint-note dir="ltr" { (note) }
        }
    }
}

fn check_section(lang: &Catalogue, vkey: &str, policy: &str) -> Markup {
    html! {
        section aria-labelledby="key-heading" {
            h2 #key-heading { (lang.t("log.key")) }
            p { (lang.t("log.key_explained")) }
            pre.vkey #server-key dir="ltr" { (vkey) }
        }
        section aria-labelledby="check-heading" {
            h2 #check-heading { (lang.t("log.check")) }
            p { (lang.t("log.check_explained")) }
            ol.steps {
                li { (lang.t("log.step_signature")) }
                li { (lang.t("log.step_cosignatures")) }
                li { (lang.t("log.step_leaf")) }
                li { (lang.t("log.step_path")) }
                li { (lang.t("log.step_openings")) }
            }
            noscript { p.error { (lang.t("log.needs_script")) } }
            p #check-unavailable.error role="alert" hidden {}
            form #log-check.form.log-check {
                label for="check-index" { (lang.t("log.index")) }
                input #check-index name="index" type="text" inputmode="numeric" autocomplete="off" required;
                label for="check-key" { (lang.t("log.trusted_key")) }
                textarea #check-key name="key" rows="2" dir="ltr" spellcheck="false" autocomplete="off" required { (vkey) }
                label for="check-policy" { (lang.t("log.trusted_policy")) }
                textarea #check-policy name="policy" rows="6" dir="ltr" spellcheck="false" autocomplete="off" { (policy) }
                button type="submit" { (lang.t("log.check_button")) }
            }
            div #check-result.check-result role="status" aria-live="polite" {}
            div #log-messages hidden {
                @for key in SCRIPT_MESSAGES {
                    span data-key=(key) { (lang.t(&format!("log.js.{key}"))) }
                }
            }
        }
    }
}

fn entries_section(lang: &Catalogue, rows: &[Row], start: u64, before: u64, size: u64) -> Markup {
    let not_an_event = lang.t("log.not_an_event");
    html! {
        section aria-labelledby="entries-heading" {
            h2 #entries-heading {
                @if before == size { (lang.t("log.newest")) }
                @else { (lang.f("log.range", &[("first", &start.to_string()), ("last", &before.saturating_sub(1).to_string())])) }
            }
            @if rows.is_empty() {
                p { (lang.t("log.empty")) }
            } @else {
                table.entries {
                    thead { tr {
                        th scope="col" { (lang.t("log.col_index")) }
                        th scope="col" { (lang.t("log.col_at")) }
                        th scope="col" { (lang.t("log.col_type")) }
                        th scope="col" { span.visually-hidden { (lang.t("log.col_check")) } }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                th scope="row" { a href={ "/api/v1/log/entries/" (row.index) } { (row.index) } }
                                @if let Some(head) = &row.head {
                                    td { time datetime=(head.at) { (shown_time(&head.at)) } }
                                    td { code { (head.kind) } }
                                } @else {
                                    td colspan="2" { (not_an_event) }
                                }
                                td { button.link type="button" data-check-index=(row.index) { (lang.t("log.check_entry")) } }
                            }
                        }
                    }
                }
            }
            nav.paging aria-label=(lang.t("log.paging")) {
                @if before < size {
                    a.newer href={ "/log?lang=" (lang.code) "&before=" ((before + PAGE).min(size)) } { (lang.t("log.newer")) }
                }
                @if start > 0 {
                    a.older href={ "/log?lang=" (lang.code) "&before=" (start) } { (lang.t("log.older")) }
                }
            }
        }
    }
}
