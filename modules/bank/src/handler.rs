//! One function per message: check against state, then execute.

use weave_kernel::{expected::Bank, Ctx, TxError};

use crate::{BankError, BankMsg, Keeper};

pub(crate) fn handle(keeper: &Keeper, ctx: &mut Ctx<'_>, msg: BankMsg) -> Result<(), TxError> {
    match msg {
        BankMsg::Send { from, to, amount } => {
            ensure_send_enabled(keeper, ctx)?;
            keeper.transfer(ctx, &from, &to, &amount)
        }
        BankMsg::MultiSend { input, outputs } => {
            ensure_send_enabled(keeper, ctx)?;
            keeper.multi_send(ctx, &input, &outputs)
        }
        BankMsg::UpdateParams { authority, params } => {
            weave_kernel::update_params(ctx, &authority, &params)
        }
    }
}

fn ensure_send_enabled(keeper: &Keeper, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    if keeper.params(ctx)?.send_enabled {
        Ok(())
    } else {
        Err(BankError::SendDisabled.into())
    }
}
