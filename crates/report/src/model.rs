//! The computed report: every figure of the seed page for one year and the year before. Its
//! serde form is the report's JSON format (documented field by field in `docs/report.md`), so
//! field names are stable snake_case. Shares and growths are percentages (55.8, not 0.558) and
//! are `None` (JSON `null`) when their denominator is zero.

use canali_domain::Channel;
use canali_domain::network::{BranchEventKind, BranchKind, Delivery, EbillPath};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearReport {
    pub year: i16,
    pub previous_year: i16,
    pub contacts: ContactsReport,
    pub waiting: WaitingReport,
    pub online_branch: OnlineBranchReport,
    pub ebill: EbillReport,
    pub network: NetworkReport,
}

/// Contacts of one channel, or of a group of channels, in the year and the year before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelFigures {
    pub contacts: i64,
    pub share_pct: Option<f64>,
    pub previous_contacts: i64,
    pub previous_share_pct: Option<f64>,
    pub growth_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelRow {
    pub channel: Channel,
    #[serde(flatten)]
    pub figures: ChannelFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthContacts {
    /// 1 to 12.
    pub month: u8,
    /// Contacts by channel; every channel is present.
    pub by_channel: BTreeMap<Channel, i64>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactsReport {
    pub total: i64,
    pub previous_total: i64,
    pub growth_pct: Option<f64>,
    /// The five channels, in the domain's order.
    pub by_channel: Vec<ChannelRow>,
    /// The two call-center channels together.
    pub call_center: ChannelFigures,
    /// The twelve months of the year.
    pub monthly: Vec<MonthContacts>,
}

/// A figure with its value in both years and its target, a maximum unless said otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub value: Option<f64>,
    pub previous_value: Option<f64>,
    pub target: f64,
    /// Whether the value, rounded as printed (whole seconds, one decimal for minutes and
    /// percentages), is within the target; `None` without a value.
    pub met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallCenterWaiting {
    pub channel: Channel,
    /// Calls that asked for an operator (and so carry a waiting time).
    pub waited: i64,
    pub previous_waited: i64,
    pub average_wait_seconds: Indicator,
    pub waited_over_2m_pct: Indicator,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BranchWaiting {
    /// Branch visits that carry a waiting time.
    pub waited: i64,
    pub previous_waited: i64,
    pub average_wait_minutes: Indicator,
    pub waited_over_40m_pct: Indicator,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingReport {
    /// Residential line, then business line.
    pub call_center: Vec<CallCenterWaiting>,
    pub branches: BranchWaiting,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnlineBranchReport {
    pub registered_users: i64,
    pub previous_registered_users: i64,
    pub growth_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EbillSwitchRow {
    pub path: EbillPath,
    pub enrolled: i64,
    pub withdrawn: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillRow {
    pub delivery: Delivery,
    pub bills: i64,
    pub sheets: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EbillReport {
    /// Customers on the e-bill at the end of the year and of the year before.
    pub customers: i64,
    pub previous_customers: i64,
    pub growth_pct: Option<f64>,
    /// The growth target, a minimum.
    pub growth_target_pct: f64,
    pub growth_met: Option<bool>,
    /// Switches in the year, every path present.
    pub switches: Vec<EbillSwitchRow>,
    pub enrolled: i64,
    pub withdrawn: i64,
    /// Bills issued in the year, every delivery present.
    pub bills: Vec<BillRow>,
    /// E-mail bills issued in the year: each one is a paper envelope not printed nor mailed.
    pub envelopes_avoided: i64,
    /// Sheets of the e-mail bills' paper version.
    pub sheets_avoided: i64,
    /// True when the bill rollup had no sheet count and `sheets_per_bill` was used.
    pub sheets_estimated: bool,
    pub co2_grams_per_bill: f64,
    /// `envelopes_avoided * co2_grams_per_bill`.
    pub co2_avoided_kg: f64,
    pub co2_avoided_tonnes: f64,
    pub co2_grams_per_sheet: f64,
    /// The cross-check by sheets: `sheets_avoided * co2_grams_per_sheet`.
    pub co2_by_sheets_kg: f64,
    /// The online branch's contacts in the year, and the trips to a branch they stand for:
    /// `web_contacts * web_contact_trip_share`, rounded.
    pub web_contacts: i64,
    pub web_contact_trip_share: f64,
    pub trips_avoided: i64,
    pub km_per_branch_trip: f64,
    pub co2_grams_per_km: f64,
    /// `trips_avoided * km_per_branch_trip * co2_grams_per_km`, in kg.
    pub trips_co2_avoided_kg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCount {
    pub kind: BranchKind,
    pub branches: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TerritoryCount {
    pub sot: i64,
    pub name: String,
    pub branches: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkEvent {
    pub date: Date,
    pub event: BranchEventKind,
    pub branch: String,
    pub name: String,
    pub municipality: String,
    /// `None` when the event names a branch that is not in the registry.
    pub kind: Option<BranchKind>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkReport {
    /// The day the network is counted at: 31 December of the year.
    pub at: Date,
    pub total: i64,
    pub previous_total: i64,
    /// Every kind present, in the domain's order.
    pub by_kind: Vec<KindCount>,
    /// Every known SOT, by code, then any unknown code that has branches.
    pub by_territory: Vec<TerritoryCount>,
    pub territories: i64,
    pub homogeneous_template: String,
    pub homogeneous_schedule: i64,
    /// The weekly opening text of the homogeneous schedule and its hours a week, from the
    /// first such branch whose text parses.
    pub homogeneous_hours: Option<String>,
    pub homogeneous_hours_per_week: Option<f64>,
    pub hosted_at_third_parties: i64,
    pub outsourced: i64,
    /// The year's events, by date then branch code.
    pub events: Vec<NetworkEvent>,
}
