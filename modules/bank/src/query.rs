//! The bank module's queries: `weave.bank.v1.Query`, and the parts of
//! `cosmos.bank.v1beta1.Query` and `cosmos.auth.v1beta1.Query` that wallets need.
//! ABCI `Query` and the gRPC server both come here, by gRPC method path.

use cosmos_sdk_proto::cosmos::{auth::v1beta1 as auth, bank::v1beta1 as cbank, base};
use prost::Message;
use weave_kernel::{
    decode_request as decode, unknown_query, validate_denom, Address, Coin, KernelError,
    PageLimits, StateRead, StateView, TxError,
};
use weave_proto::weave::{bank::v1 as pb, base::v1 as wbase};

use crate::keeper::{self, encode_account};

pub(crate) const PATHS: &[&str] = &[
    "/weave.bank.v1.Query/Params",
    "/weave.bank.v1.Query/Balance",
    "/weave.bank.v1.Query/TotalSupply",
    "/weave.bank.v1.Query/ModuleAccount",
    "/cosmos.bank.v1beta1.Query/Balance",
    "/cosmos.bank.v1beta1.Query/AllBalances",
    "/cosmos.bank.v1beta1.Query/TotalSupply",
    "/cosmos.bank.v1beta1.Query/SupplyOf",
    "/cosmos.bank.v1beta1.Query/Params",
    "/cosmos.bank.v1beta1.Query/DenomMetadata",
    "/cosmos.auth.v1beta1.Query/Account",
];

/// The queries that read single keys only, so that they can be answered at any kept
/// height from the Merkle tree (range scans read the latest state only).
pub const POINT_QUERY_PATHS: &[&str] = &[
    "/weave.bank.v1.Query/Params",
    "/weave.bank.v1.Query/Balance",
    "/cosmos.bank.v1beta1.Query/Balance",
    "/cosmos.bank.v1beta1.Query/SupplyOf",
    "/cosmos.bank.v1beta1.Query/Params",
    "/cosmos.bank.v1beta1.Query/DenomMetadata",
    "/cosmos.auth.v1beta1.Query/Account",
];

/// The metadata of the chain's one native denomination, as wallets display it:
/// 1 weave = 10^6 uweave.
pub fn native_denom_metadata() -> cbank::Metadata {
    cbank::Metadata {
        description: "The native token of Weave: fees, stake, prices and payments.".into(),
        denom_units: vec![
            cbank::DenomUnit {
                denom: weave_kernel::DENOM.into(),
                exponent: 0,
                aliases: vec!["microweave".into()],
            },
            cbank::DenomUnit {
                denom: "weave".into(),
                exponent: 6,
                aliases: Vec::new(),
            },
        ],
        base: weave_kernel::DENOM.into(),
        display: "weave".into(),
        name: "Weave".into(),
        symbol: "WEAVE".into(),
        uri: String::new(),
        uri_hash: String::new(),
    }
}

/// Balances per page: 100 when the request names no limit, at most 200.
const BALANCE_PAGES: PageLimits = PageLimits {
    default: 100,
    max: 200,
};

fn address(s: &str) -> Result<Address, TxError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{e}")).into())
}

fn denom(d: &str) -> Result<(), TxError> {
    validate_denom(d).map_err(|e| KernelError::InvalidCoins(e.to_string()).into())
}

fn wcoin(c: &Coin) -> wbase::Coin {
    wbase::Coin {
        denom: c.denom.clone(),
        amount: c.amount.to_string(),
    }
}

fn ccoin(c: &Coin) -> base::v1beta1::Coin {
    base::v1beta1::Coin {
        denom: c.denom.clone(),
        amount: c.amount.to_string(),
    }
}

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let s = &mut StateView(state);
    match path {
        "/weave.bank.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            let p = keeper::params(s)?;
            Ok(pb::QueryParamsResponse {
                params: Some((&p).into()),
            }
            .encode_to_vec())
        }
        "/weave.bank.v1.Query/Balance" => {
            let r: pb::QueryBalanceRequest = decode(path, request)?;
            let a = address(&r.address)?;
            denom(&r.denom)?;
            let amount = keeper::balance(s, &a, &r.denom)?;
            Ok(pb::QueryBalanceResponse {
                balance: Some(wcoin(&Coin {
                    denom: r.denom,
                    amount,
                })),
            }
            .encode_to_vec())
        }
        "/weave.bank.v1.Query/TotalSupply" => {
            let _: pb::QueryTotalSupplyRequest = decode(path, request)?;
            let supply = keeper::supplies(s)?;
            Ok(pb::QueryTotalSupplyResponse {
                supply: supply.iter().map(wcoin).collect(),
            }
            .encode_to_vec())
        }
        "/weave.bank.v1.Query/ModuleAccount" => {
            let r: pb::QueryModuleAccountRequest = decode(path, request)?;
            if r.name.is_empty() || r.name.len() > 64 {
                return Err(KernelError::InvalidRequest(
                    "module account name must be 1 to 64 bytes".into(),
                )
                .into());
            }
            Ok(pb::QueryModuleAccountResponse {
                address: Address::module(&r.name).to_string(),
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/Balance" => {
            let r: cbank::QueryBalanceRequest = decode(path, request)?;
            let a = address(&r.address)?;
            denom(&r.denom)?;
            let amount = keeper::balance(s, &a, &r.denom)?;
            Ok(cbank::QueryBalanceResponse {
                balance: Some(ccoin(&Coin {
                    denom: r.denom,
                    amount,
                })),
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/AllBalances" => {
            let r: cbank::QueryAllBalancesRequest = decode(path, request)?;
            let a = address(&r.address)?;
            let (from, limit) = match &r.pagination {
                Some(p) => (
                    String::from_utf8_lossy(&p.key).into_owned(),
                    BALANCE_PAGES.limit(u32::try_from(p.limit).unwrap_or(u32::MAX)),
                ),
                None => (String::new(), BALANCE_PAGES.default),
            };
            // One more than the page tells whether a next page exists.
            let mut coins = keeper::balances(s, &a, &from, limit + 1)?;
            let next_key = if coins.len() > limit {
                coins
                    .pop()
                    .map(|c| c.denom.into_bytes())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            Ok(cbank::QueryAllBalancesResponse {
                balances: coins.iter().map(ccoin).collect(),
                pagination: Some(base::query::v1beta1::PageResponse { next_key, total: 0 }),
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/TotalSupply" => {
            let _: cbank::QueryTotalSupplyRequest = decode(path, request)?;
            let supply = keeper::supplies(s)?;
            Ok(cbank::QueryTotalSupplyResponse {
                supply: supply.iter().map(ccoin).collect(),
                pagination: None,
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/SupplyOf" => {
            let r: cbank::QuerySupplyOfRequest = decode(path, request)?;
            denom(&r.denom)?;
            let amount = keeper::supply(s, &r.denom)?;
            Ok(cbank::QuerySupplyOfResponse {
                amount: Some(ccoin(&Coin {
                    denom: r.denom,
                    amount,
                })),
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/Params" => {
            let _: cbank::QueryParamsRequest = decode(path, request)?;
            let p = keeper::params(s)?;
            Ok(cbank::QueryParamsResponse {
                params: Some(cbank::Params {
                    default_send_enabled: p.send_enabled,
                    ..Default::default()
                }),
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/DenomMetadata" => {
            let r: cbank::QueryDenomMetadataRequest = decode(path, request)?;
            if r.denom != weave_kernel::DENOM {
                // The wording CosmJS and the SDK's clients look for.
                return Err(KernelError::NotFound(format!(
                    "rpc error: code = NotFound desc = client metadata for denom {}",
                    r.denom
                ))
                .into());
            }
            Ok(cbank::QueryDenomMetadataResponse {
                metadata: Some(native_denom_metadata()),
            }
            .encode_to_vec())
        }
        "/cosmos.auth.v1beta1.Query/Account" => {
            let r: auth::QueryAccountRequest = decode(path, request)?;
            let a = address(&r.address)?;
            // CosmJS's `getAccount` answers `null` for an error saying
            // `rpc error: code = NotFound`, as the Cosmos SDK words it.
            let account = keeper::account(s, &a)?.ok_or_else(|| {
                KernelError::NotFound(format!(
                    "rpc error: code = NotFound desc = account {a} not found"
                ))
            })?;
            Ok(auth::QueryAccountResponse {
                account: Some(weave_kernel::Any {
                    type_url: "/cosmos.auth.v1beta1.BaseAccount".into(),
                    value: encode_account(&account).encode_to_vec(),
                }),
            }
            .encode_to_vec())
        }
        other => Err(unknown_query(other)),
    }
}
