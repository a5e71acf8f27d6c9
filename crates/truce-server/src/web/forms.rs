//! Forms that post JSON to the API (read and sent by `assets/truce.js`):
//! each field's name is its path in the request body, and `data-kind` says
//! how its value is read. A refusal marks the field the problem document
//! names and says why in the form; success reads the page again and says
//! which log entry recorded it. Pages never change anything themselves.

use super::i18n::Catalogue;
use maud::{Markup, html};

/// A form posting to `endpoint`, with its legend, fields and submit button.
pub fn api_form(lang: &Catalogue, id: &str, endpoint: &str, legend: &str, fields: Markup) -> Markup {
    html! {
        form.action-form id=(id) data-endpoint=(endpoint)
            data-done=(lang.t("form.done")) data-unchanged=(lang.t("form.unchanged"))
            data-failed=(lang.t("form.failed")) data-offline=(lang.t("form.offline")) {
            fieldset {
                legend { (legend) }
                (fields)
                button type="submit" { (legend) }
                p.form-error role="alert" aria-live="assertive" {}
            }
        }
    }
}

/// A labelled one-line text field; `optional` ones are left out of the body when empty.
pub fn text(id: &str, name: &str, label: &str, optional: bool) -> Markup {
    html! {
        label for=(id) { (label) }
        input id=(id) name=(name) type="text" required[!optional] data-optional=[optional.then_some("")];
    }
}

/// A labelled comma-separated list (sent as an array of strings).
pub fn list(id: &str, name: &str, label: &str) -> Markup {
    html! {
        label for=(id) { (label) }
        input id=(id) name=(name) type="text" data-kind="list";
    }
}

/// A labelled paragraph of text.
pub fn paragraph(id: &str, name: &str, label: &str) -> Markup {
    html! {
        label for=(id) { (label) }
        textarea id=(id) name=(name) rows="3" required {}
    }
}

/// A labelled whole number of at least 0.
pub fn number(id: &str, name: &str, label: &str, value: Option<u32>) -> Markup {
    html! {
        label for=(id) { (label) }
        input id=(id) name=(name) type="number" min="0" step="1" inputmode="numeric" data-kind="number"
            value=[value];
    }
}

/// A labelled checkbox (sent as true or false).
pub fn checkbox(id: &str, name: &str, label: &str) -> Markup {
    html! {
        span.check {
            input id=(id) name=(name) type="checkbox" data-kind="boolean";
            label for=(id) { (label) }
        }
    }
}

/// A labelled choice among `options` (value, text); an optional one starts on "none" and is then left out.
pub fn choice(id: &str, name: &str, label: &str, options: &[(String, String)], none: Option<&str>) -> Markup {
    html! {
        label for=(id) { (label) }
        select id=(id) name=(name) data-optional=[none.map(|_| "")] {
            @if let Some(none) = none { option value="" { (none) } }
            @for (value, text) in options { option value=(value) { (text) } }
        }
    }
}

/// The agreement's choices a form or filter offers, each as (code, name).
pub struct Choices {
    pub parties: Vec<(String, String)>,
    pub acts: Vec<(String, String)>,
    pub zones: Vec<(String, String)>,
    /// What a determination may find violated: the acts and the obligations.
    pub provisions: Vec<(String, String)>,
}

impl Choices {
    pub fn of(agreement: &truce_domain::agreement::Agreement) -> Choices {
        let acts: Vec<(String, String)> = agreement
            .acts
            .iter()
            .map(|a| (a.code.to_string(), a.description.clone()))
            .collect();
        let obligations = agreement
            .obligations
            .iter()
            .map(|o| (o.code.to_string(), o.description.clone()));
        Choices {
            parties: agreement
                .parties
                .iter()
                .map(|p| (p.code.to_string(), p.name.clone()))
                .collect(),
            provisions: acts.iter().cloned().chain(obligations).collect(),
            acts,
            zones: agreement
                .zones
                .iter()
                .map(|z| (z.code.to_string(), z.name.clone()))
                .collect(),
        }
    }
}
