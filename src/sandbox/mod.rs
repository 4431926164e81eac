//! The embedded simulated cluster used by `demo` and by the fast tests.
pub mod scenario;
pub mod store;
