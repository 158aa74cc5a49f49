//! Typed queries of the seeders module (`weave.seeders.v1.Query`): seeders, one seeder
//! by address or sidecar peer id, a seeder's reputation inputs in the epoch under
//! way, probe rounds and the parameters; and this node's evidence of bad slices (the
//! node's `weave.sidecar.v1.Sidecar/BadSlices`). Nothing prints.

use anyhow::anyhow;
use serde_json::{json, Value};
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::{
    base::v1::PageRequest,
    seeders::v1::{self as pb, query_client::QueryClient},
    sidecar::v1::BadSlicesRequest,
};

use crate::{chain::connect, chain::status_error, page::Page};

/// A gRPC client of the seeders queries.
fn client(channel: &Channel) -> QueryClient<Channel> {
    QueryClient::new(channel.clone())
}

/// One page of seeders in `order`; with `active_only`, bonded and unjailed ones only
/// (so a page may hold fewer than asked and still be followed by another).
pub async fn seeders(
    channel: &Channel,
    order: pb::SeedersOrder,
    active_only: bool,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Seeder>> {
    let r = client(channel)
        .seeders(pb::QuerySeedersRequest {
            page: Some(page),
            order: order as i32,
            active_only,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.seeders, r.page))
}

/// One seeder by address.
pub async fn seeder(channel: &Channel, address: &Address) -> anyhow::Result<pb::Seeder> {
    client(channel)
        .seeder(pb::QuerySeederRequest {
            address: address.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .seeder
        .ok_or_else(|| anyhow!("the node returned no seeder"))
}

/// One seeder by its sidecar's peer id (the id's bytes).
pub async fn seeder_by_peer(channel: &Channel, peer_id: Vec<u8>) -> anyhow::Result<pb::Seeder> {
    client(channel)
        .seeder_by_peer(pb::QuerySeederByPeerRequest { peer_id })
        .await
        .map_err(status_error)?
        .into_inner()
        .seeder
        .ok_or_else(|| anyhow!("the node returned no seeder"))
}

/// A seeder's reputation inputs in the epoch under way.
pub async fn epoch_inputs(
    channel: &Channel,
    seeder: &Address,
) -> anyhow::Result<pb::QueryEpochInputsResponse> {
    Ok(client(channel)
        .epoch_inputs(pb::QueryEpochInputsRequest {
            seeder: seeder.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner())
}

/// The probe round of `height` (0: the latest).
pub async fn probe_round(
    channel: &Channel,
    height: u64,
) -> anyhow::Result<pb::QueryProbeRoundResponse> {
    Ok(client(channel)
        .probe_round(pb::QueryProbeRoundRequest { height })
        .await
        .map_err(status_error)?
        .into_inner())
}

/// The seeders module's parameters.
pub async fn params(channel: &Channel) -> anyhow::Result<pb::Params> {
    client(channel)
        .params(pb::QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no seeders parameters"))
}

/// The node's evidence of bad slices, as the JSON records of an evidence file (see
/// [`super::evidence`]). `home` holds the sidecar API token.
pub async fn node_evidence(url: &str, home: &std::path::Path) -> anyhow::Result<Vec<Value>> {
    let list = crate::sidecar_auth::local_sidecar(connect(url).await?, home)
        .bad_slices(BadSlicesRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .bad_slices;
    Ok(list
        .into_iter()
        .map(|b| {
            json!({
                "seeder_peer_id": b.seeder_peer_id,
                "content_root": hex::encode(b.content_root),
                "slice_index": b.slice_index,
                "ciphertext_hash": hex::encode(b.ciphertext_hash),
                "proof": hex::encode(b.proof),
                "signature": hex::encode(b.signature),
            })
        })
        .collect())
}
