//! What a caller is shown of a log entry: its public form with only the
//! openings the caller's role may see put back (`truce_domain::disclosure::view_for`).
//! The SSE stream and the webhooks send this, never the whole event.

use std::collections::BTreeSet;
use truce_domain::disclosure::{public_by, relation_of, view_for};
use truce_domain::role::Role;
use truce_store::Notification;

/// The view of a freshly written entry for `role`, which `notifies` let
/// through: for a party, an event that names it, so of an incident it may see.
pub fn of_notification(role: &Role, notification: &Notification) -> serde_json::Map<String, serde_json::Value> {
    let public = notification.public.as_bytes();
    let relation = relation_of(role, public_by(public).as_deref(), !matches!(role, Role::Observer));
    view_for(role, relation, public, &notification.openings, &BTreeSet::new())
}
