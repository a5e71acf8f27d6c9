//! From the agreement as written to the agreement as trusted: every check,
//! each failure recorded with its path and line, all reported together.

use super::raw::*;
use super::*;
use chrono::{NaiveDateTime, TimeZone};
use std::collections::HashSet;
use std::ops::Range;

struct Checker<'a> {
    text: &'a str,
    errors: Vec<AgreementError>,
}

impl Checker<'_> {
    fn error(&mut self, path: &str, span: Range<usize>, message: impl Into<String>) {
        let line = line_of(self.text, span.start);
        self.errors.push(AgreementError {
            path: path.to_string(),
            line,
            message: message.into(),
        });
    }

    fn code(&mut self, path: &str, value: &S<String>) -> Option<Code> {
        Code::parse(value.get_ref())
            .map_err(|e| self.error(path, value.span(), e.to_string()))
            .ok()
    }

    fn text(&mut self, path: &str, value: &S<String>) -> Option<String> {
        let text = value.get_ref().trim();
        if text.is_empty() {
            self.error(path, value.span(), "must not be empty");
            return None;
        }
        Some(text.to_string())
    }

    fn count(&mut self, path: &str, value: &S<i64>, min: i64, max: i64) -> Option<u32> {
        let number = *value.get_ref();
        if number < min || number > max {
            self.error(path, value.span(), format!("must be from {min} to {max}, not {number}"));
            return None;
        }
        Some(number as u32)
    }

    fn time_zone(&mut self, path: &str, value: &S<String>) -> Option<chrono_tz::Tz> {
        value
            .get_ref()
            .parse()
            .map_err(|_| {
                self.error(
                    path,
                    value.span(),
                    format!("{:?} is not an IANA time zone such as Asia/Kabul", value.get_ref()),
                )
            })
            .ok()
    }

    /// A local date and time (`2025-10-15T18:00:00`) in `zone`, as UTC.
    fn local_time(&mut self, path: &str, value: &S<String>, zone: Option<chrono_tz::Tz>) -> Option<DateTime<Utc>> {
        let Ok(naive) = NaiveDateTime::parse_from_str(value.get_ref(), "%Y-%m-%dT%H:%M:%S") else {
            self.error(
                path,
                value.span(),
                format!("{:?} is not a local time such as 2025-10-15T18:00:00", value.get_ref()),
            );
            return None;
        };
        let zone = zone?;
        match zone.from_local_datetime(&naive).earliest() {
            Some(local) => Some(local.with_timezone(&Utc)),
            None => {
                self.error(path, value.span(), format!("{naive} does not exist in {zone}"));
                None
            }
        }
    }

    fn one_of<T: Copy>(&mut self, path: &str, value: &S<String>, choices: &[(&str, T)]) -> Option<T> {
        let found = choices
            .iter()
            .find(|(name, _)| *name == value.get_ref())
            .map(|(_, v)| *v);
        if found.is_none() {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            self.error(
                path,
                value.span(),
                format!("{:?} is not one of {}", value.get_ref(), names.join(", ")),
            );
        }
        found
    }

    /// Checks that `code` is one of `known` (the codes of `what`).
    fn reference(&mut self, path: &str, value: &S<String>, known: &[Code], what: &str) -> Option<Code> {
        let code = self.code(path, value)?;
        if !known.contains(&code) {
            let names: Vec<&str> = known.iter().map(Code::as_str).collect();
            self.error(
                path,
                value.span(),
                format!("{code} is not one of the {what} ({})", names.join(", ")),
            );
            return None;
        }
        Some(code)
    }
}

pub fn validate(raw: RawAgreement, text: &str) -> Result<Agreement, AgreementErrors> {
    let mut check = Checker {
        text,
        errors: Vec::new(),
    };
    let id = check.code("id", &raw.id);
    let title = check.text("title", &raw.title);
    let version = check.count("version", &raw.version, 1, 1_000_000);
    let signed_at = DateTime::parse_from_rfc3339(raw.signed_at.get_ref())
        .map_err(|_| {
            check.error(
                "signed_at",
                raw.signed_at.span(),
                "must be an RFC 3339 time with its offset, such as 2025-10-19T02:00:00+03:00",
            )
        })
        .ok();
    let signed_place = check.text("signed_place", &raw.signed_place);
    let parties = parties(&mut check, &raw.parties);
    let mediators = actors(&mut check, "mediators", &raw.mediators);
    let monitors = actors(&mut check, "monitors", &raw.monitors);
    unique_codes(&mut check, &raw);
    let party_codes: Vec<Code> = parties.iter().map(|party| party.code.clone()).collect();
    let windows = windows(&mut check, &raw.windows);
    let zones = zones(&mut check, &raw.zones);
    let acts = acts(&mut check, &raw.acts);
    let obligations = obligations(&mut check, &raw.obligations, &party_codes);
    let process = process(&mut check, &raw.process, mediators.len());
    let provisions: Vec<Code> = acts
        .iter()
        .map(|a| a.code.clone())
        .chain(obligations.iter().map(|o| o.code.clone()))
        .collect();
    let penalties = penalties(&mut check, &raw.penalties, &provisions, &party_codes);
    let conditions = conditions(&mut check, &raw.conditions, &party_codes);
    let status_rules = status_rules(&mut check, &raw.status_rules);
    let disclosure = disclosure(&mut check, &raw.disclosure);
    let signers: Vec<Code> = parties
        .iter()
        .map(|p| p.code.clone())
        .chain(mediators.iter().map(|m| m.code.clone()))
        .collect();
    let witnesses = witnesses(&mut check, &raw.witnesses, &signers);
    if parties.len() < 2 && check.errors.is_empty() {
        check.error("parties", 0..0, "an agreement needs at least two parties");
    }
    if mediators.is_empty() && check.errors.is_empty() {
        check.error("mediators", 0..0, "an agreement needs at least one mediator");
    }
    if raw.windows.is_empty() {
        check.error("windows", 0..0, "an agreement needs at least one effective window");
    }
    match (id, title, version, signed_at, signed_place, process) {
        (Some(id), Some(title), Some(version), Some(signed_at), Some(signed_place), Some(process))
            if check.errors.is_empty() =>
        {
            Ok(Agreement {
                id,
                title,
                version,
                signed_at,
                signed_place,
                parties,
                mediators,
                monitors,
                windows,
                zones,
                acts,
                obligations,
                process,
                penalties,
                conditions,
                status_rules,
                disclosure,
                witnesses,
            })
        }
        _ => {
            let mut errors = check.errors;
            errors.sort_by_key(|error| error.line);
            Err(AgreementErrors(errors))
        }
    }
}

fn parties(check: &mut Checker, raw: &[RawParty]) -> Vec<Party> {
    let mut parties = Vec::new();
    for (i, party) in raw.iter().enumerate() {
        let path = |field: &str| format!("parties[{i}].{field}");
        let code = check.code(&path("code"), &party.code);
        let name = check.text(&path("name"), &party.name);
        let iso = party.country_iso.get_ref();
        if iso.len() != 3 || !iso.bytes().all(|b| b.is_ascii_digit()) {
            check.error(
                &path("country_iso"),
                party.country_iso.span(),
                format!("{iso:?} is not an ISO 3166-1 numeric code such as \"004\""),
            );
        }
        let time_zone = check.time_zone(&path("time_zone"), &party.time_zone);
        if let (Some(code), Some(name), Some(time_zone)) = (code, name, time_zone) {
            parties.push(Party {
                code,
                name,
                country_iso: iso.clone(),
                time_zone,
            });
        }
    }
    parties
}

fn actors(check: &mut Checker, list: &str, raw: &[RawActor]) -> Vec<Actor> {
    let mut actors = Vec::new();
    for (i, actor) in raw.iter().enumerate() {
        let code = check.code(&format!("{list}[{i}].code"), &actor.code);
        let name = check.text(&format!("{list}[{i}].name"), &actor.name);
        if let (Some(code), Some(name)) = (code, name) {
            actors.push(Actor { code, name });
        }
    }
    actors
}

/// Parties, mediators and monitors share one namespace of codes.
fn unique_codes(check: &mut Checker, raw: &RawAgreement) {
    let mut seen = HashSet::new();
    let all = raw
        .parties
        .iter()
        .map(|p| ("parties", &p.code))
        .chain(raw.mediators.iter().map(|m| ("mediators", &m.code)))
        .chain(raw.monitors.iter().map(|m| ("monitors", &m.code)));
    for (list, code) in all {
        if !seen.insert(code.get_ref().clone()) {
            check.error(list, code.span(), format!("the code {} is used twice", code.get_ref()));
        }
    }
}

fn windows(check: &mut Checker, raw: &[RawWindow]) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    for (i, window) in raw.iter().enumerate() {
        let path = |field: &str| format!("windows[{i}].{field}");
        let code = check.code(&path("code"), &window.code);
        let time_zone = check.time_zone(&path("time_zone"), &window.time_zone);
        let starts = check.local_time(&path("starts"), &window.starts, time_zone);
        let ends = window
            .ends
            .as_ref()
            .map(|ends| check.local_time(&path("ends"), ends, time_zone));
        if let (Some(starts), Some(Some(ends)), Some(raw_ends)) = (starts, ends, &window.ends)
            && ends <= starts
        {
            check.error(&path("ends"), raw_ends.span(), "the window must end after it starts");
        }
        let extends = window.extends.as_ref().and_then(|extends| {
            let known: Vec<Code> = windows.iter().map(|w| w.code.clone()).collect();
            let code = check.reference(&path("extends"), extends, &known, "earlier windows")?;
            let extended = windows.iter().find(|w| w.code == code)?;
            if let (Some(previous_end), Some(starts)) = (extended.ends, starts)
                && starts > previous_end
            {
                check.error(
                    &path("starts"),
                    window.starts.span(),
                    format!("an extension must start by the end of {code}, leaving no gap"),
                );
            }
            Some(code)
        });
        if let (Some(code), Some(starts), Some(time_zone)) = (code, starts, time_zone) {
            windows.push(Window {
                code,
                starts,
                ends: ends.flatten(),
                time_zone,
                extends,
            });
        }
    }
    windows
}

fn zones(check: &mut Checker, raw: &[RawZone]) -> Vec<Zone> {
    let mut zones = Vec::new();
    for (i, zone) in raw.iter().enumerate() {
        let path = |field: &str| format!("zones[{i}].{field}");
        let code = check.code(&path("code"), &zone.code);
        let name = check.text(&path("name"), &zone.name);
        let shape = match zone.kind.get_ref().as_str() {
            "border_buffer" => match &zone.distance_km {
                Some(distance) if *distance.get_ref() > 0.0 && *distance.get_ref() <= 500.0 => {
                    Some(ZoneShape::BorderBuffer {
                        distance_km: *distance.get_ref(),
                    })
                }
                Some(distance) => {
                    check.error(
                        &path("distance_km"),
                        distance.span(),
                        "must be more than 0 and at most 500 km",
                    );
                    None
                }
                None => {
                    check.error(
                        &path("distance_km"),
                        zone.kind.span(),
                        "a border_buffer zone needs distance_km",
                    );
                    None
                }
            },
            "polygon" => match &zone.geojson {
                Some(geojson) => parse_polygons(geojson.get_ref())
                    .map_err(|why| check.error(&path("geojson"), geojson.span(), why))
                    .ok()
                    .map(|rings| ZoneShape::Polygons { rings }),
                None => {
                    check.error(&path("geojson"), zone.kind.span(), "a polygon zone needs geojson");
                    None
                }
            },
            other => {
                check.error(
                    &path("kind"),
                    zone.kind.span(),
                    format!("{other:?} is not one of border_buffer, polygon"),
                );
                None
            }
        };
        if let (Some(code), Some(name), Some(shape)) = (code, name, shape) {
            zones.push(Zone { code, name, shape });
        }
    }
    zones
}

/// A GeoJSON Polygon or MultiPolygon geometry, as rings of (lon, lat).
fn parse_polygons(text: &str) -> Result<Vec<Polygon>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let coordinates = &value["coordinates"];
    let polygons: Vec<&serde_json::Value> = match value["type"].as_str() {
        Some("Polygon") => vec![coordinates],
        Some("MultiPolygon") => coordinates.as_array().map(|a| a.iter().collect()).unwrap_or_default(),
        _ => return Err("must be a GeoJSON Polygon or MultiPolygon geometry".into()),
    };
    let mut out = Vec::new();
    for polygon in polygons {
        let rings = polygon.as_array().ok_or("a polygon must be an array of rings")?;
        let mut parsed_rings = Vec::new();
        for ring in rings {
            let points = ring.as_array().ok_or("a ring must be an array of positions")?;
            let mut parsed = Vec::new();
            for point in points {
                let (Some(lon), Some(lat)) = (point[0].as_f64(), point[1].as_f64()) else {
                    return Err("a position must be [longitude, latitude]".into());
                };
                if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                    return Err(format!("the position [{lon}, {lat}] is out of range"));
                }
                parsed.push((lon, lat));
            }
            if parsed.len() < 4 || parsed.first() != parsed.last() {
                return Err("a ring needs at least four positions and must end where it starts".into());
            }
            parsed_rings.push(parsed);
        }
        if parsed_rings.is_empty() {
            return Err("a polygon needs at least one ring".into());
        }
        out.push(parsed_rings);
    }
    if out.is_empty() {
        return Err("the geometry has no polygon".into());
    }
    Ok(out)
}

fn acts(check: &mut Checker, raw: &[RawAct]) -> Vec<ProhibitedAct> {
    let mut acts = Vec::new();
    let mut seen = HashSet::new();
    for (i, act) in raw.iter().enumerate() {
        let path = |field: &str| format!("acts[{i}].{field}");
        let code = check.code(&path("code"), &act.code);
        if let Some(code) = &code
            && !seen.insert(code.clone())
        {
            check.error(
                &path("code"),
                act.code.span(),
                format!("the act {code} is defined twice"),
            );
        }
        let description = check.text(&path("description"), &act.description);
        let event_type = act.acled_event_type.get_ref();
        let subtypes = ACLED_EVENT_TYPES
            .iter()
            .find(|(name, _)| name == event_type)
            .map(|(_, subs)| *subs);
        if subtypes.is_none() {
            let names: Vec<&str> = ACLED_EVENT_TYPES.iter().map(|(name, _)| *name).collect();
            check.error(
                &path("acled_event_type"),
                act.acled_event_type.span(),
                format!("{event_type:?} is not an ACLED event type ({})", names.join(", ")),
            );
        }
        if let (Some(subtypes), Some(sub)) = (subtypes, &act.acled_sub_event_type)
            && !subtypes.contains(&sub.get_ref().as_str())
        {
            check.error(
                &path("acled_sub_event_type"),
                sub.span(),
                format!(
                    "{:?} is not an ACLED sub-event type of {event_type} ({})",
                    sub.get_ref(),
                    subtypes.join(", ")
                ),
            );
        }
        if let (Some(code), Some(description), Some(_)) = (code, description, subtypes) {
            acts.push(ProhibitedAct {
                code,
                description,
                acled_event_type: event_type.clone(),
                acled_sub_event_type: act.acled_sub_event_type.as_ref().map(|s| s.get_ref().clone()),
                monitor_observation_required: act.monitor_observation_required,
            });
        }
    }
    acts
}

fn obligations(check: &mut Checker, raw: &[RawObligation], parties: &[Code]) -> Vec<Obligation> {
    let mut obligations = Vec::new();
    for (i, obligation) in raw.iter().enumerate() {
        let path = |field: &str| format!("obligations[{i}].{field}");
        let code = check.code(&path("code"), &obligation.code);
        let description = check.text(&path("description"), &obligation.description);
        let kinds = [
            ("cease_hostilities", ObligationKind::CeaseHostilities),
            ("no_use_of_territory", ObligationKind::NoUseOfTerritory),
            ("other", ObligationKind::Other),
        ];
        let kind = check.one_of(&path("kind"), &obligation.kind, &kinds);
        let mut bound = Vec::new();
        for (j, party) in obligation.parties.get_ref().iter().enumerate() {
            if let Some(code) = check.reference(&format!("obligations[{i}].parties[{j}]"), party, parties, "parties") {
                bound.push(code);
            }
        }
        if bound.is_empty() && obligation.parties.get_ref().is_empty() {
            check.error(
                &path("parties"),
                obligation.parties.span(),
                "an obligation binds at least one party",
            );
        }
        if let (Some(code), Some(description), Some(kind)) = (code, description, kind) {
            obligations.push(Obligation {
                code,
                description,
                kind,
                parties: bound,
            });
        }
    }
    obligations
}

fn process(check: &mut Checker, raw: &RawProcess, mediators: usize) -> Option<Process> {
    let reply = check.count("process.reply_window_hours", &raw.reply_window_hours, 1, 24 * 365);
    let appeal = check.count("process.appeal_window_hours", &raw.appeal_window_hours, 1, 24 * 365);
    let approvals = check.count(
        "process.approvals_required",
        &raw.approvals_required,
        1,
        mediators.max(1) as i64,
    );
    let sources = check.count("process.independent_sources_min", &raw.independent_sources_min, 1, 20);
    let optional_days = |check: &mut Checker, field: &str, value: &Option<S<i64>>, default: u32| match value {
        Some(value) => check.count(&format!("process.{field}"), value, 1, 3650),
        None => Some(default),
    };
    let clean = optional_days(check, "clean_period_days", &raw.clean_period_days, 180);
    let compliance = optional_days(check, "compliance_days", &raw.compliance_days, 30);
    Some(Process {
        reply_window_hours: reply?,
        appeal_window_hours: appeal?,
        approvals_required: approvals?,
        independent_sources_min: sources?,
        clean_period_days: clean?,
        compliance_days: compliance?,
    })
}

fn penalties(check: &mut Checker, raw: &[RawPenalty], provisions: &[Code], parties: &[Code]) -> Vec<PenaltyStep> {
    let kinds = [
        ("formal_warning", PenaltyKind::FormalWarning),
        ("public_attribution", PenaltyKind::PublicAttribution),
        ("suspend_measure", PenaltyKind::SuspendMeasure),
        ("compensation", PenaltyKind::Compensation),
        ("referral", PenaltyKind::Referral),
    ];
    let mut steps: Vec<PenaltyStep> = Vec::new();
    for (i, penalty) in raw.iter().enumerate() {
        let path = |field: &str| format!("penalties[{i}].{field}");
        let step = check.count(&path("step"), &penalty.step, 1, 100);
        if let (Some(step), Some(previous)) = (step, steps.last())
            && step <= previous.step
        {
            check.error(
                &path("step"),
                penalty.step.span(),
                format!("steps must rise: {step} follows {}", previous.step),
            );
        }
        let code = check.code(&path("code"), &penalty.code);
        let kind = check.one_of(&path("kind"), &penalty.kind, &kinds);
        let description = check.text(&path("description"), &penalty.description);
        let min_severity = check.one_of(&path("min_severity"), &penalty.min_severity, &SEVERITIES);
        let min_violations = check.count(&path("min_violations"), &penalty.min_violations, 1, 1000);
        let within_days = check.count(&path("within_days"), &penalty.within_days, 1, 3650);
        let civilian_deaths_min = penalty
            .civilian_deaths_min
            .as_ref()
            .and_then(|v| check.count(&path("civilian_deaths_min"), v, 0, 1_000_000));
        let duration_days = penalty
            .duration_days
            .as_ref()
            .and_then(|v| check.count(&path("duration_days"), v, 1, 3650));
        let measure = penalty.measure.as_ref().and_then(|v| check.text(&path("measure"), v));
        if kind == Some(PenaltyKind::SuspendMeasure) && (measure.is_none() || duration_days.is_none()) {
            check.error(
                &path("kind"),
                penalty.kind.span(),
                "suspend_measure needs measure and duration_days",
            );
        }
        let compensation = penalty.compensation_per_victim.as_ref().map(|v| *v.get_ref());
        let acts: Vec<Code> = penalty
            .acts
            .iter()
            .enumerate()
            .filter_map(|(j, act)| {
                check.reference(&path(&format!("acts[{j}]")), act, provisions, "acts and obligations")
            })
            .collect();
        let only_parties: Vec<Code> = penalty
            .parties
            .iter()
            .enumerate()
            .filter_map(|(j, party)| check.reference(&path(&format!("parties[{j}]")), party, parties, "parties"))
            .collect();
        if let (Some(PenaltyKind::Compensation), None | Some(..=0.0)) = (kind, compensation) {
            check.error(
                &path("compensation_per_victim"),
                penalty.kind.span(),
                "compensation needs a positive compensation_per_victim",
            );
        }
        if let (
            Some(step),
            Some(code),
            Some(kind),
            Some(description),
            Some(min_severity),
            Some(min_violations),
            Some(within_days),
        ) = (step, code, kind, description, min_severity, min_violations, within_days)
        {
            steps.push(PenaltyStep {
                step,
                code,
                kind,
                description,
                min_severity,
                min_violations,
                within_days,
                civilian_deaths_min,
                measure,
                duration_days,
                compensation_per_victim: compensation,
                acts,
                parties: only_parties,
            });
        }
    }
    steps
}

fn conditions(check: &mut Checker, raw: &[RawCondition], parties: &[Code]) -> Vec<Condition> {
    let mut conditions = Vec::new();
    for (i, condition) in raw.iter().enumerate() {
        let path = |field: &str| format!("conditions[{i}].{field}");
        let party = check.reference(&path("party"), &condition.party, parties, "parties");
        let from = check.reference(&path("from"), &condition.from, parties, "parties");
        let kind = check.one_of(
            &path("kind"),
            &condition.kind,
            &[("no_attacks_from", ConditionKind::NoAttacksFrom)],
        );
        let description = check.text(&path("description"), &condition.description);
        let within_days = check.count(&path("within_days"), &condition.within_days, 1, 3650);
        if party.is_some() && party == from {
            check.error(
                &path("from"),
                condition.from.span(),
                "a party's condition names the other party",
            );
        }
        if let (Some(party), Some(from), Some(kind), Some(description), Some(within_days)) =
            (party, from, kind, description, within_days)
        {
            conditions.push(Condition {
                party,
                kind,
                from,
                description,
                within_days,
            });
        }
    }
    conditions
}

const SEVERITIES: [(&str, Severity); 3] = [
    ("minor", Severity::Minor),
    ("serious", Severity::Serious),
    ("grave", Severity::Grave),
];

fn status_rules(check: &mut Checker, raw: &[RawStatusRule]) -> Vec<StatusRule> {
    let statuses = [
        ("strained", CeasefireStatus::Strained),
        ("breached", CeasefireStatus::Breached),
        ("collapsed", CeasefireStatus::Collapsed),
    ];
    let mut rules = Vec::new();
    for (i, rule) in raw.iter().enumerate() {
        let path = |field: &str| format!("status_rules[{i}].{field}");
        let status = check.one_of(&path("status"), &rule.status, &statuses);
        let min_severity = check.one_of(&path("min_severity"), &rule.min_severity, &SEVERITIES);
        let min_violations = check.count(&path("min_violations"), &rule.min_violations, 1, 1000);
        let within_days = check.count(&path("within_days"), &rule.within_days, 1, 3650);
        if let (Some(status), Some(min_severity), Some(min_violations), Some(within_days)) =
            (status, min_severity, min_violations, within_days)
        {
            rules.push(StatusRule {
                status,
                min_severity,
                min_violations,
                within_days,
            });
        }
    }
    rules
}

/// The `[[witnesses]]`: each a party's or mediator's (at most one each),
/// with a cosigner key (type 0x04) and an http(s) submission prefix.
fn witnesses(check: &mut Checker, raw: &[super::raw::RawWitness], signers: &[Code]) -> Vec<super::Witness> {
    let mut witnesses: Vec<super::Witness> = Vec::new();
    for (i, witness) in raw.iter().enumerate() {
        let path = |field: &str| format!("witnesses[{i}].{field}");
        let name = check.code(&path("name"), &witness.name);
        if let Some(name) = &name {
            if !signers.contains(name) {
                check.error(
                    &path("name"),
                    witness.name.span(),
                    format!("{name} is not a party or mediator of the agreement"),
                );
            } else if witnesses.iter().any(|w| &w.name == name) {
                check.error(
                    &path("name"),
                    witness.name.span(),
                    format!("{name} has a witness already"),
                );
            }
        }
        let vkey = match witness.vkey.get_ref().trim().parse::<truce_log::VerifierKey>() {
            Ok(key) if key.key_type() == truce_log::note::COSIGNATURE_V1_KEY_TYPE => Some(key),
            Ok(_) => {
                check.error(
                    &path("vkey"),
                    witness.vkey.span(),
                    "not a cosignature/v1 key (type 0x04)",
                );
                None
            }
            Err(error) => {
                check.error(&path("vkey"), witness.vkey.span(), error.to_string());
                None
            }
        };
        let url = witness.url.get_ref().trim().trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            check.error(&path("url"), witness.url.span(), "must be an http:// or https:// URL");
            continue;
        }
        if let (Some(name), Some(vkey)) = (name, vkey) {
            witnesses.push(super::Witness { name, vkey, url });
        }
    }
    witnesses
}

/// The `[disclosure]` section: each named group's moment; the others keep their defaults.
fn disclosure(
    check: &mut Checker,
    raw: &std::collections::BTreeMap<String, S<String>>,
) -> crate::disclosure::Disclosure {
    use crate::disclosure::{Disclosure, Group, When};
    let mut disclosure = Disclosure::default();
    for (name, when) in raw {
        let path = format!("disclosure.{name}");
        let Some(group) = Group::parse(name) else {
            let names: Vec<&str> = Group::ALL.iter().map(|g| g.as_str()).collect();
            check.error(
                &path,
                when.span(),
                format!("{name:?} is not a group of fields: one of {}", names.join(", ")),
            );
            continue;
        };
        if let Some(when) = check.one_of(&path, when, &When::CHOICES) {
            disclosure = disclosure.with(group, when);
        }
    }
    disclosure
}
