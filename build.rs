//! With the `split` feature, keep the linker's relocations in the wasm: wasm-split-cli needs them
//! to tell which functions and data each split point reaches (xtask/src/split.rs).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let split = std::env::var_os("CARGO_FEATURE_SPLIT").is_some();
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32");
    if split && wasm {
        println!("cargo::rustc-link-arg-bins=--emit-relocs");
    }
}
