//! Reminders: ahead of every reply window's close, the party that has not
//! replied is reminded, once, as an event in the log (so the record shows it
//! was told), which reaches it through its event stream and webhooks.

use super::Api;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use truce_domain::codes::Code;
use truce_domain::state::Command;
use truce_domain::verification::case::VerificationCommand;
use truce_store::Submission;

/// Who the reminders are recorded as.
pub const REMINDER: &str = "truce-reminders";

/// Every `every`, reminds the parties whose reply windows close within
/// `lead`. It holds the API weakly, so it ends when the server does (and
/// never keeps the engine from stopping).
pub fn spawn_reminders(api: &Arc<Api>, lead: Duration, every: Duration) {
    let api = Arc::downgrade(api);
    tokio::spawn(async move {
        let lead = chrono::Duration::from_std(lead).unwrap_or(chrono::Duration::hours(12));
        loop {
            let Some(api) = api.upgrade() else {
                return;
            };
            let due_soon = api
                .engine
                .read(move |engine| {
                    let now = Utc::now();
                    let mut due: Vec<(u64, Code)> = Vec::new();
                    for (incident, case) in engine.state().verification().cases() {
                        for record in &case.replies {
                            if record.reply.is_none()
                                && !record.reminded
                                && record.due > now
                                && record.due - now <= lead
                            {
                                due.push((incident, record.party.clone()));
                            }
                        }
                    }
                    due
                })
                .await;
            let Ok(due_soon) = due_soon else {
                return; // The engine stopped: so does this.
            };
            for (incident, party) in due_soon {
                let command = Command::Verify(VerificationCommand::RemindReply { incident, party });
                if let Err(error) = api
                    .engine
                    .submit(Submission::new(REMINDER, command).acting("system"))
                    .await
                {
                    tracing::error!(%error, incident, "recording a reminder failed");
                }
            }
            drop(api);
            tokio::time::sleep(every).await;
        }
    });
}
