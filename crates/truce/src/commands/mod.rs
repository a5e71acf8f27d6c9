//! One module a command. Each turns validated flags into calls on the library crates.

mod accounts;
mod append;
mod audit;
mod bench_api;
mod bench_core;
mod bench_disclosure;
mod bench_figure;
mod bench_log;
mod bench_rules;
mod bench_server;
mod bench_web;
mod bench_witness;
mod bulletin;
mod demo;
mod evidence;
mod export;
mod import;
mod incident;
mod incident_show;
mod init;
mod local_witnesses;
mod mirror;
mod publish;
mod rebuild;
mod receipt;
mod serve;
mod status;
mod verify;
mod witness;

use crate::cli::{BenchCommand, Command, LogCommand};
use std::process::ExitCode;
use truce_server::api::webhooks::TargetPolicy;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo {
            data,
            listen,
            webhook_allow_host,
        } => demo::run(&data, listen, TargetPolicy::allowing(webhook_allow_host)),
        Command::Init {
            data,
            agreement,
            origin,
            admin,
        } => init::run(&data, agreement.as_deref(), origin.as_deref(), &admin),
        Command::User(command) => accounts::run_user(command),
        Command::Receipt(crate::cli::ReceiptCommand::Verify {
            file,
            vkey,
            url,
            policy,
        }) => receipt::verify(receipt::ReceiptCheck {
            file,
            vkey,
            url,
            policy,
        }),
        Command::Token(command) => accounts::run_token(command),
        Command::Import {
            data,
            format,
            import_as,
            json,
            file,
        } => import::run(&data, format, import_as, json, &file),
        Command::Export { data, format, out } => export::run(&data, format, out.as_deref()),
        Command::Bulletin {
            data,
            date,
            weekly,
            format,
            lang,
            out,
        } => bulletin::run(&data, &date, weekly, format, lang, out.as_deref()),
        Command::Rebuild { data } => rebuild::run(&data),
        Command::Evidence(command) => evidence::run(command),
        Command::Incident(command) => incident::run(command),
        Command::Serve {
            data,
            listen,
            requests_per_second,
            webhook_allow_host,
        } => serve::run(
            &data,
            listen,
            requests_per_second,
            TargetPolicy::allowing(webhook_allow_host),
        ),
        Command::Status { data, json } => status::run(&data, json),
        Command::Audit { data } => audit::run(&data, audit::Scope::Everything),
        Command::Log(LogCommand::Audit { data }) => audit::run(&data, audit::Scope::LogOnly),
        Command::Log(LogCommand::Verify(args)) => verify::run(args),
        Command::Log(LogCommand::Mirror { url, dir }) => mirror::run(&url, &dir),
        Command::Log(LogCommand::Publish { data, dir }) => publish::run(&data, &dir),
        Command::Log(LogCommand::Append { data }) => append::run(&data),
        Command::Bench(BenchCommand::Log(args)) => bench_log::run(args),
        Command::Bench(BenchCommand::Ingest(args)) => bench_core::ingest(args),
        Command::Bench(BenchCommand::Correlate(args)) => bench_core::correlate(args),
        Command::Bench(BenchCommand::Rules { json, determinations }) => bench_rules::run(json, determinations),
        Command::Bench(BenchCommand::Api {
            json,
            seconds,
            connections,
        }) => bench_api::run(json, seconds, connections),
        Command::Bench(BenchCommand::Web(args)) => bench_web::run(args),
        Command::Bench(BenchCommand::Witness {
            json,
            requests,
            seconds,
            connections,
        }) => bench_witness::run(json, requests, seconds, connections),
        Command::Witness(command) => witness::run(command),
    }
}
