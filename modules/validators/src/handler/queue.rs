//! Maturing entries at the end of a block: unbondings pay their balance, redelegation
//! entries are dropped, and validators that left the active set become unbonded. The
//! three queues are keyed by completion time and together mature at most
//! `max_matured_per_block` entries; the rest wait for later blocks.

use weave_kernel::{Ctx, ModuleError, TxError};

use super::funds::{move_tokens, not_bonded_pool, Deps};
use crate::{event, keeper, record::BondStatus, state_key, ValidatorsError};

pub(crate) fn end_block(deps: &Deps<'_>, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let now = ctx.block.time_seconds;
    let next = now.saturating_add(1);
    let mut budget = params.max_matured_per_block as usize;

    let due = ctx.range(
        &state_key::unbonding_queue(),
        Some(&state_key::unbonding_queue_at(next)),
        budget,
    )?;
    budget -= due.len();
    for (key, _) in due {
        let id = state_key::parse_trailing_id(&key)
            .ok_or_else(|| ValidatorsError::corrupt_state(&key))?;
        let e = keeper::unbonding(ctx, id)?;
        keeper::delete_unbonding(ctx, &e)?;
        move_tokens(deps, ctx, &not_bonded_pool(), &e.delegator, e.balance)?;
        ctx.emit(event::unbonding_completed(
            &e.delegator,
            &e.validator,
            e.balance,
            e.id,
        ));
    }

    let due = ctx.range(
        &state_key::redelegation_queue(),
        Some(&state_key::redelegation_queue_at(next)),
        budget,
    )?;
    budget -= due.len();
    for (key, _) in due {
        let id = state_key::parse_trailing_id(&key)
            .ok_or_else(|| ValidatorsError::corrupt_state(&key))?;
        let e = keeper::redelegation(ctx, id)?;
        keeper::delete_redelegation(ctx, &e)?;
        ctx.emit(event::redelegation_completed(
            &e.delegator,
            &e.src,
            &e.dst,
            e.id,
        ));
    }

    let due = ctx.range(
        &state_key::validator_queue(),
        Some(&state_key::validator_queue_at(next)),
        budget,
    )?;
    for (key, _) in due {
        let op = state_key::parse_trailing_address(&key)
            .ok_or_else(|| ValidatorsError::corrupt_state(&key))?;
        ctx.delete(key)?;
        let Some(old) = keeper::validator(ctx, &op)? else {
            continue;
        };
        if old.status == BondStatus::Unbonding && old.unbonding_completion <= now {
            let mut v = old.clone();
            v.status = BondStatus::Unbonded;
            v.unbonding_completion = 0;
            keeper::set_validator(ctx, Some(&old), &v)?;
        }
    }
    Ok(())
}
