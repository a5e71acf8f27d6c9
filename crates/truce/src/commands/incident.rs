//! `truce incident merge` and `split`: a monitor's corrections to
//! correlation, each an event in the log with its reason (`show` is in
//! `incident_show`).

use super::evidence::submit;
use crate::cli::IncidentCommand;
use crate::datadir::DataDir;
use std::process::ExitCode;
use truce_domain::state::Command;
use truce_store::Outcome;

pub fn run(command: IncidentCommand) -> anyhow::Result<ExitCode> {
    let (data, command) = match command {
        IncidentCommand::Show { data, id, json } => return super::incident_show::run(&data, id, json),
        IncidentCommand::Merge {
            data,
            into,
            from,
            reason,
        } => (data, Command::MergeIncidents { into, from, reason }),
        IncidentCommand::Split {
            data,
            from,
            reports,
            reason,
        } => (
            data,
            Command::SplitIncident {
                from,
                report_ids: reports,
                reason,
            },
        ),
    };
    match submit(&DataDir::open(&data)?, command)? {
        Outcome::Recorded { first_index, .. } => {
            println!("recorded at log index {first_index}");
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Unchanged => Ok(ExitCode::SUCCESS),
        Outcome::Refused(reason) => {
            eprintln!("refused: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}
