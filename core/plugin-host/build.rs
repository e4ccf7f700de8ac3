//! Builds the plugins under `plugins/` from source: each Rust guest is compiled for
//! `wasm32-unknown-unknown` (a zero-capability target: `wasm32-wasip2` would make std import WASI),
//! and wrapped as a component with `wit-component`. The misbehaving test
//! plugin is also built for `wasm32-wasip2`, giving a real component that imports WASI, which the
//! host must refuse. Outputs land in `$OUT_DIR/plugins/<name>.wasm`; nothing is committed.

use std::path::{Path, PathBuf};
use std::process::Command;

const GUESTS: [(&str, &str); 3] = [
    ("fenland", "induct_plugin_fenland"),
    ("northshire", "induct_plugin_northshire"),
    ("misbehave", "induct_plugin_misbehave"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let plugins = manifest_dir.join("../../plugins").canonicalize().expect("plugins/ exists");
    // Relative paths (to this package's folder): a build directory shared between two checkouts
    // (tests/run.sh keeps one outside the clone) must watch each checkout's own files.
    for watched in ["Cargo.toml", "Cargo.lock", "wit", "sdk", "fenland", "northshire", "testing", "examples"] {
        println!("cargo:rerun-if-changed=../../plugins/{watched}");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target_dir = out.join("guest-target");
    let dest = out.join("plugins");
    std::fs::create_dir_all(&dest).unwrap();

    ensure_target("wasm32-unknown-unknown");
    ensure_target("wasm32-wasip2");
    cargo_build(&plugins, &target_dir, "wasm32-unknown-unknown", &[]);
    cargo_build(&plugins, &target_dir, "wasm32-wasip2", &["-p", "induct-plugin-misbehave"]);

    for (name, artifact) in GUESTS {
        let module = target_dir.join("wasm32-unknown-unknown/release").join(format!("{artifact}.wasm"));
        let bytes = std::fs::read(&module).unwrap_or_else(|e| panic!("reading {}: {e}", module.display()));
        let component = wit_component::ComponentEncoder::default()
            .module(&bytes)
            .and_then(|e| e.validate(true).encode())
            .unwrap_or_else(|e| panic!("wrapping {name} as a component: {e:#}"));
        std::fs::write(dest.join(format!("{name}.wasm")), component).unwrap();
    }
    std::fs::copy(
        target_dir.join("wasm32-wasip2/release/induct_plugin_misbehave.wasm"),
        dest.join("misbehave-wasi.wasm"),
    )
    .expect("copy the WASI-importing test plugin");
}

/// Installs a rustup target if it is missing (the brief allows `rustup target add` here).
fn ensure_target(target: &str) {
    let sysroot = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc");
    let sysroot = String::from_utf8(sysroot.stdout).unwrap();
    if Path::new(sysroot.trim()).join("lib/rustlib").join(target).exists() {
        return;
    }
    let status = Command::new("rustup").args(["target", "add", target]).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "the Rust target {target} is needed to build the plugins: run `rustup target add {target}`"
    );
}

fn cargo_build(plugins: &Path, target_dir: &Path, target: &str, extra: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(plugins)
        .args(["build", "--release", "--locked", "--target", target, "--target-dir"])
        .arg(target_dir)
        .args(extra);
    // The outer build's settings are for the host, not for wasm guests.
    for (key, _) in std::env::vars() {
        if key.starts_with("CARGO_") && key != "CARGO_HOME"
            || key == "RUSTFLAGS"
            || key == "RUSTC_WRAPPER"
            || key == "RUSTC_WORKSPACE_WRAPPER"
        {
            cmd.env_remove(key);
        }
    }
    let status = cmd.status().expect("run cargo for the plugins");
    assert!(status.success(), "building the plugins for {target} failed");
}
