//! The gov module's queries (`weave.gov.v1.Query`), by gRPC method path.

use prost::Message;
use weave_kernel::{Address, KernelError, StateRead, TxError};
use weave_proto::weave::gov::v1 as pb;

use crate::keeper::{self, View};

pub(crate) const PATHS: &[&str] = &[
    "/weave.gov.v1.Query/Params",
    "/weave.gov.v1.Query/Proposal",
    "/weave.gov.v1.Query/Vote",
    "/weave.gov.v1.Query/Deposit",
    "/weave.gov.v1.Query/UpgradePlan",
];

fn decode<M: Message + Default>(path: &str, request: &[u8]) -> Result<M, TxError> {
    M::decode(request).map_err(|e| KernelError::InvalidRequest(format!("{path}: {e}")).into())
}

fn address(s: &str, field: &str) -> Result<Address, TxError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")).into())
}

fn not_found(what: String) -> TxError {
    KernelError::InvalidRequest(format!("{what} not found")).into()
}

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let mut r = View(state);
    let bytes = match path {
        "/weave.gov.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            pb::QueryParamsResponse {
                params: Some(keeper::params(&mut r)?.to_proto()),
            }
            .encode_to_vec()
        }
        "/weave.gov.v1.Query/Proposal" => {
            let req: pb::QueryProposalRequest = decode(path, request)?;
            let p = keeper::proposal(&mut r, req.proposal_id)?
                .ok_or_else(|| not_found(format!("proposal {}", req.proposal_id)))?;
            pb::QueryProposalResponse { proposal: Some(p) }.encode_to_vec()
        }
        "/weave.gov.v1.Query/Vote" => {
            let req: pb::QueryVoteRequest = decode(path, request)?;
            let voter = address(&req.voter, "voter")?;
            let v = keeper::vote(&mut r, req.proposal_id, &voter)?
                .ok_or_else(|| not_found(format!("vote of {voter}")))?;
            pb::QueryVoteResponse { vote: Some(v) }.encode_to_vec()
        }
        "/weave.gov.v1.Query/Deposit" => {
            let req: pb::QueryDepositRequest = decode(path, request)?;
            let depositor = address(&req.depositor, "depositor")?;
            let amount = keeper::deposit(&mut r, req.proposal_id, &depositor)?
                .ok_or_else(|| not_found(format!("deposit of {depositor}")))?;
            pb::QueryDepositResponse {
                deposit: Some(pb::Deposit {
                    proposal_id: req.proposal_id,
                    depositor: depositor.to_string(),
                    amount: amount.to_string(),
                }),
            }
            .encode_to_vec()
        }
        "/weave.gov.v1.Query/UpgradePlan" => {
            let _: pb::QueryUpgradePlanRequest = decode(path, request)?;
            pb::QueryUpgradePlanResponse {
                plan: keeper::upgrade_plan(&mut r)?,
            }
            .encode_to_vec()
        }
        other => return Err(KernelError::UnknownMessage(other.to_string()).into()),
    };
    Ok(bytes)
}
