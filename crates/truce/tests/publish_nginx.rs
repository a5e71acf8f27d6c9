//! `truce log publish` as a mission runs it for reads at internet scale:
//! the log's static files served by Debian's nginx (installed by
//! scripts/setup), and `truce log verify --url` as a party runs it against
//! them: an honest log verifies, its growth is published incrementally and
//! proved consistent, and a file changed on the web server is named.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const TRUCE: &str = env!("CARGO_BIN_EXE_truce");

/// Runs truce with `stdin`; returns its exit code and everything it printed.
fn truce(args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(TRUCE)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// nginx serving `root` on a port of its own, stopped when dropped.
struct Nginx {
    child: Child,
    url: String,
}

impl Nginx {
    fn start(root: &Path, work: &Path) -> Nginx {
        let binary = std::env::var("TRUCE_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
        assert!(
            Path::new(&binary).is_file(),
            "{binary} is missing: run scripts/setup (it installs Debian's nginx)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let w = work.display();
        let config = format!(
            "daemon off;\nworker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {w}/body;\n  proxy_temp_path {w}/proxy;\n\
               fastcgi_temp_path {w}/fastcgi;\n  uwsgi_temp_path {w}/uwsgi;\n  scgi_temp_path {w}/scgi;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {root};\n\
                 location = /log/checkpoint {{ add_header Cache-Control \"no-cache\"; }}\n\
                 location /log/tile/ {{ add_header Cache-Control \"max-age=31536000, immutable\"; }}\n  }}\n}}\n",
            root = root.display()
        );
        let config_path = work.join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new(&binary)
            .args(["-c", config_path.to_str().unwrap(), "-p", work.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut nginx = Nginx {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return nginx;
            }
            if let Some(status) = nginx.child.try_wait().unwrap() {
                let log = std::fs::read_to_string(work.join("error.log")).unwrap_or_default();
                panic!("nginx exited ({status}): {log}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("nginx did not listen on {port}");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(from: u64, to: u64) -> String {
    (from..to).map(|i| format!("published entry {i}\n")).collect()
}

fn publish(data: &Path, dir: &Path) -> String {
    let (code, out) = truce(
        &[
            "log",
            "publish",
            "--data",
            data.to_str().unwrap(),
            "--dir",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    out
}

fn verify(url: &str, vkey: &str, state: &Path) -> (i32, String) {
    truce(
        &[
            "log",
            "verify",
            "--url",
            url,
            "--vkey",
            vkey,
            "--state",
            state.to_str().unwrap(),
        ],
        "",
    )
}

#[test]
fn a_published_log_served_by_nginx_verifies_and_grows_incrementally() {
    let work = tempfile::tempdir().unwrap();
    // nginx's workers run as a user of their own: they must reach the site.
    std::fs::set_permissions(work.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let data: PathBuf = work.path().join("data");
    let (code, out) = truce(
        &[
            "init",
            "--data",
            data.to_str().unwrap(),
            "--origin",
            "truce.test/publish",
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = truce(&["log", "append", "--data", data.to_str().unwrap()], &lines(0, 700));
    assert_eq!(code, 0, "{out}");
    let site = work.path().join("site");
    let published = site.join("log");
    let out = publish(&data, &published);
    assert!(out.contains("published the log at size 700"), "{out}");
    assert!(out.contains("0 already there"), "{out}");
    let vkey = std::fs::read_to_string(data.join("log.vkey"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(std::fs::read_to_string(published.join("key")).unwrap().trim(), vkey);

    let nginx = Nginx::start(&site, work.path());
    let state = work.path().join("state");
    let (code, out) = verify(&nginx.url, &vkey, &state);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("at size 700"), "{out}");

    // The log grows; the second publish writes the new files only, and the
    // party's next run proves the new tree an extension of the one it saved.
    let (code, out) = truce(&["log", "append", "--data", data.to_str().unwrap()], &lines(700, 1000));
    assert_eq!(code, 0, "{out}");
    let out = publish(&data, &published);
    assert!(out.contains("published the log at size 1000"), "{out}");
    // Entries 0-511 and level-0 tiles 0 and 1 were full at 700 and are kept.
    assert!(out.contains("4 already there"), "{out}");
    let (code, out) = verify(&nginx.url, &vkey, &state);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("at size 1000") && out.contains("consistent with the saved checkpoint at size 700"),
        "{out}"
    );

    // A bundle changed on the web server is named by the party's verifier.
    let bundle = published.join("tile/entries/001");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&bundle, bytes).unwrap();
    let (code, out) = verify(&nginx.url, &vkey, &work.path().join("fresh-state"));
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("tile/entries/001") || out.contains("tile/0/001"), "{out}");

    // Without its data directory, publishing says so.
    let (code, out) = truce(
        &[
            "log",
            "publish",
            "--data",
            work.path().join("nowhere").to_str().unwrap(),
            "--dir",
            published.to_str().unwrap(),
        ],
        "",
    );
    assert_ne!(code, 0, "{out}");
    drop(nginx);
}
