//! Rust types and gRPC services generated from Weave's `.proto` files.
//!
//! Each module's package `weave.<module>.v1` becomes `weave::<module>::v1` here.
//! [`FILE_DESCRIPTOR_SET`] feeds gRPC server reflection.
#![allow(missing_docs, unreachable_pub, clippy::all)]

/// Generated code, one module per proto package.
pub mod weave {
    /// Shared wire types.
    pub mod base {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.base.v1.rs"));
        }
    }
    /// The auth module (ante parameters).
    pub mod auth {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.auth.v1.rs"));
        }
    }
    /// The bank module.
    pub mod bank {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.bank.v1.rs"));
        }
    }
    /// The splits module.
    pub mod splits {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.splits.v1.rs"));
        }
    }
    /// The content module.
    pub mod content {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.content.v1.rs"));
        }
    }
    /// The node-local sidecar control API.
    pub mod sidecar {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.sidecar.v1.rs"));
        }
    }
    /// The channels module.
    pub mod channels {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.channels.v1.rs"));
        }
    }
    /// The validators module.
    pub mod validators {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.validators.v1.rs"));
        }
    }
    /// The gov module.
    pub mod gov {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.gov.v1.rs"));
        }
    }
    /// The seeders module.
    pub mod seeders {
        /// Version 1.
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/weave.seeders.v1.rs"));
        }
    }
}

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
