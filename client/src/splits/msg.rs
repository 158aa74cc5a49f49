//! The splits module's messages, built from Rust values.

use anyhow::anyhow;
use cosmos_sdk_proto::Any;
use weave_kernel::Address;
use weave_proto::weave::splits::v1 as pb;
use weave_splits::SplitTable;

use crate::builder::to_any;

/// The event that names a new split table.
pub const EVENT_SPLIT_CREATED: &str = "weave.splits.v1.EventSplitCreated";

/// A split table's recipients as the chain wants them: sorted by address, and checked
/// as the splits module checks them (1 to 32 unique recipients, positive shares
/// summing to exactly 10000).
pub fn sorted_recipients(
    mut recipients: Vec<(Address, u32)>,
) -> anyhow::Result<Vec<pb::Recipient>> {
    recipients.sort_by_key(|(address, _)| *address);
    let table = SplitTable::new(recipients).map_err(|e| anyhow!("invalid split: {e}"))?;
    Ok(table
        .recipients()
        .iter()
        .map(|(address, bps)| pb::Recipient {
            address: address.to_string(),
            bps: *bps,
        })
        .collect())
}

/// `/weave.splits.v1.MsgCreateSplit`: a table of `recipients` (sorted and checked, see
/// [`sorted_recipients`]) that `controller` may later change; without one it is
/// immutable.
pub fn create_split(
    creator: &Address,
    recipients: Vec<pb::Recipient>,
    controller: Option<&Address>,
) -> Any {
    to_any(
        weave_splits::MSG_CREATE_SPLIT,
        &pb::MsgCreateSplit {
            creator: creator.to_string(),
            recipients,
            controller: controller.map(|c| c.to_string()).unwrap_or_default(),
        },
    )
}

/// `/weave.splits.v1.MsgUpdateSplit`: new recipients, signed by the table's controller.
pub fn update_split(controller: &Address, split_id: u64, recipients: Vec<pb::Recipient>) -> Any {
    to_any(
        weave_splits::MSG_UPDATE_SPLIT,
        &pb::MsgUpdateSplit {
            controller: controller.to_string(),
            split_id,
            recipients,
        },
    )
}

/// `/weave.splits.v1.MsgProposeController`: hand the table over to `new_controller`
/// (`None` cancels a pending hand-over).
pub fn propose_controller(
    controller: &Address,
    split_id: u64,
    new_controller: Option<&Address>,
) -> Any {
    to_any(
        weave_splits::MSG_PROPOSE_CONTROLLER,
        &pb::MsgProposeController {
            controller: controller.to_string(),
            split_id,
            new_controller: new_controller.map(|c| c.to_string()).unwrap_or_default(),
        },
    )
}

/// `/weave.splits.v1.MsgAcceptController`: the proposed controller takes the table.
pub fn accept_controller(new_controller: &Address, split_id: u64) -> Any {
    to_any(
        weave_splits::MSG_ACCEPT_CONTROLLER,
        &pb::MsgAcceptController {
            new_controller: new_controller.to_string(),
            split_id,
        },
    )
}

#[cfg(test)]
mod tests {
    use weave_splits::SplitsMsg;

    use super::*;

    #[test]
    fn recipients_are_sorted_by_address_and_checked() {
        let (a, b, c) = (
            Address::new([1; 20]),
            Address::new([2; 20]),
            Address::new([3; 20]),
        );
        let sorted = sorted_recipients(vec![(c, 2000), (a, 5000), (b, 3000)]).unwrap();
        let got: Vec<(String, u32)> = sorted.iter().map(|r| (r.address.clone(), r.bps)).collect();
        assert_eq!(
            got,
            vec![
                (a.to_string(), 5000),
                (b.to_string(), 3000),
                (c.to_string(), 2000)
            ]
        );
        // Byte order, not bech32 string order, is what the chain checks: the sorted
        // table passes the module's own shape check.
        let msg = create_split(&a, sorted, None);
        assert!(matches!(
            SplitsMsg::decode(&msg).unwrap(),
            SplitsMsg::Create {
                controller: None,
                ..
            }
        ));

        let e = sorted_recipients(vec![(a, 5000), (b, 4000)]).unwrap_err();
        assert!(e.to_string().contains("invalid split"), "{e}");
        assert!(sorted_recipients(vec![(a, 5000), (a, 5000)]).is_err());
        assert!(sorted_recipients(vec![]).is_err());
    }
}
