//! The channels module's queries (`weave.channels.v1.Query`), answered by gRPC method
//! path for both ABCI `Query` and the gRPC server.

use prost::Message;
use weave_kernel::{
    decode_proto, decode_request as decode, page, query_address as address, unknown_query,
    KernelError, PageLimits, StateRead, StateView, Store, TxError,
};
use weave_proto::weave::channels::v1 as pb;

use crate::{keeper, keeper::Keeper, state_key, ChannelsError, Status};

pub(crate) const PATHS: &[&str] = &[
    "/weave.channels.v1.Query/Params",
    "/weave.channels.v1.Query/Channel",
    "/weave.channels.v1.Query/Lanes",
    "/weave.channels.v1.Query/Lane",
    "/weave.channels.v1.Query/SeederEarnings",
];

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let s = &mut StateView(state);
    match path {
        "/weave.channels.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            Ok(pb::QueryParamsResponse {
                params: Some((&Keeper.params(s)?).into()),
            }
            .encode_to_vec())
        }
        "/weave.channels.v1.Query/Channel" => {
            let r: pb::QueryChannelRequest = decode(path, request)?;
            let c = Keeper.channel(s, r.channel_id)?;
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
            Keeper.channel(s, r.channel_id)?;
            let prefix = state_key::lanes(r.channel_id);
            let (entries, page) = page(s, &prefix, r.page.as_ref(), PageLimits::STANDARD)?;
            let lanes = entries
                .iter()
                .map(|(k, v)| decode_proto::<ChannelsError, pb::Lane>(k, v))
                .collect::<Result<Vec<_>, TxError>>()?;
            Ok(pb::QueryLanesResponse {
                lanes,
                page: Some(page),
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
            let lane = s
                .get_proto::<ChannelsError, pb::Lane>(&state_key::lane(
                    r.channel_id,
                    &seeder,
                    &root,
                ))?
                .ok_or_else(|| KernelError::NotFound("no such lane".into()))?;
            Ok(pb::QueryLaneResponse { lane: Some(lane) }.encode_to_vec())
        }
        "/weave.channels.v1.Query/SeederEarnings" => {
            let r: pb::QuerySeederEarningsRequest = decode(path, request)?;
            let seeder = address(&r.seeder, "seeder")?;
            Ok(pb::QuerySeederEarningsResponse {
                earnings: Some(keeper::stored_earnings(s, &seeder)?),
            }
            .encode_to_vec())
        }
        other => Err(unknown_query(other)),
    }
}
