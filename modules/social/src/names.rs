//! The module's name: its key prefix and error codespace.

/// `social`
pub const MODULE_NAME: &str = "social";
