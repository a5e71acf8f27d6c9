//! The demo's users: one for each role and each party, each with a fresh
//! password and API token, written to `demo-credentials.json` for the
//! newcomer (and only there: the database keeps hashes).

use crate::datadir::DataDir;
use serde::Serialize;
use truce_domain::role::Role;
use truce_store::accounts::{self, UserName};

#[derive(Serialize)]
pub struct DemoUser {
    pub name: String,
    pub role: &'static str,
    /// The party a party's liaison acts for; `null` for the other roles.
    pub party: Option<String>,
    /// Whom the role acts for: the mediator, monitoring team or party code.
    #[serde(rename = "for")]
    pub affiliation: Option<String>,
    pub password: String,
    pub token: String,
}

/// (user name, role, acts for)
const USERS: &[(&str, &str, Option<&str>)] = &[
    ("admin", "admin", None),
    ("qatar-mediator", "mediator", Some("QAT")),
    ("turkiye-mediator", "mediator", Some("TUR")),
    ("mvm-monitor", "monitor", Some("MVM")),
    ("afghanistan-liaison", "party", Some("AFG")),
    ("pakistan-liaison", "party", Some("PAK")),
    ("observer", "observer", None),
];

/// The user who acts for `affiliation` in `role`, by name (the scenario's `by`).
pub fn name_of(role: &str, affiliation: Option<&str>) -> &'static str {
    USERS
        .iter()
        .find(|(_, r, a)| *r == role && *a == affiliation)
        .map(|(name, _, _)| *name)
        .expect("a demo user for every role the scenario uses")
}

/// The role of the demo user `name` (the scenario's `by`), as the public log names it.
pub fn public_label_of(name: &str) -> String {
    USERS
        .iter()
        .find(|(user, _, _)| *user == name)
        .and_then(|(_, role, affiliation)| Role::parse(role, *affiliation).ok())
        .map_or_else(|| "system".to_string(), |role| role.public_label())
}

pub fn create(dir: &DataDir) -> anyhow::Result<Vec<DemoUser>> {
    let connection = accounts::open(&dir.database())?;
    let mut users = Vec::new();
    for (name, role, affiliation) in USERS {
        let parsed = Role::parse(role, *affiliation)?;
        let password = accounts::generate_password();
        let user_name = UserName::parse(name)?;
        accounts::add_user(&connection, &user_name, &parsed, Some(&password))?;
        let (_, token) = accounts::create_token(&connection, &user_name, "demo", 30)?;
        users.push(DemoUser {
            name: name.to_string(),
            role: parsed.name(),
            party: matches!(parsed, Role::Party(_)).then(|| affiliation.unwrap_or_default().to_string()),
            affiliation: affiliation.map(str::to_string),
            password,
            token,
        });
    }
    Ok(users)
}
