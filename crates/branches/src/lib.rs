//! canali's branch network: the registry import (TOML or CSV), the network at any date and its
//! opening hours at any instant (precomputed, microseconds for the whole network), the ticket
//! queue's wait estimate, the branch waiting-time indicators and material campaigns' targets.
//!
//! The SQL lives in `canali_store` (`branches_store`, `tickets`); this crate holds the rules.

pub mod import;
pub mod kpi;
pub mod network;
pub mod queue;

pub use import::{ImportFormat, parse_registry};
pub use network::{Network, NetworkAt};

#[derive(Debug, thiserror::Error)]
pub enum BranchError {
    #[error(transparent)]
    Store(#[from] canali_store::StoreError),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, BranchError>;
