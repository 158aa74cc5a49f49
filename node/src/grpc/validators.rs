//! `weave.validators.v1.Query`: validators, the active set, delegations, unbonding and
//! redelegation entries, pending rewards, liveness and the parameters, answered by the
//! validators module through the application's ABCI `Query`.

use tonic::{Request, Response, Status};
use weave_proto::weave::validators::v1::{
    query_server::Query, QueryDelegationRequest, QueryDelegationResponse,
    QueryDelegatorDelegationsRequest, QueryDelegatorDelegationsResponse,
    QueryDelegatorRedelegationsRequest, QueryDelegatorRedelegationsResponse,
    QueryDelegatorUnbondingsRequest, QueryDelegatorUnbondingsResponse, QueryParamsRequest,
    QueryParamsResponse, QueryRewardsRequest, QueryRewardsResponse, QuerySigningInfoRequest,
    QuerySigningInfoResponse, QueryTotalsRequest, QueryTotalsResponse, QueryValidatorRequest,
    QueryValidatorResponse, QueryValidatorSetRequest, QueryValidatorSetResponse,
    QueryValidatorsRequest, QueryValidatorsResponse,
};

use super::Node;

/// `weave.validators.v1.Query`.
#[derive(Debug, Clone)]
pub(super) struct ValidatorsQuery {
    node: Node,
}

impl ValidatorsQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for ValidatorsQuery {
    async fn params(
        &self,
        request: Request<QueryParamsRequest>,
    ) -> Result<Response<QueryParamsResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/Params", request)
            .await
    }

    async fn validators(
        &self,
        request: Request<QueryValidatorsRequest>,
    ) -> Result<Response<QueryValidatorsResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/Validators", request)
            .await
    }

    async fn validator(
        &self,
        request: Request<QueryValidatorRequest>,
    ) -> Result<Response<QueryValidatorResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/Validator", request)
            .await
    }

    async fn validator_set(
        &self,
        request: Request<QueryValidatorSetRequest>,
    ) -> Result<Response<QueryValidatorSetResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/ValidatorSet", request)
            .await
    }

    async fn delegator_delegations(
        &self,
        request: Request<QueryDelegatorDelegationsRequest>,
    ) -> Result<Response<QueryDelegatorDelegationsResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/DelegatorDelegations", request)
            .await
    }

    async fn delegation(
        &self,
        request: Request<QueryDelegationRequest>,
    ) -> Result<Response<QueryDelegationResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/Delegation", request)
            .await
    }

    async fn delegator_unbondings(
        &self,
        request: Request<QueryDelegatorUnbondingsRequest>,
    ) -> Result<Response<QueryDelegatorUnbondingsResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/DelegatorUnbondings", request)
            .await
    }

    async fn delegator_redelegations(
        &self,
        request: Request<QueryDelegatorRedelegationsRequest>,
    ) -> Result<Response<QueryDelegatorRedelegationsResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/DelegatorRedelegations", request)
            .await
    }

    async fn rewards(
        &self,
        request: Request<QueryRewardsRequest>,
    ) -> Result<Response<QueryRewardsResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/Rewards", request)
            .await
    }

    async fn signing_info(
        &self,
        request: Request<QuerySigningInfoRequest>,
    ) -> Result<Response<QuerySigningInfoResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/SigningInfo", request)
            .await
    }

    async fn totals(
        &self,
        request: Request<QueryTotalsRequest>,
    ) -> Result<Response<QueryTotalsResponse>, Status> {
        self.node
            .query("/weave.validators.v1.Query/Totals", request)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::test_support;

    #[tokio::test]
    async fn validators_queries_reach_the_module() {
        let (node, _dir) = test_support::node();
        let svc = ValidatorsQuery::new(node);
        let params = svc
            .params(Request::new(QueryParamsRequest {}))
            .await
            .expect("params")
            .into_inner()
            .params
            .expect("params set");
        assert_eq!(params.max_validators, 100);
        assert_eq!(params.block_reward, "1000000");
        // No gentxs in this genesis: no validators, an empty set, no delegations.
        let list = svc
            .validators(Request::new(QueryValidatorsRequest {
                status: 0,
                page: None,
            }))
            .await
            .expect("validators")
            .into_inner();
        assert!(list.validators.is_empty());
        let set = svc
            .validator_set(Request::new(QueryValidatorSetRequest {}))
            .await
            .expect("set")
            .into_inner();
        assert!(set.validators.is_empty());
        let delegations = svc
            .delegator_delegations(Request::new(QueryDelegatorDelegationsRequest {
                delegator: test_support::FUNDED.to_string(),
                page: None,
            }))
            .await
            .expect("delegations")
            .into_inner();
        assert!(delegations.delegations.is_empty());
        let totals = svc
            .totals(Request::new(QueryTotalsRequest {}))
            .await
            .expect("totals")
            .into_inner()
            .totals
            .expect("totals set");
        assert_eq!(totals.minted, "0");
        // A module's own codes keep their codespace in the message.
        let err = svc
            .validator(Request::new(QueryValidatorRequest {
                operator: test_support::FUNDED.to_string(),
            }))
            .await
            .expect_err("no such validator");
        assert!(err.message().starts_with("validators:"), "{err:?}");
        let err = svc
            .signing_info(Request::new(QuerySigningInfoRequest {
                operator: "not an address".into(),
            }))
            .await
            .expect_err("bad address");
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    }
}
