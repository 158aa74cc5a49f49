//! The gov module's queries (`weave.gov.v1.Query`), by gRPC method path.

use std::sync::Arc;

use prost::Message;
use weave_kernel::{
    prefix_end, Address, BlockInfo, Ctx, Entries, GasMeter, KernelError, Overlay, StateRead,
    TxError,
};
use weave_proto::weave::{base::v1 as base, gov::v1 as pb};

use crate::{
    handler,
    keeper::{self, View},
    state_key, Deps,
};

const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 20;

pub(crate) const PATHS: &[&str] = &[
    "/weave.gov.v1.Query/Params",
    "/weave.gov.v1.Query/Proposal",
    "/weave.gov.v1.Query/Vote",
    "/weave.gov.v1.Query/Deposit",
    "/weave.gov.v1.Query/UpgradePlan",
    "/weave.gov.v1.Query/Proposals",
    "/weave.gov.v1.Query/Votes",
    "/weave.gov.v1.Query/Deposits",
    "/weave.gov.v1.Query/Tally",
];

/// One page of the entries under `prefix` and the next page's key.
fn page(
    state: &dyn StateRead,
    prefix: &[u8],
    req: Option<base::PageRequest>,
) -> Result<(Entries, base::PageResponse), TxError> {
    let req = req.unwrap_or_default();
    let limit = match req.limit as usize {
        0 => DEFAULT_PAGE,
        n => n.min(MAX_PAGE),
    };
    let start = if req.key.is_empty() {
        prefix.to_vec()
    } else if req.key.starts_with(prefix) {
        req.key
    } else {
        return Err(
            KernelError::InvalidRequest("page key does not belong to this listing".into()).into(),
        );
    };
    let mut entries = state.range(&start, prefix_end(prefix).as_deref(), limit + 1)?;
    let next_key = if entries.len() > limit {
        entries.pop().map(|(k, _)| k).unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok((entries, base::PageResponse { next_key }))
}

fn corrupt(key: &[u8]) -> TxError {
    crate::GovError::CorruptState(String::from_utf8_lossy(key).into_owned()).into()
}

/// The tally query: counted now (in a throwaway overlay of the snapshot) while the
/// proposal votes, its recorded final tally otherwise.
pub(crate) fn tally(
    deps: &Deps,
    state: Arc<dyn StateRead>,
    request: &[u8],
) -> Result<Vec<u8>, TxError> {
    let path = "/weave.gov.v1.Query/Tally";
    let req: pb::QueryTallyRequest = decode(path, request)?;
    let p = keeper::proposal(&mut View(state.as_ref()), req.proposal_id)?
        .ok_or_else(|| not_found(format!("proposal {}", req.proposal_id)))?;
    if p.status != pb::ProposalStatus::VotingPeriod as i32 {
        return Ok(pb::QueryTallyResponse {
            tally: p.final_tally,
            total_bonded: String::new(),
            r#final: true,
        }
        .encode_to_vec());
    }
    let block = BlockInfo::default();
    let mut overlay = Overlay::new(state);
    let mut gas = GasMeter::infinite();
    let mut events = Vec::new();
    let mut ctx = Ctx::new(&block, &mut overlay, &mut gas, &mut events);
    let t = handler::tally_proposal(deps, &mut ctx, p.id)?;
    let total = deps.staking.total_bonded(&mut ctx)?;
    Ok(pb::QueryTallyResponse {
        tally: Some(t.to_proto()),
        total_bonded: total.to_string(),
        r#final: false,
    }
    .encode_to_vec())
}

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
        "/weave.gov.v1.Query/Proposals" => {
            let req: pb::QueryProposalsRequest = decode(path, request)?;
            let (entries, page) = page(state, &state_key::proposals_prefix(), req.page)?;
            let mut proposals = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let p = pb::Proposal::decode(v.as_slice()).map_err(|_| corrupt(&k))?;
                if req.status == pb::ProposalStatus::Unspecified as i32 || p.status == req.status {
                    proposals.push(p);
                }
            }
            pb::QueryProposalsResponse {
                proposals,
                page: Some(page),
            }
            .encode_to_vec()
        }
        "/weave.gov.v1.Query/Votes" => {
            let req: pb::QueryVotesRequest = decode(path, request)?;
            let (entries, page) = page(state, &state_key::votes_prefix(req.proposal_id), req.page)?;
            let votes = entries
                .into_iter()
                .map(|(k, v)| pb::Vote::decode(v.as_slice()).map_err(|_| corrupt(&k)))
                .collect::<Result<_, _>>()?;
            pb::QueryVotesResponse {
                votes,
                page: Some(page),
            }
            .encode_to_vec()
        }
        "/weave.gov.v1.Query/Deposits" => {
            let req: pb::QueryDepositsRequest = decode(path, request)?;
            let prefix = state_key::deposits_prefix(req.proposal_id);
            let (entries, page) = page(state, &prefix, req.page)?;
            let deposits = entries
                .into_iter()
                .map(|(k, v)| {
                    let depositor = hex::decode(&k[prefix.len()..])
                        .ok()
                        .and_then(|b| Address::from_slice(&b).ok())
                        .ok_or_else(|| corrupt(&k))?;
                    let amount = <[u8; 16]>::try_from(v.as_slice())
                        .map(u128::from_be_bytes)
                        .map_err(|_| corrupt(&k))?;
                    Ok(pb::Deposit {
                        proposal_id: req.proposal_id,
                        depositor: depositor.to_string(),
                        amount: amount.to_string(),
                    })
                })
                .collect::<Result<_, TxError>>()?;
            pb::QueryDepositsResponse {
                deposits,
                page: Some(page),
            }
            .encode_to_vec()
        }
        other => return Err(KernelError::UnknownMessage(other.to_string()).into()),
    };
    Ok(bytes)
}
