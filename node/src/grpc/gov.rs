//! `weave.gov.v1.Query`: the gov parameters, proposals with their votes, deposits and
//! tally, and the scheduled upgrade plan, answered by the gov module through the
//! application's ABCI `Query`.

use tonic::{Request, Response, Status};
use weave_proto::weave::gov::v1::{
    query_server::Query, QueryDepositRequest, QueryDepositResponse, QueryDepositsRequest,
    QueryDepositsResponse, QueryParamsRequest, QueryParamsResponse, QueryProposalRequest,
    QueryProposalResponse, QueryProposalsRequest, QueryProposalsResponse, QueryTallyRequest,
    QueryTallyResponse, QueryUpgradePlanRequest, QueryUpgradePlanResponse, QueryVoteRequest,
    QueryVoteResponse, QueryVotesRequest, QueryVotesResponse,
};

use super::Node;

/// `weave.gov.v1.Query`.
#[derive(Debug, Clone)]
pub(super) struct GovQuery {
    node: Node,
}

impl GovQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for GovQuery {
    async fn params(
        &self,
        request: Request<QueryParamsRequest>,
    ) -> Result<Response<QueryParamsResponse>, Status> {
        self.node.query("/weave.gov.v1.Query/Params", request).await
    }

    async fn proposal(
        &self,
        request: Request<QueryProposalRequest>,
    ) -> Result<Response<QueryProposalResponse>, Status> {
        self.node
            .query("/weave.gov.v1.Query/Proposal", request)
            .await
    }

    async fn vote(
        &self,
        request: Request<QueryVoteRequest>,
    ) -> Result<Response<QueryVoteResponse>, Status> {
        self.node.query("/weave.gov.v1.Query/Vote", request).await
    }

    async fn deposit(
        &self,
        request: Request<QueryDepositRequest>,
    ) -> Result<Response<QueryDepositResponse>, Status> {
        self.node
            .query("/weave.gov.v1.Query/Deposit", request)
            .await
    }

    async fn upgrade_plan(
        &self,
        request: Request<QueryUpgradePlanRequest>,
    ) -> Result<Response<QueryUpgradePlanResponse>, Status> {
        self.node
            .query("/weave.gov.v1.Query/UpgradePlan", request)
            .await
    }

    async fn proposals(
        &self,
        request: Request<QueryProposalsRequest>,
    ) -> Result<Response<QueryProposalsResponse>, Status> {
        self.node
            .query("/weave.gov.v1.Query/Proposals", request)
            .await
    }

    async fn votes(
        &self,
        request: Request<QueryVotesRequest>,
    ) -> Result<Response<QueryVotesResponse>, Status> {
        self.node.query("/weave.gov.v1.Query/Votes", request).await
    }

    async fn deposits(
        &self,
        request: Request<QueryDepositsRequest>,
    ) -> Result<Response<QueryDepositsResponse>, Status> {
        self.node
            .query("/weave.gov.v1.Query/Deposits", request)
            .await
    }

    async fn tally(
        &self,
        request: Request<QueryTallyRequest>,
    ) -> Result<Response<QueryTallyResponse>, Status> {
        self.node.query("/weave.gov.v1.Query/Tally", request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::test_support;

    #[tokio::test]
    async fn gov_queries_reach_the_module() {
        let (node, _dir) = test_support::node();
        let svc = GovQuery::new(node);
        let params = svc
            .params(Request::new(QueryParamsRequest {}))
            .await
            .expect("params")
            .into_inner()
            .params
            .expect("params set");
        // The module's defaults: no gov section in this genesis.
        assert_eq!(params.min_deposit, "10000000");
        assert!(params.voting_period > 0);
        let list = svc
            .proposals(Request::new(QueryProposalsRequest {
                status: 0,
                page: None,
            }))
            .await
            .expect("proposals")
            .into_inner();
        assert!(list.proposals.is_empty());
        let plan = svc
            .upgrade_plan(Request::new(QueryUpgradePlanRequest {}))
            .await
            .expect("upgrade plan")
            .into_inner();
        assert!(plan.plan.is_none());
        // Errors keep their codespace and code in the message.
        let err = svc
            .proposal(Request::new(QueryProposalRequest { proposal_id: 1 }))
            .await
            .expect_err("no such proposal");
        assert!(err.message().starts_with("sdk:"), "{err:?}");
        assert!(err.message().contains("proposal 1 not found"), "{err:?}");
        let err = svc
            .tally(Request::new(QueryTallyRequest { proposal_id: 9 }))
            .await
            .expect_err("no such proposal");
        assert!(err.message().contains("proposal 9 not found"), "{err:?}");
        let err = svc
            .vote(Request::new(QueryVoteRequest {
                proposal_id: 1,
                voter: "not an address".into(),
            }))
            .await
            .expect_err("bad address");
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    }
}
