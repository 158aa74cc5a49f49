//! The validators module's queries (`weave.validators.v1.Query`), answered by gRPC
//! method path for both ABCI `Query` and the gRPC server. Listings are paginated by
//! state key and bounded.

use prost::Message;
use weave_kernel::{
    decode_request as decode, query_address as address, unknown_query, KernelError, ModuleError,
    PageLimits, StateRead, StateView, TxError,
};
use weave_proto::weave::validators::v1 as pb;

use crate::{
    handler::rewards::pending,
    keeper,
    record::{DelegationRecord, ValidatorRecord},
    state_key, ValidatorsError,
};

pub(crate) const PATHS: &[&str] = &[
    "/weave.validators.v1.Query/Params",
    "/weave.validators.v1.Query/Validators",
    "/weave.validators.v1.Query/Validator",
    "/weave.validators.v1.Query/ValidatorSet",
    "/weave.validators.v1.Query/DelegatorDelegations",
    "/weave.validators.v1.Query/Delegation",
    "/weave.validators.v1.Query/DelegatorUnbondings",
    "/weave.validators.v1.Query/DelegatorRedelegations",
    "/weave.validators.v1.Query/Rewards",
    "/weave.validators.v1.Query/SigningInfo",
    "/weave.validators.v1.Query/Totals",
];

fn delegation_response(v: &ValidatorRecord, d: &DelegationRecord) -> pb::DelegationResponse {
    pb::DelegationResponse {
        delegation: Some(d.to_wire()),
        tokens: v.tokens_of(d.shares).to_string(),
    }
}

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let r = &mut StateView(state);
    match path {
        "/weave.validators.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            Ok(pb::QueryParamsResponse {
                params: Some((&keeper::params(r)?).into()),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/Validators" => {
            let q: pb::QueryValidatorsRequest = decode(path, request)?;
            let (entries, page) = weave_kernel::page(
                r,
                &state_key::validators(),
                q.page.as_ref(),
                PageLimits::STANDARD,
            )?;
            let mut validators = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let v = keeper::decode_validator(&k, &v)?.to_wire();
                if q.status == pb::ValidatorStatus::Unspecified as i32 || q.status == v.status {
                    validators.push(v);
                }
            }
            Ok(pb::QueryValidatorsResponse {
                validators,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/Validator" => {
            let q: pb::QueryValidatorRequest = decode(path, request)?;
            let op = address(&q.operator, "operator")?;
            let v = keeper::must_validator(r, &op)?;
            Ok(pb::QueryValidatorResponse {
                validator: Some(v.to_wire()),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/ValidatorSet" => {
            let _: pb::QueryValidatorSetRequest = decode(path, request)?;
            let validators = keeper::last_set(r)?
                .into_iter()
                .map(|(op, m)| pb::ActiveValidator {
                    operator: op.to_string(),
                    consensus_pubkey: m.pubkey.to_vec(),
                    power: m.power,
                })
                .collect();
            Ok(pb::QueryValidatorSetResponse { validators }.encode_to_vec())
        }
        "/weave.validators.v1.Query/DelegatorDelegations" => {
            let q: pb::QueryDelegatorDelegationsRequest = decode(path, request)?;
            let del = address(&q.delegator, "delegator")?;
            let (entries, page) = weave_kernel::page(
                r,
                &state_key::delegations_of(&del),
                q.page.as_ref(),
                PageLimits::STANDARD,
            )?;
            let mut delegations = Vec::with_capacity(entries.len());
            for (k, b) in entries {
                let d = keeper::decode_delegation(&k, &b)?;
                let v = keeper::must_validator(r, &d.validator)?;
                delegations.push(delegation_response(&v, &d));
            }
            Ok(pb::QueryDelegatorDelegationsResponse {
                delegations,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/Delegation" => {
            let q: pb::QueryDelegationRequest = decode(path, request)?;
            let del = address(&q.delegator, "delegator")?;
            let val = address(&q.validator, "validator")?;
            let d = keeper::delegation(r, &del, &val)?
                .ok_or_else(|| KernelError::NotFound(format!("no delegation of {del} to {val}")))?;
            let v = keeper::must_validator(r, &val)?;
            Ok(pb::QueryDelegationResponse {
                delegation: Some(delegation_response(&v, &d)),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/DelegatorUnbondings" => {
            let q: pb::QueryDelegatorUnbondingsRequest = decode(path, request)?;
            let del = address(&q.delegator, "delegator")?;
            let (entries, page) = weave_kernel::page(
                r,
                &state_key::unbondings_of(&del),
                q.page.as_ref(),
                PageLimits::STANDARD,
            )?;
            let mut out = Vec::with_capacity(entries.len());
            for (k, _) in entries {
                let id = state_key::parse_trailing_id(&k)
                    .ok_or_else(|| ValidatorsError::corrupt_state(&k))?;
                out.push(keeper::unbonding(r, id)?.to_wire());
            }
            Ok(pb::QueryDelegatorUnbondingsResponse {
                entries: out,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/DelegatorRedelegations" => {
            let q: pb::QueryDelegatorRedelegationsRequest = decode(path, request)?;
            let del = address(&q.delegator, "delegator")?;
            let (entries, page) = weave_kernel::page(
                r,
                &state_key::redelegations_of(&del),
                q.page.as_ref(),
                PageLimits::STANDARD,
            )?;
            let mut out = Vec::with_capacity(entries.len());
            for (k, _) in entries {
                let id = state_key::parse_trailing_id(&k)
                    .ok_or_else(|| ValidatorsError::corrupt_state(&k))?;
                out.push(keeper::redelegation(r, id)?.to_wire());
            }
            Ok(pb::QueryDelegatorRedelegationsResponse {
                entries: out,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/Rewards" => {
            let q: pb::QueryRewardsRequest = decode(path, request)?;
            let del = address(&q.delegator, "delegator")?;
            let val = address(&q.validator, "validator")?;
            let v = keeper::must_validator(r, &val)?;
            let rw = keeper::rewards(r, &val)?;
            let rewards = keeper::delegation(r, &del, &val)?.map_or(0, |d| {
                pending(d.shares, rw.reward_per_share, d.reward_index).min(rw.outstanding)
            });
            let commission = if v.operator == del { rw.commission } else { 0 };
            Ok(pb::QueryRewardsResponse {
                rewards: rewards.to_string(),
                commission: commission.to_string(),
                validator_outstanding: rw.outstanding.to_string(),
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/SigningInfo" => {
            let q: pb::QuerySigningInfoRequest = decode(path, request)?;
            let op = address(&q.operator, "operator")?;
            let v = keeper::must_validator(r, &op)?;
            let params = keeper::params(r)?;
            let info = keeper::signing(r, &v.consensus_address)?.unwrap_or_default();
            Ok(pb::QuerySigningInfoResponse {
                info: Some(keeper::signing_to_wire(&v.consensus_address, &info)),
                signed_blocks_window: params.signed_blocks_window,
                max_missed_blocks: params.max_missed_blocks(),
                jailed: v.jailed,
                jailed_until_seconds: v.jailed_until,
                tombstoned: v.tombstoned,
            }
            .encode_to_vec())
        }
        "/weave.validators.v1.Query/Totals" => {
            let _: pb::QueryTotalsRequest = decode(path, request)?;
            Ok(pb::QueryTotalsResponse {
                totals: Some(keeper::totals_to_wire(&keeper::totals(r)?)),
            }
            .encode_to_vec())
        }
        other => Err(unknown_query(other)),
    }
}
