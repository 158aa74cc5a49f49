//! Integer arithmetic beyond `u128`: a 256-bit product, its integer square root and
//! `a × b / c`, so that reputation and rewards never overflow and never round through
//! floats.

const LOW: u128 = u64::MAX as u128;

/// `a × b` as `(high, low)` 128-bit halves.
pub fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Each term below 2^64, so the sum is below 3 · 2^64.
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let low = (p00 & LOW) | (mid << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (high, low)
}

/// `floor(sqrt(high · 2^128 + low))`, which always fits in 128 bits.
pub fn isqrt_wide(high: u128, low: u128) -> u128 {
    let mut root: u128 = 0;
    for bit in (0..128).rev() {
        let candidate = root | (1u128 << bit);
        if mul_wide(candidate, candidate) <= (high, low) {
            root = candidate;
        }
    }
    root
}

/// `floor(sqrt(x))`.
pub fn isqrt(x: u128) -> u128 {
    isqrt_wide(0, x)
}

/// `floor(a × b / c)`, or `None` if `c` is zero or the quotient does not fit in 128
/// bits (never when `b ≤ c`).
pub fn mul_div(a: u128, b: u128, c: u128) -> Option<u128> {
    if c == 0 {
        return None;
    }
    let (high, low) = mul_wide(a, b);
    let mut rem: u128 = 0;
    let mut quotient: u128 = 0;
    for i in (0..256u32).rev() {
        let bit = if i >= 128 {
            (high >> (i - 128)) & 1
        } else {
            (low >> i) & 1
        };
        let carry = rem >> 127;
        rem = (rem << 1) | bit;
        // With a carry the true remainder is 2^128 + rem ≥ c, and subtracting c leaves
        // less than c, which the wrapping subtraction yields exactly.
        if carry == 1 || rem >= c {
            rem = rem.wrapping_sub(c);
            if i >= 128 {
                return None;
            }
            quotient |= 1u128 << i;
        }
    }
    Some(quotient)
}

/// `floor(amount × bps / 10000)` without overflow; `bps` above 10000 counts as 10000.
pub fn bps_of(amount: u128, bps: u32) -> u128 {
    let bps = u128::from(bps.min(10_000));
    (amount / 10_000) * bps + (amount % 10_000) * bps / 10_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
        assert_eq!(mul_wide(1 << 127, 4), (2, 0));
        assert_eq!(isqrt(0), 0);
        assert_eq!(isqrt(15), 3);
        assert_eq!(isqrt(16), 4);
        assert_eq!(isqrt(u128::MAX), u64::MAX as u128);
        let (h, l) = mul_wide(u128::MAX, u128::MAX);
        assert_eq!(isqrt_wide(h, l), u128::MAX);
        assert_eq!(isqrt_wide(h, l - 1), u128::MAX - 1);
        assert_eq!(isqrt_wide(u128::MAX, u128::MAX), u128::MAX);
        assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX), Some(u128::MAX));
        assert_eq!(mul_div(u128::MAX, 3, 4), Some(u128::MAX / 4 * 3 + 2));
        assert_eq!(mul_div(7, 3, 0), None);
        assert_eq!(mul_div(u128::MAX, 2, 1), None);
        assert_eq!(bps_of(u128::MAX, 10_000), u128::MAX);
        assert_eq!(bps_of(12_345, 1_000), 1_234);
    }

    proptest! {
        #[test]
        fn agrees_with_u128_where_it_fits(a in any::<u64>(), b in any::<u64>(), c in 1u128..) {
            let (a, b) = (u128::from(a), u128::from(b));
            prop_assert_eq!(mul_wide(a, b), (0, a * b));
            prop_assert_eq!(mul_div(a, b, c), Some(a * b / c));
            let r = isqrt(a * b);
            prop_assert!(r * r <= a * b && (r + 1) * (r + 1) > a * b);
        }

        #[test]
        fn wide_root_brackets_the_product(a in any::<u128>(), b in any::<u128>()) {
            let n = mul_wide(a, b);
            let r = isqrt_wide(n.0, n.1);
            prop_assert!(mul_wide(r, r) <= n);
            if r < u128::MAX {
                prop_assert!(mul_wide(r + 1, r + 1) > n);
            }
        }

        #[test]
        fn mul_div_is_exact(a in any::<u128>(), b in any::<u128>(), c in 1u128..) {
            let q = mul_div(a, b, c);
            let (h, l) = mul_wide(a, b);
            match q {
                Some(q) => {
                    // q·c ≤ a·b < (q+1)·c, with a·b − q·c < c.
                    let (qh, ql) = mul_wide(q, c);
                    prop_assert!((qh, ql) <= (h, l));
                    let (rl, borrow) = l.overflowing_sub(ql);
                    let rh = h - qh - u128::from(borrow);
                    prop_assert!(rh == 0 && rl < c);
                }
                None => prop_assert!(b > c),
            }
        }
    }
}
