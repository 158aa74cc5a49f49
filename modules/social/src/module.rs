//! The social module itself: its wiring and its `TypedModule` implementation, which
//! the application registers.

use std::sync::Arc;

use weave_kernel::{
    expected::{Bank, ContentDirectory},
    parse_genesis, Ctx, StateRead, StateView, Store, TxError, TypedModule,
};
use weave_proto::weave::social::v1 as pb;

use crate::{
    genesis::GenesisProfile, handler, keeper::Keeper, msg, query, state_key, GenesisState,
    SocialError, SocialMsg, MODULE_NAME,
};

/// The social module.
#[derive(Clone)]
pub struct SocialModule {
    bank: Arc<dyn Bank>,
    content: Arc<dyn ContentDirectory>,
}

impl std::fmt::Debug for SocialModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocialModule").finish_non_exhaustive()
    }
}

impl SocialModule {
    /// A social module that charges comment fees through `bank` and looks contents
    /// up in `content`.
    pub fn new(bank: Arc<dyn Bank>, content: Arc<dyn ContentDirectory>) -> Self {
        Self { bank, content }
    }

    /// The module's state as a genesis section: its params and every profile.
    pub fn export_genesis(state: &dyn StateRead) -> Result<GenesisState, TxError> {
        let mut s = StateView(state);
        let params = Keeper.params(&mut s)?;
        let mut profiles = Vec::new();
        for (key, value) in s.scan_prefix(&state_key::profiles(), usize::MAX)? {
            let p: pb::Profile = weave_kernel::decode_proto::<SocialError, _>(&key, &value)?;
            profiles.push(GenesisProfile {
                address: p
                    .address
                    .parse()
                    .map_err(|_| SocialError::CorruptState(String::from_utf8_lossy(&key).into()))?,
                handle: p.handle,
                display_name: p.display_name,
                bio: p.bio,
                avatar_content_id: p.avatar_content_id,
                links: p.links,
            });
        }
        Ok(GenesisState { params, profiles })
    }
}

impl TypedModule for SocialModule {
    type Msg = SocialMsg;
    type Genesis = GenesisState;

    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        msg::MESSAGE_TYPES
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[msg::MSG_UPDATE_PARAMS]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        let state: GenesisState = parse_genesis::<SocialError, _>(genesis)?;
        state
            .validate()
            .map_err(|e| SocialError::InvalidGenesis(e.to_string()))?;
        let k = Keeper;
        k.set_params(ctx, &state.params)?;
        let height = ctx.block.height;
        for p in state.profiles {
            let handle = crate::fold_handle(&p.handle)?;
            k.set_handle(
                ctx,
                &handle,
                &pb::HandleRecord {
                    owner: p.address.to_string(),
                    released_height: 0,
                },
            )?;
            k.set_profile(
                ctx,
                &p.address,
                &pb::Profile {
                    address: p.address.to_string(),
                    handle,
                    display_name: p.display_name,
                    bio: p.bio,
                    avatar_content_id: p.avatar_content_id,
                    links: p.links,
                    created_height: height,
                    updated_height: height,
                },
            )?;
        }
        Ok(())
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: SocialMsg) -> Result<(), TxError> {
        let deps = handler::Deps {
            keeper: Keeper,
            bank: self.bank.as_ref(),
            content: self.content.as_ref(),
        };
        handler::handle(&deps, ctx, msg)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        query::PATHS
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        query::query(state, path, request)
    }
}
