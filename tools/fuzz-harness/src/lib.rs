//! weave-fuzz: the bodies of Weave's coverage-guided fuzz targets, and the replay of
//! their seeds and regressions in the normal test suite.
//!
//! `fuzz/` is the cargo-fuzz crate: each of its targets is one line that hands
//! libFuzzer's bytes to a function here, so the same code runs under libFuzzer and in
//! `cargo test` (which replays `fuzz/seeds/<target>/*` and `fuzz/regressions/<target>/*`
//! through [`run`]). A target fails by panicking; every function here must accept any
//! bytes without one.
//!
//! The targets ([`TARGETS`]):
//! - `tx_decode`: transaction decoding against the app's router;
//! - `check_tx`: CheckTx on an app at genesis, of the raw bytes and of the bytes taken
//!   as a `TxBody` that the harness signs (so the fuzzer gets past the signature to
//!   the messages);
//! - `finalize_block`: ProcessProposal, FinalizeBlock and Commit of a block made of
//!   raw, signed and injected (vote-extension) transactions cut from the input;
//! - `voucher`: voucher parsing and signature verification;
//! - `sidecar_frame`: the sidecar's frame reader for requests and responses;
//! - `sidecar_request`: each request and response decoder, and their encoders'
//!   round trip;
//! - `merkle_proof`: Merkle proof decoding and verification;
//! - `abci_framing`: the ABCI socket server's framing and dispatch;
//! - `probe_report`: the probe report decoder.

use std::sync::{Mutex, MutexGuard, OnceLock};

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::{BaseAccount, QueryAccountRequest, QueryAccountResponse},
    base::v1beta1::Coin,
    crypto::secp256k1,
    tx::{
        signing::v1beta1::SignMode,
        v1beta1::{mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxRaw},
    },
};
use prost::Message;
use sha2::{Digest, Sha256};
use tendermint_proto::{
    google::protobuf::Timestamp,
    v0_38::abci::{
        CheckTxType, RequestCheckTx, RequestFinalizeBlock, RequestInitChain,
        RequestProcessProposal, RequestQuery,
    },
};
use weave_app::{store::StorageConfig, App};
use weave_kernel::Address;

/// A fuzz target: its name (the file under `fuzz/fuzz_targets/`) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    ("tx_decode", tx_decode),
    ("check_tx", check_tx),
    ("finalize_block", finalize_block),
    ("voucher", voucher),
    ("sidecar_frame", sidecar_frame),
    ("sidecar_request", sidecar_request),
    ("merkle_proof", merkle_proof),
    ("abci_framing", abci_framing),
    ("probe_report", probe_report),
];

/// Runs target `name` on `data`; panics on an unknown name.
pub fn run(name: &str, data: &[u8]) {
    let (_, f) = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no fuzz target {name:?}"));
    f(data);
}

/// The chain id of the fuzzed app.
pub const CHAIN_ID: &str = "weave-fuzz-1";

/// The denomination of fees.
const DENOM: &str = "uweave";

/// An app at genesis (then at whatever height the blocks fuzzed so far brought it),
/// with one funded account whose key the harness signs with.
///
/// The harness signs with libsecp256k1 (C, so not instrumented): signing with k256
/// under libFuzzer's coverage instrumentation took most of each `check_tx` and
/// `finalize_block` execution, and the fuzzing is after the app, not the curve.
struct Fixture {
    _dir: tempfile::TempDir,
    app: App,
    secp: ::secp256k1::Secp256k1<::secp256k1::SignOnly>,
    key: ::secp256k1::SecretKey,
    /// The compressed public key of `key`.
    pubkey: Vec<u8>,
    address: Address,
    height: i64,
}

fn time(height: i64) -> Timestamp {
    Timestamp {
        seconds: 1_700_000_000 + 5 * height,
        nanos: 0,
    }
}

impl Fixture {
    fn new() -> Self {
        let secp = ::secp256k1::Secp256k1::signing_only();
        let key = ::secp256k1::SecretKey::from_slice(&[0x42; 32]).expect("a valid scalar");
        let pubkey = key.public_key(&secp).serialize().to_vec();
        let address = Address::from_secp256k1(&pubkey);
        let state = weave_genesis::AppState::with_funded(&[address], 1_000_000_000_000_000)
            .expect("a genesis");
        let genesis =
            serde_json::to_vec(&state.to_json().expect("genesis JSON")).expect("genesis bytes");
        let dir = store_dir();
        let app = App::open(dir.path(), StorageConfig::default()).expect("the app opens");
        app.init_chain(RequestInitChain {
            time: Some(time(0)),
            chain_id: CHAIN_ID.into(),
            app_state_bytes: genesis.into(),
            initial_height: 1,
            ..Default::default()
        })
        .expect("InitChain");
        Self {
            _dir: dir,
            app,
            secp,
            key,
            pubkey,
            address,
            height: 0,
        }
    }

    fn account(&self) -> BaseAccount {
        let res = self.app.query(RequestQuery {
            data: QueryAccountRequest {
                address: self.address.to_string(),
            }
            .encode_to_vec()
            .into(),
            path: "/cosmos.auth.v1beta1.Query/Account".into(),
            ..Default::default()
        });
        QueryAccountResponse::decode(res.value.as_ref())
            .ok()
            .and_then(|r| r.account)
            .and_then(|a| BaseAccount::decode(a.value.as_slice()).ok())
            .unwrap_or_default()
    }

    /// `body` (any bytes, meant as a `TxBody`) signed by the funded key at its
    /// committed sequence, with a fee and gas limit taken from `knobs`.
    fn sign(&self, body: &[u8], knobs: u8) -> Vec<u8> {
        let account = self.account();
        let pubkey = secp256k1::PubKey {
            key: self.pubkey.clone(),
        };
        #[allow(deprecated)] // `tip` is deprecated in the Cosmos SDK; Weave ignores it.
        let auth = AuthInfo {
            signer_infos: vec![SignerInfo {
                public_key: Some(cosmos_sdk_proto::Any {
                    type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
                    value: pubkey.encode_to_vec(),
                }),
                mode_info: Some(ModeInfo {
                    sum: Some(mode_info::Sum::Single(mode_info::Single {
                        mode: SignMode::Direct as i32,
                    })),
                }),
                sequence: account.sequence,
            }],
            fee: Some(Fee {
                amount: vec![Coin {
                    denom: DENOM.into(),
                    amount: (u64::from(knobs & 0x0f) * 100_000).to_string(),
                }],
                gas_limit: u64::from(knobs >> 4) * 500_000,
                payer: String::new(),
                granter: String::new(),
            }),
            tip: None,
        }
        .encode_to_vec();
        let doc = SignDoc {
            body_bytes: body.to_vec(),
            auth_info_bytes: auth.clone(),
            chain_id: CHAIN_ID.into(),
            account_number: account.account_number,
        }
        .encode_to_vec();
        let digest: [u8; 32] = Sha256::digest(&doc).into();
        // RFC 6979 and low S, as k256 signs: the same signature for the same document.
        let signature = self.secp.sign_ecdsa(
            &::secp256k1::Message::from_slice(&digest).expect("32 bytes"),
            &self.key,
        );
        TxRaw {
            body_bytes: body.to_vec(),
            auth_info_bytes: auth,
            signatures: vec![signature.serialize_compact().to_vec()],
        }
        .encode_to_vec()
    }
}

/// Where the fixture's RocksDB lives: in memory (`/dev/shm`) where the machine has it,
/// since every `finalize_block` execution commits and an fsync per commit halved the
/// rate; the fuzzing looks for panics, not durability.
///
/// The fixture is never dropped, so its directory outlives the process. Its name
/// carries the process id, and each new fixture first removes those of processes
/// that are gone.
fn store_dir() -> tempfile::TempDir {
    const PREFIX: &str = "weave-fuzz-";
    let shm = std::path::Path::new("/dev/shm");
    if !shm.is_dir() {
        return tempfile::tempdir().expect("a temporary directory");
    }
    for entry in std::fs::read_dir(shm).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .tempdir_in(shm)
        .or_else(|_| tempfile::tempdir())
        .expect("a temporary directory")
}

fn fixture() -> MutexGuard<'static, Fixture> {
    static FIXTURE: OnceLock<Mutex<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| Mutex::new(Fixture::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// A `TxBody` of one message: the type URL and value cut from `data` (for seeds).
pub fn body_of(type_url: &str, value: &[u8]) -> Vec<u8> {
    cosmos_sdk_proto::cosmos::tx::v1beta1::TxBody {
        messages: vec![cosmos_sdk_proto::Any {
            type_url: type_url.into(),
            value: value.to_vec(),
        }],
        ..Default::default()
    }
    .encode_to_vec()
}

/// `tx_decode`: decoding never panics, whatever the bytes.
pub fn tx_decode(data: &[u8]) {
    let f = fixture();
    let _ = weave_app::tx::decode_tx(data, f.app.router(), 256);
}

/// `check_tx`: the first byte picks raw bytes or a signed body (with fee and gas
/// knobs); CheckTx answers either without panicking, and a refusal has a codespace.
pub fn check_tx(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let tx = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        f.sign(rest, mode >> 1)
    };
    let res = f.app.check_tx(RequestCheckTx {
        tx: tx.into(),
        r#type: CheckTxType::New as i32,
    });
    assert!(
        res.code == 0 || !res.codespace.is_empty(),
        "a refusal without a codespace: {res:?}"
    );
}

/// Cuts `data` into up to 8 transactions: each piece is a kind byte, a length byte
/// and that many bytes; the kind picks raw, signed (as `check_tx`) or injected.
fn block_txs(f: &Fixture, mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut txs = Vec::new();
    while txs.len() < 8 {
        let [kind, len, rest @ ..] = data else {
            break;
        };
        let n = usize::from(*len).min(rest.len());
        let (piece, tail) = rest.split_at(n);
        data = tail;
        txs.push(match kind % 3 {
            0 => piece.to_vec(),
            1 => f.sign(piece, kind / 3),
            _ => [weave_app::vote_ext::INJECTED_PREFIX, piece].concat(),
        });
    }
    txs
}

/// `finalize_block`: any block is processed, finalized and committed without a
/// panic or an app error, with one result per transaction.
pub fn finalize_block(data: &[u8]) {
    let mut f = fixture();
    let txs = block_txs(&f, data);
    let height = f.height + 1;
    let _ = f.app.process_proposal(RequestProcessProposal {
        txs: txs.iter().map(|t| t.clone().into()).collect(),
        height,
        time: Some(time(height)),
        proposer_address: vec![7u8; 20].into(),
        ..Default::default()
    });
    let res = f
        .app
        .finalize_block(RequestFinalizeBlock {
            txs: txs.iter().map(|t| t.clone().into()).collect(),
            height,
            time: Some(time(height)),
            proposer_address: vec![7u8; 20].into(),
            ..Default::default()
        })
        .expect("FinalizeBlock never fails on transactions");
    assert_eq!(res.tx_results.len(), txs.len());
    f.app.commit().expect("Commit");
    f.height = height;
}

/// `voucher`: a signed voucher parses and verifies (or not) without a panic; the
/// first 32 bytes are the channel's voucher key.
pub fn voucher(data: &[u8]) {
    if data.len() < 32 {
        return;
    }
    let (key, rest) = data.split_at(32);
    let key: [u8; 32] = key.try_into().unwrap_or([0; 32]);
    let _ = weave_voucher::Voucher::decode(rest);
    if let Ok(signed) = weave_proto::weave::channels::v1::SignedVoucher::decode(rest) {
        if let Ok(v) = weave_voucher::Voucher::decode(&signed.voucher) {
            // What decodes encodes back to bytes that decode the same.
            let again = weave_voucher::Voucher::decode(&v.to_wire().encode_to_vec());
            assert_eq!(again.ok(), Some(v));
        }
        if let Some(item) = weave_voucher::SignatureItem::new(key, &signed) {
            let one = item.verify();
            assert_eq!(weave_voucher::verify_batch(&[item]), vec![one]);
        }
    }
}

/// `sidecar_frame`: the frame readers accept or refuse any byte stream.
pub fn sidecar_frame(data: &[u8]) {
    use weave_sidecar::protocol;
    let mut io = data;
    if let Ok(body) =
        futures::executor::block_on(protocol::read_frame(&mut io, protocol::MAX_REQUEST_LEN))
    {
        let _ = protocol::decode_request(&body);
    }
    let mut io = data;
    let _ = futures::executor::block_on(protocol::read_response_frame(&mut io));
}

/// `sidecar_request`: each decoder accepts or refuses any body; what decodes encodes
/// back to the same value.
pub fn sidecar_request(data: &[u8]) {
    use weave_sidecar::protocol;
    if let Ok(req) = protocol::decode_request(data) {
        let bytes = protocol::encode_request(&req);
        assert_eq!(protocol::decode_request(&bytes).ok(), Some(req));
    }
    if let Ok(res) = protocol::decode_response(data) {
        let (head, tail) = protocol::encode_response(&res);
        let whole = [head.as_slice(), tail].concat();
        assert_eq!(protocol::decode_response(&whole).ok(), Some(res));
    }
}

/// `merkle_proof`: a root (32 bytes), a leaf (32 bytes), then a proof; decoding and
/// verification never panic, and what decodes encodes back to the same bytes.
pub fn merkle_proof(data: &[u8]) {
    if data.len() < 64 {
        return;
    }
    let root: [u8; 32] = data[..32].try_into().unwrap_or([0; 32]);
    let leaf: [u8; 32] = data[32..64].try_into().unwrap_or([0; 32]);
    if let Ok(proof) = weave_slices::MerkleProof::from_bytes(&data[64..]) {
        let _ = proof.verify(&root, &leaf);
        let again = weave_slices::MerkleProof::from_bytes(&proof.to_bytes());
        assert_eq!(again.ok(), Some(proof));
    }
}

/// An ABCI application that answers every request with its default response: the
/// framing target tests the server, not the app (whose fatal errors stop the process
/// by design).
#[derive(Clone, Debug)]
struct Defaults;

impl tendermint_abci::Application for Defaults {}

/// `abci_framing`: the socket server's reader takes any byte stream, answers what
/// decodes and stops at what does not, without a panic.
pub fn abci_framing(data: &[u8]) {
    let _ = weave_app::abci::serve_stream(data, std::io::sink(), &Defaults);
}

/// `probe_report`: the first byte is the challenge count, the rest a report.
pub fn probe_report(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    if let Ok(report) = weave_seeders::ProbeReport::decode(rest, u64::from(n)) {
        let again = weave_seeders::ProbeReport::decode(&report.to_bytes(), u64::from(n));
        assert_eq!(again.ok(), Some(report));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fuzz/<dir>/<target>/*` for every target.
    fn inputs(dir: &str) -> Vec<(&'static str, std::path::PathBuf)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut out = Vec::new();
        for (name, _) in TARGETS {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            for e in entries.flatten() {
                out.push((*name, e.path()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn every_seed_runs_through_its_target() {
        let seeds = inputs("seeds");
        // Every target has seeds (written by `cargo run -p weave-fuzz`).
        for (name, _) in TARGETS {
            assert!(
                seeds.iter().any(|(n, _)| n == name),
                "no seeds for {name}: run `cargo run -p weave-fuzz --bin weave-fuzz-seeds`"
            );
        }
        for (name, path) in seeds {
            run(name, &std::fs::read(&path).unwrap_or_default());
        }
    }

    #[test]
    fn every_kept_crash_input_runs_clean() {
        for (name, path) in inputs("regressions") {
            run(name, &std::fs::read(&path).unwrap_or_default());
        }
    }

    #[test]
    fn a_signed_send_passes_check_tx_so_the_fuzzer_starts_past_the_signature() {
        let f = fixture();
        let to = Address::new([9; 20]);
        let send = weave_proto::weave::bank::v1::MsgSend {
            from_address: f.address.to_string(),
            to_address: to.to_string(),
            amount: vec![weave_proto::weave::base::v1::Coin {
                denom: DENOM.into(),
                amount: "5".into(),
            }],
        };
        let body = body_of("/weave.bank.v1.MsgSend", &send.encode_to_vec());
        // Knobs: fee 15 × 100,000, gas 15 × 500,000.
        let tx = f.sign(&body, 0xff);
        let res = f.app.check_tx(RequestCheckTx {
            tx: tx.into(),
            r#type: CheckTxType::New as i32,
        });
        assert_eq!(res.code, 0, "{}", res.log);
    }

    #[test]
    fn unknown_targets_are_refused() {
        let r = std::panic::catch_unwind(|| run("nope", b""));
        assert!(r.is_err());
    }
}
