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
        DoubleBilling = 6, "double_billing", "Doppia fatturazione", "Double billing";
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

/// A regulator's time standard for one kind of written request, in force from `valid_from` until
/// the next standard of the same kind: the reply (or the correction) is due within `days`
/// calendar days of receipt, `days_four_monthly` when the supply is billed every four months.
/// With `base_cents` it is a specific standard: a late reply owes the customer that
/// compensation, twice it beyond twice the time, three times beyond three times. With
/// `yearly_on_time_min_pct` it is also a general standard: that share of the year's cases must
/// be on time. Each standard names its source (delibera and article).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyStandard {
    pub valid_from: jiff::civil::Date,
    /// The kind of request it times; a settings file written before kinds were timed means the
    /// written complaint.
    #[serde(default = "complaint")]
    pub kind: RequestKind,
    pub days: i32,
    #[serde(default)]
    pub days_four_monthly: Option<i32>,
    #[serde(default)]
    pub base_cents: Option<i64>,
    #[serde(default)]
    pub yearly_on_time_min_pct: Option<f64>,
    #[serde(default)]
    pub source: String,
}

fn complaint() -> RequestKind {
    RequestKind::Complaint
}

/// Bills a year at or below which a supply is billed every four months (or less often), which
/// gives a bill correction its longer time.
pub const FOUR_MONTHLY_BILLS_PER_YEAR: i64 = 3;

/// The standards in force over the years (docs/web.md, "Reply standards", cites each):
/// - written complaints: 40 days from the first TIQV (AEEG ARG/com 164/08), 30 days from 2017
///   (ARERA 413/2016/R/com), EUR 25 then;
/// - from 1 January 2026 the new TIQV (ARERA 399/2025/R/com, amended by 477/2025/R/com):
///   complaints and written information requests 30 days, bill corrections 60 days (90 when
///   billed every four months), double billing 15 days; each with automatic compensation from
///   EUR 30, and 95% of each kind's cases on time in the year.
pub fn default_reply_standards() -> Vec<ReplyStandard> {
    let d = jiff::civil::date;
    let tiqv_2026 = |kind, days, four_monthly| ReplyStandard {
        valid_from: d(2026, 1, 1),
        kind,
        days,
        days_four_monthly: four_monthly,
        base_cents: Some(3000),
        yearly_on_time_min_pct: Some(95.0),
        source: "ARERA 399/2025/R/com (TIQV 2026), with 477/2025/R/com".into(),
    };
    vec![
        ReplyStandard {
            valid_from: d(2000, 1, 1),
            kind: RequestKind::Complaint,
            days: 40,
            days_four_monthly: None,
            base_cents: Some(2500),
            yearly_on_time_min_pct: None,
            source: "AEEG ARG/com 164/08 (TIQV)".into(),
        },
        ReplyStandard {
            valid_from: d(2017, 1, 1),
            kind: RequestKind::Complaint,
            days: 30,
            days_four_monthly: None,
            base_cents: Some(2500),
            yearly_on_time_min_pct: None,
            source: "ARERA 413/2016/R/com (TIQV 2017)".into(),
        },
        tiqv_2026(RequestKind::Complaint, 30, None),
        tiqv_2026(RequestKind::Information, 30, None),
        tiqv_2026(RequestKind::BillCorrection, 60, Some(90)),
        tiqv_2026(RequestKind::DoubleBilling, 15, None),
    ]
}

/// The standard in force for `kind` on `day`: the latest of that kind that started on or
/// before it. None: the kind had no time standard then.
pub fn reply_standard_at(
    standards: &[ReplyStandard],
    kind: RequestKind,
    day: Day,
) -> Option<&ReplyStandard> {
    let date = day.date();
    standards
        .iter()
        .filter(|s| s.kind == kind && s.valid_from <= date)
        .max_by_key(|s| s.valid_from)
}

/// The reply deadline of a request of `kind` received on `opened`; `four_monthly` when its
/// supply is billed every four months. None: no standard times that kind then.
pub fn reply_deadline(
    standards: &[ReplyStandard],
    kind: RequestKind,
    opened: Day,
    four_monthly: bool,
) -> Option<Day> {
    reply_standard_at(standards, kind, opened).map(|s| {
        let days = if four_monthly {
            s.days_four_monthly.unwrap_or(s.days)
        } else {
            s.days
        };
        Day(opened.0 + days)
    })
}

/// The compensation owed for a request of `kind` received on `opened`, due on `deadline` and
/// answered on `answered`, under the standard in force when it was received: zero when in
/// time, the base beyond the deadline, twice it beyond twice the time, three times beyond three
/// times. None when no specific standard (one with compensation) covered it.
pub fn reply_compensation_cents(
    standards: &[ReplyStandard],
    kind: RequestKind,
    opened: Day,
    deadline: Day,
    answered: Day,
) -> Option<i64> {
    let base = reply_standard_at(standards, kind, opened)?.base_cents?;
    let took = answered.0 - opened.0;
    let limit = (deadline.0 - opened.0).max(1);
    Some(if took <= limit {
        0
    } else if took <= 2 * limit {
        base
    } else if took <= 3 * limit {
        2 * base
    } else {
        3 * base
    })
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
        let due = |kind, d, four| reply_deadline(&s, kind, d, four);
        use RequestKind::*;
        assert_eq!(
            due(Complaint, day(2011, 3, 1), false),
            Some(day(2011, 4, 10))
        );
        assert_eq!(
            due(Complaint, day(2020, 3, 1), false),
            Some(day(2020, 3, 31))
        );
        assert_eq!(
            due(Complaint, day(2026, 3, 1), false),
            Some(day(2026, 3, 31))
        );
        // Kinds the rules of 2011 did not time have no deadline then, and have one in 2026.
        assert_eq!(due(BillCorrection, day(2011, 3, 1), false), None);
        assert_eq!(
            due(BillCorrection, day(2026, 3, 1), false),
            Some(day(2026, 4, 30))
        );
        assert_eq!(
            due(BillCorrection, day(2026, 3, 1), true),
            Some(day(2026, 5, 30))
        );
        assert_eq!(
            due(DoubleBilling, day(2026, 3, 1), false),
            Some(day(2026, 3, 16))
        );
        assert_eq!(
            due(Information, day(2026, 3, 1), false),
            Some(day(2026, 3, 31))
        );
        assert_eq!(due(Information, day(2025, 12, 31), false), None);
        assert_eq!(due(Technical, day(2026, 3, 1), false), None);
    }

    #[test]
    fn compensation_doubles_and_triples_with_the_delay() {
        let s = default_reply_standards();
        let opened = day(2011, 1, 1);
        let due = reply_deadline(&s, RequestKind::Complaint, opened, false).unwrap();
        let at = |n: i32| {
            reply_compensation_cents(&s, RequestKind::Complaint, opened, due, Day(opened.0 + n))
        };
        assert_eq!(at(40), Some(0));
        assert_eq!(at(41), Some(2500));
        assert_eq!(at(80), Some(2500));
        assert_eq!(at(81), Some(5000));
        assert_eq!(at(120), Some(5000));
        assert_eq!(at(121), Some(7500));
        assert_eq!(at(1000), Some(7500));
    }

    #[test]
    fn a_late_2026_complaint_earns_30_60_or_90_euros() {
        let s = default_reply_standards();
        let opened = day(2026, 2, 1);
        let due = reply_deadline(&s, RequestKind::Complaint, opened, false).unwrap();
        let at = |n: i32| {
            reply_compensation_cents(&s, RequestKind::Complaint, opened, due, Day(opened.0 + n))
        };
        assert_eq!(at(30), Some(0));
        assert_eq!(at(31), Some(3000));
        assert_eq!(at(61), Some(6000));
        assert_eq!(at(91), Some(9000));
        // A four-monthly bill correction is late after 90 days, not 60.
        let due = reply_deadline(&s, RequestKind::BillCorrection, opened, true).unwrap();
        let fix = |n: i32| {
            reply_compensation_cents(
                &s,
                RequestKind::BillCorrection,
                opened,
                due,
                Day(opened.0 + n),
            )
        };
        assert_eq!(fix(90), Some(0));
        assert_eq!(fix(91), Some(3000));
        assert_eq!(fix(181), Some(6000));
        // No specific standard, no compensation: a contract change, or a bill correction of 2011.
        assert_eq!(
            reply_compensation_cents(
                &s,
                RequestKind::ContractChange,
                opened,
                due,
                Day(opened.0 + 400)
            ),
            None
        );
        let old = day(2011, 2, 1);
        assert_eq!(
            reply_compensation_cents(
                &s,
                RequestKind::BillCorrection,
                old,
                Day(old.0 + 60),
                Day(old.0 + 400)
            ),
            None
        );
    }

    #[test]
    fn settings_written_before_kinds_were_timed_still_read() {
        let s: ReplyStandard =
            serde_json::from_str(r#"{"valid_from": "2020-01-01", "days": 20, "base_cents": 4000}"#)
                .unwrap();
        assert_eq!(s.kind, RequestKind::Complaint);
        assert_eq!((s.days, s.base_cents), (20, Some(4000)));
    }
}
