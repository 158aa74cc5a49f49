//! Verified views: the [`PaidViews`] hook the content and channels modules report
//! payments to. A view counts only when paid, once per paying account per content.

use std::sync::Arc;

use weave_kernel::{
    expected::{ContentDirectory, PaidViews},
    Address, Ctx, TxError,
};
use weave_proto::weave::social::v1 as pb;

use crate::{event, keeper::Keeper, SocialError};

/// Counts paid views. The content module reports purchases to it, the channels module
/// the bytes of claimed vouchers; it reads contents' lengths from `content`.
#[derive(Clone)]
pub struct ViewLedger {
    content: Arc<dyn ContentDirectory>,
}

impl std::fmt::Debug for ViewLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewLedger").finish_non_exhaustive()
    }
}

impl ViewLedger {
    /// A ledger that reads contents from `content`.
    pub fn new(content: Arc<dyn ContentDirectory>) -> Self {
        Self { content }
    }
}

/// The viewer's record and the content's stats, the record new (and counted as a
/// paying viewer) if the account never paid for the content before.
fn load(
    ctx: &mut Ctx<'_>,
    content_id: u64,
    viewer: &Address,
) -> Result<(pb::Viewer, pb::ViewStats), TxError> {
    let k = Keeper;
    let mut stats = k.view_stats(ctx, content_id)?;
    let record = match k.viewer(ctx, content_id, viewer)? {
        Some(r) => r,
        None => {
            stats.paying_viewers = stats
                .paying_viewers
                .checked_add(1)
                .ok_or_else(|| SocialError::Overflow("paying viewers".into()))?;
            pb::Viewer {
                viewer: viewer.to_string(),
                content_id,
                ..pb::Viewer::default()
            }
        }
    };
    Ok((record, stats))
}

fn count_view(
    ctx: &mut Ctx<'_>,
    record: &mut pb::Viewer,
    stats: &mut pb::ViewStats,
    viewer: &Address,
    source: &str,
) -> Result<(), TxError> {
    record.viewed = true;
    record.viewed_height = ctx.block.height;
    stats.views = stats
        .views
        .checked_add(1)
        .ok_or_else(|| SocialError::Overflow("views".into()))?;
    ctx.emit(event::view_counted(stats, viewer, source));
    Ok(())
}

impl PaidViews for ViewLedger {
    fn purchased(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        buyer: &Address,
        amount: u128,
    ) -> Result<(), TxError> {
        if amount == 0 {
            return Ok(());
        }
        let (mut record, mut stats) = load(ctx, content_id, buyer)?;
        if record.purchased && record.viewed {
            return Ok(());
        }
        record.purchased = true;
        if !record.viewed {
            count_view(ctx, &mut record, &mut stats, buyer, "purchase")?;
        }
        let k = Keeper;
        k.set_viewer(ctx, content_id, buyer, &record)?;
        k.set_view_stats(ctx, &stats)
    }

    fn streamed(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        payer: &Address,
        bytes: u64,
    ) -> Result<(), TxError> {
        if bytes == 0 {
            return Ok(());
        }
        let k = Keeper;
        if k.viewer(ctx, content_id, payer)?.is_some_and(|r| r.viewed) {
            // Counted already: nothing more to record.
            return Ok(());
        }
        let Some(facts) = self.content.content_facts(ctx, content_id)? else {
            return Ok(());
        };
        let threshold = k.params(ctx)?.view_threshold_bytes(facts.length);
        let (mut record, mut stats) = load(ctx, content_id, payer)?;
        record.paid_bytes = record.paid_bytes.saturating_add(bytes);
        if record.paid_bytes >= threshold {
            count_view(ctx, &mut record, &mut stats, payer, "stream")?;
        }
        k.set_viewer(ctx, content_id, payer, &record)?;
        k.set_view_stats(ctx, &stats)
    }
}
