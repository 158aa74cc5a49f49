//! Typed state access, one view for metered and unmetered reads alike.
//!
//! A keeper reads through [`Store`], which both the metered [`Ctx`] (block execution)
//! and the unmetered [`StateView`] of a snapshot (queries, vote-extension checks)
//! implement, so a module writes each of its decoders once. Typed reads turn bytes
//! that do not decode into the module's own corrupt-state error, named by its
//! [`ModuleError`] implementation, so every module keeps its error codes.

use prost::Message;
use serde::de::DeserializeOwned;

use crate::{prefix_end, Address, Ctx, Entries, StateRead, TxError};

/// The errors every module defines for the kernel's shared paths: stored bytes that do
/// not decode, and a params update not signed by the gov authority. Each module
/// implements it on its error enum, keeping its own codes.
pub trait ModuleError {
    /// The module's error for the value at `key` that does not decode.
    fn corrupt_state(key: &[u8]) -> TxError;
    /// The module's error for a `MsgUpdateParams` signed by `got` instead of the gov
    /// authority `expected`.
    fn invalid_authority(got: &Address, expected: &Address) -> TxError;
    /// The module's error for a genesis section that is invalid.
    fn invalid_genesis(reason: String) -> TxError;
}

/// Implements [`ModuleError`] for a module's error enum that has the variants
/// `CorruptState(String)` (the key, as text), `InvalidAuthority { got, expected }`
/// (bech32 strings) and `InvalidGenesis(String)`, and converts into [`TxError`].
#[macro_export]
macro_rules! impl_module_error {
    ($error:ty) => {
        impl $crate::ModuleError for $error {
            fn corrupt_state(key: &[u8]) -> $crate::TxError {
                Self::CorruptState(String::from_utf8_lossy(key).into_owned()).into()
            }
            fn invalid_authority(
                got: &$crate::Address,
                expected: &$crate::Address,
            ) -> $crate::TxError {
                Self::InvalidAuthority {
                    got: got.to_string(),
                    expected: expected.to_string(),
                }
                .into()
            }
            fn invalid_genesis(reason: String) -> $crate::TxError {
                Self::InvalidGenesis(reason).into()
            }
        }
    };
}

/// Read access to the verifiable key space: metered in a [`Ctx`], unmetered in a
/// [`StateView`]. The typed reads are provided.
pub trait Store {
    /// The value at `key`.
    fn read(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError>;

    /// Up to `limit` entries with `start <= key < end` (no end: to the end), in order.
    fn scan(&mut self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<Entries, TxError>;

    /// Up to `limit` entries under `prefix`, in key order.
    fn scan_prefix(&mut self, prefix: &[u8], limit: usize) -> Result<Entries, TxError> {
        self.scan(prefix, prefix_end(prefix).as_deref(), limit)
    }

    /// The protobuf value at `key`; bytes that do not decode are `E`'s corrupt state.
    fn get_proto<E: ModuleError, M: Message + Default>(
        &mut self,
        key: &[u8],
    ) -> Result<Option<M>, TxError> {
        self.read(key)?
            .map(|b| decode_proto::<E, M>(key, &b))
            .transpose()
    }

    /// The JSON value at `key`; bytes that do not parse are `E`'s corrupt state.
    fn get_json<E: ModuleError, T: DeserializeOwned>(
        &mut self,
        key: &[u8],
    ) -> Result<Option<T>, TxError> {
        self.read(key)?
            .map(|b| serde_json::from_slice(&b).map_err(|_| E::corrupt_state(key)))
            .transpose()
    }

    /// The 8-byte big-endian number at `key`.
    fn get_u64<E: ModuleError>(&mut self, key: &[u8]) -> Result<Option<u64>, TxError> {
        self.read(key)?
            .map(|b| {
                b.as_slice()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| E::corrupt_state(key))
            })
            .transpose()
    }

    /// The 16-byte big-endian number at `key`.
    fn get_u128<E: ModuleError>(&mut self, key: &[u8]) -> Result<Option<u128>, TxError> {
        self.read(key)?
            .map(|b| {
                b.as_slice()
                    .try_into()
                    .map(u128::from_be_bytes)
                    .map_err(|_| E::corrupt_state(key))
            })
            .transpose()
    }
}

/// Decodes the protobuf value of an entry read at `key` (from a scan, say); bytes that
/// do not decode are `E`'s corrupt state.
pub fn decode_proto<E: ModuleError, M: Message + Default>(
    key: &[u8],
    bytes: &[u8],
) -> Result<M, TxError> {
    M::decode(bytes).map_err(|_| E::corrupt_state(key))
}

impl Store for Ctx<'_> {
    fn read(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        self.get(key)
    }
    fn scan(&mut self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<Entries, TxError> {
        self.range(start, end, limit)
    }
}

impl Ctx<'_> {
    /// Writes a protobuf value at a verifiable key, charging gas.
    pub fn put_proto<M: Message>(&mut self, key: Vec<u8>, value: &M) -> Result<(), TxError> {
        self.put(key, value.encode_to_vec())
    }
}

/// An unmetered view of a state snapshot, for queries and checks outside a block.
#[derive(Clone, Copy)]
pub struct StateView<'a>(pub &'a dyn StateRead);

impl std::fmt::Debug for StateView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateView")
    }
}

impl Store for StateView<'_> {
    fn read(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        Ok(self.0.get(key)?)
    }
    fn scan(&mut self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<Entries, TxError> {
        Ok(self.0.range(start, end, limit)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockInfo, GasMeter, Overlay};

    struct TestError;
    impl ModuleError for TestError {
        fn corrupt_state(key: &[u8]) -> TxError {
            TxError::new("test", 9, String::from_utf8_lossy(key))
        }
        fn invalid_authority(got: &Address, _: &Address) -> TxError {
            TxError::new("test", 8, got.to_string())
        }
        fn invalid_genesis(reason: String) -> TxError {
            TxError::new("test", 7, reason)
        }
    }

    #[test]
    fn metered_and_unmetered_reads_decode_alike() {
        let block = BlockInfo::default();
        let mut state = Overlay::empty();
        let mut gas = GasMeter::infinite();
        let mut events = Vec::new();
        let value = prost_types::Duration {
            seconds: 7,
            nanos: 0,
        };
        {
            let mut ctx = Ctx::new(&block, &mut state, &mut gas, &mut events);
            ctx.put_proto(b"t/d".to_vec(), &value).unwrap();
            ctx.put(b"t/n".to_vec(), 5u64.to_be_bytes().to_vec())
                .unwrap();
            ctx.put(b"t/bad".to_vec(), vec![0xff, 0xff]).unwrap();
            let got: Option<prost_types::Duration> = ctx.get_proto::<TestError, _>(b"t/d").unwrap();
            assert_eq!(got, Some(value));
        }
        assert!(gas.used() > 0);
        let mut view = StateView(&state);
        let got: Option<prost_types::Duration> = view.get_proto::<TestError, _>(b"t/d").unwrap();
        assert_eq!(got, Some(value));
        assert_eq!(view.get_u64::<TestError>(b"t/n").unwrap(), Some(5));
        assert_eq!(view.get_u64::<TestError>(b"t/none").unwrap(), None);
        let e = view
            .get_proto::<TestError, prost_types::Duration>(b"t/bad")
            .unwrap_err();
        assert_eq!((e.codespace, e.code), ("test", 9));
        let e = view.get_u64::<TestError>(b"t/bad").unwrap_err();
        assert_eq!(e.log, "t/bad");
        assert_eq!(view.scan_prefix(b"t/", 10).unwrap().len(), 3);
    }
}
