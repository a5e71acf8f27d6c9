//! `truce bench web`: the web interface over a large record. A fresh data
//! directory gets the example agreement and `--incidents` incidents (one
//! report each, spread over the border region and the year since the
//! ceasefire, a party's own report every seventh), every `--final-every`th
//! taken to a final determination through the verification steps; then
//! `truce serve` runs here on loopback and each page is asked for
//! `--requests` times in turn, as a mediator, a party and the public: the
//! median and the slowest answer beside the issue's 300 ms budget and
//! beside `/healthz` (the same HTTP stack doing no work), measured in the
//! same run. With `--browser`, Debian's chromium (through playwright-core,
//! `tests/e2e/bench-map.mjs`) opens the mediator's dashboard and reports
//! how long the map took to draw its points and how smooth zooming is.

use super::bench_figure::Figure;
use super::bench_server::BenchServer;
use crate::cli::BenchWebArgs;
use crate::datadir::DataDir;
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use truce_domain::agreement::Agreement;
use truce_domain::codes::Code;
use truce_domain::report::ReportInput;
use truce_domain::role::Role;
use truce_domain::state::Command;
use truce_domain::verification::case::VerificationCommand as V;
use truce_domain::verification::determination::{DeterminationInput, Verdict};
use truce_store::accounts::{self, UserName};
use truce_store::{Engine, LogWriter, Outcome, Submission};

const AGREEMENT: &str = include_str!("../../../../examples/doha-ceasefire.toml");
/// The budget of the issue: a page answered within this much server time.
const BUDGET_MS: f64 = 300.0;
/// Reports submitted to the engine at once while filling the store.
const FILL_BATCH: usize = 5_000;
const PASSWORD: &str = "bench-password-not-secret";

/// The tokens of the users the pages are read as.
struct Readers {
    mediator: String,
    party: String,
}

pub fn run(args: BenchWebArgs) -> anyhow::Result<ExitCode> {
    let scratch = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            tempfile::tempdir_in(dir)?
        }
        None => tempfile::tempdir()?,
    };
    let dir = DataDir::create(&scratch.path().join("data"), "bench.truce.example/web")?;
    std::fs::write(dir.path().join("agreement.toml"), AGREEMENT)?;
    let agreement = Agreement::from_toml(AGREEMENT).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let (incidents, finals) = fill(&dir, &agreement, &args)?;
    let fill_seconds = started.elapsed().as_secs_f64();
    let readers = readers(&dir)?;
    let server = BenchServer::start(dir.path())?;
    let base = server.base();
    if !args.json {
        println!(
            "truce bench web: {incidents} incidents ({finals} final) filled in {fill_seconds:.0} s; \
             {} requests a page, one at a time, on loopback",
            args.requests
        );
    }
    let print = |figure: Figure| figure.print(args.json);
    print(Figure::new("web_store_incidents", incidents as f64, "incidents").against("asked", args.incidents as f64));
    let peer = timings(&base, "/healthz", None, args.requests)?;
    print(Figure::new("web_healthz_median_ms", peer.median(), "ms"));
    let deep = incidents / 2;
    let pages: Vec<(&str, String, Option<&str>)> = vec![
        ("dashboard_mediator", "/dashboard".into(), Some(&readers.mediator)),
        ("dashboard_party", "/dashboard".into(), Some(&readers.party)),
        ("front_public", "/".into(), None),
        ("incident_list_mediator", "/incidents".into(), Some(&readers.mediator)),
        ("incident_list_party", "/incidents".into(), Some(&readers.party)),
        ("incident_list_public", "/incidents".into(), None),
        (
            "incident_list_filtered",
            "/incidents?party=AFG&act=ACT-SHELLING&from=2026-03-01&to=2026-04-01".into(),
            Some(&readers.mediator),
        ),
        (
            "incident_list_search",
            "/incidents?q=mortar+school+Khost".into(),
            Some(&readers.mediator),
        ),
        (
            "incident_list_search_every_report",
            "/incidents?q=report".into(),
            Some(&readers.mediator),
        ),
        (
            "incident_page_deep",
            format!("/incidents/{deep}"),
            Some(&readers.mediator),
        ),
        ("queue_mediator", "/queue".into(), Some(&readers.mediator)),
        ("inbox_party", "/inbox".into(), Some(&readers.party)),
        ("penalties", "/penalties".into(), None),
        ("log_explorer", "/log".into(), None),
        ("map_points_mediator", "/web/map.json".into(), Some(&readers.mediator)),
    ];
    for (name, path, token) in &pages {
        let timing = timings(&base, path, *token, args.requests)?;
        print(Figure::new(&format!("web_{name}_median_ms"), timing.median(), "ms").against("budget", BUDGET_MS));
        print(Figure::new(&format!("web_{name}_max_ms"), timing.max(), "ms").against("budget", BUDGET_MS));
    }
    if args.browser {
        browser_figures(&base, &args, &print)?;
    }
    server.stop()?;
    Ok(ExitCode::SUCCESS)
}

/// Registers the agreement, files the incidents and makes every `final_every`th final; (incidents, finals).
fn fill(dir: &DataDir, agreement: &Agreement, args: &BenchWebArgs) -> anyhow::Result<(u64, u64)> {
    let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-10-20T00:00:00Z")?.to_utc();
    let mut register = Submission::new("admin", Command::register_agreement(agreement, AGREEMENT));
    register.at = Some(start - Duration::days(5));
    engine.submit(vec![register])?;
    engine.set_agreement(agreement.clone());
    let progress = indicatif::ProgressBar::new(args.incidents);
    if args.json {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut opened = Vec::new();
    let mut next = 0u64;
    // Reports that join another make no incident: file until there are as many incidents as asked.
    while (opened.len() as u64) < args.incidents {
        let count = (args.incidents - opened.len() as u64).min(FILL_BATCH as u64);
        let batch = (next..next + count)
            .map(|i| report(i, args.incidents, start, agreement))
            .collect::<anyhow::Result<Vec<_>>>()?;
        for (i, outcome) in (next..).zip(engine.submit(batch)?) {
            match outcome {
                Outcome::Recorded { placement, .. } => {
                    if let Some(truce_domain::event::Placement::OpenedIncident(id)) = placement {
                        opened.push((id, accused_of(i)));
                    }
                }
                Outcome::Unchanged => {}
                Outcome::Refused(error) => bail!("a bench report was refused: {error}"),
            }
        }
        next += count;
        progress.set_position(opened.len() as u64);
    }
    progress.finish_and_clear();
    let to_finalize: Vec<u64> = opened
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| id.is_multiple_of(args.final_every))
        .collect();
    // As many again under review with a reply asked of the accused party: the inbox's and the queue's work.
    let asked: Vec<Submission> = opened
        .iter()
        .filter(|(id, _)| id % args.final_every == args.final_every / 2)
        .flat_map(|(incident, accused)| {
            let party = Code::parse(accused).expect("a party code");
            [
                V::StartReview { incident: *incident },
                V::RequestReply {
                    incident: *incident,
                    party,
                },
            ]
        })
        .map(|step| Submission::new("bench-monitor", Command::Verify(step)))
        .collect();
    for outcome in engine.submit(asked)? {
        if let Outcome::Refused(error) = outcome {
            bail!("a reply request was refused: {error}");
        }
    }
    for chunk in to_finalize.chunks(500) {
        let steps = chunk.iter().flat_map(|id| to_determination(*id)).collect();
        for outcome in engine.submit(steps)? {
            if let Outcome::Refused(error) = outcome {
                bail!("a step to a final determination was refused: {error}");
            }
        }
        // Where no reply is awaited, the second approval made it final already.
        let finalize = chunk
            .iter()
            .map(|&incident| Submission::new("bench-mediator", Command::Verify(V::Finalize { incident })))
            .collect();
        engine.submit(finalize)?;
    }
    drop(engine);
    let finals = truce_store::worklists::count(
        &truce_store::pool::open_read_only(&dir.database())?,
        &truce_store::worklists::Waiting::AtStage(truce_domain::verification::lifecycle::Stage::Final),
        chrono::Utc::now(),
    )?;
    if finals != to_finalize.len() as u64 {
        bail!("{} of {} incidents became final", finals, to_finalize.len());
    }
    Ok((opened.len() as u64, finals))
}

/// Words of the reports' narratives, so that a search selects some and not all.
const WEAPONS: [&str; 7] = [
    "artillery fire",
    "mortar rounds",
    "a drone strike",
    "small-arms fire",
    "rocket fire",
    "an explosion",
    "shelling",
];
const PLACES: [&str; 6] = ["market", "school", "checkpoint", "mosque", "border post", "village"];
const DISTRICTS: [&str; 40] = [
    "Kurram",
    "Khost",
    "Paktika",
    "Kunar",
    "Nangarhar",
    "Bajaur",
    "Mohmand",
    "Khyber",
    "Chaman",
    "Spin Boldak",
    "Zhob",
    "Angoor Adda",
    "Torkham",
    "Dand-e-Patan",
    "Barmal",
    "Gayan",
    "Asadabad",
    "Dangam",
    "Nari",
    "Sarkano",
    "Shigal",
    "Tirah",
    "Parachinar",
    "Miranshah",
    "Mir Ali",
    "Wana",
    "Ghulam Khan",
    "Lwara",
    "Shkin",
    "Gomal",
    "Qila Saifullah",
    "Pishin",
    "Dalbandin",
    "Nushki",
    "Kandahar",
    "Helmand",
    "Nimroz",
    "Zabul",
    "Urgun",
    "Sperah",
];

/// The party the `i`th report accuses.
fn accused_of(i: u64) -> &'static str {
    if i.is_multiple_of(2) { "AFG" } else { "PAK" }
}

/// The `i`th of `total` reports: spread in time over the year after the
/// ceasefire and in place over the border region, so few join another.
fn report(i: u64, total: u64, start: DateTime<Utc>, agreement: &Agreement) -> anyhow::Result<Submission> {
    let seconds_span = 360 * 24 * 3600;
    let at = start + Duration::seconds((i * seconds_span / total.max(1)) as i64);
    // A low-discrepancy walk over 29–36°N, 62–74°E.
    let latitude = 29.0 + 7.0 * ((i as f64 * 0.618_033_988_75) % 1.0);
    let longitude = 62.0 + 12.0 * ((i as f64 * 0.754_877_666_2) % 1.0);
    let acts = &agreement.acts;
    let act = acts[(i % acts.len() as u64) as usize].code.as_str();
    let (accused, accuser) = if i.is_multiple_of(2) {
        ("AFG", "PAK")
    } else {
        ("PAK", "AFG")
    };
    let source = if i.is_multiple_of(7) {
        serde_json::json!({"type": "party", "name": accuser, "grading": "C3"})
    } else {
        // One wire service: reports of one source never join each other, so each opens its incident.
        serde_json::json!({"type": "media", "name": "bench wire", "grading": "B2"})
    };
    let input: ReportInput = serde_json::from_value(serde_json::json!({
        "external_id": format!("bench-web-{i}"),
        "source": source,
        "time": {"start": at.to_rfc3339(), "precision": "hour"},
        "location": {"latitude": latitude, "longitude": longitude, "precision": "exact"},
        "act": act,
        "actor1": {"name": "artillery", "party": accused},
        "narrative": format!(
            "Report {i}: {} near the {} of {}, {} casualties.",
            WEAPONS[(i % 7) as usize],
            PLACES[(i / 7 % 6) as usize],
            DISTRICTS[(i / 42 % 40) as usize],
            i % 5
        ),
        "claims": [{"claimant": "bench", "stance": "assert", "category": "civilians", "low": 0, "best": i % 5, "high": i % 7}],
    }))?;
    let parsed = input.parse().map_err(|e| anyhow::anyhow!("bench report {i}: {e:?}"))?;
    let command = crate::geography::file_report(parsed, Some(agreement), None, true);
    let mut submission = Submission::new("bench-monitor", command);
    submission.at = Some(at + Duration::hours(1));
    Ok(submission)
}

/// The steps to an approved determination: review, an "unverifiable" determination, both approvals.
fn to_determination(incident: u64) -> Vec<Submission> {
    let code = |c: &str| Code::parse(c).expect("a valid code");
    let determination = DeterminationInput {
        verdict: Verdict::Unverifiable,
        responsible_party: None,
        via_non_state_group: false,
        provisions: Vec::new(),
        severity: None,
        rationale: "The sources could not be corroborated.".into(),
        evidence: Vec::new(),
        deaths: Default::default(),
    };
    let steps = [
        V::StartReview { incident },
        V::IssueDetermination {
            incident,
            input: Box::new(determination),
        },
        V::Approve {
            incident,
            mediator: code("QAT"),
        },
        V::Approve {
            incident,
            mediator: code("TUR"),
        },
    ];
    steps
        .into_iter()
        .map(|step| Submission::new("bench-mediator", Command::Verify(step)))
        .collect()
}

/// The users the pages are read as, with their tokens.
fn readers(dir: &DataDir) -> anyhow::Result<Readers> {
    let connection = accounts::open(&dir.database())?;
    let token_of = |name: &str, role: Role| -> anyhow::Result<String> {
        let user = UserName::parse(name)?;
        accounts::add_user(&connection, &user, &role, Some(PASSWORD))?;
        Ok(accounts::create_token(&connection, &user, "bench", 1)?.1)
    };
    Ok(Readers {
        mediator: token_of("bench-qatar", Role::parse("mediator", Some("QAT"))?)?,
        party: token_of("bench-pakistan", Role::parse("party", Some("PAK"))?)?,
    })
}

/// Response times of one page, in milliseconds.
struct Timings(Vec<f64>);

impl Timings {
    fn median(&self) -> f64 {
        self.0[self.0.len() / 2]
    }

    fn max(&self) -> f64 {
        self.0.last().copied().unwrap_or(f64::NAN)
    }
}

/// Asks for `path` `requests` times, one at a time (after one unmeasured request that warms the caches).
fn timings(base: &str, path: &str, token: Option<&str>, requests: u32) -> anyhow::Result<Timings> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let get = || -> anyhow::Result<f64> {
        let mut request = agent.get(&format!("{base}{path}"));
        if let Some(token) = token {
            request = request.header("authorization", &format!("Bearer {token}"));
        }
        let started = Instant::now();
        let mut response = request.call().with_context(|| format!("GET {path}"))?;
        let status = response.status().as_u16();
        response.body_mut().read_to_vec()?;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        if status != 200 {
            bail!("GET {path} answered {status}");
        }
        Ok(elapsed)
    };
    get()?;
    let mut times = (0..requests.max(1))
        .map(|_| get())
        .collect::<anyhow::Result<Vec<f64>>>()?;
    times.sort_by(f64::total_cmp);
    Ok(Timings(times))
}

/// The map in a real browser: `tests/e2e/bench-map.mjs` prints one JSON object.
fn browser_figures(base: &str, args: &BenchWebArgs, print: &dyn Fn(Figure)) -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("tests/e2e/bench-map.mjs");
    let output = std::process::Command::new("node")
        .arg(&script)
        .env("BASE", base)
        .env("NAME", "bench-qatar")
        .env("PASSWORD", PASSWORD)
        .output()
        .context("running node (scripts/setup installs playwright-core in tests/e2e)")?;
    if !output.status.success() {
        bail!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout).context("bench-map.mjs's answer")?;
    let number = |key: &str| figures[key].as_f64().unwrap_or(f64::NAN);
    if !args.json {
        println!("map in chromium, the mediator's dashboard:");
    }
    print(Figure::new("web_map_markers", number("markers"), "markers").against("asked", 10_000.0));
    print(Figure::new("web_map_drawn_ms", number("drawn_ms"), "ms"));
    print(
        Figure::new("web_map_zoom_frames_within_16ms", number("frames_within_16ms"), "share")
            .against("all frames", 1.0),
    );
    print(Figure::new(
        "web_map_zoom_longest_frame_ms",
        number("longest_frame_ms"),
        "ms",
    ));
    Ok(())
}
