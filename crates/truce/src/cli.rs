//! Flags as they are typed. Commands turn them into validated values.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// truce: the monitoring and verification mechanism of a mediated ceasefire,
/// with a tamper-evident public log every party can check for itself.
#[derive(Parser)]
#[command(name = "truce", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the seeded demo on localhost, in a fresh data directory.
    Demo {
        /// The demo's data directory; an earlier demo there is replaced.
        #[arg(long, default_value = "truce-demo")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// A host name (or IP address) webhooks may reach even though it
        /// resolves to an internal address (loopback, private, link-local):
        /// matched exactly, repeatable. Without it webhooks reach public
        /// addresses only, so no user can aim the server at its own network.
        #[arg(long = "webhook-allow-host", value_name = "HOST")]
        webhook_allow_host: Vec<String>,
    },
    /// Create a data directory with a new log key, registering the agreement if one is given.
    Init {
        #[arg(long)]
        data: PathBuf,
        /// The agreement (TOML, see examples/doha-ceasefire.toml).
        #[arg(long, required_unless_present = "origin")]
        agreement: Option<PathBuf>,
        /// The log's origin (its checkpoint's first line and key name); by default from the agreement's id.
        #[arg(long)]
        origin: Option<String>,
        /// The name of the first admin, whose password is printed once.
        #[arg(long, default_value = "admin")]
        admin: String,
    },
    /// Receipts of submissions: check one offline, or against the log's current checkpoint.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Users: add one, list them, set a password.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for programs: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import reports or incidents from a file.
    Import {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_enum)]
        format: ImportFormat,
        /// Reports go through correlation; incidents stay one a row. Default: incidents for UCDP, reports otherwise.
        #[arg(long = "as", value_enum)]
        import_as: Option<ImportAs>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        file: PathBuf,
    },
    /// Export incidents or reports.
    Export {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Where to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Incidents: merge two that are one event, split one that is several.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Evidence: store a file, record its chain of custody, check the store.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Compose the public bulletin of a day (or of the week ending on it),
    /// append it to the log, and print or write the document.
    Bulletin {
        #[arg(long)]
        data: PathBuf,
        /// The day, or the week's last day: YYYY-MM-DD, UTC.
        #[arg(long)]
        date: String,
        /// The seven days ending on --date, instead of the day alone.
        #[arg(long)]
        weekly: bool,
        #[arg(long, value_enum, default_value = "markdown")]
        format: BulletinFormat,
        #[arg(long, value_enum, default_value = "en")]
        lang: BulletinLang,
        /// Where to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replay the log into fresh projections and compare them with the live ones.
    Rebuild {
        #[arg(long)]
        data: PathBuf,
    },
    /// Serve a data directory.
    Serve {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Requests a second each signed-in user may make, sustained (bursts of twice as many); 0: no limit.
        #[arg(long, default_value_t = truce_server::api::limits::REQUESTS_PER_SECOND)]
        requests_per_second: u32,
        /// A host name (or IP address) webhooks may reach even though it
        /// resolves to an internal address (loopback, private, link-local):
        /// matched exactly, repeatable. Without it webhooks reach public
        /// addresses only, so no user can aim the server at its own network.
        #[arg(long = "webhook-allow-host", value_name = "HOST")]
        webhook_allow_host: Vec<String>,
    },
    /// The ceasefire's status over time, each party's scorecard and the penalties.
    Status {
        #[arg(long)]
        data: PathBuf,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check everything: the log (as `truce log audit`) and every projected row and sealed field against it.
    Audit {
        #[arg(long)]
        data: PathBuf,
    },
    /// Work with the log: verify, mirror, append.
    #[command(subcommand)]
    Log(LogCommand),
    /// Measure truce's speed.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// A C2SP tlog-witness, run by a party or mediator on its own machine:
    /// cosigns a log's checkpoints only when each extends the last it cosigned.
    #[command(subcommand)]
    Witness(WitnessCommand),
}

#[derive(Subcommand)]
pub enum WitnessCommand {
    /// Make the witness's key and state; writes and prints its verifier key line.
    Init {
        #[arg(long)]
        data: PathBuf,
        /// The witness's name (its key name), e.g. witness.afg.example/1.
        #[arg(long)]
        name: String,
    },
    /// Trust a log: its origin and its verifier key line (`truce` serves it at /log/key).
    AddLog {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        origin: String,
        #[arg(long)]
        vkey: String,
    },
    /// Answer POST /add-checkpoint.
    Serve {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
    },
    /// The refused checkpoints that the log signed: evidence of a split view.
    Evidence {
        #[arg(long)]
        data: PathBuf,
        /// One JSON object a line instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ImportFormat {
    /// truce's JSON Lines of reports.
    Jsonl,
    /// UCDP GED CSV.
    Ucdp,
    /// UCDP GED GeoJSON.
    UcdpGeojson,
    /// GDELT 1.0 (57 or 58 fields) and 2.0 (61) event exports.
    Gdelt,
    /// ACLED event CSV.
    Acled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportAs {
    Reports,
    Incidents,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    /// Reports as JSON Lines (re-importable).
    Jsonl,
    /// Incidents with UCDP GED's columns.
    UcdpCsv,
    /// Incidents as a GeoJSON FeatureCollection.
    Geojson,
    /// Incidents with ACLED's columns.
    AcledCsv,
    /// Incidents as CSV with HXL hashtags.
    HxlCsv,
}

#[derive(Subcommand)]
pub enum ReceiptCommand {
    /// Check a saved receipt: the checkpoint's signature, the entry's
    /// inclusion proof, the openings; with --url, upgrade it with the
    /// newest checkpoint the witnesses cosigned.
    Verify {
        /// The receipt: the API's answer to a submission, saved as JSON.
        file: PathBuf,
        /// The log's verifier key (name+keyid+key), or a file holding it
        /// (not needed when --policy names the log).
        #[arg(long, required_unless_present = "policy")]
        vkey: Option<String>,
        /// The log's URL: prove the current checkpoint consistent with the
        /// receipt's, and write into the receipt the newest cosigned
        /// checkpoint with the proof that it extends the receipt's tree.
        #[arg(long)]
        url: Option<String>,
        /// A C2SP tlog-policy file: accept the receipt only when its
        /// checkpoint, or its upgrade, is cosigned as the quorum says.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; without --password-stdin a password is generated and printed once.
    Add {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        name: String,
        /// admin, mediator, monitor, party or observer.
        #[arg(long)]
        role: String,
        /// Whom the role acts for: the mediator, monitoring team or party code (QAT, MVM, AFG).
        #[arg(long = "for")]
        affiliation: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users and their roles.
    List {
        #[arg(long)]
        data: PathBuf,
    },
    /// Set a user's password, read from the first line of standard input.
    Password {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; its secret is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        user: String,
        /// What the token is for (shown in `token list`).
        #[arg(long, default_value = "")]
        label: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        data: PathBuf,
    },
    /// Revoke a token by its id.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum IncidentCommand {
    /// Fold incident FROM into incident INTO (FROM is closed as a duplicate).
    Merge {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        into: u64,
        #[arg(long)]
        from: u64,
        #[arg(long)]
        reason: String,
    },
    /// Everything about an incident: reports, claims side by side, the
    /// verification rules explained, replies, determinations, penalties, and
    /// its history with log indexes.
    Show {
        #[arg(long)]
        data: PathBuf,
        id: u64,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Move some of an incident's reports to a new incident.
    Split {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        from: u64,
        /// The reports to move, by id (comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        reports: Vec<u64>,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Store a file (once, by its SHA-256) and register it in the log.
    Add {
        #[arg(long)]
        data: PathBuf,
        /// Who collected it.
        #[arg(long)]
        collected_by: String,
        #[arg(long, default_value = "application/octet-stream")]
        media_type: String,
        #[arg(long)]
        source_url: Option<String>,
        /// The report it supports.
        #[arg(long)]
        report: Option<u64>,
        /// The largest file accepted.
        #[arg(long, default_value_t = 256 * 1024 * 1024)]
        max_bytes: u64,
        file: PathBuf,
    },
    /// Record a step of the chain of custody.
    Custody {
        #[arg(long)]
        data: PathBuf,
        sha256: String,
        #[arg(long, value_parser = ["collected", "transferred", "examined"])]
        action: String,
        #[arg(long)]
        by: String,
        /// Who received it (for a transfer).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Re-hash every stored blob and name any that changed.
    Check {
        #[arg(long)]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum LogCommand {
    /// Verify a log as a party would: signature, every entry and tile, and consistency with the last run.
    Verify(VerifyArgs),
    /// Copy a log's checkpoint, tiles and entry bundles into a directory (a mirror `verify --dir` reads);
    /// a second run fetches only what is new.
    Mirror {
        /// The log's URL: the server (http://host:port) or its tile prefix (.../log).
        #[arg(long)]
        url: String,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Write the data directory's log as static files (checkpoint, tiles, entry bundles) for any
    /// web server or CDN to serve as the log's /log; a second run writes only what is new.
    Publish {
        #[arg(long)]
        data: PathBuf,
        /// The directory to fill: serve it as the log's /log prefix.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Append the lines of standard input as raw entries, printing each acknowledged index
    /// (for a log that holds no ceasefire record: one made with `truce init --origin`).
    Append {
        #[arg(long)]
        data: PathBuf,
    },
    /// Recompute the log's root from every stored entry and check every stored tile (the log alone).
    Audit {
        #[arg(long)]
        data: PathBuf,
    },
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The log's URL: the server (http://host:port) or its tile prefix (.../log).
    #[arg(long, conflicts_with = "dir", required_unless_present = "dir")]
    pub url: Option<String>,
    /// A mirrored copy of the log's files.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The verifier key you trust (name+keyid+key), or a file holding it.
    #[arg(long)]
    pub vkey: String,
    /// The checkpoint saved by your last run; checked for consistency, then replaced. Where
    /// the run stopped is saved beside it (`STATE.walk`), and the next run fetches only what is new.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Also fetch the openings the server gives you (`/api/v1/log/openings`)
    /// and check each against its entry's commitment.
    #[arg(long, requires = "url")]
    pub openings: bool,
    /// The API token to fetch --openings with (without one: what the log has disclosed).
    #[arg(long, requires = "openings")]
    pub token: Option<String>,
    /// A C2SP tlog-policy file: the checkpoint is trusted only when the
    /// witnesses it names have cosigned it as its quorum says.
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// The log: durable appends, proofs, audit, memory.
    Log(BenchLogArgs),
    /// Importing synthetic reports with correlation and logging.
    Ingest(BenchCoreArgs),
    /// Correlation quality and speed on synthetic ground truth, against DBSCAN.
    Correlate(BenchCoreArgs),
    /// The HTTP API under load from wrk: authenticated submissions with receipts, public reads.
    Api {
        /// One JSON object a line instead of a table.
        #[arg(long)]
        json: bool,
        /// Seconds of load for each figure.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 64)]
        connections: u32,
    },
    /// The web interface's pages over a large store, and the map in chromium.
    Web(BenchWebArgs),
    /// One witness's add-checkpoint rate, the latency to a full quorum of
    /// four witnesses, and API submissions with four witnesses against none.
    Witness {
        /// One JSON object a line instead of a table.
        #[arg(long)]
        json: bool,
        /// Add-checkpoint requests sent to the one witness.
        #[arg(long, default_value_t = 3_000)]
        requests: u64,
        /// Seconds of load for each submission figure.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent connections of the submission load.
        #[arg(long, default_value_t = 64)]
        connections: u32,
    },
    /// Recomputing penalties, status and scorecards over a history of determinations.
    Rules {
        /// One JSON object a line instead of a table.
        #[arg(long)]
        json: bool,
        /// Final determinations in the history.
        #[arg(long, default_value_t = 100_000)]
        determinations: usize,
    },
}

#[derive(Args)]
pub struct BenchCoreArgs {
    /// One JSON object a line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Synthetic reports (default: 1,000,000 for ingest, 200,000 for correlate).
    #[arg(long)]
    pub reports: Option<usize>,
    /// Where to work (default: a temporary directory here).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct BenchLogArgs {
    /// One JSON object a line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Entries in the large log that proofs, the audit and the memory figure use.
    #[arg(long, default_value_t = 10_000_000)]
    pub entries: u64,
    /// Where to build the benchmark logs (default: a temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BulletinFormat {
    Markdown,
    /// The published document itself, whose SHA-256 the log holds.
    Json,
    /// A page that prints well, with the map and the chart.
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BulletinLang {
    En,
    Ar,
}

#[derive(Args)]
pub struct BenchWebArgs {
    /// One JSON object a line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Incidents in the store.
    #[arg(long, default_value_t = 1_000_000)]
    pub incidents: u64,
    /// Every this many incidents is made final (the public's published findings).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    pub final_every: u64,
    /// Requests timed for each page.
    #[arg(long, default_value_t = 30)]
    pub requests: u32,
    /// Also draw the map in Debian's chromium and time it (needs scripts/setup).
    #[arg(long)]
    pub browser: bool,
    /// Where to build the store (default: the system's temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}
