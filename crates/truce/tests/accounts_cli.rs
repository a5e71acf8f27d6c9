//! Users and tokens as an admin manages them: `truce init` creates the first
//! admin with a password printed once; `truce user add` refuses roles the
//! agreement does not know; tokens are printed once, listed without their
//! secret, and revoked.

#[allow(dead_code)] // Not every test uses every helper.
mod common;

use common::{example_agreement, truce};

fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {text}"))
}

#[test]
fn an_admin_manages_users_and_tokens() {
    let scratch = tempfile::tempdir().unwrap();
    let data = scratch.path().join("data");
    let data = data.to_str().unwrap();
    let example = example_agreement().display().to_string();

    let (code, out, _) = truce(&["init", "--agreement", &example, "--data", data, "--admin", "it-desk"]);
    assert_eq!(code, 0);
    let password = line_after(&out, "admin user it-desk, password (shown once): ");
    assert!(password.len() >= 20, "a generated password: {password}");

    let (code, out, _) = truce(&[
        "user", "add", "--data", data, "--name", "doha", "--role", "mediator", "--for", "QAT",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("added doha (mediator for QAT)"));

    // Refused, each with its reason, and nothing stored.
    for (args, reason) in [
        (
            vec!["--name", "x", "--role", "mediator", "--for", "AFG"],
            "the agreement names no mediator AFG",
        ),
        (vec!["--name", "x", "--role", "party"], "give the code of its party"),
        (
            vec!["--name", "x", "--role", "observer", "--for", "PAK"],
            "acts for no one",
        ),
        (vec!["--name", "x", "--role", "superuser"], "unknown role"),
        (vec!["--name", "two words", "--role", "observer"], "is not a user name"),
        (
            vec!["--name", "doha", "--role", "observer"],
            "a user named doha already exists",
        ),
    ] {
        let mut full = vec!["user", "add", "--data", data];
        full.extend(args);
        let (code, _, err) = truce(&full);
        assert_eq!(code, 1, "{full:?}");
        assert!(err.contains(reason), "{full:?}: {err}");
    }
    let (_, out, _) = truce(&["user", "list", "--data", data]);
    assert_eq!(out, "it-desk\tadmin\ndoha\tmediator for QAT\n");

    let (code, secret, _) = truce(&[
        "token",
        "create",
        "--data",
        data,
        "--user",
        "doha",
        "--label",
        "approvals",
    ]);
    assert_eq!(code, 0);
    let secret = secret.trim();
    assert!(secret.starts_with("truce_"), "{secret}");
    let (_, listed, _) = truce(&["token", "list", "--data", data]);
    assert!(listed.contains("\tdoha\tapprovals\t") && !listed.contains(secret));
    let (code, out, _) = truce(&["token", "revoke", "--data", data, "1"]);
    assert_eq!((code, out.as_str()), (0, "token 1 revoked\n"));
    let (code, _, err) = truce(&["token", "revoke", "--data", data, "2"]);
    assert_eq!(code, 1);
    assert!(err.contains("no token with id 2"));
    let (code, _, err) = truce(&["token", "create", "--data", data, "--user", "nobody"]);
    assert_eq!(code, 1);
    assert!(err.contains("no user named nobody"));

    // Accounts are not in the public log, and do not disturb its audit.
    let (code, out, _) = truce(&["audit", "--data", data]);
    assert_eq!(code, 0, "{out}");
}
