//! The records the store reads and writes. Times are microseconds since the epoch (UTC), dates
//! are [`Day`] numbers, money is integer cents, enums are the domain's.

use canali_domain::network::{BranchEventKind, BranchKind, Delivery, EbillPath, Host, Operator};
use canali_domain::{Channel, Day, Outcome, Reason, Segment, Service};

/// One contact of any channel, as it enters the ledger. `(source, external_id)` identifies it:
/// ingesting it again changes nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContact {
    pub external_id: String,
    pub channel: Channel,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub segment: Option<Segment>,
    /// The customer code, when the customer is known (an anonymous caller is still a contact).
    pub customer: Option<String>,
    /// The territory (SOT code); when absent, ingest derives it from the branch or the customer.
    pub territory: Option<i64>,
    pub wait_seconds: Option<i64>,
    pub handle_seconds: Option<i64>,
    pub reason: Option<Reason>,
    pub outcome: Option<Outcome>,
    pub branch: Option<String>,
    pub line: Option<String>,
    pub agent: Option<String>,
}

impl NewContact {
    /// A contact with its key, channel and start, and nothing else known yet: set the other
    /// fields with struct update syntax (`NewContact { reason: .., ..NewContact::new(..) }`).
    pub fn new(external_id: impl Into<String>, channel: Channel, started_at: i64) -> NewContact {
        NewContact {
            external_id: external_id.into(),
            channel,
            started_at,
            ended_at: None,
            segment: None,
            customer: None,
            territory: None,
            wait_seconds: None,
            handle_seconds: None,
            reason: None,
            outcome: None,
            branch: None,
            line: None,
            agent: None,
        }
    }
}

/// A territorial operating structure (SOT).
#[derive(Debug, Clone, PartialEq)]
pub struct Sot {
    pub code: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    pub code: String,
    pub name: String,
    pub municipality: String,
    pub address: String,
    pub sot: i64,
    pub kind: BranchKind,
    pub operator: Operator,
    /// The contractor of an outsourced branch.
    pub contractor: Option<String>,
    pub host: Host,
    /// The third party that hosts the branch.
    pub host_name: Option<String>,
    pub counters: i64,
    /// Weekly opening hours in the text form of `canali_domain::schedule` (Europe/Rome).
    pub hours: String,
    /// The name of a shared schedule template, e.g. `homogeneous_33h`.
    pub schedule_template: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BranchEvent {
    pub branch: String,
    pub day: Day,
    pub kind: BranchEventKind,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    /// The customer code printed on the bill.
    pub code: String,
    pub segment: Segment,
    /// Codice fiscale (people) or partita IVA (businesses).
    pub tax_id: String,
    pub name: String,
    pub sot: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub since: Day,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SupplyPoint {
    pub id: i64,
    pub customer_id: i64,
    pub service: Service,
    /// POD (electricity), PDR (gas), meter number (water), or the waste account.
    pub identifier: String,
    pub municipality: String,
    pub address: String,
    /// Bills a year: 6 (bimonthly), 12 (monthly), 4 (quarterly)...
    pub bills_per_year: i64,
}

/// An online-branch registration.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalAccount {
    pub customer_id: i64,
    pub email: String,
    pub registered_at: i64,
}

/// A switch to the e-bill (`enrolled: true`) or back to paper.
#[derive(Debug, Clone, PartialEq)]
pub struct EbillEvent {
    pub customer_id: i64,
    pub day: Day,
    pub path: EbillPath,
    pub enrolled: bool,
}

/// A bill issued and how it was delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct Bill {
    pub id: i64,
    pub customer_id: i64,
    pub supply_point_id: i64,
    pub issued: Day,
    pub due: Day,
    pub period_from: Day,
    pub period_to: Day,
    pub total_cents: i64,
    pub delivery: Delivery,
    /// Printed sheets of the paper version (what an e-mail delivery saves).
    pub sheets: i64,
}
