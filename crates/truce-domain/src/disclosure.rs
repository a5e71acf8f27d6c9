//! What the public log says at once, and what it only commits to until the
//! agreed moment. Every event is split into a public part, in clear in the
//! log, and groups of confidential fields, taken out: each group has a
//! salted SHA-256 digest (see [`crate::sealed`]) and the entry holds one
//! commitment over its groups' digests ([`commitment_over`]). A group's
//! opening (its salt and its fields' text) is kept apart, shown to the
//! roles that may see it, and published in a [`Event::Disclosed`] when the
//! agreement's `[disclosure]` says so, with the digests of the groups it
//! does not open. Anyone then checks the openings against the commitment
//! made at intake: a published allegation is provably the text received on
//! day one.
//!
//! The split is made on the event's JSON by a fixed table of field paths
//! ([`rules`]), so the domain's types stay whole and the log's form is one
//! function's business.

use crate::event::{Envelope, Event};
use crate::report::SourceType;
use crate::sealed::{Salt, commitment};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// A group of confidential fields, committed to as one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The account that acted (the envelope names only its role).
    Account,
    /// A report's narrative.
    Narrative,
    /// A report's exact place and place name (the log keeps it to about 10 km).
    Place,
    /// A report's actors by name (the log keeps their parties).
    Actors,
    /// A report's claims: who asserts what casualty figure.
    Claims,
    /// The name, owner and external id of an institutional source (media, party, sensor).
    Source,
    /// The name, owner and external id of a member of the public who reported.
    Person,
    /// Monitoring teams: a monitor's report's source, a task's team.
    Team,
    /// A task's description, before the visit.
    Task,
    /// Findings' text.
    Findings,
    /// Evidence's collector, source address and chain-of-custody notes.
    Custody,
    /// Replies, statements, appeals' grounds and other reasons given.
    Statements,
    /// A determination's rationale and the sources its explanation names.
    Rationale,
}

impl Group {
    pub const ALL: [Group; 13] = [
        Group::Account,
        Group::Narrative,
        Group::Place,
        Group::Actors,
        Group::Claims,
        Group::Source,
        Group::Person,
        Group::Team,
        Group::Task,
        Group::Findings,
        Group::Custody,
        Group::Statements,
        Group::Rationale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Account => "account",
            Group::Narrative => "narrative",
            Group::Place => "place",
            Group::Actors => "actors",
            Group::Claims => "claims",
            Group::Source => "source",
            Group::Person => "person",
            Group::Team => "team",
            Group::Task => "task",
            Group::Findings => "findings",
            Group::Custody => "custody",
            Group::Statements => "statements",
            Group::Rationale => "rationale",
        }
    }

    pub fn parse(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|group| group.as_str() == name)
    }

    /// When the group becomes public unless the agreement says otherwise.
    pub fn default_when(self) -> When {
        match self {
            Group::Account | Group::Team | Group::Person | Group::Custody => When::Never,
            _ => When::Final,
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a group of fields becomes public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// In clear in the log from the start.
    Intake,
    /// Disclosed (a `disclosed` event) when the incident's determination is final.
    Final,
    /// Never in the log: only its commitment is.
    Never,
}

impl When {
    pub const CHOICES: [(&'static str, When); 3] =
        [("intake", When::Intake), ("final", When::Final), ("never", When::Never)];
}

/// The agreement's `[disclosure]` section: when each group becomes public.
/// Submitters' identities and protected sources are sealed apart and never
/// public, whatever it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    when: BTreeMap<Group, When>,
}

impl Default for Disclosure {
    fn default() -> Disclosure {
        Disclosure {
            when: Group::ALL.into_iter().map(|g| (g, g.default_when())).collect(),
        }
    }
}

impl Disclosure {
    /// Everything in clear at intake: the log's form before commitments (what benchmarks compare against).
    pub fn all_at_intake() -> Disclosure {
        Disclosure {
            when: Group::ALL.into_iter().map(|g| (g, When::Intake)).collect(),
        }
    }

    pub fn with(mut self, group: Group, when: When) -> Disclosure {
        self.when.insert(group, when);
        self
    }

    pub fn when(&self, group: Group) -> When {
        self.when.get(&group).copied().unwrap_or(group.default_when())
    }

    /// The groups disclosed when an incident becomes final.
    pub fn at_final(&self) -> Vec<Group> {
        Group::ALL
            .into_iter()
            .filter(|g| self.when(*g) == When::Final)
            .collect()
    }
}

/// A group's opening: the salt and the canonical text the commitment covers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    pub group: Group,
    /// 32 bytes, lower-case hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub salt: Salt,
    /// The group's fields as a JSON object keyed by their paths in the event.
    pub text: String,
}

impl Opening {
    /// Whether this opening is what `commitment_hex` committed to.
    pub fn opens(&self, commitment_hex: &str) -> bool {
        commitment(&self.salt.0, &self.text) == commitment_hex
    }
}

/// An opening published in the log: which entry and group it opens, its
/// salt, and its fields as JSON (not as text, which would be escaped twice
/// and might not fit an entry): the opening's text is their canonical
/// serialisation, [`DisclosedOpening::opening`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosedOpening {
    pub index: u64,
    pub group: Group,
    pub salt: Salt,
    pub fields: Map<String, Value>,
}

impl DisclosedOpening {
    /// Publishes `opening` of entry `index`; `None` if its text is not a JSON object.
    pub fn of(index: u64, opening: &Opening) -> Option<DisclosedOpening> {
        let Ok(Value::Object(fields)) = serde_json::from_str(&opening.text) else {
            return None;
        };
        Some(DisclosedOpening {
            index,
            group: opening.group,
            salt: opening.salt,
            fields,
        })
    }

    /// The opening it publishes. Keys are sorted and the text is serde_json's,
    /// so this is the text the commitment was made over.
    pub fn opening(&self) -> Opening {
        Opening {
            group: self.group,
            salt: self.salt,
            text: serde_json::to_string(&self.fields).expect("JSON values serialize"),
        }
    }
}

/// The key of the public form's commitment to its groups (envelope version
/// 3; no event has a field of that name).
pub const COMMITMENT: &str = "commitment";
/// The key of version 2's commitments, one a group (still read and checked).
pub const COMMITMENTS: &str = "commitments";
/// The key that names the role in the full form (the public form names it in `by`).
const ACTING: &str = "acting";

/// An event split for the log: its public bytes, its groups' openings and
/// the seed their salts were drawn from (what the store keeps of them).
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub public: Vec<u8>,
    pub openings: Vec<Opening>,
    pub seed: Seed,
}

/// An entry's secret seed: each group's salt is drawn from it, so the
/// store keeps 32 bytes an entry instead of a salt a group, while the
/// salt of one group, once published, tells nothing of the seed or of the
/// other groups' salts (it is a SHA-256 of the seed and the group's name).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Seed(pub [u8; 32]);

impl Seed {
    /// A fresh seed from the thread's cryptographic generator (seeded by the system's).
    pub fn fresh() -> Seed {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut seed);
        Seed(seed)
    }

    /// `SHA-256("truce-salt/v1\n" || seed || group's name)`.
    pub fn salt_of(&self, group: Group) -> Salt {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(b"truce-salt/v1\n");
        hasher.update(self.0);
        hasher.update(group.as_str().as_bytes());
        Salt(hasher.finalize().into())
    }
}

/// The commitment an entry makes to its groups (envelope version 3): hex
/// `SHA-256("truce-commitment/v1\n" || for each group, in the order of
/// its name: name " " digest "\n")`, where a group's digest is its
/// opening's `hex(SHA-256(salt || text))`. One commitment an entry keeps
/// the log small; whoever opens some groups gives the digests of the
/// others (salted, they tell nothing), and the check is the same hash.
pub fn commitment_over(mut digests: Vec<(Group, String)>) -> String {
    use sha2::{Digest, Sha256};
    digests.sort_by_key(|(group, _)| group.as_str());
    let mut hasher = Sha256::new();
    hasher.update(b"truce-commitment/v1\n");
    for (group, digest) in &digests {
        hasher.update(group.as_str().as_bytes());
        hasher.update(b" ");
        hasher.update(digest.as_bytes());
        hasher.update(b"\n");
    }
    crate::sealed::lower_hex(&hasher.finalize().into())
}

/// Whether `openings`, each group once, with `withheld`, the digests of the
/// entry's other groups, make `commitment` (hex, [`commitment_over`]).
pub fn opens_commitment(commitment: &str, openings: &[Opening], withheld: &BTreeMap<Group, String>) -> bool {
    let opened = digests(openings);
    if opened.len() != openings.len() || withheld.keys().any(|group| opened.contains_key(group)) {
        return false;
    }
    let all = opened
        .into_iter()
        .chain(withheld.iter().map(|(g, d)| (*g, d.clone())))
        .collect();
    commitment_over(all) == commitment
}

/// Each opening's digest, `hex(SHA-256(salt || text))`, by group.
pub fn digests(openings: &[Opening]) -> BTreeMap<Group, String> {
    openings
        .iter()
        .map(|o| (o.group, commitment(&o.salt.0, &o.text)))
        .collect()
}

/// The digests of an entry's groups that a `disclosed` event does not
/// open, so anyone checks the groups it opens against the entry's one
/// commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithheldDigests {
    pub index: u64,
    pub digests: BTreeMap<Group, String>,
}

/// How the fields of a group are kept in the public form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// Removed.
    Nothing,
    /// A location rounded to 0.1° (about 10 km), without its name.
    RoundedPlace,
    /// An actor's party, without its name.
    Party,
    /// An explanation whose source names are replaced by their commitments.
    SourcesByCommitment,
}

struct Rule {
    group: Group,
    path: &'static [&'static str],
    keep: Keep,
}

const fn rule(group: Group, path: &'static [&'static str], keep: Keep) -> Rule {
    Rule { group, path, keep }
}

/// The group of a report's source's name, owner and external id: a
/// monitoring team's, a member of the public's, or a source's.
fn source_group(source_type: SourceType) -> Group {
    match source_type {
        SourceType::Monitor => Group::Team,
        SourceType::Public => Group::Person,
        SourceType::Media | SourceType::Party | SourceType::Sensor => Group::Source,
    }
}

/// The fields of `event` that are committed, by group.
fn rules(event: &Event) -> Vec<Rule> {
    use Group as G;
    use Keep as K;
    match event {
        Event::ReportFiled { report, .. } => {
            let source = source_group(report.source.source_type);
            vec![
                rule(G::Narrative, &["report", "narrative"], K::Nothing),
                rule(G::Place, &["report", "location"], K::RoundedPlace),
                rule(G::Actors, &["report", "actor1"], K::Party),
                rule(G::Actors, &["report", "actor2"], K::Party),
                rule(G::Claims, &["report", "claims"], K::Nothing),
                rule(source, &["report", "source", "name"], K::Nothing),
                rule(source, &["report", "source", "owner"], K::Nothing),
                rule(source, &["report", "external_id"], K::Nothing),
            ]
        }
        Event::EvidenceRegistered { .. } => vec![
            rule(G::Custody, &["collected_by"], K::Nothing),
            rule(G::Custody, &["source_url"], K::Nothing),
        ],
        Event::CustodyRecorded { .. } => vec![
            rule(G::Custody, &["custodian"], K::Nothing),
            rule(G::Custody, &["recipient"], K::Nothing),
            rule(G::Custody, &["note"], K::Nothing),
        ],
        Event::IncidentsMerged { .. } | Event::IncidentSplit { .. } => {
            vec![rule(G::Statements, &["reason"], K::Nothing)]
        }
        Event::TaskAssigned { .. } => vec![
            rule(G::Team, &["team"], K::Nothing),
            rule(G::Task, &["description"], K::Nothing),
        ],
        Event::FindingsFiled { .. } => vec![rule(G::Findings, &["summary"], K::Nothing)],
        Event::ReplyFiled { .. } | Event::StatementAttached { .. } => {
            vec![rule(G::Statements, &["text"], K::Nothing)]
        }
        Event::UrgencyInvoked { .. } => vec![rule(G::Statements, &["reason"], K::Nothing)],
        Event::AppealFiled { .. } => vec![rule(G::Statements, &["grounds"], K::Nothing)],
        Event::ComplianceRecorded { .. } => vec![rule(G::Statements, &["note"], K::Nothing)],
        Event::DeterminationIssued { .. } => vec![
            rule(G::Rationale, &["determination", "rationale"], K::Nothing),
            rule(G::Rationale, &["determination", "explanation"], K::SourcesByCommitment),
        ],
        Event::AgreementRegistered { .. }
        | Event::SealedRead { .. }
        | Event::ReviewStarted { .. }
        | Event::ReplyRequested { .. }
        | Event::ReplyReminded { .. }
        | Event::DeterminationApproved { .. }
        | Event::DeterminationFinal { .. }
        | Event::PenaltyProposed { .. }
        | Event::PenaltyApproved { .. }
        | Event::PenaltyInEffect { .. }
        | Event::BulletinPublished { .. }
        | Event::Disclosed { .. } => Vec::new(),
    }
}

/// The dotted name of a path, the key of its value in an opening's text.
fn path_name(path: &[&str]) -> String {
    path.join(".")
}

/// Puts `value` at `path` of `object`, making the objects on the way (a view's join).
fn put_at(object: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = object;
    for key in parents {
        let next = here.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        here = next.as_object_mut().expect("made an object");
    }
    here.insert(last.to_string(), value);
}

fn kept(keep: Keep, value: &Value, salt: &[u8; 32]) -> Option<Value> {
    match keep {
        Keep::Nothing => None,
        Keep::RoundedPlace => {
            let round = |key: &str| {
                value
                    .get(key)
                    .and_then(Value::as_f64)
                    .map(|degrees| Value::from((degrees * 10.0).round() / 10.0))
            };
            let mut place = Map::new();
            place.insert("latitude".into(), round("latitude")?);
            place.insert("longitude".into(), round("longitude")?);
            place.insert("rounded_to_degrees".into(), Value::from(0.1));
            Some(Value::Object(place))
        }
        Keep::Party => {
            let party = value.get("party").filter(|party| !party.is_null())?;
            let mut actor = Map::new();
            actor.insert("party".into(), party.clone());
            Some(Value::Object(actor))
        }
        Keep::SourcesByCommitment => {
            let mut explanation = value.clone();
            let names: Vec<String> = value
                .get("independent_sources")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(|n| n.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let mut by_length: Vec<(String, String)> = names
                .iter()
                .map(|name| (name.clone(), format!("sha256:{}", source_commitment(salt, name))))
                .collect();
            if let Some(list) = explanation.get_mut("independent_sources") {
                *list = Value::Array(by_length.iter().map(|(_, c)| Value::from(c.clone())).collect());
            }
            // The longest first, so a name inside another is not half replaced.
            by_length.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
            if let Some(checks) = explanation.get_mut("checks").and_then(Value::as_array_mut) {
                for check in checks {
                    if let Some(object) = check.as_object_mut() {
                        for text in object.values_mut() {
                            if let Value::String(s) = text {
                                for (name, committed) in &by_length {
                                    if !name.is_empty() {
                                        *s = s.replace(name.as_str(), committed);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Some(explanation)
        }
    }
}

/// The commitment by which a determination's explanation names a source:
/// `hex(SHA-256(salt || "source:" || name))` with its group's salt, so the
/// opening of the rationale lets anyone check each name.
pub fn source_commitment(salt: &[u8; 32], name: &str) -> String {
    commitment(salt, &format!("source:{name}"))
}

/// Splits `envelope` for the log: the groups `disclosure` does not make
/// public at intake are taken out and committed to, each with its salt
/// drawn from `seed` (a fresh [`Seed`] for every entry). `final_already`
/// says the event's incident is final, so what is due at finality is
/// public at once.
pub fn split(envelope: &Envelope, disclosure: &Disclosure, final_already: bool, seed: Seed) -> Split {
    let clear = |group: Group| match disclosure.when(group) {
        When::Intake => true,
        When::Final => final_already,
        When::Never => false,
    };
    let rules: Vec<Rule> = rules(&envelope.event).into_iter().filter(|r| !clear(r.group)).collect();
    if rules.is_empty() && clear(Group::Account) {
        // Nothing withheld: the entry is the event as it is.
        return Split {
            public: serde_json::to_vec(envelope).expect("events serialize"),
            openings: Vec::new(),
            seed,
        };
    }
    if let Event::ReportFiled { .. } = &envelope.event {
        return report_split::split(envelope, &clear, seed);
    }
    split_generic(envelope, rules, &clear, seed)
}

/// [`split`] for any event, by the paths in its JSON of `rules` (those withheld).
fn split_generic(envelope: &Envelope, rules: Vec<Rule>, clear: &dyn Fn(Group) -> bool, seed: Seed) -> Split {
    let whole = serde_json::to_vec(envelope).expect("events serialize");
    // Only the objects a rule reaches into are parsed; the rest stays as
    // serialized (the report's split costs a scan, not a tree of values).
    let mut object = raw_tree::Object::parse(&whole).expect("an envelope is a JSON object");
    let mut groups = Groups::new(seed);
    if !clear(Group::Account) {
        let acting = object.take(&[ACTING]);
        if let Some(account) = object.take(&["by"]) {
            groups.insert(Group::Account, "by", &account);
        }
        object.put(&["by"], &acting.unwrap_or_else(|| Value::from("system")));
    }
    for rule in rules {
        let Some(value) = object.take(rule.path) else {
            continue;
        };
        let group_salt = groups.insert(rule.group, path_name(rule.path), &value);
        if let Some(kept) = kept(rule.keep, &value, &group_salt) {
            object.put(rule.path, &kept);
        }
    }
    let (openings, commitment) = groups.seal();
    if let Some(commitment) = commitment {
        object.put(&[COMMITMENT], &Value::from(commitment));
    }
    Split {
        public: object.to_vec(),
        openings,
        seed,
    }
}

/// The fields taken out of an event, by group, each field as its
/// canonical JSON text (keys sorted, serde_json's form), so sealing a
/// group is joining its fields, not building values; each group's salt is
/// drawn from the entry's seed.
struct Groups {
    seed: Seed,
    groups: BTreeMap<Group, ([u8; 32], Vec<Field>)>,
}

/// A field taken out: its path's name and its value's canonical JSON text.
type Field = (Cow<'static, str>, String);

impl Groups {
    fn new(seed: Seed) -> Groups {
        Groups {
            seed,
            groups: BTreeMap::new(),
        }
    }

    /// Puts `value` under `name` in `group`; the group's salt.
    fn insert(&mut self, group: Group, name: impl Into<Cow<'static, str>>, value: &Value) -> [u8; 32] {
        self.insert_text(
            group,
            name,
            serde_json::to_string(value).expect("JSON values serialize"),
        )
    }

    /// [`Groups::insert`] of a value given as its canonical JSON text.
    fn insert_text(&mut self, group: Group, name: impl Into<Cow<'static, str>>, text: String) -> [u8; 32] {
        let seed = &self.seed;
        let (group_salt, fields) = self
            .groups
            .entry(group)
            .or_insert_with(|| (seed.salt_of(group).0, Vec::new()));
        fields.push((name.into(), text));
        *group_salt
    }

    /// Each group's opening, and the entry's commitment over them (none
    /// if nothing was taken). A group's text is the JSON object of its
    /// fields, as `serde_json` writes a map (keys sorted): what
    /// [`DisclosedOpening::opening`] gives back.
    fn seal(self) -> (Vec<Opening>, Option<String>) {
        let mut openings = Vec::with_capacity(self.groups.len());
        let mut digests = Vec::with_capacity(self.groups.len());
        for (group, (salt, mut fields)) in self.groups {
            fields.sort_by(|(a, _), (b, _)| a.cmp(b));
            let mut text = String::with_capacity(2 + fields.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>());
            text.push('{');
            for (position, (name, value)) in fields.iter().enumerate() {
                if position > 0 {
                    text.push(',');
                }
                text.push_str(&serde_json::to_string(name.as_ref()).expect("strings serialize"));
                text.push(':');
                text.push_str(value);
            }
            text.push('}');
            digests.push((group, commitment(&salt, &text)));
            openings.push(Opening {
                group,
                salt: Salt(salt),
                text,
            });
        }
        let commitment = (!digests.is_empty()).then(|| commitment_over(digests));
        (openings, commitment)
    }
}

/// [`split`] of a filed report, the event an import or a mission writes
/// most, written from its fields in one pass, as the whole event would be:
/// nothing is serialized to be parsed again. It gives what the generic
/// split gives (a test holds them equal).
mod report_split {
    use super::{Group, Groups, Seed, Split};
    use crate::codes::Code;
    use crate::event::{Envelope, Event, Placement};
    use crate::report::{
        ActorRef, Claim, DeathCategory, Latitude, Location, LocationPrecision, Longitude, Report, Source, Stance,
    };
    use serde::Serialize;
    use serde::ser::{SerializeMap, Serializer};

    /// The JSON text of a value whose objects' keys serialize in sorted
    /// order, as a group's canonical text must have them.
    fn text(value: &impl Serialize) -> String {
        serde_json::to_string(value).expect("events serialize")
    }

    /// A location with its fields in sorted order (its type declares them
    /// in the order people read them).
    #[derive(Serialize)]
    struct SortedLocation<'a> {
        latitude: Latitude,
        longitude: Longitude,
        name: &'a Option<String>,
        precision: LocationPrecision,
    }

    impl SortedLocation<'_> {
        fn of(location: &Location) -> SortedLocation<'_> {
            SortedLocation {
                latitude: location.latitude,
                longitude: location.longitude,
                name: &location.name,
                precision: location.precision,
            }
        }
    }

    /// A claim with its fields, and its figure's, in sorted order.
    #[derive(Serialize)]
    struct SortedClaim<'a> {
        category: DeathCategory,
        claimant: &'a str,
        claimant_party: &'a Option<Code>,
        deaths: SortedFigure,
        stance: Stance,
    }

    #[derive(Serialize)]
    struct SortedFigure {
        best: u32,
        high: u32,
        low: u32,
    }

    impl SortedClaim<'_> {
        fn of(claim: &Claim) -> SortedClaim<'_> {
            SortedClaim {
                category: claim.category,
                claimant: &claim.claimant,
                claimant_party: &claim.claimant_party,
                deaths: SortedFigure {
                    best: claim.deaths.best,
                    high: claim.deaths.high,
                    low: claim.deaths.low,
                },
                stance: claim.stance,
            }
        }
    }

    /// What the public form keeps of a withheld place: its coordinates to
    /// a tenth of a degree (about 10 km), as [`super::kept`] keeps them.
    #[derive(Serialize)]
    pub struct RoundedPlace {
        latitude: f64,
        longitude: f64,
        rounded_to_degrees: f64,
    }

    impl RoundedPlace {
        fn of(location: &Location) -> RoundedPlace {
            let round = |degrees: f64| (degrees * 10.0).round() / 10.0;
            RoundedPlace {
                latitude: round(location.latitude.degrees()),
                longitude: round(location.longitude.degrees()),
                rounded_to_degrees: 0.1,
            }
        }
    }

    /// What the public form keeps of each group of the report.
    struct Clear {
        account: bool,
        narrative: bool,
        place: bool,
        actors: bool,
        claims: bool,
        source: bool,
    }

    pub fn split(envelope: &Envelope, clear: &dyn Fn(Group) -> bool, seed: Seed) -> Split {
        let Event::ReportFiled {
            report_id,
            placement,
            report,
            sealed_commitment,
            warnings,
            geo,
        } = &envelope.event
        else {
            unreachable!("called for a filed report")
        };
        let source_group = super::source_group(report.source.source_type);
        let shown = Clear {
            account: clear(Group::Account),
            narrative: clear(Group::Narrative),
            place: clear(Group::Place),
            actors: clear(Group::Actors),
            claims: clear(Group::Claims),
            source: clear(source_group),
        };
        let mut groups = Groups::new(seed);
        if !shown.account {
            groups.insert_text(Group::Account, "by", text(&envelope.by));
        }
        if !shown.narrative {
            groups.insert_text(Group::Narrative, "report.narrative", text(&report.narrative));
        }
        let mut rounded = None;
        if !shown.place {
            groups.insert_text(
                Group::Place,
                "report.location",
                text(&SortedLocation::of(&report.location)),
            );
            rounded = Some(RoundedPlace::of(&report.location));
        }
        if !shown.actors {
            // An actor's fields (name, party) are in sorted order: written as they are.
            groups.insert_text(Group::Actors, "report.actor1", text(&report.actor1));
            groups.insert_text(Group::Actors, "report.actor2", text(&report.actor2));
        }
        if !shown.claims {
            let claims: Vec<SortedClaim> = report.claims.iter().map(SortedClaim::of).collect();
            groups.insert_text(Group::Claims, "report.claims", text(&claims));
        }
        if !shown.source {
            groups.insert_text(source_group, "report.source.name", text(&report.source.name));
            groups.insert_text(source_group, "report.source.owner", text(&report.source.owner));
            groups.insert_text(source_group, "report.external_id", text(&report.external_id));
        }
        let (openings, commitment) = groups.seal();
        let public = PublicEnvelope {
            envelope,
            report_id: *report_id,
            placement,
            sealed_commitment: sealed_commitment.as_deref(),
            warnings,
            geo,
            report: PublicReport {
                report,
                shown: &shown,
                rounded: rounded.as_ref(),
            },
            shown: &shown,
            commitment: commitment.as_deref(),
        };
        Split {
            public: serde_json::to_vec(&public).expect("JSON serializes"),
            openings,
            seed,
        }
    }

    struct PublicEnvelope<'a> {
        envelope: &'a Envelope,
        report_id: u64,
        placement: &'a Placement,
        sealed_commitment: Option<&'a str>,
        warnings: &'a [String],
        geo: &'a Option<crate::geography::GeoFacts>,
        report: PublicReport<'a>,
        shown: &'a Clear,
        commitment: Option<&'a str>,
    }

    impl Serialize for PublicEnvelope<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let envelope = self.envelope;
            let mut map = serializer.serialize_map(None)?;
            if self.shown.account {
                if let Some(acting) = &envelope.acting {
                    map.serialize_entry("acting", acting)?;
                }
                map.serialize_entry("at", &envelope.at)?;
                map.serialize_entry("by", &envelope.by)?;
            } else {
                map.serialize_entry("at", &envelope.at)?;
                map.serialize_entry("by", envelope.acting.as_deref().unwrap_or("system"))?;
            }
            if let Some(commitment) = self.commitment {
                map.serialize_entry(super::COMMITMENT, commitment)?;
            }
            if let Some(geo) = self.geo {
                map.serialize_entry("geo", geo)?;
            }
            map.serialize_entry("placement", self.placement)?;
            map.serialize_entry("report", &self.report)?;
            map.serialize_entry("report_id", &self.report_id)?;
            if let Some(sealed) = self.sealed_commitment {
                map.serialize_entry("sealed_commitment", sealed)?;
            }
            map.serialize_entry("type", "report_filed")?;
            map.serialize_entry("v", &envelope.v)?;
            if !self.warnings.is_empty() {
                map.serialize_entry("warnings", self.warnings)?;
            }
            map.end()
        }
    }

    struct PublicReport<'a> {
        report: &'a Report,
        shown: &'a Clear,
        rounded: Option<&'a RoundedPlace>,
    }

    /// An actor as the public sees it while its name is withheld: its party alone.
    struct PartyOnly<'a>(&'a Code);

    impl Serialize for PartyOnly<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("party", self.0)?;
            map.end()
        }
    }

    impl PublicReport<'_> {
        fn actor<M: SerializeMap>(&self, map: &mut M, key: &str, actor: &Option<ActorRef>) -> Result<(), M::Error> {
            if self.shown.actors {
                map.serialize_entry(key, actor)
            } else if let Some(party) = actor.as_ref().and_then(|a| a.party.as_ref()) {
                map.serialize_entry(key, &PartyOnly(party))
            } else {
                Ok(())
            }
        }
    }

    impl Serialize for PublicReport<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let (report, shown) = (self.report, self.shown);
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry("acled_event_type", &report.acled_event_type)?;
            map.serialize_entry("acled_sub_event_type", &report.acled_sub_event_type)?;
            map.serialize_entry("act", &report.act)?;
            self.actor(&mut map, "actor1", &report.actor1)?;
            self.actor(&mut map, "actor2", &report.actor2)?;
            if shown.claims {
                map.serialize_entry("claims", &report.claims)?;
            }
            if shown.source {
                map.serialize_entry("external_id", &report.external_id)?;
            }
            map.serialize_entry("language", &report.language)?;
            match self.rounded {
                Some(rounded) => map.serialize_entry("location", rounded)?,
                None if shown.place => map.serialize_entry("location", &report.location)?,
                None => {}
            }
            if shown.narrative {
                map.serialize_entry("narrative", &report.narrative)?;
            }
            map.serialize_entry(
                "source",
                &PublicSource {
                    source: &report.source,
                    shown: shown.source,
                },
            )?;
            map.serialize_entry("time", &report.time)?;
            map.end()
        }
    }

    struct PublicSource<'a> {
        source: &'a Source,
        shown: bool,
    }

    impl Serialize for PublicSource<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let source = self.source;
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry("channel", &source.channel)?;
            map.serialize_entry("grading", &source.grading)?;
            if self.shown {
                map.serialize_entry("name", &source.name)?;
                map.serialize_entry("owner", &source.owner)?;
            }
            map.serialize_entry("source_type", &source.source_type)?;
            map.end()
        }
    }
}

/// A JSON object parsed only as deep as needed: each member stays the
/// text it was serialized as until a path reaches into it.
mod raw_tree {
    use serde::Serialize;
    use serde_json::Value;
    use serde_json::value::RawValue;
    use std::collections::BTreeMap;

    enum Node {
        Raw(Box<RawValue>),
        Object(Object),
    }

    pub struct Object(BTreeMap<String, Node>);

    impl Object {
        pub fn parse(text: &[u8]) -> Option<Object> {
            let members: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(text).ok()?;
            Some(Object(members.into_iter().map(|(k, v)| (k, Node::Raw(v))).collect()))
        }

        /// The object at `key`, parsed if it was not; `None` if the member is not an object.
        fn object_at(&mut self, key: &str, create: bool) -> Option<&mut Object> {
            if create && !self.0.contains_key(key) {
                self.0.insert(key.to_string(), Node::Object(Object(BTreeMap::new())));
            }
            let node = self.0.get_mut(key)?;
            if let Node::Raw(raw) = node {
                let parsed = Object::parse(raw.get().as_bytes());
                match parsed {
                    Some(object) => *node = Node::Object(object),
                    None if create => *node = Node::Object(Object(BTreeMap::new())),
                    None => return None,
                }
            }
            match node {
                Node::Object(object) => Some(object),
                Node::Raw(_) => None,
            }
        }

        /// Removes the value at `path`, as a value.
        pub fn take(&mut self, path: &[&str]) -> Option<Value> {
            let (last, parents) = path.split_last()?;
            let mut here = self;
            for key in parents {
                here = here.object_at(key, false)?;
            }
            match here.0.remove(*last)? {
                Node::Raw(raw) => serde_json::from_str(raw.get()).ok(),
                Node::Object(object) => serde_json::from_slice(&object.to_vec()).ok(),
            }
        }

        /// Puts `value` at `path`, making the objects on the way.
        pub fn put(&mut self, path: &[&str], value: &Value) {
            let Some((last, parents)) = path.split_last() else {
                return;
            };
            let mut here = self;
            for key in parents {
                here = here.object_at(key, true).expect("made an object");
            }
            let raw = serde_json::value::to_raw_value(value).expect("JSON values serialize");
            here.0.insert(last.to_string(), Node::Raw(raw));
        }

        pub fn to_vec(&self) -> Vec<u8> {
            serde_json::to_vec(self).expect("JSON serializes")
        }
    }

    impl Serialize for Object {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.iter())
        }
    }

    impl Serialize for Node {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Node::Raw(raw) => raw.serialize(serializer),
                Node::Object(object) => object.serialize(serializer),
            }
        }
    }
}

/// Why an entry and its openings do not make an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("the opening of {0} is not a JSON object")]
    BadOpening(Group),
    #[error("with its openings, not a truce event: {0}")]
    NotAnEvent(String),
}

/// The public form of an entry as JSON, with `openings` put back in place:
/// the view of whoever holds those openings (the store holds them all).
pub fn view(public: &[u8], openings: &[Opening]) -> Result<Map<String, Value>, JoinError> {
    let Value::Object(mut object) = serde_json::from_slice(public).map_err(|e| JoinError::NotJson(e.to_string()))?
    else {
        return Err(JoinError::NotJson("not an object".into()));
    };
    for opening in openings {
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&opening.text) else {
            return Err(JoinError::BadOpening(opening.group));
        };
        for (path, value) in fields {
            if opening.group == Group::Account && path == "by" {
                if let Some(acting) = object.remove("by") {
                    object.insert(ACTING.into(), acting);
                }
                object.insert("by".into(), value);
                continue;
            }
            let path: Vec<&str> = path.split('.').collect();
            put_at(&mut object, &path, value);
        }
    }
    Ok(object)
}

/// The event an entry records, from its public bytes and all its openings.
/// An entry without commitments (one written before them, or with nothing
/// confidential) is read as it is.
pub fn join(public: &[u8], openings: &[Opening]) -> Result<Envelope, JoinError> {
    if openings.is_empty() {
        return serde_json::from_slice(public).map_err(|e| JoinError::NotAnEvent(e.to_string()));
    }
    let mut object = view(public, openings)?;
    object.remove(COMMITMENT);
    object.remove(COMMITMENTS);
    serde_json::from_value(Value::Object(object)).map_err(|e| JoinError::NotAnEvent(e.to_string()))
}

/// What an entry's public form commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Committed {
    /// Nothing: it holds its event whole.
    Nothing,
    /// One commitment over its groups' digests (envelope version 3).
    Groups(String),
    /// A commitment a group (version 2).
    EachGroup(BTreeMap<Group, String>),
}

/// What the entry `public` commits to.
pub fn committed(public: &[u8]) -> Committed {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        commitment: Option<String>,
        #[serde(default)]
        commitments: BTreeMap<String, String>,
    }
    let Ok(form) = serde_json::from_slice::<Form>(public) else {
        return Committed::Nothing;
    };
    if let Some(commitment) = form.commitment {
        return Committed::Groups(commitment);
    }
    if form.commitments.is_empty() {
        return Committed::Nothing;
    }
    Committed::EachGroup(
        form.commitments
            .into_iter()
            .filter_map(|(name, hex)| Some((Group::parse(&name)?, hex)))
            .collect(),
    )
}

/// An opening that does not open its entry's commitment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpeningError {
    #[error("entry {index} makes no commitment to {group}")]
    NoCommitment { index: u64, group: Group },
    #[error("the opening of {group} does not match entry {index}'s commitment")]
    Differs { index: u64, group: Group },
    #[error("{}", do_not_open(*index, groups, withheld))]
    DoNotOpen {
        index: u64,
        groups: Vec<Group>,
        withheld: Vec<Group>,
    },
}

fn do_not_open(index: u64, groups: &[Group], withheld: &[Group]) -> String {
    let names = |groups: &[Group]| groups.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ");
    let opened = if groups.is_empty() {
        "no group".to_string()
    } else {
        names(groups)
    };
    let withheld = if withheld.is_empty() {
        String::new()
    } else {
        format!(" with the digests of {}", names(withheld))
    };
    format!("the openings of {opened}{withheld} do not match entry {index}'s commitment")
}

/// Checks `openings` of entry `index`, with `withheld`, the digests of
/// the entry's other groups, against the commitment its public form
/// makes. (A version 2 entry commits to each group: `withheld` is not needed.)
pub fn check_openings(
    index: u64,
    public: &[u8],
    openings: &[Opening],
    withheld: &BTreeMap<Group, String>,
) -> Result<(), OpeningError> {
    let first = |openings: &[Opening]| openings.first().map(|o| o.group).unwrap_or(Group::Account);
    match committed(public) {
        Committed::Nothing if openings.is_empty() => Ok(()),
        Committed::Nothing => Err(OpeningError::NoCommitment {
            index,
            group: first(openings),
        }),
        Committed::EachGroup(committed) => {
            for opening in openings {
                let group = opening.group;
                let Some(commitment) = committed.get(&group) else {
                    return Err(OpeningError::NoCommitment { index, group });
                };
                if !opening.opens(commitment) {
                    return Err(OpeningError::Differs { index, group });
                }
            }
            Ok(())
        }
        Committed::Groups(commitment) => {
            if opens_commitment(&commitment, openings, withheld) {
                Ok(())
            } else {
                Err(OpeningError::DoNotOpen {
                    index,
                    groups: openings.iter().map(|o| o.group).collect(),
                    withheld: withheld.keys().copied().collect(),
                })
            }
        }
    }
}

/// The view of an entry that `role` may have: its public form with the
/// openings the role may open (`crate::access::may_open`, given how the
/// entry stands to it) and those the log has disclosed put back in place;
/// the rest stays a commitment. Never more than the role may read.
pub fn view_for(
    role: &crate::role::Role,
    relation: crate::access::Relation,
    public: &[u8],
    openings: &[Opening],
    disclosed: &std::collections::BTreeSet<Group>,
) -> Map<String, Value> {
    let allowed: Vec<Opening> = openings
        .iter()
        .filter(|o| disclosed.contains(&o.group) || crate::access::may_open(role, o.group, relation))
        .cloned()
        .collect();
    view(public, &allowed).unwrap_or_default()
}

/// How an entry stands to `role`: its own when the public form names the
/// role's label as who acted (a party's submissions are the party's),
/// otherwise as `incident_visible` says.
pub fn relation_of(
    role: &crate::role::Role,
    public_by: Option<&str>,
    incident_visible: bool,
) -> crate::access::Relation {
    use crate::access::Relation;
    match role {
        crate::role::Role::Party(_) if public_by == Some(role.public_label().as_str()) => Relation::Own,
        _ if incident_visible => Relation::VisibleIncident,
        _ => Relation::Other,
    }
}

/// Who the public form of an entry says acted (`by`).
pub fn public_by(public: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct By {
        by: Option<String>,
    }
    serde_json::from_slice::<By>(public).ok().and_then(|b| b.by)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Placement;
    use crate::synthetic::{SyntheticWorld, generate};

    /// Every way a policy can stand to a report's groups.
    fn policies() -> Vec<Disclosure> {
        let never = Group::ALL
            .into_iter()
            .fold(Disclosure::default(), |d, g| d.with(g, When::Never));
        vec![
            Disclosure::default(),
            Disclosure::all_at_intake(),
            never,
            Disclosure::default()
                .with(Group::Account, When::Intake)
                .with(Group::Place, When::Intake)
                .with(Group::Source, When::Never),
        ]
    }

    #[test]
    fn a_filed_report_splits_as_its_rules_say() {
        let mut reports: Vec<crate::report::Report> = generate(SyntheticWorld::default(), 400)
            .into_iter()
            .map(|l| l.input.parse().unwrap())
            .collect();
        for (source_type, owner) in [
            ("media", Some("Owner")),
            ("public", None),
            ("monitor", None),
            ("sensor", None),
        ] {
            let input: crate::report::ReportInput = serde_json::from_value(serde_json::json!({
                "external_id": "x-1",
                "source": {"type": source_type, "name": "A \"quoted\" name", "owner": owner, "grading": "B2"},
                "time": {"start": "2025-10-12T02:00:00+05:00", "precision": "hour"},
                "location": {"latitude": 34.123456, "longitude": 71.987654, "precision": "exact", "name": "Place"},
                "actor1": {"name": "Actor"},
                "actor2": {"name": "Other", "party": "AFG"},
                "act": "ACT-SHELLING",
                "narrative": "line\nbreak \u{202e} and ünïcode",
                "claims": [{"claimant": "C", "stance": "assert", "category": "side_b", "low": 1, "best": 2, "high": 3}],
            }))
            .unwrap();
            reports.push(input.parse().unwrap());
        }
        let mut compared = 0;
        for (i, report) in reports.into_iter().enumerate() {
            let mut envelope = Envelope::new(
                chrono::Utc::now(),
                "an-account",
                Event::ReportFiled {
                    report_id: i as u64,
                    placement: Placement::JoinedIncident(3),
                    report: Box::new(report),
                    sealed_commitment: (i % 3 == 0).then(|| "ab".repeat(32)),
                    warnings: if i % 5 == 0 {
                        vec!["a warning".into()]
                    } else {
                        Vec::new()
                    },
                    geo: None,
                },
            );
            if i % 2 == 0 {
                envelope = envelope.acting("monitor");
            }
            for policy in policies() {
                for final_already in [false, true] {
                    let clear = |group: Group| match policy.when(group) {
                        When::Intake => true,
                        When::Final => final_already,
                        When::Never => false,
                    };
                    let typed = report_split::split(&envelope, &clear, Seed([7; 32]));
                    let withheld = rules(&envelope.event).into_iter().filter(|r| !clear(r.group)).collect();
                    let generic = split_generic(&envelope, withheld, &clear, Seed([7; 32]));
                    let json = |bytes: &[u8]| serde_json::from_slice::<Value>(bytes).unwrap();
                    assert_eq!(json(&typed.public), json(&generic.public), "report {i}");
                    assert_eq!(typed.openings, generic.openings, "report {i}");
                    // (Without a role, the public form says "system", and so does the join.)
                    if envelope.acting.is_some() {
                        assert_eq!(join(&typed.public, &typed.openings).unwrap(), envelope);
                    }
                    compared += 1;
                }
            }
        }
        assert!(compared > 3_000);
    }
}
