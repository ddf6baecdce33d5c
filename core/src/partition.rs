//! Splitting a run across CI jobs, as nextest's `--partition slice:M/N` does.

use std::fmt;
use std::str::FromStr;

/// Job `index` (1-based) of `count` jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Partition {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let error = || format!("`{text}` is not a partition: expected M/N with 1 <= M <= N");
        let (m, n) = text.split_once('/').ok_or_else(error)?;
        let index: usize = m.trim().parse().map_err(|_| error())?;
        let count: usize = n.trim().parse().map_err(|_| error())?;
        if index == 0 || count == 0 || index > count {
            return Err(error());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Partition {
    /// Keeps this job's share of `items`: sorted, then dealt round-robin, so every item lands
    /// in exactly one job and bucket sizes differ by at most one.
    pub fn select<T: Ord>(&self, mut items: Vec<T>) -> Vec<T> {
        items.sort();
        self.deal(items)
    }

    /// Keeps this job's share of items already in a stable order, dealt round-robin.
    pub fn deal<T>(&self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % self.count == self.index - 1)
            .map(|(_, item)| item)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            "2/3".parse::<Partition>(),
            Ok(Partition { index: 2, count: 3 })
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_item_in_exactly_one_bucket() {
        let items: Vec<u32> = (0..101).rev().collect();
        let mut seen = Vec::new();
        for index in 1..=4 {
            let part = Partition { index, count: 4 }.select(items.clone());
            assert!(part.len() == 25 || part.len() == 26);
            seen.extend(part);
        }
        seen.sort();
        assert_eq!(seen, (0..101).collect::<Vec<_>>());
    }
}
