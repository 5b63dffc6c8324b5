//! The web server's tests, in one binary: each test binary links the whole server and its
//! dependency tree, so one binary instead of six keeps the build small and quick to link.

mod common;

mod api;
mod browser;
mod calls;
mod complaint;
mod console;
mod desk;
mod hostile_text;
mod ops;
mod pages;
mod portal;
mod security;
mod snapshot;
mod uploads;
