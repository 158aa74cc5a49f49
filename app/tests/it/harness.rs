//! A chain without CometBFT: the real [`App`] on a temporary RocksDB directory, driven
//! through the ABCI calls CometBFT would make, plus a transaction signer that builds
//! Cosmos SDK transactions from the proto types alone (independent of `node/`).

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::{BaseAccount, QueryAccountRequest, QueryAccountResponse},
    bank::v1beta1 as cbank,
    base::v1beta1::Coin as ProtoCoin,
    crypto::{ed25519, secp256k1},
    tx::{
        signing::v1beta1::SignMode,
        v1beta1::{mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw},
    },
};
use k256::ecdsa::{signature::hazmat::PrehashSigner, Signature as K256Signature};
use prost::Message;
use sha2::{Digest, Sha256};
use tendermint_proto::{
    google::protobuf::Timestamp,
    v0_38::abci::{
        CheckTxType, ExecTxResult, RequestCheckTx, RequestFinalizeBlock, RequestInfo,
        RequestInitChain, RequestPrepareProposal, RequestProcessProposal, RequestQuery,
        ResponseCheckTx, ResponseFinalizeBlock, ResponseInfo, ResponsePrepareProposal,
        ResponseQuery,
    },
};
use weave_app::{store::StorageConfig, App};
use weave_genesis::AppState;
use weave_kernel::{Address, Any};
use weave_proto::weave::{bank::v1 as pb, base::v1 as wbase};

/// The chain id of every test chain.
pub const CHAIN_ID: &str = "weave-test-1";
/// The base denomination.
pub const DENOM: &str = "uweave";
/// What each default account holds at genesis.
pub const INITIAL_BALANCE: u128 = 1_000_000_000_000;
/// The gas limit of every test transaction unless a test says otherwise.
pub const GAS_LIMIT: u64 = 200_000;
/// The minimum fee for [`GAS_LIMIT`] at the default minimum gas price 0.025uweave.
pub const FEE: u128 = 5_000;
/// Block time of the genesis; block `h` is `5 * h` seconds later.
pub const GENESIS_TIME: i64 = 1_700_000_000;

/// The fee collector module account.
pub fn fee_collector() -> Address {
    Address::module("fee_collector")
}

/// A signing key of a test account.
#[derive(Clone)]
pub enum TestKey {
    /// secp256k1, the Cosmos default.
    Secp256k1(k256::ecdsa::SigningKey),
    /// ed25519.
    Ed25519(ed25519_consensus::SigningKey),
}

impl TestKey {
    /// A deterministic secp256k1 key.
    pub fn secp256k1(seed: u8) -> Self {
        let mut bytes = [0x42u8; 32];
        bytes[31] = seed;
        Self::Secp256k1(k256::ecdsa::SigningKey::from_slice(&bytes).unwrap())
    }

    /// A deterministic ed25519 key.
    pub fn ed25519(seed: u8) -> Self {
        Self::Ed25519(ed25519_consensus::SigningKey::from([seed; 32]))
    }

    /// The public key bytes as the chain stores them (33-byte compressed for secp256k1).
    pub fn pub_key_bytes(&self) -> Vec<u8> {
        match self {
            Self::Secp256k1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
            Self::Ed25519(k) => k.verification_key().to_bytes().to_vec(),
        }
    }

    /// The account address: RIPEMD160(SHA256(pk)) or SHA256(pk)[..20].
    pub fn address(&self) -> Address {
        match self {
            Self::Secp256k1(_) => Address::from_secp256k1(&self.pub_key_bytes()),
            Self::Ed25519(_) => Address::from_ed25519(&self.pub_key_bytes()),
        }
    }

    /// The public key as a `SignerInfo` carries it.
    pub fn pub_key_any(&self) -> Any {
        match self {
            Self::Secp256k1(_) => Any {
                type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
                value: secp256k1::PubKey {
                    key: self.pub_key_bytes(),
                }
                .encode_to_vec(),
            },
            Self::Ed25519(_) => Any {
                type_url: "/cosmos.crypto.ed25519.PubKey".into(),
                value: ed25519::PubKey {
                    key: self.pub_key_bytes(),
                }
                .encode_to_vec(),
            },
        }
    }

    /// Signs a sign doc: ECDSA over SHA-256 in 64-byte low-S `r || s` form, or raw ed25519.
    pub fn sign(&self, sign_doc: &[u8]) -> Vec<u8> {
        match self {
            Self::Secp256k1(k) => {
                let digest = Sha256::digest(sign_doc);
                let sig: K256Signature = k.sign_prehash(&digest).unwrap();
                let sig = sig.normalize_s().unwrap_or(sig);
                sig.to_bytes().to_vec()
            }
            Self::Ed25519(k) => k.sign(sign_doc).to_bytes().to_vec(),
        }
    }
}

/// The default test accounts: four secp256k1 keys and one ed25519 key (the last).
pub fn default_keys() -> Vec<TestKey> {
    vec![
        TestKey::secp256k1(1),
        TestKey::secp256k1(2),
        TestKey::secp256k1(3),
        TestKey::secp256k1(4),
        TestKey::ed25519(9),
    ]
}

/// One uweave coin on the Cosmos wire.
pub fn coin(amount: u128) -> ProtoCoin {
    ProtoCoin {
        denom: DENOM.into(),
        amount: amount.to_string(),
    }
}

fn wcoin(denom: &str, amount: &str) -> wbase::Coin {
    wbase::Coin {
        denom: denom.into(),
        amount: amount.into(),
    }
}

/// Message builders.
pub mod msg {
    use super::*;

    /// `/weave.bank.v1.MsgSend` with raw strings, for malformed messages.
    pub fn send_raw(from: &str, to: &str, denom: &str, amount: &str) -> Any {
        Any {
            type_url: weave_bank::MSG_SEND.into(),
            value: pb::MsgSend {
                from_address: from.into(),
                to_address: to.into(),
                amount: vec![wcoin(denom, amount)],
            }
            .encode_to_vec(),
        }
    }

    /// `/weave.bank.v1.MsgSend` of uweave.
    pub fn send(from: &Address, to: &Address, amount: u128) -> Any {
        send_raw(
            &from.to_string(),
            &to.to_string(),
            DENOM,
            &amount.to_string(),
        )
    }

    /// `/cosmos.bank.v1beta1.MsgSend` of uweave.
    pub fn cosmos_send(from: &Address, to: &Address, amount: u128) -> Any {
        Any {
            type_url: weave_bank::MSG_SEND_COSMOS.into(),
            value: cbank::MsgSend {
                from_address: from.to_string(),
                to_address: to.to_string(),
                amount: vec![coin(amount)],
            }
            .encode_to_vec(),
        }
    }

    /// `/weave.bank.v1.MsgMultiSend` of uweave; the input is the sum of the outputs
    /// unless `input` says otherwise.
    pub fn multi_send_with_input(from: &Address, input: u128, outputs: &[(Address, u128)]) -> Any {
        Any {
            type_url: weave_bank::MSG_MULTI_SEND.into(),
            value: pb::MsgMultiSend {
                inputs: vec![pb::Input {
                    address: from.to_string(),
                    coins: vec![wcoin(DENOM, &input.to_string())],
                }],
                outputs: outputs
                    .iter()
                    .map(|(to, amount)| pb::Output {
                        address: to.to_string(),
                        coins: vec![wcoin(DENOM, &amount.to_string())],
                    })
                    .collect(),
            }
            .encode_to_vec(),
        }
    }

    /// `/weave.bank.v1.MsgMultiSend` of uweave whose input is the sum of the outputs.
    pub fn multi_send(from: &Address, outputs: &[(Address, u128)]) -> Any {
        let total = outputs.iter().map(|(_, a)| *a).sum();
        multi_send_with_input(from, total, outputs)
    }
}

/// Builds and signs a transaction in SIGN_MODE_DIRECT.
#[derive(Clone, Debug)]
pub struct TxBuilder {
    /// Messages.
    pub msgs: Vec<Any>,
    /// Memo.
    pub memo: String,
    /// Gas limit.
    pub gas_limit: u64,
    /// Fee coins.
    pub fee: Vec<ProtoCoin>,
    /// Signer sequence.
    pub sequence: u64,
    /// Signer account number (signed, not sent).
    pub account_number: u64,
    /// Chain id in the sign doc.
    pub chain_id: String,
    /// Whether the `SignerInfo` carries the public key.
    pub with_pub_key: bool,
}

impl TxBuilder {
    /// A transaction with the default gas, the minimum fee, sequence 0, account 0.
    pub fn new(msgs: Vec<Any>) -> Self {
        Self {
            msgs,
            memo: String::new(),
            gas_limit: GAS_LIMIT,
            fee: vec![coin(FEE)],
            sequence: 0,
            account_number: 0,
            chain_id: CHAIN_ID.into(),
            with_pub_key: true,
        }
    }

    /// Sets the memo.
    pub fn memo(mut self, memo: impl Into<String>) -> Self {
        self.memo = memo.into();
        self
    }

    /// Sets the gas limit.
    pub fn gas(mut self, gas: u64) -> Self {
        self.gas_limit = gas;
        self
    }

    /// Sets the uweave fee.
    pub fn fee(mut self, amount: u128) -> Self {
        self.fee = vec![coin(amount)];
        self
    }

    /// Sets the fee coins.
    pub fn fee_coins(mut self, coins: Vec<ProtoCoin>) -> Self {
        self.fee = coins;
        self
    }

    /// Sets the sequence.
    pub fn sequence(mut self, sequence: u64) -> Self {
        self.sequence = sequence;
        self
    }

    /// Leaves the public key out of the `SignerInfo`.
    pub fn without_pub_key(mut self) -> Self {
        self.with_pub_key = false;
        self
    }

    /// Sets the chain id signed.
    pub fn chain_id(mut self, chain_id: &str) -> Self {
        self.chain_id = chain_id.into();
        self
    }

    /// The body and auth info this builder describes.
    pub fn parts(&self, key: &TestKey) -> (TxBody, AuthInfo) {
        let body = TxBody {
            messages: self.msgs.clone(),
            memo: self.memo.clone(),
            timeout_height: 0,
            extension_options: vec![],
            non_critical_extension_options: vec![],
        };
        #[allow(deprecated)] // `tip` is deprecated in the Cosmos SDK; Weave ignores it.
        let auth = AuthInfo {
            signer_infos: vec![SignerInfo {
                public_key: self.with_pub_key.then(|| key.pub_key_any()),
                mode_info: Some(ModeInfo {
                    sum: Some(mode_info::Sum::Single(mode_info::Single {
                        mode: SignMode::Direct as i32,
                    })),
                }),
                sequence: self.sequence,
            }],
            fee: Some(Fee {
                amount: self.fee.clone(),
                gas_limit: self.gas_limit,
                payer: String::new(),
                granter: String::new(),
            }),
            tip: None,
        };
        (body, auth)
    }

    /// The signed `TxRaw` after `edit` changed its body or auth info (before signing),
    /// for transactions no builder option describes.
    pub fn sign_edited(
        &self,
        key: &TestKey,
        edit: impl FnOnce(&mut TxBody, &mut AuthInfo),
    ) -> TxRaw {
        let (mut body, mut auth) = self.parts(key);
        edit(&mut body, &mut auth);
        let (body_bytes, auth_info_bytes) = (body.encode_to_vec(), auth.encode_to_vec());
        let doc = SignDoc {
            body_bytes: body_bytes.clone(),
            auth_info_bytes: auth_info_bytes.clone(),
            chain_id: self.chain_id.clone(),
            account_number: self.account_number,
        }
        .encode_to_vec();
        TxRaw {
            body_bytes,
            auth_info_bytes,
            signatures: vec![key.sign(&doc)],
        }
    }

    /// The signed `TxRaw`, for tests that tamper with it.
    pub fn sign_raw(&self, key: &TestKey) -> TxRaw {
        self.sign_edited(key, |_, _| {})
    }

    /// The signed transaction bytes.
    pub fn sign(&self, key: &TestKey) -> Vec<u8> {
        self.sign_raw(key).encode_to_vec()
    }
}

/// A fresh data directory. RocksDB fsyncs every commit; on tmpfs (`/dev/shm`, where
/// there is one) that costs nothing, so a busy disk does not slow the tests down. The
/// restart tests drop and reopen the database within one process, which the page cache
/// serves either way.
fn temp_dir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("weave-app-it")
            .tempdir_in(shm)
        {
            return dir;
        }
    }
    tempfile::tempdir().unwrap()
}

/// The block time of a height: five seconds per block after the genesis time.
pub fn time_at(height: i64) -> Timestamp {
    Timestamp {
        seconds: GENESIS_TIME + 5 * height,
        nanos: 0,
    }
}

/// The Weave app on a temporary directory, driven block by block.
pub struct TestChain {
    dir: tempfile::TempDir,
    app: Option<App>,
    /// The funded accounts' keys.
    pub keys: Vec<TestKey>,
    /// The genesis `app_state` bytes.
    pub genesis: Vec<u8>,
    /// The app hash InitChain returned.
    pub genesis_hash: Vec<u8>,
    /// The last committed height.
    pub height: i64,
    /// CometBFT's `vote_extensions_enable_height` given to InitChain (0: off).
    pub vote_extensions_height: i64,
}

impl TestChain {
    /// The default accounts, each funded with [`INITIAL_BALANCE`].
    pub fn new() -> Self {
        let keys = default_keys();
        let addrs: Vec<Address> = keys.iter().map(TestKey::address).collect();
        let state = AppState::with_funded(&addrs, INITIAL_BALANCE).unwrap();
        Self::with_genesis(keys, &state)
    }

    /// The given keys, funded as `state` says.
    pub fn with_genesis(keys: Vec<TestKey>, state: &AppState) -> Self {
        Self::with_vote_extensions(keys, state, 0)
    }

    /// Like [`TestChain::with_genesis`], with vote extensions on from `enable_height`
    /// (CometBFT's consensus param; 0: off).
    pub fn with_vote_extensions(keys: Vec<TestKey>, state: &AppState, enable_height: i64) -> Self {
        let mut chain = Self::before_genesis(keys, state);
        chain.vote_extensions_height = enable_height;
        chain.genesis_hash = chain.init_chain().unwrap();
        chain
    }

    /// The given keys with a genesis `app_state` given as JSON (the wire format, which
    /// outlives the Rust types that build it).
    pub fn with_genesis_json(keys: Vec<TestKey>, app_state: &serde_json::Value) -> Self {
        let mut chain = Self::before_genesis_bytes(keys, serde_json::to_vec(app_state).unwrap());
        chain.genesis_hash = chain.init_chain().unwrap();
        chain
    }

    /// The application over a fresh directory with this genesis, before InitChain.
    pub fn before_genesis(keys: Vec<TestKey>, state: &AppState) -> Self {
        Self::before_genesis_bytes(keys, serde_json::to_vec(&state.to_json().unwrap()).unwrap())
    }

    fn before_genesis_bytes(keys: Vec<TestKey>, genesis: Vec<u8>) -> Self {
        let dir = temp_dir();
        let app = App::open(dir.path(), StorageConfig::default()).unwrap();
        Self {
            dir,
            app: Some(app),
            keys,
            genesis,
            genesis_hash: Vec::new(),
            height: 0,
            vote_extensions_height: 0,
        }
    }

    /// InitChain with this chain's genesis; returns the app hash.
    pub fn init_chain(&self) -> Result<Vec<u8>, weave_app::AppError> {
        Ok(self.init_chain_response()?.app_hash.to_vec())
    }

    /// InitChain with this chain's genesis and no validators from CometBFT's genesis;
    /// returns the whole response.
    pub fn init_chain_response(
        &self,
    ) -> Result<tendermint_proto::v0_38::abci::ResponseInitChain, weave_app::AppError> {
        self.app().init_chain(RequestInitChain {
            time: Some(time_at(0)),
            chain_id: CHAIN_ID.into(),
            app_state_bytes: self.genesis.clone().into(),
            initial_height: 1,
            consensus_params: (self.vote_extensions_height > 0).then(|| {
                tendermint_proto::v0_38::types::ConsensusParams {
                    abci: Some(tendermint_proto::v0_38::types::AbciParams {
                        vote_extensions_enable_height: self.vote_extensions_height,
                    }),
                    ..Default::default()
                }
            }),
            ..Default::default()
        })
    }

    /// The application.
    pub fn app(&self) -> &App {
        self.app.as_ref().unwrap()
    }

    /// The address of the `i`th key.
    pub fn addr(&self, i: usize) -> Address {
        self.keys[i].address()
    }

    /// Drops the application (closing RocksDB, as a stop or crash would) and opens a
    /// new one on the same directory; returns its ABCI Info.
    pub fn reopen(&mut self) -> ResponseInfo {
        self.app = None;
        self.app = Some(App::open(self.dir.path(), StorageConfig::default()).unwrap());
        let info = self.info();
        self.height = info.last_block_height;
        info
    }

    /// Like [`TestChain::reopen`], with the application changed by `f` (upgrade
    /// handlers registered, say).
    pub fn reopen_with(&mut self, f: impl FnOnce(App) -> App) -> ResponseInfo {
        self.app = None;
        let app = App::open(self.dir.path(), StorageConfig::default()).unwrap();
        self.app = Some(f(app));
        let info = self.info();
        self.height = info.last_block_height;
        info
    }

    /// FinalizeBlock at the next height, its error included.
    pub fn try_finalize(
        &self,
        txs: &[Vec<u8>],
    ) -> Result<ResponseFinalizeBlock, weave_app::AppError> {
        let height = self.height + 1;
        self.app().finalize_block(RequestFinalizeBlock {
            txs: txs.iter().map(|t| t.clone().into()).collect(),
            height,
            time: Some(time_at(height)),
            proposer_address: vec![7u8; 20].into(),
            ..Default::default()
        })
    }

    /// ABCI Info.
    pub fn info(&self) -> ResponseInfo {
        self.app().info(RequestInfo::default()).unwrap()
    }

    /// FinalizeBlock at the next height, without Commit.
    pub fn finalize(&self, txs: &[Vec<u8>]) -> ResponseFinalizeBlock {
        self.finalize_with(txs, None, Vec::new())
    }

    /// FinalizeBlock at the next height carrying the previous block's commit and
    /// misbehaviour, without Commit.
    pub fn finalize_with(
        &self,
        txs: &[Vec<u8>],
        decided_last_commit: Option<tendermint_proto::v0_38::abci::CommitInfo>,
        misbehavior: Vec<tendermint_proto::v0_38::abci::Misbehavior>,
    ) -> ResponseFinalizeBlock {
        let height = self.height + 1;
        self.app()
            .finalize_block(RequestFinalizeBlock {
                txs: txs.iter().map(|t| t.clone().into()).collect(),
                height,
                time: Some(time_at(height)),
                proposer_address: vec![7u8; 20].into(),
                decided_last_commit,
                misbehavior,
                ..Default::default()
            })
            .unwrap()
    }

    /// Commit of the block last finalized.
    pub fn commit(&mut self) {
        self.app().commit().unwrap();
        self.height += 1;
    }

    /// FinalizeBlock and Commit at the next height.
    pub fn deliver_block(&mut self, txs: &[Vec<u8>]) -> ResponseFinalizeBlock {
        let res = self.finalize(txs);
        assert_eq!(res.tx_results.len(), txs.len());
        self.commit();
        res
    }

    /// CheckTx (a new transaction).
    pub fn check(&self, tx: &[u8]) -> ResponseCheckTx {
        self.app().check_tx(RequestCheckTx {
            tx: tx.to_vec().into(),
            r#type: CheckTxType::New as i32,
        })
    }

    /// CheckTx of a transaction already in the mempool, after a block.
    pub fn recheck(&self, tx: &[u8]) -> ResponseCheckTx {
        self.app().check_tx(RequestCheckTx {
            tx: tx.to_vec().into(),
            r#type: CheckTxType::Recheck as i32,
        })
    }

    /// PrepareProposal for the next height.
    pub fn prepare(&self, txs: &[Vec<u8>], max_tx_bytes: i64) -> ResponsePrepareProposal {
        let height = self.height + 1;
        self.app().prepare_proposal(RequestPrepareProposal {
            max_tx_bytes,
            txs: txs.iter().map(|t| t.clone().into()).collect(),
            height,
            time: Some(time_at(height)),
            proposer_address: vec![7u8; 20].into(),
            ..Default::default()
        })
    }

    /// ProcessProposal for the next height; true if accepted.
    pub fn process(&self, txs: &[Vec<u8>]) -> bool {
        use tendermint_proto::v0_38::abci::response_process_proposal::ProposalStatus;
        let height = self.height + 1;
        let res = self.app().process_proposal(RequestProcessProposal {
            txs: txs.iter().map(|t| t.clone().into()).collect(),
            height,
            time: Some(time_at(height)),
            proposer_address: vec![7u8; 20].into(),
            ..Default::default()
        });
        assert_ne!(res.status, ProposalStatus::Unknown as i32);
        res.status == ProposalStatus::Accept as i32
    }

    /// An ABCI query at the latest height.
    pub fn query_raw(&self, path: &str, data: Vec<u8>) -> ResponseQuery {
        self.app().query(RequestQuery {
            data: data.into(),
            path: path.into(),
            height: 0,
            prove: false,
        })
    }

    /// A gRPC-path query that must succeed.
    pub fn query<R: Message + Default>(&self, path: &str, req: &impl Message) -> R {
        let res = self.query_raw(path, req.encode_to_vec());
        assert_eq!(res.code, 0, "query {path} failed: {}", res.log);
        R::decode(res.value.as_ref()).unwrap()
    }

    /// The uweave balance, via `/cosmos.bank.v1beta1.Query/Balance`.
    pub fn balance(&self, address: &Address) -> u128 {
        let res: cbank::QueryBalanceResponse = self.query(
            "/cosmos.bank.v1beta1.Query/Balance",
            &cbank::QueryBalanceRequest {
                address: address.to_string(),
                denom: DENOM.into(),
            },
        );
        let c = res.balance.unwrap();
        assert_eq!(c.denom, DENOM);
        c.amount.parse().unwrap()
    }

    /// Every balance of an account, via `/cosmos.bank.v1beta1.Query/AllBalances`.
    pub fn all_balances(&self, address: &Address) -> Vec<(String, u128)> {
        let res: cbank::QueryAllBalancesResponse = self.query(
            "/cosmos.bank.v1beta1.Query/AllBalances",
            &cbank::QueryAllBalancesRequest {
                address: address.to_string(),
                pagination: None,
                resolve_denom: false,
            },
        );
        assert!(res.pagination.is_none_or(|p| p.next_key.is_empty()));
        res.balances
            .into_iter()
            .map(|c| (c.denom, c.amount.parse().unwrap()))
            .collect()
    }

    /// The total uweave supply, via `/cosmos.bank.v1beta1.Query/TotalSupply`.
    pub fn total_supply(&self) -> u128 {
        let res: cbank::QueryTotalSupplyResponse = self.query(
            "/cosmos.bank.v1beta1.Query/TotalSupply",
            &cbank::QueryTotalSupplyRequest { pagination: None },
        );
        res.supply
            .iter()
            .filter(|c| c.denom == DENOM)
            .map(|c| c.amount.parse::<u128>().unwrap())
            .sum()
    }

    /// The account, via `/cosmos.auth.v1beta1.Query/Account`.
    pub fn account(&self, address: &Address) -> Option<BaseAccount> {
        let res = self.query_raw(
            "/cosmos.auth.v1beta1.Query/Account",
            QueryAccountRequest {
                address: address.to_string(),
            }
            .encode_to_vec(),
        );
        if res.code == 22 && res.codespace == "sdk" {
            return None;
        }
        assert_eq!(res.code, 0, "account query failed: {}", res.log);
        let any = QueryAccountResponse::decode(res.value.as_ref())
            .unwrap()
            .account
            .unwrap();
        assert_eq!(any.type_url, "/cosmos.auth.v1beta1.BaseAccount");
        Some(BaseAccount::decode(any.value.as_slice()).unwrap())
    }

    /// The account's committed sequence (0 if it does not exist).
    pub fn sequence(&self, address: &Address) -> u64 {
        self.account(address).map_or(0, |a| a.sequence)
    }

    /// A builder for a transaction signed by `key`, with the account number and sequence
    /// of the committed state.
    pub fn tx(&self, key: &TestKey, msgs: Vec<Any>) -> TxBuilder {
        let account = self.account(&key.address());
        let mut b = TxBuilder::new(msgs);
        b.account_number = account.as_ref().map_or(0, |a| a.account_number);
        b.sequence = account.map_or(0, |a| a.sequence);
        b
    }

    /// A signed uweave send from key `from` to `to`, at the committed sequence.
    pub fn send(&self, from: usize, to: &Address, amount: u128) -> Vec<u8> {
        let key = &self.keys[from];
        self.tx(key, vec![msg::send(&key.address(), to, amount)])
            .sign(key)
    }
}

/// Asserts a successful transaction result, showing its log otherwise.
pub fn assert_ok(r: &ExecTxResult) {
    assert_eq!(r.code, 0, "tx failed: {}: {}", r.codespace, r.log);
}

/// The value of an event attribute, if the result has such an event.
pub fn event_attr<'a>(r: &'a ExecTxResult, kind: &str, key: &str) -> Vec<&'a str> {
    r.events
        .iter()
        .filter(|e| e.r#type == kind)
        .flat_map(|e| {
            e.attributes
                .iter()
                .filter(|a| a.key == key)
                .map(|a| a.value.as_str())
        })
        .collect()
}

/// True if the transaction paid its fee (its result carries the ante's fee event).
pub fn paid_fee(r: &ExecTxResult) -> bool {
    !event_attr(r, "tx", "fee").is_empty()
}
