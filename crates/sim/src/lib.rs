//! canali-sim
