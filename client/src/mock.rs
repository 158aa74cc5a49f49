//! An in-process stand-in for a node's gRPC API, for the client's tests: accounts
//! (`cosmos.auth.v1beta1.Query/Account`), balances (`cosmos.bank.v1beta1.Query`) and the
//! transaction service (`Simulate`, `BroadcastTx`, `GetTx`).
//!
//! It checks what it is sent as the chain would: `BroadcastTx` decodes the transaction
//! with `weave_app::tx::decode_tx`, checks the sequence and the minimum fee, and
//! verifies the signature against the account number and chain id it holds.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::{
        query_server::{Query as AuthQuery, QueryServer as AuthQueryServer},
        *,
    },
    bank::v1beta1::{
        query_server::{Query as BankQuery, QueryServer as BankQueryServer},
        QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest,
        QueryBalanceResponse, QueryDenomMetadataByQueryStringRequest,
        QueryDenomMetadataByQueryStringResponse, QueryDenomMetadataRequest,
        QueryDenomMetadataResponse, QueryDenomOwnersByQueryRequest,
        QueryDenomOwnersByQueryResponse, QueryDenomOwnersRequest, QueryDenomOwnersResponse,
        QueryDenomsMetadataRequest, QueryDenomsMetadataResponse,
        QueryParamsRequest as BankParamsRequest, QueryParamsResponse as BankParamsResponse,
        QuerySendEnabledRequest, QuerySendEnabledResponse, QuerySpendableBalanceByDenomRequest,
        QuerySpendableBalanceByDenomResponse, QuerySpendableBalancesRequest,
        QuerySpendableBalancesResponse, QuerySupplyOfRequest, QuerySupplyOfResponse,
        QueryTotalSupplyRequest, QueryTotalSupplyResponse,
    },
    base::{
        abci::v1beta1::{GasInfo, TxResponse},
        query::v1beta1::PageResponse,
        v1beta1::Coin as ProtoCoin,
    },
    tx::v1beta1::{
        service_server::{Service, ServiceServer},
        *,
    },
};
use prost::Message;
use tonic::{Request, Response, Status};
use weave_app::{
    auth::GasPrice,
    router::Router,
    tx::{decode_tx, verify_signature},
};

use crate::builder::tx_hash;

/// Writes an `impl` of a generated gRPC service trait whose listed methods answer
/// `Unimplemented`, next to the methods given in full.
macro_rules! service_impl {
    (
        impl $trait:ident for $ty:ty { $($methods:tt)* }
        unimplemented { $($name:ident($req:ty) -> $resp:ty;)* }
    ) => {
        #[tonic::async_trait]
        impl $trait for $ty {
            $($methods)*
            $(
                async fn $name(&self, _request: Request<$req>) -> Result<Response<$resp>, Status> {
                    Err(Status::unimplemented(stringify!($name)))
                }
            )*
        }
    };
}

/// A CheckTx rejection the mock answers every broadcast with.
#[derive(Debug, Clone)]
pub(super) struct Rejection {
    /// The codespace.
    pub(super) codespace: String,
    /// The code.
    pub(super) code: u32,
    /// The log.
    pub(super) log: String,
}

/// What the mock chain knows and has seen.
#[derive(Debug)]
pub(super) struct ChainState {
    /// The chain id signatures must bind.
    pub(super) chain_id: String,
    /// Accounts by bech32 address: (account number, sequence).
    pub(super) accounts: BTreeMap<String, (u64, u64)>,
    /// Balances pages `AllBalances` serves, one per call, in order.
    pub(super) balance_pages: Vec<Vec<(String, String)>>,
    /// What `Simulate` reports as used.
    pub(super) gas_used: u64,
    /// When set, `Simulate` fails with this message.
    pub(super) simulate_error: Option<String>,
    /// When set, every broadcast is rejected so.
    pub(super) rejection: Option<Rejection>,
    /// The code the transaction gets in its block.
    pub(super) deliver_code: u32,
    /// How many `GetTx` calls answer NotFound before the transaction shows up.
    pub(super) pending_polls: u32,
    /// Drafts sent to `Simulate`.
    pub(super) simulated: Vec<Vec<u8>>,
    /// Transactions accepted by `BroadcastTx`.
    pub(super) broadcast: Vec<Vec<u8>>,
}

impl ChainState {
    /// A chain `test-1` with no accounts, where everything succeeds.
    pub(super) fn new() -> Self {
        Self {
            chain_id: "test-1".into(),
            accounts: BTreeMap::new(),
            balance_pages: Vec::new(),
            gas_used: 40_000,
            simulate_error: None,
            rejection: None,
            deliver_code: 0,
            pending_polls: 0,
            simulated: Vec::new(),
            broadcast: Vec::new(),
        }
    }
}

/// The shared state behind every mock service.
#[derive(Debug, Clone)]
pub(super) struct MockChain(pub(super) Arc<Mutex<ChainState>>);

impl MockChain {
    /// The chain's bank-only router, to decode transactions.
    fn router() -> Router {
        Router::new(vec![Arc::new(weave_bank::BankModule::new())]).unwrap()
    }

    /// Checks a transaction as the chain's ante handler would (sequence, fee at
    /// 0.025 uweave/gas, signature); returns the error log if it fails.
    fn check(&self, tx_bytes: &[u8], simulate: bool) -> Result<(), String> {
        let tx = decode_tx(tx_bytes, &Self::router(), 256).map_err(|e| e.log)?;
        let state = self.0.lock().unwrap();
        let signer = &tx.signers[0];
        let (number, sequence) = state
            .accounts
            .get(&signer.address.to_string())
            .copied()
            .ok_or("unknown account")?;
        if signer.sequence != sequence {
            return Err(format!(
                "wrong sequence: want {sequence}, got {}",
                signer.sequence
            ));
        }
        if simulate {
            return Ok(());
        }
        let required = GasPrice::parse("0.025").unwrap().fee_for(tx.gas_limit);
        if tx.fee.amount_of(weave_kernel::DENOM) < required {
            return Err(format!("insufficient fee: want {required}"));
        }
        let key = signer.pub_key.clone().ok_or("no public key")?;
        verify_signature(
            &key,
            &tx.sign_bytes(&state.chain_id, number),
            &signer.signature,
        )
        .map_err(|e| e.to_string())
    }
}

service_impl! {
    impl Service for MockChain {
        async fn simulate(
            &self,
            request: Request<SimulateRequest>,
        ) -> Result<Response<SimulateResponse>, Status> {
            let tx = request.into_inner().tx_bytes;
            if let Some(message) = self.0.lock().unwrap().simulate_error.clone() {
                return Err(Status::invalid_argument(message));
            }
            self.check(&tx, true).map_err(Status::invalid_argument)?;
            let mut state = self.0.lock().unwrap();
            state.simulated.push(tx);
            Ok(Response::new(SimulateResponse {
                gas_info: Some(GasInfo {
                    gas_wanted: 0,
                    gas_used: state.gas_used,
                }),
                result: None,
            }))
        }

        async fn broadcast_tx(
            &self,
            request: Request<BroadcastTxRequest>,
        ) -> Result<Response<BroadcastTxResponse>, Status> {
            let tx = request.into_inner().tx_bytes;
            let txhash = tx_hash(&tx);
            let rejection = self.0.lock().unwrap().rejection.clone();
            let rejection = rejection.or_else(|| {
                self.check(&tx, false).err().map(|log| Rejection {
                    codespace: "sdk".into(),
                    code: 4,
                    log,
                })
            });
            let response = match rejection {
                Some(r) => TxResponse {
                    txhash,
                    codespace: r.codespace,
                    code: r.code,
                    raw_log: r.log,
                    ..Default::default()
                },
                None => {
                    let mut state = self.0.lock().unwrap();
                    for (_, sequence) in state.accounts.values_mut() {
                        *sequence += 1;
                    }
                    state.broadcast.push(tx);
                    TxResponse {
                        txhash,
                        ..Default::default()
                    }
                }
            };
            Ok(Response::new(BroadcastTxResponse {
                tx_response: Some(response),
            }))
        }

        async fn get_tx(
            &self,
            request: Request<GetTxRequest>,
        ) -> Result<Response<GetTxResponse>, Status> {
            let hash = request.into_inner().hash;
            let mut state = self.0.lock().unwrap();
            if state.pending_polls > 0 {
                state.pending_polls -= 1;
                return Err(Status::not_found(format!("tx {hash} not found")));
            }
            let raw = state
                .broadcast
                .iter()
                .find(|t| tx_hash(t) == hash)
                .cloned()
                .ok_or_else(|| Status::not_found(format!("tx {hash} not found")))?;
            let raw = TxRaw::decode(raw.as_slice()).unwrap();
            let tx = Tx {
                body: Some(TxBody::decode(raw.body_bytes.as_slice()).unwrap()),
                auth_info: Some(AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap()),
                signatures: raw.signatures,
            };
            let gas_wanted = tx.auth_info.as_ref().and_then(|a| a.fee.as_ref()).unwrap().gas_limit;
            Ok(Response::new(GetTxResponse {
                tx: Some(tx),
                tx_response: Some(TxResponse {
                    txhash: hash,
                    height: 5,
                    code: state.deliver_code,
                    codespace: if state.deliver_code == 0 { String::new() } else { "bank".into() },
                    raw_log: if state.deliver_code == 0 { String::new() } else { "insufficient funds".into() },
                    gas_wanted: i64::try_from(gas_wanted).unwrap(),
                    gas_used: i64::try_from(state.gas_used).unwrap(),
                    ..Default::default()
                }),
            }))
        }
    }
    unimplemented {
        get_txs_event(GetTxsEventRequest) -> GetTxsEventResponse;
        get_block_with_txs(GetBlockWithTxsRequest) -> GetBlockWithTxsResponse;
        tx_decode(TxDecodeRequest) -> TxDecodeResponse;
        tx_encode(TxEncodeRequest) -> TxEncodeResponse;
        tx_encode_amino(TxEncodeAminoRequest) -> TxEncodeAminoResponse;
        tx_decode_amino(TxDecodeAminoRequest) -> TxDecodeAminoResponse;
    }
}

service_impl! {
    impl AuthQuery for MockChain {
        async fn account(
            &self,
            request: Request<QueryAccountRequest>,
        ) -> Result<Response<QueryAccountResponse>, Status> {
            let address = request.into_inner().address;
            let state = self.0.lock().unwrap();
            let (account_number, sequence) = state
                .accounts
                .get(&address)
                .copied()
                .ok_or_else(|| Status::not_found(format!("account {address}")))?;
            let account = BaseAccount {
                address,
                pub_key: None,
                account_number,
                sequence,
            };
            Ok(Response::new(QueryAccountResponse {
                account: Some(cosmos_sdk_proto::Any {
                    type_url: "/cosmos.auth.v1beta1.BaseAccount".into(),
                    value: account.encode_to_vec(),
                }),
            }))
        }
    }
    unimplemented {
        accounts(QueryAccountsRequest) -> QueryAccountsResponse;
        account_address_by_id(QueryAccountAddressByIdRequest) -> QueryAccountAddressByIdResponse;
        params(QueryParamsRequest) -> QueryParamsResponse;
        module_accounts(QueryModuleAccountsRequest) -> QueryModuleAccountsResponse;
        module_account_by_name(QueryModuleAccountByNameRequest) -> QueryModuleAccountByNameResponse;
        bech32_prefix(Bech32PrefixRequest) -> Bech32PrefixResponse;
        address_bytes_to_string(AddressBytesToStringRequest) -> AddressBytesToStringResponse;
        address_string_to_bytes(AddressStringToBytesRequest) -> AddressStringToBytesResponse;
        account_info(QueryAccountInfoRequest) -> QueryAccountInfoResponse;
    }
}

service_impl! {
    impl BankQuery for MockChain {
        async fn all_balances(
            &self,
            request: Request<QueryAllBalancesRequest>,
        ) -> Result<Response<QueryAllBalancesResponse>, Status> {
            // The page key is the index of the page, one byte.
            let key = request.into_inner().pagination.map(|p| p.key).unwrap_or_default();
            let index = key.first().copied().map_or(0, usize::from);
            let state = self.0.lock().unwrap();
            let page = state.balance_pages.get(index).cloned().unwrap_or_default();
            let next_key = if index + 1 < state.balance_pages.len() {
                vec![u8::try_from(index + 1).unwrap()]
            } else {
                Vec::new()
            };
            Ok(Response::new(QueryAllBalancesResponse {
                balances: page
                    .into_iter()
                    .map(|(denom, amount)| ProtoCoin { denom, amount })
                    .collect(),
                pagination: Some(PageResponse { next_key, total: 0 }),
            }))
        }
    }
    unimplemented {
        balance(QueryBalanceRequest) -> QueryBalanceResponse;
        spendable_balances(QuerySpendableBalancesRequest) -> QuerySpendableBalancesResponse;
        spendable_balance_by_denom(QuerySpendableBalanceByDenomRequest) -> QuerySpendableBalanceByDenomResponse;
        total_supply(QueryTotalSupplyRequest) -> QueryTotalSupplyResponse;
        supply_of(QuerySupplyOfRequest) -> QuerySupplyOfResponse;
        params(BankParamsRequest) -> BankParamsResponse;
        denom_metadata(QueryDenomMetadataRequest) -> QueryDenomMetadataResponse;
        denom_metadata_by_query_string(QueryDenomMetadataByQueryStringRequest) -> QueryDenomMetadataByQueryStringResponse;
        denoms_metadata(QueryDenomsMetadataRequest) -> QueryDenomsMetadataResponse;
        denom_owners(QueryDenomOwnersRequest) -> QueryDenomOwnersResponse;
        denom_owners_by_query(QueryDenomOwnersByQueryRequest) -> QueryDenomOwnersByQueryResponse;
        send_enabled(QuerySendEnabledRequest) -> QuerySendEnabledResponse;
    }
}

/// Serves `state` on a free loopback port and returns a channel to it. The server runs
/// until the test's runtime ends.
pub(super) async fn serve(state: ChainState) -> (MockChain, tonic::transport::Channel) {
    let chain = MockChain(Arc::new(Mutex::new(state)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    let server = tonic::transport::Server::builder()
        .add_service(ServiceServer::new(chain.clone()))
        .add_service(AuthQueryServer::new(chain.clone()))
        .add_service(BankQueryServer::new(chain.clone()))
        .serve_with_incoming(incoming);
    tokio::spawn(server);
    let channel = tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    (chain, channel)
}
