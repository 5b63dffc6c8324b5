//! canali's call centers: the Asterisk queue_log parser and follower that turn calls into
//! contacts of the ledger, the regulator's line indicators, and staffing (Erlang C, with the
//! formulas in `canali_domain::erlang`).
//!
//! - [`queue_log`]: the zero-copy parser of the queue_log format and its variants;
//! - [`assemble`]: events to calls, one per (callid, queue) entry;
//! - [`agents`]: agents logged in and paused, from the agent events;
//! - [`follow`]: `canali import queue-log`, once or following, resumable;
//! - [`cti`]: call events pushed by a telephone system (`POST /api/v1/calls/events`), put
//!   through the same assembly as queue_log events;
//! - [`kpi`]: offered, answered, abandoned, TMA, LS, over 2 minutes, against dated standards;
//! - [`staffing`]: agents per interval for a service-level target, and week plans;
//! - [`settings`]: queue-to-line mapping, thresholds, standards.

pub mod agents;
pub mod assemble;
pub mod cti;
pub mod follow;
pub mod generate;
pub mod kpi;
pub mod occupancy;
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
    /// A pushed call event that does not fit its call (a hang-up of a call never entered, an
    /// answer after the hang-up...): the field at fault and why.
    #[error("{field} {message}")]
    CallState {
        field: &'static str,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
