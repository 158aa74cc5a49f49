//! The channels module's queries (`weave.channels.v1.Query`), answered by gRPC method
//! path for both ABCI `Query` and the gRPC server.

use prost::Message;
use weave_kernel::{prefix_end, Address, KernelError, StateRead, TxError};
use weave_proto::weave::{base::v1 as base, channels::v1 as pb};

use crate::{keeper, state_key, ChannelsError, Status};

pub(crate) const PATHS: &[&str] = &[
    "/weave.channels.v1.Query/Params",
    "/weave.channels.v1.Query/Channel",
    "/weave.channels.v1.Query/Lanes",
    "/weave.channels.v1.Query/Lane",
    "/weave.channels.v1.Query/SeederEarnings",
];

const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 20;

fn decode<M: Message + Default>(path: &str, request: &[u8]) -> Result<M, TxError> {
    M::decode(request).map_err(|e| KernelError::InvalidRequest(format!("{path}: {e}")).into())
}

fn address(s: &str, field: &str) -> Result<Address, TxError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")).into())
}

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    match path {
        "/weave.channels.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            Ok(pb::QueryParamsResponse {
                params: Some((&keeper::read_params(state)?).into()),
            }
            .encode_to_vec())
        }
        "/weave.channels.v1.Query/Channel" => {
            let r: pb::QueryChannelRequest = decode(path, request)?;
            let c = keeper::read_channel(state, r.channel_id)?;
            let remaining = if c.status == Status::Settled {
                0
            } else {
                c.remaining()
            };
            Ok(pb::QueryChannelResponse {
                channel: Some(c.to_wire()),
                remaining: remaining.to_string(),
            }
            .encode_to_vec())
        }
        "/weave.channels.v1.Query/Lanes" => {
            let r: pb::QueryLanesRequest = decode(path, request)?;
            keeper::read_channel(state, r.channel_id)?;
            let prefix = state_key::lanes(r.channel_id);
            let page = r.page.unwrap_or_default();
            let limit = match page.limit as usize {
                0 => DEFAULT_PAGE,
                n => n.min(MAX_PAGE),
            };
            let start = if page.key.is_empty() {
                prefix.clone()
            } else if page.key.starts_with(&prefix) {
                page.key.clone()
            } else {
                return Err(KernelError::InvalidRequest(
                    "page key does not belong to this listing".into(),
                )
                .into());
            };
            let mut entries = state.range(&start, prefix_end(&prefix).as_deref(), limit + 1)?;
            let next_key = if entries.len() > limit {
                entries.pop().map(|(k, _)| k).unwrap_or_default()
            } else {
                Vec::new()
            };
            let lanes = entries
                .iter()
                .map(|(k, v)| {
                    pb::Lane::decode(v.as_slice()).map_err(|_| {
                        ChannelsError::CorruptState(String::from_utf8_lossy(k).into_owned()).into()
                    })
                })
                .collect::<Result<Vec<_>, TxError>>()?;
            Ok(pb::QueryLanesResponse {
                lanes,
                page: Some(base::PageResponse { next_key }),
            }
            .encode_to_vec())
        }
        "/weave.channels.v1.Query/Lane" => {
            let r: pb::QueryLaneRequest = decode(path, request)?;
            let seeder = address(&r.seeder, "seeder")?;
            let root: [u8; 32] =
                r.content_root.as_slice().try_into().map_err(|_| {
                    KernelError::InvalidRequest("content_root must be 32 bytes".into())
                })?;
            let lane = keeper::read_lane(state, &state_key::lane(r.channel_id, &seeder, &root))?
                .ok_or_else(|| KernelError::NotFound("no such lane".into()))?;
            Ok(pb::QueryLaneResponse { lane: Some(lane) }.encode_to_vec())
        }
        "/weave.channels.v1.Query/SeederEarnings" => {
            let r: pb::QuerySeederEarningsRequest = decode(path, request)?;
            let seeder = address(&r.seeder, "seeder")?;
            Ok(pb::QuerySeederEarningsResponse {
                earnings: Some(keeper::read_earnings(state, &seeder)?),
            }
            .encode_to_vec())
        }
        other => Err(KernelError::UnknownMessage(other.to_string()).into()),
    }
}
