//! The embedded simulated cluster used by `demo` and by the fast tests.
pub mod apiserver;
pub mod backend_standin;
pub mod kubelet;
pub mod portforward;
pub mod scenario;
pub mod store;
