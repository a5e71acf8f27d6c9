//! `truce user` and `truce token`: the people and programs that may use a
//! data directory. Secrets (generated passwords, token secrets) are printed
//! once, here, and stored only as hashes.

use crate::cli::{TokenCommand, UserCommand};
use crate::datadir::DataDir;
use anyhow::Context;
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use truce_domain::role::Role;
use truce_store::accounts::{self, UserName};

fn open(data: &Path) -> anyhow::Result<(DataDir, truce_store::Database)> {
    let dir = DataDir::open(data)?;
    let connection = accounts::open(&dir.database())?;
    Ok((dir, connection))
}

fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Adds a user, checking its affiliation against the agreement; returns the
/// password it was given (generated when `password` is `None`).
pub fn add_user(
    dir: &DataDir,
    connection: &truce_store::Database,
    name: &str,
    role: &Role,
    password: Option<String>,
) -> anyhow::Result<String> {
    if let Some(agreement) = dir.agreement()? {
        role.check_against(&agreement)?;
    }
    let password = password.unwrap_or_else(accounts::generate_password);
    accounts::add_user(connection, &UserName::parse(name)?, role, Some(&password))?;
    Ok(password)
}

pub fn run_user(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add {
            data,
            name,
            role,
            affiliation,
            password_stdin,
        } => {
            let (dir, connection) = open(&data)?;
            let role = Role::parse(&role, affiliation.as_deref())?;
            let given = password_stdin.then(password_from_stdin).transpose()?;
            let generated = given.is_none();
            let password = add_user(&dir, &connection, &name, &role, given)?;
            println!("added {name} ({role})");
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::List { data } => {
            let (_, connection) = open(&data)?;
            for user in accounts::users(&connection)? {
                println!("{}\t{}", user.name.as_str(), user.role);
            }
        }
        UserCommand::Password { data, name } => {
            let (_, connection) = open(&data)?;
            accounts::set_password(&connection, &UserName::parse(&name)?, &password_from_stdin()?)?;
            println!("password of {name} changed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_token(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create {
            data,
            user,
            label,
            days,
        } => {
            let (_, connection) = open(&data)?;
            let (id, secret) = accounts::create_token(&connection, &UserName::parse(&user)?, &label, days)?;
            eprintln!("token {id} for {user}, valid {days} days; its secret is shown once:");
            println!("{secret}");
        }
        TokenCommand::List { data } => {
            let (_, connection) = open(&data)?;
            println!("id\tuser\tlabel\tcreated\texpires\trevoked");
            for token in accounts::tokens(&connection)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    token.id,
                    token.user.as_str(),
                    token.label,
                    token.created_at.to_rfc3339(),
                    token.expires_at.to_rfc3339(),
                    token.revoked_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into())
                );
            }
        }
        TokenCommand::Revoke { data, id } => {
            let (_, connection) = open(&data)?;
            accounts::revoke_token(&connection, id)?;
            println!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
