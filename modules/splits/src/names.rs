//! The splits module's name (its key prefix and error codespace) and the names
//! and constants other crates and its own files share.

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "splits";
