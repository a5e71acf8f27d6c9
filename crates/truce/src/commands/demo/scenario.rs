//! The seeded scenario of `truce demo`: the Doha ceasefire between
//! Afghanistan and Pakistan, told through the mechanism. It is an
//! ILLUSTRATIVE scenario built on public reporting of October 2025: the
//! incidents below happened as reported in the press, but the reports'
//! wording, grades, the monitors' findings, the replies, determinations and
//! penalties are invented to show how truce works. They are not findings
//! about real events. The background reports are synthetic (their external
//! ids start with `synthetic-`).
//!
//! The story, each step through the engine like any other submission:
//! 1. Kabul, 9 October: two blasts; Afghanistan blames Pakistani drones,
//!    Pakistan neither confirms nor denies. Before the ceasefire, and
//!    attribution cannot be verified: a determination of "unverifiable",
//!    approved by Qatar, awaits Türkiye (the mediators' queue).
//! 2. The border, 11–12 October: a clash; Afghanistan claims 58 Pakistani
//!    soldiers killed, Pakistan confirms 23. Both claims are kept side by
//!    side; it predates the ceasefire: no violation of it, final.
//! 3. Paktika, 17 October, during the 48-hour truce's extension: airstrikes
//!    kill at least 10 civilians, three of them local cricketers. Monitors
//!    observe the site; Pakistan replies; both mediators approve a
//!    confirmed, grave violation; the ladder gives public attribution and
//!    compensation; both take effect; attribution is complied with,
//!    compensation is not; Pakistan's dissent stands beside the finding.
//! 4. Today: Pakistan alleges an attack on a border post by fighters from
//!    Afghan territory (the "no use of territory" obligation). Under review,
//!    Afghanistan's reply window counts down from now (the party's inbox).

use super::users::name_of;
use anyhow::{Context as _, bail};
use chrono::{DateTime, Duration, Utc};
use truce_domain::agreement::{Agreement, Severity};
use truce_domain::codes::Code;
use truce_domain::report::ReportInput;
use truce_domain::state::Command;
use truce_domain::verification::case::VerificationCommand as V;
use truce_domain::verification::determination::{DeterminationInput, Verdict, VerifiedDeaths};
use truce_store::evidence::BlobStore;
use truce_store::{Engine, Outcome, Submission};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("the scenario's times are RFC 3339")
        .with_timezone(&Utc)
}

fn code(text: &str) -> Code {
    Code::parse(text).expect("the scenario's codes are valid")
}

/// One step of the story: who does what, when (`None`: now, after the rest).
struct Step {
    at: Option<DateTime<Utc>>,
    by: &'static str,
    command: Command,
    /// For a report: the incident it must open or join.
    incident: Option<u64>,
}

/// Builds the story's steps, then runs them on `engine` in the order of
/// their times, so the log reads as a chronicle.
pub struct Scenario<'a> {
    engine: &'a mut Engine,
    agreement: &'a Agreement,
    evidence: BlobStore,
    steps: Vec<Step>,
}

impl<'a> Scenario<'a> {
    pub fn new(engine: &'a mut Engine, agreement: &'a Agreement, evidence: BlobStore) -> Scenario<'a> {
        Scenario {
            engine,
            agreement,
            evidence,
            steps: Vec::new(),
        }
    }

    fn step(&mut self, by: &'static str, at: Option<DateTime<Utc>>, command: Command, incident: Option<u64>) {
        self.steps.push(Step {
            at,
            by,
            command,
            incident,
        });
    }

    fn verify(&mut self, role: &str, affiliation: Option<&str>, when: DateTime<Utc>, command: V) -> anyhow::Result<()> {
        self.step(name_of(role, affiliation), Some(when), Command::Verify(command), None);
        Ok(())
    }

    /// Files a report, which must open or join `incident`.
    fn report(
        &mut self,
        by: &'static str,
        when: Option<DateTime<Utc>>,
        incident: u64,
        input: serde_json::Value,
    ) -> anyhow::Result<()> {
        let input: ReportInput = serde_json::from_value(input).context("a scenario report")?;
        let report = input.parse().map_err(|e| anyhow::anyhow!("a scenario report: {e:?}"))?;
        let command = crate::geography::file_report(report, Some(self.agreement), None, true);
        self.step(by, when, command, Some(incident));
        Ok(())
    }

    /// Files the reports of one story, which make incident `incident`.
    fn incident(
        &mut self,
        incident: u64,
        reports: Vec<(&'static str, DateTime<Utc>, serde_json::Value)>,
    ) -> anyhow::Result<u64> {
        for (by, when, input) in reports {
            self.report(by, Some(when), incident, input)?;
        }
        Ok(incident)
    }

    /// Stores an evidence file and registers it, with its collection in the chain of custody.
    fn evidence(&mut self, when: DateTime<Utc>, bytes: &[u8], media_type: &str) -> anyhow::Result<String> {
        let blob = self.evidence.put(bytes)?;
        let monitor = name_of("monitor", Some("MVM"));
        let register = Command::RegisterEvidence {
            sha256: blob.sha256.clone(),
            media_type: media_type.into(),
            size: blob.size,
            collected_by: "MVM field team 2".into(),
            source_url: None,
            report_id: None,
        };
        self.step(monitor, Some(when), register, None);
        let custody = Command::RecordCustody {
            sha256: blob.sha256.clone(),
            action: truce_domain::event::CustodyAction::Collected,
            by: "MVM field team 2".into(),
            to: None,
            note: "Collected at the site".into(),
        };
        self.step(monitor, Some(when), custody, None);
        Ok(blob.sha256)
    }

    pub fn run(mut self) -> anyhow::Result<()> {
        self.kabul_blasts()?;
        self.border_clash()?;
        self.paktika_airstrikes()?;
        self.todays_allegation()?;
        // In time order (steps without a time, today's, last); a refusal stops the demo, loudly.
        let mut steps = std::mem::take(&mut self.steps);
        steps.sort_by_key(|step| (step.at.is_none(), step.at));
        for step in steps {
            let mut submission = Submission::new(step.by, step.command).acting(super::users::public_label_of(step.by));
            submission.at = step.at;
            let outcome = self.engine.submit(vec![submission])?.pop().expect("one outcome");
            match (&outcome, step.incident) {
                (Outcome::Refused(reason), _) => bail!("the demo scenario was refused a step: {reason}"),
                (
                    Outcome::Recorded {
                        placement: Some(placement),
                        ..
                    },
                    Some(expected),
                ) if placement.incident() != expected => {
                    bail!(
                        "a scenario report went to incident {}, not {expected}",
                        placement.incident()
                    )
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn kabul_blasts(&mut self) -> anyhow::Result<()> {
        let monitor = name_of("monitor", Some("MVM"));
        let afg = name_of("party", Some("AFG"));
        let pak = name_of("party", Some("PAK"));
        let location =
            serde_json::json!({"latitude": 34.5281, "longitude": 69.1723, "precision": "within25_km", "name": "Kabul"});
        let time = serde_json::json!({"start": "2025-10-09T21:50:00+04:30", "precision": "hour"});
        let incident = self.incident(1, vec![
            (afg, at("2025-10-09T19:30:00Z"), serde_json::json!({
                "external_id": "AFG-2025-0141", "source": {"type": "party", "name": "AFG", "grading": "C3"},
                "time": time, "location": location, "act": "ACT-AIRSTRIKE",
                "actor1": {"name": "Pakistani drones", "party": "PAK"},
                "narrative": "Two explosions in Kabul; the Islamic Emirate holds Pakistan responsible for a drone strike.",
                "claims": [],
            })),
            (monitor, at("2025-10-09T20:10:00Z"), serde_json::json!({
                "external_id": "tolonews-2025-10-09-kabul", "source": {"type": "media", "name": "TOLOnews", "grading": "B2"},
                "time": time, "location": location,
                "acled_event_type": "Explosions/Remote violence", "acled_sub_event_type": "Air/drone strike",
                "narrative": "Two loud explosions were heard in Kabul late on Thursday; the cause is not yet known.",
                "claims": [],
            })),
            (pak, at("2025-10-10T08:00:00Z"), serde_json::json!({
                "external_id": "PAK-2025-0098", "source": {"type": "party", "name": "PAK", "grading": "C3"},
                "time": time, "location": location,
                "narrative": "Pakistan neither confirms nor denies involvement in the Kabul explosions.",
                "claims": [],
            })),
        ])?;
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-10-10T10:00:00Z"),
            V::StartReview { incident },
        )?;
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-10-10T10:05:00Z"),
            V::RequestReply {
                incident,
                party: code("PAK"),
            },
        )?;
        self.verify("party", Some("PAK"), at("2025-10-11T09:00:00Z"), V::FileReply {
            incident,
            party: code("PAK"),
            text: "Pakistan acts against terrorist groups wherever they are; it does not comment on operational matters.".into(),
            evidence: vec![],
        })?;
        self.verify(
            "mediator",
            Some("QAT"),
            at("2025-10-21T12:00:00Z"),
            V::IssueDetermination {
                incident,
                input: Box::new(DeterminationInput {
                    verdict: Verdict::Unverifiable,
                    responsible_party: None,
                    via_non_state_group: false,
                    provisions: vec![],
                    severity: None,
                    rationale:
                        "The blasts preceded the ceasefire (in effect from 15 October). No monitor had access to \
                            the sites and no independent source attributes them: the attribution cannot be verified."
                            .into(),
                    evidence: vec![],
                    deaths: VerifiedDeaths::default(),
                }),
            },
        )?;
        self.verify(
            "mediator",
            Some("QAT"),
            at("2025-10-21T12:30:00Z"),
            V::Approve {
                incident,
                mediator: code("QAT"),
            },
        )
    }

    fn border_clash(&mut self) -> anyhow::Result<()> {
        let monitor = name_of("monitor", Some("MVM"));
        let afg = name_of("party", Some("AFG"));
        let pak = name_of("party", Some("PAK"));
        let location = serde_json::json!({"latitude": 33.93, "longitude": 70.09, "precision": "district", "name": "Kurram border posts"});
        let time = serde_json::json!({"start": "2025-10-11T22:00:00+05:00", "end": "2025-10-12T04:00:00+05:00", "precision": "hour"});
        let incident = self.incident(2, vec![
            (afg, at("2025-10-12T06:00:00Z"), serde_json::json!({
                "external_id": "AFG-2025-0144", "source": {"type": "party", "name": "AFG", "grading": "C3"},
                "time": time, "location": location, "act": "ACT-CLASH",
                "actor1": {"name": "Afghan forces", "party": "AFG"}, "actor2": {"name": "Pakistani forces", "party": "PAK"},
                "narrative": "Retaliatory operations against Pakistani posts along the Durand Line.",
                "claims": [{"claimant": "AFG", "claimant_party": "AFG", "stance": "assert", "category": "side_b", "low": 58, "best": 58, "high": 58}],
            })),
            (pak, at("2025-10-12T09:00:00Z"), serde_json::json!({
                "external_id": "PAK-2025-0101", "source": {"type": "party", "name": "PAK", "grading": "B2"},
                "time": time, "location": location, "act": "ACT-CLASH",
                "actor1": {"name": "Afghan forces", "party": "AFG"}, "actor2": {"name": "Pakistani forces", "party": "PAK"},
                "narrative": "Unprovoked attack on border posts repulsed; 23 soldiers embraced martyrdom.",
                "claims": [
                    {"claimant": "PAK", "claimant_party": "PAK", "stance": "assert", "category": "side_b", "low": 23, "best": 23, "high": 23},
                    {"claimant": "PAK", "claimant_party": "PAK", "stance": "assert", "category": "side_a", "low": 200, "best": 200, "high": 200}
                ],
            })),
            (monitor, at("2025-10-12T11:00:00Z"), serde_json::json!({
                "external_id": "dawn-2025-10-12-border", "source": {"type": "media", "name": "Dawn", "grading": "B2"},
                "time": time, "location": location, "act": "ACT-CLASH",
                "narrative": "23 soldiers killed in clashes with Afghan forces along the border, the military says.",
                "claims": [{"claimant": "ISPR (as quoted)", "stance": "assert", "category": "side_b", "low": 23, "best": 23, "high": 23}],
            })),
        ])?;
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-10-13T08:00:00Z"),
            V::StartReview { incident },
        )?;
        self.verify("mediator", Some("TUR"), at("2025-10-20T09:00:00Z"), V::IssueDetermination {
            incident,
            input: Box::new(DeterminationInput {
                verdict: Verdict::NoViolation,
                responsible_party: None,
                via_non_state_group: false,
                provisions: vec![],
                severity: None,
                rationale: "The clash of 11–12 October preceded the first ceasefire window (15 October, 18:00 PKT): it \
                            violates no provision of this agreement. Deaths among Pakistani forces: Pakistan confirms 23, \
                            Afghanistan claims 58; the mechanism's estimate keeps 23 as best, 58 as high."
                    .into(),
                evidence: vec![],
                deaths: VerifiedDeaths { low: 23, best: 23, high: 58, civilians: 0 },
            }),
        })?;
        self.verify(
            "mediator",
            Some("TUR"),
            at("2025-10-20T10:00:00Z"),
            V::Approve {
                incident,
                mediator: code("TUR"),
            },
        )?;
        self.verify(
            "mediator",
            Some("QAT"),
            at("2025-10-20T11:00:00Z"),
            V::Approve {
                incident,
                mediator: code("QAT"),
            },
        )
    }

    fn paktika_airstrikes(&mut self) -> anyhow::Result<()> {
        let afg = name_of("party", Some("AFG"));
        let monitor = name_of("monitor", Some("MVM"));
        let location = serde_json::json!({"latitude": 32.85, "longitude": 69.28, "precision": "within25_km", "name": "Urgun district, Paktika"});
        let time = serde_json::json!({"start": "2025-10-17T22:30:00+04:30", "precision": "hour"});
        let incident = self.incident(3, vec![
            (afg, at("2025-10-18T04:00:00Z"), serde_json::json!({
                "external_id": "AFG-2025-0152", "source": {"type": "party", "name": "AFG", "grading": "B3"},
                "time": time, "location": location, "act": "ACT-AIRSTRIKE",
                "actor1": {"name": "Pakistani air force", "party": "PAK"},
                "narrative": "Pakistani aircraft struck homes in Urgun during the truce; civilians, among them three local cricketers, were killed.",
                "claims": [{"claimant": "AFG", "claimant_party": "AFG", "stance": "assert", "category": "civilians", "low": 10, "best": 10, "high": 17}],
            })),
            (monitor, at("2025-10-18T07:00:00Z"), serde_json::json!({
                "external_id": "tolonews-2025-10-18-paktika", "source": {"type": "media", "name": "TOLOnews", "grading": "B2"},
                "time": time, "location": location, "act": "ACT-AIRSTRIKE",
                "narrative": "Residents say airstrikes on Urgun killed at least ten people, including three cricketers on their way home from a match.",
                "claims": [{"claimant": "local officials", "stance": "assert", "category": "civilians", "low": 10, "best": 10, "high": 10}],
            })),
            (monitor, at("2025-10-18T09:00:00Z"), serde_json::json!({
                "external_id": "reuters-2025-10-18-paktika", "source": {"type": "media", "name": "Reuters", "owner": "Thomson Reuters", "grading": "A2"},
                "time": time, "location": location, "act": "ACT-AIRSTRIKE",
                "narrative": "Afghan officials say Pakistani strikes in Paktika killed civilians; Pakistan says it targeted militant hideouts.",
                "claims": [{"claimant": "Afghan officials (as quoted)", "stance": "assert", "category": "civilians", "low": 8, "best": 10, "high": 10}],
            })),
        ])?;
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-10-18T10:00:00Z"),
            V::StartReview { incident },
        )?;
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-10-18T10:10:00Z"),
            V::AssignTask {
                incident,
                team: code("MVM"),
                due: at("2025-10-20T18:00:00Z"),
                description: "Visit the struck compound in Urgun; document craters, fragments and graves.".into(),
            },
        )?;
        self.report(monitor, Some(at("2025-10-19T15:00:00Z")), incident, serde_json::json!({
                "external_id": "MVM-2025-0007", "source": {"type": "monitor", "name": "MVM field team 2", "grading": "A1"},
                "time": time, "location": location, "act": "ACT-AIRSTRIKE",
                "narrative": "Site visit: three impact craters in a residential compound; fragments consistent with air-delivered munitions; 10 graves.",
                "claims": [{"claimant": "MVM field team 2", "stance": "assert", "category": "civilians", "low": 10, "best": 10, "high": 10}],
            }))?;
        let notes = self.evidence(
            at("2025-10-19T14:00:00Z"),
            b"MVM field team 2, site visit, Urgun, 19 October 2025 (illustrative).\nThree craters, 2-3 m wide, within one residential compound.\nFragments consistent with air-delivered guided munitions.\n10 fresh graves shown by the village elders.\n",
            "text/plain",
        )?;
        self.verify("monitor", Some("MVM"), at("2025-10-19T16:00:00Z"), V::FileFindings {
            incident,
            task: Some(1),
            summary: "The team observed the impact site: three craters and munition fragments in a residential compound; \
                      10 civilian graves. No military objects seen."
                .into(),
            evidence: vec![notes.clone()],
            observed: true,
        })?;
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-10-19T16:30:00Z"),
            V::RequestReply {
                incident,
                party: code("PAK"),
            },
        )?;
        self.verify("party", Some("PAK"), at("2025-10-20T12:00:00Z"), V::FileReply {
            incident,
            party: code("PAK"),
            text: "The strikes targeted hideouts of the Hafiz Gul Bahadur group, which attacked Pakistani forces from \
                   Afghan territory. Pakistan regrets any loss of civilian life."
                .into(),
            evidence: vec![],
        })?;
        self.verify(
            "mediator",
            Some("QAT"),
            at("2025-10-22T09:00:00Z"),
            V::IssueDetermination {
                incident,
                input: Box::new(DeterminationInput {
                    verdict: Verdict::ViolationConfirmed,
                    responsible_party: Some("PAK".into()),
                    via_non_state_group: false,
                    provisions: vec!["ACT-AIRSTRIKE".into(), "OBL-CEASE".into()],
                    severity: Some(Severity::Grave),
                    rationale:
                        "Airstrikes on Afghan territory during the truce's extension, observed by the monitors and \
                            reported by two independent outlets. Pakistan's reply does not dispute the strikes; no \
                            military objective was found at the site. Ten civilians were killed."
                            .into(),
                    evidence: vec![notes],
                    deaths: VerifiedDeaths {
                        low: 10,
                        best: 10,
                        high: 10,
                        civilians: 10,
                    },
                }),
            },
        )?;
        self.verify(
            "mediator",
            Some("QAT"),
            at("2025-10-22T10:00:00Z"),
            V::Approve {
                incident,
                mediator: code("QAT"),
            },
        )?;
        self.verify(
            "mediator",
            Some("TUR"),
            at("2025-10-23T08:00:00Z"),
            V::Approve {
                incident,
                mediator: code("TUR"),
            },
        )?;
        self.verify(
            "party",
            Some("PAK"),
            at("2025-10-23T15:00:00Z"),
            V::AttachStatement {
                incident,
                party: code("PAK"),
                text: "Pakistan rejects the finding: its operation was directed at terrorists, as its reply set out."
                    .into(),
            },
        )?;
        // The ladder proposed public attribution (penalty 1) and compensation (penalty 2).
        for penalty in [1, 2] {
            for (mediator, hour) in [("QAT", "2025-10-24T09:00:00Z"), ("TUR", "2025-10-24T11:00:00Z")] {
                self.verify(
                    "mediator",
                    Some(mediator),
                    at(hour),
                    V::ApprovePenalty {
                        penalty,
                        mediator: code(mediator),
                    },
                )?;
            }
        }
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-10-25T09:00:00Z"),
            V::RecordCompliance {
                penalty: 1,
                complied: true,
                note: "The attribution was published in the bulletin of 25 October.".into(),
            },
        )?;
        self.verify(
            "monitor",
            Some("MVM"),
            at("2025-11-24T09:00:00Z"),
            V::RecordCompliance {
                penalty: 2,
                complied: false,
                note: "No compensation was paid by the due date.".into(),
            },
        )
    }

    fn todays_allegation(&mut self) -> anyhow::Result<()> {
        let pak = name_of("party", Some("PAK"));
        let yesterday = Utc::now() - Duration::hours(20);
        let incident = 4;
        self.report(
            pak,
            None,
            incident,
            serde_json::json!({
                "external_id": "PAK-DEMO-LIVE-1", "source": {"type": "party", "name": "PAK", "grading": "C3"},
                "time": {"start": yesterday.to_rfc3339(), "precision": "hour"},
                "location": {"latitude": 33.62, "longitude": 69.95, "precision": "within25_km", "name": "Border post near Parachinar"},
                "act": "ACT-IED",
                "actor1": {"name": "Fighters operating from Afghan territory", "party": "AFG"},
                "narrative": "(Illustrative) An improvised explosive device struck a border post; the attackers withdrew across the border.",
                "claims": [{"claimant": "PAK", "claimant_party": "PAK", "stance": "assert", "category": "side_b", "low": 2, "best": 2, "high": 2}],
            }),
        )?;
        let monitor = name_of("monitor", Some("MVM"));
        for command in [
            V::StartReview { incident },
            V::RequestReply {
                incident,
                party: code("AFG"),
            },
        ] {
            self.step(monitor, None, Command::Verify(command), None);
        }
        Ok(())
    }
}
