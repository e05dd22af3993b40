//! The server's tests, one binary: the API over a real loopback socket, hostile requests, and the page
//! driven in headless Chromium. Each test starts its own server on a free port and stops it when done.

mod api;
mod client;
mod desk;
mod hostile;
mod page;

/// One headless Chromium at a time across the whole binary: two cores do not run several well, and a
/// loaded machine makes page loads slow enough to expose races.
pub static BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());
