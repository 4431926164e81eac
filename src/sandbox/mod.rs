//! The embedded simulated cluster used by `demo` and by the fast tests: a read-only
//! Kubernetes API served over real HTTP from a scenario file, with pod logs, port-forward
//! to scripted backends, and a kubelet-shaped front for the real-tier tests.
pub mod apiserver;
pub mod backend_standin;
pub mod demo;
pub mod kubelet;
pub mod portforward;
pub mod scenario;
pub mod store;

pub use apiserver::Sandbox;
