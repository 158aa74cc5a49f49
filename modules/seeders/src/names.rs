//! The seeders module's name (its key prefix and error codespace) and the names
//! and constants other crates and its own files share.

use weave_kernel::Address;

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "seeders";

/// The name of the module account that holds every bond.
pub const BOND_ACCOUNT: &str = "seeders";

/// The module account that holds every bond.
pub fn bond_account() -> Address {
    Address::module(BOND_ACCOUNT)
}
