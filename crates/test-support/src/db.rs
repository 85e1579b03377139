//! A fresh SQLite database per test, in its own temporary folder.

use std::path::Path;

use rezerv_bot::storage::Db;

/// A temporary folder, removed when dropped, with the test's database file in it.
#[derive(Debug)]
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    #[allow(clippy::new_without_default)] // A new folder per call: `Default` would hide that.
    pub fn new() -> TempDir {
        TempDir(tempfile::Builder::new().prefix("rezerv-test-").tempdir().expect("create a temporary folder"))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.path().join("test.db").display())
    }
}

pub async fn fresh_db() -> (Db, TempDir) {
    let dir = TempDir::new();
    let db = Db::connect(&dir.database_url()).await.expect("open test database");
    (db, dir)
}
