//! The embedded simulated cluster used by `demo` and by the fast tests.
// pub mod demo;
pub mod mongo_wire;
pub mod scenario;
