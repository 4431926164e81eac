//! The test harness shared by the integration test files (`mod support;`).
//!
//! - `tier`: the tiers a trace test runs on and the per-scenario context (start here);
//! - `cluster`: a real etcd + kube-apiserver with users, RBAC and an audit log;
//! - `seed`: a scenario written into the real apiserver;
//! - `kubelet`, `spdy`: the kubelet stand-in (logs, port-forward) and its Node;
//! - `mongo`: a SecantusDB holding a scenario's documents;
//! - `audit`: the audit-log check that the tool never mutates the cluster;
//! - `env`, `procs`: where the binaries are; children that die with the test process.

// Every test binary compiles this whole tree but uses a different part of it.
#![allow(dead_code, unused_imports)]

pub mod audit;
pub mod cluster;
pub mod env;
pub mod kubelet;
pub mod mongo;
pub mod procs;
pub mod seed;
pub mod spdy;
pub mod suite;
pub mod tier;

pub use cluster::{Cluster, User};
pub use tier::{show, Backends, Ctx, Tier};
