//! The protobuf descriptors of everything `weaved` serves: Weave's own files
//! (`weave-proto`) and the Cosmos SDK services (`cosmos.tx.v1beta1.Service`, the
//! `cosmos.auth`/`cosmos.bank` queries, `cosmos.base.tendermint.v1beta1.Service`),
//! whose descriptors `build.rs` takes from the published Go module `cosmossdk.io/api`.
//! gRPC reflection lists them, and the REST gateway reads its routes and JSON
//! mapping from them.

use std::sync::OnceLock;

use prost_reflect::DescriptorPool;

/// The Cosmos SDK files of the services served, and every file they import, as an
/// encoded `FileDescriptorSet`.
pub(crate) const COSMOS_FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/cosmos_descriptor.bin"));

/// The Cosmos SDK services `weaved` serves over gRPC (and REST).
pub(crate) const COSMOS_SERVICES: [&str; 4] = [
    "cosmos.tx.v1beta1.Service",
    "cosmos.auth.v1beta1.Query",
    "cosmos.bank.v1beta1.Query",
    "cosmos.base.tendermint.v1beta1.Service",
];

/// Weave's and the Cosmos SDK's descriptors in one pool. Files both sets carry (the
/// well-known types) are taken once.
pub(crate) fn pool() -> Result<&'static DescriptorPool, String> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool = DescriptorPool::decode(COSMOS_FILE_DESCRIPTOR_SET)
            .map_err(|e| format!("the Cosmos SDK descriptors: {e}"))?;
        pool.decode_file_descriptor_set(weave_proto::FILE_DESCRIPTOR_SET)
            .map_err(|e| format!("Weave's descriptors: {e}"))?;
        Ok(pool)
    })
    .as_ref()
    .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_holds_every_service_served() {
        let pool = pool().expect("pool");
        for name in COSMOS_SERVICES {
            let service = pool.get_service_by_name(name).expect(name);
            assert!(service.methods().len() > 3, "{name}");
        }
        for name in ["weave.bank.v1.Query", "weave.content.v1.Query"] {
            assert!(pool.get_service_by_name(name).is_some(), "{name}");
        }
        // What REST renders inside an `Any` must be known: the keys and messages.
        for name in [
            "cosmos.auth.v1beta1.BaseAccount",
            "cosmos.crypto.secp256k1.PubKey",
            "cosmos.crypto.ed25519.PubKey",
            "cosmos.bank.v1beta1.MsgSend",
            "cosmos.tx.v1beta1.Tx",
            "weave.bank.v1.MsgSend",
        ] {
            assert!(pool.get_message_by_name(name).is_some(), "{name}");
        }
    }
}
