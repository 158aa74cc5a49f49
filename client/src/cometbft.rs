//! Finding the CometBFT binary and reading and editing the files of a CometBFT home
//! (`config.toml`, `genesis.json`, the key files).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use toml_edit::DocumentMut;

/// The CometBFT release Weave speaks ABCI with.
pub const COMETBFT_VERSION: &str = "0.38.25";

/// Finds `cometbft`: an explicit path, `$WEAVE_COMETBFT_BIN`, `$PATH`, then the Go
/// bin directories where `scripts/install-cometbft.sh` puts it.
pub fn find_binary(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
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
pub fn run(bin: &Path, args: &[&str]) -> anyhow::Result<String> {
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
pub fn check_version(bin: &Path) -> anyhow::Result<()> {
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

/// Sets `section.key = value` in a TOML document (top level when `section` is empty).
/// The key's comments and the value's spacing and trailing comment stay as they were.
pub fn set_toml(
    doc: &mut DocumentMut,
    section: &str,
    key: &str,
    value: impl Into<toml_edit::Value>,
) -> anyhow::Result<()> {
    let table = if section.is_empty() {
        doc.as_table_mut()
    } else {
        doc.entry(section)
            .or_insert_with(toml_edit::table)
            .as_table_mut()
            .with_context(|| format!("[{section}] is not a table"))?
    };
    let mut value = value.into();
    match table.get_mut(key).and_then(|item| item.as_value_mut()) {
        Some(old) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        None => {
            table.insert(key, toml_edit::Item::Value(value));
        }
    }
    Ok(())
}

/// Reads, edits and writes CometBFT's `config.toml`, keeping its comments and layout.
pub fn edit_config(
    path: &Path,
    edit: impl FnOnce(&mut DocumentMut) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("parsing {}", path.display()))?;
    edit(&mut doc)?;
    std::fs::write(path, doc.to_string()).with_context(|| format!("writing {}", path.display()))
}

/// Reads, edits and writes a `genesis.json`.
pub fn edit_genesis(
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

/// The `{"type": ..., "value": BASE64}` form CometBFT's key files use.
#[derive(Debug, serde::Deserialize)]
struct TypedKey {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

/// The key part of `priv_validator_key.json`.
#[derive(Debug, serde::Deserialize)]
struct PrivValidatorKey {
    pub_key: TypedKey,
}

/// The key part of `node_key.json`.
#[derive(Debug, serde::Deserialize)]
struct NodeKey {
    priv_key: TypedKey,
}

/// Reads and parses a JSON file of a CometBFT home.
fn read_key_file<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The ed25519 consensus public key of a CometBFT home: `pub_key` of
/// `config/priv_validator_key.json` (only its public half is read).
pub fn consensus_public_key(cometbft_home: &Path) -> anyhow::Result<[u8; 32]> {
    use base64::Engine as _;
    let path = cometbft_home.join("config").join("priv_validator_key.json");
    let key: PrivValidatorKey = read_key_file(&path)?;
    if key.pub_key.kind != "tendermint/PubKeyEd25519" {
        bail!(
            "{}: the validator key is {}, Weave's validators use ed25519",
            path.display(),
            key.pub_key.kind
        );
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key.pub_key.value.trim())
        .with_context(|| format!("{}: pub_key is not base64", path.display()))?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        anyhow::anyhow!("{}: pub_key is {} bytes, not 32", path.display(), b.len())
    })
}

/// The node id of a CometBFT home, as `cometbft show-node-id` prints it: the hex of
/// the first 20 bytes of SHA-256 of the ed25519 public key in `config/node_key.json`.
pub fn node_id(cometbft_home: &Path) -> anyhow::Result<String> {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let path = cometbft_home.join("config").join("node_key.json");
    let key: NodeKey = read_key_file(&path)?;
    if key.priv_key.kind != "tendermint/PrivKeyEd25519" {
        bail!(
            "{}: the node key is {}, not ed25519",
            path.display(),
            key.priv_key.kind
        );
    }
    let bytes = zeroize::Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(key.priv_key.value.trim())
            .with_context(|| format!("{}: priv_key is not base64", path.display()))?,
    );
    // CometBFT keeps the 32-byte seed followed by the 32-byte public key.
    if bytes.len() != 64 {
        bail!(
            "{}: priv_key is {} bytes, not 64",
            path.display(),
            bytes.len()
        );
    }
    Ok(hex::encode(&Sha256::digest(&bytes[32..])[..20]))
}

/// How many of the newest blocks `weaved start` indexes again before CometBFT starts.
///
/// CometBFT indexes a block's transactions and events after the block is committed, on
/// its own goroutine; a `kill -9` in between leaves a committed block that `/tx` and
/// `tx_search` never find, and nothing indexes it on restart. The indexer trails the
/// commit by a block or two, so the newest 20 blocks cover it with room to spare.
pub const REINDEX_WINDOW: u64 = 20;

/// The heights to index again when the application has committed `app_height`: the
/// newest [`REINDEX_WINDOW`] blocks, none before height 1, nothing on a fresh node.
/// The end is the application's height, not the block store's: CometBFT saves a
/// block's results before the application commits it, so every height up to the
/// application's has the results `reindex-event` reads, and a block saved after it has
/// none yet (CometBFT's handshake applies it again on start).
pub fn reindex_range(app_height: u64) -> Option<(u64, u64)> {
    (app_height > 0).then(|| {
        (
            app_height.saturating_sub(REINDEX_WINDOW - 1).max(1),
            app_height,
        )
    })
}

/// The transaction indexer a CometBFT `config.toml` names (`kv`, `null`, `psql`);
/// CometBFT's default, `kv`, when the file does not say.
pub fn tx_indexer(config: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", config.display()))?;
    Ok(doc
        .get("tx_index")
        .and_then(|t| t.get("indexer"))
        .and_then(toml::Value::as_str)
        .unwrap_or("kv")
        .to_string())
}

/// Indexes the newest blocks of a stopped CometBFT home again (`cometbft reindex-event`),
/// so that transactions committed just before a crash are found by hash. Indexing a
/// block twice writes the same keys. Returns the heights indexed, or `None` when there
/// is nothing to do (a fresh node, or indexing turned off).
pub fn reindex_recent(
    bin: &Path,
    cometbft_home: &Path,
    app_height: u64,
) -> anyhow::Result<Option<(u64, u64)>> {
    let Some((start, end)) = reindex_range(app_height) else {
        return Ok(None);
    };
    if tx_indexer(&cometbft_home.join("config").join("config.toml"))? == "null" {
        return Ok(None);
    }
    let home = cometbft_home.to_string_lossy();
    let (start_s, end_s) = (start.to_string(), end.to_string());
    let ranged = [
        "reindex-event",
        "--home",
        &home,
        "--start-height",
        &start_s,
        "--end-height",
        &end_s,
    ];
    let out = run(bin, &ranged)?;
    if !out.contains("re-index failed") {
        return Ok(Some((start, end)));
    }
    // A node that joined by state sync has no blocks below its snapshot: when the window
    // reaches below the store's base, index from the base (fewer blocks than the window).
    if out.contains("requested start height") {
        let from_base = ["reindex-event", "--home", &home, "--end-height", &end_s];
        let again = run(bin, &from_base)?;
        if !again.contains("re-index failed") {
            return Ok(Some((start, end)));
        }
        bail!("`cometbft {}`: {}", from_base.join(" "), again.trim());
    }
    bail!("`cometbft {}`: {}", ranged.join(" "), out.trim())
}

/// The `moniker` of a CometBFT `config.toml`.
pub fn moniker(config: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", config.display()))?;
    doc.get("moniker")
        .and_then(toml::Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("{} has no moniker", config.display()))
}

#[cfg(test)]
mod tests {
    use base64::{engine::general_purpose::STANDARD as BASE64, Engine};

    use super::*;

    /// A CometBFT home's key files, as `cometbft init` writes them, for one seed.
    fn home_with_keys(seed: u8) -> (tempfile::TempDir, [u8; 32]) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        let sk = ed25519_consensus::SigningKey::from([seed; 32]);
        let pk = sk.verification_key().to_bytes();
        let mut pair = [seed; 32].to_vec();
        pair.extend_from_slice(&pk);
        std::fs::write(
            config.join("priv_validator_key.json"),
            format!(
                r#"{{"address":"00","pub_key":{{"type":"tendermint/PubKeyEd25519","value":"{}"}},"priv_key":{{"type":"tendermint/PrivKeyEd25519","value":"{}"}}}}"#,
                BASE64.encode(pk),
                BASE64.encode(&pair)
            ),
        )
        .unwrap();
        std::fs::write(
            config.join("node_key.json"),
            format!(
                r#"{{"priv_key":{{"type":"tendermint/PrivKeyEd25519","value":"{}"}}}}"#,
                BASE64.encode(&pair)
            ),
        )
        .unwrap();
        std::fs::write(config.join("config.toml"), "moniker = \"node7\"\n").unwrap();
        (dir, pk)
    }

    #[test]
    fn keys_and_moniker_are_read_from_a_cometbft_home() {
        use sha2::{Digest, Sha256};
        let (dir, pk) = home_with_keys(9);
        assert_eq!(consensus_public_key(dir.path()).unwrap(), pk);
        let id = node_id(dir.path()).unwrap();
        assert_eq!(id, hex::encode(&Sha256::digest(pk)[..20]));
        assert_eq!(id.len(), 40);
        assert_eq!(
            moniker(&dir.path().join("config").join("config.toml")).unwrap(),
            "node7"
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(consensus_public_key(empty.path()).is_err());
        assert!(node_id(empty.path()).is_err());
    }

    #[test]
    fn the_newest_blocks_are_reindexed_up_to_the_apps_height() {
        assert_eq!(reindex_range(0), None);
        assert_eq!(reindex_range(1), Some((1, 1)));
        assert_eq!(reindex_range(REINDEX_WINDOW), Some((1, REINDEX_WINDOW)));
        assert_eq!(reindex_range(500), Some((500 - REINDEX_WINDOW + 1, 500)));
    }

    #[test]
    fn the_tx_indexer_is_read_from_config_toml() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "moniker = \"a\"\n[tx_index]\nindexer = \"null\"\n").unwrap();
        assert_eq!(tx_indexer(&config).unwrap(), "null");
        std::fs::write(&config, "moniker = \"a\"\n").unwrap();
        assert_eq!(tx_indexer(&config).unwrap(), "kv");
    }

    #[test]
    fn editing_config_keeps_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# The node's name.\nmoniker = \"old\"  # shown to peers\n\n\
                        #######################################################\n\
                        ###       RPC Server Configuration Options          ###\n\
                        [rpc]\n\n# TCP or UNIX socket address for the RPC server.\n\
                        laddr = \"tcp://127.0.0.1:26657\"\n";
        std::fs::write(&path, original).unwrap();
        edit_config(&path, |doc| {
            set_toml(doc, "", "moniker", "node1")?;
            set_toml(doc, "rpc", "laddr", "tcp://0.0.0.0:1")?;
            set_toml(doc, "rpc", "max_open_connections", 0i64)?;
            set_toml(doc, "p2p", "allow_duplicate_ip", true)
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# The node's name.\nmoniker = \"node1\"  # shown to peers\n"),
            "{text}"
        );
        assert!(text.contains("###       RPC Server Configuration Options          ###\n[rpc]"));
        assert!(text.contains(
            "# TCP or UNIX socket address for the RPC server.\nladdr = \"tcp://0.0.0.0:1\"\n"
        ));
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["rpc"]["max_open_connections"].as_integer(), Some(0));
        assert_eq!(doc["p2p"]["allow_duplicate_ip"].as_bool(), Some(true));
        assert_eq!(moniker(&path).unwrap(), "node1");
    }
}
