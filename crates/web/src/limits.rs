//! Rate limits for sign-in, registration, password reset and the public complaint form: a token bucket per client address
//! (and per account for sign-in), answered with 429 and `Retry-After` when empty.

use crate::config::LimitsConfig;
use crate::error::WebError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

pub struct Limits {
    login: DefaultKeyedRateLimiter<String>,
    login_account: DefaultKeyedRateLimiter<String>,
    register: DefaultKeyedRateLimiter<String>,
    reset: DefaultKeyedRateLimiter<String>,
    complaint: DefaultKeyedRateLimiter<String>,
}

#[derive(Debug, Clone, Copy)]
pub enum Action {
    Login,
    LoginAccount,
    Register,
    Reset,
    /// The public complaint form (no account).
    Complaint,
}

fn per_minute(n: u32) -> DefaultKeyedRateLimiter<String> {
    RateLimiter::keyed(Quota::per_minute(
        NonZeroU32::new(n.max(1)).expect("at least one"),
    ))
}

impl Limits {
    pub fn new(c: &LimitsConfig) -> Limits {
        Limits {
            login: per_minute(c.login_per_minute),
            login_account: per_minute(c.login_per_account_per_minute),
            register: per_minute(c.register_per_minute),
            reset: per_minute(c.reset_per_minute),
            complaint: per_minute(c.complaint_per_minute),
        }
    }

    /// Takes one attempt for `key`, or says how long to wait.
    pub fn check(&self, action: Action, key: &str) -> Result<(), WebError> {
        let limiter = match action {
            Action::Login => &self.login,
            Action::LoginAccount => &self.login_account,
            Action::Register => &self.register,
            Action::Reset => &self.reset,
            Action::Complaint => &self.complaint,
        };
        limiter.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            WebError::TooManyRequests(wait.as_secs().max(1))
        })
    }
}
