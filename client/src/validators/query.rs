//! Typed queries of the validators module (`weave.validators.v1.Query`): validators,
//! the validator set, delegations, unbondings, redelegations, pending rewards,
//! signing info, parameters and totals. Nothing prints.

use anyhow::{anyhow, Context};
use serde::Serialize;
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::{
    base::v1::PageRequest,
    validators::v1::{self as pb, query_client::QueryClient},
};

use crate::{
    chain::status_error,
    page::{every_page, next_key, Page},
};

/// A gRPC client of the validators queries.
fn client(channel: &Channel) -> QueryClient<Channel> {
    QueryClient::new(channel.clone())
}

/// One validator, by operator.
pub async fn validator(channel: &Channel, operator: &Address) -> anyhow::Result<pb::Validator> {
    client(channel)
        .validator(pb::QueryValidatorRequest {
            operator: operator.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .validator
        .ok_or_else(|| anyhow!("the node returned no validator {operator}"))
}

/// One page of validators of one status, or (`Unspecified`) all.
pub async fn validators(
    channel: &Channel,
    status: pb::ValidatorStatus,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Validator>> {
    let r = client(channel)
        .validators(pb::QueryValidatorsRequest {
            status: status as i32,
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.validators, r.page))
}

/// The validator set the module gave CometBFT (empty: CometBFT's genesis validators
/// stand).
pub async fn validator_set(channel: &Channel) -> anyhow::Result<Vec<pb::ActiveValidator>> {
    Ok(client(channel)
        .validator_set(pb::QueryValidatorSetRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .validators)
}

/// Every delegation of a delegator, all pages.
pub async fn all_delegations(
    channel: &Channel,
    delegator: &Address,
) -> anyhow::Result<Vec<pb::DelegationResponse>> {
    every_page("delegations", |key| {
        let mut client = client(channel);
        let request = pb::QueryDelegatorDelegationsRequest {
            delegator: delegator.to_string(),
            page: Some(PageRequest { key, limit: 0 }),
        };
        async move {
            let r = client
                .delegator_delegations(request)
                .await
                .map_err(status_error)?
                .into_inner();
            Ok((r.delegations, next_key(r.page)))
        }
    })
    .await
}

/// Every unbonding entry of a delegator, all pages.
pub async fn all_unbondings(
    channel: &Channel,
    delegator: &Address,
) -> anyhow::Result<Vec<pb::UnbondingEntry>> {
    every_page("unbonding entries", |key| {
        let mut client = client(channel);
        let request = pb::QueryDelegatorUnbondingsRequest {
            delegator: delegator.to_string(),
            page: Some(PageRequest { key, limit: 0 }),
        };
        async move {
            let r = client
                .delegator_unbondings(request)
                .await
                .map_err(status_error)?
                .into_inner();
            Ok((r.entries, next_key(r.page)))
        }
    })
    .await
}

/// Every redelegation entry of a delegator, all pages.
pub async fn all_redelegations(
    channel: &Channel,
    delegator: &Address,
) -> anyhow::Result<Vec<pb::RedelegationEntry>> {
    every_page("redelegation entries", |key| {
        let mut client = client(channel);
        let request = pb::QueryDelegatorRedelegationsRequest {
            delegator: delegator.to_string(),
            page: Some(PageRequest { key, limit: 0 }),
        };
        async move {
            let r = client
                .delegator_redelegations(request)
                .await
                .map_err(status_error)?
                .into_inner();
            Ok((r.entries, next_key(r.page)))
        }
    })
    .await
}

/// The validators a delegator delegates to, from its delegations.
pub async fn delegated_validators(
    channel: &Channel,
    delegator: &Address,
) -> anyhow::Result<Vec<Address>> {
    all_delegations(channel, delegator)
        .await?
        .iter()
        .filter_map(|d| d.delegation.as_ref())
        .map(|d| {
            d.validator
                .parse::<Address>()
                .map_err(|e| anyhow!("the node returned validator {:?}: {e}", d.validator))
        })
        .collect()
}

/// Pending rewards from one validator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingRewards {
    /// The validator.
    pub validator: String,
    /// The delegation rewards pending, in uweave.
    pub rewards: String,
    /// The commission pending (to its operator), in uweave.
    pub commission: String,
}

/// The rewards pending to `delegator` from `validator` (or, for `None`, from every
/// validator it delegates to).
pub async fn rewards(
    channel: &Channel,
    delegator: &Address,
    validator: Option<&Address>,
) -> anyhow::Result<Vec<PendingRewards>> {
    let validators = match validator {
        Some(v) => vec![v.to_string()],
        None => all_delegations(channel, delegator)
            .await?
            .into_iter()
            .filter_map(|d| d.delegation.map(|d| d.validator))
            .collect(),
    };
    let mut all = Vec::with_capacity(validators.len());
    for validator in validators {
        let r = client(channel)
            .rewards(pb::QueryRewardsRequest {
                delegator: delegator.to_string(),
                validator: validator.clone(),
            })
            .await
            .map_err(status_error)?
            .into_inner();
        all.push(PendingRewards {
            validator,
            rewards: r.rewards,
            commission: r.commission,
        });
    }
    Ok(all)
}

/// The sum of pending rewards and of pending commission, in uweave.
pub fn reward_totals(all: &[PendingRewards]) -> anyhow::Result<(u128, u128)> {
    let sum = |f: fn(&PendingRewards) -> &str| -> anyhow::Result<u128> {
        all.iter().try_fold(0u128, |acc, r| {
            let v: u128 = f(r)
                .parse()
                .with_context(|| format!("the node returned the amount {:?}", f(r)))?;
            acc.checked_add(v)
                .ok_or_else(|| anyhow!("rewards overflow"))
        })
    };
    Ok((sum(|r| &r.rewards)?, sum(|r| &r.commission)?))
}

/// A validator's signing record: missed blocks, jail and tombstone.
pub async fn signing_info(
    channel: &Channel,
    operator: &Address,
) -> anyhow::Result<pb::QuerySigningInfoResponse> {
    Ok(client(channel)
        .signing_info(pb::QuerySigningInfoRequest {
            operator: operator.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner())
}

/// The validators module's parameters.
pub async fn params(channel: &Channel) -> anyhow::Result<pb::Params> {
    client(channel)
        .params(pb::QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no parameters"))
}

/// What the module minted, burned and left as dust in the community pool.
pub async fn totals(channel: &Channel) -> anyhow::Result<pb::Totals> {
    client(channel)
        .totals(pb::QueryTotalsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .totals
        .ok_or_else(|| anyhow!("the node returned no totals"))
}
