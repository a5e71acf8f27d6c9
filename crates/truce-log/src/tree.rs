//! Tree geometry: which nodes exist, how a range of leaves splits into perfect
//! subtrees, and the reference tree head of RFC 9162 computed from leaf hashes.

use crate::hash::{Hash, node_hash};

/// A complete node of the tree. Level 0 holds the leaf hashes; node
/// `(level, index)` is the root of the perfect subtree over leaves
/// `index << level .. (index + 1) << level`. Such a node never changes once the
/// tree has grown past its last leaf, which is what makes it storable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    /// The first leaf this node covers.
    pub fn first_leaf(self) -> u64 {
        self.index << self.level
    }

    /// One past the last leaf this node covers.
    pub fn end_leaf(self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// Splits the leaves `start..end` into the aligned perfect subtrees whose
/// right-to-left fold is the RFC 9162 hash of that range, largest first.
/// Every range that occurs in RFC 9162 proofs starts at a multiple of a power
/// of two larger than its length, so the split is the binary digits of its length.
pub fn perfect_subtrees(start: u64, end: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    let mut position = start;
    while position < end {
        let remaining = end - position;
        let mut level = 63 - remaining.leading_zeros();
        if position != 0 {
            level = level.min(position.trailing_zeros());
        }
        nodes.push(NodeId::new(level as u8, position >> level));
        position += 1u64 << level;
    }
    nodes
}

/// Folds the hashes of consecutive perfect subtrees (largest first) into the
/// hash of their union, as RFC 9162 defines it: right to left.
pub fn fold_subtrees(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |right, left| node_hash(left, &right)))
}

/// The largest power of two strictly smaller than `n` (RFC 9162's `k`); `n` must exceed 1.
pub fn split_point(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The tree head over `leaf_hashes`, by the recursive definition of RFC 9162,
/// 2.1.1. Quadratic in nothing, but it holds all hashes in memory: it is the
/// reference that tests hold the incremental and stored trees against.
pub fn reference_root(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes.len() {
        0 => Hash::empty_tree_root(),
        1 => leaf_hashes[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&reference_root(&leaf_hashes[..k]), &reference_root(&leaf_hashes[k..]))
        }
    }
}

/// The right edge of a growing tree: the roots of the perfect subtrees that
/// make up the first `size` leaves, largest first. This is all an appender
/// must keep in memory (at most 64 hashes); every other node is final and
/// lives in storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RightEdge {
    size: u64,
    /// (level, hash) of each perfect subtree, levels strictly decreasing.
    subtrees: Vec<(u8, Hash)>,
}

impl RightEdge {
    pub fn new() -> RightEdge {
        RightEdge::default()
    }

    /// Rebuilds the edge of a tree of `size` leaves from the hashes of
    /// [`RightEdge::nodes_for_size`], in that order.
    pub fn from_subtree_hashes(size: u64, hashes: &[Hash]) -> Option<RightEdge> {
        let nodes = RightEdge::nodes_for_size(size);
        if nodes.len() != hashes.len() {
            return None;
        }
        let subtrees = nodes
            .iter()
            .zip(hashes)
            .map(|(node, hash)| (node.level, *hash))
            .collect();
        Some(RightEdge { size, subtrees })
    }

    /// The nodes whose hashes make up the edge of a tree of `size` leaves.
    pub fn nodes_for_size(size: u64) -> Vec<NodeId> {
        perfect_subtrees(0, size)
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash and reports every node it completes, the leaf
    /// first, each with its hash, so the caller can store them.
    pub fn append(&mut self, leaf: Hash, mut completed: impl FnMut(NodeId, Hash)) {
        let leaf_index = self.size;
        completed(NodeId::new(0, leaf_index), leaf);
        let mut level = 0u8;
        let mut hash = leaf;
        while let Some(&(top_level, top_hash)) = self.subtrees.last() {
            if top_level != level {
                break;
            }
            self.subtrees.pop();
            hash = node_hash(&top_hash, &hash);
            level += 1;
            completed(NodeId::new(level, leaf_index >> level), hash);
        }
        self.subtrees.push((level, hash));
        self.size += 1;
    }

    /// The hashes of the perfect subtrees that make up the tree, largest
    /// first: the input of [`RightEdge::from_subtree_hashes`].
    pub fn subtree_hashes(&self) -> Vec<Hash> {
        self.subtrees.iter().map(|(_, hash)| *hash).collect()
    }

    /// The tree head of the leaves appended so far.
    pub fn root(&self) -> Hash {
        fold_subtrees(&self.subtree_hashes()).unwrap_or_else(Hash::empty_tree_root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn perfect_subtrees_follow_the_binary_digits_of_the_range() {
        let check = |start, end, expected: &[(u8, u64)]| {
            let got: Vec<(u8, u64)> = perfect_subtrees(start, end)
                .iter()
                .map(|n| (n.level, n.index))
                .collect();
            assert_eq!(got, expected, "range {start}..{end}");
        };
        check(0, 0, &[]);
        check(0, 1, &[(0, 0)]);
        check(0, 7, &[(2, 0), (1, 2), (0, 6)]);
        check(8, 13, &[(2, 2), (0, 12)]);
        check(4, 8, &[(2, 1)]);
        check(6, 7, &[(0, 6)]);
    }

    #[test]
    fn split_point_is_the_largest_power_of_two_below() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1 << 40, 1 << 39)] {
            assert_eq!(split_point(n), k, "n = {n}");
        }
    }

    #[test]
    fn right_edge_root_matches_reference_at_every_size() {
        let all = leaves(300);
        let mut edge = RightEdge::new();
        assert_eq!(edge.root(), Hash::empty_tree_root());
        for (i, leaf) in all.iter().enumerate() {
            edge.append(*leaf, |_, _| {});
            assert_eq!(edge.root(), reference_root(&all[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn right_edge_reports_each_completed_node_once() {
        let mut completed = Vec::new();
        let mut edge = RightEdge::new();
        for leaf in leaves(8) {
            edge.append(leaf, |node, _| completed.push(node));
        }
        // 8 leaves, 4 + 2 + 1 interior nodes.
        assert_eq!(completed.len(), 15);
        assert!(completed.contains(&NodeId::new(3, 0)));
        assert_eq!(edge.root(), reference_root(&leaves(8)));
    }

    #[test]
    fn right_edge_rebuilds_from_its_subtree_hashes() {
        let all = leaves(13);
        let mut edge = RightEdge::new();
        let mut stored = std::collections::HashMap::new();
        for leaf in &all {
            edge.append(*leaf, |node, hash| {
                stored.insert(node, hash);
            });
        }
        let hashes: Vec<Hash> = RightEdge::nodes_for_size(13).iter().map(|node| stored[node]).collect();
        assert_eq!(RightEdge::from_subtree_hashes(13, &hashes), Some(edge));
        assert_eq!(RightEdge::from_subtree_hashes(13, &hashes[1..]), None);
    }
}
