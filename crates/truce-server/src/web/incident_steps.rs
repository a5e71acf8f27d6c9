//! The steps of verification the caller's role may take on an incident,
//! as forms posting to the API's endpoints under the incident
//! (`crate::api::verification`). A form is offered where the role table
//! permits the step and the case is at a stage where it makes sense; the
//! server still decides, and a refusal is said on the form with its field.

use super::forms::{self, Choices, api_form};
use super::i18n::Catalogue;
use crate::api::incidents::IncidentDetail;
use maud::{Markup, html};
use truce_domain::access::{Action, permits};
use truce_domain::agreement::Agreement;
use truce_domain::role::Role;
use truce_domain::verification::case::IssuedDetermination;
use truce_domain::verification::lifecycle::Stage;

/// What the role may do on incident `id` (`incident` is its detail, as the role sees it).
pub fn steps(lang: &Catalogue, agreement: &Agreement, role: &Role, id: u64, incident: &IncidentDetail) -> Markup {
    let stage = incident.status;
    let is_final = matches!(stage, Stage::Final | Stage::ClosedDuplicate);
    let may = |action| permits(role, action);
    let current = incident.current();
    let endpoint = |step: &str| format!("/api/v1/incidents/{id}/{step}");
    let choices = Choices::of(agreement);
    let forms = html! {
        @if may(Action::StartReview) && stage == Stage::Reported {
            (api_form(lang, "step-review", &endpoint("review"), lang.t("step.review"), html! {}))
        }
        @if may(Action::FileFindings) && !is_final {
            (api_form(lang, "step-findings", &endpoint("findings"), lang.t("step.findings"), html! {
                (forms::paragraph("findings-summary", "summary", lang.t("step.summary")))
                (forms::checkbox("findings-observed", "observed", lang.t("step.observed")))
                (forms::list("findings-evidence", "evidence", lang.t("step.evidence")))
            }))
        }
        @if may(Action::RequestReply) && !is_final {
            (api_form(lang, "step-reply-request", &endpoint("reply-requests"), lang.t("step.reply_request"), html! {
                (forms::choice("reply-request-party", "party", lang.t("step.party"), &choices.parties, None))
            }))
        }
        @if let Role::Party(party) = role {
            @if awaits_reply(incident, party.as_str()) {
                (api_form(lang, "step-reply", &endpoint("replies"), lang.t("step.reply"), html! {
                    (forms::paragraph("reply-text", "text", lang.t("step.reply_text")))
                    (forms::list("reply-evidence", "evidence", lang.t("step.evidence")))
                }))
            }
            @if current.is_some() {
                (api_form(lang, "step-statement", &endpoint("statements"), lang.t("step.statement"), html! {
                    (forms::paragraph("statement-text", "text", lang.t("step.statement_text")))
                }))
            }
            @if stage == Stage::Final {
                (api_form(lang, "step-appeal", &endpoint("appeals"), lang.t("step.appeal"), html! {
                    (forms::paragraph("appeal-grounds", "grounds", lang.t("step.grounds")))
                }))
            }
        }
        @if may(Action::IssueDetermination) && !is_final {
            (determination_form(lang, &choices, &endpoint("determinations")))
        }
        @if let (Role::Mediator(mediator), Some(current)) = (role, current) {
            @if !is_final && !approved_by(current, mediator.as_str()) {
                (api_form(lang, "step-approval", &endpoint("approvals"), lang.t("step.approve"), html! {}))
            }
            @if !is_final {
                (api_form(lang, "step-urgency", &endpoint("urgency"), lang.t("step.urgency"), html! {
                    (forms::paragraph("urgency-reason", "reason", lang.t("step.reason")))
                }))
            }
        }
        @if may(Action::Finalize) && current.is_some() && !is_final {
            (api_form(lang, "step-finalization", &endpoint("finalization"), lang.t("step.finalize"), html! {}))
        }
    };
    html! {
        @if !forms.0.is_empty() {
            section.steps aria-labelledby="steps" {
                h2 #steps { (lang.t("step.heading")) }
                (forms)
            }
        }
    }
}

fn determination_form(lang: &Catalogue, choices: &Choices, endpoint: &str) -> Markup {
    let verdicts: Vec<(String, String)> = ["violation_confirmed", "no_violation", "unverifiable", "duplicate"]
        .iter()
        .map(|v| (v.to_string(), lang.t(&format!("verdict.{v}")).to_string()))
        .collect();
    let severities: Vec<(String, String)> = ["minor", "serious", "grave"]
        .iter()
        .map(|s| (s.to_string(), lang.t(&format!("severity.{s}")).to_string()))
        .collect();
    api_form(
        lang,
        "step-determination",
        endpoint,
        lang.t("step.determine"),
        html! {
            (forms::choice("determination-verdict", "verdict", lang.t("step.verdict"), &verdicts, None))
            (forms::choice("determination-party", "responsible_party", lang.t("step.responsible"), &choices.parties, Some(lang.t("step.no_party"))))
            (forms::checkbox("determination-proxy", "via_non_state_group", lang.t("step.via_group")))
            (forms::list("determination-provisions", "provisions", &lang.f("step.provisions", &[("codes", &choices.provisions.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", "))])))
            (forms::choice("determination-severity", "severity", lang.t("step.severity"), &severities, Some(lang.t("step.no_severity"))))
            (forms::paragraph("determination-rationale", "rationale", lang.t("step.rationale")))
            fieldset.deaths {
                legend { (lang.t("step.deaths")) }
                (forms::number("deaths-low", "deaths.low", lang.t("step.low"), Some(0)))
                (forms::number("deaths-best", "deaths.best", lang.t("step.best"), Some(0)))
                (forms::number("deaths-high", "deaths.high", lang.t("step.high"), Some(0)))
                (forms::number("deaths-civilians", "deaths.civilians", lang.t("step.civilians"), Some(0)))
            }
            (forms::list("determination-evidence", "evidence", lang.t("step.evidence")))
        },
    )
}

/// Whether `party` was asked to reply and has not yet.
fn awaits_reply(incident: &IncidentDetail, party: &str) -> bool {
    incident
        .replies
        .iter()
        .any(|r| r.party.as_str() == party && r.reply.is_none())
}

fn approved_by(determination: &IssuedDetermination, mediator: &str) -> bool {
    determination.approvals.iter().any(|m| m.as_str() == mediator)
}
