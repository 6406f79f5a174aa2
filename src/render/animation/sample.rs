//! The points a GIF draws when there are too many: a fixed subsample, stratified by class.
//!
//! Each class (of a categorical colouring; other colourings are one class) first gets up to
//! `cap / (2 * classes)` points, so small classes keep all or many of theirs; the rest of the
//! cap is shared in proportion to what each class has left. Within a class the points are the
//! first in [`draw_order`], a fixed pseudo-random order, so the choice is the same on every
//! run and machine.

use super::super::canvas::draw_order;
use super::super::colouring::Colouring;

/// The indices (ascending) of at most `cap` of the `n` points coloured by `colouring`: all of
/// them when `n <= cap`, else the stratified subsample described in the module docs.
pub(crate) fn stratified(colouring: &Colouring, n: usize, cap: usize) -> Vec<usize> {
    if n <= cap {
        return (0..n).collect();
    }
    let stratum = |i: usize| match colouring {
        Colouring::Categorical(c) => usize::from(c.of_point[i]),
        _ => 0,
    };
    let strata = match colouring {
        Colouring::Categorical(c) => c.classes.len(),
        _ => 1,
    };
    let mut sizes = vec![0usize; strata];
    (0..n).for_each(|i| sizes[stratum(i)] += 1);
    let present = sizes.iter().filter(|&&s| s > 0).count().max(1);
    let floor = cap / (2 * present);
    let guaranteed: Vec<usize> = sizes.iter().map(|&s| s.min(floor)).collect();
    let rest = cap - guaranteed.iter().sum::<usize>();
    let left: Vec<usize> = sizes.iter().zip(&guaranteed).map(|(s, g)| s - g).collect();
    let left_total: usize = left.iter().sum();
    let quota: Vec<usize> = guaranteed
        .iter()
        .zip(&left)
        .map(|(&g, &l)| g + (rest as u128 * l as u128 / left_total.max(1) as u128) as usize)
        .collect();
    let mut taken = vec![0usize; strata];
    let mut chosen: Vec<usize> = draw_order(n)
        .into_iter()
        .filter(|&i| {
            let s = stratum(i);
            let take = taken[s] < quota[s];
            taken[s] += usize::from(take);
            take
        })
        .collect();
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::metadata::Metadata;

    #[test]
    fn small_classes_stay_and_the_cap_holds() {
        // 10,000 points of class 0, 30 of class 1, 300 of class 2.
        let labels: Vec<u8> = (0..10_330)
            .map(|i| match i {
                0..10_000 => 0,
                10_000..10_030 => 1,
                _ => 2,
            })
            .collect();
        let c = Colouring::from_column(Some(&Metadata::from_labels(&labels).columns()[0]));
        let s = stratified(&c, labels.len(), 600);
        assert!(s.len() <= 600 && s.len() >= 590, "{}", s.len());
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        let count = |k: u8| s.iter().filter(|&&i| labels[i] == k).count();
        assert_eq!(count(1), 30, "a class under the floor keeps every point");
        assert!(count(2) >= 100, "{}", count(2));
        assert!(count(0) > count(2));
        assert_eq!(s, stratified(&c, labels.len(), 600));
        assert_eq!(stratified(&Colouring::Single, 5, 600), [0, 1, 2, 3, 4]);
        assert_eq!(stratified(&Colouring::Single, 1000, 10).len(), 10);
    }
}
