//! `weave.content.v1.Query`: the content registry, access, subscriptions and sealed
//! keys, answered by the content module through the application's ABCI `Query`.

use tonic::{Request, Response, Status};
use weave_proto::weave::content::v1::{self as pb, query_server::Query};

use super::Node;

/// `weave.content.v1.Query`.
#[derive(Debug, Clone)]
pub(super) struct ContentQuery {
    node: Node,
}

impl ContentQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for ContentQuery {
    async fn params(
        &self,
        request: Request<pb::QueryParamsRequest>,
    ) -> Result<Response<pb::QueryParamsResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/Params", request)
            .await
    }

    async fn content(
        &self,
        request: Request<pb::QueryContentRequest>,
    ) -> Result<Response<pb::QueryContentResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/Content", request)
            .await
    }

    async fn content_by_root(
        &self,
        request: Request<pb::QueryContentByRootRequest>,
    ) -> Result<Response<pb::QueryContentResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/ContentByRoot", request)
            .await
    }

    async fn content_by_creator(
        &self,
        request: Request<pb::QueryContentByCreatorRequest>,
    ) -> Result<Response<pb::QueryContentListResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/ContentByCreator", request)
            .await
    }

    async fn content_by_tag(
        &self,
        request: Request<pb::QueryContentByTagRequest>,
    ) -> Result<Response<pb::QueryContentListResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/ContentByTag", request)
            .await
    }

    async fn feed(
        &self,
        request: Request<pb::QueryFeedRequest>,
    ) -> Result<Response<pb::QueryContentListResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/Feed", request)
            .await
    }

    async fn access(
        &self,
        request: Request<pb::QueryAccessRequest>,
    ) -> Result<Response<pb::QueryAccessResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/Access", request)
            .await
    }

    async fn price_history(
        &self,
        request: Request<pb::QueryPriceHistoryRequest>,
    ) -> Result<Response<pb::QueryPriceHistoryResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/PriceHistory", request)
            .await
    }

    async fn subscription_terms(
        &self,
        request: Request<pb::QuerySubscriptionTermsRequest>,
    ) -> Result<Response<pb::QuerySubscriptionTermsResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/SubscriptionTerms", request)
            .await
    }

    async fn subscription(
        &self,
        request: Request<pb::QuerySubscriptionRequest>,
    ) -> Result<Response<pb::QuerySubscriptionResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/Subscription", request)
            .await
    }

    async fn subscriptions_by_subscriber(
        &self,
        request: Request<pb::QuerySubscriptionsBySubscriberRequest>,
    ) -> Result<Response<pb::QuerySubscriptionsBySubscriberResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/SubscriptionsBySubscriber", request)
            .await
    }

    async fn buyer_key(
        &self,
        request: Request<pb::QueryBuyerKeyRequest>,
    ) -> Result<Response<pb::QueryBuyerKeyResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/BuyerKey", request)
            .await
    }

    async fn sealed_key(
        &self,
        request: Request<pb::QuerySealedKeyRequest>,
    ) -> Result<Response<pb::QuerySealedKeyResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/SealedKey", request)
            .await
    }

    async fn pending_keys(
        &self,
        request: Request<pb::QueryPendingKeysRequest>,
    ) -> Result<Response<pb::QueryPendingKeysResponse>, Status> {
        self.node
            .query("/weave.content.v1.Query/PendingKeys", request)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::{
        test_support::{self, FUNDED},
        BLOCK_HEIGHT_HEADER,
    };

    #[tokio::test]
    async fn content_queries_reach_the_module() {
        let (node, _dir) = test_support::node();
        let svc = ContentQuery::new(node);
        let res = svc
            .params(Request::new(pb::QueryParamsRequest {}))
            .await
            .expect("params");
        assert!(res.metadata().get(BLOCK_HEIGHT_HEADER).is_some());
        assert!(res.into_inner().params.is_some());

        let feed = svc
            .feed(Request::new(pb::QueryFeedRequest { page: None }))
            .await
            .expect("feed")
            .into_inner();
        assert!(feed.contents.is_empty());
        assert!(feed.page.expect("page").next_key.is_empty());

        let pending = svc
            .pending_keys(Request::new(pb::QueryPendingKeysRequest {
                creator: FUNDED.to_string(),
                page: None,
            }))
            .await
            .expect("pending keys")
            .into_inner();
        assert!(pending.pending.is_empty());

        let err = svc
            .sealed_key(Request::new(pb::QuerySealedKeyRequest {
                content_id: 1,
                holder: FUNDED.to_string(),
            }))
            .await
            .expect_err("nothing delivered");
        assert_eq!(err.code(), tonic::Code::NotFound, "{err:?}");

        let err = svc
            .content_by_root(Request::new(pb::QueryContentByRootRequest {
                root: vec![1, 2, 3],
            }))
            .await
            .expect_err("short root");
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    }
}
