//! canali's call centers: the Asterisk queue_log parser and follower that turn calls into
//! contacts of the ledger, the regulator's line indicators, and staffing (Erlang C, with the
//! formulas in `canali_domain::erlang`).
//!
//! - [`queue_log`]: the zero-copy parser of the queue_log format and its variants;
//! - [`assemble`]: events to calls, one per (callid, queue) entry;
//! - [`follow`]: `canali import queue-log`, once or following, resumable;
//! - [`kpi`]: offered, answered, abandoned, TMA, LS, over 2 minutes, against dated standards;
//! - [`staffing`]: agents per interval for a service-level target, and week plans;
//! - [`settings`]: queue-to-line mapping, thresholds, standards.

pub mod assemble;
pub mod follow;
pub mod generate;
pub mod kpi;
pub mod queue_log;
pub mod settings;
pub mod staffing;

pub use settings::{CallCenterSettings, Line};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error(transparent)]
    Store(#[from] canali_store::StoreError),
    #[error("the follower's saved state: {0}")]
    State(String),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, Error>;
