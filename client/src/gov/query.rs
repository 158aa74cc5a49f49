//! Typed queries of the gov module (`weave.gov.v1.Query`): proposals, votes,
//! deposits, the tally, the parameters and the scheduled upgrade; and raw state reads
//! (`/store/key`), which `pin_params` uses. Nothing prints.

use anyhow::{anyhow, bail, Context};
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{
    service_client::ServiceClient as TendermintClient, AbciQueryRequest,
};
use prost_reflect::{DynamicMessage, Value as ReflectValue};
use serde_json::Value;
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::{
    base::v1::PageRequest,
    gov::v1::{self as pb, query_client::QueryClient},
};

use super::ParamsModule;
use crate::anyjson::{descriptor, message_json};
use crate::{chain::status_error, page::Page};

/// The ABCI query path of raw state reads.
const STORE_KEY_PATH: &str = "/store/key";

/// A gRPC client of the gov queries.
fn client(channel: &Channel) -> QueryClient<Channel> {
    QueryClient::new(channel.clone())
}

/// A failed ABCI query as the other commands show a node's error:
/// `codespace:code: log`.
fn abci_error(codespace: &str, code: u32, log: &str) -> anyhow::Error {
    anyhow!("{codespace}:{code}: {log}")
}

/// The raw value of a state key at the latest height (`/store/key` through
/// `cosmos.base.tendermint.v1beta1.Service/ABCIQuery`); empty when the key is absent.
pub async fn read_store_key(channel: &Channel, key: &[u8]) -> anyhow::Result<Vec<u8>> {
    let r = TendermintClient::new(channel.clone())
        .abci_query(AbciQueryRequest {
            data: key.to_vec(),
            path: STORE_KEY_PATH.into(),
            height: 0,
            prove: false,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if r.code != 0 {
        return Err(abci_error(&r.codespace, r.code, &r.log))
            .with_context(|| format!("reading the state key {}", String::from_utf8_lossy(key)));
    }
    Ok(r.value)
}

/// A module's current parameters as JSON (its `Query/Params`, decoded through the
/// descriptors).
pub async fn current_params(channel: &Channel, module: ParamsModule) -> anyhow::Result<Value> {
    let path = module.params_query_path();
    let r = TendermintClient::new(channel.clone())
        .abci_query(AbciQueryRequest {
            data: Vec::new(),
            path: path.clone(),
            height: 0,
            prove: false,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if r.code != 0 {
        return Err(abci_error(&r.codespace, r.code, &r.log)).context(path);
    }
    let response = DynamicMessage::decode(
        descriptor(&module.params_response_type())?,
        r.value.as_slice(),
    )
    .with_context(|| format!("decoding the answer of {path}"))?;
    match response.get_field_by_name("params").as_deref() {
        Some(ReflectValue::Message(params)) if response.has_field_by_name("params") => {
            message_json(params)
        }
        _ => bail!("{path} returned no parameters"),
    }
}

/// The gov parameters.
pub async fn gov_params(channel: &Channel) -> anyhow::Result<pb::Params> {
    client(channel)
        .params(pb::QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no gov parameters"))
}

/// One proposal.
pub async fn fetch_proposal(channel: &Channel, id: u64) -> anyhow::Result<pb::Proposal> {
    client(channel)
        .proposal(pb::QueryProposalRequest { proposal_id: id })
        .await
        .map_err(status_error)?
        .into_inner()
        .proposal
        .ok_or_else(|| anyhow!("the node returned no proposal {id}"))
}

/// One page of proposals, of one status or (`Unspecified`) all.
pub async fn proposals(
    channel: &Channel,
    status: pb::ProposalStatus,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Proposal>> {
    let r = client(channel)
        .proposals(pb::QueryProposalsRequest {
            status: status as i32,
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.proposals, r.page))
}

/// How `voter` voted on a proposal.
pub async fn vote(
    channel: &Channel,
    proposal_id: u64,
    voter: &Address,
) -> anyhow::Result<pb::Vote> {
    client(channel)
        .vote(pb::QueryVoteRequest {
            proposal_id,
            voter: voter.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .vote
        .ok_or_else(|| anyhow!("the node returned no vote"))
}

/// One page of a proposal's votes.
pub async fn votes(
    channel: &Channel,
    proposal_id: u64,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Vote>> {
    let r = client(channel)
        .votes(pb::QueryVotesRequest {
            proposal_id,
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.votes, r.page))
}

/// What `depositor` deposited on a proposal.
pub async fn deposit(
    channel: &Channel,
    proposal_id: u64,
    depositor: &Address,
) -> anyhow::Result<pb::Deposit> {
    client(channel)
        .deposit(pb::QueryDepositRequest {
            proposal_id,
            depositor: depositor.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .deposit
        .ok_or_else(|| anyhow!("the node returned no deposit"))
}

/// One page of a proposal's deposits.
pub async fn deposits(
    channel: &Channel,
    proposal_id: u64,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Deposit>> {
    let r = client(channel)
        .deposits(pb::QueryDepositsRequest {
            proposal_id,
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.deposits, r.page))
}

/// A proposal's tally, and, while it is voting, what it is measured against.
#[derive(Debug, Clone)]
pub struct Tally {
    /// The proposal.
    pub proposal_id: u64,
    /// The chain's answer: the tally, whether it is final, the total bonded.
    pub response: pb::QueryTallyResponse,
    /// While voting: the quorum and the threshold (basis points) that apply to the
    /// proposal.
    pub bars: Option<(u32, u32)>,
}

/// A proposal's tally; while it votes, with the quorum and the threshold that apply
/// to it (read from the gov parameters and the proposal).
pub async fn tally(channel: &Channel, proposal_id: u64) -> anyhow::Result<Tally> {
    let response = client(channel)
        .tally(pb::QueryTallyRequest { proposal_id })
        .await
        .map_err(status_error)?
        .into_inner();
    let bars = if response.r#final || response.tally.is_none() {
        None
    } else {
        let params = gov_params(channel).await?;
        let proposal = fetch_proposal(channel, proposal_id).await?;
        let threshold = if proposal.expedited {
            params.expedited_threshold_bps
        } else {
            params.threshold_bps
        };
        Some((params.quorum_bps, threshold))
    };
    Ok(Tally {
        proposal_id,
        response,
        bars,
    })
}

/// The scheduled software upgrade, if any.
pub async fn upgrade_plan(channel: &Channel) -> anyhow::Result<Option<pb::UpgradePlan>> {
    Ok(client(channel)
        .upgrade_plan(pb::QueryUpgradePlanRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .plan)
}
