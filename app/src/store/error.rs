//! [`StoreError`]: how the store fails. A leaf of the `store` module: the store, its
//! encoding, its tree view and its flat view all return it.

use weave_kernel::StateError;

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB failed.
    #[error("rocksdb: {0}")]
    Db(#[from] rocksdb::Error),
    /// The Jellyfish Merkle Tree failed, for example on a missing node.
    #[error("jellyfish merkle tree: {0:#}")]
    Tree(anyhow::Error),
    /// The version is older than the oldest version the store keeps.
    #[error("version {version} has been pruned; the earliest available version is {earliest}")]
    VersionPruned {
        /// The version asked for.
        version: u64,
        /// The oldest version still readable.
        earliest: u64,
    },
    /// The version has not been committed.
    #[error("version {version} has not been committed (latest committed: {latest:?})")]
    VersionNotFound {
        /// The version asked for.
        version: u64,
        /// The last committed version, if any.
        latest: Option<u64>,
    },
    /// [`Storage::prepare`](super::Storage::prepare) was given a version that does not
    /// follow the latest one.
    #[error("cannot prepare version {version}: the next version is {expected}")]
    UnexpectedVersion {
        /// The version given.
        version: u64,
        /// The only version that may be prepared now.
        expected: u64,
    },
    /// The latest version is `u64::MAX`; no version can follow it.
    #[error("no version can follow version {latest}")]
    VersionsExhausted {
        /// The last committed version.
        latest: u64,
    },
    /// [`Storage::commit`](super::Storage::commit) was given a
    /// [`PreparedCommit`](super::PreparedCommit) built on a state that is no longer the
    /// latest (another version was committed in between).
    #[error(
        "the prepared commit of version {version} was built on version {parent:?}, \
         but the latest committed version is {latest:?}"
    )]
    StalePrepared {
        /// The version of the prepared commit.
        version: u64,
        /// The latest version when it was prepared.
        parent: Option<u64>,
        /// The latest version now.
        latest: Option<u64>,
    },
    /// Verifiable keys must not be empty (ICS23 non-existence proofs need non-empty keys).
    #[error("verifiable keys must not be empty")]
    EmptyKey,
    /// A column family that the store creates is missing.
    #[error("missing column family {0}")]
    MissingColumnFamily(&'static str),
    /// [`Storage::restore`](super::Storage::restore) needs an empty store.
    #[error("cannot restore a snapshot into a store that holds version {latest}")]
    NotEmpty {
        /// The latest version the store holds.
        latest: u64,
    },
    /// A restored state's root is not the app hash it had to match; nothing was written.
    #[error("restored state root {got} does not match the trusted app hash {expected}")]
    RootMismatch {
        /// The trusted app hash (hex).
        expected: String,
        /// The root the restored entries give (hex).
        got: String,
    },
    /// Stored bytes could not be decoded, or the store's metadata is inconsistent.
    #[error("corrupt store: {0}")]
    Corrupt(String),
}

impl From<StoreError> for StateError {
    fn from(err: StoreError) -> Self {
        StateError(err.to_string())
    }
}
