//! `weave.seeders.v1.Query`: seeders (by address, by sidecar peer id, listed by
//! address or reputation), the current epoch's reputation inputs, probe rounds and the
//! parameters, answered by the seeders module through the application's ABCI `Query`.

use tonic::{Request, Response, Status};
use weave_proto::weave::seeders::v1::{
    query_server::Query, QueryEpochInputsRequest, QueryEpochInputsResponse, QueryParamsRequest,
    QueryParamsResponse, QueryProbeRoundRequest, QueryProbeRoundResponse, QuerySeederByPeerRequest,
    QuerySeederByPeerResponse, QuerySeederRequest, QuerySeederResponse, QuerySeedersRequest,
    QuerySeedersResponse,
};

use super::Node;

/// `weave.seeders.v1.Query`.
#[derive(Debug, Clone)]
pub(super) struct SeedersQuery {
    node: Node,
}

impl SeedersQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for SeedersQuery {
    async fn params(
        &self,
        request: Request<QueryParamsRequest>,
    ) -> Result<Response<QueryParamsResponse>, Status> {
        self.node
            .query("/weave.seeders.v1.Query/Params", request)
            .await
    }

    async fn seeder(
        &self,
        request: Request<QuerySeederRequest>,
    ) -> Result<Response<QuerySeederResponse>, Status> {
        self.node
            .query("/weave.seeders.v1.Query/Seeder", request)
            .await
    }

    async fn seeder_by_peer(
        &self,
        request: Request<QuerySeederByPeerRequest>,
    ) -> Result<Response<QuerySeederByPeerResponse>, Status> {
        self.node
            .query("/weave.seeders.v1.Query/SeederByPeer", request)
            .await
    }

    async fn seeders(
        &self,
        request: Request<QuerySeedersRequest>,
    ) -> Result<Response<QuerySeedersResponse>, Status> {
        self.node
            .query("/weave.seeders.v1.Query/Seeders", request)
            .await
    }

    async fn epoch_inputs(
        &self,
        request: Request<QueryEpochInputsRequest>,
    ) -> Result<Response<QueryEpochInputsResponse>, Status> {
        self.node
            .query("/weave.seeders.v1.Query/EpochInputs", request)
            .await
    }

    async fn probe_round(
        &self,
        request: Request<QueryProbeRoundRequest>,
    ) -> Result<Response<QueryProbeRoundResponse>, Status> {
        self.node
            .query("/weave.seeders.v1.Query/ProbeRound", request)
            .await
    }
}

#[cfg(test)]
mod tests {
    use weave_proto::weave::{base::v1::PageRequest, seeders::v1::SeedersOrder};

    use super::*;
    use crate::grpc::test_support;

    #[tokio::test]
    async fn seeders_queries_reach_the_module() {
        let (node, _dir) = test_support::node();
        let svc = SeedersQuery::new(node);
        let params = svc
            .params(Request::new(QueryParamsRequest {}))
            .await
            .expect("params")
            .into_inner()
            .params
            .expect("params set");
        // The module's defaults: no seeders section in this genesis.
        assert_eq!(params, weave_seeders::Params::default().to_proto());
        for order in [SeedersOrder::Address, SeedersOrder::Reputation] {
            let list = svc
                .seeders(Request::new(QuerySeedersRequest {
                    page: Some(PageRequest {
                        key: Vec::new(),
                        limit: 5,
                    }),
                    order: order as i32,
                    active_only: true,
                }))
                .await
                .expect("seeders")
                .into_inner();
            assert!(list.seeders.is_empty(), "{order:?}");
            assert!(list.page.unwrap_or_default().next_key.is_empty());
        }
        // An account that never seeded has empty inputs.
        let inputs = svc
            .epoch_inputs(Request::new(QueryEpochInputsRequest {
                seeder: test_support::FUNDED.to_string(),
            }))
            .await
            .expect("epoch inputs")
            .into_inner();
        assert_eq!(inputs.epoch_end_height % params.epoch_blocks, 0);
        assert!(inputs.epoch_end_height > 0);
        assert!(inputs.payers.is_empty());
        assert_eq!(inputs.tally.unwrap_or_default().probe_passes, 0);

        // Errors keep their codespace and code in the message.
        let err = svc
            .seeder(Request::new(QuerySeederRequest {
                address: test_support::FUNDED.to_string(),
            }))
            .await
            .expect_err("not a seeder");
        assert_eq!(err.code(), tonic::Code::NotFound, "{err:?}");
        assert!(err.message().starts_with("sdk:"), "{err:?}");
        let peer = weave_seeders::peer_id::ed25519_peer_id(
            &ed25519_consensus::SigningKey::from([5; 32])
                .verification_key()
                .to_bytes(),
        );
        let err = svc
            .seeder_by_peer(Request::new(QuerySeederByPeerRequest { peer_id: peer }))
            .await
            .expect_err("no seeder with this peer id");
        assert_eq!(err.code(), tonic::Code::NotFound, "{err:?}");
        let err = svc
            .probe_round(Request::new(QueryProbeRoundRequest { height: 0 }))
            .await
            .expect_err("no round yet");
        assert!(err.message().contains("probe round"), "{err:?}");
        let err = svc
            .seeders(Request::new(QuerySeedersRequest {
                page: None,
                order: 7,
                active_only: false,
            }))
            .await
            .expect_err("unknown order");
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
        let err = svc
            .seeder(Request::new(QuerySeederRequest {
                address: "not an address".into(),
            }))
            .await
            .expect_err("bad address");
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    }
}
