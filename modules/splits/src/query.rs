//! The splits module's queries (`weave.splits.v1.Query`), answered by gRPC method path
//! for both ABCI `Query` and the gRPC server.

use prost::Message;
use weave_kernel::{
    decode_request as decode, parse_amount, unknown_query, StateRead, StateView, TxError,
};
use weave_proto::weave::splits::v1 as pb;

use crate::{distribute, keeper, SplitsError};

pub(crate) const PATHS: &[&str] = &[
    "/weave.splits.v1.Query/Params",
    "/weave.splits.v1.Query/Split",
    "/weave.splits.v1.Query/PreviewPayout",
];

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let s = &mut StateView(state);
    match path {
        "/weave.splits.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            Ok(pb::QueryParamsResponse {
                params: Some((&keeper::params(s)?).into()),
            }
            .encode_to_vec())
        }
        "/weave.splits.v1.Query/Split" => {
            let r: pb::QuerySplitRequest = decode(path, request)?;
            let split = keeper::split(s, r.split_id)?.ok_or(SplitsError::NotFound(r.split_id))?;
            Ok(pb::QuerySplitResponse {
                split: Some(keeper::encode_split(&split)),
            }
            .encode_to_vec())
        }
        "/weave.splits.v1.Query/PreviewPayout" => {
            let r: pb::QueryPreviewPayoutRequest = decode(path, request)?;
            let amount = parse_amount(&r.amount)
                .map_err(|e| SplitsError::InvalidAmount(format!("{:?}: {e}", r.amount)))?;
            let split = keeper::split(s, r.split_id)?.ok_or(SplitsError::NotFound(r.split_id))?;
            let fee = keeper::params(s)?.protocol_fee_bps;
            let p = distribute(amount, &split.table, fee);
            Ok(pb::QueryPreviewPayoutResponse {
                payout: Some(pb::Payout {
                    amount: amount.to_string(),
                    protocol_fee: p.protocol_fee.to_string(),
                    shares: p
                        .shares
                        .iter()
                        .map(|(a, s)| pb::Share {
                            address: a.to_string(),
                            amount: s.to_string(),
                        })
                        .collect(),
                }),
            }
            .encode_to_vec())
        }
        other => Err(unknown_query(other)),
    }
}
