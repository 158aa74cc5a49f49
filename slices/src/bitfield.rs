//! A fixed-length bit set over slice indices: which slices of a piece of content a
//! store (or a peer) holds.
//!
//! Bit `i` lives in byte `i / 8` under mask `0x80 >> (i % 8)` (most significant bit
//! first, as BitTorrent does). The encoding is exactly those `ceil(len / 8)` bytes; the
//! unused bits of the last byte must be zero, so every bit set has one encoding.

/// A bitfield's bytes do not fit its length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bitfield of {len} bits: {reason}")]
pub struct BitfieldError {
    /// The number of bits expected.
    pub len: u64,
    /// What was wrong.
    pub reason: String,
}

/// A fixed-length set of slice indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitfield {
    len: u64,
    bytes: Vec<u8>,
    ones: u64,
}

/// The number of bytes a bitfield of `len` bits takes, or `None` if that does not fit
/// in memory on this platform.
pub fn bitfield_byte_len(len: u64) -> Option<usize> {
    usize::try_from(len.div_ceil(8)).ok()
}

impl Bitfield {
    /// An empty set over `len` indices. A length whose byte size does not fit in
    /// `usize` (never one the store accepts, see [`crate::store::MAX_SLICES`]) gives an
    /// empty set over zero indices.
    pub fn new(len: u64) -> Bitfield {
        match bitfield_byte_len(len) {
            Some(n) => Bitfield {
                len,
                bytes: vec![0; n],
                ones: 0,
            },
            None => Bitfield {
                len: 0,
                bytes: Vec::new(),
                ones: 0,
            },
        }
    }

    /// The full set over `len` indices.
    pub fn full(len: u64) -> Bitfield {
        let mut b = Bitfield::new(len);
        for byte in &mut b.bytes {
            *byte = 0xff;
        }
        b.clear_tail();
        b.ones = b.len;
        b
    }

    /// Decodes `bytes` as a bitfield of `len` bits, strictly: exactly `ceil(len / 8)`
    /// bytes with the unused bits of the last byte zero.
    pub fn from_bytes(len: u64, bytes: &[u8]) -> Result<Bitfield, BitfieldError> {
        let err = |reason: String| BitfieldError { len, reason };
        let Some(expected) = bitfield_byte_len(len) else {
            return Err(err("too long for this platform".into()));
        };
        if bytes.len() != expected {
            return Err(err(format!("{} bytes, expected {expected}", bytes.len())));
        }
        let used = (len % 8) as u32;
        if used != 0
            && bytes
                .last()
                .is_some_and(|last| last & (0xffu8 >> used) != 0)
        {
            return Err(err("bits set past the end".into()));
        }
        let mut b = Bitfield {
            len,
            bytes: bytes.to_vec(),
            ones: 0,
        };
        b.ones = b.bytes.iter().map(|x| u64::from(x.count_ones())).sum();
        Ok(b)
    }

    fn clear_tail(&mut self) {
        let used = (self.len % 8) as u32;
        if used != 0 {
            if let Some(last) = self.bytes.last_mut() {
                *last &= 0xffu8 << (8 - used);
            }
        }
    }

    /// The encoding: `ceil(len / 8)` bytes, most significant bit first.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of indices the set ranges over.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if the set ranges over no indices at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True if `index` is in the set (false beyond the end).
    pub fn get(&self, index: u64) -> bool {
        if index >= self.len {
            return false;
        }
        let (byte, mask) = Self::position(index);
        self.bytes.get(byte).is_some_and(|b| b & mask != 0)
    }

    /// Adds `index`; returns true if it was not already there. Indices beyond the end
    /// are ignored (returns false).
    pub fn set(&mut self, index: u64) -> bool {
        if index >= self.len {
            return false;
        }
        let (byte, mask) = Self::position(index);
        match self.bytes.get_mut(byte) {
            Some(b) if *b & mask == 0 => {
                *b |= mask;
                self.ones += 1;
                true
            }
            _ => false,
        }
    }

    /// Removes `index`; returns true if it was there.
    pub fn clear(&mut self, index: u64) -> bool {
        if index >= self.len {
            return false;
        }
        let (byte, mask) = Self::position(index);
        match self.bytes.get_mut(byte) {
            Some(b) if *b & mask != 0 => {
                *b &= !mask;
                self.ones -= 1;
                true
            }
            _ => false,
        }
    }

    fn position(index: u64) -> (usize, u8) {
        // `index < len` and `len / 8` fits in usize (checked at construction).
        ((index / 8) as usize, 0x80u8 >> (index % 8))
    }

    /// How many indices are in the set.
    pub fn count_ones(&self) -> u64 {
        self.ones
    }

    /// True if every index is in the set.
    pub fn is_full(&self) -> bool {
        self.ones == self.len
    }

    /// The indices in the set, in increasing order.
    pub fn ones(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len).filter(|&i| self.get(i))
    }

    /// The indices not in the set, in increasing order.
    pub fn zeros(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len).filter(|&i| !self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bit_order_and_tail_are_fixed() {
        let mut b = Bitfield::new(10);
        assert!(b.set(0));
        assert!(!b.set(0));
        assert!(b.set(9));
        assert_eq!(b.as_bytes(), &[0x80, 0x40]);
        assert_eq!(b.count_ones(), 2);
        assert!(!b.set(10));
        assert!(!b.get(10));
        assert!(b.clear(0));
        assert!(!b.clear(0));
        assert_eq!(b.zeros().count(), 9);
        assert!(Bitfield::full(10).is_full());
        assert_eq!(Bitfield::full(10).as_bytes(), &[0xff, 0xc0]);
        // Unused tail bits set, or a wrong length, are refused.
        assert!(Bitfield::from_bytes(10, &[0xff, 0xe0]).is_err());
        assert!(Bitfield::from_bytes(10, &[0xff]).is_err());
        assert!(Bitfield::from_bytes(10, &[0xff, 0xc0, 0]).is_err());
        assert_eq!(Bitfield::from_bytes(0, &[]).unwrap().len(), 0);
    }

    proptest! {
        #[test]
        fn encoding_round_trips(len in 0u64..300, picks in proptest::collection::vec(any::<u64>(), 0..64)) {
            let mut b = Bitfield::new(len);
            for p in &picks {
                if len > 0 {
                    b.set(p % len);
                }
            }
            let back = Bitfield::from_bytes(len, b.as_bytes()).unwrap();
            prop_assert_eq!(&back, &b);
            prop_assert_eq!(back.ones().count() as u64, b.count_ones());
            prop_assert_eq!(b.ones().count() + b.zeros().count(), len as usize);
        }
    }
}
