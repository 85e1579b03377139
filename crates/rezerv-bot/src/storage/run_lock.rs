//! One process polls Telegram per database. Two would both poll (Telegram answers one of them
//! with 409 Conflict), so a second `run` waits until the first one exits, then takes over: an
//! overlapping deploy needs no choreography, and a standby replica is a leader in waiting.
//!
//! - On SQLite, where one process runs the bot whether it polls or takes webhooks, the lock is
//!   an OS file lock beside the database file.
//! - On PostgreSQL, replicas behind a webhook all serve and take no lock; polling replicas
//!   elect their leader with a session advisory lock, held on a connection of its own.
//!
//! Either lock dies with its process, kill -9 included, so a standby never waits for an
//! expiry. A leader whose lock connection breaks has lost the lock (a standby may hold it by
//! then): `lost` says so, and `run` stops.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::watch;

use super::{Backend, StorageError, StorageResult};

/// How often a waiting instance tries the lock again.
const RETRY: Duration = Duration::from_millis(500);

/// How often the leader checks its lock connection; the server drops a dead leader's session
/// (and so its lock) after its keepalives go unanswered, about 10 + 3 × 5 s.
const HEARTBEAT: Duration = Duration::from_secs(5);
const KEEPALIVES: &str = "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3";

/// The advisory lock's key: "rezerv" and 1, one key for every rezerv-bot on the database.
const LEADER_KEY: i64 = 0x7265_7a65_7276_0001;

/// Held for as long as this process runs the bot on the database.
#[derive(Debug)]
pub struct RunLock {
    held: Held,
}

#[derive(Debug)]
enum Held {
    File { _file: File },
    Leader { lost: watch::Receiver<bool>, heartbeat: tokio::task::JoinHandle<()> },
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Held::Leader { heartbeat, .. } = &self.held {
            // Its connection closes with it, and the server releases the lock.
            heartbeat.abort();
        }
    }
}

impl RunLock {
    /// Takes the database's run lock, waiting (and saying so once) while another process holds
    /// it. `polling`: this process will poll Telegram. `None` when no lock is needed: an
    /// in-memory SQLite database is private to its process, and PostgreSQL replicas behind a
    /// webhook run side by side.
    pub async fn acquire(url: &str, polling: bool) -> StorageResult<Option<RunLock>> {
        match url.parse::<Backend>()? {
            Backend::Sqlite => Self::file(url).await,
            Backend::Postgres if polling => Self::leader(url).await.map(Some),
            Backend::Postgres => Ok(None),
        }
    }

    /// Resolves when the lock is lost (a leader's lock connection broke); never for a file lock.
    pub async fn lost(&mut self) {
        match &mut self.held {
            Held::File { .. } => std::future::pending().await,
            Held::Leader { lost, .. } => {
                let _ = lost.wait_for(|lost| *lost).await;
            }
        }
    }

    async fn leader(url: &str) -> StorageResult<RunLock> {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(url).await?;
        conn.execute(KEEPALIVES).await?;
        let mut announced = false;
        loop {
            let taken: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(LEADER_KEY).fetch_one(&mut conn).await?;
            if taken {
                if announced {
                    tracing::warn!("the polling instance stopped; this one takes over");
                }
                break;
            }
            if !announced {
                tracing::warn!("another rezerv-bot polls Telegram on this database; waiting for it to stop");
                announced = true;
            }
            tokio::time::sleep(RETRY).await;
        }
        let (tell, lost) = watch::channel(false);
        let heartbeat = tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                // Bounded: cut off from the server, the ping may wait for TCP's own timeout
                // (minutes) while a standby takes the lock after the server drops this session.
                let alive = tokio::time::timeout(HEARTBEAT, conn.ping()).await;
                if let Err(err) = alive.map_err(|_| sqlx::Error::PoolTimedOut).and_then(|pinged| pinged) {
                    tracing::error!(%err, "the leader lock's connection broke: this instance no longer leads");
                    let _ = tell.send(true);
                    return;
                }
            }
        });
        Ok(RunLock { held: Held::Leader { lost, heartbeat } })
    }

    async fn file(url: &str) -> StorageResult<Option<RunLock>> {
        let Some(path) = lock_path(url)? else {
            return Ok(None);
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StorageError::Lock { path: path.display().to_string(), source })?;
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    if announced {
                        tracing::warn!(lock = %path.display(), "the other instance stopped; this one takes over");
                    }
                    return Ok(Some(RunLock { held: Held::File { _file: file } }));
                }
                Err(TryLockError::WouldBlock) => {
                    if !announced {
                        tracing::warn!(
                            lock = %path.display(),
                            "another rezerv-bot is running on this database; waiting for it to stop"
                        );
                        announced = true;
                    }
                    tokio::time::sleep(RETRY).await;
                }
                Err(TryLockError::Error(source)) => {
                    return Err(StorageError::Lock { path: path.display().to_string(), source });
                }
            }
        }
    }
}

/// `<database file>-run.lock`, or `None` for an in-memory (or unnamed, temporary) database.
fn lock_path(url: &str) -> StorageResult<Option<PathBuf>> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url)?;
    if options.get_filename().as_os_str().is_empty() {
        return Ok(None);
    }
    let mut name = options.get_filename().as_os_str().to_owned();
    name.push("-run.lock");
    Ok(Some(PathBuf::from(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_sits_beside_the_database_file() {
        let path = lock_path("sqlite:///tmp/some dir/rezerv.db").unwrap().unwrap();
        assert_eq!(path, PathBuf::from("/tmp/some dir/rezerv.db-run.lock"));
        assert_eq!(
            lock_path("sqlite:data/rezerv.db?mode=rwc").unwrap().unwrap(),
            PathBuf::from("data/rezerv.db-run.lock")
        );
    }

    #[test]
    fn in_memory_databases_need_no_lock() {
        assert_eq!(lock_path("sqlite::memory:").unwrap(), None);
        assert_eq!(lock_path("sqlite://?mode=memory").unwrap(), None);
        assert_eq!(lock_path("sqlite://").unwrap(), None, "an unnamed database is private too");
    }

    #[tokio::test]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("rezerv-run-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/rezerv.db", dir.display());
        let first = RunLock::acquire(&url, true).await.unwrap().expect("a file database is locked");
        let second = tokio::spawn({
            let url = url.clone();
            async move { RunLock::acquire(&url, true).await }
        });
        tokio::time::sleep(RETRY * 3).await;
        assert!(!second.is_finished(), "the second holder got the lock while the first held it");
        drop(first);
        let second = tokio::time::timeout(RETRY * 4, second).await.expect("the lock was never handed over");
        assert!(second.unwrap().unwrap().is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
