//! Where SQLite and PostgreSQL differ: the one place the storage layer names a backend.
//!
//! Statements are written once, with `$1`-style parameters (both backends take them) and
//! portable SQL: `COUNT(*) FILTER (WHERE …)` for conditional counts, `IS NOT DISTINCT FROM`
//! for null-safe equality, `CAST(SUM(…) AS BIGINT)` where PostgreSQL would give `numeric`,
//! and `CASE WHEN … THEN 1 ELSE 0 END` for a flag read back (SQLite has no boolean type,
//! and both schemas keep flags as integers). What cannot be written portably is a token
//! that `render` spells per backend:
//!
//! | token | SQLite | PostgreSQL |
//! | --- | --- | --- |
//! | `{each(X)}` | `json_each(X)` | `jsonb_array_elements_text(CAST(X AS JSONB)) AS elem(value)` |
//! | `{rows(X; a BIGINT, b TEXT)}` | `(SELECT value ->> 'a' AS a, … FROM (SELECT value FROM json_each(X) LIMIT -1 OFFSET 0)) AS batch` | `jsonb_to_recordset(CAST(X AS JSONB)) AS batch(a BIGINT, b TEXT)` |
//! | `{text(X, f)}` | `json_extract(X, '$.f')` | `(CAST(X AS JSONB) ->> 'f')` |
//! | `{int(X, f)}` | `json_extract(X, '$.f')` | `CAST(CAST(X AS JSONB) ->> 'f' AS BIGINT)` |
//! | `{list(X, f)}` | `json_extract(X, '$.f')` | `(CAST(X AS JSONB) -> 'f')` |
//! | `{set_int(X; f; V)}` | `json_set(X, '$.f', V)` | `CAST(jsonb_set(CAST(X AS JSONB), '{f}', to_jsonb(V)) AS TEXT)` |
//! | `{minus_days(D; N)}` | `date(D, '-' \|\| (N) \|\| ' days')` | `to_char(CAST(D AS DATE) - CAST(N AS INTEGER), 'YYYY-MM-DD')` |
//! | `{skip_locked()}` | (nothing) | `FOR UPDATE SKIP LOCKED` |
//! | `{for_update()}` | (nothing) | `FOR UPDATE` |
//! | `{days_between(A; B)}` | `CAST(julianday(A) - julianday(B) AS INTEGER)` | `(CAST(A AS DATE) - CAST(B AS DATE))` |
//!
//! `{each(X)}` yields a column `value`: SQLite gives a JSON number as an integer and
//! PostgreSQL gives text, so an id list is read as `CAST(value AS BIGINT)`. A batched
//! statement reads its rows by name through `{rows(…)}`. Tokens nest; the innermost is
//! spelled first. Each call site renders its statement once per backend (`sql!`).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The database a `Db` runs on, chosen by the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A `DATABASE_URL` that is neither `sqlite:` nor `postgres://`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DATABASE_URL must start with `sqlite:` or `postgres://` (or `postgresql://`)")]
pub struct UnknownBackend;

impl FromStr for Backend {
    type Err = UnknownBackend;

    /// The backend of a database URL.
    fn from_str(url: &str) -> Result<Backend, UnknownBackend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(UnknownBackend)
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

impl Backend {
    /// Opens a transaction that writes. SQLite takes its write lock up front (IMMEDIATE), so
    /// two writers queue instead of one failing at its first write; PostgreSQL locks rows as
    /// statements touch them.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// Itself: `sql!` takes a `Backend` or anything with a `backend()`, such as a `Db`.
    pub(crate) fn backend(self) -> Backend {
        self
    }

    /// A statement that makes the transaction's writers under `$1` (a key) take turns: SQLite's
    /// writer holds the database's one write lock already; PostgreSQL takes a transaction
    /// advisory lock, released at commit or rollback.
    pub(crate) fn serialize_on_key(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("SELECT pg_advisory_xact_lock($1)"),
        }
    }

    fn index(self) -> usize {
        match self {
            Backend::Sqlite => 0,
            Backend::Postgres => 1,
        }
    }

    /// `template` with its tokens spelled for this backend.
    pub(crate) fn render(self, template: &str) -> String {
        let mut text = template.to_owned();
        // Innermost first: a token whose argument holds no other token.
        while let Some((start, end, name, arg)) = innermost(&text) {
            let spelled = self.token(name, arg);
            text.replace_range(start..end, &spelled);
        }
        text
    }

    fn token(self, name: &str, arg: &str) -> String {
        let sqlite = self == Backend::Sqlite;
        match name {
            "each" if sqlite => format!("json_each({arg})"),
            "each" => format!("jsonb_array_elements_text(CAST({arg} AS JSONB)) AS elem(value)"),
            "rows" => {
                let (source, columns) = arg.split_once(';').unwrap_or_else(|| panic!("rows({arg}) names no columns"));
                if sqlite {
                    let fields: Vec<String> = columns
                        .split(',')
                        .map(|column| {
                            let name = column.split_whitespace().next().unwrap_or_default();
                            format!("value ->> '{name}' AS {name}")
                        })
                        .collect();
                    // The OFFSET keeps SQLite from flattening the inner query, so each row's object is
                    // written out as text once, not once per field: 800 outbox rows of 7 fields took
                    // 67M instructions, 53M now.
                    format!(
                        "(SELECT {} FROM (SELECT value FROM json_each({source}) LIMIT -1 OFFSET 0)) AS batch",
                        fields.join(", ")
                    )
                } else {
                    format!("jsonb_to_recordset(CAST({source} AS JSONB)) AS batch({})", columns.trim())
                }
            }
            "text" | "int" | "list" => {
                let (value, field) = arg.rsplit_once(',').unwrap_or_else(|| panic!("{name}({arg}) names no field"));
                let field = field.trim();
                match (sqlite, name) {
                    (true, _) => format!("json_extract({value}, '$.{field}')"),
                    (false, "text") => format!("(CAST({value} AS JSONB) ->> '{field}')"),
                    (false, "int") => format!("CAST(CAST({value} AS JSONB) ->> '{field}' AS BIGINT)"),
                    (false, _) => format!("(CAST({value} AS JSONB) -> '{field}')"),
                }
            }
            "set_int" | "minus_days" | "days_between" => {
                let parts: Vec<&str> = arg.split(';').map(str::trim).collect();
                match (sqlite, name, parts.as_slice()) {
                    (true, "set_int", [json, field, value]) => format!("json_set({json}, '$.{field}', {value})"),
                    (false, "set_int", [json, field, value]) => {
                        format!("CAST(jsonb_set(CAST({json} AS JSONB), '{{{field}}}', to_jsonb({value})) AS TEXT)")
                    }
                    (true, "minus_days", [day, days]) => format!("date({day}, '-' || ({days}) || ' days')"),
                    (false, "minus_days", [day, days]) => {
                        format!("to_char(CAST({day} AS DATE) - CAST({days} AS INTEGER), 'YYYY-MM-DD')")
                    }
                    (true, "days_between", [a, b]) => format!("CAST(julianday({a}) - julianday({b}) AS INTEGER)"),
                    (false, "days_between", [a, b]) => format!("(CAST({a} AS DATE) - CAST({b} AS DATE))"),
                    _ => panic!("{name}({arg}) takes other arguments"),
                }
            }
            // SQLite's writer holds the database's one write lock for the whole transaction
            // (`begin_write`); PostgreSQL's writers, in other replicas too, lock rows.
            "skip_locked" if sqlite => String::new(),
            "skip_locked" => "FOR UPDATE SKIP LOCKED".to_owned(),
            "for_update" if sqlite => String::new(),
            "for_update" => "FOR UPDATE".to_owned(),
            other => panic!("unknown SQL token `{other}`"),
        }
    }
}

/// The innermost `{name(arg)}` in `text`: its byte range, name and argument.
fn innermost(text: &str) -> Option<(usize, usize, &str, &str)> {
    let mut search = 0;
    while let Some(found) = text[search..].find('{') {
        let start = search + found;
        let rest = &text[start + 1..];
        let name_len = rest.find(|c: char| !(c.is_ascii_lowercase() || c == '_')).unwrap_or(rest.len());
        if name_len > 0 && rest[name_len..].starts_with('(') {
            let body = &rest[name_len + 1..];
            if let Some(close) = body.find(")}") {
                let arg = &body[..close];
                if !arg.contains('{') {
                    let end = start + 1 + name_len + 1 + close + 2;
                    return Some((start, end, &rest[..name_len], arg));
                }
            }
        }
        search = start + 1;
    }
    None
}

/// A statement rendered once per backend, for the `sql!` call site that owns `cache`.
pub(crate) fn cached(
    cache: &'static OnceLock<[String; 2]>,
    backend: Backend,
    template: impl FnOnce() -> String,
) -> &'static str {
    let rendered = cache.get_or_init(|| {
        let template = template();
        [Backend::Sqlite.render(&template), Backend::Postgres.render(&template)]
    });
    &rendered[backend.index()]
}

/// The statement `template` (a `&str` or a `String` built from constants) for `db`'s
/// backend, rendered on first use and kept for the process's life.
macro_rules! sql {
    ($db:expr, $template:expr) => {{
        static RENDERED: std::sync::OnceLock<[String; 2]> = std::sync::OnceLock::new();
        $crate::storage::dialect::cached(&RENDERED, $db.backend(), || String::from($template))
    }};
}
pub(crate) use sql;

#[cfg(test)]
mod tests {
    use super::Backend::{Postgres, Sqlite};

    #[test]
    fn a_statement_without_tokens_is_the_same_on_both_backends() {
        let text = "SELECT COUNT(*) FILTER (WHERE active = 0) FROM candidates WHERE chat_id = $1";
        assert_eq!(Sqlite.render(text), text);
        assert_eq!(Postgres.render(text), text);
    }

    #[test]
    fn batched_rows_are_read_by_name_on_both_backends() {
        let text = "SELECT batch.chat_id FROM {rows($2; chat_id BIGINT, plan_key TEXT)}";
        assert_eq!(
            Sqlite.render(text),
            "SELECT batch.chat_id FROM (SELECT value ->> 'chat_id' AS chat_id, value ->> 'plan_key' AS plan_key \
             FROM (SELECT value FROM json_each($2) LIMIT -1 OFFSET 0)) AS batch"
        );
        assert_eq!(
            Postgres.render(text),
            "SELECT batch.chat_id FROM jsonb_to_recordset(CAST($2 AS JSONB)) AS batch(chat_id BIGINT, plan_key TEXT)"
        );
    }

    #[test]
    fn nested_tokens_are_spelled_from_the_inside_out() {
        let text = "c.city IN (SELECT value FROM {each({list($1, cities)})})";
        assert_eq!(Sqlite.render(text), "c.city IN (SELECT value FROM json_each(json_extract($1, '$.cities')))");
        assert_eq!(
            Postgres.render(text),
            "c.city IN (SELECT value FROM jsonb_array_elements_text(CAST((CAST($1 AS JSONB) -> 'cities') AS JSONB)) \
             AS elem(value))"
        );
    }

    #[test]
    fn a_json_field_compared_as_a_number_is_cast_on_postgres_only() {
        assert_eq!(Sqlite.render("{int(o.args, days)} < 3"), "json_extract(o.args, '$.days') < 3");
        assert_eq!(Postgres.render("{int(o.args, days)} < 3"), "CAST(CAST(o.args AS JSONB) ->> 'days' AS BIGINT) < 3");
    }

    #[test]
    fn date_arithmetic_is_spelled_per_backend() {
        let text = "{minus_days($2; 3)} <= {days_between($2; $3)}";
        assert_eq!(
            Sqlite.render(text),
            "date($2, '-' || (3) || ' days') <= CAST(julianday($2) - julianday($3) AS INTEGER)"
        );
        assert_eq!(
            Postgres.render(text),
            "to_char(CAST($2 AS DATE) - CAST(3 AS INTEGER), 'YYYY-MM-DD') <= (CAST($2 AS DATE) - CAST($3 AS DATE))"
        );
        assert_eq!(
            Postgres.render("{set_int(o.args; days; 2)}"),
            "CAST(jsonb_set(CAST(o.args AS JSONB), '{days}', to_jsonb(2)) AS TEXT)"
        );
    }

    #[test]
    fn braces_that_are_not_tokens_are_left_alone() {
        let text = "SELECT '{}' AS args, '{x' AS y";
        assert_eq!(Postgres.render(text), text);
    }

    #[test]
    fn a_database_url_names_its_backend() {
        assert_eq!("sqlite://bot.db".parse(), Ok(Sqlite));
        assert_eq!("sqlite::memory:".parse(), Ok(Sqlite));
        assert_eq!("postgres://bot@db/rezerv".parse(), Ok(Postgres));
        assert_eq!("postgresql://bot@db/rezerv".parse(), Ok(Postgres));
        assert!("mysql://db".parse::<super::Backend>().is_err());
    }
}
