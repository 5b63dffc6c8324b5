//! Customer service in the web: who works in the console, the customers' requests and
//! complaints, and the regulator's reply standard with its automatic compensation.

use crate::Day;
use serde::{Deserialize, Serialize};

coded_enum! {
    /// What a console user may do. Agents work one call-center line, clerks one branch.
    Role, "role" {
        Agent = 1, "agent", "Operatore call center", "Call-center agent";
        Clerk = 2, "clerk", "Operatore di sportello", "Branch clerk";
        BackOffice = 3, "back_office", "Back office", "Back office";
        NetworkManager = 4, "network_manager", "Responsabile rete sportelli", "Branch-network manager";
        Supervisor = 5, "supervisor", "Supervisore", "Supervisor";
        Admin = 6, "admin", "Amministratore", "Administrator";
    }
}

coded_enum! {
    /// The kinds of request a customer opens; a complaint starts the regulator's reply clock.
    RequestKind, "request kind" {
        Information = 1, "information", "Richiesta di informazioni", "Information request";
        Complaint = 2, "complaint", "Reclamo scritto", "Written complaint";
        BillCorrection = 3, "bill_correction", "Rettifica di fatturazione", "Bill correction";
        ContractChange = 4, "contract_change", "Modifica contrattuale", "Contract change";
        Technical = 5, "technical", "Intervento tecnico", "Technical service";
    }
}

coded_enum! {
    /// Where a request stands.
    RequestStatus, "request status" {
        Open = 1, "open", "Aperta", "Open";
        Answered = 2, "answered", "Risposta inviata", "Answered";
        Closed = 3, "closed", "Chiusa", "Closed";
    }
}

/// The regulator's standard for replying to a written complaint, in force from `valid_from`:
/// a reply later than `days` calendar days owes the customer `base_cents`, twice that beyond
/// twice the time, three times beyond three times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyStandard {
    pub valid_from: jiff::civil::Date,
    pub days: i32,
    pub base_cents: i64,
}

/// The standards in force over the years: 40 days in 2011 (ARERA/AEEG TIQE), 30 days since
/// 2017; compensation EUR 25.
pub fn default_reply_standards() -> Vec<ReplyStandard> {
    vec![
        ReplyStandard {
            valid_from: jiff::civil::date(2000, 1, 1),
            days: 40,
            base_cents: 2500,
        },
        ReplyStandard {
            valid_from: jiff::civil::date(2017, 1, 1),
            days: 30,
            base_cents: 2500,
        },
    ]
}

/// The standard in force on `day`: the latest one that started on or before it.
pub fn reply_standard_at(standards: &[ReplyStandard], day: Day) -> Option<ReplyStandard> {
    let date = day.date();
    standards
        .iter()
        .filter(|s| s.valid_from <= date)
        .max_by_key(|s| s.valid_from)
        .copied()
}

/// The reply deadline of a complaint opened on `opened`.
pub fn reply_deadline(standards: &[ReplyStandard], opened: Day) -> Option<Day> {
    reply_standard_at(standards, opened).map(|s| Day(opened.0 + s.days))
}

/// The compensation owed for a complaint opened on `opened` and answered on `answered`, under
/// the standard in force when it was opened; zero when answered in time.
pub fn reply_compensation_cents(standards: &[ReplyStandard], opened: Day, answered: Day) -> i64 {
    let Some(s) = reply_standard_at(standards, opened) else {
        return 0;
    };
    let took = answered.0 - opened.0;
    let limit = s.days;
    if took <= limit {
        0
    } else if took <= 2 * limit {
        s.base_cents
    } else if took <= 3 * limit {
        2 * s.base_cents
    } else {
        3 * s.base_cents
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn day(y: i16, m: i8, d: i8) -> Day {
        Day::from_date(date(y, m, d))
    }

    #[test]
    fn deadline_follows_the_standard_of_the_opening_day() {
        let s = default_reply_standards();
        assert_eq!(reply_deadline(&s, day(2011, 3, 1)), Some(day(2011, 4, 10)));
        assert_eq!(reply_deadline(&s, day(2026, 3, 1)), Some(day(2026, 3, 31)));
    }

    #[test]
    fn compensation_doubles_and_triples_with_the_delay() {
        let s = default_reply_standards();
        let opened = day(2011, 1, 1);
        let at = |n: i32| reply_compensation_cents(&s, opened, Day(opened.0 + n));
        assert_eq!(at(40), 0);
        assert_eq!(at(41), 2500);
        assert_eq!(at(80), 2500);
        assert_eq!(at(81), 5000);
        assert_eq!(at(120), 5000);
        assert_eq!(at(121), 7500);
        assert_eq!(at(1000), 7500);
    }
}
