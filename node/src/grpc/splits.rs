//! `weave.splits.v1.Query`: split tables, payout previews and parameters, answered by
//! the splits module through the application's ABCI `Query`.

use tonic::{Request, Response, Status};
use weave_proto::weave::splits::v1::{
    query_server::Query, QueryParamsRequest, QueryParamsResponse, QueryPreviewPayoutRequest,
    QueryPreviewPayoutResponse, QuerySplitRequest, QuerySplitResponse,
};

use super::Node;

/// `weave.splits.v1.Query`.
#[derive(Debug, Clone)]
pub(super) struct SplitsQuery {
    node: Node,
}

impl SplitsQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for SplitsQuery {
    async fn params(
        &self,
        request: Request<QueryParamsRequest>,
    ) -> Result<Response<QueryParamsResponse>, Status> {
        self.node
            .query("/weave.splits.v1.Query/Params", request)
            .await
    }

    async fn split(
        &self,
        request: Request<QuerySplitRequest>,
    ) -> Result<Response<QuerySplitResponse>, Status> {
        self.node
            .query("/weave.splits.v1.Query/Split", request)
            .await
    }

    async fn preview_payout(
        &self,
        request: Request<QueryPreviewPayoutRequest>,
    ) -> Result<Response<QueryPreviewPayoutResponse>, Status> {
        self.node
            .query("/weave.splits.v1.Query/PreviewPayout", request)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::test_support;

    #[tokio::test]
    async fn splits_queries_reach_the_module() {
        let (node, _dir) = test_support::node();
        let svc = SplitsQuery::new(node);
        assert!(svc
            .params(Request::new(QueryParamsRequest {}))
            .await
            .expect("params")
            .into_inner()
            .params
            .is_some());
        let err = svc
            .split(Request::new(QuerySplitRequest { split_id: 99 }))
            .await
            .expect_err("no such split");
        // A module's own codes keep their codespace and code in the message.
        assert!(err.message().starts_with("splits:8: "), "{err:?}");
        let err = svc
            .preview_payout(Request::new(QueryPreviewPayoutRequest {
                split_id: 1,
                amount: "lots".into(),
            }))
            .await
            .expect_err("bad amount");
        assert_ne!(err.code(), tonic::Code::Ok);
    }
}
