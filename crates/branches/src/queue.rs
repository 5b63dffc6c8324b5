//! The ticket queue's rules above the store: the wait announced with a new ticket, and how far
//! those announcements were from the waits that followed. A ticket's states and the steps
//! between them are the domain's ([`canali_domain::ticket`]), which the store's guarded
//! updates follow.

use crate::Result;
use canali_store::Store;
use canali_store::tickets::{QueueLoad, Ticket, TicketState};

/// Handling time assumed while a branch has no closed ticket yet.
pub const DEFAULT_HANDLE_SECONDS: i64 = 300;

/// The wait announced for a new ticket: the tickets that will be called before it, times the
/// mean of the branch's recent handling times, shared among the counters that called a ticket
/// in the last hour (at least one).
pub fn estimate_wait(load: &QueueLoad) -> i64 {
    let mean = if load.recent_handle_seconds.is_empty() {
        DEFAULT_HANDLE_SECONDS as f64
    } else {
        load.recent_handle_seconds.iter().sum::<i64>() as f64
            / load.recent_handle_seconds.len() as f64
    };
    let counters = load.active_counters.max(1) as f64;
    (load.ahead as f64 * mean / counters).round() as i64
}

/// Takes a ticket at the kiosk (`is_virtual` false) or online, with its estimate.
pub async fn take_ticket(
    store: &Store,
    branch: &str,
    category: &str,
    is_virtual: bool,
    at: i64,
) -> Result<Ticket> {
    let load = store.tickets().queue_load(branch, category, at).await?;
    let estimate = estimate_wait(&load);
    Ok(store
        .tickets()
        .take(branch, category, is_virtual, at, estimate)
        .await?)
}

/// Books a ticket online at `booked_at` for the appointment `slot_at`, with the estimate of
/// the queue as it stands at the booking.
pub async fn book_ticket(
    store: &Store,
    branch: &str,
    category: &str,
    booked_at: i64,
    slot_at: i64,
) -> Result<Ticket> {
    let load = store
        .tickets()
        .queue_load(branch, category, booked_at)
        .await?;
    let estimate = estimate_wait(&load);
    Ok(store
        .tickets()
        .book(branch, category, booked_at, slot_at, estimate)
        .await?)
}

/// How the announced waits compare with the actual ones (tickets that were called).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct EstimateError {
    pub tickets: usize,
    /// Mean of actual minus announced, in seconds (positive: waits were longer than announced).
    pub mean_error_seconds: f64,
    pub mean_absolute_error_seconds: f64,
    /// Share of tickets whose actual wait was within 5 minutes of the announcement.
    pub within_5_minutes: f64,
}

pub fn estimate_error(tickets: &[Ticket]) -> EstimateError {
    let errors: Vec<i64> = tickets
        .iter()
        .filter(|t| !matches!(t.status, TicketState::Waiting))
        .filter_map(|t| t.wait_seconds().map(|w| w - t.estimate_seconds))
        .collect();
    if errors.is_empty() {
        return EstimateError::default();
    }
    let n = errors.len() as f64;
    EstimateError {
        tickets: errors.len(),
        mean_error_seconds: errors.iter().sum::<i64>() as f64 / n,
        mean_absolute_error_seconds: errors.iter().map(|e| e.abs()).sum::<i64>() as f64 / n,
        within_5_minutes: errors.iter().filter(|e| e.abs() <= 300).count() as f64 / n,
    }
}
