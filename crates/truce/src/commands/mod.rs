//! One module a command. Each turns validated flags into calls on the library crates.

mod append;
mod audit;
mod bench_log;
mod demo;
mod init;
mod mirror;
mod serve;
mod verify;

use crate::cli::{BenchCommand, Command, LogCommand};
use std::process::ExitCode;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo { data, listen } => demo::run(&data, listen),
        Command::Init { data, origin } => init::run(&data, &origin),
        Command::Serve { data, listen } => serve::run(&data, listen),
        Command::Audit { data } => audit::run(&data),
        Command::Log(LogCommand::Verify(args)) => verify::run(args),
        Command::Log(LogCommand::Mirror { url, dir }) => mirror::run(&url, &dir),
        Command::Log(LogCommand::Append { data }) => append::run(&data),
        Command::Bench(BenchCommand::Log(args)) => bench_log::run(args),
    }
}
