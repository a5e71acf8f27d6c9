//! `truce rebuild`: replays the whole log into fresh projections and prints
//! their digest beside the live one's; they must be equal.

use crate::datadir::DataDir;
use std::path::Path;
use std::process::ExitCode;
use truce_store::{LogReader, projections, rebuild_in_memory};

pub fn run(data: &Path) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let reader = LogReader::open(&dir.database())?;
    let rebuilt = projections::digest(&rebuild_in_memory(&reader)?)?;
    let live = projections::open(&dir.database())?;
    let live = projections::digest(&live)?;
    println!("rebuilt projections digest: {rebuilt}");
    println!("live projections digest:    {live}");
    if rebuilt == live {
        println!("equal");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "DIFFERENT: run `truce audit --data {}` to see which rows",
            data.display()
        );
        Ok(ExitCode::FAILURE)
    }
}
