//! The social module's integration tests.
