//! Finding the CometBFT binary and editing the files of a CometBFT home.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The CometBFT release Weave speaks ABCI with.
pub(crate) const COMETBFT_VERSION: &str = "0.38.25";

/// Finds `cometbft`: an explicit path, `$WEAVE_COMETBFT_BIN`, `$PATH`, then the Go
/// bin directories where `scripts/install-cometbft.sh` puts it.
pub(crate) fn find_binary(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        bail!("cometbft binary {} does not exist", p.display());
    }
    if let Some(p) = std::env::var_os("WEAVE_COMETBFT_BIN") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("cometbft")));
    }
    if let Some(gobin) = std::env::var_os("GOBIN") {
        candidates.push(PathBuf::from(gobin).join("cometbft"));
    }
    if let Some(gopath) = std::env::var_os("GOPATH") {
        candidates.push(PathBuf::from(gopath).join("bin").join("cometbft"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join("go").join("bin").join("cometbft"));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "cometbft v{COMETBFT_VERSION} was not found on PATH or in ~/go/bin; install it with \
                 `bash scripts/install-cometbft.sh`, or pass --cometbft-bin"
            )
        })
}

/// Runs `cometbft <args>` to completion, failing with its output if it fails.
pub(crate) fn run(bin: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new(bin)
        .args(args)
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "`cometbft {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Warns when the binary is not the release Weave was built against.
pub(crate) fn check_version(bin: &Path) -> anyhow::Result<()> {
    let v = run(bin, &["version"])?;
    let v = v.trim();
    if v != COMETBFT_VERSION {
        eprintln!(
            "warning: {} reports version {v}, Weave expects {COMETBFT_VERSION} (ABCI 2.0 of v0.38)",
            bin.display()
        );
    }
    Ok(())
}

/// Sets `section.key = value` in a TOML table (top level when `section` is empty).
pub(crate) fn set_toml(
    doc: &mut toml::Table,
    section: &str,
    key: &str,
    value: toml::Value,
) -> anyhow::Result<()> {
    let table = if section.is_empty() {
        doc
    } else {
        doc.entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .with_context(|| format!("[{section}] is not a table"))?
    };
    table.insert(key.to_string(), value);
    Ok(())
}

/// Reads, edits and writes CometBFT's `config.toml`.
pub(crate) fn edit_config(
    path: &Path,
    edit: impl FnOnce(&mut toml::Table) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    edit(&mut doc)?;
    std::fs::write(path, toml::to_string(&doc)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads, edits and writes a `genesis.json`.
pub(crate) fn edit_genesis(
    path: &Path,
    edit: impl FnOnce(&mut serde_json::Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut doc: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    edit(&mut doc)?;
    std::fs::write(path, serde_json::to_string_pretty(&doc)?)
        .with_context(|| format!("writing {}", path.display()))
}
