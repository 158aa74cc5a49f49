//! The real Weave [`App`] on a temporary RocksDB directory, driven through the ABCI
//! calls CometBFT would make (InitChain, FinalizeBlock, Commit, Query), and a signer
//! that builds Cosmos SDK transactions from the proto types. A library equivalent of
//! the app's test harness (`app/tests/it/harness.rs`), which is test-only.

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::{BaseAccount, QueryAccountRequest, QueryAccountResponse},
    bank::v1beta1 as cbank,
    base::v1beta1::Coin as ProtoCoin,
    crypto::ed25519,
    tx::{
        signing::v1beta1::SignMode,
        v1beta1::{mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw},
    },
};
use prost::Message;
use sha2::{Digest, Sha256};
use tendermint_proto::{
    google::protobuf::Timestamp,
    v0_38::abci::{
        CommitInfo, ExecTxResult, RequestFinalizeBlock, RequestInitChain, RequestQuery,
        ResponseFinalizeBlock,
    },
};
use weave_app::{store::StorageConfig, App};
use weave_kernel::{Address, Any};

use crate::SimError;

/// The chain id of the simulated chain.
pub const CHAIN_ID: &str = "weave-sim-1";
/// The base denomination.
pub const DENOM: &str = "uweave";
/// The gas limit of every transaction.
pub const GAS_LIMIT: u64 = 1_000_000;
/// The fee of every transaction: the minimum for [`GAS_LIMIT`] at 0.025uweave.
pub const FEE: u128 = 25_000;
/// Block time of the genesis; block `h` is `5 * h` seconds later (no wall clock).
pub const GENESIS_TIME: i64 = 1_700_000_000;

/// A deterministic ed25519 key: the seed is SHA-256 of a label.
#[derive(Clone)]
pub struct Key(ed25519_consensus::SigningKey);

impl Key {
    /// The key of `label` (for example `"account/3"`).
    pub fn derive(label: &str) -> Self {
        let seed: [u8; 32] = Sha256::digest(format!("weave-sim/{label}")).into();
        Self(ed25519_consensus::SigningKey::from(seed))
    }

    /// The 32-byte public key.
    pub fn public(&self) -> [u8; 32] {
        self.0.verification_key().to_bytes()
    }

    /// The account address (SHA-256 of the key, first 20 bytes).
    pub fn address(&self) -> Address {
        Address::from_ed25519(&self.public())
    }

    /// Signs raw bytes.
    pub fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        self.0.sign(bytes).to_bytes().to_vec()
    }

    /// A libp2p peer id of this key: the identity multihash of its protobuf encoding.
    pub fn peer_id(&self) -> Vec<u8> {
        let mut id = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
        id.extend_from_slice(&self.public());
        id
    }

    fn pub_key_any(&self) -> Any {
        Any {
            type_url: "/cosmos.crypto.ed25519.PubKey".into(),
            value: ed25519::PubKey {
                key: self.public().to_vec(),
            }
            .encode_to_vec(),
        }
    }
}

/// A message as an `Any`.
pub(crate) fn any(type_url: &str, msg: &impl Message) -> Any {
    Any {
        type_url: type_url.into(),
        value: msg.encode_to_vec(),
    }
}

fn block_time(height: i64) -> Timestamp {
    Timestamp {
        seconds: GENESIS_TIME + 5 * height,
        nanos: 0,
    }
}

fn chain_err(what: &str, e: impl std::fmt::Debug) -> SimError {
    SimError::Chain(format!("{what}: {e:?}"))
}

/// The application on a temporary directory, at its last committed height.
pub struct Chain {
    _dir: tempfile::TempDir,
    app: App,
    /// The last committed height.
    pub height: i64,
    /// The validator set InitChain returned: ed25519 consensus key and power.
    pub validators: Vec<([u8; 32], i64)>,
}

impl Chain {
    /// A new chain from a genesis `app_state` (JSON), after InitChain.
    pub fn new(app_state: &serde_json::Value) -> Result<Self, SimError> {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::Builder::new()
                .prefix("weave-sim")
                .tempdir_in(shm)
                .or_else(|_| tempfile::tempdir())?
        } else {
            tempfile::tempdir()?
        };
        let app =
            App::open(dir.path(), StorageConfig::default()).map_err(|e| chain_err("open", e))?;
        let bytes = serde_json::to_vec(app_state)?;
        let res = app
            .init_chain(RequestInitChain {
                time: Some(block_time(0)),
                chain_id: CHAIN_ID.into(),
                app_state_bytes: bytes.into(),
                initial_height: 1,
                ..Default::default()
            })
            .map_err(|e| chain_err("init_chain", e))?;
        let mut validators = Vec::new();
        for v in res.validators {
            use tendermint_proto::v0_38::crypto::public_key::Sum;
            match v.pub_key.and_then(|k| k.sum) {
                Some(Sum::Ed25519(k)) => {
                    let key: [u8; 32] = k
                        .as_slice()
                        .try_into()
                        .map_err(|_| SimError::Chain("a validator key of bad length".into()))?;
                    validators.push((key, v.power));
                }
                _ => return Err(SimError::Chain("a validator without an ed25519 key".into())),
            }
        }
        Ok(Self {
            _dir: dir,
            app,
            height: 0,
            validators,
        })
    }

    /// The committed state (for the seeders module's probe rounds).
    pub fn state(&self) -> std::sync::Arc<dyn weave_kernel::StateRead> {
        self.app.storage().state()
    }

    /// FinalizeBlock and Commit of the next block with these transactions.
    pub fn block(&mut self, txs: Vec<Vec<u8>>) -> Result<ResponseFinalizeBlock, SimError> {
        self.finalize(txs, None)
    }

    /// FinalizeBlock and Commit of the next block with these transactions (the first may
    /// be an injected extended commit) and the previous height's commit.
    pub fn finalize(
        &mut self,
        txs: Vec<Vec<u8>>,
        last_commit: Option<CommitInfo>,
    ) -> Result<ResponseFinalizeBlock, SimError> {
        let height = self.height + 1;
        let res = self
            .app
            .finalize_block(RequestFinalizeBlock {
                txs: txs.into_iter().map(Into::into).collect(),
                decided_last_commit: last_commit,
                height,
                time: Some(block_time(height)),
                proposer_address: vec![7u8; 20].into(),
                ..Default::default()
            })
            .map_err(|e| chain_err("finalize_block", e))?;
        self.app.commit().map_err(|e| chain_err("commit", e))?;
        self.height = height;
        Ok(res)
    }

    /// A gRPC-path query at the latest height that must succeed.
    pub fn query<R: Message + Default>(
        &self,
        path: &str,
        req: &impl Message,
    ) -> Result<R, SimError> {
        let res = self.query_raw(path, req);
        if res.code != 0 {
            return Err(SimError::Chain(format!("query {path}: {}", res.log)));
        }
        Ok(R::decode(res.value.as_ref())?)
    }

    fn query_raw(
        &self,
        path: &str,
        req: &impl Message,
    ) -> tendermint_proto::v0_38::abci::ResponseQuery {
        self.app.query(RequestQuery {
            data: req.encode_to_vec().into(),
            path: path.into(),
            height: 0,
            prove: false,
        })
    }

    /// The uweave balance of an account.
    pub fn balance(&self, address: &Address) -> Result<u128, SimError> {
        let res: cbank::QueryBalanceResponse = self.query(
            "/cosmos.bank.v1beta1.Query/Balance",
            &cbank::QueryBalanceRequest {
                address: address.to_string(),
                denom: DENOM.into(),
            },
        )?;
        let amount = res.balance.map(|c| c.amount).unwrap_or_default();
        parse_amount(&amount)
    }

    /// The account (None if it does not exist yet).
    pub fn account(&self, address: &Address) -> Result<Option<BaseAccount>, SimError> {
        let res = self.query_raw(
            "/cosmos.auth.v1beta1.Query/Account",
            &QueryAccountRequest {
                address: address.to_string(),
            },
        );
        if res.code != 0 {
            return Ok(None);
        }
        let any = QueryAccountResponse::decode(res.value.as_ref())?
            .account
            .ok_or_else(|| SimError::Chain("account response without account".into()))?;
        Ok(Some(BaseAccount::decode(any.value.as_slice())?))
    }

    /// A transaction signed by `key` at its committed account number and sequence,
    /// with [`GAS_LIMIT`] per message and the minimum fee for it ([`FEE`] per message).
    pub fn sign_tx(&self, key: &Key, msgs: Vec<Any>) -> Result<Vec<u8>, SimError> {
        let account = self.account(&key.address())?;
        let (account_number, sequence) = account.map_or((0, 0), |a| (a.account_number, a.sequence));
        let n = msgs.len().max(1) as u64;
        Ok(signed_tx(
            key,
            msgs,
            account_number,
            sequence,
            GAS_LIMIT * n,
            FEE * u128::from(n),
        ))
    }
}

/// A genesis transaction (`gen_txs`): account number and sequence 0, no fee.
pub(crate) fn sign_gen_tx(key: &Key, msgs: Vec<Any>) -> Vec<u8> {
    signed_tx(key, msgs, 0, 0, GAS_LIMIT, 0)
}

fn signed_tx(
    key: &Key,
    msgs: Vec<Any>,
    account_number: u64,
    sequence: u64,
    gas_limit: u64,
    fee: u128,
) -> Vec<u8> {
    {
        let body = TxBody {
            messages: msgs,
            memo: String::new(),
            timeout_height: 0,
            extension_options: vec![],
            non_critical_extension_options: vec![],
        };
        #[allow(deprecated)] // `tip` is deprecated in the Cosmos SDK; Weave ignores it.
        let auth = AuthInfo {
            signer_infos: vec![SignerInfo {
                public_key: Some(key.pub_key_any()),
                mode_info: Some(ModeInfo {
                    sum: Some(mode_info::Sum::Single(mode_info::Single {
                        mode: SignMode::Direct as i32,
                    })),
                }),
                sequence,
            }],
            fee: Some(Fee {
                amount: if fee == 0 {
                    vec![]
                } else {
                    vec![ProtoCoin {
                        denom: DENOM.into(),
                        amount: fee.to_string(),
                    }]
                },
                gas_limit,
                payer: String::new(),
                granter: String::new(),
            }),
            tip: None,
        };
        let (body_bytes, auth_info_bytes) = (body.encode_to_vec(), auth.encode_to_vec());
        let doc = SignDoc {
            body_bytes: body_bytes.clone(),
            auth_info_bytes: auth_info_bytes.clone(),
            chain_id: CHAIN_ID.into(),
            account_number,
        }
        .encode_to_vec();
        TxRaw {
            body_bytes,
            auth_info_bytes,
            signatures: vec![key.sign(&doc)],
        }
        .encode_to_vec()
    }
}

/// A decimal uweave amount.
pub(crate) fn parse_amount(s: &str) -> Result<u128, SimError> {
    if s.is_empty() {
        return Ok(0);
    }
    s.parse()
        .map_err(|_| SimError::Chain(format!("bad amount {s:?}")))
}

/// Fails unless the transaction succeeded.
pub(crate) fn check_ok(what: &str, r: &ExecTxResult) -> Result<(), SimError> {
    if r.code != 0 {
        return Err(SimError::Tx {
            what: what.into(),
            code: r.code,
            log: format!("{}: {}", r.codespace, r.log),
        });
    }
    Ok(())
}
