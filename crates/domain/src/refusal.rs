//! The user's own mistakes that canali refuses: one enum, each case with the key of its message
//! in the catalogue and the values that message names. The store, the channel crates and the
//! rules here return them inside their errors; the web translates a refusal by its key (and
//! answers 400 or 422), the CLI prints its English sentence.
//!
//! Adding a case: a variant with an English `#[error]` sentence, its key in [`Refusal::key`],
//! its values in [`Refusal::args`], and the key's Italian and English texts in the catalogue
//! (crates/web/src/i18n.rs); a test there checks every key of [`Refusal::EXAMPLES`].

/// A refusal: what the user asked for cannot be done as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A database URL that is neither `sqlite://` nor `postgres://`.
    #[error("unsupported database URL '{url}': use sqlite://FILE or postgres://...")]
    UnsupportedUrl { url: String },
    /// A SQLite file in a folder that does not exist (canali creates the file, not folders).
    #[error("cannot create the SQLite file {file}: the folder {folder} does not exist")]
    SqliteFolderMissing { file: String, folder: String },
    /// A database migrated by a newer canali than this one.
    #[error(
        "the database has schema version {found}, newer than this canali knows ({known}): \
         use a newer canali"
    )]
    SchemaTooNew { found: i64, known: i64 },
    /// `canali backup` of a PostgreSQL database: its own tools do that.
    #[error(
        "canali backup copies SQLite databases only: back up PostgreSQL with pg_dump \
         (a logical copy) or pg_basebackup (the whole cluster), as docs/operations.md shows"
    )]
    BackupNeedsSqlite,
    /// A backup onto a file that exists: backups are never overwritten.
    #[error("{path} exists already: name a new file, so that no backup is overwritten by mistake")]
    BackupExists { path: String },
}

impl Refusal {
    /// One value of every case, for the test that the catalogue knows every key.
    pub const EXAMPLES: &'static [fn() -> Refusal] = &[
        || Refusal::UnsupportedUrl {
            url: "mysql://x".into(),
        },
        || Refusal::SqliteFolderMissing {
            file: "nowhere/canali.db".into(),
            folder: "nowhere".into(),
        },
        || Refusal::SchemaTooNew { found: 9, known: 8 },
        || Refusal::BackupNeedsSqlite,
        || Refusal::BackupExists {
            path: "backup.db".into(),
        },
    ];

    /// The key of the message in the catalogue (`refusal.` and the case in snake case).
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::UnsupportedUrl { .. } => "refusal.unsupported_url",
            Refusal::SqliteFolderMissing { .. } => "refusal.sqlite_folder_missing",
            Refusal::SchemaTooNew { .. } => "refusal.schema_too_new",
            Refusal::BackupNeedsSqlite => "refusal.backup_needs_sqlite",
            Refusal::BackupExists { .. } => "refusal.backup_exists",
        }
    }

    /// The values the message names, by placeholder (`{url}` in the catalogue's texts).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Refusal::UnsupportedUrl { url } => vec![("url", url.clone())],
            Refusal::SqliteFolderMissing { file, folder } => {
                vec![("file", file.clone()), ("folder", folder.clone())]
            }
            Refusal::SchemaTooNew { found, known } => {
                vec![("found", found.to_string()), ("known", known.to_string())]
            }
            Refusal::BackupNeedsSqlite => Vec::new(),
            Refusal::BackupExists { path } => vec![("path", path.clone())],
        }
    }
}
