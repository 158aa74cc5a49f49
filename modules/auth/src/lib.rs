//! The `auth` module: the parameters of the ante checks (memo size, signature limit,
//! minimum gas price, gas limit per transaction, gas costs) and the gas price
//! arithmetic. Accounts themselves live in the bank module; the ante checks that read
//! these parameters run in the application.
//!
//! State: one key, `auth/params` (JSON). Messages: `MsgUpdateParams`, from the gov
//! authority only. Query: `/weave.auth.v1.Query/Params`. No per-block work.

mod gas_price;
mod msg;
mod params;

pub use gas_price::GasPrice;
pub use msg::AuthMsg;
pub use params::{AuthParams, ParamsCache};

use prost::Message;
use weave_kernel::{
    decode_request, parse_genesis, unknown_query, update_params_with, Address, Ctx, KernelError,
    ModuleError, StateRead, TxError, TypedModule,
};
use weave_proto::weave::auth::v1 as pb;

/// The module's name.
pub const MODULE_NAME: &str = "auth";

/// The most messages one transaction may carry (the application refuses more when it
/// decodes the transaction; clients split larger batches).
pub const MAX_TX_MESSAGES: usize = 64;
/// `MsgUpdateParams`' type URL.
pub const MSG_UPDATE_PARAMS: &str = "/weave.auth.v1.MsgUpdateParams";
/// The params query's path.
pub const QUERY_PARAMS: &str = "/weave.auth.v1.Query/Params";
/// The lowest `max_tx_gas` governance may set: room for the votes that could raise it
/// again.
pub const MIN_MAX_TX_GAS: u64 = 1_000_000;
/// The highest cost governance may give one metered operation.
pub const MAX_OP_COST: u64 = 1_000_000;

/// The type strings of the module's events.
pub mod event_types {
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.auth.v1.EventParamsUpdated";
}

/// The auth module's errors are the kernel's (`sdk` codespace): an update from anyone
/// but the gov authority is `sdk:4`, invalid params or genesis `sdk:18`.
#[derive(Debug, Clone, Copy)]
pub enum AuthError {}

impl ModuleError for AuthError {
    fn corrupt_state(key: &[u8]) -> TxError {
        KernelError::InvalidRequest(format!("corrupt {}", String::from_utf8_lossy(key))).into()
    }

    fn invalid_authority(got: &Address, expected: &Address) -> TxError {
        KernelError::Unauthorized(format!(
            "invalid authority {got}: only the gov module account {expected} may update params"
        ))
        .into()
    }

    fn invalid_genesis(reason: String) -> TxError {
        KernelError::InvalidRequest(format!("invalid auth genesis: {reason}")).into()
    }
}

/// The auth section of genesis.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenesisState {
    /// Ante parameters.
    #[serde(default)]
    pub params: AuthParams,
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, TxError> {
        let g: Self = parse_genesis::<AuthError, _>(section)?;
        g.params
            .validate()
            .map_err(|e| KernelError::InvalidRequest(format!("invalid auth params: {e}")))?;
        Ok(g)
    }
}

/// The auth module: genesis of its parameters, and their change by governance
/// (`MsgUpdateParams`, sdk:4 from anyone but the gov authority, sdk:18 for params that
/// fail validation).
#[derive(Debug, Default, Clone, Copy)]
pub struct AuthModule;

impl TypedModule for AuthModule {
    type Msg = AuthMsg;
    type Genesis = GenesisState;

    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        &[MSG_UPDATE_PARAMS]
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[MSG_UPDATE_PARAMS]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        let g = <GenesisState as weave_kernel::GenesisSection>::from_section(genesis)?;
        weave_kernel::ModuleParams::store(&g.params, ctx)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        &[QUERY_PARAMS]
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        if path != QUERY_PARAMS {
            return Err(unknown_query(path));
        }
        let _: pb::QueryParamsRequest = decode_request(path, request)?;
        Ok(pb::QueryParamsResponse {
            params: Some(AuthParams::load(state)?.to_proto()),
        }
        .encode_to_vec())
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: AuthMsg) -> Result<(), TxError> {
        let AuthMsg::UpdateParams { authority, params } = msg;
        // The authority is checked before the params, as it always was.
        update_params_with(ctx, &authority, |_| {
            AuthParams::from_proto(params.unwrap_or_default()).map_err(|e| {
                KernelError::InvalidRequest(format!("invalid auth params: {e}")).into()
            })
        })
    }
}
