//! The bank module's name (its key prefix and error codespace) and the names
//! and constants other crates and its own files share.

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "bank";

/// The module account that collects transaction fees.
pub const FEE_COLLECTOR: &str = "fee_collector";

/// The module account of the community pool.
pub const COMMUNITY_POOL: &str = weave_kernel::COMMUNITY_POOL_NAME;
