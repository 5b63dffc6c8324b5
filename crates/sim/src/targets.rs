//! The figures the simulation is calibrated to: the seed's 2011 page and its objectives table,
//! with 2010 derived from the growth rates the page gives. Volumes are at scale 1.

/// Channel shares of all contacts, in percent; they sum to 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mix {
    pub call_center: f64,
    pub branch: f64,
    pub web: f64,
    pub mail: f64,
}

/// Waiting-time targets of one queue: average wait (s) and share of waits over a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitTarget {
    pub mean_seconds: f64,
    pub over_share: f64,
    /// The threshold of `over_share`, seconds (120 for call centers, 2400 for branches).
    pub over_seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearTargets {
    pub year: i16,
    /// Contacts of all channels in the year.
    pub contacts: f64,
    pub mix: Mix,
    /// Share of the call-center contacts on the business line.
    pub business_line_share: f64,
    pub residential_wait: WaitTarget,
    pub business_wait: WaitTarget,
    pub branch_wait: WaitTarget,
}

/// 2011: "about 3.5 million" contacts, +10% over 2010.
pub const CONTACTS_2011: f64 = 3_500_000.0;
pub const CONTACT_GROWTH: f64 = 0.10;

/// Shares whose rounding is the seed's 56 / 29 / 10 / 6 and which sum to 100.
pub const MIX_2011: Mix = Mix {
    call_center: 55.6,
    branch: 28.9,
    web: 9.9,
    mail: 5.6,
};
/// 2010: web 6.5% (the seed), the rest a little higher, mail the most (web grew "at the expense
/// of paper mail").
pub const MIX_2010: Mix = Mix {
    call_center: 57.0,
    branch: 29.3,
    web: 6.5,
    mail: 7.2,
};

pub fn year_targets(year: i16) -> YearTargets {
    let contacts = CONTACTS_2011 * (1.0 + CONTACT_GROWTH).powi(i32::from(year) - 2011);
    let w = |mean_seconds: f64, over_share: f64, over_seconds: f64| WaitTarget {
        mean_seconds,
        over_share,
        over_seconds,
    };
    if year >= 2011 {
        YearTargets {
            year,
            contacts,
            mix: MIX_2011,
            business_line_share: 0.175,
            residential_wait: w(37.0, 0.11, 120.0),
            business_wait: w(28.0, 0.06, 120.0),
            branch_wait: w(630.0, 0.05, 2400.0),
        }
    } else {
        // 2010 (and earlier): somewhat worse service.
        YearTargets {
            year,
            contacts,
            mix: MIX_2010,
            business_line_share: 0.17,
            residential_wait: w(43.0, 0.13, 120.0),
            business_wait: w(32.0, 0.07, 120.0),
            branch_wait: w(700.0, 0.065, 2400.0),
        }
    }
}

/// Supply points at the end of 2011 (the report's customers by service, thousands).
pub const GAS_POINTS: f64 = 1_114_500.0;
pub const ELECTRICITY_POINTS: f64 = 482_100.0;
pub const WATER_POINTS: f64 = 1_185_400.0;
/// Share of business customers.
pub const BUSINESS_SHARE: f64 = 0.09;

/// Online-branch registrations: 130,000 at the end of 2011, +31% over the end of 2010.
pub const PORTAL_2011: f64 = 130_000.0;
pub const PORTAL_GROWTH: f64 = 0.31;
/// The online branch opened in 2004.
pub const PORTAL_LAUNCH_YEAR: i16 = 2004;

/// Customers on the e-bill at the end of each year (2010 and 2011 from the objectives table;
/// the e-bill started in 2008).
pub fn ebill_on_at_year_end(year: i16) -> f64 {
    match year {
        ..=2007 => 0.0,
        2008 => 7_400.0,
        2009 => 14_600.0,
        2010 => 23_528.0,
        2011 => 38_832.0,
        y => 38_832.0 * 1.35f64.powi(i32::from(y) - 2011),
    }
}
/// Share of the e-bill customers that go back to paper in a year.
pub const EBILL_WITHDRAWAL_RATE: f64 = 0.03;
/// E-mail bills issued in 2011 ("about 270 thousand envelopes" avoided).
pub const EMAIL_BILLS_2011: f64 = 270_000.0;
