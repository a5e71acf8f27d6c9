//! Who may do what: the role table of the design, as one function. The
//! shell asks [`permits`] before it builds a command, and fills in the
//! mediator or party a command acts for from the caller's role, never from
//! the request, so no one acts in another's name.
//!
//! | role | may |
//! |---|---|
//! | admin | set up the agreement, users, keys; read everything; publish bulletins |
//! | mediator | everything a monitor may; issue determinations; approve determinations and penalties in its own name; invoke urgency |
//! | monitor | file reports and evidence, review, assign tasks, file findings, ask for replies, finalize, record compliance, publish bulletins; see protected sources |
//! | party | file allegations as itself, reply, attach statements, appeal; see its own submissions, allegations against it (sources redacted), determinations and penalties |
//! | observer | read published findings, status, penalties, the log |

use crate::role::Role;

/// Defines [`Action`], [`Action::ALL`] and, for each action, a type in
/// [`may`] that names it ([`Permission`]), from one list.
macro_rules! actions {
    ($($(#[doc = $doc:literal])* $action:ident),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[doc = $doc])* $action,)*
        }

        impl Action {
            pub const ALL: [Action; [$(Action::$action),*].len()] = [$(Action::$action),*];
        }

        /// The actions as types (`may::FileReport`, …), so a handler can ask
        /// for a caller permitted one (the server's `Permitted<may::FileReport>`).
        pub mod may {
            $(
                #[doc = concat!("The permission to take [`super::Action::", stringify!($action), "`].")]
                pub struct $action;
                impl super::Permission for $action {
                    const ACTION: super::Action = super::Action::$action;
                }
            )*
        }
    };
}

/// An action of the role table as a type (see [`may`]).
pub trait Permission {
    const ACTION: Action;
}

actions!(
    FileReport,
    RegisterEvidence,
    StartReview,
    AssignTask,
    FileFindings,
    RequestReply,
    Reply,
    IssueDetermination,
    Approve,
    InvokeUrgency,
    Finalize,
    AttachStatement,
    Appeal,
    ApprovePenalty,
    RecordCompliance,
    /// Read every incident and report, unredacted.
    ReadAll,
    /// Read sealed fields (reporter identity, protected source).
    ReadSealed,
    ManageUsers,
    /// Compose a bulletin and append it to the log.
    PublishBulletin,
);

/// Whether `role` may take `action`.
pub fn permits(role: &Role, action: Action) -> bool {
    use Action::*;
    let monitor = matches!(
        action,
        FileReport
            | RegisterEvidence
            | StartReview
            | AssignTask
            | FileFindings
            | RequestReply
            | Finalize
            | RecordCompliance
            | ReadAll
            | ReadSealed
            | PublishBulletin
    );
    match role {
        Role::Admin => matches!(action, ReadAll | ManageUsers | PublishBulletin),
        Role::Mediator(_) => monitor || matches!(action, IssueDetermination | Approve | InvokeUrgency | ApprovePenalty),
        Role::Monitor(_) => monitor,
        Role::Party(_) => matches!(action, FileReport | RegisterEvidence | Reply | AttachStatement | Appeal),
        Role::Observer => false,
    }
}

/// Whether a user in `role` is notified of `event`: everything for the
/// roles that read everything; for a party, the events that name it (a
/// reply asked of it, its own replies, statements and appeals, penalties on
/// it) and the public ones; for observers, the public ones only (final
/// determinations, penalties taking effect, compliance, the agreement).
/// Never a report to a party: its sources would show.
pub fn notifies(role: &Role, event: &crate::event::Event) -> bool {
    use crate::event::Event as E;
    if permits(role, Action::ReadAll) {
        return true;
    }
    let public = matches!(
        event,
        E::AgreementRegistered { .. }
            | E::DeterminationFinal { .. }
            | E::PenaltyInEffect { .. }
            | E::ComplianceRecorded { .. }
            | E::BulletinPublished { .. }
    );
    let named = match event {
        E::ReplyRequested { party, .. }
        | E::ReplyReminded { party, .. }
        | E::ReplyFiled { party, .. }
        | E::StatementAttached { party, .. }
        | E::AppealFiled { party, .. }
        | E::PenaltyProposed { party, .. } => Some(party),
        _ => None,
    };
    public || matches!((role, named), (Role::Party(code), Some(party)) if code == party)
}

/// How an entry of the log stands to a reader, for its openings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// The reader's own submission (for a party: one its role filed).
    Own,
    /// An entry of an incident the reader may see.
    VisibleIncident,
    /// Anything else.
    Other,
}

/// Whether `role` may open `group` of an entry that stands in `relation` to
/// it: the roles that read everything, all of it; a party, all of its own
/// submissions and, of the incidents it may see, what it may read on their
/// pages (allegations without their sources, findings, statements), never
/// sources, teams, accounts, custody, tasks or the rationale that names
/// sources; an observer, nothing until it is disclosed in the log.
pub fn may_open(role: &Role, group: crate::disclosure::Group, relation: Relation) -> bool {
    use crate::disclosure::Group as G;
    if permits(role, Action::ReadAll) {
        return true;
    }
    match (role, relation) {
        (Role::Party(_), Relation::Own) => true,
        (Role::Party(_), Relation::VisibleIncident) => matches!(
            group,
            G::Narrative | G::Place | G::Actors | G::Claims | G::Findings | G::Statements
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;

    /// The whole table: for each role, the actions it may take; every other is refused.
    #[test]
    fn the_role_table() {
        use Action::*;
        let code = |c: &str| Code::parse(c).unwrap();
        let table: [(Role, &[Action]); 5] = [
            (Role::Admin, &[ReadAll, ManageUsers, PublishBulletin]),
            (
                Role::Mediator(code("QAT")),
                &[
                    FileReport,
                    RegisterEvidence,
                    StartReview,
                    AssignTask,
                    FileFindings,
                    RequestReply,
                    IssueDetermination,
                    Approve,
                    InvokeUrgency,
                    Finalize,
                    ApprovePenalty,
                    RecordCompliance,
                    ReadAll,
                    ReadSealed,
                    PublishBulletin,
                ],
            ),
            (
                Role::Monitor(code("MVM")),
                &[
                    FileReport,
                    RegisterEvidence,
                    StartReview,
                    AssignTask,
                    FileFindings,
                    RequestReply,
                    Finalize,
                    RecordCompliance,
                    ReadAll,
                    ReadSealed,
                    PublishBulletin,
                ],
            ),
            (
                Role::Party(code("AFG")),
                &[FileReport, RegisterEvidence, Reply, AttachStatement, Appeal],
            ),
            (Role::Observer, &[]),
        ];
        for (role, allowed) in &table {
            for action in Action::ALL {
                assert_eq!(permits(role, action), allowed.contains(&action), "{role} {action:?}");
            }
        }
    }

    #[test]
    fn notifications_follow_what_each_role_may_see() {
        use crate::event::Event;
        let code = |c: &str| Code::parse(c).unwrap();
        let asked = Event::ReplyRequested {
            incident: 1,
            party: code("PAK"),
            asked_at: chrono::Utc::now(),
            due: chrono::Utc::now(),
        };
        let reviewed = Event::ReviewStarted { incident: 1 };
        let final_ = Event::DeterminationFinal {
            incident: 1,
            number: 1,
            finalized_at: chrono::Utc::now(),
            incident_at: chrono::Utc::now(),
        };
        let cases = [
            (Role::Monitor(code("MVM")), [true, true, true]),
            (Role::Mediator(code("QAT")), [true, true, true]),
            (Role::Party(code("PAK")), [true, false, true]),
            (Role::Party(code("AFG")), [false, false, true]),
            (Role::Observer, [false, false, true]),
        ];
        for (role, expected) in cases {
            let got = [
                notifies(&role, &asked),
                notifies(&role, &reviewed),
                notifies(&role, &final_),
            ];
            assert_eq!(got, expected, "{role}");
        }
    }
}
