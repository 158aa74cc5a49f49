//! Rust types and gRPC services generated from Weave's `.proto` files.
//!
//! Each module's package `weave.<module>.v1` becomes `weave::<module>::v1` here.
//! [`FILE_DESCRIPTOR_SET`] feeds gRPC server reflection.
#![allow(missing_docs, unreachable_pub, clippy::all)]

// Generated code, one module per proto package (`weave.bank.v1` is `weave::bank::v1`):
// the build script lists every package under `weave/`, so a new module's protos need no
// line here.
include!(concat!(env!("OUT_DIR"), "/weave.rs"));

/// The encoded `FileDescriptorSet` of every Weave proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/weave_descriptor.bin"));

/// The `Any` type URL of a message: `/` followed by its full protobuf name.
pub fn type_url(full_name: &str) -> String {
    format!("/{full_name}")
}

/// Wraps a message into an `Any` with the given full protobuf name.
pub fn to_any<M: prost::Message>(full_name: &str, msg: &M) -> prost_types::Any {
    prost_types::Any {
        type_url: type_url(full_name),
        value: msg.encode_to_vec(),
    }
}
