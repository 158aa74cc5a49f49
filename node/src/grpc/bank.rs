//! `cosmos.bank.v1beta1.Query` (the parts wallets use) and `weave.bank.v1.Query`,
//! both answered by the bank module through the application's ABCI `Query`.

use cosmos_sdk_proto::cosmos::bank::v1beta1::{
    query_server::Query, QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest,
    QueryBalanceResponse, QueryDenomMetadataByQueryStringRequest,
    QueryDenomMetadataByQueryStringResponse, QueryDenomMetadataRequest, QueryDenomMetadataResponse,
    QueryDenomOwnersByQueryRequest, QueryDenomOwnersByQueryResponse, QueryDenomOwnersRequest,
    QueryDenomOwnersResponse, QueryDenomsMetadataRequest, QueryDenomsMetadataResponse,
    QueryParamsRequest, QueryParamsResponse, QuerySendEnabledRequest, QuerySendEnabledResponse,
    QuerySpendableBalanceByDenomRequest, QuerySpendableBalanceByDenomResponse,
    QuerySpendableBalancesRequest, QuerySpendableBalancesResponse, QuerySupplyOfRequest,
    QuerySupplyOfResponse, QueryTotalSupplyRequest, QueryTotalSupplyResponse,
};
use tonic::{Request, Response, Status};

use super::common::{not_served, Node};

const BALANCE: &str = "/cosmos.bank.v1beta1.Query/Balance";
const ALL_BALANCES: &str = "/cosmos.bank.v1beta1.Query/AllBalances";
const TOTAL_SUPPLY: &str = "/cosmos.bank.v1beta1.Query/TotalSupply";
const SUPPLY_OF: &str = "/cosmos.bank.v1beta1.Query/SupplyOf";
const PARAMS: &str = "/cosmos.bank.v1beta1.Query/Params";
const DENOM_METADATA: &str = "/cosmos.bank.v1beta1.Query/DenomMetadata";

/// `cosmos.bank.v1beta1.Query`.
#[derive(Debug, Clone)]
pub(super) struct BankQuery {
    node: Node,
}

impl BankQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for BankQuery {
    async fn balance(
        &self,
        request: Request<QueryBalanceRequest>,
    ) -> Result<Response<QueryBalanceResponse>, Status> {
        self.node.query(BALANCE, request).await
    }

    async fn all_balances(
        &self,
        request: Request<QueryAllBalancesRequest>,
    ) -> Result<Response<QueryAllBalancesResponse>, Status> {
        self.node.query(ALL_BALANCES, request).await
    }

    async fn spendable_balances(
        &self,
        _: Request<QuerySpendableBalancesRequest>,
    ) -> Result<Response<QuerySpendableBalancesResponse>, Status> {
        Err(not_served(
            "cosmos.bank.v1beta1.Query/SpendableBalances (use AllBalances)",
        ))
    }

    async fn spendable_balance_by_denom(
        &self,
        _: Request<QuerySpendableBalanceByDenomRequest>,
    ) -> Result<Response<QuerySpendableBalanceByDenomResponse>, Status> {
        Err(not_served(
            "cosmos.bank.v1beta1.Query/SpendableBalanceByDenom (use Balance)",
        ))
    }

    async fn total_supply(
        &self,
        request: Request<QueryTotalSupplyRequest>,
    ) -> Result<Response<QueryTotalSupplyResponse>, Status> {
        self.node.query(TOTAL_SUPPLY, request).await
    }

    /// One denomination's supply; zero if none exists.
    async fn supply_of(
        &self,
        request: Request<QuerySupplyOfRequest>,
    ) -> Result<Response<QuerySupplyOfResponse>, Status> {
        self.node.query(SUPPLY_OF, request).await
    }

    async fn params(
        &self,
        request: Request<QueryParamsRequest>,
    ) -> Result<Response<QueryParamsResponse>, Status> {
        self.node.query(PARAMS, request).await
    }

    async fn denom_metadata(
        &self,
        request: Request<QueryDenomMetadataRequest>,
    ) -> Result<Response<QueryDenomMetadataResponse>, Status> {
        self.node.query(DENOM_METADATA, request).await
    }

    async fn denom_metadata_by_query_string(
        &self,
        _: Request<QueryDenomMetadataByQueryStringRequest>,
    ) -> Result<Response<QueryDenomMetadataByQueryStringResponse>, Status> {
        Err(not_served(
            "cosmos.bank.v1beta1.Query/DenomMetadataByQueryString",
        ))
    }

    async fn denoms_metadata(
        &self,
        _: Request<QueryDenomsMetadataRequest>,
    ) -> Result<Response<QueryDenomsMetadataResponse>, Status> {
        Err(not_served("cosmos.bank.v1beta1.Query/DenomsMetadata"))
    }

    async fn denom_owners(
        &self,
        _: Request<QueryDenomOwnersRequest>,
    ) -> Result<Response<QueryDenomOwnersResponse>, Status> {
        Err(not_served("cosmos.bank.v1beta1.Query/DenomOwners"))
    }

    async fn denom_owners_by_query(
        &self,
        _: Request<QueryDenomOwnersByQueryRequest>,
    ) -> Result<Response<QueryDenomOwnersByQueryResponse>, Status> {
        Err(not_served("cosmos.bank.v1beta1.Query/DenomOwnersByQuery"))
    }

    async fn send_enabled(
        &self,
        _: Request<QuerySendEnabledRequest>,
    ) -> Result<Response<QuerySendEnabledResponse>, Status> {
        Err(not_served("cosmos.bank.v1beta1.Query/SendEnabled"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::common::BLOCK_HEIGHT_HEADER;
    use crate::grpc::test_support::{self, FUNDED, FUNDS};

    #[tokio::test]
    async fn cosmos_bank_queries_answer_from_state() {
        let (node, _dir) = test_support::node();
        let svc = BankQuery::new(node);
        let res = svc
            .balance(Request::new(QueryBalanceRequest {
                address: FUNDED.to_string(),
                denom: "uweave".into(),
            }))
            .await
            .expect("balance");
        assert!(res.metadata().get(BLOCK_HEIGHT_HEADER).is_some());
        let coin = res.into_inner().balance.expect("coin");
        assert_eq!(
            (coin.denom.as_str(), coin.amount.clone()),
            ("uweave", FUNDS.to_string())
        );

        let all = svc
            .all_balances(Request::new(QueryAllBalancesRequest {
                address: FUNDED.to_string(),
                ..Default::default()
            }))
            .await
            .expect("all balances")
            .into_inner();
        assert_eq!(all.balances, vec![coin.clone()]);

        let supply = svc
            .supply_of(Request::new(QuerySupplyOfRequest {
                denom: "uweave".into(),
            }))
            .await
            .expect("supply of")
            .into_inner();
        assert_eq!(supply.amount, Some(coin));
        let none = svc
            .supply_of(Request::new(QuerySupplyOfRequest {
                denom: "uother".into(),
            }))
            .await
            .expect("supply of other")
            .into_inner();
        assert_eq!(none.amount.expect("zero").amount, "0");

        let err = svc
            .balance(Request::new(QueryBalanceRequest {
                address: "weave1notanaddress".into(),
                denom: "uweave".into(),
            }))
            .await
            .expect_err("bad address");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().starts_with("sdk:7: "), "{}", err.message());

        let params = svc
            .params(Request::new(QueryParamsRequest::default()))
            .await
            .expect("params")
            .into_inner();
        assert!(params.params.expect("params").default_send_enabled);
        let meta = svc
            .denom_metadata(Request::new(QueryDenomMetadataRequest {
                denom: "uweave".into(),
            }))
            .await
            .expect("denom metadata")
            .into_inner();
        assert_eq!(meta.metadata.expect("metadata").display, "weave");
        let err = svc
            .denom_metadata(Request::new(QueryDenomMetadataRequest {
                denom: "uother".into(),
            }))
            .await
            .expect_err("no metadata");
        assert_eq!(err.code(), tonic::Code::NotFound);
    }

    #[tokio::test]
    async fn a_past_height_is_refused_for_module_queries() {
        let (node, _dir) = test_support::node();
        let svc = BankQuery::new(node);
        let mut req = Request::new(QueryTotalSupplyRequest::default());
        req.metadata_mut().insert(
            BLOCK_HEIGHT_HEADER,
            tonic::metadata::MetadataValue::from(99i64),
        );
        let err = svc
            .total_supply(req)
            .await
            .expect_err("not the latest height");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }
}
