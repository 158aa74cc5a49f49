//! The seeders module's queries (`weave.seeders.v1.Query`), answered by gRPC method
//! path for both ABCI `Query` and the gRPC server.

use prost::Message;
use weave_kernel::{
    decode_request as decode, page_with, query_address as address, unknown_query, KernelError,
    ModuleError, PageLimits, StateRead, StateView, TxError,
};
use weave_proto::weave::{base::v1 as base, seeders::v1 as pb};

use crate::{
    keeper,
    reputation::{bandwidth_points, EpochInputs},
    state_key, SeederRecord, SeedersError,
};

pub(crate) const PATHS: &[&str] = &[
    "/weave.seeders.v1.Query/Params",
    "/weave.seeders.v1.Query/Seeder",
    "/weave.seeders.v1.Query/SeederByPeer",
    "/weave.seeders.v1.Query/Seeders",
    "/weave.seeders.v1.Query/EpochInputs",
    "/weave.seeders.v1.Query/ProbeRound",
];

fn not_found(what: String) -> TxError {
    KernelError::NotFound(what).into()
}

/// Seeders by address: one page of the `seeders/seeder/` listing, filtered within it.
fn by_address(
    state: &dyn StateRead,
    req: base::PageRequest,
    active_only: bool,
) -> Result<(Vec<pb::Seeder>, base::PageResponse), TxError> {
    let (entries, page) = page_with(
        &state_key::seeders(),
        Some(&req),
        PageLimits::STANDARD,
        |start, _, limit| keeper::seeders_from(&mut StateView(state), start, limit),
    )?;
    let seeders = entries
        .into_iter()
        .filter(|(_, s)| !active_only || s.is_active())
        .map(|(_, s)| s.to_wire())
        .collect();
    Ok((seeders, page))
}

/// Seeders by reputation, highest first, ties by address: every seeder is read (there
/// are at most `max_seeders` ≤ 1000) and sorted; the page key is the 8-byte big-endian
/// position of the page's first seeder.
fn by_reputation(
    state: &dyn StateRead,
    req: base::PageRequest,
    active_only: bool,
) -> Result<(Vec<pb::Seeder>, base::PageResponse), TxError> {
    let limit = PageLimits::STANDARD.limit(req.limit);
    let offset = if req.key.is_empty() {
        0
    } else {
        let b: [u8; 8] = req.key.as_slice().try_into().map_err(|_| {
            KernelError::InvalidRequest("page key must be an 8-byte position".into())
        })?;
        usize::try_from(u64::from_be_bytes(b)).unwrap_or(usize::MAX)
    };
    let mut all: Vec<SeederRecord> = keeper::all_seeders(&mut StateView(state))?
        .into_iter()
        .filter(|s| !active_only || s.is_active())
        .collect();
    all.sort_by(|a, b| {
        b.reputation
            .cmp(&a.reputation)
            .then_with(|| a.address.cmp(&b.address))
    });
    let seeders: Vec<pb::Seeder> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(SeederRecord::to_wire)
        .collect();
    let end = offset.saturating_add(limit);
    let next_key = if end < all.len() {
        (end as u64).to_be_bytes().to_vec()
    } else {
        Vec::new()
    };
    Ok((seeders, base::PageResponse { next_key }))
}

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let mut r = StateView(state);
    let bytes = match path {
        "/weave.seeders.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            pb::QueryParamsResponse {
                params: Some(keeper::params(&mut r)?.to_proto()),
            }
            .encode_to_vec()
        }
        "/weave.seeders.v1.Query/Seeder" => {
            let req: pb::QuerySeederRequest = decode(path, request)?;
            let a = address(&req.address, "address")?;
            let s = keeper::seeder(&mut r, &a)?.ok_or_else(|| not_found(format!("seeder {a}")))?;
            pb::QuerySeederResponse {
                seeder: Some(s.to_wire()),
            }
            .encode_to_vec()
        }
        "/weave.seeders.v1.Query/SeederByPeer" => {
            let req: pb::QuerySeederByPeerRequest = decode(path, request)?;
            let who = keeper::peer_owner(&mut r, &req.peer_id)?.ok_or_else(|| {
                not_found(format!("seeder with peer id {}", hex::encode(&req.peer_id)))
            })?;
            let s = keeper::seeder(&mut r, &who)?
                .ok_or_else(|| SeedersError::corrupt_state(&state_key::peer(&req.peer_id)))?;
            pb::QuerySeederByPeerResponse {
                seeder: Some(s.to_wire()),
            }
            .encode_to_vec()
        }
        "/weave.seeders.v1.Query/Seeders" => {
            let req: pb::QuerySeedersRequest = decode(path, request)?;
            let page = req.page.unwrap_or_default();
            let (seeders, page) = match pb::SeedersOrder::try_from(req.order) {
                Ok(pb::SeedersOrder::Address) => by_address(state, page, req.active_only)?,
                Ok(pb::SeedersOrder::Reputation) => by_reputation(state, page, req.active_only)?,
                Err(_) => {
                    return Err(
                        KernelError::InvalidRequest(format!("unknown order {}", req.order)).into(),
                    )
                }
            };
            pb::QuerySeedersResponse {
                seeders,
                page: Some(page),
            }
            .encode_to_vec()
        }
        "/weave.seeders.v1.Query/EpochInputs" => {
            let req: pb::QueryEpochInputsRequest = decode(path, request)?;
            let seeder = address(&req.seeder, "seeder")?;
            let params = keeper::params(&mut r)?;
            let tally = keeper::tally(&mut r, &seeder)?;
            let payers: Vec<pb::PayerFee> = keeper::payer_fees(&mut r, &seeder)?
                .into_iter()
                .map(|(_, f)| f)
                .collect();
            let inputs = EpochInputs {
                seeder,
                payer_fees: payers
                    .iter()
                    .filter_map(|f| {
                        Some((
                            f.payer.parse().ok()?,
                            weave_kernel::parse_amount(&f.fee).ok()?,
                        ))
                    })
                    .collect(),
                probe_passes: tally.probe_passes,
                probe_fails: tally.probe_fails,
            };
            let last = keeper::last_epoch_end(&mut r)?;
            // The first multiple of epoch_blocks after the last epoch's end.
            let epoch_end_height = last
                .checked_div(params.epoch_blocks)
                .unwrap_or(0)
                .saturating_add(1)
                .saturating_mul(params.epoch_blocks);
            pb::QueryEpochInputsResponse {
                epoch: keeper::epoch(&mut r)?,
                epoch_end_height,
                tally: Some(tally.to_wire()),
                payers,
                bandwidth_points: bandwidth_points(&inputs, params.bandwidth_knee).to_string(),
            }
            .encode_to_vec()
        }
        "/weave.seeders.v1.Query/ProbeRound" => {
            let req: pb::QueryProbeRoundRequest = decode(path, request)?;
            let height = if req.height == 0 {
                keeper::round_heights(&mut r)?
                    .last()
                    .copied()
                    .ok_or_else(|| not_found("probe round (none kept)".into()))?
            } else {
                req.height
            };
            let round = keeper::round(&mut r, height)?
                .ok_or_else(|| not_found(format!("probe round at height {height}")))?;
            pb::QueryProbeRoundResponse {
                round: Some(round.to_wire()),
                applied: keeper::round_applied(&mut r, height)?,
            }
            .encode_to_vec()
        }
        other => return Err(unknown_query(other)),
    };
    Ok(bytes)
}
