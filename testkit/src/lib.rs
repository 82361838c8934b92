//! Test helpers shared by the Altus crates (a dev-dependency only): where the chorale corpus
//! is, an allocator that counts and caps what a test allocates, and finite differences for
//! gradient checks.

pub mod alloc;
pub mod corpus;
pub mod fd;
pub mod fuzz;

pub use corpus::chorales_for_test;
