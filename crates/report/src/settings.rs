//! The report's configurable factors and targets, with the defaults of the seed's report
//! (see `shared/seed/REFERENCE.md`). Every field may be left out of a config file.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// CO2 of one paper bill produced, printed and delivered, in grams: what an e-mail bill
    /// avoids (the utility's campaign: 900 thousand bills = 67 t, about 74 g each).
    pub co2_grams_per_bill: f64,
    /// CO2 of one printed sheet, in grams (the same campaign: 3.6 million sheets = 67 t).
    pub co2_grams_per_sheet: f64,
    /// Sheets of a paper bill, used when the bill rollup carries no sheet count.
    pub sheets_per_bill: i64,
    /// The share (0 to 1) of the online branch's contacts that stand for a trip to a branch
    /// not made. An assumption (docs/report.md, "Trips avoided"): replace it with the
    /// utility's own survey.
    pub web_contact_trip_share: f64,
    /// Kilometres of a trip to a branch and back (an assumption, as above).
    pub km_per_branch_trip: f64,
    /// CO2 of a car kilometre, grams: new cars sold in Italy in 2011, type approval, about
    /// 130 g/km (the seed's reference; real driving emits more).
    pub co2_grams_per_km: f64,
    pub targets: Targets,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            co2_grams_per_bill: 74.0,
            co2_grams_per_sheet: 18.6,
            sheets_per_bill: 4,
            web_contact_trip_share: 0.25,
            km_per_branch_trip: 10.0,
            co2_grams_per_km: 130.0,
            targets: Targets::default(),
        }
    }
}

/// The yearly targets shown beside the actual figures (the 2011 objectives by default). Each is
/// a maximum except `ebill_growth_pct`, a minimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    pub residential_wait_seconds: f64,
    pub business_wait_seconds: f64,
    pub residential_over_2m_pct: f64,
    pub business_over_2m_pct: f64,
    pub branch_wait_minutes: f64,
    pub branch_over_40m_pct: f64,
    pub ebill_growth_pct: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            residential_wait_seconds: 40.0,
            business_wait_seconds: 25.0,
            residential_over_2m_pct: 9.0,
            business_over_2m_pct: 4.0,
            branch_wait_minutes: 14.0,
            branch_over_40m_pct: 7.0,
            ebill_growth_pct: 50.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_the_defaults() {
        let s: ReportSettings = serde_json::from_str(
            r#"{"co2_grams_per_bill": 80, "targets": {"branch_wait_minutes": 12}}"#,
        )
        .unwrap();
        assert_eq!(s.co2_grams_per_bill, 80.0);
        assert_eq!(s.co2_grams_per_sheet, 18.6);
        assert_eq!(s.sheets_per_bill, 4);
        assert_eq!(s.targets.branch_wait_minutes, 12.0);
        assert_eq!(s.targets.residential_wait_seconds, 40.0);
    }
}
