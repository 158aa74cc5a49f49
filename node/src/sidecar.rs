//! The slice sidecar inside `weaved start`: its configuration (`[sidecar]` in
//! `weaved.toml`), its identity (`config/sidecar_key`, a 32-byte seed written on first
//! start), its store (`data/slices`), sealing a local file into that store, and — for
//! a node with a `payout_address` — checking viewers' vouchers against the chain and
//! keeping the best voucher of each lane in `data/vouchers.json` until it is claimed.
//!
//! The sidecar itself — libp2p, the `/weave/slice/1` protocol, the downloader — is the
//! `weave-sidecar` crate; this module only sets it up for a node.

use std::{
    fs::File,
    io::{BufReader, Read},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::{bail, Context};
use futures::{future::BoxFuture, FutureExt};
use prost::Message;
use serde::{Deserialize, Serialize};
use tendermint_proto::v0_38::abci::RequestQuery;
use weave_app::App;
use weave_channels::{SignatureItem, Voucher, GIB};
use weave_kernel::Address;
use weave_proto::weave::channels::v1::{
    ChannelStatus, QueryChannelRequest, QueryChannelResponse, SignedVoucher,
};
use weave_proto::weave::content::v1::{QueryContentByRootRequest, QueryContentResponse};
use weave_sidecar::payment::{SeederPayments, VoucherCheck};
use weave_sidecar::{keypair_from_seed, Multiaddr, Sidecar, SidecarConfig, SidecarHandle};
use weave_slices::{
    encrypt_slice, leaf_hash, ContentKey, MerkleTree, MetaHash, SliceStore, MAX_SLICE_SIZE,
    MIN_SLICE_SIZE,
};

use weave_client::{home::HomeLayout, keys::write_atomic};

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
    /// The account (bech32) this node is paid at for what it serves. Empty: serve for
    /// free. When set, peers must pay with payment-channel vouchers naming it, and the
    /// node keeps the best voucher of each lane for `weaved channels claim-daemon`.
    #[serde(default)]
    pub(crate) payout_address: String,
    /// Bytes served to a peer, per content, beyond what its vouchers cover.
    #[serde(default = "default_credit_window")]
    pub(crate) credit_window_bytes: u64,
}

fn default_credit_window() -> u64 {
    DEFAULT_CREDIT_WINDOW
}

/// 64 MiB: enough for a downloader's full pipeline of requests and vouchers in flight.
const DEFAULT_CREDIT_WINDOW: u64 = 64 << 20;
/// How often the node saves the vouchers it holds.
const VOUCHER_SAVE_EVERY: Duration = Duration::from_secs(2);

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
            payout_address: String::new(),
            credit_window_bytes: DEFAULT_CREDIT_WINDOW,
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
        self.payout()?;
        Ok(())
    }

    /// The payout address, if the node wants to be paid.
    pub(crate) fn payout(&self) -> anyhow::Result<Option<Address>> {
        let a = self.payout_address.trim();
        if a.is_empty() {
            return Ok(None);
        }
        a.parse()
            .map(Some)
            .map_err(|e| anyhow::anyhow!("[sidecar] payout_address {a:?}: {e}"))
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
            write_atomic(&dir, "sidecar_key", hex::encode(seed).as_bytes())?;
            Ok(seed)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Where a paid seeder keeps the best voucher of each lane.
pub(crate) fn vouchers_file(layout: &HomeLayout) -> PathBuf {
    layout.root().join("data").join(VOUCHERS_FILE)
}

const VOUCHERS_FILE: &str = "vouchers.json";

/// A voucher as saved: hex of its bytes and signature.
#[derive(Debug, Serialize, Deserialize)]
struct SavedVoucher {
    voucher: String,
    signature: String,
}

fn load_vouchers(path: &Path) -> anyhow::Result<Vec<SignedVoucher>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let saved: Vec<SavedVoucher> =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    saved
        .into_iter()
        .map(|s| {
            Ok(SignedVoucher {
                voucher: hex::decode(&s.voucher)?,
                signature: hex::decode(&s.signature)?,
            })
        })
        .collect::<Result<_, hex::FromHexError>>()
        .with_context(|| format!("{} holds bad hex", path.display()))
}

fn save_vouchers(layout: &HomeLayout, vouchers: &[SignedVoucher]) -> anyhow::Result<()> {
    let saved: Vec<SavedVoucher> = vouchers
        .iter()
        .map(|v| SavedVoucher {
            voucher: hex::encode(&v.voucher),
            signature: hex::encode(&v.signature),
        })
        .collect();
    let dir = layout.root().join("data");
    write_atomic(&dir, VOUCHERS_FILE, &serde_json::to_vec_pretty(&saved)?)
}

/// Checks viewers' vouchers against this node's chain state: the channel exists and is
/// not settled, its voucher key signed the voucher, the chain id is this chain's, and
/// the amount meets the content's streaming price.
struct ChainVoucherCheck {
    app: Arc<App>,
}

fn app_query<Req: Message, Res: Message + Default>(
    app: &App,
    path: &str,
    req: &Req,
) -> Result<Res, String> {
    let res = app.query(RequestQuery {
        data: req.encode_to_vec().into(),
        path: path.to_string(),
        height: 0,
        prove: false,
    });
    if res.code != 0 {
        return Err(res.log);
    }
    Res::decode(res.value).map_err(|e| format!("{path}: {e}"))
}

/// The checks of [`ChainVoucherCheck`], synchronously.
fn check_voucher(app: &App, v: &Voucher, signed: &SignedVoucher) -> Result<(), CheckError> {
    let chain_id = app.chain_id();
    if v.chain_id != chain_id {
        return Err(format!(
            "voucher for chain {:?}, this is chain {chain_id:?}",
            v.chain_id
        )
        .into());
    }
    let channel: QueryChannelResponse = app_query(
        app,
        "/weave.channels.v1.Query/Channel",
        &QueryChannelRequest {
            channel_id: v.channel_id,
        },
    )
    .map_err(|e| CheckError::UnknownChannel(format!("channel {}: {e}", v.channel_id)))?;
    let channel = channel
        .channel
        .ok_or_else(|| CheckError::UnknownChannel(format!("no channel {}", v.channel_id)))?;
    if channel.status == ChannelStatus::Settled as i32 {
        return Err(format!("channel {} is settled", v.channel_id).into());
    }
    let key: [u8; 32] = channel
        .voucher_key
        .as_slice()
        .try_into()
        .map_err(|_| format!("channel {} has no valid voucher key", v.channel_id))?;
    let item = SignatureItem::new(key, signed).ok_or("malformed signature")?;
    if !item.verify() {
        return Err(format!(
            "bad signature: not signed by channel {}'s voucher key",
            v.channel_id
        )
        .into());
    }
    let content: QueryContentResponse = app_query(
        app,
        "/weave.content.v1.Query/ContentByRoot",
        &QueryContentByRootRequest {
            root: v.content_root.to_vec(),
        },
    )
    .map_err(|e| format!("content {}: {e}", hex::encode(v.content_root)))?;
    let price: u128 = content
        .content
        .map(|c| c.price_per_gib)
        .unwrap_or_default()
        .parse()
        .map_err(|_| "the content has no streaming price".to_string())?;
    let due = u128::from(v.cumulative_bytes)
        .checked_mul(price)
        .map(|x| x.div_ceil(GIB))
        .ok_or("bytes × price overflows")?;
    if v.cumulative_amount < due {
        return Err(format!(
            "underpriced: {} uweave for {} bytes, the content asks {due}",
            v.cumulative_amount, v.cumulative_bytes
        )
        .into());
    }
    Ok(())
}

impl VoucherCheck for ChainVoucherCheck {
    fn check(&self, v: Voucher, signed: SignedVoucher) -> BoxFuture<'static, Result<(), String>> {
        let app = self.app.clone();
        async move {
            // A channel opened in the latest block may not have reached this node
            // yet: a voucher naming a channel it does not know is looked at again for
            // a few blocks before it is refused.
            let mut tries = 0;
            loop {
                let (a, v2, s2) = (app.clone(), v.clone(), signed.clone());
                let result = tokio::task::spawn_blocking(move || check_voucher(&a, &v2, &s2))
                    .await
                    .map_err(|e| format!("checking the voucher: {e}"))?;
                match result {
                    Err(CheckError::UnknownChannel(why)) if tries < UNKNOWN_CHANNEL_RETRIES => {
                        tries += 1;
                        tracing::debug!(why, tries, "voucher for a channel not seen yet");
                        tokio::time::sleep(UNKNOWN_CHANNEL_WAIT).await;
                    }
                    Err(e) => return Err(e.to_string()),
                    Ok(()) => return Ok(()),
                }
            }
        }
        .boxed()
    }
}

/// How often, and how long apart, a voucher for an unknown channel is looked at again.
const UNKNOWN_CHANNEL_RETRIES: u32 = 40;
const UNKNOWN_CHANNEL_WAIT: Duration = Duration::from_millis(250);

/// Why a voucher was refused.
#[derive(Debug)]
enum CheckError {
    /// The channel is not (yet) in this node's state.
    UnknownChannel(String),
    /// Anything else.
    Refused(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::UnknownChannel(s) | CheckError::Refused(s) => f.write_str(s),
        }
    }
}

impl From<String> for CheckError {
    fn from(s: String) -> Self {
        CheckError::Refused(s)
    }
}

impl From<&str> for CheckError {
    fn from(s: &str) -> Self {
        CheckError::Refused(s.to_string())
    }
}

/// Saves the vouchers held whenever they change, every [`VOUCHER_SAVE_EVERY`], and
/// once more when `stop` fires.
pub(crate) async fn keep_vouchers(
    layout: HomeLayout,
    handle: SidecarHandle,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut last = handle.best_vouchers();
    let mut tick = tokio::time::interval(VOUCHER_SAVE_EVERY);
    loop {
        let stopping = tokio::select! {
            _ = tick.tick() => false,
            _ = stop.changed() => true,
        };
        let now = handle.best_vouchers();
        if now != last {
            let (l, v) = (layout.clone(), now.clone());
            match tokio::task::spawn_blocking(move || save_vouchers(&l, &v)).await {
                Ok(Ok(())) => last = now,
                Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "saving vouchers"),
                Err(e) => tracing::warn!(error = %e, "saving vouchers"),
            }
        }
        if stopping {
            return;
        }
    }
}

/// The environment variable that makes this node's sidecar misbehave, for end-to-end
/// tests of bad-slice reports only: `corrupt-slices` serves every slice with one
/// byte flipped (still signed, so the downloader holds evidence against it).
pub(crate) const FAULT_ENV: &str = "WEAVE_SIDECAR_FAULT";

fn fault_from_env() -> anyhow::Result<Option<weave_sidecar::Fault>> {
    match std::env::var(FAULT_ENV).ok().as_deref() {
        None | Some("") => Ok(None),
        Some("corrupt-slices") => {
            tracing::warn!(
                "{FAULT_ENV}=corrupt-slices: this sidecar serves corrupted slices (testing only)"
            );
            Ok(Some(weave_sidecar::Fault::CorruptSlices))
        }
        Some(other) => anyhow::bail!("{FAULT_ENV}={other:?}: the only fault is corrupt-slices"),
    }
}

/// Starts the sidecar: listens, dials the bootstrap peers, and seeds everything the
/// store holds (complete or not). With a payout address, vouchers are checked against
/// `app`'s state and those saved by an earlier run are restored.
pub(crate) async fn start(
    layout: &HomeLayout,
    settings: &SidecarSettings,
    app: Arc<App>,
) -> anyhow::Result<SidecarHandle> {
    let mut config = SidecarConfig::new(store_dir(layout));
    config.listen = parse_addrs(&settings.listen, "listen")?;
    config.bootstrap = parse_addrs(&settings.bootstrap, "bootstrap")?;
    config.keypair = keypair_from_seed(identity_seed(layout)?);
    config.limits.requests_per_sec = settings.requests_per_sec.max(1);
    config.limits.request_burst = settings.request_burst.max(1);
    config.fault = fault_from_env()?;
    let payee = settings.payout()?;
    if let Some(payee) = payee {
        config.payments = Some(SeederPayments {
            payee,
            credit_window: settings.credit_window_bytes.max(1),
            check: Arc::new(ChainVoucherCheck { app }),
        });
    }
    let saved = load_vouchers(&vouchers_file(layout))?;
    let handle = Sidecar::start(config)
        .await
        .context("starting the slice sidecar")?;
    handle.restore_vouchers(saved);
    if let Some(payee) = payee {
        tracing::info!(%payee, window = settings.credit_window_bytes, vouchers = handle.best_vouchers().len(), "serving for vouchers");
    }
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
#[cfg(test)]
pub(crate) fn seal_file_into_store(
    store: &SliceStore,
    path: &Path,
    key: &ContentKey,
    slice_size: u32,
) -> anyhow::Result<MetaHash> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    seal_open_file(store, &file, path, key, slice_size)
}

/// [`seal_file_into_store`] of a file already opened (and checked) as `path`: both
/// passes read this very file, whatever `path` names meanwhile.
pub(crate) fn seal_open_file(
    store: &SliceStore,
    file: &File,
    path: &Path,
    key: &ContentKey,
    slice_size: u32,
) -> anyhow::Result<MetaHash> {
    if !(MIN_SLICE_SIZE..=MAX_SLICE_SIZE).contains(&slice_size) {
        bail!("slice size {slice_size} outside {MIN_SLICE_SIZE}..={MAX_SLICE_SIZE}");
    }
    let mut leaves = Vec::new();
    let mut plaintext_len = 0u64;
    for_each_slice(file, path, slice_size, |index, chunk| {
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
    for_each_slice(file, path, slice_size, |index, chunk| {
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

/// Calls `f` with each slice-sized chunk of the file (named `path` in errors), in
/// order, from its start.
fn for_each_slice(
    file: &File,
    path: &Path,
    slice_size: u32,
    mut f: impl FnMut(u64, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut file = file
        .try_clone()
        .with_context(|| format!("reading {}", path.display()))?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0))
        .with_context(|| format!("reading {}", path.display()))?;
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
