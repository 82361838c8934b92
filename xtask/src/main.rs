//! `cargo xtask bundle <plugin> [--release]`: builds `target/bundled/NAME.clap` and `NAME.vst3`.
fn main() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main()
}
