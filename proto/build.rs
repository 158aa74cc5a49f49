//! Generates Rust types and tonic services from the .proto files under `weave/`,
//! and a file descriptor set for gRPC server reflection.

use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY of intent: build scripts run single-threaded; prost-build reads PROTOC.
    unsafe { env::set_var("PROTOC", protoc) };

    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let mut protos = Vec::new();
    collect(&root.join("weave"), &mut protos)?;
    protos.sort();
    for p in &protos {
        println!("cargo:rerun-if-changed={}", p.display());
    }

    let out = PathBuf::from(env::var("OUT_DIR")?);
    // Type names (`prost::Name`) let the kernel find a message's descriptor, to emit an
    // event from its generated type.
    // The module tree (`weave::<module>::v1`) is generated too, so a new module's
    // package needs no line in `src/lib.rs`.
    let mut config = prost_build::Config::new();
    config.enable_type_names();
    config.include_file("weave.rs");
    tonic_build::configure()
        .build_server(true)
        .build_client(true)
        .file_descriptor_set_path(out.join("weave_descriptor.bin"))
        .compile_protos_with_config(config, &protos, &[root])?;
    Ok(())
}

fn collect(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
    Ok(())
}
