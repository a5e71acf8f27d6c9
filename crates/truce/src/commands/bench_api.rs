//! `truce bench api`: the server under load from a second process. The
//! server runs here, on loopback, over a fresh data directory with the
//! example agreement; wrk (Debian's, installed by `scripts/setup`) loads it:
//! authenticated report submissions, each answered only once durable with
//! its receipt (first a stream shaped as a mission receives reports, then
//! the correlator's worst case, one source in one hour), then public reads (the checkpoint, the incident list). The
//! figures stand beside the issue's targets; the log's growth is checked
//! against the submissions wrk saw answered.

use super::bench_figure::Figure;
use crate::datadir::DataDir;
use anyhow::{Context, bail};
use std::process::{Command as Process, ExitCode};
use truce_domain::agreement::Agreement;
use truce_domain::role::Role;
use truce_domain::state::Command;
use truce_store::accounts::{self, UserName};
use truce_store::{Engine, LogReader, LogWriter, Submission};

const AGREEMENT: &str = include_str!("../../../../examples/doha-ceasefire.toml");

/// Each request files a new report: a unique external id per thread and
/// request. `{SOURCE}` and `{TIME}` are Lua expressions filled in by the
/// stream's shape (`Stream::lua`), `{STREAM}` its name.
const SUBMIT_LUA: &str = r#"
local counter = 0
local threads = {}
local sources = {"Dawn", "Tolo News", "Pajhwok", "Geo News", "Ariana News", "Express Tribune", "Khaama Press", "ARY News", "Shamshad TV", "The News", "1TV", "Samaa", "Hasht-e Subh", "Dunya News", "Etilaatroz", "Business Recorder", "Salaam Watandar", "Pakistan Observer", "Amu TV", "The Nation", "Kabul Now", "Daily Times", "Bakhtar", "APP"}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  token = args[1]
end
request = function()
  counter = counter + 1
  local source = {SOURCE}
  local time = {TIME}
  local body = string.format('{"external_id":"bench-{STREAM}-%d-%d","source":{"type":"media","name":"%s","grading":"B2"},"time":{"start":"%s","precision":"hour"},"location":{"latitude":%f,"longitude":%f,"precision":"exact"},"act":"ACT-SHELLING","claims":[{"claimant":"%s","stance":"assert","category":"civilians","low":1,"best":2,"high":3}]}', id, counter, source, time, 30 + (counter % 600) / 100.0, 62 + (id * 7 + counter) % 1100 / 100.0, source)
  return wrk.format("POST", "/api/v1/reports", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
"#;

/// The shape of the stream of submissions.
#[derive(Clone, Copy)]
enum Stream {
    /// As a mission receives them: 24 media sources in turn, each thread's
    /// reports a minute apart, so reports of one place and hour are few.
    Spread,
    /// The correlator's worst case: one source, every report in the same
    /// hour, so every new report is scored against all of that source's
    /// incidents nearby and joins none of them.
    OneSourceOneHour,
}

impl Stream {
    fn lua(self) -> String {
        let (source, time) = match self {
            Stream::Spread => (
                "sources[(counter + id) % #sources + 1]",
                r#"os.date("!%Y-%m-%dT%H:%M:%SZ", 1761264000 + id * 86400 * 30 + counter * 60)"#,
            ),
            Stream::OneSourceOneHour => (r#""Dawn""#, r#""2025-10-24T22:00:00+04:30""#),
        };
        let name = match self {
            Stream::Spread => "spread",
            Stream::OneSourceOneHour => "one-source",
        };
        // Each stream its own external ids: a repeat would be answered but not logged.
        SUBMIT_LUA
            .replace("{SOURCE}", source)
            .replace("{TIME}", time)
            .replace("{STREAM}", name)
    }
}

/// What wrk measured.
struct Load {
    requests_per_s: f64,
    p99_ms: f64,
    requests: u64,
    failed: u64,
}

fn milliseconds(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// Runs wrk and reads its report.
fn wrk(url: &str, seconds: u64, connections: u32, extra: &[&str]) -> anyhow::Result<Load> {
    let output = Process::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
        ])
        .args(extra.iter().take_while(|a| **a != "--"))
        .arg(url)
        .args(extra.iter().skip_while(|a| **a != "--"))
        .output()
        .context("running wrk (install it with scripts/setup: apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!("wrk failed: {}{}", text, String::from_utf8_lossy(&output.stderr));
    }
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(prefix).map(|rest| rest.trim().to_string()))
    };
    let requests_per_s = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .context("wrk gave no Requests/sec")?;
    let p99_ms = field("99%")
        .and_then(|v| milliseconds(&v))
        .context("wrk gave no 99th percentile")?;
    let requests = text
        .lines()
        .find_map(|line| {
            line.trim()
                .split_once(" requests in ")
                .map(|(n, _)| n.trim().to_string())
        })
        .and_then(|n| n.parse().ok())
        .context("wrk gave no request count")?;
    let failed = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(Load {
        requests_per_s,
        p99_ms,
        requests,
        failed,
    })
}

/// The origin of the benches' logs.
pub const BENCH_ORIGIN: &str = "bench.truce.example/api";

/// A fresh data directory under `path` with `agreement` registered and a
/// monitor's API token; the directory and the token.
pub fn prepare(path: &std::path::Path, agreement_text: &str) -> anyhow::Result<(DataDir, String)> {
    let dir = DataDir::create(path, BENCH_ORIGIN)?;
    let token = register(&dir, agreement_text)?;
    Ok((dir, token))
}

/// Registers `agreement_text` in `dir`'s log and makes a monitor's API token.
pub fn register(dir: &DataDir, agreement_text: &str) -> anyhow::Result<String> {
    std::fs::write(dir.path().join("agreement.toml"), agreement_text)?;
    let agreement = Agreement::from_toml(agreement_text).map_err(|e| anyhow::anyhow!("{e}"))?;
    {
        let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
        engine.submit(vec![Submission::new(
            "admin",
            Command::register_agreement(&agreement, agreement_text),
        )])?;
    }
    let connection = accounts::open(&dir.database())?;
    let user = UserName::parse("bench-monitor")?;
    accounts::add_user(&connection, &user, &Role::parse("monitor", Some("MVM"))?, None)?;
    let (_, token) = accounts::create_token(&connection, &user, "bench", 1)?;
    Ok(token)
}

/// Requests a second of the spread stream of submissions against `base`.
pub fn spread_submissions(
    dir: &DataDir,
    base: &str,
    token: &str,
    scratch: &std::path::Path,
    seconds: u64,
    connections: u32,
) -> anyhow::Result<f64> {
    let name = dir.path().file_name().and_then(|n| n.to_str()).unwrap_or("data");
    let script = scratch.join(format!("spread-{name}.lua"));
    Ok(submit(dir, base, token, Stream::Spread, &script, seconds, connections)?
        .0
        .requests_per_s)
}

/// Loads the server of `dir` with `stream`'s submissions; what wrk saw and how many entries the log grew by.
fn submit(
    dir: &DataDir,
    base: &str,
    token: &str,
    stream: Stream,
    script: &std::path::Path,
    seconds: u64,
    connections: u32,
) -> anyhow::Result<(Load, u64)> {
    std::fs::write(script, stream.lua())?;
    let before = LogReader::open(&dir.database())?.latest_checkpoint()?.size;
    let script_arg = script.display().to_string();
    let load = wrk(base, seconds, connections, &["-s", &script_arg, "--", token])?;
    let after = LogReader::open(&dir.database())?.latest_checkpoint()?.size;
    Ok((load, after - before))
}

pub fn run(json: bool, seconds: u64, connections: u32) -> anyhow::Result<ExitCode> {
    let scratch = tempfile::tempdir()?;
    let (dir, token) = prepare(&scratch.path().join("data"), AGREEMENT)?;
    let server = super::bench_server::BenchServer::start(dir.path())?;
    let base = server.base();
    let script = |name: &str| scratch.path().join(format!("{name}.lua"));
    let load = |stream: Stream, name: &str| submit(&dir, &base, &token, stream, &script(name), seconds, connections);
    let (submissions, logged) = load(Stream::Spread, "spread")?;
    let (worst, worst_logged) = load(Stream::OneSourceOneHour, "one-source")?;
    let checkpoint = wrk(&format!("{base}/log/checkpoint"), seconds, connections, &[])?;
    let incidents = wrk(&format!("{base}/api/v1/incidents?limit=20"), seconds, connections, &[])?;
    // The peer: the same server's HTTP stack answering with no work at all,
    // the most any read could reach here while wrk shares the two cores.
    let ceiling = wrk(&format!("{base}/healthz"), seconds, connections, &[])?;
    server.stop()?;
    // The peer of the submissions: the same stream to a server whose
    // agreement makes every field public at intake (no commitments).
    let in_clear_agreement = super::bench_disclosure::all_in_clear(AGREEMENT);
    let (clear_dir, clear_token) = prepare(&scratch.path().join("data-in-clear"), &in_clear_agreement)?;
    let clear_server = super::bench_server::BenchServer::start(clear_dir.path())?;
    let (in_clear, _) = submit(
        &clear_dir,
        &clear_server.base(),
        &clear_token,
        Stream::Spread,
        &script("spread-in-clear"),
        seconds,
        connections,
    )?;
    clear_server.stop()?;

    if !json {
        println!("truce bench api: wrk -t2 -c{connections} for {seconds} s each, on loopback, against truce serve");
    }
    let print = |figure: Figure| figure.print(json);
    print_submissions(json, "api_submissions", &submissions, logged, true);
    print(
        Figure::new("api_submissions_per_s", submissions.requests_per_s, "requests/s")
            .against("every field in clear, no commitments", in_clear.requests_per_s),
    );
    print_submissions(json, "api_submissions_worst_case", &worst, worst_logged, false);
    print(
        Figure::new("api_checkpoint_reads_per_s", checkpoint.requests_per_s, "requests/s").against("target", 20_000.0),
    );
    print(
        Figure::new("api_incident_list_reads_per_s", incidents.requests_per_s, "requests/s")
            .against("target", 20_000.0),
    );
    print(Figure::new("api_incident_list_p99_ms", incidents.p99_ms, "ms"));
    print(Figure::new("api_healthz_reads_per_s", ceiling.requests_per_s, "requests/s").against("target", 20_000.0));
    print(
        Figure::new("api_checkpoint_reads_per_s", checkpoint.requests_per_s, "requests/s")
            .against("/healthz, no work", ceiling.requests_per_s),
    );
    print(
        Figure::new("api_incident_list_reads_per_s", incidents.requests_per_s, "requests/s")
            .against("/healthz, no work", ceiling.requests_per_s),
    );
    Ok(ExitCode::SUCCESS)
}

/// The figures of one stream of submissions; `targeted` compares them with the issue's targets.
fn print_submissions(json: bool, name: &str, load: &Load, logged: u64, targeted: bool) {
    let rate = Figure::new(&format!("{name}_per_s"), load.requests_per_s, "requests/s");
    let p99 = Figure::new(&format!("{name}_p99_ms"), load.p99_ms, "ms");
    if targeted {
        rate.against("target", 5_000.0).print(json);
        p99.against("target", 50.0).print(json);
    } else {
        rate.print(json);
        p99.print(json);
    }
    Figure::new(&format!("{name}_failed"), load.failed as f64, "responses").print(json);
    Figure::new(&format!("{name}_logged"), logged as f64, "entries")
        .against("answered submissions", (load.requests - load.failed) as f64)
        .print(json);
}
