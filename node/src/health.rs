//! Whether this node is making blocks: [`BlockHealth`] remembers when it last committed
//! one (wall-clock time, outside the state machine), and [`Liveness`] judges that
//! against the configured maximum age. `GET /health` and the gRPC health service both
//! answer from it.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

/// The last block this process committed: its height and when.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockHealth(Arc<Mutex<Option<(i64, Instant)>>>);

impl BlockHealth {
    /// A block at `height` was just committed.
    pub(crate) fn committed(&self, height: i64) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((height, Instant::now()));
    }

    /// The height of the last committed block and how long ago it was committed;
    /// `None` before the first.
    pub(crate) fn last_block(&self) -> Option<(i64, Duration)> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map(|(height, at)| (height, at.elapsed()))
    }

    /// How long ago the last block was committed.
    pub(crate) fn last_block_age(&self) -> Option<Duration> {
        self.last_block().map(|(_, age)| age)
    }
}

/// The node's health: its last block and how old that may be.
#[derive(Debug, Clone)]
pub(crate) struct Liveness {
    /// The last committed block.
    pub(crate) blocks: BlockHealth,
    /// The age beyond which the node is not making blocks.
    pub(crate) max_block_age: Duration,
}

/// What [`Liveness::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HealthReport {
    /// Blocks are being made.
    pub(crate) healthy: bool,
    /// The last committed height (0 before the first).
    pub(crate) height: i64,
    /// Milliseconds since it was committed (`None` before the first).
    pub(crate) last_block_age_ms: Option<u128>,
    /// Why, in words.
    pub(crate) reason: String,
}

impl Liveness {
    /// Healthy when this process committed a block less than `max_block_age` ago.
    pub(crate) fn check(&self) -> HealthReport {
        match self.blocks.last_block() {
            None => HealthReport {
                healthy: false,
                height: 0,
                last_block_age_ms: None,
                reason: "no block committed since the node started".into(),
            },
            Some((height, age)) => {
                let healthy = age <= self.max_block_age;
                HealthReport {
                    healthy,
                    height,
                    last_block_age_ms: Some(age.as_millis()),
                    reason: if healthy {
                        "making blocks".into()
                    } else {
                        format!(
                            "the last block was committed {}s ago, more than the {}s allowed",
                            age.as_secs(),
                            self.max_block_age.as_secs()
                        )
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_only_while_blocks_are_recent() {
        let blocks = BlockHealth::default();
        let live = Liveness {
            blocks: blocks.clone(),
            max_block_age: Duration::from_millis(200),
        };
        let r = live.check();
        assert!(!r.healthy);
        assert_eq!(r.height, 0);
        blocks.committed(5);
        let r = live.check();
        assert!(r.healthy, "{r:?}");
        assert_eq!(r.height, 5);
        std::thread::sleep(Duration::from_millis(300));
        let r = live.check();
        assert!(!r.healthy, "{r:?}");
        assert!(r.reason.contains("more than"), "{r:?}");
        blocks.committed(6);
        assert!(live.check().healthy);
    }
}
