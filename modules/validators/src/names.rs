//! The validators module's name (its key prefix and error codespace) and the names
//! and constants other crates and its own files share.

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "validators";

/// The module account of bonded validators' tokens.
pub const BONDED_POOL: &str = "bonded_pool";

/// The module account of unbonded validators' tokens and unbonding balances.
pub const NOT_BONDED_POOL: &str = "not_bonded_pool";

/// The module account of rewards and commission not yet withdrawn.
pub const DISTRIBUTION: &str = "distribution";

/// The module account transaction fees are collected into (the bank module's).
pub const FEE_COLLECTOR: &str = "fee_collector";

/// The scale of the cumulative reward per share.
pub const REWARD_SCALE: u128 = 1_000_000_000_000_000_000;
