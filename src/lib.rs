//! kubectl-jobtrace: trace one job id across a cluster and say what is wrong.
pub mod sandbox;
