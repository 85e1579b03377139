//! Migrations from `migrations/`, embedded in the binary and run at start-up.

use std::borrow::Cow;

use std::future::Future;
use std::pin::Pin;

use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::Backend;

/// Every file in `migrations/sqlite/`, in order. A test checks this list against the folder.
pub(crate) const SQLITE: &[(i64, &str, &str)] = &[
    (1, "candidates codes", include_str!("../../migrations/sqlite/0001_candidates_codes.sql")),
    (2, "outbox", include_str!("../../migrations/sqlite/0002_outbox.sql")),
    (3, "inbox plan queue", include_str!("../../migrations/sqlite/0003_inbox_plan_queue.sql")),
    (4, "saved by update", include_str!("../../migrations/sqlite/0004_saved_by_update.sql")),
    (5, "code claimed by", include_str!("../../migrations/sqlite/0005_code_claimed_by.sql")),
    (6, "cabinet code", include_str!("../../migrations/sqlite/0006_cabinet_code.sql")),
    (7, "qrt booked", include_str!("../../migrations/sqlite/0007_qrt_booked.sql")),
    (8, "console", include_str!("../../migrations/sqlite/0008_console.sql")),
    (9, "faq questions", include_str!("../../migrations/sqlite/0009_faq_questions.sql")),
    (11, "dashboard", include_str!("../../migrations/sqlite/0011_dashboard.sql")),
    (12, "retention", include_str!("../../migrations/sqlite/0012_retention.sql")),
    (13, "broadcasts alerts", include_str!("../../migrations/sqlite/0013_broadcasts_alerts.sql")),
    (14, "replicas", include_str!("../../migrations/sqlite/0014_replicas.sql")),
];

/// Every file in `migrations/postgres/`, in order: the SQLite schema as it stands after its
/// last migration, in PostgreSQL's types, then each change made after that.
pub(crate) const POSTGRES: &[(i64, &str, &str)] = &[
    (1, "schema", include_str!("../../migrations/postgres/0001_schema.sql")),
    (2, "replicas", include_str!("../../migrations/postgres/0002_replicas.sql")),
];

/// The embedded migrations, as a source for sqlx's own migrator.
#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>> + Send + 's>> {
        let migrations = self
            .0
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, Cow::Borrowed(*sql), false)
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// The version of the backend's last migration.
pub(crate) fn latest(backend: Backend) -> i64 {
    let migrations = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    migrations.iter().map(|(version, _, _)| *version).max().unwrap_or(0)
}

/// Each backend has its own migrations.
pub(crate) async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::{POSTGRES, SQLITE};

    #[test]
    fn every_sqlite_migration_file_is_embedded() {
        embedded(&format!("{}/migrations/sqlite", env!("CARGO_MANIFEST_DIR")), SQLITE);
    }

    #[test]
    fn every_postgres_migration_file_is_embedded() {
        embedded(&format!("{}/migrations/postgres", env!("CARGO_MANIFEST_DIR")), POSTGRES);
    }

    fn embedded(dir: &str, migrations: &[(i64, &str, &str)]) {
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), migrations.len(), "{files:?}");
        for (file, (version, _, _)) in files.iter().zip(migrations) {
            assert!(file.starts_with(&format!("{version:04}_")), "{file} out of order");
        }
    }
}
