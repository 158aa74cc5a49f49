//! The one error type of the search index.

/// What can go wrong while indexing or searching. None of these ever reaches the chain:
/// the node logs them and tries again later.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search library failed (I/O under the index, a corrupt segment).
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory or the feed state could not be read or written.
    #[error("search index files: {0}")]
    Io(#[from] std::io::Error),
    /// The feed state file is not what this version wrote.
    #[error("search feed state: {0}")]
    State(#[from] serde_json::Error),
    /// A source of blocks or contents (the node's CometBFT RPC, its application) failed.
    #[error("reading {what}: {reason}")]
    Source {
        /// What was being read, e.g. `block_results at height 12`.
        what: String,
        /// Why it failed.
        reason: String,
    },
}
