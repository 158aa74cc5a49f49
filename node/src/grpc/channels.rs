//! `weave.channels.v1.Query`: payment channels, their lanes, seeders' earnings and the
//! parameters, answered by the channels module through the application's ABCI `Query`.

use tonic::{Request, Response, Status};
use weave_proto::weave::channels::v1::{
    query_server::Query, QueryChannelRequest, QueryChannelResponse, QueryLaneRequest,
    QueryLaneResponse, QueryLanesRequest, QueryLanesResponse, QueryParamsRequest,
    QueryParamsResponse, QuerySeederEarningsRequest, QuerySeederEarningsResponse,
};

use super::Node;

/// `weave.channels.v1.Query`.
#[derive(Debug, Clone)]
pub(super) struct ChannelsQuery {
    node: Node,
}

impl ChannelsQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for ChannelsQuery {
    async fn params(
        &self,
        request: Request<QueryParamsRequest>,
    ) -> Result<Response<QueryParamsResponse>, Status> {
        self.node
            .query("/weave.channels.v1.Query/Params", request)
            .await
    }

    async fn channel(
        &self,
        request: Request<QueryChannelRequest>,
    ) -> Result<Response<QueryChannelResponse>, Status> {
        self.node
            .query("/weave.channels.v1.Query/Channel", request)
            .await
    }

    async fn lanes(
        &self,
        request: Request<QueryLanesRequest>,
    ) -> Result<Response<QueryLanesResponse>, Status> {
        self.node
            .query("/weave.channels.v1.Query/Lanes", request)
            .await
    }

    async fn lane(
        &self,
        request: Request<QueryLaneRequest>,
    ) -> Result<Response<QueryLaneResponse>, Status> {
        self.node
            .query("/weave.channels.v1.Query/Lane", request)
            .await
    }

    async fn seeder_earnings(
        &self,
        request: Request<QuerySeederEarningsRequest>,
    ) -> Result<Response<QuerySeederEarningsResponse>, Status> {
        self.node
            .query("/weave.channels.v1.Query/SeederEarnings", request)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::test_support;

    #[tokio::test]
    async fn channels_queries_reach_the_module() {
        let (node, _dir) = test_support::node();
        let svc = ChannelsQuery::new(node);
        let params = svc
            .params(Request::new(QueryParamsRequest {}))
            .await
            .expect("params")
            .into_inner()
            .params
            .expect("params set");
        assert_eq!(params.seeder_share_bps, 7_000);
        // A module's own codes keep their codespace and code in the message.
        let err = svc
            .channel(Request::new(QueryChannelRequest { channel_id: 99 }))
            .await
            .expect_err("no such channel");
        assert!(err.message().starts_with("channels:6: "), "{err:?}");
        let err = svc
            .lanes(Request::new(QueryLanesRequest {
                channel_id: 99,
                page: None,
            }))
            .await
            .expect_err("no such channel");
        assert!(err.message().starts_with("channels:6: "), "{err:?}");
        let err = svc
            .lane(Request::new(QueryLaneRequest {
                channel_id: 1,
                seeder: test_support::FUNDED.to_string(),
                content_root: vec![1, 2, 3],
            }))
            .await
            .expect_err("short root");
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
        let earnings = svc
            .seeder_earnings(Request::new(QuerySeederEarningsRequest {
                seeder: test_support::FUNDED.to_string(),
            }))
            .await
            .expect("earnings of a seeder that never claimed")
            .into_inner()
            .earnings
            .expect("earnings");
        assert_eq!(
            (earnings.earned.as_str(), earnings.verified_bytes),
            ("0", 0)
        );
    }
}
