//! canali-report
