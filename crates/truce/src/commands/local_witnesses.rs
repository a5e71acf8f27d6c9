//! Four witnesses on loopback, one for each party and mediator (AFG, PAK,
//! QAT, TUR), each with its own data directory under `witnesses/` and its
//! own port, as each would run on its own machine: the demo's (its
//! agreement names them and `witness-policy.txt` requires all four, so its
//! `/log/checkpoint` carries four cosignatures) and `truce bench witness`'s.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use truce_log::{Policy, VerifierKey};
use truce_witness::files::WitnessDir;

/// Whose witnesses the demo runs.
const OWNERS: [&str; 4] = ["AFG", "PAK", "QAT", "TUR"];

pub struct DemoWitness {
    pub name: String,
    pub vkey: VerifierKey,
    pub url: String,
    dir: PathBuf,
    listener: TcpListener,
}

/// Makes the four witnesses' directories, trusting `log`, each bound to a
/// port of loopback (they answer once [`serve`] runs).
pub fn create(data: &Path, origin: &str, log: &VerifierKey) -> anyhow::Result<Vec<DemoWitness>> {
    let mut witnesses = Vec::new();
    for owner in OWNERS {
        let dir = data.join("witnesses").join(owner);
        let files = WitnessDir::at(&dir);
        let key_name = format!("witness.{}.demo.truce.example", owner.to_lowercase());
        let vkey: VerifierKey = files.init(&key_name)?.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        files.state()?.add_log(origin, &log.to_string())?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        witnesses.push(DemoWitness {
            name: owner.to_string(),
            vkey,
            url,
            dir,
            listener,
        });
    }
    Ok(witnesses)
}

/// The agreement's `[[witnesses]]` section naming them.
pub fn agreement_section(witnesses: &[DemoWitness]) -> String {
    let mut text = String::from("\n# The demo's witnesses, one a party and mediator, on loopback.\n");
    for witness in witnesses {
        text.push_str(&format!(
            "[[witnesses]]\nname = \"{}\"\nvkey = \"{}\"\nurl = \"{}\"\n",
            witness.name, witness.vkey, witness.url
        ));
    }
    text
}

/// Writes the trust policy requiring all four; returns its path.
pub fn write_policy(data: &Path, log: &VerifierKey, witnesses: &[DemoWitness]) -> anyhow::Result<PathBuf> {
    let named: Vec<(String, VerifierKey, Option<String>)> = witnesses
        .iter()
        .map(|w| (w.name.clone(), w.vkey.clone(), Some(w.url.clone())))
        .collect();
    let path = data.join("witness-policy.txt");
    let text = Policy::requiring_all(log, &named);
    Policy::parse(&text).map_err(|e| anyhow::anyhow!("the demo's policy: {e}"))?;
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Serves every witness on its own thread and runtime, for as long as the process lives.
pub fn serve_in_background(witnesses: Vec<DemoWitness>) -> anyhow::Result<()> {
    let (started, ready) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime,
            Err(error) => return started.send(Err(anyhow::anyhow!(error))),
        };
        runtime.block_on(async move {
            let served = serve(witnesses);
            let failed = served.is_err();
            let _ = started.send(served);
            if !failed {
                std::future::pending::<()>().await;
            }
        });
        Ok(())
    });
    ready
        .recv()
        .map_err(|_| anyhow::anyhow!("the witnesses' thread stopped"))?
}

/// Serves every witness on its port until the runtime stops.
pub fn serve(witnesses: Vec<DemoWitness>) -> anyhow::Result<()> {
    for witness in witnesses {
        let served = Arc::new(WitnessDir::at(&witness.dir).witness()?);
        let listener = tokio::net::TcpListener::from_std(witness.listener)?;
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, truce_witness::http::router(served)).await {
                tracing::error!(%error, "a demo witness stopped");
            }
        });
    }
    Ok(())
}
