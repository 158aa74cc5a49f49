//! Builds the descriptor set of the Cosmos SDK services `weaved` serves, for gRPC
//! reflection and the REST gateway. The descriptors come from the published Go module
//! `cosmossdk.io/api` (the Cosmos SDK's own generated code, pinned in
//! `tools/cosmos-descriptors/go.mod`), which the small Go program there links in and
//! writes out; no .proto file is copied into this repository. Go is already required
//! to install CometBFT. `WEAVE_COSMOS_DESCRIPTORS` may name a descriptor set made
//! beforehand instead.

use std::{env, path::PathBuf, process::Command};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("cosmos_descriptor.bin");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let tool = manifest.join("../tools/cosmos-descriptors");
    for file in ["main.go", "go.mod", "go.sum"] {
        println!("cargo:rerun-if-changed={}", tool.join(file).display());
    }
    println!("cargo:rerun-if-env-changed=WEAVE_COSMOS_DESCRIPTORS");
    if let Some(given) = env::var_os("WEAVE_COSMOS_DESCRIPTORS") {
        std::fs::copy(&given, &out).unwrap_or_else(|e| {
            panic!("copying WEAVE_COSMOS_DESCRIPTORS ({given:?}): {e}");
        });
        return;
    }
    let status = Command::new("go")
        .args(["run", "."])
        .arg(&out)
        .current_dir(&tool)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "running `go run` in {} to write the Cosmos SDK descriptors: {e}. \
                 Go is needed to build weaved (scripts/setup.sh installs it, as CometBFT needs it), \
                 or set WEAVE_COSMOS_DESCRIPTORS to a descriptor set written by that program",
                tool.display()
            )
        });
    assert!(
        status.success(),
        "`go run` in {} failed ({status}); it fetches cosmossdk.io/api through the Go module proxy",
        tool.display()
    );
}
