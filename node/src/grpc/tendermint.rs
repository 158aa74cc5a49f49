//! `cosmos.base.tendermint.v1beta1.Service`: node info, sync status, blocks and
//! validator sets from CometBFT's RPC; raw ABCI queries from the application.

use cosmos_sdk_proto::cosmos::{
    base::{
        query::v1beta1::PageRequest,
        tendermint::v1beta1::{
            service_server::Service, AbciQueryRequest, AbciQueryResponse, Block as SdkBlock,
            GetBlockByHeightRequest, GetBlockByHeightResponse, GetLatestBlockRequest,
            GetLatestBlockResponse, GetLatestValidatorSetRequest, GetLatestValidatorSetResponse,
            GetNodeInfoRequest, GetNodeInfoResponse, GetSyncingRequest, GetSyncingResponse,
            GetValidatorSetByHeightRequest, GetValidatorSetByHeightResponse, Header as SdkHeader,
            ProofOp, ProofOps, Validator, VersionInfo,
        },
    },
    crypto::{ed25519, secp256k1},
};
use prost::Message;
use tendermint::block::Height;
use tendermint_proto::{
    google::protobuf::Any,
    v0_38::{
        abci::RequestQuery,
        p2p::{DefaultNodeInfo, DefaultNodeInfoOther, ProtocolVersion},
        types::{Block as RawBlock, BlockId as RawBlockId, Header as RawHeader},
    },
};
use tendermint_rpc::{endpoint::block, Client, Paging};
use tonic::{Request, Response, Status};

use super::{
    common::{paginate, Node},
    status::rpc_status,
};

/// The `Any` type URL of an ed25519 public key.
const ED25519_PUBKEY_TYPE: &str = "/cosmos.crypto.ed25519.PubKey";
/// The `Any` type URL of a secp256k1 public key.
const SECP256K1_PUBKEY_TYPE: &str = "/cosmos.crypto.secp256k1.PubKey";

/// A CometBFT block as the service returns it: its id, the block in CometBFT's types,
/// and the same block with the proposer as a bech32 consensus address.
pub(super) fn block_parts(res: block::Response) -> (RawBlockId, RawBlock, SdkBlock) {
    let block_id = RawBlockId::from(res.block_id);
    let block = RawBlock::from(res.block);
    let sdk_block = SdkBlock {
        header: block.header.as_ref().map(sdk_header),
        data: block.data.clone(),
        evidence: block.evidence.clone(),
        last_commit: block.last_commit.clone(),
    };
    (block_id, block, sdk_block)
}

fn sdk_header(h: &RawHeader) -> SdkHeader {
    SdkHeader {
        version: h.version,
        chain_id: h.chain_id.clone(),
        height: h.height,
        time: h.time,
        last_block_id: h.last_block_id.clone(),
        last_commit_hash: h.last_commit_hash.clone(),
        data_hash: h.data_hash.clone(),
        validators_hash: h.validators_hash.clone(),
        next_validators_hash: h.next_validators_hash.clone(),
        consensus_hash: h.consensus_hash.clone(),
        app_hash: h.app_hash.clone(),
        last_results_hash: h.last_results_hash.clone(),
        evidence_hash: h.evidence_hash.clone(),
        proposer_address: weave_kernel::valcons_address(&h.proposer_address),
    }
}

/// A CometBFT validator as the Cosmos SDK reports it.
fn sdk_validator(v: tendermint::validator::Info) -> Validator {
    let key = v.pub_key.to_bytes();
    let pub_key = if v.pub_key.ed25519().is_some() {
        Any {
            type_url: ED25519_PUBKEY_TYPE.into(),
            value: ed25519::PubKey { key }.encode_to_vec(),
        }
    } else {
        Any {
            type_url: SECP256K1_PUBKEY_TYPE.into(),
            value: secp256k1::PubKey { key }.encode_to_vec(),
        }
    };
    Validator {
        address: weave_kernel::valcons_address(v.address.as_bytes()),
        pub_key: Some(pub_key),
        voting_power: i64::try_from(v.power.value()).unwrap_or(i64::MAX),
        proposer_priority: v.proposer_priority.value(),
    }
}

/// CometBFT's node info in its protobuf form.
fn default_node_info(info: &tendermint::node::Info) -> DefaultNodeInfo {
    let channels = info.channels.to_string();
    let channels = hex::decode(&channels).unwrap_or_else(|e| {
        tracing::debug!(%channels, error = %e, "CometBFT's channel list is not hex");
        Vec::new()
    });
    DefaultNodeInfo {
        protocol_version: Some(ProtocolVersion {
            p2p: info.protocol_version.p2p,
            block: info.protocol_version.block,
            app: info.protocol_version.app,
        }),
        default_node_id: info.id.to_string(),
        listen_addr: info.listen_addr.to_string(),
        network: info.network.to_string(),
        version: info.version.to_string(),
        channels,
        moniker: info.moniker.to_string(),
        other: Some(DefaultNodeInfoOther {
            tx_index: if bool::from(info.other.tx_index) {
                "on"
            } else {
                "off"
            }
            .into(),
            rpc_address: info.other.rpc_address.clone(),
        }),
    }
}

/// This binary's version, as `GetNodeInfo` reports it.
pub(super) fn application_version() -> VersionInfo {
    VersionInfo {
        name: weave_app::APP_NAME.into(),
        app_name: "weaved".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        ..Default::default()
    }
}

fn positive_height(height: i64) -> Result<Height, Status> {
    Height::try_from(height)
        .ok()
        .filter(|h| h.value() > 0)
        .ok_or_else(|| {
            Status::invalid_argument(format!("block height must be positive, got {height}"))
        })
}

/// `cosmos.base.tendermint.v1beta1.Service`.
#[derive(Debug, Clone)]
pub(super) struct TendermintService {
    node: Node,
}

impl TendermintService {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }

    /// CometBFT's `status`.
    async fn status(&self) -> Result<tendermint_rpc::endpoint::status::Response, Status> {
        self.node
            .rpc
            .status()
            .await
            .map_err(|e| rpc_status("status", &e))
    }

    async fn validator_set(
        &self,
        height: Height,
        pagination: Option<&PageRequest>,
    ) -> Result<
        (
            i64,
            Vec<Validator>,
            cosmos_sdk_proto::cosmos::base::query::v1beta1::PageResponse,
        ),
        Status,
    > {
        let res = self
            .node
            .rpc
            .validators(height, Paging::All)
            .await
            .map_err(|e| rpc_status("validators", &e))?;
        let validators = res.validators.into_iter().map(sdk_validator).collect();
        let (validators, page) = paginate(validators, pagination)?;
        let block_height = i64::try_from(res.block_height.value()).unwrap_or(i64::MAX);
        Ok((block_height, validators, page))
    }
}

#[tonic::async_trait]
impl Service for TendermintService {
    async fn get_node_info(
        &self,
        _: Request<GetNodeInfoRequest>,
    ) -> Result<Response<GetNodeInfoResponse>, Status> {
        let status = self.status().await?;
        Ok(Response::new(GetNodeInfoResponse {
            default_node_info: Some(default_node_info(&status.node_info)),
            application_version: Some(application_version()),
        }))
    }

    async fn get_syncing(
        &self,
        _: Request<GetSyncingRequest>,
    ) -> Result<Response<GetSyncingResponse>, Status> {
        let status = self.status().await?;
        Ok(Response::new(GetSyncingResponse {
            syncing: status.sync_info.catching_up,
        }))
    }

    async fn get_latest_block(
        &self,
        _: Request<GetLatestBlockRequest>,
    ) -> Result<Response<GetLatestBlockResponse>, Status> {
        let res = self
            .node
            .rpc
            .latest_block()
            .await
            .map_err(|e| rpc_status("block", &e))?;
        let (block_id, block, sdk_block) = block_parts(res);
        Ok(Response::new(GetLatestBlockResponse {
            block_id: Some(block_id),
            block: Some(block),
            sdk_block: Some(sdk_block),
        }))
    }

    async fn get_block_by_height(
        &self,
        request: Request<GetBlockByHeightRequest>,
    ) -> Result<Response<GetBlockByHeightResponse>, Status> {
        let height = positive_height(request.into_inner().height)?;
        let res = self
            .node
            .rpc
            .block(height)
            .await
            .map_err(|e| rpc_status("block", &e))?;
        let (block_id, block, sdk_block) = block_parts(res);
        Ok(Response::new(GetBlockByHeightResponse {
            block_id: Some(block_id),
            block: Some(block),
            sdk_block: Some(sdk_block),
        }))
    }

    async fn get_latest_validator_set(
        &self,
        request: Request<GetLatestValidatorSetRequest>,
    ) -> Result<Response<GetLatestValidatorSetResponse>, Status> {
        let req = request.into_inner();
        let status = self.status().await?;
        let (block_height, validators, page) = self
            .validator_set(
                status.sync_info.latest_block_height,
                req.pagination.as_ref(),
            )
            .await?;
        Ok(Response::new(GetLatestValidatorSetResponse {
            block_height,
            validators,
            pagination: Some(page),
        }))
    }

    async fn get_validator_set_by_height(
        &self,
        request: Request<GetValidatorSetByHeightRequest>,
    ) -> Result<Response<GetValidatorSetByHeightResponse>, Status> {
        let req = request.into_inner();
        let height = positive_height(req.height)?;
        let (block_height, validators, page) =
            self.validator_set(height, req.pagination.as_ref()).await?;
        Ok(Response::new(GetValidatorSetByHeightResponse {
            block_height,
            validators,
            pagination: Some(page),
        }))
    }

    /// Passes the query to the application's ABCI `Query` as it is, including
    /// `/store/key` queries with proofs; the answer's code is returned, not raised.
    async fn abci_query(
        &self,
        request: Request<AbciQueryRequest>,
    ) -> Result<Response<AbciQueryResponse>, Status> {
        let req = request.into_inner();
        if req.height < 0 {
            return Err(Status::invalid_argument(format!(
                "height must not be negative, got {}",
                req.height
            )));
        }
        let res = self
            .node
            .blocking("abci_query", move |app| {
                app.query(RequestQuery {
                    data: req.data.into(),
                    path: req.path,
                    height: req.height,
                    prove: req.prove,
                })
            })
            .await?;
        Ok(Response::new(AbciQueryResponse {
            code: res.code,
            log: res.log,
            info: res.info,
            index: res.index,
            key: res.key.to_vec(),
            value: res.value.to_vec(),
            proof_ops: res.proof_ops.map(|ops| ProofOps {
                ops: ops
                    .ops
                    .into_iter()
                    .map(|op| ProofOp {
                        r#type: op.r#type,
                        key: op.key,
                        data: op.data,
                    })
                    .collect(),
            }),
            height: res.height,
            codespace: res.codespace,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::test_support;

    #[test]
    fn sdk_header_names_the_proposer_in_bech32() {
        let raw = RawHeader {
            chain_id: "weave-1".into(),
            height: 7,
            app_hash: vec![1, 2, 3],
            proposer_address: vec![0xaa; 20],
            ..Default::default()
        };
        let h = sdk_header(&raw);
        assert_eq!(
            (h.chain_id.as_str(), h.height, h.app_hash.as_slice()),
            ("weave-1", 7, &[1u8, 2, 3][..])
        );
        assert_eq!(
            h.proposer_address,
            weave_kernel::valcons_address(&[0xaa; 20])
        );
        assert!(h.proposer_address.starts_with("weavevalcons1"));
    }

    #[test]
    fn version_names_the_binary() {
        let v = application_version();
        assert_eq!((v.name.as_str(), v.app_name.as_str()), ("weave", "weaved"));
        assert_eq!(v.version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn heights_must_be_positive() {
        assert!(positive_height(0).is_err());
        assert!(positive_height(-3).is_err());
        assert_eq!(positive_height(5).expect("5").value(), 5);
    }

    #[tokio::test]
    async fn abci_query_passes_codes_through() {
        let (node, _dir) = test_support::node();
        let svc = TendermintService::new(node);
        let res = svc
            .abci_query(Request::new(AbciQueryRequest {
                path: "/no.such.Query/Thing".into(),
                ..Default::default()
            }))
            .await
            .expect("answered")
            .into_inner();
        assert_eq!((res.codespace.as_str(), res.code), ("sdk", 6));
    }
}
