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
