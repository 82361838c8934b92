//! Test helpers shared by the Altus crates (a dev-dependency, except that the `altus` tool
//! takes its default chorale folder from [`corpus`]): where the chorale corpus is, an allocator that counts and caps what a test allocates, finite differences for
//! gradient checks, hostile MIDI bytes, special files (pipes, devices, huge sparse files) and a
//! MusicXML reader for checking written scores.

pub mod alloc;
pub mod corpus;
pub mod fd;
pub mod fuzz;
pub mod score;
pub mod special;

pub use corpus::chorales_for_test;
