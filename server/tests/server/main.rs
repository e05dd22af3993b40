//! The server's tests, one binary: the API over a real loopback socket, hostile requests, and the page
//! driven in headless Chromium. Each test starts its own server on a free port and stops it when done.

mod api;
mod client;
mod hostile;
mod page;
