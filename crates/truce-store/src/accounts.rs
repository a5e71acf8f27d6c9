//! Users, their passwords and their API tokens. Kept in the database beside
//! the log but never in it: the public log must not say who the mechanism's
//! users are (a party must never learn who reported against it). What a
//! user does is in the log, under the user's name, in each event's `by`.
//!
//! Passwords are stored only as argon2id hashes (PHC strings, each with its
//! own salt). API tokens are 256 random bits, shown once when created and
//! stored only as their SHA-256: a stolen database yields no usable token.
//! Tokens expire and can be revoked; a revoked or expired token
//! authenticates no one.

use crate::error::StoreError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use truce_domain::codes::Code;
use truce_domain::role::Role;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    affiliation TEXT,
    password_hash TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_sha256 BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id),
    log_index INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_sha256 BLOB NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
";

/// Every token starts with this, so a leaked one is easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "truce_";

/// A user name: 1 to 64 characters of letters, digits, `.`, `-`, `_` and `@`,
/// so it can stand in a log entry's `by` and on a command line unquoted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserName(String);

impl UserName {
    pub fn parse(text: &str) -> Result<UserName, AccountError> {
        let fine = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@');
        if text.is_empty() || text.chars().count() > 64 || !text.chars().all(fine) {
            return Err(AccountError::BadName(text.to_string()));
        }
        Ok(UserName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: UserName,
    pub role: Role,
}

/// A token as listed: never its secret, which only its creator ever saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub user: UserName,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0:?} is not a user name: 1 to 64 letters, digits, '.', '-', '_' or '@'")]
    BadName(String),
    #[error("a user named {0} already exists")]
    NameTaken(String),
    #[error("no user named {0}")]
    NoSuchUser(String),
    #[error("no token with id {0}")]
    NoSuchToken(i64),
    #[error("a password needs at least 12 characters")]
    PasswordTooShort,
    #[error("a token lives between 1 and 3,650 days, not {0}")]
    BadLifetime(i64),
    #[error("the stored role of user {0} is not readable: {1}")]
    CorruptRole(String, String),
    #[error("hashing a password: {0}")]
    Hashing(String),
    #[error("a user may register at most {0} webhooks; delete one first")]
    TooManyWebhooks(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AccountError {
    fn from(error: rusqlite::Error) -> AccountError {
        AccountError::Store(StoreError::from(error))
    }
}

pub fn create(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(SCHEMA)
}

/// Opens the accounts of the database at `path` (beside a running server:
/// SQLite serialises the writes).
pub fn open(path: &std::path::Path) -> Result<Connection, AccountError> {
    let connection = Connection::open(path)?;
    crate::schema::configure(&connection)?;
    create(&connection)?;
    Ok(connection)
}

/// A fresh random secret of 256 bits, URL-safe base64 (43 characters).
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A password for a user who was not given one: 128 random bits, readable.
pub fn generate_password() -> String {
    random_secret()[..22].to_string()
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < 12 {
        return Err(AccountError::PasswordTooShort);
    }
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AccountError::Hashing(e.to_string()))
}

fn token_digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn role_of(name: &str, role: &str, affiliation: Option<&str>) -> Result<Role, AccountError> {
    Role::parse(role, affiliation).map_err(|e| AccountError::CorruptRole(name.to_string(), e.to_string()))
}

/// A user's row as read: id, name, role, affiliation.
type UserRow = (i64, String, String, Option<String>);

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn into_user((id, name, role, affiliation): UserRow) -> Result<User, AccountError> {
    Ok(User {
        id,
        role: role_of(&name, &role, affiliation.as_deref())?,
        name: UserName(name),
    })
}

/// Adds a user with `password` (at least 12 characters), or without one
/// (it then signs in with tokens only).
pub fn add_user(
    connection: &Connection,
    name: &UserName,
    role: &Role,
    password: Option<&str>,
) -> Result<User, AccountError> {
    let hash = password.map(hash_password).transpose()?;
    let inserted = connection.execute(
        "INSERT INTO users (name, role, affiliation, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name) DO NOTHING",
        params![
            name.as_str(),
            role.name(),
            role.affiliation().map(Code::as_str),
            hash,
            Utc::now().timestamp()
        ],
    )?;
    if inserted == 0 {
        return Err(AccountError::NameTaken(name.as_str().to_string()));
    }
    Ok(User {
        id: connection.last_insert_rowid(),
        name: name.clone(),
        role: role.clone(),
    })
}

pub fn user(connection: &Connection, name: &str) -> Result<Option<User>, AccountError> {
    connection
        .query_row(
            "SELECT id, name, role, affiliation FROM users WHERE name = ?1",
            [name],
            user_from_row,
        )
        .optional()?
        .map(into_user)
        .transpose()
}

pub fn users(connection: &Connection) -> Result<Vec<User>, AccountError> {
    let mut statement = connection.prepare("SELECT id, name, role, affiliation FROM users ORDER BY id")?;
    let rows = statement.query_map([], user_from_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(into_user).collect()
}

/// Sets a user's password and ends every session it had, in one
/// transaction: whoever held the old password is signed out with it.
pub fn set_password(connection: &Connection, name: &UserName, password: &str) -> Result<(), AccountError> {
    let hash = hash_password(password)?;
    let transaction = connection.unchecked_transaction()?;
    let changed = transaction.execute(
        "UPDATE users SET password_hash = ?1 WHERE name = ?2",
        params![hash, name.as_str()],
    )?;
    if changed == 0 {
        return Err(AccountError::NoSuchUser(name.as_str().to_string()));
    }
    transaction.execute(
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
        params![name.as_str()],
    )?;
    transaction.commit()?;
    Ok(())
}

/// The user whose password this is, or `None` for a wrong name or password
/// (which of the two is not said). Costs one argon2id hash either way, so
/// timing does not tell a wrong name from a wrong password.
pub fn check_password(connection: &Connection, name: &str, password: &str) -> Result<Option<User>, AccountError> {
    let found: Option<(UserRow, Option<String>)> = connection
        .query_row(
            "SELECT id, name, role, affiliation, password_hash FROM users WHERE name = ?1",
            [name],
            |row| Ok((user_from_row(row)?, row.get(4)?)),
        )
        .optional()?;
    // A fixed hash to verify against when there is no user, spending the same time.
    const DECOY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$jXzSZ0BOZJEUVxWzQ8wJ7fmQ06Y/wC7nWOgzkOPHVEg";
    let stored = found.as_ref().and_then(|(_, hash)| hash.clone());
    let parsed =
        PasswordHash::new(stored.as_deref().unwrap_or(DECOY)).map_err(|e| AccountError::Hashing(e.to_string()))?;
    let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    match (found, matches && stored.is_some()) {
        (Some((row, _)), true) => Ok(Some(into_user(row)?)),
        _ => Ok(None),
    }
}

/// Creates a token for `user` that lives `days` days; returns its id and
/// its secret, which is stored nowhere and cannot be shown again.
pub fn create_token(
    connection: &Connection,
    user: &UserName,
    label: &str,
    days: i64,
) -> Result<(i64, String), AccountError> {
    if !(1..=3650).contains(&days) {
        return Err(AccountError::BadLifetime(days));
    }
    let owner = self::user(connection, user.as_str())?.ok_or_else(|| AccountError::NoSuchUser(user.as_str().into()))?;
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let now = Utc::now();
    connection.execute(
        "INSERT INTO tokens (user_id, token_sha256, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            owner.id,
            token_digest(&secret).as_slice(),
            label,
            now.timestamp(),
            (now + Duration::days(days)).timestamp()
        ],
    )?;
    Ok((connection.last_insert_rowid(), secret))
}

/// The user a token authenticates at `now`: none if it is unknown, expired or revoked.
pub fn authenticate_token(
    connection: &Connection,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, AccountError> {
    connection
        .prepare_cached(
            "SELECT u.id, u.name, u.role, u.affiliation FROM tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_sha256 = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2",
        )?
        .query_row(params![token_digest(secret).as_slice(), now.timestamp()], user_from_row)
        .optional()?
        .map(into_user)
        .transpose()
}

/// Opens a browser session for `user` lasting `hours`: returns the session's
/// secret (for its cookie; stored only as a hash) and its CSRF token (which
/// every state-changing request of the session must echo in a header).
pub fn create_session(connection: &Connection, user: &User, hours: i64) -> Result<(String, String), AccountError> {
    let secret = random_secret();
    let csrf = random_secret();
    let now = Utc::now();
    connection.execute(
        "INSERT INTO sessions (id_sha256, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            token_digest(&secret).as_slice(),
            user.id,
            csrf,
            now.timestamp(),
            (now + Duration::hours(hours)).timestamp()
        ],
    )?;
    Ok((secret, csrf))
}

/// The user of a live session, with the session's CSRF token.
pub fn session_user(
    connection: &Connection,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<(User, String)>, AccountError> {
    let found: Option<(UserRow, String)> = connection
        .query_row(
            "SELECT u.id, u.name, u.role, u.affiliation, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_sha256 = ?1 AND s.expires_at > ?2",
            params![token_digest(secret).as_slice(), now.timestamp()],
            |row| Ok((user_from_row(row)?, row.get(4)?)),
        )
        .optional()?;
    found.map(|(row, csrf)| Ok((into_user(row)?, csrf))).transpose()
}

/// Ends a session (signing out); ending it again changes nothing.
pub fn end_session(connection: &Connection, secret: &str) -> Result<(), AccountError> {
    connection.execute(
        "DELETE FROM sessions WHERE id_sha256 = ?1",
        params![token_digest(secret).as_slice()],
    )?;
    Ok(())
}

/// A party's (or any user's) system to call with the events its user may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub user: User,
    pub url: String,
    /// The HMAC-SHA256 key the deliveries are signed with.
    pub secret: String,
}

/// The most webhooks one user may register: each is a fan-out of every
/// event its user may see, so an unbounded number would let one account
/// multiply the server's outgoing work at will.
pub const WEBHOOKS_PER_USER_MAX: usize = 10;

/// Registers a webhook for `user`; returns it with its fresh signing secret.
/// Refused once the user has [`WEBHOOKS_PER_USER_MAX`]: the count and the
/// insert are one statement, so concurrent registrations cannot pass it.
pub fn add_webhook(connection: &Connection, user: &User, url: &str) -> Result<Webhook, AccountError> {
    let secret = random_secret();
    let added = connection.execute(
        "INSERT INTO webhooks (user_id, url, secret, created_at)
         SELECT ?1, ?2, ?3, ?4 WHERE (SELECT COUNT(*) FROM webhooks WHERE user_id = ?1) < ?5",
        params![
            user.id,
            url,
            secret,
            Utc::now().timestamp(),
            WEBHOOKS_PER_USER_MAX as i64
        ],
    )?;
    if added == 0 {
        return Err(AccountError::TooManyWebhooks(WEBHOOKS_PER_USER_MAX));
    }
    Ok(Webhook {
        id: connection.last_insert_rowid(),
        user: user.clone(),
        url: url.to_string(),
        secret,
    })
}

/// Deletes webhook `id` if it is `user_id`'s, with its deliveries' records;
/// `false` if there is no such webhook of that user's (another's is not
/// touched, and the caller cannot tell it from an unknown id).
pub fn delete_webhook(connection: &Connection, user_id: i64, id: i64) -> Result<bool, AccountError> {
    // The deliveries first: they refer to the webhook.
    let transaction = connection.unchecked_transaction()?;
    transaction.execute(
        "DELETE FROM webhook_deliveries WHERE webhook_id = ?1
         AND EXISTS (SELECT 1 FROM webhooks WHERE id = ?1 AND user_id = ?2)",
        params![id, user_id],
    )?;
    let deleted = transaction.execute(
        "DELETE FROM webhooks WHERE id = ?1 AND user_id = ?2",
        params![id, user_id],
    )?;
    transaction.commit()?;
    Ok(deleted > 0)
}

/// Whether webhook `id` is still registered (a delivery stops once it is not).
pub fn webhook_exists(connection: &Connection, id: i64) -> Result<bool, AccountError> {
    Ok(connection
        .query_row("SELECT 1 FROM webhooks WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Every webhook, with its user.
pub fn webhooks(connection: &Connection) -> Result<Vec<Webhook>, AccountError> {
    let mut statement = connection.prepare(
        "SELECT u.id, u.name, u.role, u.affiliation, w.id, w.url, w.secret FROM webhooks w JOIN users u ON u.id = w.user_id
         ORDER BY w.id",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok((user_from_row(row)?, row.get::<_, i64>(4)?, row.get(5)?, row.get(6)?))
        })?
        .collect::<Result<Vec<(UserRow, i64, String, String)>, _>>()?;
    rows.into_iter()
        .map(|(user, id, url, secret)| {
            Ok(Webhook {
                id,
                user: into_user(user)?,
                url,
                secret,
            })
        })
        .collect()
}

/// The state of one event's delivery to one webhook.
pub struct Delivery<'a> {
    pub webhook: i64,
    pub log_index: u64,
    pub event_type: &'a str,
    /// `pending`, `delivered` or `failed`.
    pub state: &'a str,
    pub attempts: u32,
    pub last_error: Option<&'a str>,
}

/// Records a delivery's state after an attempt (`id` is `None` for the
/// first record); `None` if the webhook has been deleted meanwhile, so
/// nothing is recorded for it and its delivery should stop.
pub fn record_delivery(
    connection: &Connection,
    id: Option<i64>,
    delivery: &Delivery,
) -> Result<Option<i64>, AccountError> {
    let now = Utc::now().timestamp();
    let Delivery {
        webhook,
        log_index,
        event_type,
        state,
        attempts,
        last_error,
    } = delivery;
    match id {
        None => {
            let added = connection.execute(
                "INSERT INTO webhook_deliveries (webhook_id, log_index, event_type, state, attempts, last_error, updated_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?1)",
                params![webhook, *log_index as i64, event_type, state, attempts, last_error, now],
            )?;
            Ok((added > 0).then(|| connection.last_insert_rowid()))
        }
        Some(id) => {
            let changed = connection.execute(
                "UPDATE webhook_deliveries SET state = ?1, attempts = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?5",
                params![state, attempts, last_error, now, id],
            )?;
            Ok((changed > 0).then_some(id))
        }
    }
}

/// Revokes a token; revoking it again changes nothing.
pub fn revoke_token(connection: &Connection, id: i64) -> Result<(), AccountError> {
    let changed = connection.execute(
        "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
        params![Utc::now().timestamp(), id],
    )?;
    if changed == 0 {
        return Err(AccountError::NoSuchToken(id));
    }
    Ok(())
}

pub fn tokens(connection: &Connection) -> Result<Vec<TokenInfo>, AccountError> {
    let mut statement = connection.prepare(
        "SELECT t.id, u.name, t.label, t.created_at, t.expires_at, t.revoked_at
         FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
    )?;
    let time = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or_default();
    let rows = statement.query_map([], |row| {
        Ok(TokenInfo {
            id: row.get(0)?,
            user: UserName(row.get(1)?),
            label: row.get(2)?,
            created_at: time(row.get(3)?),
            expires_at: time(row.get(4)?),
            revoked_at: row.get::<_, Option<i64>>(5)?.map(time),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        create(&connection).unwrap();
        connection
    }

    fn name(text: &str) -> UserName {
        UserName::parse(text).unwrap()
    }

    #[test]
    fn names_are_checked() {
        assert!(UserName::parse("qatar.mediator@mission").is_ok());
        for bad in ["", "two words", "semi;colon", &"x".repeat(65)] {
            assert!(matches!(UserName::parse(bad), Err(AccountError::BadName(_))), "{bad:?}");
        }
    }

    #[test]
    fn passwords_check_and_say_nothing_about_which_part_was_wrong() {
        let db = database();
        let mediator = Role::parse("mediator", Some("QAT")).unwrap();
        let added = add_user(&db, &name("qatar"), &mediator, Some("correct horse battery")).unwrap();
        assert_eq!(added.role, mediator);
        assert_eq!(
            check_password(&db, "qatar", "correct horse battery").unwrap(),
            Some(added)
        );
        assert_eq!(check_password(&db, "qatar", "wrong horse battery").unwrap(), None);
        assert_eq!(check_password(&db, "nobody", "correct horse battery").unwrap(), None);
        assert!(matches!(
            add_user(&db, &name("qatar"), &Role::Observer, None),
            Err(AccountError::NameTaken(_))
        ));
        assert!(matches!(
            add_user(&db, &name("short"), &Role::Observer, Some("short")),
            Err(AccountError::PasswordTooShort)
        ));
        assert_eq!(users(&db).unwrap().len(), 1, "a refused user is not stored");
        let stored: String = db
            .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
            .unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("horse"));
    }

    #[test]
    fn a_user_without_a_password_cannot_sign_in_with_one() {
        let db = database();
        add_user(&db, &name("robot"), &Role::Observer, None).unwrap();
        assert_eq!(check_password(&db, "robot", "").unwrap(), None);
        assert_eq!(check_password(&db, "robot", "anything at all").unwrap(), None);
        set_password(&db, &name("robot"), "now it has a password").unwrap();
        assert!(check_password(&db, "robot", "now it has a password").unwrap().is_some());
    }

    #[test]
    fn sessions_live_until_they_expire_or_end() {
        let db = database();
        let user = add_user(
            &db,
            &name("doha"),
            &Role::parse("mediator", Some("QAT")).unwrap(),
            Some("a long password"),
        )
        .unwrap();
        let (secret, csrf) = create_session(&db, &user, 12).unwrap();
        let now = Utc::now();
        assert_eq!(session_user(&db, &secret, now).unwrap(), Some((user.clone(), csrf)));
        assert_eq!(
            session_user(&db, &secret, now + Duration::hours(13)).unwrap(),
            None,
            "expired"
        );
        assert_eq!(session_user(&db, "guess", now).unwrap(), None);
        end_session(&db, &secret).unwrap();
        assert_eq!(session_user(&db, &secret, now).unwrap(), None, "ended");
    }

    #[test]
    fn tokens_authenticate_until_they_expire_or_are_revoked() {
        let db = database();
        let party = Role::parse("party", Some("AFG")).unwrap();
        add_user(&db, &name("kabul"), &party, None).unwrap();
        let (id, secret) = create_token(&db, &name("kabul"), "liaison system", 30).unwrap();
        assert!(secret.starts_with(TOKEN_PREFIX) && secret.len() == TOKEN_PREFIX.len() + 43);
        let now = Utc::now();
        let user = authenticate_token(&db, &secret, now).unwrap().unwrap();
        assert_eq!((user.name.as_str(), user.role), ("kabul", party));
        assert_eq!(
            authenticate_token(&db, &secret, now + Duration::days(31)).unwrap(),
            None,
            "expired"
        );
        assert_eq!(authenticate_token(&db, "truce_guess", now).unwrap(), None);
        let stored: Vec<u8> = db
            .query_row("SELECT token_sha256 FROM tokens", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, secret.as_bytes(), "only the hash is kept");
        revoke_token(&db, id).unwrap();
        assert_eq!(authenticate_token(&db, &secret, now).unwrap(), None, "revoked");
        assert!(tokens(&db).unwrap()[0].revoked_at.is_some());
        assert!(matches!(revoke_token(&db, id + 1), Err(AccountError::NoSuchToken(_))));
        assert!(matches!(
            create_token(&db, &name("nobody"), "x", 30),
            Err(AccountError::NoSuchUser(_))
        ));
        assert!(matches!(
            create_token(&db, &name("kabul"), "x", 0),
            Err(AccountError::BadLifetime(0))
        ));
    }
}

/// A user's webhook with its latest deliveries, as `GET /api/v1/webhooks` lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WebhookListing {
    pub id: i64,
    pub url: String,
    /// The latest 100, the newest first.
    pub deliveries: Vec<DeliveryListing>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct DeliveryListing {
    pub log_index: i64,
    pub event_type: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The webhooks of user `user_id`, in the order they were added, each with its latest deliveries.
pub fn webhooks_of(connection: &Connection, user_id: i64) -> Result<Vec<WebhookListing>, AccountError> {
    let mut hooks = connection.prepare("SELECT id, url FROM webhooks WHERE user_id = ?1 ORDER BY id")?;
    let hooks: Vec<(i64, String)> = hooks
        .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut deliveries = connection.prepare(
        "SELECT log_index, event_type, state, attempts, last_error FROM webhook_deliveries
         WHERE webhook_id = ?1 ORDER BY id DESC LIMIT 100",
    )?;
    hooks
        .into_iter()
        .map(|(id, url)| {
            let deliveries = deliveries
                .query_map([id], |r| {
                    Ok(DeliveryListing {
                        log_index: r.get(0)?,
                        event_type: r.get(1)?,
                        state: r.get(2)?,
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(WebhookListing { id, url, deliveries })
        })
        .collect()
}

/// Runs `work` in one transaction and commits it; whether it committed
/// (the webhooks' bookkeeping records a batch of deliveries at once).
pub fn in_one_transaction<T>(connection: &Connection, work: impl FnOnce(&Connection) -> T) -> (T, bool) {
    let transaction = connection.unchecked_transaction().ok();
    let result = work(connection);
    let committed = transaction.is_none_or(|t| t.commit().is_ok());
    (result, committed)
}
