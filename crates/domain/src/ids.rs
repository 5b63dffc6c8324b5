//! placeholder: written by the identifiers task
