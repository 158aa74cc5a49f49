//! One function per message (check, then execute) and the per-block work, split by
//! topic: [`staking`] (validators and delegations), [`rewards`] (the lazy reward
//! accumulator), [`slashing`] (downtime and double signs), [`set`] (the active set
//! reported to CometBFT) and [`queue`] (maturing entries).

mod funds;
pub(crate) mod queue;
pub(crate) mod rewards;
pub(crate) mod set;
pub(crate) mod slashing;
pub(crate) mod staking;

use weave_kernel::{Ctx, TxError};

pub(crate) use funds::Deps;
pub use funds::{bonded_pool, distribution, fee_collector, not_bonded_pool};

use crate::ValidatorsMsg;

/// Dispatches a decoded message to its handler.
pub(crate) fn handle(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    msg: ValidatorsMsg,
) -> Result<(), TxError> {
    match msg {
        ValidatorsMsg::CreateValidator {
            operator,
            consensus_pubkey,
            self_bond,
            commission,
            description,
            min_self_delegation,
        } => staking::create_validator(
            deps,
            ctx,
            staking::NewValidator {
                operator,
                consensus_pubkey,
                self_bond,
                commission,
                description,
                min_self_delegation,
            },
        ),
        ValidatorsMsg::EditValidator {
            operator,
            description,
            commission_rate_bps,
            min_self_delegation,
        } => staking::edit_validator(
            deps,
            ctx,
            &operator,
            description,
            commission_rate_bps,
            min_self_delegation,
        ),
        ValidatorsMsg::Delegate {
            delegator,
            validator,
            amount,
        } => staking::delegate(deps, ctx, &delegator, &validator, amount),
        ValidatorsMsg::Undelegate {
            delegator,
            validator,
            amount,
        } => staking::undelegate(deps, ctx, &delegator, &validator, amount),
        ValidatorsMsg::Redelegate {
            delegator,
            src,
            dst,
            amount,
        } => staking::redelegate(deps, ctx, &delegator, &src, &dst, amount),
        ValidatorsMsg::Unjail { operator } => staking::unjail(deps, ctx, &operator),
        ValidatorsMsg::WithdrawRewards {
            delegator,
            validator,
        } => rewards::withdraw(deps, ctx, &delegator, &validator),
        ValidatorsMsg::UpdateParams { authority, params } => {
            weave_kernel::update_params(ctx, &authority, &params)
        }
    }
}
