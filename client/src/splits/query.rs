//! Typed queries of the splits module (`weave.splits.v1.Query`).

use anyhow::{anyhow, Context};
use tonic::transport::Channel;
use weave_proto::weave::splits::v1::{self as pb, query_client::QueryClient};

use crate::chain::status_error;

/// The splits module's parameters.
pub async fn params(channel: Channel) -> anyhow::Result<pb::Params> {
    QueryClient::new(channel)
        .params(pb::QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no parameters"))
}

/// One split table.
pub async fn split(channel: Channel, split_id: u64) -> anyhow::Result<pb::SplitTable> {
    QueryClient::new(channel)
        .split(pb::QuerySplitRequest { split_id })
        .await
        .map_err(status_error)?
        .into_inner()
        .split
        .with_context(|| format!("the node returned no split {split_id}"))
}

/// What a payment of `amount` uweave through the table would pay each recipient.
pub async fn preview(channel: Channel, split_id: u64, amount: u128) -> anyhow::Result<pb::Payout> {
    QueryClient::new(channel)
        .preview_payout(pb::QueryPreviewPayoutRequest {
            split_id,
            amount: amount.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .payout
        .ok_or_else(|| anyhow!("the node returned no payout"))
}
