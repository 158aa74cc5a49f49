//! One function per message: check against state, then execute.

use weave_kernel::{update_params, Address, Ctx, TxError};

use crate::{event, Keeper, SplitsError, SplitsMsg, StoredSplit};

pub(crate) fn handle(keeper: &Keeper, ctx: &mut Ctx<'_>, msg: SplitsMsg) -> Result<(), TxError> {
    match msg {
        SplitsMsg::Create {
            creator,
            table,
            controller,
        } => keeper.create(ctx, creator, table, controller).map(|_| ()),
        SplitsMsg::Update {
            controller,
            split_id,
            table,
        } => {
            let mut split = controlled(keeper, ctx, split_id, &controller)?;
            split.table = table;
            split.version = split.version.saturating_add(1);
            keeper.set_split(ctx, &split)?;
            ctx.emit(event::updated(&split));
            Ok(())
        }
        SplitsMsg::ProposeController {
            controller,
            split_id,
            new_controller,
        } => {
            let mut split = controlled(keeper, ctx, split_id, &controller)?;
            split.pending_controller = new_controller;
            keeper.set_split(ctx, &split)?;
            ctx.emit(event::controller_proposed(&split));
            Ok(())
        }
        SplitsMsg::AcceptController {
            new_controller,
            split_id,
        } => {
            let mut split = keeper.require_split(ctx, split_id)?;
            if split.pending_controller != Some(new_controller) {
                return Err(SplitsError::NotPendingController {
                    split_id,
                    signer: new_controller.to_string(),
                }
                .into());
            }
            let previous = split.controller;
            split.controller = Some(new_controller);
            split.pending_controller = None;
            split.version = split.version.saturating_add(1);
            keeper.set_split(ctx, &split)?;
            ctx.emit(event::controller_accepted(&split, &previous));
            Ok(())
        }
        SplitsMsg::UpdateParams { authority, params } => update_params(ctx, &authority, &params),
    }
}

/// The table, if `signer` controls it.
fn controlled(
    keeper: &Keeper,
    ctx: &mut Ctx<'_>,
    split_id: u64,
    signer: &Address,
) -> Result<StoredSplit, TxError> {
    let split = keeper.require_split(ctx, split_id)?;
    match split.controller {
        None => Err(SplitsError::Immutable(split_id).into()),
        Some(c) if c != *signer => Err(SplitsError::NotController {
            split_id,
            signer: signer.to_string(),
        }
        .into()),
        Some(_) => Ok(split),
    }
}
