//! One function per message: check against state, then execute.

use weave_kernel::{expected::Bank, gov_authority, Ctx, TxError};

use crate::{event, BankError, BankMsg, Keeper};

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
            let gov = gov_authority();
            if authority != gov {
                return Err(BankError::InvalidAuthority {
                    got: authority.to_string(),
                    expected: gov.to_string(),
                }
                .into());
            }
            keeper.set_params(ctx, &params)?;
            ctx.emit(event::params_updated(&params));
            Ok(())
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
