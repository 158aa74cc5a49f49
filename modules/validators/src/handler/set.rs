//! The active set: the top `max_validators` candidates (not jailed, with at least one
//! unit of power) by tokens, read from the power index. It is recomputed only when
//! something marked it dirty, and CometBFT is told only what changed: new or changed
//! powers, and power 0 for validators that left.
//!
//! Validators that enter the set become bonded (their tokens move to the bonded pool);
//! validators that leave start unbonding (their tokens move to the not-bonded pool)
//! and become unbonded after the unbonding time. The work is bounded by the set size.

use std::collections::BTreeMap;

use weave_kernel::{Address, Ctx, ModuleError, Store, TxError, ValidatorUpdate};

use super::funds::{bonded_pool, later, move_tokens, not_bonded_pool, Deps};
use crate::{
    event,
    keeper::{self, ActiveMember},
    record::{BondStatus, ValidatorRecord},
    state_key, ValidatorsError,
};

pub(crate) fn validator_updates(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Vec<ValidatorUpdate>, TxError> {
    if !keeper::is_dirty(ctx)? {
        return Ok(Vec::new());
    }
    let params = keeper::params(ctx)?;
    let candidates = ctx.scan_prefix(&state_key::power_index(), params.max_validators as usize)?;
    let mut next: BTreeMap<Address, ValidatorRecord> = BTreeMap::new();
    for (key, _) in candidates {
        let op =
            state_key::parse_power_key(&key).ok_or_else(|| ValidatorsError::corrupt_state(&key))?;
        let v = keeper::must_validator(ctx, &op)?;
        // The index is in descending token order: the first without power ends it.
        if v.power() <= 0 {
            break;
        }
        next.insert(op, v);
    }
    let last = keeper::last_set(ctx)?;
    keeper::clear_dirty(ctx)?;
    if next.is_empty() {
        // CometBFT halts on an empty set; keep the last one until a candidate exists.
        return Ok(Vec::new());
    }

    let mut updates = Vec::new();
    let now = ctx.block.time_seconds;
    for (op, old) in &next {
        let power = old.power();
        if last.get(op).map(|m| m.power) != Some(power) {
            let member = ActiveMember {
                pubkey: old.consensus_pubkey,
                power,
            };
            keeper::set_last_set_member(ctx, op, &member)?;
            updates.push(ValidatorUpdate {
                pub_key_ed25519: old.consensus_pubkey,
                power,
            });
            ctx.emit(event::power_change(op, power));
        }
        if old.status != BondStatus::Bonded {
            let mut v = old.clone();
            move_tokens(deps, ctx, &not_bonded_pool(), &bonded_pool(), v.tokens)?;
            if v.status == BondStatus::Unbonding {
                ctx.delete(state_key::validator_queue_entry(v.unbonding_completion, op))?;
            }
            v.status = BondStatus::Bonded;
            v.unbonding_completion = 0;
            keeper::set_validator(ctx, Some(old), &v)?;
        }
    }
    for (op, member) in &last {
        if next.contains_key(op) {
            continue;
        }
        keeper::delete_last_set_member(ctx, op)?;
        updates.push(ValidatorUpdate {
            pub_key_ed25519: member.pubkey,
            power: 0,
        });
        ctx.emit(event::power_change(op, 0));
        let Some(old) = keeper::validator(ctx, op)? else {
            continue;
        };
        if old.status == BondStatus::Bonded {
            let mut v = old.clone();
            move_tokens(deps, ctx, &bonded_pool(), &not_bonded_pool(), v.tokens)?;
            v.status = BondStatus::Unbonding;
            v.unbonding_completion = later(now, params.unbonding_time_seconds)?;
            ctx.put(
                state_key::validator_queue_entry(v.unbonding_completion, op),
                Vec::new(),
            )?;
            keeper::set_validator(ctx, Some(&old), &v)?;
        }
    }
    Ok(updates)
}
