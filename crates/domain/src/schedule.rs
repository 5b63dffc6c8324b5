//! placeholder: written by the schedule task
