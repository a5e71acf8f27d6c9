//! Reports and claims: one submission from one source, and the assertions
//! it carries. Input arrives as [`ReportInput`] (JSON, field names after
//! ACLED and UCDP GED where they exist) and becomes a [`Report`] only if
//! every field is valid; each error names its field. Oddities real data has
//! (low > best) are kept as warnings, not refused.

use crate::codes::Code;
use chrono::{DateTime, Datelike, FixedOffset};
use serde::{Deserialize, Serialize};

/// Latitude in degrees, -90 to 90.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64")]
pub struct Latitude(f64);

/// Longitude in degrees, -180 to 180.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64")]
pub struct Longitude(f64);

impl TryFrom<f64> for Latitude {
    type Error = String;
    fn try_from(degrees: f64) -> Result<Latitude, String> {
        Latitude::new(degrees).ok_or_else(|| format!("{degrees} is not a latitude from -90 to 90"))
    }
}

impl TryFrom<f64> for Longitude {
    type Error = String;
    fn try_from(degrees: f64) -> Result<Longitude, String> {
        Longitude::new(degrees).ok_or_else(|| format!("{degrees} is not a longitude from -180 to 180"))
    }
}

impl Latitude {
    pub fn new(degrees: f64) -> Option<Latitude> {
        (degrees.is_finite() && (-90.0..=90.0).contains(&degrees)).then_some(Latitude(degrees))
    }
    pub fn degrees(self) -> f64 {
        self.0
    }
}

impl Longitude {
    pub fn new(degrees: f64) -> Option<Longitude> {
        (degrees.is_finite() && (-180.0..=180.0).contains(&degrees)).then_some(Longitude(degrees))
    }
    pub fn degrees(self) -> f64 {
        self.0
    }
}

/// How precisely a place is known (UCDP GED `where_prec` 1 to 7).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationPrecision {
    Exact,
    Within25Km,
    District,
    Province,
    LinearFeature,
    Country,
    InternationalWaters,
}

impl LocationPrecision {
    pub fn from_ucdp(where_prec: i64) -> Option<LocationPrecision> {
        use LocationPrecision::*;
        [
            Exact,
            Within25Km,
            District,
            Province,
            LinearFeature,
            Country,
            InternationalWaters,
        ]
        .get(usize::try_from(where_prec).ok()?.checked_sub(1)?)
        .copied()
    }

    pub fn ucdp_code(self) -> u8 {
        self as u8 + 1
    }

    /// How far the true place may lie from the given point.
    pub fn radius_km(self) -> f64 {
        match self {
            LocationPrecision::Exact => 2.0,
            LocationPrecision::Within25Km => 25.0,
            LocationPrecision::District => 50.0,
            LocationPrecision::Province => 150.0,
            LocationPrecision::LinearFeature => 100.0,
            LocationPrecision::Country | LocationPrecision::InternationalWaters => 500.0,
        }
    }
}

/// How precisely a time is known (UCDP GED `date_prec` 1 to 5, plus the hour).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePrecision {
    Hour,
    Day,
    Days,
    Week,
    Month,
    Year,
}

impl TimePrecision {
    pub fn from_ucdp(date_prec: i64) -> Option<TimePrecision> {
        use TimePrecision::*;
        [Day, Days, Week, Month, Year]
            .get(usize::try_from(date_prec).ok()?.checked_sub(1)?)
            .copied()
    }

    pub fn ucdp_code(self) -> u8 {
        match self {
            TimePrecision::Hour | TimePrecision::Day => 1,
            TimePrecision::Days => 2,
            TimePrecision::Week => 3,
            TimePrecision::Month => 4,
            TimePrecision::Year => 5,
        }
    }

    /// How far the true time may lie outside the given span, in hours.
    pub fn slack_hours(self) -> i64 {
        match self {
            TimePrecision::Hour => 1,
            TimePrecision::Day => 12,
            TimePrecision::Days => 72,
            TimePrecision::Week => 84,
            TimePrecision::Month => 15 * 24,
            TimePrecision::Year => 183 * 24,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    /// A party to the agreement: an interested source.
    Party,
    Monitor,
    Media,
    Sensor,
    Public,
}

/// Admiralty grading: source reliability A (reliable) to F (cannot be judged),
/// information credibility 1 (confirmed) to 6 (cannot be judged). Written "B2".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Grading {
    pub reliability: char,
    pub credibility: u8,
}

impl TryFrom<String> for Grading {
    type Error = String;
    fn try_from(text: String) -> Result<Grading, String> {
        Grading::parse(&text).ok_or_else(|| format!("{text:?} is not an Admiralty grade A1 to F6"))
    }
}

impl From<Grading> for String {
    fn from(grading: Grading) -> String {
        format!("{}{}", grading.reliability, grading.credibility)
    }
}

impl Grading {
    pub fn parse(text: &str) -> Option<Grading> {
        let mut chars = text.chars();
        let (Some(reliability), Some(credibility), None) = (chars.next(), chars.next(), chars.next()) else {
            return None;
        };
        let credibility = credibility.to_digit(10)? as u8;
        (('A'..='F').contains(&reliability) && (1..=6).contains(&credibility)).then_some(Grading {
            reliability,
            credibility,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: Latitude,
    pub longitude: Longitude,
    pub precision: LocationPrecision,
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventTime {
    /// As given, with the offset it was given in.
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub precision: TimePrecision,
}

/// An actor of an event; `party` when it is (or acts for) a party to the agreement.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub party: Option<Code>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    Assert,
    Deny,
    Dispute,
}

impl LocationPrecision {
    /// The name used in JSON and in the projections.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationPrecision::Exact => "exact",
            LocationPrecision::Within25Km => "within25_km",
            LocationPrecision::District => "district",
            LocationPrecision::Province => "province",
            LocationPrecision::LinearFeature => "linear_feature",
            LocationPrecision::Country => "country",
            LocationPrecision::InternationalWaters => "international_waters",
        }
    }
}

impl TimePrecision {
    /// The name used in JSON and in the projections.
    pub fn as_str(self) -> &'static str {
        match self {
            TimePrecision::Hour => "hour",
            TimePrecision::Day => "day",
            TimePrecision::Days => "days",
            TimePrecision::Week => "week",
            TimePrecision::Month => "month",
            TimePrecision::Year => "year",
        }
    }
}

impl Stance {
    /// The name used in JSON and in the projections.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Assert => "assert",
            Stance::Deny => "deny",
            Stance::Dispute => "dispute",
        }
    }
}

impl SourceType {
    /// The name used in JSON and in the projections.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceType::Party => "party",
            SourceType::Monitor => "monitor",
            SourceType::Media => "media",
            SourceType::Sensor => "sensor",
            SourceType::Public => "public",
        }
    }
}

impl DeathCategory {
    /// The name used in JSON and in the projections.
    pub fn as_str(self) -> &'static str {
        match self {
            DeathCategory::SideA => "side_a",
            DeathCategory::SideB => "side_b",
            DeathCategory::Civilians => "civilians",
            DeathCategory::Unknown => "unknown",
            DeathCategory::Total => "total",
        }
    }
}

/// Who died, as UCDP GED counts them, or all deaths without a breakdown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeathCategory {
    SideA,
    SideB,
    Civilians,
    Unknown,
    /// All deaths, when a source gives a total (UCDP's low, best and high).
    Total,
}

/// A casualty figure: low, best and high. Low ≤ best ≤ high is expected but
/// not required (real data breaks it); see [`Report::warnings`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub low: u32,
    pub best: u32,
    pub high: u32,
}

/// One assertion by one claimant: "58 soldiers killed", asserted by AFG.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub claimant: String,
    /// The claimant's party, when it is one (an interested claim).
    pub claimant_party: Option<Code>,
    pub stance: Stance,
    pub category: DeathCategory,
    pub deaths: Figure,
}

/// Where a report came from, as the public may see it; the submitter's
/// identity is sealed apart (see [`crate::sealed`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub source_type: SourceType,
    /// The outlet, team or party that reported ("Dawn", "Team 3", "PAK").
    pub name: String,
    /// Who owns the outlet: two outlets of one owner are one source.
    pub owner: Option<String>,
    pub channel: String,
    pub grading: Grading,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The source's own identifier, which makes a second import of the same report a no-op.
    pub external_id: String,
    pub source: Source,
    pub time: EventTime,
    pub location: Location,
    pub actor1: Option<ActorRef>,
    pub actor2: Option<ActorRef>,
    pub act: Option<Code>,
    pub acled_event_type: Option<String>,
    pub acled_sub_event_type: Option<String>,
    pub narrative: String,
    pub language: String,
    pub claims: Vec<Claim>,
}

/// One invalid field of an input, named by its path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The longest name, identifier or label a report may carry, in bytes.
pub const NAME_BYTES_MAX: usize = 300;
/// The longest narrative, in bytes.
pub const NARRATIVE_BYTES_MAX: usize = 20_000;
/// The most claims one report may carry.
pub const CLAIMS_MAX: usize = 50;
/// The most bytes a report's text may take once encoded for the log (JSON
/// escapes included), all fields together: with the event's other fields
/// and fifty claims' numbers, the report still fits one log entry (65,535
/// bytes), so one report can never fail the batch it is written with.
pub const REPORT_TEXT_JSON_BYTES_MAX: usize = 48_000;
/// The years a report's time may name: a typo (0001, 9999) is refused, not filed.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// A report as submitted (JSON). Unknown fields are refused.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub external_id: String,
    pub source: SourceInput,
    pub time: TimeInput,
    pub location: LocationInput,
    #[serde(default)]
    pub actor1: Option<ActorRef>,
    #[serde(default)]
    pub actor2: Option<ActorRef>,
    #[serde(default)]
    pub act: Option<String>,
    #[serde(default)]
    pub acled_event_type: Option<String>,
    #[serde(default)]
    pub acled_sub_event_type: Option<String>,
    #[serde(default)]
    pub narrative: String,
    #[serde(default = "english")]
    pub language: String,
    #[serde(default)]
    pub claims: Vec<ClaimInput>,
    /// Sealed: who submitted it. Never in the public log.
    #[serde(default)]
    pub submitter_identity: Option<String>,
    /// Sealed: a protected source behind the report.
    #[serde(default)]
    pub protected_source: Option<String>,
}

fn english() -> String {
    "en".into()
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    #[serde(rename = "type")]
    pub source_type: SourceType,
    pub name: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default = "web")]
    pub channel: String,
    /// Admiralty grade such as "B2".
    pub grading: String,
}

fn web() -> String {
    "web".into()
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimeInput {
    pub start: String,
    #[serde(default)]
    pub end: Option<String>,
    pub precision: TimePrecision,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub latitude: f64,
    pub longitude: f64,
    pub precision: LocationPrecision,
    #[serde(default)]
    pub name: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    pub claimant: String,
    #[serde(default)]
    pub claimant_party: Option<String>,
    pub stance: Stance,
    pub category: DeathCategory,
    pub low: i64,
    pub best: i64,
    pub high: i64,
}

impl ReportInput {
    /// The input that parses back into `report` (sealed fields are not part of a report).
    pub fn from_report(report: &Report) -> ReportInput {
        ReportInput {
            external_id: report.external_id.clone(),
            source: SourceInput {
                source_type: report.source.source_type,
                name: report.source.name.clone(),
                owner: report.source.owner.clone(),
                channel: report.source.channel.clone(),
                grading: String::from(report.source.grading),
            },
            time: TimeInput {
                start: report.time.start.to_rfc3339(),
                end: Some(report.time.end.to_rfc3339()),
                precision: report.time.precision,
            },
            location: LocationInput {
                latitude: report.location.latitude.degrees(),
                longitude: report.location.longitude.degrees(),
                precision: report.location.precision,
                name: report.location.name.clone(),
            },
            actor1: report.actor1.clone(),
            actor2: report.actor2.clone(),
            act: report.act.as_ref().map(ToString::to_string),
            acled_event_type: report.acled_event_type.clone(),
            acled_sub_event_type: report.acled_sub_event_type.clone(),
            narrative: report.narrative.clone(),
            language: report.language.clone(),
            claims: report
                .claims
                .iter()
                .map(|claim| ClaimInput {
                    claimant: claim.claimant.clone(),
                    claimant_party: claim.claimant_party.as_ref().map(ToString::to_string),
                    stance: claim.stance,
                    category: claim.category,
                    low: i64::from(claim.deaths.low),
                    best: i64::from(claim.deaths.best),
                    high: i64::from(claim.deaths.high),
                })
                .collect(),
            submitter_identity: None,
            protected_source: None,
        }
    }

    /// Checks every field; returns the report or every error found.
    pub fn parse(&self) -> Result<Report, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |result: Result<(), FieldError>| {
            if let Err(error) = result {
                errors.push(error);
            }
        };
        if self.external_id.trim().is_empty() {
            keep(Err(field_error("external_id", "must not be empty")));
        }
        let lengths = self.lengths();
        for (field, length, max, _) in &lengths {
            if length > max {
                keep(Err(field_error(
                    field,
                    format!("is {length} bytes; at most {max} are allowed"),
                )));
            }
        }
        for (field, text) in self.texts() {
            if let Some(error) = control_character(field, text) {
                keep(Err(error));
            }
        }
        let encoded: usize = lengths.iter().map(|(_, _, _, json)| json).sum();
        if encoded > REPORT_TEXT_JSON_BYTES_MAX
            && let Some((field, _, _, json)) = lengths.iter().max_by_key(|(_, _, _, json)| *json)
        {
            keep(Err(field_error(
                field,
                format!(
                    "the report's text is {encoded} bytes once encoded for the log ({json} of them here); \
                     at most {REPORT_TEXT_JSON_BYTES_MAX} are allowed"
                ),
            )));
        }
        let grading = Grading::parse(&self.source.grading);
        if grading.is_none() {
            keep(Err(field_error(
                "source.grading",
                format!("{:?} is not an Admiralty grade A1 to F6", self.source.grading),
            )));
        }
        if self.source.name.trim().is_empty() {
            keep(Err(field_error("source.name", "must not be empty")));
        }
        let time = self.parse_time().map_err(|e| keep(Err(e))).ok();
        let latitude = Latitude::new(self.location.latitude);
        if latitude.is_none() {
            keep(Err(field_error(
                "location.latitude",
                format!("{} is not from -90 to 90", self.location.latitude),
            )));
        }
        let longitude = Longitude::new(self.location.longitude);
        if longitude.is_none() {
            keep(Err(field_error(
                "location.longitude",
                format!("{} is not from -180 to 180", self.location.longitude),
            )));
        }
        let act = self.act.as_ref().and_then(|act| {
            Code::parse(act)
                .map_err(|e| keep(Err(field_error("act", e.to_string()))))
                .ok()
        });
        let mut claims = Vec::new();
        for (i, claim) in self.claims.iter().enumerate() {
            match claim.parse(i) {
                Ok(claim) => claims.push(claim),
                Err(error) => keep(Err(error)),
            }
        }
        match (grading, time, latitude, longitude) {
            (Some(grading), Some(time), Some(latitude), Some(longitude)) if errors.is_empty() => Ok(Report {
                external_id: self.external_id.trim().to_string(),
                source: Source {
                    source_type: self.source.source_type,
                    name: self.source.name.trim().to_string(),
                    owner: self.source.owner.clone(),
                    channel: self.source.channel.clone(),
                    grading,
                },
                time,
                location: Location {
                    latitude,
                    longitude,
                    precision: self.location.precision,
                    name: self.location.name.clone(),
                },
                actor1: self.actor1.clone(),
                actor2: self.actor2.clone(),
                act,
                acled_event_type: self.acled_event_type.clone(),
                acled_sub_event_type: self.acled_sub_event_type.clone(),
                narrative: self.narrative.clone(),
                language: self.language.clone(),
                claims,
            }),
            _ => Err(errors),
        }
    }

    /// Every text field, by name (each claim's claimant and each actor's name under one name).
    fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut texts = vec![
            ("external_id", self.external_id.as_str()),
            ("source.name", self.source.name.as_str()),
            ("source.channel", self.source.channel.as_str()),
            ("language", self.language.as_str()),
            ("narrative", self.narrative.as_str()),
        ];
        for (name, text) in [
            ("source.owner", &self.source.owner),
            ("location.name", &self.location.name),
            ("act", &self.act),
            ("acled_event_type", &self.acled_event_type),
            ("acled_sub_event_type", &self.acled_sub_event_type),
            ("submitter_identity", &self.submitter_identity),
            ("protected_source", &self.protected_source),
        ] {
            if let Some(text) = text {
                texts.push((name, text.as_str()));
            }
        }
        for actor in [&self.actor1, &self.actor2].into_iter().flatten() {
            texts.push(("actor.name", actor.name.as_str()));
        }
        for claim in &self.claims {
            texts.push(("claims.claimant", claim.claimant.as_str()));
        }
        texts
    }

    /// The length of every text field in bytes, with its limit, and the
    /// bytes it takes encoded for the log. The limits keep any report's
    /// event well inside a log entry (64 KiB); long documents belong in the
    /// evidence store.
    fn lengths(&self) -> Vec<(&'static str, usize, usize, usize)> {
        let mut lengths: Vec<(&'static str, usize, usize, usize)> = self
            .texts()
            .into_iter()
            .map(|(name, text)| {
                let max = if name == "narrative" {
                    NARRATIVE_BYTES_MAX
                } else {
                    NAME_BYTES_MAX
                };
                (name, text.len(), max, json_bytes(text))
            })
            .collect();
        lengths.push(("claims", self.claims.len(), CLAIMS_MAX, 0));
        lengths
    }

    fn parse_time(&self) -> Result<EventTime, FieldError> {
        let parse = |field: &str, text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| field_error(field, format!("{text:?} is not an RFC 3339 time with its offset")))
        };
        let in_years = |field: &str, time: DateTime<FixedOffset>| {
            if YEARS.contains(&time.year()) {
                Ok(time)
            } else {
                Err(field_error(
                    field,
                    format!(
                        "the year {} is outside {} to {}",
                        time.year(),
                        YEARS.start(),
                        YEARS.end()
                    ),
                ))
            }
        };
        let start = in_years("time.start", parse("time.start", &self.time.start)?)?;
        let end = match &self.time.end {
            Some(end) => in_years("time.end", parse("time.end", end)?)?,
            None => start,
        };
        if end < start {
            return Err(field_error("time.end", "the event must not end before it starts"));
        }
        Ok(EventTime {
            start,
            end,
            precision: self.time.precision,
        })
    }
}

/// The bytes `text` takes inside a JSON string, as serde_json writes it
/// (`"` and `\\` take two, other control characters up to six).
pub fn json_bytes(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum()
}

/// Refuses control characters: NUL and the other C0 controls never belong
/// in a report's text, except tab, line feed and carriage return in a
/// narrative. Names are one line.
fn control_character(field: &str, text: &str) -> Option<FieldError> {
    let allowed = |c: char| field == "narrative" && matches!(c, '\t' | '\n' | '\r');
    text.char_indices()
        .find(|&(_, c)| (c < ' ' || c == '\u{7f}') && !allowed(c))
        .map(|(at, c)| {
            field_error(
                field,
                format!("holds the control character U+{:04X} at byte {at}", c as u32),
            )
        })
}

impl ClaimInput {
    fn parse(&self, index: usize) -> Result<Claim, FieldError> {
        let field = |name: &str| format!("claims[{index}].{name}");
        if self.claimant.trim().is_empty() {
            return Err(field_error(&field("claimant"), "must not be empty"));
        }
        let count = |name: &str, value: i64| {
            u32::try_from(value)
                .map_err(|_| field_error(&field(name), format!("{value} is not a count of people (0 or more)")))
        };
        let deaths = Figure {
            low: count("low", self.low)?,
            best: count("best", self.best)?,
            high: count("high", self.high)?,
        };
        let claimant_party = match &self.claimant_party {
            Some(party) => Some(Code::parse(party).map_err(|e| field_error(&field("claimant_party"), e.to_string()))?),
            None => None,
        };
        Ok(Claim {
            claimant: self.claimant.trim().to_string(),
            claimant_party,
            stance: self.stance,
            category: self.category,
            deaths,
        })
    }
}

impl Report {
    /// What is odd but allowed, such as low > best (UCDP data has it).
    pub fn warnings(&self) -> Vec<String> {
        self.claims
            .iter()
            .enumerate()
            .filter(|(_, claim)| !(claim.deaths.low <= claim.deaths.best && claim.deaths.best <= claim.deaths.high))
            .map(|(i, claim)| {
                let d = claim.deaths;
                format!(
                    "claims[{i}]: low {} ≤ best {} ≤ high {} does not hold",
                    d.low, d.best, d.high
                )
            })
            .collect()
    }

    /// The party a report names as perpetrator (actor 1), if any.
    pub fn perpetrator_party(&self) -> Option<&Code> {
        self.actor1.as_ref().and_then(|actor| actor.party.as_ref())
    }
}
