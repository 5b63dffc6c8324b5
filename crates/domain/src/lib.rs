//! canali's pure domain model: no I/O, no async.
//!
//! - [`contact`]: channels, segments, services, reasons and outcomes of a contact;
//! - [`ids`]: codice fiscale, partita IVA, POD and PDR with their real validation;
//! - [`schedule`]: weekly opening hours in Europe/Rome with dated exceptions;
//! - [`network`]: territories and the kinds of branch;
//! - [`day`]: calendar days as compact numbers, the unit of the rollups;
//! - [`lang`]: Italian and English, and the message catalogue every text goes through.
//! - [`locale`]: numbers, dates, month and weekday names and opening hours in each language.
//! - [`ticket`]: a branch ticket's states and the steps between them;
//! - [`reading`]: the verdict on a customer's meter reading;
//! - [`refusal`]: the user's mistakes that canali refuses, each with a message key;
//! - [`text`]: the one rule for text fields: no control characters, a length by kind.

/// A name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{given}' is not a valid {what}; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

/// Generates a closed enum with its names, codes and bilingual labels.
#[macro_export]
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal, $snake:literal, $it:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable integer stored in the database.
            pub const fn code(self) -> i64 {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: i64) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The stable snake_case name used in files and the API.
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => $snake),+ }
            }

            /// The label for people, in `lang`.
            pub const fn label(self, lang: $crate::lang::Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($it, $en)),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownName;
            fn from_str(s: &str) -> Result<$name, $crate::UnknownName> {
                let wanted = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.name().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| $crate::UnknownName {
                        what: $what,
                        given: s.to_string(),
                        expected: $name::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

pub mod contact;
pub mod day;
pub mod erlang;
pub mod ids;
pub mod lang;
pub mod locale;
pub mod network;
pub mod reading;
pub mod refusal;
pub mod schedule;
pub mod service;
pub mod text;
pub mod ticket;

pub use contact::{Channel, Outcome, Reason, Segment, Service};
pub use day::{Day, ROME};
