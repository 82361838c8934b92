//! Training the harmony model: mini-batches ([`batch`]), batched forward and backward through
//! time ([`bptt`], its buffers in [`workspace`], one step's
//! cells in [`cells`], checked against finite differences in `gradcheck`), the training loop
//! ([`train`]) and free-running evaluation ([`eval`], [`metrics`], [`motion`]) against Bach and the
//! [`baselines`]. Uses
//! `altus_core::harmony` for the one forward pass and the data of [`crate::data`].

pub mod baselines;
pub mod batch;
pub mod bptt;
pub mod cells;
pub mod distill;
pub mod eval;
#[cfg(test)]
mod gradcheck;
pub mod loss;
pub mod metrics;
pub mod motion;
pub mod train;
pub mod tune;
pub mod workspace;
