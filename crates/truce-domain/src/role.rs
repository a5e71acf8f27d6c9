//! Who a user is to the mechanism: the roles of the design, each carrying
//! what it acts for. A mediator acts in one mediator's name (its approvals
//! count for that mediator only), a party's liaison for one party, a monitor
//! for one monitoring team: a role without its affiliation cannot be built.

use crate::agreement::Agreement;
use crate::codes::Code;
use serde::Serialize;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "role", content = "for", rename_all = "snake_case")]
pub enum Role {
    /// Mission IT: sets up the agreement, users and keys.
    Admin,
    /// A guarantor state: approves determinations and penalties in its own name.
    Mediator(Code),
    /// A monitoring team: files reports and evidence, investigates, drafts findings.
    Monitor(Code),
    /// A signatory's liaison: files allegations, replies to those against it.
    Party(Code),
    /// The public, the press, researchers: reads what is published.
    Observer,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("unknown role {0:?}: expected admin, mediator, monitor, party or observer")]
    Unknown(String),
    #[error("a {0} acts for someone: give the code of its {1}")]
    AffiliationMissing(&'static str, &'static str),
    #[error("an {0} acts for no one: drop the affiliation {1:?}")]
    AffiliationUnexpected(&'static str, String),
    #[error("{0:?} is not a valid code: {1}")]
    BadCode(String, String),
    #[error("the agreement names no {0} {1}")]
    NotInAgreement(&'static str, Code),
}

impl Role {
    /// Parses a role name and what it acts for (`mediator` + `QAT`).
    pub fn parse(name: &str, affiliation: Option<&str>) -> Result<Role, RoleError> {
        let code = |what: &'static str, of: &'static str| -> Result<Code, RoleError> {
            let text = affiliation.ok_or(RoleError::AffiliationMissing(what, of))?;
            Code::parse(text).map_err(|e| RoleError::BadCode(text.to_string(), e.to_string()))
        };
        let none = |role: Role, what: &'static str| match affiliation {
            Some(text) => Err(RoleError::AffiliationUnexpected(what, text.to_string())),
            None => Ok(role),
        };
        match name {
            "admin" => none(Role::Admin, "admin"),
            "observer" => none(Role::Observer, "observer"),
            "mediator" => Ok(Role::Mediator(code("mediator", "mediator")?)),
            "monitor" => Ok(Role::Monitor(code("monitor", "monitoring team")?)),
            "party" => Ok(Role::Party(code("party", "party")?)),
            other => Err(RoleError::Unknown(other.to_string())),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Mediator(_) => "mediator",
            Role::Monitor(_) => "monitor",
            Role::Party(_) => "party",
            Role::Observer => "observer",
        }
    }

    /// What the role acts for, if anything.
    pub fn affiliation(&self) -> Option<&Code> {
        match self {
            Role::Mediator(code) | Role::Monitor(code) | Role::Party(code) => Some(code),
            Role::Admin | Role::Observer => None,
        }
    }

    /// Checks that the affiliation is one the agreement names.
    pub fn check_against(&self, agreement: &Agreement) -> Result<(), RoleError> {
        let known = |actors: &[crate::agreement::Actor], code: &Code| actors.iter().any(|a| &a.code == code);
        match self {
            Role::Mediator(code) if !known(&agreement.mediators, code) => {
                Err(RoleError::NotInAgreement("mediator", code.clone()))
            }
            Role::Monitor(code) if !known(&agreement.monitors, code) => {
                Err(RoleError::NotInAgreement("monitoring team", code.clone()))
            }
            Role::Party(code) if agreement.party(code).is_none() => {
                Err(RoleError::NotInAgreement("party", code.clone()))
            }
            _ => Ok(()),
        }
    }
}

impl Role {
    /// How the public log names whoever acts in this role: the role and
    /// whom it acts for, never the account; a monitor without its team
    /// (teams are never public, see `crate::disclosure::Group::Team`).
    pub fn public_label(&self) -> String {
        match self {
            Role::Mediator(code) | Role::Party(code) => format!("{} {code}", self.name()),
            Role::Admin | Role::Monitor(_) | Role::Observer => self.name().to_string(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.affiliation() {
            Some(code) => write!(f, "{} for {code}", self.name()),
            None => f.write_str(self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_with_exactly_the_affiliation_they_need() {
        assert_eq!(Role::parse("admin", None), Ok(Role::Admin));
        assert_eq!(
            Role::parse("party", Some("AFG")),
            Ok(Role::Party(Code::parse("AFG").unwrap()))
        );
        assert_eq!(
            Role::parse("mediator", None),
            Err(RoleError::AffiliationMissing("mediator", "mediator"))
        );
        assert_eq!(
            Role::parse("observer", Some("PAK")),
            Err(RoleError::AffiliationUnexpected("observer", "PAK".into()))
        );
        assert!(matches!(
            Role::parse("party", Some("not a code")),
            Err(RoleError::BadCode(..))
        ));
        assert_eq!(Role::parse("root", None), Err(RoleError::Unknown("root".into())));
    }

    #[test]
    fn affiliations_must_be_in_the_agreement() {
        let agreement = Agreement::from_toml(include_str!("../../../examples/doha-ceasefire.toml")).unwrap();
        assert_eq!(
            Role::parse("mediator", Some("QAT")).unwrap().check_against(&agreement),
            Ok(())
        );
        assert_eq!(
            Role::parse("monitor", Some("MVM")).unwrap().check_against(&agreement),
            Ok(())
        );
        assert_eq!(
            Role::parse("mediator", Some("AFG")).unwrap().check_against(&agreement),
            Err(RoleError::NotInAgreement("mediator", Code::parse("AFG").unwrap()))
        );
        assert_eq!(
            Role::parse("party", Some("IND")).unwrap().check_against(&agreement),
            Err(RoleError::NotInAgreement("party", Code::parse("IND").unwrap()))
        );
    }
}
