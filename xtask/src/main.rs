//! `cargo xtask bundle altus [--release]`: builds `target/bundled/Altus.clap` and `Altus.vst3`.
//!
//! `altus` is accepted as the short name of the `altus-plugin` package.
fn main() -> nice_plug_xtask::Result<()> {
    let args = std::env::args().skip(1).map(|a| {
        if a == "altus" {
            "altus-plugin".to_string()
        } else {
            a
        }
    });
    nice_plug_xtask::main_with_args("cargo xtask", args)
}
