//! The gov module's queries (`weave.gov.v1.Query`), by gRPC method path.

use std::sync::Arc;

use prost::Message;
use weave_kernel::{
    decode_proto, decode_request as decode, page, query_address as address, unknown_query, Address,
    BlockInfo, Ctx, GasMeter, KernelError, ModuleError, Overlay, PageLimits, StateRead, StateView,
    TxError,
};
use weave_proto::weave::gov::v1 as pb;

use crate::{handler, keeper, state_key, Deps, GovError};

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

/// The tally query: counted now (in a throwaway overlay of the snapshot) while the
/// proposal votes, its recorded final tally otherwise.
pub(crate) fn tally(
    deps: &Deps,
    state: Arc<dyn StateRead>,
    request: &[u8],
) -> Result<Vec<u8>, TxError> {
    let path = "/weave.gov.v1.Query/Tally";
    let req: pb::QueryTallyRequest = decode(path, request)?;
    let p = keeper::proposal(&mut StateView(state.as_ref()), req.proposal_id)?
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

fn not_found(what: String) -> TxError {
    KernelError::InvalidRequest(format!("{what} not found")).into()
}

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let mut r = StateView(state);
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
            let (entries, page) = page(
                &mut r,
                &state_key::proposals_prefix(),
                req.page.as_ref(),
                PageLimits::STANDARD,
            )?;
            let mut proposals = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let p: pb::Proposal = decode_proto::<GovError, _>(&k, &v)?;
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
            let (entries, page) = page(
                &mut r,
                &state_key::votes_prefix(req.proposal_id),
                req.page.as_ref(),
                PageLimits::STANDARD,
            )?;
            let votes = entries
                .into_iter()
                .map(|(k, v)| decode_proto::<GovError, pb::Vote>(&k, &v))
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
            let (entries, page) = page(&mut r, &prefix, req.page.as_ref(), PageLimits::STANDARD)?;
            let deposits = entries
                .into_iter()
                .map(|(k, v)| {
                    let depositor = hex::decode(&k[prefix.len()..])
                        .ok()
                        .and_then(|b| Address::from_slice(&b).ok())
                        .ok_or_else(|| GovError::corrupt_state(&k))?;
                    let amount = <[u8; 16]>::try_from(v.as_slice())
                        .map(u128::from_be_bytes)
                        .map_err(|_| GovError::corrupt_state(&k))?;
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
        other => return Err(unknown_query(other)),
    };
    Ok(bytes)
}
