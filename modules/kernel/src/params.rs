//! The one path of every module's `MsgUpdateParams`: only the gov authority may sign
//! it, the params were validated when the message was decoded, and the new params are
//! stored and announced with the module's event.

use crate::{gov_authority, Address, Ctx, Event, ModuleError, TxError};

/// A module's parameters, as governance changes them.
pub trait ModuleParams {
    /// The module's error type: it reports an update from anyone but the authority.
    type Error: ModuleError;

    /// Writes the params to the module's state.
    fn store(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError>;

    /// The event announcing the new params.
    fn updated_event(&self) -> Event;
}

/// Fails with `E`'s invalid-authority error unless `authority` is the gov authority.
pub fn require_gov_authority<E: ModuleError>(authority: &Address) -> Result<(), TxError> {
    let expected = gov_authority();
    if *authority == expected {
        Ok(())
    } else {
        Err(E::invalid_authority(authority, &expected))
    }
}

/// Applies a `MsgUpdateParams` whose params already passed validation: checks the
/// authority, stores the params and emits their event.
pub fn update_params<P: ModuleParams>(
    ctx: &mut Ctx<'_>,
    authority: &Address,
    params: &P,
) -> Result<(), TxError> {
    require_gov_authority::<P::Error>(authority)?;
    store_and_announce(ctx, params)
}

/// [`update_params`] for params that need more checking, against state or another
/// module, or building from the message: checks the authority first, then lets
/// `params` give the new params, then stores them and emits their event. Nothing of
/// the module's own runs before the authority is checked.
pub fn update_params_with<P: ModuleParams>(
    ctx: &mut Ctx<'_>,
    authority: &Address,
    params: impl FnOnce(&mut Ctx<'_>) -> Result<P, TxError>,
) -> Result<(), TxError> {
    require_gov_authority::<P::Error>(authority)?;
    let params = params(ctx)?;
    store_and_announce(ctx, &params)
}

fn store_and_announce<P: ModuleParams>(ctx: &mut Ctx<'_>, params: &P) -> Result<(), TxError> {
    params.store(ctx)?;
    ctx.emit(params.updated_event());
    Ok(())
}
