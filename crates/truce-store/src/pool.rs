//! SQLite connections reused across requests: opening one (and reading the
//! schema) costs more than most queries. The server holds pools and hands
//! their connections to this crate's read functions, so it never opens,
//! names or queries a database itself.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A read (or the opening of its connection) that failed: the cause, for
/// the server's log; the caller sees a 500.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadFailed(pub String);

/// A connection to a data directory's database, as this crate's functions
/// take it: callers hold one and hand it back, never query it themselves.
pub type Database = Connection;

/// The database at `path`, read only (the exports, the command line's reads).
pub fn open_read_only(path: &Path) -> Result<Database, crate::StoreError> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "query_only", true)?;
    Ok(connection)
}

type Opener = Box<dyn Fn() -> Result<Connection, String> + Send + Sync>;

pub struct ConnectionPool {
    open: Opener,
    idle: Mutex<Vec<Connection>>,
}

impl ConnectionPool {
    /// Connections to the accounts tables (read and write: sessions are written).
    pub fn accounts(path: &Path) -> ConnectionPool {
        let path = path.to_path_buf();
        ConnectionPool::new(move || crate::accounts::open(&path).map_err(|e| e.to_string()))
    }

    /// Read-only connections, for the projections.
    pub fn read_only(path: &Path) -> ConnectionPool {
        let path = path.to_path_buf();
        ConnectionPool::new(move || {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            Connection::open_with_flags(&path, flags).map_err(|e| e.to_string())
        })
    }

    fn new(open: impl Fn() -> Result<Connection, String> + Send + Sync + 'static) -> ConnectionPool {
        ConnectionPool {
            open: Box::new(open),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` with a connection on the blocking pool.
    pub async fn run<T, E>(
        self: &Arc<Self>,
        work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ReadFailed>
    where
        T: Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.with(work))
            .await
            .map_err(|e| ReadFailed(e.to_string()))??
            .map_err(|e| ReadFailed(e.to_string()))
    }

    /// Runs `work` with a connection (opened on first need, kept for the next).
    pub fn with<T>(&self, work: impl FnOnce(&Connection) -> T) -> Result<T, ReadFailed> {
        let idle = self.idle.lock().map_err(|e| ReadFailed(e.to_string()))?.pop();
        let connection = match idle {
            Some(connection) => connection,
            None => (self.open)().map_err(ReadFailed)?,
        };
        let result = work(&connection);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(connection);
        }
        Ok(result)
    }
}
