//! The embedded simulated cluster used by `demo` and by the fast tests: a read-only
//! Kubernetes API served over real HTTP from a scenario file, with pod logs, port-forward
//! to scripted backends, and a kubelet-shaped front for the real-tier tests.
//!
//! - [`scenario`]: the scenario file format, the built-in scenarios and their checks;
//! - [`store`]: a scenario loaded as cluster state, plus selectors, pagination, logs, `Status`;
//! - [`apiserver`]: [`Sandbox`], the read-only Kubernetes API on 127.0.0.1 for kube-rs clients;
//! - [`portforward`]: the port-forward websocket protocol and what each pod port reaches;
//! - [`backend_standin`]: the scripted HTTP backend behind a pod port;
//! - [`mongo_wire`]: the MongoDB wire-protocol stand-in behind a pod port;
//! - [`kubelet`]: the kubelet endpoints over TLS, for tests against a real kube-apiserver;
//! - [`demo`]: the `demo` subcommand, tracing against a started sandbox.
pub mod apiserver;
pub mod backend_standin;
pub mod demo;
pub mod kubelet;
pub mod mongo_wire;
pub mod portforward;
pub mod scenario;
pub mod store;

pub use apiserver::{RecordedRequest, Sandbox};
