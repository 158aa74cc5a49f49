//! The slice sidecar inside `weaved start`: its configuration (`[sidecar]` in
//! `weaved.toml`), its identity (`config/sidecar_key`, a 32-byte seed written on first
//! start), its store (`data/slices`), and sealing a local file into that store.
//!
//! The sidecar itself — libp2p, the `/weave/slice/1` protocol, the downloader — is the
//! `weave-sidecar` crate; this module only sets it up for a node.

use std::{
    fs::File,
    io::{BufReader, Read},
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use weave_sidecar::{keypair_from_seed, Multiaddr, Sidecar, SidecarConfig, SidecarHandle};
use weave_slices::{
    encrypt_slice, leaf_hash, ContentKey, MerkleTree, MetaHash, SliceStore, MAX_SLICE_SIZE,
    MIN_SLICE_SIZE,
};

use crate::config::HomeLayout;

/// The `[sidecar]` section of `weaved.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SidecarSettings {
    /// Whether `weaved start` runs the sidecar.
    pub(crate) enabled: bool,
    /// libp2p listen addresses, e.g. `/ip4/0.0.0.0/tcp/26660` and
    /// `/ip4/0.0.0.0/udp/26660/quic-v1`.
    pub(crate) listen: Vec<String>,
    /// Peers to dial at start (multiaddrs ending in `/p2p/<peer id>` or not).
    pub(crate) bootstrap: Vec<String>,
    /// Slice requests one peer may make per second, on average; beyond it the peer is
    /// answered `Busy`.
    #[serde(default = "default_requests_per_sec")]
    pub(crate) requests_per_sec: u32,
    /// Slice requests one peer may make in a burst.
    #[serde(default = "default_request_burst")]
    pub(crate) request_burst: u32,
}

fn default_requests_per_sec() -> u32 {
    weave_sidecar::Limits::default().requests_per_sec
}

fn default_request_burst() -> u32 {
    weave_sidecar::Limits::default().request_burst
}

impl Default for SidecarSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: vec![
                "/ip4/127.0.0.1/tcp/26660".into(),
                "/ip4/127.0.0.1/udp/26660/quic-v1".into(),
            ],
            bootstrap: Vec::new(),
            requests_per_sec: default_requests_per_sec(),
            request_burst: default_request_burst(),
        }
    }
}

fn parse_addrs(list: &[String], what: &str) -> anyhow::Result<Vec<Multiaddr>> {
    list.iter()
        .map(|a| {
            a.parse::<Multiaddr>()
                .with_context(|| format!("sidecar {what} address {a:?} is not a multiaddr"))
        })
        .collect()
}

impl SidecarSettings {
    /// Checks that every address parses.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        parse_addrs(&self.listen, "listen")?;
        parse_addrs(&self.bootstrap, "bootstrap")?;
        Ok(())
    }
}

/// Where the node keeps its slices.
pub(crate) fn store_dir(layout: &HomeLayout) -> PathBuf {
    layout.root().join("data").join("slices")
}

fn identity_file(layout: &HomeLayout) -> PathBuf {
    layout.root().join("config").join("sidecar_key")
}

/// The sidecar's identity seed: read from `config/sidecar_key`, or made and written
/// there (mode 0600) on first use, so the peer id survives restarts.
fn identity_seed(layout: &HomeLayout) -> anyhow::Result<[u8; 32]> {
    let path = identity_file(layout);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim())
                .with_context(|| format!("{} is not hex", path.display()))?;
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| anyhow::anyhow!("{} must hold 32 bytes of hex", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
            let dir = layout.root().join("config");
            crate::keys::write_atomic(&dir, "sidecar_key", hex::encode(seed).as_bytes())?;
            Ok(seed)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Starts the sidecar: listens, dials the bootstrap peers, and seeds everything the
/// store holds (complete or not).
pub(crate) async fn start(
    layout: &HomeLayout,
    settings: &SidecarSettings,
) -> anyhow::Result<SidecarHandle> {
    let mut config = SidecarConfig::new(store_dir(layout));
    config.listen = parse_addrs(&settings.listen, "listen")?;
    config.bootstrap = parse_addrs(&settings.bootstrap, "bootstrap")?;
    config.keypair = keypair_from_seed(identity_seed(layout)?);
    config.limits.requests_per_sec = settings.requests_per_sec.max(1);
    config.limits.request_burst = settings.request_burst.max(1);
    let handle = Sidecar::start(config)
        .await
        .context("starting the slice sidecar")?;
    let stored = handle.store().list();
    for content in &stored {
        if let Err(e) = handle.seed(content.meta.root).await {
            tracing::warn!(root = %hex::encode(content.meta.root), error = %e, "cannot seed");
        }
    }
    tracing::info!(
        peer_id = %handle.peer_id(),
        addrs = ?handle.listen_addrs().await.unwrap_or_default(),
        contents = stored.len(),
        "slice sidecar started"
    );
    Ok(handle)
}

/// Cuts `path` into slices, encrypts them under `key` and stores them with their
/// Merkle proofs. Two passes over the file (leaves first, then slices with proofs), so
/// memory stays at one slice plus one hash per slice whatever the file's size.
pub(crate) fn seal_file_into_store(
    store: &SliceStore,
    path: &Path,
    key: &ContentKey,
    slice_size: u32,
) -> anyhow::Result<MetaHash> {
    if !(MIN_SLICE_SIZE..=MAX_SLICE_SIZE).contains(&slice_size) {
        bail!("slice size {slice_size} outside {MIN_SLICE_SIZE}..={MAX_SLICE_SIZE}");
    }
    let mut leaves = Vec::new();
    let mut plaintext_len = 0u64;
    for_each_slice(path, slice_size, |index, chunk| {
        plaintext_len += chunk.len() as u64;
        leaves.push(leaf_hash(&encrypt_slice(key, index, chunk)?));
        Ok(())
    })?;
    if plaintext_len == 0 {
        bail!("{} is empty", path.display());
    }
    let tree = MerkleTree::new(leaves);
    let meta = MetaHash {
        root: tree.root(),
        slice_size,
        slice_count: tree.leaf_count(),
        plaintext_len,
        cipher: weave_slices::Cipher::ChaCha20Poly1305,
    };
    meta.validate()?;
    store.create(&meta)?;
    for_each_slice(path, slice_size, |index, chunk| {
        let proof = tree
            .proof(index)
            .ok_or_else(|| anyhow::anyhow!("{} changed while it was read", path.display()))?;
        store.put_slice(
            &meta.root,
            index,
            &encrypt_slice(key, index, chunk)?,
            &proof,
        )?;
        Ok(())
    })
    .with_context(|| format!("{} changed while it was read", path.display()))?;
    Ok(meta)
}

/// Calls `f` with each slice-sized chunk of the file, in order.
fn for_each_slice(
    path: &Path,
    slice_size: u32,
    mut f: impl FnMut(u64, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut buf = vec![0u8; slice_size as usize];
    let mut index = 0u64;
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            }
        }
        if filled == 0 {
            return Ok(());
        }
        f(index, &buf[..filled])?;
        index += 1;
        if filled < buf.len() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_a_file_matches_the_library_and_fills_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let key = ContentKey::from_bytes([7; 32]);
        let store = SliceStore::open(dir.path().join("store")).unwrap();
        let meta = seal_file_into_store(&store, &path, &key, MIN_SLICE_SIZE).unwrap();
        let (_, _, expected) = weave_slices::seal(&key, &data, MIN_SLICE_SIZE).unwrap();
        assert_eq!(meta, expected);
        assert!(store.is_complete(&meta.root).unwrap());
        assert!(seal_file_into_store(&store, &path, &key, 1).is_err());
        std::fs::write(&path, b"").unwrap();
        assert!(seal_file_into_store(&store, &path, &key, MIN_SLICE_SIZE).is_err());
    }

    #[test]
    fn settings_default_and_validate() {
        let s = SidecarSettings::default();
        s.validate().unwrap();
        let bad = SidecarSettings {
            bootstrap: vec!["not an addr".into()],
            ..s
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn identity_is_made_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let layout = HomeLayout::new(dir.path());
        let a = identity_seed(&layout).unwrap();
        let b = identity_seed(&layout).unwrap();
        assert_eq!(a, b);
    }
}
