//! The low-dimensional similarity `1 / (1 + a d^(2b))` and its `a`, `b`, fitted from `min_dist`
//! and `spread` as umap-learn's `find_ab_params` does: a least-squares fit of the curve to the
//! offset exponential `1` below `min_dist`, `exp(-(d - min_dist) / spread)` above it, sampled at
//! 300 evenly spaced distances on `[0, 3 spread]`, starting from `a = b = 1` (scipy's
//! `curve_fit` default). Solved here by Levenberg-Marquardt with the analytic Jacobian.

/// Samples of the target curve.
const SAMPLES: usize = 300;
/// Most Levenberg-Marquardt steps.
const MAX_STEPS: usize = 500;
/// A step smaller than this (relative to the parameters) ends the fit.
const STEP_TOLERANCE: f64 = 1e-12;

/// The fitted `(a, b)` for `spread > 0` and `0 <= min_dist <= spread` (checked by the caller).
pub fn fit_ab(spread: f64, min_dist: f64) -> (f64, f64) {
    let xs: Vec<f64> = (0..SAMPLES)
        .map(|i| 3.0 * spread * i as f64 / (SAMPLES - 1) as f64)
        .collect();
    let ys: Vec<f64> = xs
        .iter()
        .map(|&x| {
            if x < min_dist {
                1.0
            } else {
                (-(x - min_dist) / spread).exp()
            }
        })
        .collect();
    let cost = |a: f64, b: f64| -> f64 {
        xs.iter()
            .zip(&ys)
            .map(|(&x, &y)| (curve(x, a, b) - y).powi(2))
            .sum()
    };
    let (mut a, mut b) = (1.0, 1.0);
    let mut current = cost(a, b);
    let mut lambda = 1e-3;
    for _ in 0..MAX_STEPS {
        // Normal equations J^T J and J^T r of the residuals r = curve - y.
        let (mut jaa, mut jab, mut jbb, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &y) in xs.iter().zip(&ys) {
            let (da, db) = gradient(x, a, b);
            let r = curve(x, a, b) - y;
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r;
            gb += db * r;
        }
        let mut improved = false;
        while lambda < 1e12 {
            let (m11, m22) = (jaa * (1.0 + lambda), jbb * (1.0 + lambda));
            let det = m11 * m22 - jab * jab;
            let step_a = -(m22 * ga - jab * gb) / det;
            let step_b = -(m11 * gb - jab * ga) / det;
            let (na, nb) = (a + step_a, b + step_b);
            let trial = if na > 0.0 && nb > 0.0 && det.is_finite() && det != 0.0 {
                cost(na, nb)
            } else {
                f64::INFINITY
            };
            if trial <= current {
                let small = step_a.abs() <= STEP_TOLERANCE * a.abs()
                    && step_b.abs() <= STEP_TOLERANCE * b.abs();
                (a, b, current) = (na, nb, trial);
                lambda = (lambda / 10.0).max(1e-12);
                improved = !small;
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    (a, b)
}

/// `1 / (1 + a x^(2b))`.
pub fn curve(x: f64, a: f64, b: f64) -> f64 {
    1.0 / (1.0 + a * x.powf(2.0 * b))
}

/// The curve's derivatives in `a` and `b` at `x` (both 0 at `x = 0`).
fn gradient(x: f64, a: f64, b: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 0.0);
    }
    let p = x.powf(2.0 * b);
    let denominator = (1.0 + a * p).powi(2);
    (-p / denominator, -a * p * 2.0 * x.ln() / denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(min_dist, spread, a, b)`: umap-learn 0.5.12's values (scipy 1.17.1), printed by
    /// `.venv-umap/bin/python -c 'from umap.umap_ import find_ab_params as f
    /// for s, m in [(1,0.1),(1,0.001),(1,0.5),(1,0.0),(2,0.3),(1,1.0)]: print(m, s, *f(s, m))'`.
    const UMAP_LEARN: [(f64, f64, f64, f64); 6] = [
        (0.1, 1.0, 1.5769434602697652, 0.8950608778515733),
        (0.001, 1.0, 1.929073395935085, 0.7915045334274393),
        (0.5, 1.0, 0.5830300203414425, 1.3341669924314914),
        (0.0, 1.0, 1.93280839734315, 0.7904949732233831),
        (0.3, 2.0, 0.3794946886311041, 0.9488152194414622),
        (1.0, 1.0, 0.11497568327441922, 1.929237144081752),
    ];

    #[test]
    fn matches_umap_learn() {
        for (min_dist, spread, a, b) in UMAP_LEARN {
            let (fa, fb) = fit_ab(spread, min_dist);
            assert!(
                (fa - a).abs() < 1e-4 * a,
                "min_dist {min_dist}: a {fa} vs {a}"
            );
            assert!(
                (fb - b).abs() < 1e-4 * b,
                "min_dist {min_dist}: b {fb} vs {b}"
            );
        }
    }
}
