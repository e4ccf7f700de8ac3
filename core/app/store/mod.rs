//! Storage: one implementation for SQLite and PostgreSQL.
//!
//! Every statement is written once with `$N` placeholders, which both engines accept, and runs on
//! whichever pool the configuration chose (`with_pool!` expands the body once per engine, so both
//! are type-checked). The few statements that differ live in [`dialect`]. This replaces the
//! object-safe store traits first planned: with one implementation behind them they
//! would only add boxing; tenant isolation comes from the handles in `crate::access`, which are
//! the only way handlers reach tenant data.
//!
//! Timestamps are bound from the app's clock, truncated to whole seconds, and never compared with
//! the database's own clock.

pub mod accounts;
pub mod audit;
pub mod dialect;
pub mod ects;
pub mod first_login;
pub mod induction;
pub mod locks;
pub mod notifications;
pub mod outbox;
pub mod plugins;
pub mod report_forms;
pub mod schools;
pub mod sessions;
pub mod tenants;
pub mod two_factor;
pub mod users;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::config::DatabaseConfig;

#[derive(Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Statements run through this store since it was made: the tests measure what a page
    /// costs in queries with it (a page that grows with the AB shows up there).
    queries: Arc<AtomicU64>,
}

/// A transaction on either engine. Business operations write through one of these, outbox rows
/// included, so that a change and the mail it causes commit together.
pub struct Tx {
    conn: TxConn,
    queries: Arc<AtomicU64>,
}

pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$p` bound to the engine's pool.
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {{
        let store: &$crate::store::Store = $store;
        store.count_query();
        match store.pool() {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    }};
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut Connection`).
macro_rules! with_tx {
    ($tx:expr, $c:ident => $body:expr) => {{
        let tx: &mut $crate::store::Tx = &mut *$tx;
        match tx.conn() {
            $crate::store::TxConn::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::TxConn::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    }};
}

/// Runs `$body` with `$c` bound to wherever the [`Db`] reads: the pool, or the transaction's
/// connection (`&mut Connection`).
macro_rules! with_db {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Store(store) => with_pool!(store, $c => $body),
            $crate::store::Db::Tx(tx) => with_tx!(tx, $c => $body),
        }
    };
}

pub(crate) use {with_db, with_pool, with_tx};

/// Where a read runs: on the pool, or inside a transaction, where it sees that transaction's
/// own uncommitted writes. Reads that a command makes after writing (the induction engine's,
/// for a plan recomputed in the same transaction as the change) take a `Db` so that one text
/// serves both.
pub enum Db<'a> {
    Store(&'a Store),
    Tx(&'a mut Tx),
}

impl Db<'_> {
    /// The same place again, for one more read.
    pub fn reborrow(&mut self) -> Db<'_> {
        match self {
            Db::Store(s) => Db::Store(s),
            Db::Tx(t) => Db::Tx(t),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unique constraint {0} violated")]
    Conflict(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// The unique constraints that a service turns into a refusal. PostgreSQL names the violated
/// constraint; SQLite names its columns instead, so each has both spellings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    /// One school per URN in an AB.
    SchoolUrn,
    /// Usernames are unique across the platform.
    Username,
    /// One open registration per TRN in an AB.
    OpenRegistrationTrn,
    /// One ECT per TRN in an AB.
    EctTrn,
}

impl Unique {
    fn spellings(self) -> [&'static str; 2] {
        match self {
            Unique::SchoolUrn => ["schools_tenant_urn_key", "schools.tenant_id, schools.urn"],
            Unique::Username => ["users_username_key", "users.username"],
            Unique::OpenRegistrationTrn => {
                ["ect_registrations_open_trn_key", "ect_registrations.tenant_id, ect_registrations.trn"]
            }
            Unique::EctTrn => ["ect_profiles_trn_key", "ect_profiles.tenant_id, ect_profiles.trn"],
        }
    }
}

impl StoreError {
    /// The name of the violated unique constraint, if that is what happened.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            StoreError::Conflict(name) => Some(name),
            _ => None,
        }
    }

    /// Whether this is a violation of that unique constraint (and not of another one).
    pub fn violates(&self, unique: Unique) -> bool {
        self.constraint().is_some_and(|c| unique.spellings().contains(&c))
    }

    /// True when the database could not be reached or was too busy (maps to 503, not 500).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)))
    }
}

/// Maps sqlx errors, naming unique-constraint violations so callers can turn them into field errors.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        let name = db
            .constraint()
            .map(str::to_owned)
            // SQLite reports columns, not constraint names: "UNIQUE constraint failed: users.username"
            .unwrap_or_else(|| db.message().rsplit(": ").next().unwrap_or("unique").to_owned());
        return StoreError::Conflict(name);
    }
    StoreError::Database(e)
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// `on_constraint` (as realworld-axum-sqlx has it): a violation of one named unique constraint
/// becomes the caller's refusal; any other error passes on as it is.
pub trait OnConstraint<T> {
    fn on_constraint<E: From<StoreError>>(
        self,
        unique: Unique,
        refusal: impl FnOnce() -> E,
    ) -> std::result::Result<T, E>;
}

impl<T> OnConstraint<T> for Result<T> {
    fn on_constraint<E: From<StoreError>>(
        self,
        unique: Unique,
        refusal: impl FnOnce() -> E,
    ) -> std::result::Result<T, E> {
        self.map_err(|e| if e.violates(unique) { refusal() } else { e.into() })
    }
}

impl Store {
    pub async fn connect(config: &DatabaseConfig) -> Result<Self> {
        let url = config.url.expose_secret();
        let acquire = Duration::from_secs(config.acquire_timeout_secs);
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(acquire)
                    .connect_with(options)
                    .await?,
            )
        } else {
            let options = PgConnectOptions::from_str(url)?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(acquire)
                    .connect_with(options)
                    .await?,
            )
        };
        Ok(Self { pool, queries: Arc::default() })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Reads on the pool (committed data).
    pub fn db(&self) -> Db<'_> {
        Db::Store(self)
    }

    pub(crate) fn count_query(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }

    /// How many statements this store has run (through the pool or its transactions).
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which takes the write lock
    /// at once: a deferred transaction that reads and then writes can fail with SQLITE_BUSY when
    /// another writer commits in between.
    pub async fn begin(&self) -> Result<Tx> {
        let conn = match &self.pool {
            Pool::Sqlite(p) => TxConn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxConn::Postgres(p.begin().await?),
        };
        self.count_query();
        Ok(Tx { conn, queries: Arc::clone(&self.queries) })
    }

    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }

    /// A cheap query proving the database answers.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }
}

impl Tx {
    /// Reads inside this transaction.
    pub fn db(&mut self) -> Db<'_> {
        Db::Tx(self)
    }

    /// The connection for one statement, counted on the store's statements.
    pub(crate) fn conn(&mut self) -> &mut TxConn {
        self.queries.fetch_add(1, Ordering::Relaxed);
        &mut self.conn
    }

    pub async fn commit(self) -> Result<()> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Cuts a string to at most `max` characters (for error texts and user agents kept in the database).
pub(crate) fn audit_truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
