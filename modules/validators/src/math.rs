//! Exact integer arithmetic for shares, tokens and rewards: `a × b / c` with a 256-bit
//! intermediate product, so no product of two amounts can overflow, and basis points.

/// The full 256-bit product of two `u128`s, as (high, low) halves.
fn wide_mul(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & MASK);
    let (b1, b0) = (b >> 64, b & MASK);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Each term is below 2^64, so the sum is below 3 × 2^64.
    let mid = (p00 >> 64) + (p01 & MASK) + (p10 & MASK);
    let lo = (p00 & MASK) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// `(floor(a × b / c), (a × b) mod c)`, or `None` if `c` is zero or the quotient does
/// not fit in 128 bits.
pub fn mul_div_rem(a: u128, b: u128, c: u128) -> Option<(u128, u128)> {
    if c == 0 {
        return None;
    }
    if let Some(p) = a.checked_mul(b) {
        return Some((p / c, p % c));
    }
    let (hi, lo) = wide_mul(a, b);
    if hi >= c {
        return None;
    }
    // Long division, one bit at a time; the remainder stays below `c`, and `carry`
    // holds the bit shifted out of it.
    let mut rem = hi;
    let mut q = 0u128;
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        q <<= 1;
        if carry == 1 || rem >= c {
            rem = rem.wrapping_sub(c);
            q |= 1;
        }
    }
    Some((q, rem))
}

/// `floor(a × b / c)`; `None` if `c` is zero or the result overflows.
pub fn mul_div(a: u128, b: u128, c: u128) -> Option<u128> {
    mul_div_rem(a, b, c).map(|(q, _)| q)
}

/// `ceil(a × b / c)`; `None` if `c` is zero or the result overflows.
pub fn mul_div_ceil(a: u128, b: u128, c: u128) -> Option<u128> {
    let (q, r) = mul_div_rem(a, b, c)?;
    if r == 0 {
        Some(q)
    } else {
        q.checked_add(1)
    }
}

/// `floor(amount × bps / 10000)`, with `bps` capped at 10000.
pub fn bps_of(amount: u128, bps: u32) -> u128 {
    let bps = u128::from(bps.min(10_000));
    (amount / 10_000) * bps + (amount % 10_000) * bps / 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_div_matches_small_products() {
        assert_eq!(mul_div(10, 20, 3), Some(66));
        assert_eq!(mul_div_rem(10, 20, 3), Some((66, 2)));
        assert_eq!(mul_div_ceil(10, 20, 3), Some(67));
        assert_eq!(mul_div_ceil(10, 21, 3), Some(70));
        assert_eq!(mul_div(1, 1, 0), None);
    }

    #[test]
    fn mul_div_survives_wide_products() {
        let max = u128::MAX;
        assert_eq!(mul_div(max, max, max), Some(max));
        assert_eq!(mul_div(max, 3, 3), Some(max));
        assert_eq!(mul_div(max, 2, 1), None);
        let a = 1u128 << 100;
        let b = 1u128 << 90;
        assert_eq!(mul_div(a, b, 1u128 << 80), Some(1u128 << 110));
        // (2^127 + 1) × 6 / 4 = 3 × 2^126 + 1 remainder 2.
        assert_eq!(
            mul_div_rem((1 << 127) + 1, 6, 4),
            Some((3 * (1u128 << 126) + 1, 2))
        );
        assert_eq!(mul_div_ceil(max, max - 1, max), Some(max - 1));
    }

    #[test]
    fn bps_never_overflows() {
        assert_eq!(bps_of(u128::MAX, 10_000), u128::MAX);
        assert_eq!(bps_of(1_000, 500), 50);
        assert_eq!(bps_of(999, 1), 0);
        assert_eq!(bps_of(10_000, 20_000), 10_000);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn add_wide(a: (u128, u128), b: u128) -> (u128, u128) {
        let (lo, carry) = a.1.overflowing_add(b);
        (a.0 + u128::from(carry), lo)
    }

    proptest! {
        #[test]
        fn quotient_and_remainder_reconstruct_the_product(a: u128, b: u128, c in 1u128..) {
            if let Some((q, r)) = mul_div_rem(a, b, c) {
                prop_assert!(r < c);
                prop_assert_eq!(add_wide(wide_mul(q, c), r), wide_mul(a, b));
            } else {
                // Only an overflowing quotient is refused.
                prop_assert!(wide_mul(a, b).0 >= c);
            }
        }
    }
}
