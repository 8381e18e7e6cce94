//! Fixed-width bit sets over a problem's credentials, stored as `u64` word
//! slices (one word covers a typical learner; the search works on words).

/// Words needed for `n` bits (at least one).
pub(crate) fn words_for(n: usize) -> usize {
    n.div_ceil(64).max(1)
}

pub(crate) fn get(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

pub(crate) fn set(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1u64 << (i % 64);
    }
}

pub(crate) fn unset(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w &= !(1u64 << (i % 64));
    }
}

/// The bits of `[lo, hi)` that fall in word `w`.
pub(crate) fn range_word(w: usize, lo: usize, hi: usize) -> u64 {
    let base = w * 64;
    let from = lo.saturating_sub(base).min(64);
    let to = hi.saturating_sub(base).min(64);
    if from >= to {
        return 0;
    }
    let upper = if to == 64 { u64::MAX } else { (1u64 << to) - 1 };
    upper & !((1u64 << from) - 1)
}

pub(crate) fn count(bits: &[u64]) -> usize {
    bits.iter().map(|w| w.count_ones() as usize).sum()
}

/// The set bits, lowest first.
pub(crate) fn ones(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    ones_from(bits, 0)
}

/// The set bits from index `from` on, lowest first.
pub(crate) fn ones_from(bits: &[u64], from: usize) -> impl Iterator<Item = usize> + '_ {
    let first = from / 64;
    bits.iter().enumerate().skip(first).flat_map(move |(i, &word)| {
        let mut w = if i == first { word & (u64::MAX << (from % 64)) } else { word };
        std::iter::from_fn(move || {
            if w == 0 {
                return None;
            }
            let b = w.trailing_zeros() as usize;
            w &= w - 1;
            Some(i * 64 + b)
        })
    })
}

/// A bit matrix: rows of one width (`words`) in one buffer, added whole.
/// Every row index below [`BitRows::len`] is in bounds by construction.
#[derive(Debug, Default, Clone)]
pub(crate) struct BitRows {
    words: usize,
    data: Vec<u64>,
}

impl BitRows {
    pub fn with_capacity(words: usize, rows: usize) -> Self {
        BitRows { words, data: Vec::with_capacity(words * rows) }
    }

    pub fn clear(&mut self) {
        self.data.clear();
    }

    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.words).unwrap_or(0)
    }

    /// Adds an empty row and returns it.
    pub fn push(&mut self) -> &mut [u64] {
        let start = self.data.len();
        self.data.resize(start + self.words, 0);
        self.row_mut(self.len() - 1)
    }

    pub fn row(&self, r: usize) -> &[u64] {
        debug_assert!(r < self.len(), "row {r} of {}", self.len());
        // INVARIANT: rows are added whole, so `r < len()` is in bounds;
        // callers only pass rows they added.
        self.data.get(r * self.words..(r + 1) * self.words).unwrap_or(&[])
    }

    pub fn row_mut(&mut self, r: usize) -> &mut [u64] {
        debug_assert!(r < self.len(), "row {r} of {}", self.len());
        // INVARIANT: as in `row`.
        self.data.get_mut(r * self.words..(r + 1) * self.words).unwrap_or(&mut [])
    }

    /// Word `i` of row `r`: the two are within bounds (see `row`).
    pub fn word(&self, r: usize, i: usize) -> u64 {
        self.row(r).get(i).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_iteration() {
        assert_eq!(range_word(0, 0, 64), u64::MAX);
        assert_eq!(range_word(0, 3, 5), 0b11000);
        assert_eq!(range_word(1, 60, 70), 0b111111);
        assert_eq!(range_word(1, 0, 64), 0);
        let mut b = vec![0u64; 2];
        set(&mut b, 3);
        set(&mut b, 64);
        set(&mut b, 127);
        assert!(get(&b, 64) && !get(&b, 65));
        assert_eq!(ones(&b).collect::<Vec<_>>(), vec![3, 64, 127]);
        assert_eq!(ones_from(&b, 4).collect::<Vec<_>>(), vec![64, 127]);
        assert_eq!(ones_from(&b, 64).collect::<Vec<_>>(), vec![64, 127]);
        assert_eq!(ones_from(&b, 128).count(), 0);
        unset(&mut b, 64);
        assert_eq!(count(&b), 2);
    }

    #[test]
    fn rows_of_a_bit_matrix() {
        let mut m = BitRows::with_capacity(2, 1);
        assert_eq!(m.len(), 0);
        set(m.push(), 70);
        set(m.push(), 1);
        assert_eq!(m.len(), 2);
        assert_eq!(m.row(0), &[0, 1 << 6]);
        assert_eq!(m.word(1, 0), 0b10);
        unset(m.row_mut(0), 70);
        assert_eq!(count(m.row(0)), 0);
        m.clear();
        assert_eq!(m.len(), 0);
    }
}
